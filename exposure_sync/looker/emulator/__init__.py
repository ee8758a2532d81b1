"""A local Looker API 4.0 server, described by a LookML project and a content file.

Start one in a test:

    from exposure_sync.looker.emulator import EmulatorServer, FaultConfig, load_instance

    with EmulatorServer(load_instance(path)) as server:   # port 0: a free port
        monkeypatch.setenv(...) for the items of server.env()
        server.stats.counts()                             # requests per operation id
        server.set_faults(FaultConfig(fault_rate=0.2, seed=1, latency_ms=5))

`serve_forever()` is what `exposure-sync emulator` runs.
"""

from .faults import FaultConfig, RequestRecord, RequestStats
from .instance import GREENERY, Instance, load_instance
from .serve import serve_forever
from .server import EmulatorServer
from .synthetic import synthetic_instance

__all__ = [
    "GREENERY",
    "EmulatorServer",
    "FaultConfig",
    "Instance",
    "RequestRecord",
    "RequestStats",
    "load_instance",
    "serve_forever",
    "synthetic_instance",
]
