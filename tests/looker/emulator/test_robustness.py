"""Clients that hang up or send odd credentials get answers or one log line, never a traceback."""

from __future__ import annotations

import socket
import struct
import time

import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, FaultConfig, Instance

from .conftest import API


def _stderr_after(capfd: pytest.CaptureFixture[str], server: EmulatorServer, requests_seen: int):
    """stderr once the server has handled `requests_seen` requests (bounded wait)."""
    for _ in range(100):
        if server.stats.total() >= requests_seen:
            break
        time.sleep(0.02)
    time.sleep(0.2)  # the log line comes after the request is recorded
    return capfd.readouterr().err


@pytest.mark.parametrize(
    "secret",
    ["sécret-ключ-🔑", "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"), ""],
    ids=["non-ascii", "odd-bytes", "empty"],
)
def test_odd_credentials_get_looker_404(
    shop: Instance, capfd: pytest.CaptureFixture[str], secret: str
) -> None:
    with EmulatorServer(shop) as server:
        reply = requests.post(
            f"{server.base_url}{API}/login",
            data={"client_id": f"{server.client_id}é", "client_secret": secret},
            timeout=10,
        )
        assert reply.status_code == 404
        assert reply.json()["message"] == "Not found"
        err = _stderr_after(capfd, server, 1)
    assert "Traceback" not in err


def test_undecodable_form_body_gets_404(shop: Instance, capfd: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(shop) as server:
        reply = requests.post(
            f"{server.base_url}{API}/login",
            data=b"client_id=\xff\xfe&client_secret=\xc3",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert reply.status_code == 404
    assert "Traceback" not in capfd.readouterr().err


def test_bad_content_length_gets_400(shop: Instance, capfd: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(shop) as server, socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /api/4.0/login HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n")
        s.settimeout(5)
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    assert "Traceback" not in capfd.readouterr().err


def test_client_hanging_up_mid_answer_is_one_log_line(
    shop: Instance, capfd: pytest.CaptureFixture[str]
) -> None:
    # the answer waits 300 ms: the client has reset the connection by the time it is written
    with EmulatorServer(shop, faults=FaultConfig(latency_ms=300)) as server:
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(f"GET {API}/dashboards/search HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        s.close()
        err = ""
        for _ in range(50):  # bounded: the line comes once the server writes its answer
            err += capfd.readouterr().err
            if "disconnected" in err:
                break
            time.sleep(0.05)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "disconnected before its answer was sent" in lines[0], err
