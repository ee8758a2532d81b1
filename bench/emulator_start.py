"""How fast the Looker emulator starts: greenery (target: under a second) and synthetic sizes.

    .venv/bin/python bench/emulator_start.py [--repeat N]

Prints one table row per scenario, the median of N runs:
- `cold CLI greenery`: a new Python process running the `emulator` command, until it has
  printed its four LOOKERSDK_* lines (imports, LookML parsing, checks, socket bound);
- `load` / `serve` / `first call`: in this process, load the instance, start the server, then
  log in and fetch the first search page.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import requests

from exposure_sync.looker.emulator import (
    EmulatorServer,
    Instance,
    load_instance,
    synthetic_instance,
)

API = "/api/4.0"


def cold_cli() -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "exposure_sync.looker.emulator.command"],
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(4):
        proc.stdout.readline()  # type: ignore[union-attr]
    elapsed = time.perf_counter() - start
    proc.terminate()
    proc.wait()
    return elapsed


def warm(make: Callable[[], Instance]) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    instance = make()
    t1 = time.perf_counter()
    with EmulatorServer(instance) as server:
        t2 = time.perf_counter()
        creds = {"client_id": server.client_id, "client_secret": server.client_secret}
        token = requests.post(f"{server.base_url}{API}/login", data=creds, timeout=30).json()
        page = requests.get(
            f"{server.base_url}{API}/dashboards/search",
            params={"limit": 100, "fields": "id,title,dashboard_elements(id,query(view))"},
            headers={"Authorization": f"token {token['access_token']}"},
            timeout=30,
        )
        page.raise_for_status()
        t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(instance.content.dashboards)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ms = lambda seconds: f"{seconds * 1000:8.0f}"  # noqa: E731
    print(f"{'scenario':<26} {'dashboards':>10} {'load ms':>8} {'serve ms':>8} {'call ms':>8}")
    cold = statistics.median(cold_cli() for _ in range(args.repeat))
    print(f"{'cold CLI greenery':<26} {'':>10} {ms(cold)} {'':>8} {'':>8}  (target < 1000)")
    scenarios: list[tuple[str, Callable[[], Instance]]] = [
        ("greenery", load_instance),
        ("synthetic 1,000 / 20", lambda: synthetic_instance(1_000, 20)),
        ("synthetic 10,000 / 40", lambda: synthetic_instance(10_000, 40)),
    ]
    for name, make in scenarios:
        runs = [warm(make) for _ in range(args.repeat)]
        load, serve, call = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"{name:<26} {runs[0][3]:>10,} {ms(load)} {ms(serve)} {ms(call)}")


if __name__ == "__main__":
    main()
