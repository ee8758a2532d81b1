"""`emulator` command: prints LOOKERSDK_* lines, serves until Ctrl-C, exits 0 quietly."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time

import requests

from exposure_sync.looker.emulator import serve_forever

from .conftest import API, FIXTURES, SHOP

NAMES = ["LOOKERSDK_BASE_URL", "LOOKERSDK_CLIENT_ID", "LOOKERSDK_CLIENT_SECRET"]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "exposure_sync.looker.emulator.command", *args]


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The command started with `args`, and the settings it printed on stdout."""
    proc = subprocess.Popen(
        command("--instance", str(SHOP), *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [proc.stdout.readline().rstrip("\n") for _ in range(4)]  # type: ignore[union-attr]
    return proc, dict(line.split("=", 1) for line in lines)


def login(settings: dict[str, str]) -> dict[str, str]:
    creds = {"client_id": settings[NAMES[1]], "client_secret": settings[NAMES[2]]}
    url = f"{settings['LOOKERSDK_BASE_URL']}{API}/login"
    token = requests.post(url, data=creds, timeout=10).json()["access_token"]
    return {"Authorization": f"token {token}"}


def test_prints_settings_serves_and_exits_quietly_on_ctrl_c() -> None:
    proc, settings = start("--port", "0", "--latency-ms", "1", "--seed", "3")
    try:
        assert list(settings) == [*NAMES, "LOOKERSDK_VERIFY_SSL"]
        assert settings["LOOKERSDK_VERIFY_SSL"] == "false"
        base = settings["LOOKERSDK_BASE_URL"]
        assert base.startswith("http://127.0.0.1:")
        reply = requests.get(f"{base}{API}/users/1", headers=login(settings), timeout=10)
        assert reply.json()["email"] == "ada@shop.example"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    # stdout holds only the settings; one line on stderr says where it served, nothing more
    assert out == "" and err == f"serving Looker API 4.0 at {base}; Ctrl-C to stop\n"


def test_bad_instance_exits_2_with_one_line() -> None:
    bad = FIXTURES / "bad" / "join_unknown_view"
    proc = subprocess.run(command("--instance", str(bad)), capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and str(bad / "lookml" / "m.model.lkml") in proc.stderr


def test_serve_forever_in_process() -> None:
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve_forever, args=(SHOP,), kwargs={"out": out, "stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while out.getvalue().count("\n") < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        base = out.getvalue().splitlines()[0].split("=", 1)[1]
        assert requests.get(f"{base}{API}/users", timeout=10).status_code == 401
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_broken_dashboard_flag() -> None:
    proc, settings = start("--broken-dashboard", "2", "--broken-dashboard", "4")
    try:
        base, headers = settings["LOOKERSDK_BASE_URL"], login(settings)
        statuses = [
            requests.get(f"{base}{API}/dashboards/{i}", headers=headers, timeout=10).status_code
            for i in ("1", "2", "3", "4")
        ]
        assert statuses == [200, 500, 200, 500]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
