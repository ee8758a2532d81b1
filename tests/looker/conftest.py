"""Fixtures for the Looker client and crawl tests: a small instance served over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure_sync.looker.emulator.instance import load_instance
from exposure_sync.looker.emulator.server import EmulatorServer

INSTANCE = Path(__file__).parent.parent / "fixtures" / "crawl" / "small"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(load_instance(INSTANCE)) as emulator:
        yield emulator


@pytest.fixture
def emulator(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> EmulatorServer:
    """The shared server, clean: no faults, counters at zero, LOOKERSDK_* pointing at it."""
    server.set_faults(None)
    server.stats.reset()
    monkeypatch.chdir(tmp_path)  # no stray ./looker.ini
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    return server
