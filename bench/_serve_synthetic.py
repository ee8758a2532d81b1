"""Serve a synthetic emulator instance in its own process, for the benchmarks.

    python bench/_serve_synthetic.py --dashboards 1000 --explores 20 [--latency-ms 20]

`exposure-sync emulator` serves an instance directory only; this builds a synthetic instance in
memory instead. Protocol on stdin/stdout, one JSON object per line:

- once serving: {"env": {LOOKERSDK_*...}, "build_s": ..., "dashboards": ...}
- `stats` -> {"total": N, "counts": {operation: n}, "cpu_s": emulator process CPU so far}
- `reset` -> {"ok": true} after zeroing the request counters
- `stop` or end of input: the server stops and the process exits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from exposure_sync.looker.emulator import EmulatorServer, FaultConfig, synthetic_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, required=True)
    parser.add_argument("--explores", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    start = time.perf_counter()
    instance = synthetic_instance(args.dashboards, args.explores, args.seed)
    build_s = time.perf_counter() - start
    server = EmulatorServer(instance, faults=FaultConfig(latency_ms=args.latency_ms))
    server.start()
    try:
        _say(
            {
                "env": server.env(),
                "build_s": build_s,
                "dashboards": len(instance.content.dashboards),
                "queries": len(instance.content.queries),
                "merges": len(instance.content.merges),
                "looks": len(instance.content.looks),
            }
        )
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                stats = server.stats
                _say(
                    {"total": stats.total(), "counts": stats.counts(), "cpu_s": time.process_time()}
                )
            elif command == "reset":
                server.stats.reset()
                _say({"ok": True})
            elif command == "stop":
                break
            else:
                _say({"error": f"unknown command {command!r}"})
    finally:
        server.stop()


def _say(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
