"""Reading inputs safely and writing files so that readers never see half of one."""

from __future__ import annotations

import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from exposure_sync.errors import BadInputError

MB = 1024 * 1024
# Caps for files that have no business being huge (a wrong path such as a disk image or a log
# would otherwise be read whole into memory). Manifests and snapshots have no cap: they grow
# with the project and the Looker instance.
CONFIG_MAX_BYTES = 10 * MB
LOOKML_MANIFEST_MAX_BYTES = 10 * MB
LOOKML_FILE_MAX_BYTES = 10 * MB  # one view, model or dashboard file of a checkout
LOOKER_INI_MAX_BYTES = 1 * MB
GENERATED_MAX_BYTES = 100 * MB  # ~100,000 entries

# Signals whose default action kills the process without Python's cleanup (SIGINT already
# raises KeyboardInterrupt). During a write they become an exception, so that the temporary
# file goes, then the process dies of the signal as it would have.
_FATAL_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
# Windows opens descriptors in text mode (newline translation) unless told otherwise
_BINARY = getattr(os, "O_BINARY", 0)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: str | Path, what: str) -> os.stat_result | None:
    """The file's stat when `path` is a regular file (symlinks followed), None when it does not
    exist. A directory, FIFO, device or socket is a BadInputError: os.stat never blocks, and
    opening a FIFO could block forever, so nothing else is ever opened."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:  # a path through a regular file: it does not exist either
        return None
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(f"{path}: {what} is {_kind_of(info.st_mode)}; pass a regular file")
    return info


def read_input(path: str | Path, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file `path`, at most `max_bytes` of them.

    Raises FileNotFoundError when it does not exist (callers know what to suggest),
    BadInputError for a special file or one over the cap, OSError for other failures.
    """
    info = check_regular(path, what)
    if info is None:
        raise FileNotFoundError(2, "No such file or directory", str(path))
    _check_size(path, what, info.st_size, max_bytes)
    # O_NONBLOCK: should a FIFO replace the file after the stat, open() still returns
    fd = os.open(path, os.O_RDONLY | _BINARY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BadInputError(f"{path}: {what} is {_kind_of(mode)}; pass a regular file")
        data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    _check_size(path, what, len(data), max_bytes)
    return data


def _check_size(path: str | Path, what: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise BadInputError(
            f"{path}: {what} is larger than {max_bytes // MB} MB; is this the right file?"
        )


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Replace `path` with `data` (str is written as UTF-8) in one rename.

    The temporary file sits in the same directory, so os.replace is a rename on one
    filesystem: readers see the old file or the new one, never half of one. The file is
    fsynced before the rename and the directory after it. An existing file keeps its mode;
    a new one gets what a plain open() would give (0o644 under the usual umask 022).
    A symlink is written through: its target is replaced atomically and the link stays.
    The parent directory must exist. Raises OSError; no temporary file is left behind, even
    when SIGINT, SIGTERM or SIGHUP arrives during the write.
    """
    target = Path(os.path.realpath(path))
    if isinstance(data, str):
        data = data.encode("utf-8")
    # the name is chosen before the file exists, so cleanup knows it whenever a signal lands
    temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    with _signals_raise():
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, _file_mode(target))
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    _fsync_dir(target.parent)


class _Signalled(BaseException):
    """A fatal signal arrived during a write (BaseException: no `except Exception` eats it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise _Signalled; after the cleanup the block
    does, the signal is delivered again under the previous handler (by default: the process
    dies of it, as it would have without us)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the CLI writes from it
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        for number in _FATAL_SIGNALS:  # a second signal must not interrupt the cleanup
            signal.signal(number, signal.SIG_IGN)
        raise _Signalled(signum)

    previous = {number: signal.signal(number, handler) for number in _FATAL_SIGNALS}
    try:
        yield
    except _Signalled as caught:
        _restore(previous)
        signal.raise_signal(caught.signum)
        raise  # the previous handler let the process live on
    finally:
        _restore(previous)


def _restore(handlers: dict[signal.Signals, object]) -> None:
    for number, handler in handlers.items():
        if handler is not None:  # None: set outside Python, cannot be put back
            signal.signal(number, handler)  # type: ignore[arg-type]


def _file_mode(path: Path) -> int:
    """The existing file's mode, or 0o666 less the umask for a new one."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    # makes the rename itself durable; not every platform can open a directory
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
