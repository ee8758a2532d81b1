"""Print the answers of the greenery analyses (analyses/) as tables: `make greenery-report`.

dbt compiles and runs each analysis against the warehouse (as `dbt show` does), so the answers
come from the same SQL a reader finds in analyses/.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from greenery_common import PROJECT_DIR, GreeneryError, dbt_environment, duckdb_path, run_main

# Report order; each title is the question its analysis answers.
ANALYSES = {
    "inventory_changed_week_3_to_4": "Which products' inventory changed from week 3 to week 4?",
    "inventory_fluctuation": "Which products' inventory fluctuated most (weeks 1 to 4)?",
    "out_of_stock_last_3_weeks": "Which items went out of stock in the last 3 weeks (back since)?",
    "funnel_conversion": "Funnel conversion and drop-off per step (sessions)",
}


def error_line(exception: BaseException | None) -> str:
    """The database's own complaint from a dbt error, which is several lines long."""
    lines = [line.strip() for line in str(exception or "").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[A-Z][A-Za-z ]*Error:", line)]
    return (errors or lines or ["unknown error"])[-1]


def run_analyses() -> dict[str, Any]:
    """Run every analysis through dbt; return its result table by analysis name."""
    from dbt.cli.main import dbtRunner

    dbt_environment()
    args = ["show", "--select", "resource_type:analysis", "--limit", "-1", "--log-level", "none"]
    result = dbtRunner().invoke([*args, "--project-dir", str(PROJECT_DIR)])
    if not result.success or result.result is None:
        raise GreeneryError(
            f"the analyses failed ({error_line(result.exception)}); "
            "rebuild the warehouse with `make greenery`"
        )
    return {run.node.name: run.agate_table for run in result.result.results}


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def is_numeric(values: Sequence[object]) -> bool:
    """A column of numbers (empty cells aside) is right-aligned."""
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present
    )


def format_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table: numbers right, text left."""
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [is_numeric([r[i] for r in rows]) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        aligned = zip(values, widths, numeric, strict=True)
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in aligned).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(r) for r in cells] or ["(no rows)"]
    return "\n".join([line(list(columns)), rule, *body])


def main(argv: Sequence[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    db_path = duckdb_path()
    if not db_path.is_file():
        raise GreeneryError(f"no warehouse at {db_path}; build it first with `make greenery`")
    tables = run_analyses()
    for name, title in ANALYSES.items():
        table = tables.get(name)
        if table is None:
            raise GreeneryError(f"analysis {name} did not run; is analyses/{name}.sql there?")
        print(f"\n{title}  [analyses/{name}.sql]\n")
        print(format_table(table.column_names, [tuple(row) for row in table.rows]))


if __name__ == "__main__":
    sys.exit(run_main(main, sys.argv[1:]))
