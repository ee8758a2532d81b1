"""Build the greenery warehouse from nothing: the whole of `make greenery`.

generate data -> load raw -> dbt seed -> for week 1..4: load week, dbt snapshot -> dbt run ->
dbt test. With --week N, play one week on an existing warehouse instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import generate
from greenery_common import DEFAULT_DATA_DIR, WEEKS, check_week, duckdb_path, run_dbt, run_main
from load import check_inventory_weeks, connect, load_raw

SNAPSHOT_TABLE = "snapshots.products_snapshot"


def week_vars(week: int) -> list[str]:
    return ["--vars", f"{{inventory_week: {week}}}"]


def play_week(week: int) -> None:
    """Load week N's inventory into raw.products, then snapshot it."""
    check_week(week)
    run_dbt(["run-operation", "load_inventory_week", *week_vars(week)])
    run_dbt(["snapshot", *week_vars(week)])


def reset_snapshot(db_path: Path) -> None:
    """Each build replays weeks 1..4 from scratch: a snapshot left from an earlier build would
    see week 1 as a change back from week 4."""
    con = connect(db_path)
    try:
        con.execute(f"drop table if exists {SNAPSHOT_TABLE}")
    finally:
        con.close()


def prepare_raw(data_dir: Path, regenerate: bool, seed: int) -> None:
    if regenerate:
        generate.write_csvs(generate.generate(seed), data_dir)
        print(f"generated data files in {data_dir} (seed {seed})")
    db_path = duckdb_path()
    counts = load_raw(data_dir, db_path)
    print(f"loaded {db_path}: " + ", ".join(f"raw.{t} {n}" for t, n in counts.items()))
    reset_snapshot(db_path)


def build(data_dir: Path, regenerate: bool, seed: int) -> None:
    check_inventory_weeks()
    prepare_raw(data_dir, regenerate, seed)
    run_dbt(["seed"])
    for week in WEEKS:
        play_week(week)
    run_dbt(["run"])
    run_dbt(["test"])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the raw CSV files are written and read (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=generate.DEFAULT_SEED,
        help="seed of the data generator (default: %(default)s)",
    )
    parser.add_argument(
        "--no-generate",
        dest="regenerate",
        action="store_false",
        help="load the data files already in --data-dir instead of regenerating",
    )
    parser.add_argument(
        "--week",
        type=int,
        help="only play week N (1..4) on an existing warehouse: load it, snapshot",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    if args.week is not None:
        play_week(args.week)
    else:
        build(args.data_dir, args.regenerate, args.seed)
    print(f"\ngreenery: done in {time.monotonic() - started:.0f}s, warehouse {duckdb_path()}")


if __name__ == "__main__":
    sys.exit(run_main(main, sys.argv[1:]))
