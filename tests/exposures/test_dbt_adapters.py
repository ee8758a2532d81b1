"""The generated file in the form the project's dbt expects, proven with real dbt.

dbt 1.10+ wants exposures' `tags` and `meta` under `config:`; some adapters (dbt-snowflake)
turn the top-level form into a PropertyMovedToConfigDeprecation error under `--warn-error`.
A sync of the emulator's greenery instance into a copy of greenery is parsed with DuckDB
(greenery's own profile), Postgres and Snowflake (tests/fixtures/dbt-profiles, dummy
credentials: `dbt parse` reaches no warehouse). dbt runs are slow: the module shares one copy
and one sync, and runs dbt five times.

Issue 11 point 1, acceptance 1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.exposures.write import entry_from_dict, parse_entries, render_exposures
from exposure_sync.run import HEADER_COMMAND
from tests.conftest import DBT, GREENERY, REPO

PROFILES = REPO / "tests" / "fixtures" / "dbt-profiles"
MANIFESTS = REPO / "tests" / "fixtures" / "dbt-manifests"
OUTPUT = Path("models") / "exposures" / "looker_exposures.yml"
DEPRECATION = "PropertyMovedToConfigDeprecation"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """greenery copied without build output nor its generated file."""
    copy = tmp_path_factory.mktemp("adapters") / "greenery"
    shutil.copytree(GREENERY, copy, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"))
    (copy / OUTPUT).unlink()
    return copy


def sync(command: str, manifest: Path, output: Path) -> tuple[int, str]:
    args = [command, "--manifest", str(manifest), "--output", str(output)]
    result = CliRunner().invoke(cli, [*args, "--config", str(GREENERY / "exposure-sync.yml")])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def generated(emulator, greenery_manifest: Path, project: Path) -> str:
    """What `sync` writes for greenery's manifest (dbt-core 1.11)."""
    code, out = sync("sync", greenery_manifest, project / OUTPUT)
    assert code == 0, out
    return (project / OUTPUT).read_text(encoding="utf-8")


def dbt_parse(project: Path, adapter: str, text: str) -> subprocess.CompletedProcess:
    """`dbt parse --warn-error` of the project holding `text` as its generated file."""
    (project / OUTPUT).write_text(text, encoding="utf-8")
    profiles = project if adapter == "duckdb" else PROFILES
    workdir = project.parent / f"dbt-{adapter}"
    env = {**os.environ, "GREENERY_DUCKDB": str(workdir / "greenery.duckdb")}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_VERSION_CHECK="false")
    args = [DBT, "parse", "--warn-error", "--no-partial-parse", "--project-dir", str(project)]
    args += ["--profiles-dir", str(profiles), "--target-path", str(workdir / "target")]
    args += ["--log-path", str(workdir / "logs")]
    if adapter != "duckdb":
        args += ["--target", adapter]
    return subprocess.run(
        args, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("adapter", ["duckdb", "postgres", "snowflake"])
def test_generated_file_passes_dbt_parse_warn_error(project, generated, adapter):
    done = dbt_parse(project, adapter, generated)

    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert f"Registered adapter: {adapter}" in done.stdout
    manifest = json.loads((project.parent / f"dbt-{adapter}/target/manifest.json").read_text())
    parsed = {
        e["name"]: e
        for e in manifest["exposures"].values()
        if e["original_file_path"] == OUTPUT.as_posix()
    }
    written = yaml.safe_load(generated)["exposures"]
    assert sorted(parsed) == sorted(e["name"] for e in written)
    for entry in written:
        # dbt read meta and tags from the config block: nothing is lost in the move
        assert "meta" not in entry and "tags" not in entry
        assert parsed[entry["name"]]["meta"] == entry["config"]["meta"]
        assert sorted(parsed[entry["name"]]["tags"]) == sorted(entry["config"]["tags"])


def test_top_level_form_fails_under_snowflake(project, generated):
    """The check above can fail: the old form is what dbt-snowflake rejects."""
    old_form = render_exposures(entries_of(generated), HEADER_COMMAND)
    assert "\n    meta:" in old_form and "config:" not in old_form

    done = dbt_parse(project, "snowflake", old_form)

    assert done.returncode != 0
    assert DEPRECATION in done.stdout + done.stderr


def test_a_file_in_the_old_form_is_migrated_by_the_next_sync(
    greenery_manifest, generated, tmp_path
):
    output = tmp_path / OUTPUT
    output.parent.mkdir(parents=True)
    entries = entries_of(generated)
    output.write_text(render_exposures(entries, HEADER_COMMAND), encoding="utf-8")

    code, out = sync("diff", greenery_manifest, output)
    assert code == 1, out
    assert f"0 added, {len(entries)} changed, 0 removed" in out
    assert "+    config:" in out and "-    meta:" in out

    code, out = sync("sync", greenery_manifest, output)
    assert code == 0 and "written" in out
    assert output.read_text(encoding="utf-8") == generated
    code, out = sync("sync", greenery_manifest, output)
    assert code == 0 and "unchanged, not written" in out


def entries_of(text: str) -> list:
    return [entry_from_dict(item) for item in parse_entries(text, OUTPUT)]


def test_a_dbt_1_8_manifest_gets_top_level_keys(emulator, greenery_manifest, tmp_path):
    """Before dbt 1.10, tags and meta under config would be ignored: they stay top-level."""
    assert not load_manifest(MANIFESTS / "jaffle_shop_v12_dbt-1.8.json").properties_in_config
    assert load_manifest(MANIFESTS / "jaffle_shop_v12_dbt-1.11.json").properties_in_config
    # greenery's manifest as dbt 1.8 would have written it (same schema v12)
    raw = json.loads(greenery_manifest.read_text(encoding="utf-8"))
    raw["metadata"]["dbt_version"] = "1.8.9"
    older = tmp_path / "manifest.json"
    older.write_text(json.dumps(raw), encoding="utf-8")
    output = tmp_path / OUTPUT

    code, out = sync("sync", older, output)

    assert code == 0, out
    written = yaml.safe_load(output.read_text(encoding="utf-8"))["exposures"]
    assert written and all("config" not in e for e in written)
    assert all("looker" in e["tags"] and e["meta"]["looker_dashboard_id"] for e in written)
