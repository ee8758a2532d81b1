"""`exposure-sync impact`: read the inputs, find the touched exposures, render them.

Three formats: text (a terminal), markdown (a pull-request comment), JSON (a chat bot or a
script). Deterministic: sorted, no timestamps, no paths of the machine it ran on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exposure_sync.dbt.impact import (
    Cause,
    Impact,
    TouchedExposure,
    failed_nodes,
    impact,
    modified_nodes,
    selected_nodes,
)
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.run_results import load_run_results
from exposure_sync.errors import EXIT_CHANGES, EXIT_OK, BadInputError

# GitHub refuses comments over 65,536 characters: a table row is up to ~300, so a comment
# lists this many dashboards and nodes, then says how many more there are
MARKDOWN_ROWS = 150
_WHAT = {"run_results": "failed", "select": "selected", "state": "changed"}


def run_impact(
    manifest_path: Path,
    run_results_path: Path | None = None,
    select: Sequence[str] = (),
    state_path: Path | None = None,
    output_format: str = "text",
) -> tuple[str, int]:
    """The report and the exit code: 0 when no exposure is touched, 1 when some are."""
    given = [run_results_path is not None, bool(select), state_path is not None]
    if sum(given) != 1:
        raise BadInputError(
            "impact: give exactly one of --run-results FILE, --select NAME..., --state MANIFEST"
        )
    manifest = load_manifest(manifest_path)
    if run_results_path is not None:
        mode = "run_results"
        causes = failed_nodes(manifest, load_run_results(run_results_path), run_results_path)
    elif select:
        mode, causes = "select", selected_nodes(manifest, select)
    else:
        assert state_path is not None
        mode = "state"
        causes = modified_nodes(manifest, load_manifest(state_path), state_path)
    result = impact(manifest, mode, causes)
    return render(result, output_format), EXIT_CHANGES if result.exposures else EXIT_OK


def render(result: Impact, output_format: str, markdown_rows: int = MARKDOWN_ROWS) -> str:
    if output_format == "json":
        return json.dumps(as_json(result), indent=2, sort_keys=True)
    if output_format == "markdown":
        return _markdown(result, markdown_rows)
    return _text(result)


# -- JSON -----------------------------------------------------------------------------------


def as_json(result: Impact) -> dict[str, Any]:
    return {
        "mode": result.mode,
        "nodes": [_cause_json(cause) for cause in result.causes],
        "exposures": [_exposure_json(touched) for touched in result.exposures],
    }


def _cause_json(cause: Cause) -> dict[str, Any]:
    found: dict[str, Any] = {
        "unique_id": cause.unique_id,
        "name": cause.name,
        "resource_type": cause.resource_type,
        "status": cause.status,
    }
    if cause.message:
        found["message"] = cause.message
    if cause.tests:
        found["tests"] = list(cause.tests)
    return found


def _exposure_json(touched: TouchedExposure) -> dict[str, Any]:
    exposure = touched.exposure
    return {
        "name": exposure.name,
        "unique_id": exposure.unique_id,
        "label": exposure.label,
        "url": exposure.url,
        "owner": {"name": exposure.owner_name, "email": exposure.owner_email},
        "file": exposure.original_file_path,
        "nodes": [
            {"unique_id": c.unique_id, "name": c.name, "status": c.status} for c in touched.causes
        ],
    }


# -- text -----------------------------------------------------------------------------------


def _headline(result: Impact) -> str:
    nodes = _count(len(result.causes), "node")
    what = _WHAT[result.mode]
    if not result.causes:
        return f"No {what} nodes: no dashboards touched."
    if not result.exposures:
        them = "it" if len(result.causes) == 1 else "them"
        return f"{nodes} {what}; no exposure downstream of {them}."
    return f"{nodes} {what}; {_count(len(result.exposures), 'exposure')} downstream."


def _text(result: Impact) -> str:
    lines = [_headline(result)]
    if result.causes:
        lines.append("")
        lines.extend(f"  {_describe(cause)}" for cause in result.causes)
    for touched in result.exposures:
        exposure = touched.exposure
        lines += ["", f"{exposure.name}: {exposure.label or exposure.name}"]
        lines.append(f"  owner: {_owner(exposure.owner_name, exposure.owner_email)}")
        if exposure.url:
            lines.append(f"  url:   {exposure.url}")
        lines.append("  by:    " + ", ".join(f"{c.name} ({c.status})" for c in touched.causes))
    return "\n".join(lines)


def _describe(cause: Cause) -> str:
    text = f"{cause.status:<9}{cause.resource_type} {cause.name}"
    if cause.tests:
        text += " (on " + ", ".join(uid.rsplit(".", 1)[-1] for uid in cause.tests) + ")"
    if cause.message:
        text += f": {_gist(cause)}"
    return text


# -- markdown -------------------------------------------------------------------------------


def _markdown(result: Impact, rows: int) -> str:
    lines = [f"**exposure-sync impact**: {_headline(result)}"]
    if result.exposures:
        lines += ["", "| Dashboard | Owner | Because of |", "| --- | --- | --- |"]
        lines.extend(_markdown_row(touched) for touched in result.exposures[:rows])
        lines.extend(_more(len(result.exposures), rows, "exposure"))
    if result.causes:
        lines += ["", "<details><summary>Nodes</summary>", ""]
        lines.extend(f"- {_cell(_describe(cause))}" for cause in result.causes[:rows])
        lines.extend(_more(len(result.causes), rows, "node"))
        lines += ["", "</details>"]
    return "\n".join(lines)


def _more(total: int, shown: int, noun: str) -> list[str]:
    if total <= shown:
        return []
    more = _count(total - shown, noun).replace(" ", " more ", 1)
    return ["", f"… and {more} (`--format text` or `json` lists them all)."]


def _markdown_row(touched: TouchedExposure) -> str:
    exposure = touched.exposure
    title = _cell(exposure.label or exposure.name).replace("[", "\\[").replace("]", "\\]")
    dashboard = f"[{title}]({exposure.url})" if exposure.url else title
    dashboard += f" `{exposure.name}`"
    owner = _cell(exposure.owner_name or exposure.owner_email or "(no owner)")
    if exposure.owner_email:
        owner = f"[{owner}](mailto:{exposure.owner_email})"
    causes = ", ".join(f"`{c.name}` {c.status}" for c in touched.causes)
    return f"| {dashboard} | {owner} | {_cell(causes)} |"


def _cell(text: str) -> str:
    # a pipe ends a table cell; angle brackets would be taken for HTML
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


# -- shared -------------------------------------------------------------------------------


def _owner(name: str | None, email: str | None) -> str:
    if name and email:
        return f"{name} <{email}>"
    return name or email or "(no owner)"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _gist(cause: Cause) -> str:
    """The line of dbt's message that says what went wrong: dbt opens an error with "Runtime
    Error in model <name> (<path>)" and the database's own words come after."""
    lines = [line.strip() for line in (cause.message or "").splitlines() if line.strip()]
    if len(lines) > 1 and cause.name in lines[0]:
        lines = lines[1:]
    line = lines[0] if lines else ""
    return line if len(line) <= 120 else line[:117] + "..."
