"""Read a dbt target/run_results.json: the status of each node a `dbt build`/`run`/`test` ran.

Every failure is a one-line `BadInputError` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exposure_sync.dbt.manifest import read_artifact
from exposure_sync.errors import BadInputError

_SCHEMA_URL = re.compile(r"/dbt/([A-Za-z_-]+)/v(\d+)\.json$")
_REGENERATE = "pass the target/run_results.json a dbt build, run or test wrote"


@dataclass(frozen=True)
class NodeResult:
    """One node's outcome in a dbt invocation."""

    unique_id: str
    status: str  # success | pass | error | fail | warn | skipped | no-op | ...
    message: str | None = None


def load_run_results(path: str | Path) -> list[NodeResult]:
    """The results in `path`, in the file's order."""
    path = Path(path)
    raw = _read_json(path)
    _check_kind(raw, path)
    results = raw.get("results")
    if not isinstance(results, list):
        raise BadInputError(f"{path}: 'results' is not a list; {_REGENERATE}")
    return [_result(entry, i, path) for i, entry in enumerate(results)]


def _read_json(path: Path) -> Any:
    if path.is_dir():
        raise BadInputError(f"{path}: is a directory; pass the file, e.g. target/run_results.json")
    return read_artifact(path, "run results", "run `dbt build` first", _REGENERATE)


def _check_kind(raw: Any, path: Path) -> None:
    metadata = raw.get("metadata") if isinstance(raw, dict) else None
    url = metadata.get("dbt_schema_version") if isinstance(metadata, dict) else None
    found = _SCHEMA_URL.search(url) if isinstance(url, str) else None
    if found is None:
        raise BadInputError(
            f"{path}: not a dbt run_results.json (no metadata.dbt_schema_version); {_REGENERATE}"
        )
    if found.group(1) != "run-results":
        raise BadInputError(
            f"{path}: is a dbt {found.group(1)} file, not run results; {_REGENERATE}"
        )


def _result(entry: Any, index: int, path: Path) -> NodeResult:
    where = f"{path}: results[{index}]"
    if not isinstance(entry, dict):
        raise BadInputError(f"{where} is not an object; {_REGENERATE}")
    unique_id, status = entry.get("unique_id"), entry.get("status")
    if not isinstance(unique_id, str) or not unique_id:
        raise BadInputError(f"{where} has no unique_id; {_REGENERATE}")
    if not isinstance(status, str) or not status:
        raise BadInputError(f"{where} ({unique_id}) has no status; {_REGENERATE}")
    message = entry.get("message")
    return NodeResult(unique_id, status.lower(), message if isinstance(message, str) else None)
