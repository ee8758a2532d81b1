"""stdout and stderr that fail the way the exit codes promise.

stderr carries the report and error lines. When it cannot be written (`2>/dev/full`, a closed
pipe), what was to be said is dropped and the exit code still tells the outcome: a sync that
wrote its file exits 0, not 1 with a traceback nobody can read. stdout carries what the user
asked for (a diff, a JSON report): when it cannot be written, that is a failure, one line on
stderr and exit 2.
"""

from __future__ import annotations

import io
import os
import sys

from exposure_sync.errors import BadInputError


class _Stderr(io.RawIOBase):
    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        try:
            return os.write(self._fd, data)
        except OSError:
            return len(data)  # nobody can read it: drop it


class _Stdout(io.RawIOBase):
    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._failed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self._failed:
            return len(data)  # said once; the exit at shutdown must not fail again
        try:
            return os.write(self._fd, data)
        except OSError as err:
            self._failed = True
            raise BadInputError(
                f"cannot write to standard output ({err.strerror}); "
                "check where the output is redirected"
            ) from None


def install() -> None:
    """Replace sys.stdout and sys.stderr (when they are real files) with the streams above.

    Text that the terminal's encoding cannot show (a Windows pre-commit hook) is shown escaped
    rather than failing; files the tool writes are always UTF-8.
    """
    for name, raw_class in (("stdout", _Stdout), ("stderr", _Stderr)):
        stream = getattr(sys, name)
        if not isinstance(stream, io.TextIOWrapper):
            continue  # a test runner's capture, or something else that knows what it does
        try:
            fd = stream.fileno()
        except (OSError, ValueError):
            continue
        stream.flush()
        wrapped = io.TextIOWrapper(
            io.BufferedWriter(raw_class(fd)),
            encoding=stream.encoding,
            errors="backslashreplace",
            line_buffering=stream.line_buffering or name == "stderr",
        )
        setattr(sys, name, wrapped)
