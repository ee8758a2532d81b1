"""Crawl benchmarks by instance size: prints markdown tables to stdout.

    python bench/crawl_scale.py [--sizes 100,1000,10000] [--quick] [--latency-ms 0]

For each size a synthetic instance (exposure_sync/looker/emulator/synthetic.py) is served by the
emulator in a process of its own (bench/_serve_synthetic.py), and `read_looker` (the crawl plus
Looker's generated SQL for derived-table queries) runs in a fresh client process, so the
client's CPU and peak memory are its own: the emulator's CPU is counted in its process and shown
apart. Request counts are the emulator's exact per-operation counters. After the crawl the same
client process times the lineage graph alone (`build_lineage` without a manifest) and the whole
plan (`plan_sync`, lineage included) against a synthetic dbt manifest whose nodes build the
tables the synthetic LookML reads (bench/_synthetic_manifest.py).

Then: the same 1,000-dashboard crawl behind 20 ms of latency per request at several
concurrencies; and, for 200 dashboards, looker-sdk's model deserialisation against our raw JSON
decoding of the same `/dashboards/search` answer.

`--with-files`: the synthetic instance's LookML is written out as files (a model file, one file
per view) and passed as `--lookml-dir` would pass it: derived tables come from the files, and the
size table shows the requests beside their bound (search pages + distinct explores + user and
folder batches + 5). Always: the time to read a LookML project of `--lookml-views` views.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVE = HERE / "_serve_synthetic.py"
DEFAULT_SIZES = (100, 1000, 10000)
QUICK_SIZES = (100, 1000)
SDK_DASHBOARDS = 200
SDK_REPEATS = 15


def explores_for(dashboards: int) -> int:
    """Explores grow with the instance: 20 up to 1,000 dashboards, then one per 50."""
    return max(20, dashboards // 50)


# -- the emulator, in its own process ---------------------------------------------------------


class Emulator:
    """bench/_serve_synthetic.py as a context manager: env, request stats, emulator CPU."""

    def __init__(self, dashboards: int, explores: int, latency_ms: float = 0.0) -> None:
        self.args = [
            sys.executable,
            str(SERVE),
            f"--dashboards={dashboards}",
            f"--explores={explores}",
            f"--latency-ms={latency_ms}",
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Emulator:
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.info = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        try:
            self.proc.stdin.write("stop\n")  # type: ignore[union-attr]
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    @property
    def env(self) -> dict[str, str]:
        return self.info["env"]

    def stats(self) -> dict[str, Any]:
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")

    def _ask(self, command: str) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator process exited (code {self.proc.poll()})")
        return json.loads(line)


def in_fresh_process(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """fn(*args) in a new interpreter (spawn): its CPU time and peak RSS are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# -- client side: these run in the fresh process ------------------------------------------------


def client_crawl(
    env: dict[str, str],
    concurrency: int,
    explores: int,
    plan: bool,
    merged_results: str,
    lookml_dir: str | None = None,
) -> dict[str, Any]:
    """read_looker, then (plan=True) lineage alone and plan_sync, each timed; with the LookML
    files read first (their reading is part of the wall time) when `lookml_dir` is given."""
    os.environ.update(env)
    from _synthetic_manifest import write_synthetic_manifest

    from exposure_sync.config import config_from_dict
    from exposure_sync.dbt.manifest import load_manifest
    from exposure_sync.lineage.graph import build_lineage
    from exposure_sync.lookml.views import load_lookml_files
    from exposure_sync.run import read_looker
    from exposure_sync.sync import plan_sync

    config = config_from_dict({"concurrency": concurrency, "merged_results": merged_results})
    out: dict[str, Any] = {"rss_base_mb": _rss_mb()}
    wall, cpu = time.perf_counter(), time.process_time()
    files = load_lookml_files(Path(lookml_dir), {}) if lookml_dir else None
    out["lookml_read_s"] = time.perf_counter() - wall
    crawl = read_looker(config, None, None, files)
    out["crawl_wall_s"] = time.perf_counter() - wall
    out["crawl_cpu_s"] = time.process_time() - cpu
    out["rss_crawl_mb"] = _rss_mb()
    out["dashboards"] = len(crawl.dashboards)
    out["failures"] = len(crawl.failures)
    out["generated_sql"] = len(crawl.generated_sql)
    if not plan:
        return out

    start = time.perf_counter()
    lineage = build_lineage(crawl, config, None, files)
    out["lineage_s"] = time.perf_counter() - start
    out["graph_nodes"] = lineage.graph.number_of_nodes()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_synthetic_manifest(explores, Path(tmp) / "manifest.json")
        start = time.perf_counter()
        manifest = load_manifest(path)
        out["manifest_s"] = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        result = plan_sync(
            crawl,
            manifest,
            config,
            Path(tmp) / "looker_exposures.yml",
            [],
            "exposure-sync sync --output looker_exposures.yml",
            files,
        )
        out["plan_s"] = time.perf_counter() - start
        out["plan_cpu_s"] = time.process_time() - cpu
    out["entries"] = len(result.entries)
    out["unbuilt"] = len(result.report.unbuilt)
    out["rss_plan_mb"] = _rss_mb()
    return out


def client_sdk_vs_raw(env: dict[str, str], repeats: int) -> dict[str, Any]:
    """One /dashboards/search answer of SDK_DASHBOARDS rows, read both ways, `repeats` times."""
    os.environ.update(env)
    from typing import Sequence as SdkSequence  # noqa: UP035 - the SDK's own structures use it

    import looker_sdk
    from looker_sdk.rtl import serialize
    from looker_sdk.sdk.api40 import models

    from exposure_sync.looker.client import LookerClient
    from exposure_sync.looker.crawl import DASHBOARD_FIELDS
    from exposure_sync.looker.decode_content import dashboard_from_json

    params = {"fields": DASHBOARD_FIELDS, "limit": SDK_DASHBOARDS, "offset": 0, "sorts": "id"}
    client = LookerClient()
    client.login()
    sdk = looker_sdk.init40()  # logs in on its first call: the warm-up below

    def raw_fetch() -> int:
        rows = client.get_json("/dashboards/search", deleted="false", **params)
        return len([dashboard_from_json(row) for row in rows])

    def sdk_fetch() -> int:
        return len(sdk.search_dashboards(deleted="false", **params))

    search = {k: v for k, v in params.items() if k != "fields"}
    body = client.get_text("/dashboards/search", deleted="false", **params).encode("utf-8")
    full = client.get_text("/dashboards/search", deleted="false", **search).encode("utf-8")

    def raw_decoder(data: bytes) -> Callable[[], int]:
        return lambda: len([dashboard_from_json(row) for row in json.loads(data)])

    def sdk_decoder(data: bytes) -> Callable[[], int]:
        structure = SdkSequence[models.Dashboard]
        return lambda: len(serialize.deserialize40(data=data, structure=structure))  # type: ignore[arg-type]

    out: dict[str, Any] = {"bytes": len(body), "full_bytes": len(full)}
    for name, fn in (
        ("raw_fetch", raw_fetch),
        ("sdk_fetch", sdk_fetch),
        ("raw_decode", raw_decoder(body)),
        ("sdk_decode", sdk_decoder(body)),
        ("raw_full", raw_decoder(full)),
        ("sdk_full", sdk_decoder(full)),
    ):
        fn()  # warm-up: imports, connection pool, cattrs' generated converters
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            count = fn()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        out[name] = {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}
        out[name]["rows"] = count
    client.close()
    return out


# -- the benchmarks -----------------------------------------------------------------------------


def bench_sizes(
    sizes: Sequence[int],
    latency_ms: float,
    concurrency: int,
    merged_results: str,
    with_files: bool = False,
) -> list[dict[str, Any]]:
    from exposure_sync.looker.emulator.synthetic import write_synthetic_lookml

    rows = []
    for size in sizes:
        explores = explores_for(size)
        print(f"... {size} dashboards: starting the emulator", file=sys.stderr, flush=True)
        with Emulator(size, explores, latency_ms) as emulator, tempfile.TemporaryDirectory() as tmp:
            lookml_dir = None
            if with_files:
                write_synthetic_lookml(explores, Path(tmp))
                lookml_dir = tmp
            emulator.reset()
            cpu_before = emulator.stats()["cpu_s"]
            print(f"... {size} dashboards: crawling", file=sys.stderr, flush=True)
            result = in_fresh_process(
                client_crawl, emulator.env, concurrency, explores, True, merged_results, lookml_dir
            )
            stats = emulator.stats()
        result.update(
            size=size,
            explores=explores,
            latency_ms=latency_ms,
            concurrency=concurrency,
            requests=stats["total"],  # HTTP requests only: stats travel on the child's stdin
            counts=stats["counts"],
            emulator_cpu_s=stats["cpu_s"] - cpu_before,
            emulator_build_s=emulator.info["build_s"],
        )
        rows.append(result)
    return rows


def bench_concurrency(
    size: int, latency_ms: float, levels: Sequence[int], merged_results: str
) -> list[dict[str, Any]]:
    rows = []
    explores = explores_for(size)
    with Emulator(size, explores, latency_ms) as emulator:
        for level in levels:
            print(
                f"... {size} dashboards, {latency_ms:g} ms, concurrency {level}",
                file=sys.stderr,
                flush=True,
            )
            emulator.reset()
            result = in_fresh_process(
                client_crawl, emulator.env, level, explores, False, merged_results
            )
            result.update(concurrency=level, requests=emulator.stats()["total"])
            rows.append(result)
    return rows


def client_read_lookml(directory: str) -> dict[str, Any]:
    from exposure_sync.lookml.views import load_lookml_files

    start = time.perf_counter()
    files = load_lookml_files(Path(directory), {})
    assert files is not None
    return {"read_s": time.perf_counter() - start, "views": files.view_count}


def bench_lookml_read(views: int) -> dict[str, Any]:
    """Reading a synthetic LookML project of about `views` views, in a fresh process."""
    from exposure_sync.looker.emulator.synthetic import write_synthetic_lookml

    explores = max(1, round(views / 1.84))  # the synthetic project has ~1.84 views per explore
    print(f"... reading a LookML project of ~{views} views", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        write_synthetic_lookml(explores, Path(tmp))
        files = len(list(Path(tmp).iterdir()))
        return {**in_fresh_process(client_read_lookml, tmp), "files": files}


def request_bound(counts: dict[str, int]) -> int:
    """search pages + distinct explores + user and folder batches + 5 (issue 9)."""
    counted = ("search_dashboards", "search_lookml_dashboards", "lookml_model_explore")
    batches = ("all_users", "user", "all_folders", "folder")
    return sum(counts.get(op, 0) for op in (*counted, *batches)) + 5


def bench_sdk(repeats: int) -> dict[str, Any]:
    print(f"... looker-sdk vs raw JSON, {SDK_DASHBOARDS} dashboards", file=sys.stderr, flush=True)
    with Emulator(SDK_DASHBOARDS, explores_for(SDK_DASHBOARDS)) as emulator:
        return in_fresh_process(client_sdk_vs_raw, emulator.env, repeats)


# -- output -------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = [i > 0 for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = (
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        )
        return "| " + " | ".join(parts) + " |"

    rule = (
        "| "
        + " | ".join(
            ("-" * (w - 1) + ":") if r else "-" * w for w, r in zip(widths, right, strict=True)
        )
        + " |"
    )
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _s(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _ms(value: float) -> str:
    return f"{value * 1000:.1f}"


SQL_OPERATIONS = ("run_query", "run_inline_query")
OPERATION_GROUPS = (
    ("search", ("search_dashboards", "search_lookml_dashboards")),
    ("explores", ("lookml_model_explore",)),
    ("merge queries", ("merge_query",)),  # only with merged_results: queries
    ("queries", ("query",)),
    ("generated SQL", ("run_query", "run_inline_query")),
    ("users", ("all_users",)),
)


def print_report(
    args: argparse.Namespace,
    sizes: list[dict[str, Any]],
    latency: list[dict[str, Any]],
    sdk: dict[str, Any] | None,
    lookml_read: dict[str, Any] | None = None,
) -> None:
    print(f"`{' '.join(['python bench/crawl_scale.py', *sys.argv[1:]])}`")
    print(
        f"\nMachine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}. The emulator "
        "runs in its own process on the same cores; client concurrency 8 unless stated; "
        f"merged_results: {args.merged_results}.\n"
    )
    print(f"### Crawl by instance size (latency {args.latency_ms:g} ms)\n")
    print(
        table(
            [
                "dashboards",
                "explores",
                "requests",
                "req/dashboard",
                "wall s",
                "client CPU s",
                "emulator CPU s",
                "client peak RSS MB",
                "lineage s",
                "plan s",
                "plan CPU s",
                "entries",
            ],
            [
                [
                    _n(r["size"]),
                    r["explores"],
                    _n(r["requests"]),
                    f"{r['requests'] / r['size']:.2f}",
                    _s(r["crawl_wall_s"]),
                    _s(r["crawl_cpu_s"]),
                    _s(r["emulator_cpu_s"]),
                    f"{r['rss_crawl_mb']:.0f}",
                    _s(r["lineage_s"]),
                    _s(r["plan_s"]),
                    _s(r["plan_cpu_s"]),
                    _n(r["entries"]),
                ]
                for r in sizes
            ],
        )
    )
    print(
        "\nwall s / client CPU s: `read_looker` (crawl, then generated SQL); it runs the "
        "lineage pass once itself (without building the graph) to find the queries needing "
        "SQL, so its CPU includes about half a `lineage s`. emulator CPU s: the emulator "
        "process meanwhile. Peak RSS: the client "
        "process after the crawl (a fresh interpreter with exposure-sync imported: "
        f"{min(r['rss_base_mb'] for r in sizes):.0f} MB). lineage s: `build_lineage` without a "
        "manifest. plan s: `plan_sync` against the synthetic manifest (lineage again, with dbt "
        "matching, then entries and YAML rendering); plan CPU s: its CPU time, which other "
        "processes on the machine do not inflate. Relations no dbt node builds: "
        f"{', '.join(str(r['unbuilt']) for r in sizes)}; failures: "
        f"{', '.join(str(r['failures']) for r in sizes)}.\n"
    )
    if args.with_files:
        print("### With the LookML files (`--lookml-dir`)\n")
        print(
            table(
                ["dashboards", "requests", "bound", "generated SQL", "read files s", "wall s"],
                [
                    [
                        _n(r["size"]),
                        _n(r["requests"]),
                        _n(request_bound(r["counts"])),
                        _n(sum(r["counts"].get(op, 0) for op in SQL_OPERATIONS)),
                        _s(r["lookml_read_s"]),
                        _s(r["crawl_wall_s"]),
                    ]
                    for r in sizes
                ],
            )
        )
        print(
            "\nbound: search pages + distinct explores + user and folder batches + 5, from the "
            "emulator's counters. wall s includes reading the files (read files s).\n"
        )
    if lookml_read:
        print(
            f"Reading a LookML project of {lookml_read['views']:,} views "
            f"({lookml_read['files']:,} files): {lookml_read['read_s']:.2f} s.\n"
        )
    print("### Requests by operation\n")
    grouped = {name for _, ops in OPERATION_GROUPS for name in ops}
    print(
        table(
            ["dashboards", *(label for label, _ in OPERATION_GROUPS), "other", "total"],
            [
                [
                    _n(r["size"]),
                    *(_n(sum(r["counts"].get(op, 0) for op in ops)) for _, ops in OPERATION_GROUPS),
                    _n(sum(v for k, v in r["counts"].items() if k not in grouped)),
                    _n(r["requests"]),
                ]
                for r in sizes
            ],
        )
    )
    if latency:
        size = latency[0]["dashboards"]
        print(f"\n### Concurrency with {args.concurrency_latency_ms:g} ms per request\n")
        base = latency[0]["crawl_wall_s"]
        print(
            table(
                ["concurrency", "dashboards", "requests", "wall s", "client CPU s", "speed-up"],
                [
                    [
                        r["concurrency"],
                        _n(size),
                        _n(r["requests"]),
                        _s(r["crawl_wall_s"]),
                        _s(r["crawl_cpu_s"]),
                        f"{base / r['crawl_wall_s']:.1f}x",
                    ]
                    for r in latency
                ],
            )
        )
    if sdk:
        print(
            f"\n### looker-sdk models vs raw JSON, {SDK_DASHBOARDS} dashboards with tiles "
            f"({sdk['bytes'] / 1e6:.1f} MB answer)\n"
        )
        pairs = (
            ("fetch + decode (one /dashboards/search call)", "raw_fetch", "sdk_fetch"),
            ("decode only (the same bytes)", "raw_decode", "sdk_decode"),
            (
                f"decode only, no `fields=` ({sdk['full_bytes'] / 1e6:.1f} MB, whole Dashboards)",
                "raw_full",
                "sdk_full",
            ),
        )
        print(
            table(
                [
                    "path",
                    "raw JSON CPU ms",
                    "looker-sdk CPU ms",
                    "ratio",
                    "raw wall ms",
                    "sdk wall ms",
                ],
                [
                    [
                        label,
                        _ms(sdk[raw]["cpu_s"]),
                        _ms(sdk[model]["cpu_s"]),
                        f"{sdk[model]['cpu_s'] / sdk[raw]['cpu_s']:.1f}x",
                        _ms(sdk[raw]["wall_s"]),
                        _ms(sdk[model]["wall_s"]),
                    ]
                    for label, raw, model in pairs
                ],
            )
        )
        print(
            f"\nCPU ms: median of {args.sdk_repeats} runs after a warm-up, in the client process. "
            "Raw JSON: `json.loads` + `dashboard_from_json` (our records); looker-sdk: "
            "`sdk.search_dashboards(...)` / `serialize.deserialize40(Sequence[Dashboard])` "
            "(cattrs). The first two rows use the crawl's own `fields=` (DASHBOARD_FIELDS)."
        )


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma list of integers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="dashboards per instance, comma-separated (default 100,1000,10000)",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 only")
    parser.add_argument(
        "--merged-results",
        choices=("queries", "explores"),
        default="queries",
        help="the crawl's merged_results setting (default queries)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="latency per request for the size table (default 0)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="for the size table")
    parser.add_argument(
        "--with-files",
        action="store_true",
        help="pass the synthetic LookML as files (derived tables read from them)",
    )
    parser.add_argument(
        "--lookml-views",
        type=int,
        default=2000,
        help="views of the LookML project whose reading is timed; 0 skips it (default 2000)",
    )
    parser.add_argument(
        "--concurrency-latency-ms",
        type=float,
        default=20.0,
        help="latency for the concurrency table; 0 skips it (default 20)",
    )
    parser.add_argument(
        "--concurrency-levels",
        type=_sizes,
        default=[1, 8],
        help="concurrencies for that table (default 1,8)",
    )
    parser.add_argument(
        "--concurrency-size",
        type=int,
        default=1000,
        help="dashboards for that table (default 1000)",
    )
    parser.add_argument(
        "--sdk-repeats",
        type=int,
        default=SDK_REPEATS,
        help="runs per path in the looker-sdk table; 0 skips it",
    )
    args = parser.parse_args(argv)
    sizes = list(QUICK_SIZES) if args.quick else args.sizes

    start = time.perf_counter()
    size_rows = bench_sizes(
        sizes, args.latency_ms, args.concurrency, args.merged_results, args.with_files
    )
    lookml_read = bench_lookml_read(args.lookml_views) if args.lookml_views > 0 else None
    latency_rows = []
    if args.concurrency_latency_ms > 0:
        latency_rows = bench_concurrency(
            args.concurrency_size,
            args.concurrency_latency_ms,
            args.concurrency_levels,
            args.merged_results,
        )
    sdk = bench_sdk(args.sdk_repeats) if args.sdk_repeats > 0 else None
    print_report(args, size_rows, latency_rows, sdk, lookml_read)
    print(f"... done in {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))  # _synthetic_manifest, also in the spawned client processes
    main()
