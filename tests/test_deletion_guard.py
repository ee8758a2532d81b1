"""The deletion guard end to end: Looker loses 20 of the 51 dashboards with entries at once.

Real looker-sdk over HTTP to a one-off emulator, greenery's manifest from real `dbt parse`.
Without --allow-removals nothing is removed and every command says so with exit 3; with it,
the clean-up goes through.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from exposure_sync.cli import cli
from exposure_sync.looker.decode_content import id_sort_key
from exposure_sync.looker.emulator.server import EmulatorServer
from tests.conftest import GREENERY

CONFIG = GREENERY / "exposure-sync.yml"
LOST = 20


def run(command: str, manifest: Path, output: Path, *extra: str) -> Result:
    args = [command, "--manifest", str(manifest), "--output", str(output), "--config", str(CONFIG)]
    return CliRunner().invoke(cli, [*args, *extra])


def dashboard_ids(path: Path) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [entry["config"]["meta"]["looker_dashboard_id"] for entry in document["exposures"]]
    return sorted(ids, key=id_sort_key)


def entry_names(path: Path) -> list[str]:
    """Entry names in the order of dashboard_ids."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_id = {e["config"]["meta"]["looker_dashboard_id"]: e["name"] for e in document["exposures"]}
    return [by_id[dashboard_id] for dashboard_id in dashboard_ids(path)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def looker(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """A greenery instance of its own: the test deletes dashboards from it."""
    with EmulatorServer() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def synced(looker: EmulatorServer, greenery_manifest: Path, tmp_path: Path) -> Path:
    output = tmp_path / "looker_exposures.yml"
    result = run("sync", greenery_manifest, output)
    assert result.exit_code == 0, result.output
    assert len(dashboard_ids(output)) == 51
    return output


def test_losing_20_of_51_dashboards_removes_nothing_without_allow_removals(
    looker: EmulatorServer, greenery_manifest: Path, synced: Path
) -> None:
    listed = dashboard_ids(synced)
    lost = listed[:LOST]
    for dashboard_id in lost:
        looker.delete_dashboard(dashboard_id, hard=True)  # Looker answers as if never there
    before = sha256(synced)

    for command in ("check", "diff", "sync"):
        result = run(command, greenery_manifest, synced)
        assert result.exit_code == 3, (command, result.output)
        assert "Traceback" not in result.output
        held = [line for line in result.stderr.splitlines() if line.startswith("  HELD ")]
        assert [line.split()[2] for line in held] == lost, command
        assert f"{LOST} removals held back" in result.output, command
        assert sha256(synced) == before, command

    verdict = json.loads(run("check", greenery_manifest, synced, "--format", "json").stdout)
    assert verdict["state"] == "removals held" and len(verdict["removals_held"]) == LOST
    allowed_check = run("check", greenery_manifest, synced, "--allow-removals")
    assert allowed_check.exit_code == 1, allowed_check.output  # stale: the removals are due
    allowed = run("sync", greenery_manifest, synced, "--allow-removals")
    assert allowed.exit_code == 0, allowed.output
    assert dashboard_ids(synced) == listed[LOST:]


def test_a_few_removals_pass_the_guard(
    looker: EmulatorServer, greenery_manifest: Path, synced: Path
) -> None:
    """5 of 51 is within the default (at most 5, or 10%): removed, exit 0."""
    listed = dashboard_ids(synced)
    for dashboard_id in listed[:5]:
        looker.delete_dashboard(dashboard_id)  # soft: Looker's trash
    names = entry_names(synced)[:5]
    result = run("sync", greenery_manifest, synced)
    assert result.exit_code == 0, result.output
    assert dashboard_ids(synced) == listed[5:]
    # the log says what went away, by name, not just "written"
    assert f"{synced}: written (0 added, 0 changed, 5 removed)" in result.stderr
    assert [line[4:] for line in result.stderr.splitlines() if line.startswith("  - ")] == sorted(
        names
    )


def test_sync_json_names_what_the_write_changed(
    looker: EmulatorServer, greenery_manifest: Path, synced: Path
) -> None:
    gone = dashboard_ids(synced)[0]
    name = entry_names(synced)[0]
    looker.delete_dashboard(gone)
    result = run("sync", greenery_manifest, synced, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"] == f"{synced}: written"
    assert (report["added"], report["changed"], report["removed"]) == ([], [], [name])
    assert "diff" not in report


def test_held_entries_are_counted_once_in_the_report(
    looker: EmulatorServer, greenery_manifest: Path, synced: Path
) -> None:
    """Deleted (Looker's trash) but held back: among the exposures and HELD, not also skipped."""
    held = dashboard_ids(synced)[:8]
    for dashboard_id in held:
        looker.delete_dashboard(dashboard_id)
    result = run("sync", greenery_manifest, synced)
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    # exposures + skipped = every dashboard (51 + 12), as without the guard
    assert lines[0] == "51 exposures (8 of them held back from removal); 12 skipped", lines[0]
    deleted = next(line for line in lines if line.startswith("  skipped, deleted in Looker: "))
    assert not any(f" {dashboard_id} '" in deleted for dashboard_id in held), deleted
    assert [line.split()[2] for line in lines if line.startswith("  HELD ")] == held
