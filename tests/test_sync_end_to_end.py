"""The whole product on real parts: looker-sdk over HTTP to the emulator's greenery instance,
greenery's manifest from real `dbt parse`, the CLI through CliRunner, files on disk.

Issue 4 acceptance 1-6.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.config import config_from_dict
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.refs import node_reference
from exposure_sync.lineage.graph import build_lineage, dashboard_node
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.run import read_looker
from tests.conftest import GREENERY, run_dbt

EXPECTED = Path(__file__).parent / "fixtures" / "lineage" / "greenery_expected_depends_on.yml"
CONFIG = GREENERY / "exposure-sync.yml"


def expected_lineage() -> dict:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))["dashboards"]


def invoke(command: str, manifest: Path, output: Path, *extra: str) -> tuple[int, str]:
    args = [command, "--manifest", str(manifest), "--output", str(output), "--config", str(CONFIG)]
    result = CliRunner().invoke(cli, [*args, *extra])
    return result.exit_code, result.output


def entries(path: Path) -> dict[str, dict]:
    return {
        e["meta"]["looker_dashboard_id"]: e for e in yaml.safe_load(path.read_text())["exposures"]
    }


@pytest.fixture()
def output(tmp_path: Path) -> Path:
    return tmp_path / "models" / "exposures" / "looker_exposures.yml"


@pytest.fixture(scope="module")
def greenery_config():
    raw = yaml.safe_load(CONFIG.read_text())
    raw.pop("output")
    return config_from_dict(raw)


# --- acceptance 2: depends_on, exactly, for every dashboard of the instance ------------------


def test_every_dashboards_depends_on_matches_the_hand_computed_lineage(
    emulator, greenery_manifest, greenery_config
):
    crawl = read_looker(greenery_config, None, None)
    manifest = load_manifest(greenery_manifest)
    lineage = build_lineage(crawl, greenery_config, manifest)
    expected = expected_lineage()
    assert len(expected) >= 12
    for dashboard_id, want in expected.items():
        root = dashboard_node(dashboard_id)
        got = sorted(node_reference(n, manifest.project_name) for n in lineage.dbt_nodes(root))
        assert got == sorted(want["depends_on"]), f"dashboard {dashboard_id}: {want['feature']}"
        not_built = sorted(str(r) for r in lineage.unbuilt_relations(root))
        assert not_built == sorted(want.get("not_built") or []), f"dashboard {dashboard_id}"
        missing = sorted(lineage.missing_explores(root))
        assert missing == sorted(want.get("missing_explores") or []), f"dashboard {dashboard_id}"


def test_written_entries_carry_the_expected_depends_on(emulator, greenery_manifest, output):
    code, out = invoke("sync", greenery_manifest, output)
    assert code == 0, out
    written = entries(output)
    expected = expected_lineage()
    assert len(written) >= 40
    for dashboard_id, entry in written.items():
        assert entry["depends_on"] == sorted(expected[dashboard_id]["depends_on"]), dashboard_id
    # reported, not written: deleted, personal, covered by hand-written, no dbt dependency
    assert {"1", "18", "25", "58", "59", "37"}.isdisjoint(written)


# --- acceptance 1 and 6: dbt accepts the file; docs show the exposures ----------------------


def test_generated_file_passes_dbt_parse_warn_error_and_docs_generate(emulator, tmp_path: Path):
    project = tmp_path / "greenery"
    shutil.copytree(GREENERY, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"))
    workdir = tmp_path / "work"
    assert run_dbt(["parse"], project, workdir).returncode == 0
    output = project / "models" / "exposures" / "looker_exposures.yml"
    output.unlink(missing_ok=True)
    code, out = invoke("sync", workdir / "target" / "manifest.json", output)
    assert code == 0, out
    parsed = run_dbt(["--warn-error", "parse"], project, workdir)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    manifest = json.loads((workdir / "target" / "manifest.json").read_text())
    by_name = {e["name"]: e for e in manifest["exposures"].values()}
    written = yaml.safe_load(output.read_text())["exposures"]
    for entry in written:
        exposure = by_name[entry["name"]]
        assert len(exposure["depends_on"]["nodes"]) == len(entry["depends_on"]) > 0
        assert exposure["label"] == entry["label"]
    # the description with Liquid `{{ }}` and `{% %}` comes through dbt literally
    liquid = next(e for e in by_name.values() if e["meta"].get("looker_dashboard_id") == "36")
    assert "{{" in liquid["description"] and "{%" in liquid["description"]
    # docs generate needs the warehouse: build just enough of it (seeds + models, no tests)
    assert run_dbt(["seed"], project, workdir).returncode == 0
    docs = run_dbt(["docs", "generate", "--no-compile"], project, workdir)
    assert docs.returncode == 0, docs.stdout[-3000:]
    assert (workdir / "target" / "catalog.json").exists()
    docs_manifest = json.loads((workdir / "target" / "manifest.json").read_text())
    funnel = "model.greenery.fact_sessions_funnel"
    users = [e for e in docs_manifest["exposures"].values() if funnel in e["depends_on"]["nodes"]]
    assert len(users) >= 2  # the hand-written one and generated ones


# --- acceptance 3: idempotent; a change in Looker shows as exactly that change ---------------


def test_second_sync_writes_nothing_and_diff_then_exits_0(emulator, greenery_manifest, output):
    assert invoke("sync", greenery_manifest, output)[0] == 0
    before = output.read_bytes(), output.stat().st_mtime_ns
    code, out = invoke("sync", greenery_manifest, output)
    assert code == 0 and "unchanged" in out
    assert (output.read_bytes(), output.stat().st_mtime_ns) == before
    assert invoke("diff", greenery_manifest, output)[0] == 0
    assert invoke("check", greenery_manifest, output)[0] == 0


def test_diff_shows_exactly_an_added_renamed_and_deleted_dashboard(
    emulator, greenery_manifest, output
):
    assert invoke("sync", greenery_manifest, output)[0] == 0
    names_before = {i: e["name"] for i, e in entries(output).items()}
    new_id = emulator.add_dashboard(
        {
            "id": "900",
            "title": "Brand new funnel board",
            "folder_id": "10",
            "user_id": 1,
            "tiles": [
                {
                    "type": "vis",
                    "query": {
                        "model": "greenery",
                        "view": "fact_sessions_funnel",
                        "fields": ["fact_sessions_funnel.count"],
                    },
                }
            ],
        }
    )
    emulator.update_dashboard("2", title="Orders overview (renamed)")
    emulator.delete_dashboard("3")
    try:
        code, out = invoke("diff", greenery_manifest, output, "--format", "json")
        assert code == 1, out
        report = json.loads(out[out.index("{") :])
        assert "1 added" in report["summary"] and "1 removed" in report["summary"]
        code, _ = invoke("check", greenery_manifest, output)
        assert code == 1
        assert invoke("sync", greenery_manifest, output)[0] == 0
        after = entries(output)
        assert new_id in after and "3" not in after
        assert after["2"]["label"] == "Orders overview (renamed)"
        # nobody else moved: same names for every other dashboard
        for dashboard_id, name in names_before.items():
            if dashboard_id != "3":
                assert after[dashboard_id]["name"] == name
    finally:
        emulator.delete_dashboard(new_id, hard=True)
        emulator.update_dashboard("3", deleted=False)


# --- acceptance 4: faults do not change the output; a failing dashboard keeps its entry -----


def test_seeded_faults_give_byte_identical_output(emulator, greenery_manifest, tmp_path: Path):
    clean, faulty = tmp_path / "clean.yml", tmp_path / "faulty.yml"
    assert invoke("sync", greenery_manifest, clean)[0] == 0
    emulator.set_faults(FaultConfig(fault_rate=0.2, seed=7, retry_after_s=0, exempt=frozenset()))
    try:
        code, out = invoke("sync", greenery_manifest, faulty)
    finally:
        emulator.set_faults(None)
    assert code == 0, out
    assert faulty.read_bytes().replace(b"faulty.yml", b"clean.yml") == clean.read_bytes()


def test_a_dashboard_that_always_fails_keeps_its_entry_and_exits_3(
    emulator, greenery_manifest, output
):
    assert invoke("sync", greenery_manifest, output)[0] == 0
    before = entries(output)
    crawl = read_looker(config_from_dict({}), None, None)
    dashboard = next(d for d in crawl.dashboards if any(t.merge_result_id for t in d.tiles))
    merge_id = next(t.merge_result_id for t in dashboard.tiles if t.merge_result_id)
    emulator.set_faults(FaultConfig(always_fail={f"/merge_queries/{merge_id}": "500"}))
    try:
        code, out = invoke("sync", greenery_manifest, output)
    finally:
        emulator.set_faults(None)
    assert code == 3
    assert f"dashboard {dashboard.id}" in out
    assert entries(output)[dashboard.id] == before[dashboard.id]


# --- acceptance 5: few API calls ----------------------------------------------------------


def test_api_calls_stay_within_the_bound(emulator, greenery_config):
    """Issue 4's bound, plus what merged results and LookML dashboards cost by nature: a merged
    result is one /merge_queries call and one /queries call per source, a LookML dashboard one
    /dashboards/{id} call (search does not list them). See README "API calls"."""
    emulator.stats.reset()
    crawl = read_looker(greenery_config, None, None)
    counts = emulator.stats.counts()
    explores = sum(1 for _ in crawl.explores)
    search_pages = counts.get("search_dashboards", 0)
    lookups = sum(counts.get(op, 0) for op in ("all_users", "user", "all_folders", "folder"))
    lookups += sum(counts.get(op, 0) for op in ("all_connections", "connection"))
    generated_sql = counts.get("run_query", 0) + counts.get("run_sql_query", 0)
    merges = counts.get("merge_query", 0) + counts.get("query", 0)
    lookml_dashboards = sum(1 for d in crawl.dashboards if d.is_lookml)
    assert counts.get("dashboard", 0) == lookml_dashboards  # user-defined ones come with search
    bound = explores + search_pages + lookups + generated_sql + merges + lookml_dashboards + 5
    assert counts.get("lookml_model_explore", 0) == explores  # each explore once
    assert emulator.stats.total() <= bound, counts


# --- looks on their own, when configured ---------------------------------------------------


def test_looks_on_their_own_become_analysis_entries(emulator, greenery_manifest, tmp_path: Path):
    config = tmp_path / "exposure-sync.yml"
    settings = yaml.safe_load(CONFIG.read_text())
    config.write_text(yaml.safe_dump({**settings, "include_looks": True}))
    output = tmp_path / "looker_exposures.yml"
    result = CliRunner().invoke(
        cli,
        [
            "sync",
            "--manifest",
            str(greenery_manifest),
            "--output",
            str(output),
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.output
    crawl = read_looker(config_from_dict({"include_looks": True}), None, None)
    on_dashboards = {t.look_id for d in crawl.dashboards for t in d.tiles if t.look_id}
    on_their_own = {i for i, look in crawl.looks.items() if i not in on_dashboards}
    assert on_their_own and on_dashboards  # the instance has both kinds
    written = yaml.safe_load(output.read_text())["exposures"]
    analyses = {e["meta"]["looker_look_id"]: e for e in written if e["type"] == "analysis"}
    assert set(analyses) <= on_their_own and analyses
    for look_id, entry in analyses.items():
        assert entry["url"] == f"http://localhost:9999/looks/{look_id}"
        assert entry["depends_on"]
    # dashboards are unaffected by the setting
    assert sum(e["type"] == "dashboard" for e in written) == len(
        entries_of_default_sync(greenery_manifest, tmp_path / "default.yml")
    )


def entries_of_default_sync(manifest: Path, output: Path) -> dict[str, dict]:
    assert invoke("sync", manifest, output)[0] == 0
    return entries(output)
