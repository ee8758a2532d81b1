"""Paths, errors and dbt invocation shared by the greenery scripts."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DUCKDB = PROJECT_DIR / "greenery.duckdb"
WEEKS = range(1, 5)

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class GreeneryError(Exception):
    """A failure the user can act on; `str(err)` is the one line they see."""

    exit_code = EXIT_BAD_INPUT


class DbtFailed(GreeneryError):
    """A dbt command failed; dbt has already printed the details."""

    exit_code = EXIT_FAILED


def run_main(main: Callable[[Sequence[str] | None], None], argv: Sequence[str] | None) -> int:
    """Run a script's main and turn a GreeneryError into one line on stderr."""
    try:
        main(argv)
    except GreeneryError as err:
        print(f"greenery: {err}", file=sys.stderr)
        return err.exit_code
    return 0


def check_week(week: int) -> int:
    """Weeks outside 1..4 have no inventory in PRODUCT.md: refuse them early."""
    if week not in WEEKS:
        raise GreeneryError(f"week {week} is outside 1..4; pick a week from 1 to 4")
    return week


def duckdb_path() -> Path:
    """The warehouse file: $GREENERY_DUCKDB, made absolute (dbt-duckdb resolves from the cwd)."""
    raw = os.environ.get("GREENERY_DUCKDB")
    return Path(raw).expanduser().resolve() if raw else DEFAULT_DUCKDB


def dbt_environment() -> None:
    """Point dbt at this project's profile (it lives in the repo) and warehouse, whatever the
    cwd or a user's own DBT_PROFILES_DIR."""
    os.environ["GREENERY_DUCKDB"] = str(duckdb_path())
    os.environ["DBT_PROFILES_DIR"] = str(PROJECT_DIR)


def run_dbt(args: Sequence[str]) -> object:
    """Run one dbt command in this process: dbt's start-up is most of a small command's time,
    and the build runs eleven of them."""
    from dbt.cli.main import dbtRunner

    dbt_environment()
    command = " ".join(args)
    print(f"\n==> dbt {command}", flush=True)
    result = dbtRunner().invoke([*args, "--project-dir", str(PROJECT_DIR)])
    if not result.success:
        raise DbtFailed(f"`dbt {command}` failed; see the dbt output above")
    return result.result
