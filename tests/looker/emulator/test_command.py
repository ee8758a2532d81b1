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


def test_prints_settings_serves_and_exits_quietly_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        command("--instance", str(SHOP), "--port", "0", "--latency-ms", "1", "--seed", "3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(4)]  # type: ignore[union-attr]
        settings = dict(line.split("=", 1) for line in lines)
        assert list(settings) == [*NAMES, "LOOKERSDK_VERIFY_SSL"]
        assert settings["LOOKERSDK_VERIFY_SSL"] == "false"
        base = settings["LOOKERSDK_BASE_URL"]
        assert base.startswith("http://127.0.0.1:")
        creds = {"client_id": settings[NAMES[1]], "client_secret": settings[NAMES[2]]}
        token = requests.post(f"{base}{API}/login", data=creds, timeout=10).json()["access_token"]
        reply = requests.get(f"{base}{API}/users/1", headers={"Authorization": f"token {token}"})
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
