"""The hostile emulator: chosen endpoints' answers mangled, the rest served as usual."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, FaultConfig, Instance

from .conftest import API, login


def get(server: EmulatorServer, token: str, path: str, **params: str) -> requests.Response:
    headers = {"Authorization": f"token {token}"}
    return requests.get(f"{server.base_url}{API}{path}", headers=headers, params=params, timeout=10)


def test_json_mangles_change_only_the_key_named(shop: Instance) -> None:
    with EmulatorServer(shop) as server:
        token = login(server)
        clean = get(server, token, "/dashboards/1").json()
        for spec, check in [
            ("null:title", lambda body: body["title"] is None),
            ("missing:title", lambda body: "title" not in body),
            (
                "wrong_type:dashboard_elements",
                lambda body: isinstance(body["dashboard_elements"], dict),
            ),
            ("empty_lists", lambda body: body["dashboard_elements"] == []),
            ("wrong_shape", lambda body: body == [clean]),
        ]:
            server.set_faults(FaultConfig(mangle={"/dashboards/*": spec}))
            body = get(server, token, "/dashboards/1").json()
            assert check(body), spec
            if isinstance(body, dict):
                assert body["id"] == clean["id"]
            assert get(server, token, "/users/1").status_code == 200  # other paths are served
        assert server.stats.log()[-2].fault == "mangle wrong_shape"


def test_body_mangles_and_errors(shop: Instance) -> None:
    with EmulatorServer(shop) as server:
        token = login(server)
        server.set_faults(FaultConfig(mangle={"/dashboards/*": "html"}))
        reply = get(server, token, "/dashboards/1")
        assert reply.status_code == 200 and reply.text.startswith("<!DOCTYPE html>")
        assert get(server, token, "/dashboards/999").status_code == 404  # errors stay errors
        server.set_faults(FaultConfig(mangle={"/queries/*/run/sql": "empty"}))
        reply = get(server, token, "/queries/1/run/sql")
        assert reply.status_code == 200 and reply.content == b""


def test_a_stalled_answer_ends_when_the_server_stops(shop: Instance) -> None:
    server = EmulatorServer(shop, faults=FaultConfig(mangle={"/folders": "stall"})).start()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(f"GET {API}/folders HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    sock.settimeout(0.5)
    with pytest.raises(TimeoutError):
        sock.recv(10)  # nothing comes
    start = time.monotonic()
    server.stop()
    sock.settimeout(5)
    assert sock.recv(10) == b""  # closed, not left hanging
    assert time.monotonic() - start < 2
    sock.close()


def test_bad_mangle_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="mangle kinds"):
        FaultConfig(mangle={"/folders": "gibberish"})
    with pytest.raises(ValueError, match="needs a key"):
        FaultConfig(mangle={"/folders": "null"})
