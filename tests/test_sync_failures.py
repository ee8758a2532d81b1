"""When Looker fails part of a crawl, nothing is lost: the dashboards concerned keep their
previous entries, the run names them and exits 3, every other entry is as a clean run writes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.looker.emulator.faults import FaultConfig
from tests.conftest import GREENERY

CONFIG = GREENERY / "exposure-sync.yml"


def sync(manifest: Path, output: Path, *extra: str, config: Path = CONFIG) -> tuple[int, str]:
    args = ["sync", "--manifest", str(manifest), "--output", str(output), "--config", str(config)]
    result = CliRunner().invoke(cli, [*args, *extra])
    return result.exit_code, result.output


def entries(path: Path) -> dict[str, dict]:
    return {
        e["meta"]["looker_dashboard_id"]: e for e in yaml.safe_load(path.read_text())["exposures"]
    }


@pytest.fixture(scope="module")
def clean(emulator, greenery_manifest, tmp_path_factory) -> Path:
    """The file a clean run writes: every failure test starts from it."""
    output = tmp_path_factory.mktemp("clean") / "looker_exposures.yml"
    assert sync(greenery_manifest, output)[0] == 0
    return output


def failing_sync(emulator, manifest: Path, start: Path, tmp_path: Path, always_fail: dict):
    output = tmp_path / start.name
    output.write_bytes(start.read_bytes())
    emulator.set_faults(FaultConfig(always_fail=always_fail))
    try:
        code, out = sync(manifest, output, "--format", "json")
    finally:
        emulator.set_faults(None)
    return code, out, output


@pytest.mark.parametrize(
    ("always_fail", "failed_kind"),
    [
        ({"/queries/*/run/sql": "500"}, "query"),  # generated SQL of derived tables
        ({"/connections/*": "503"}, "connection"),  # dialect and default schema
        ({"/lookml_models/greenery/explores/orders": "500"}, "explore"),
    ],
)
def test_failed_requests_keep_previous_entries_and_exit_3(
    emulator, greenery_manifest, clean: Path, tmp_path: Path, always_fail, failed_kind
):
    code, out, output = failing_sync(emulator, greenery_manifest, clean, tmp_path, always_fail)
    assert code == 3, out
    assert f'"{failed_kind} ' in out  # the report names what failed
    # the file is exactly the clean one: kept entries are the previous ones, byte for byte
    assert output.read_bytes() == clean.read_bytes()


def test_offline_run_without_the_sql_it_needs_keeps_entries(
    emulator, greenery_manifest, clean: Path, tmp_path: Path
):
    """A snapshot taken with one configuration, used with another that needs more SQL."""
    snapshot = tmp_path / "crawl.json"
    code = CliRunner().invoke(cli, ["crawl", "--out", str(snapshot), "--config", str(CONFIG)])
    assert code.exit_code == 0, code.output
    settings = yaml.safe_load(CONFIG.read_text())
    settings.pop("user_attributes")  # Liquid no longer resolves from metadata alone
    settings.pop("output")
    other = tmp_path / "other.yml"
    other.write_text(yaml.safe_dump(settings))
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    code, out = sync(greenery_manifest, output, "--from-snapshot", str(snapshot), config=other)
    assert code == 3, out
    assert "no generated SQL" in out
    assert entries(output) == entries(clean)


def test_a_hard_deleted_dashboard_loses_its_entry(emulator, greenery_manifest, clean, tmp_path):
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    saved = emulator.instance.content.dashboards["2"]
    emulator.delete_dashboard("2", hard=True)
    try:
        code, out = sync(greenery_manifest, output)
    finally:
        emulator.instance.content.dashboards["2"] = saved
    assert code == 0, out
    assert set(entries(clean)) - set(entries(output)) == {"2"}
