"""Check the data files and load the raw tables into the DuckDB warehouse (schema `raw`)."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
from greenery_common import (
    DEFAULT_DATA_DIR,
    PROJECT_DIR,
    WEEKS,
    GreeneryError,
    duckdb_path,
    run_main,
)
from greenery_raw import RAW_SCHEMA, TABLES, csv_name

INVENTORY_WEEKS_CSV = PROJECT_DIR / "seeds" / "inventory_weeks.csv"
INVENTORY_WEEKS_HEADER = ["product_name", "week", "inventory"]
REGENERATE = "`make greenery` (or scripts/build.py) regenerates it"


def read_header(path: Path) -> list[str]:
    """The first CSV row; a missing or unreadable file is the user's to fix, not a traceback."""
    if not path.is_file():
        raise GreeneryError(f"data file {path} is missing; {REGENERATE}")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise GreeneryError(f"data file {path} is corrupt ({err}); {REGENERATE}") from err


def check_header(path: Path, expected: Sequence[str]) -> None:
    header = read_header(path)
    if header != list(expected):
        found = ",".join(header) or "nothing"
        raise GreeneryError(
            f"data file {path} is corrupt: its header is {found!r}, expected "
            f"{','.join(expected)!r}; {REGENERATE}"
        )


def check_data_files(data_dir: Path) -> None:
    """Fail on the first missing or malformed file, before anything is loaded."""
    for table, columns in TABLES.items():
        check_header(data_dir / csv_name(table), columns)


def read_csv_sql(path: Path, columns: dict[str, str]) -> str:
    """read_csv with the exact column types: a garbled row is an error, not a string."""
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    quoted = str(path).replace("'", "''")
    return f"read_csv('{quoted}', header = true, auto_detect = false, columns = {{{types}}})"


def load_table(con: duckdb.DuckDBPyConnection, data_dir: Path, table: str) -> int:
    path = data_dir / csv_name(table)
    try:
        con.execute(
            f"create or replace table {RAW_SCHEMA}.{table} as "
            f"select * from {read_csv_sql(path, TABLES[table])}"
        )
        rows = con.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchone()
    except duckdb.Error as err:
        reason = str(err).strip().splitlines()[0]
        raise GreeneryError(f"data file {path} is corrupt ({reason}); {REGENERATE}") from err
    count = rows[0] if rows else 0
    if count == 0:
        raise GreeneryError(f"data file {path} has no rows; {REGENERATE}")
    return count


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(db_path))
    except (OSError, duckdb.Error) as err:
        reason = str(err).strip().splitlines()[0]
        raise GreeneryError(f"cannot open the warehouse {db_path}: {reason}") from err


def load_raw(data_dir: Path, db_path: Path) -> dict[str, int]:
    """Replace every raw table in one transaction, so a bad file leaves the warehouse as it was."""
    check_data_files(data_dir)
    con = connect(db_path)
    try:
        con.execute("begin")
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        counts = {table: load_table(con, data_dir, table) for table in TABLES}
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
    return counts


def parse_week_row(row: dict[str, str], line: int) -> tuple[int, int]:
    try:
        week, inventory = int(row["week"]), int(row["inventory"])
    except (TypeError, ValueError) as err:
        raise ValueError(f"line {line}: week and inventory must be whole numbers") from err
    if week not in WEEKS or inventory < 0 or not (row["product_name"] or "").strip():
        raise ValueError(f"line {line}: needs a product name, a week in 1..4 and inventory >= 0")
    return week, inventory


def check_inventory_weeks(path: Path = INVENTORY_WEEKS_CSV) -> None:
    """The weekly inventory seed must name a product for every week 1..4."""
    check_header(path, INVENTORY_WEEKS_HEADER)
    weeks: set[int] = set()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle, strict=True), start=2):
                weeks.add(parse_week_row(row, line)[0])
    except (ValueError, csv.Error) as err:
        raise GreeneryError(f"data file {path} is corrupt ({err})") from err
    if missing := sorted(set(WEEKS) - weeks):
        raise GreeneryError(f"data file {path} has no inventory for week(s) {missing}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    db_path = duckdb_path()
    counts = load_raw(args.data_dir, db_path)
    loaded = ", ".join(f"{RAW_SCHEMA}.{table} {rows}" for table, rows in counts.items())
    print(f"loaded {db_path}: {loaded}")


if __name__ == "__main__":
    sys.exit(run_main(main, sys.argv[1:]))
