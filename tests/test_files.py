"""exposure_sync.files: reading only regular files, atomic writes through symlinks and signals.

The signal test runs a real process that keeps writing, and signals it while a temporary file
exists: whatever the signal, no temporary file may stay behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.files import atomic_write, read_input

PAYLOAD_BYTES = 8 * 1024 * 1024  # big enough that a write takes a while
WRITER = f"""
import sys
from exposure_sync.files import atomic_write
data = b"x" * {PAYLOAD_BYTES}
for _ in range(10_000):
    atomic_write(sys.argv[1], data)
"""


def temporaries(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_no_temporary_file_survives_a_signal_during_a_write(
    tmp_path: Path, signum: signal.Signals
) -> None:
    target = tmp_path / "looker_exposures.yml"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not temporaries(tmp_path):  # wait for a write in progress
            assert writer.poll() is None, "the writer ended before it was signalled"
            assert time.monotonic() < deadline, "no write in progress within 30 s"
            time.sleep(0.001)
        writer.send_signal(signum)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode != 0  # it was stopped by the signal, not done writing
    assert temporaries(tmp_path) == []
    assert not target.exists() or target.stat().st_size == PAYLOAD_BYTES  # never half a file


def test_atomic_write_goes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "exposures.yml"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "exposures.yml"
    link.symlink_to(real)
    atomic_write(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    dangling = tmp_path / "dangling.yml"
    dangling.symlink_to(tmp_path / "elsewhere" / "created.yml")
    atomic_write(dangling, "made\n")
    assert dangling.is_symlink() and dangling.read_text() == "made\n"


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_read_input_refuses_special_files_without_opening_them(tmp_path: Path, kind: str) -> None:
    path = {"fifo": tmp_path / "pipe", "directory": tmp_path, "device": Path("/dev/zero")}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block: the test would hang
    with pytest.raises(BadInputError, match="pass a regular file"):
        read_input(path, "the input")


def test_read_input_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    path.write_bytes(b"#" * (2 * 1024 * 1024 + 1))
    with pytest.raises(BadInputError, match="larger than 2 MB"):
        read_input(path, "the input", max_bytes=2 * 1024 * 1024)
    assert len(read_input(path, "the input")) == 2 * 1024 * 1024 + 1
    with pytest.raises(FileNotFoundError):
        read_input(tmp_path / "missing.yml", "the input")
