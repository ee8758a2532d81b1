"""Each whole answer within its timeout and every request within the deadline, against a
hostile emulator: stalled, dripping, huge and Retry-After-flooding answers all end in time."""

from __future__ import annotations

import time

import pytest

from exposure_sync.errors import LookerError
from exposure_sync.looker.client import LookerClient
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.server import EmulatorServer

from .test_client import Sleeps, free_port


def timed(call) -> tuple[str, float]:
    """The failure message of call() and how long it took to fail."""
    start = time.monotonic()
    with pytest.raises(LookerError) as err:
        call()
    return str(err.value), time.monotonic() - start


@pytest.mark.parametrize("kind", ["stall", "slow", "drip", "drip_headers"])
def test_a_whole_answer_must_arrive_within_the_timeout(emulator: EmulatorServer, kind: str):
    emulator.set_faults(FaultConfig(mangle={"/folders": kind}))
    client = LookerClient(retries=0, timeout=1)
    client.login()
    message, took = timed(lambda: client.get_json("/folders"))
    assert "GET /folders (no complete answer within 1 s (config `timeout`)) after 1" in message
    assert took < 2.5  # a dripping answer is not renewed by each byte


def test_lookersdk_timeout_applies_when_the_config_names_none(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LOOKERSDK_TIMEOUT", "1")
    emulator.set_faults(FaultConfig(mangle={"/folders": "drip"}))
    message, took = timed(lambda: LookerClient(retries=0).get_json("/folders"))
    assert "within 1 s" in message and took < 2.5


def test_a_huge_answer_is_cut(emulator: EmulatorServer):
    emulator.set_faults(FaultConfig(mangle={"/folders": "huge"}))
    message, _ = timed(lambda: LookerClient(retries=0, timeout=30).get_json("/folders"))
    assert "an answer larger than 64 MB" in message


def test_an_answer_that_is_not_json_is_retried(emulator: EmulatorServer):
    emulator.set_faults(FaultConfig(mangle={"/folders": "html"}))
    sleeps = Sleeps()
    message, _ = timed(lambda: LookerClient(retries=2, sleep=sleeps).get_json("/folders"))
    assert "(answered an HTML page, not JSON) after 3 attempts" in message
    assert emulator.stats.counts()["all_folders"] == 3 and len(sleeps) == 2


def test_retry_after_past_the_deadline_fails_at_once(emulator: EmulatorServer):
    emulator.set_faults(FaultConfig(always_fail={"/folders": "429"}, retry_after_s=100000))
    sleeps = Sleeps()
    client = LookerClient(retries=5, deadline=60, sleep=sleeps)
    message, took = timed(lambda: client.get_json("/folders"))
    assert "waiting 300 s more would pass the deadline (60 s for the whole read" in message
    assert sleeps == [] and took < 2


def test_at_the_deadline_nothing_more_is_sent(emulator: EmulatorServer):
    emulator.set_faults(FaultConfig(mangle={"/folders": "stall"}))
    client = LookerClient(retries=5, timeout=60, deadline=1.5)
    client.login()
    message, took = timed(lambda: client.get_json("/folders"))
    assert "no complete answer within 1 s" in message or "deadline" in message
    assert took < 2.5
    sent = emulator.stats.total()
    message, took = timed(lambda: client.get_json("/users"))
    assert message == (
        "GET /users not sent: the deadline (1.5 s for the whole read, config `deadline` or "
        "--deadline) passed"
    )
    assert took < 0.1 and emulator.stats.total() == sent


def test_a_stopped_looker_ends_by_the_deadline(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOOKERSDK_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "id")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "secret")
    message, took = timed(lambda: LookerClient(retries=20, deadline=2).login())
    assert "Looker is unreachable" in message and "would pass the deadline" in message
    assert took < 3


def test_behind_an_http_proxy_too(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch):
    """The emulator as the proxy: requests sends it absolute URLs for any host."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", emulator.base_url)
    monkeypatch.setenv("LOOKERSDK_BASE_URL", "http://looker.invalid:19999")
    emulator.set_faults(FaultConfig(mangle={"/folders": "drip_headers"}))
    client = LookerClient(retries=0, timeout=1)
    client.login()
    message, took = timed(lambda: client.get_json("/folders"))
    assert "no complete answer within 1 s" in message and took < 2.5
