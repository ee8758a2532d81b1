"""When Looker fails part of a crawl, nothing is lost: the dashboards concerned keep their
previous entries, the run names them and exits 3, every other entry is as a clean run writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.looker.decode_content import id_sort_key
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.instance import load_instance
from exposure_sync.looker.emulator.server import EmulatorServer
from exposure_sync.sync import NOT_SETTLED
from tests.conftest import GREENERY

CONFIG = GREENERY / "exposure-sync.yml"


def sync(manifest: Path, output: Path, *extra: str, config: Path = CONFIG) -> tuple[int, str]:
    args = ["sync", "--manifest", str(manifest), "--output", str(output), "--config", str(config)]
    result = CliRunner().invoke(cli, [*args, *extra])
    return result.exit_code, result.output


def entries(path: Path) -> dict[str, dict]:
    return {
        e["config"]["meta"]["looker_dashboard_id"]: e
        for e in yaml.safe_load(path.read_text())["exposures"]
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
        code, out = sync(
            manifest, output, "--format", "json", config=settings_file(tmp_path, retries=1)
        )
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
    # entries of what is known in part hold what is known plus their previous depends_on;
    # here that is all of it (meta may name more tables outside dbt: both Liquid branches)
    after, before = entries(output), entries(clean)
    assert {i: (e["name"], e["depends_on"]) for i, e in after.items()} == {
        i: (e["name"], e["depends_on"]) for i, e in before.items()
    }


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


def run(command: str, manifest: Path, output: Path, config: Path, *extra: str):
    args = [command, "--manifest", str(manifest), "--output", str(output), "--config", str(config)]
    return CliRunner().invoke(cli, [*args, *extra])


def settings_file(tmp_path: Path, **changes) -> Path:
    settings = yaml.safe_load(CONFIG.read_text())
    settings.pop("output")
    path = tmp_path / "exposure-sync.yml"
    path.write_text(yaml.safe_dump({**settings, **changes}))
    return path


def test_what_looker_settles_is_settled_even_when_lineage_fails(
    emulator, greenery_manifest, clean: Path, tmp_path: Path
):
    """Excluded dashboards lose their entries whatever else failed; the rest are kept."""
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    config = settings_file(tmp_path, exclude_folders=["Shared/Operations/**"], retries=1)
    emulator.set_faults(FaultConfig(always_fail={"/connections/*": "500"}))
    try:
        # excluding a whole folder removes more than max_removals: the user's word lets it through
        result = run("sync", greenery_manifest, output, config, "--allow-removals")
    finally:
        emulator.set_faults(None)
    assert result.exit_code == 3, result.output
    before, after = entries(clean), entries(output)
    operations = {
        i
        for i, e in before.items()
        if e["config"]["meta"]["looker_folder"].startswith("Shared/Operations")
    }
    assert operations and set(after) == set(before) - operations
    assert all(after[i] == before[i] for i in after)
    assert "dashboard 1:" not in result.output  # covered by the hand-written exposure: settled


def test_a_crawl_without_folders_deletes_nothing(emulator, greenery_manifest, clean, tmp_path):
    """Folder rules cannot be applied without folders: entries stay, the run exits 3."""
    snapshot = tmp_path / "crawl.json"
    assert (
        CliRunner()
        .invoke(cli, ["crawl", "--out", str(snapshot), "--config", str(CONFIG)])
        .exit_code
        == 0
    )
    raw = json.loads(snapshot.read_text())
    raw["folders"] = []
    snapshot.write_text(json.dumps(raw))
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    config = settings_file(tmp_path, include_folders=["Shared/Product/**"])
    result = run("sync", greenery_manifest, output, config, "--from-snapshot", str(snapshot))
    assert result.exit_code == 3, result.output
    assert output.read_bytes() == clean.read_bytes()


def test_a_connection_the_config_describes_fully_may_fail(
    emulator, greenery_manifest, clean, tmp_path
):
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    described = {"dialect": "duckdb", "database": "greenery", "schema": "analytics"}
    config = settings_file(tmp_path, connections={"greenery_duckdb": described}, retries=1)
    emulator.set_faults(FaultConfig(always_fail={"/connections/*": "500"}))
    try:
        result = run("sync", greenery_manifest, output, config)
    finally:
        emulator.set_faults(None)
    assert result.exit_code == 0, result.output
    assert output.read_bytes() == clean.read_bytes()


@pytest.mark.parametrize("command", ["check", "diff"])
def test_check_and_diff_never_say_up_to_date_when_requests_failed(
    emulator, greenery_manifest, clean, tmp_path, command
):
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    emulator.set_faults(FaultConfig(always_fail={"/lookml_models/*/explores/orders": "500"}))
    try:
        fast = settings_file(tmp_path, retries=1)  # failures are certain: do not wait for them
        text = run(command, greenery_manifest, output, fast)
        as_json = run(command, greenery_manifest, output, fast, "--format", "json")
    finally:
        emulator.set_faults(None)
    assert text.exit_code == as_json.exit_code == 3
    assert "up to date" not in text.output and "unknown" in text.output
    report = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert report["failures"]
    if command == "check":
        assert report["state"] == "unknown" and report["stale"] is None
    else:
        assert report["summary"].startswith("unknown")


def test_a_dashboard_the_search_missed_keeps_its_entry(
    emulator, greenery_manifest, clean, tmp_path
):
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    emulator.set_faults(FaultConfig(search_misses=frozenset({"2"})))
    try:
        code, out = sync(greenery_manifest, output)
    finally:
        emulator.set_faults(None)
    assert code == 3 and "dashboard 2" in out
    assert output.read_bytes() == clean.read_bytes()


def sync_on(instance, manifest: Path, output: Path, config: Path):
    """`sync --format json` against a one-off emulator serving `instance`; the result and the
    emulator's request log."""
    with EmulatorServer(instance) as server, pytest.MonkeyPatch.context() as patch:
        for name, value in server.env().items():
            patch.setenv(name, value)
        return run("sync", manifest, output, config, "--format", "json"), server.stats.log()


@pytest.mark.parametrize(
    "settings",
    # excluding a folder is a real clean-up: more removals than max_removals, so allowed
    [{}, {"exclude_folders": ["Shared/Operations/**"], "allow_removals": True}],
    ids=["default rules", "with folder rules"],
)
def test_a_parent_folder_looker_hides_cuts_the_path_and_fails_nothing(
    greenery_manifest, clean, tmp_path, settings: dict
):
    """An API user who cannot see the Users root (Looker answers 404 for it): the personal
    folders below it are still personal, so their dashboards are skipped, not failed, whatever
    folder rules say; the run is complete (exit 0) and notes the hidden folder."""
    instance = load_instance()
    del instance.content.folders["2"]  # served by neither /folders nor /folders/2
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    result, log = sync_on(instance, greenery_manifest, output, settings_file(tmp_path, **settings))
    code, out = result.exit_code, result.output
    statuses = {(r.operation, r.status) for r in log}
    assert code == 0, out
    assert ("folder", 404) in statuses
    report = json.loads(out)
    assert report["failures"] == []
    hidden = "folder 2 (above folder 200) is not visible to the API user (404)"
    assert any(note.startswith(hidden) for note in report["notes"])
    personal = {s["id"] for s in report["skipped"] if s["reason"].startswith("in a personal")}
    assert personal == {"30", "37", "38", "39", "40", "61"}
    if not settings:
        assert output.read_bytes() == clean.read_bytes()


@pytest.mark.parametrize(
    ("hidden", "settings"),
    [
        # a rule reads the hidden part of the path: Shared/Operations/** would match, or not
        ("30", {"exclude_folders": ["Shared/Operations/**"]}),
        # a dashboard's own folder hidden: personal or not, nobody can tell
        ("201", {}),
        # the Shared root hidden: paths lose "Shared/", the right pattern matches nothing
        ("1", {"include_folders": ["Shared/**", "LookML Dashboards"]}),
    ],
)
def test_a_hidden_folder_that_rules_depend_on_keeps_entries(
    greenery_manifest, clean, tmp_path, hidden: str, settings: dict
):
    """Where a hidden folder could change what the folder rules decide, nothing is settled
    from a guess: the dashboards below it keep their previous entries (or get none) and the
    run exits 3 naming them."""
    instance = load_instance()
    folders = instance.content.folders

    def ancestors(folder_id: str | None) -> set[str | None]:
        chain = set()
        while folder_id is not None and folder_id not in chain:
            chain.add(folder_id)
            folder_id = getattr(folders.get(folder_id), "parent_id", None)
        return chain

    below = {
        d.id
        for d in instance.content.dashboards.values()
        if not d.deleted and hidden in ancestors(d.folder_id)
    }
    del instance.content.folders[hidden]
    output = tmp_path / clean.name
    output.write_bytes(clean.read_bytes())
    result, _ = sync_on(instance, greenery_manifest, output, settings_file(tmp_path, **settings))
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    unsettled = {s["id"] for s in report["skipped"] if s["reason"] == NOT_SETTLED}
    assert below and unsettled == below
    assert all("not visible to the API user (404)" in f for f in report["failures"])
    if hidden == "201":
        assert output.read_bytes() == clean.read_bytes()  # personal 30 gets no entry
    else:
        before, after = entries(clean), entries(output)
        assert set(after) == set(before)  # included or not, excluded or not: entries stay
    if hidden == "1":
        assert (
            "include_folders: 'Shared/**' matches no folder the API user can see"
            in (report["notes"])
        )


@pytest.mark.parametrize(
    "faults",
    [
        FaultConfig(always_fail={"/queries/*/run/sql": "500"}),  # generated SQL
        FaultConfig(always_fail={"/lookml_models/greenery/explores/users": "500"}),  # an explore
        FaultConfig(broken_dashboards=frozenset({"7"})),  # the dashboard itself
        FaultConfig(  # the SQL of a LookML tile's query that has no id, run inline
            always_fail={"/queries/run/sql": "500"}, lookml_queries_without_ids=True
        ),
    ],
    ids=["sql", "explore", "dashboard", "inline-sql"],
)
def test_exclude_dashboards_settles_what_keeps_failing(
    emulator, greenery_manifest, clean: Path, tmp_path: Path, faults: FaultConfig
):
    """Dashboards Looker keeps failing exit 3 every run; listing them in exclude_dashboards
    turns the run green: their entries go, every other stays as it was."""

    def sync_from_clean(where: str, **settings):
        output = tmp_path / where / clean.name
        output.parent.mkdir()
        output.write_bytes(clean.read_bytes())
        config = settings_file(tmp_path, retries=1, **settings)
        emulator.set_faults(faults)
        try:
            return run("sync", greenery_manifest, output, config, "--format", "json"), output
        finally:
            emulator.set_faults(None)

    failing, _ = sync_from_clean("failing")
    assert failing.exit_code == 3, failing.output
    lines = [line for line in json.loads(failing.output)["failures"] if line.startswith("dash")]
    ids = [line.split(": ")[0].removeprefix("dashboard ") for line in lines]
    assert ids == sorted(ids, key=id_sort_key)  # 2 before 10, as everywhere in the report
    failed = set(ids)
    assert failed
    result, output = sync_from_clean(
        "excluded", exclude_dashboards=[*sorted(failed), "9999"], allow_removals=True
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    excluded = {s["id"] for s in report["skipped"] if s["reason"].endswith("exclude_dashboards")}
    assert excluded == failed
    assert "exclude_dashboards: Looker lists no dashboard 9999" in report["notes"]
    before, after = entries(clean), entries(output)
    assert set(after) == set(before) - failed
    assert all(after[i] == before[i] for i in after)


def test_with_looks_a_failed_look_on_a_dashboard_is_settled_by_its_tiles(
    emulator, greenery_manifest, tmp_path: Path
):
    """include_looks: a look shown on a dashboard never gets an entry of its own, so its
    failure (its explore's, here) cannot keep the run red once the dashboards are excluded."""
    faults = FaultConfig(always_fail={"/lookml_models/greenery/explores/users": "500"})
    output = tmp_path / "looker_exposures.yml"

    def sync_with(**settings):
        config = settings_file(tmp_path, retries=1, include_looks=True, **settings)
        emulator.set_faults(faults)
        try:
            return run("sync", greenery_manifest, output, config, "--format", "json")
        finally:
            emulator.set_faults(None)

    failing = sync_with()
    assert failing.exit_code == 3, failing.output
    report = json.loads(failing.output)
    dashboards = sorted(
        line.split(": ")[0].removeprefix("dashboard ")
        for line in report["failures"]
        if line.startswith("dashboard ")
    )
    result = sync_with(exclude_dashboards=dashboards)
    assert result.exit_code == 0, result.output
    skipped = {(s["kind"], s["id"]): s["reason"] for s in json.loads(result.output)["skipped"]}
    assert skipped[("look", "5")].startswith("look used on a dashboard")


def test_a_kept_entry_drops_refs_to_nodes_dbt_no_longer_has(
    emulator, greenery_manifest, clean: Path, tmp_path: Path
):
    """A dashboard Looker fails keeps its previous entry, but a ref to a model since deleted
    from the dbt project would make `dbt parse` refuse the whole file: it goes, the rest stays."""
    text = clean.read_text()
    kept = entries(clean)["7"]
    first = kept["depends_on"][0]
    gone = "ref('a_model_dbt_no_longer_has')"
    assert text.count(f"      - {first}\n") >= 1
    start = tmp_path / "start" / clean.name
    start.parent.mkdir()
    name_line = f"  - name: {kept['name']}\n"
    head, _, tail = text.partition(name_line)
    tail = tail.replace(f"      - {first}\n", f"      - {gone}\n      - {first}\n", 1)
    start.write_text(head + name_line + tail)
    assert gone in entries(start)["7"]["depends_on"]
    output = tmp_path / clean.name
    output.write_bytes(start.read_bytes())
    emulator.set_faults(FaultConfig(broken_dashboards=frozenset({"7"})))
    try:
        code, out = sync(greenery_manifest, output, "--format", "json")
    finally:
        emulator.set_faults(None)
    assert code == 3, out
    assert "dashboard 7" in json.loads(out)["kept_previous_entries"]
    assert entries(output)["7"]["depends_on"] == kept["depends_on"]
    assert output.read_text() == text
