"""Run an emulator in the foreground: what `exposure-sync emulator` does."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .faults import FaultConfig
from .instance import load_instance
from .server import EmulatorServer


def serve_forever(
    instance_dir: Path | str | None = None,
    *,
    port: int = 0,
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    seed: int = 0,
    broken_dashboards: Iterable[str] = (),
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve until interrupted (or until `stop` is set), after printing the LOOKERSDK_* lines.

    The lines are printed, and flushed, only once the server accepts connections, so a script
    that reads them can connect at once. Raises BadInputError for a bad instance.
    """
    out = out or sys.stdout
    faults = FaultConfig(
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        seed=seed,
        broken_dashboards=frozenset(broken_dashboards),
    )
    server = EmulatorServer(load_instance(instance_dir), port=port, faults=faults)
    server.start()
    try:
        for name, value in server.env().items():
            print(f"{name}={value}", file=out)
        out.flush()
        # stderr, so that `exposure-sync emulator > env-file` keeps the file to the settings
        print(f"serving Looker API 4.0 at {server.base_url}; Ctrl-C to stop", file=sys.stderr)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
