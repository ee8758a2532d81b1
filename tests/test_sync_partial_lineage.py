"""Dashboards whose lineage is known in part still get their entry, and gaps show in meta.

Through the emulator's greenery instance: with `pdts_already_built` its generated SQL reads
persistent derived tables' scratch tables only (as a Looker that does not honour
`rebuild_pdts`), so the PDTs' inputs are unknown without the LookML files.

Issue 9 points 7 (no dashboard left without an entry for want of a PDT's inputs) and 8
(`meta.looker_tables_outside_dbt`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.exposures.keys import OUTSIDE_DBT_KEY
from exposure_sync.exposures.write import entry_from_dict, parse_entries, render_exposures
from exposure_sync.looker.decode_content import id_sort_key
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.run import HEADER_COMMAND
from tests.test_sync_end_to_end import expected_entry_ids, expected_lineage, invoke

OUTPUT = "looker_exposures.yml"


def entries(path: Path) -> dict[str, dict]:
    """Dashboard id -> entry as written (dbt 1.11: tags and meta under config)."""
    return {
        e["config"]["meta"]["looker_dashboard_id"]: e for e in parse_entries(path.read_text(), path)
    }


@pytest.fixture(scope="module")
def clean(emulator, greenery_manifest, tmp_path_factory) -> Path:
    """What a run with complete lineage writes."""
    output = tmp_path_factory.mktemp("clean") / OUTPUT
    code, out = invoke("sync", greenery_manifest, output)
    assert code == 0, out
    return output


def sync_with_built_pdts(emulator, manifest: Path, output: Path) -> tuple[int, dict]:
    emulator.set_faults(FaultConfig(pdts_already_built=True))
    try:
        code, out = invoke("sync", manifest, output, "--format", "json")
    finally:
        emulator.set_faults(None)
    return code, json.loads(out)


def pdt_dashboards(report: dict) -> dict[str, str]:
    """Dashboard id -> why its lineage is incomplete, for those reading a built PDT."""
    found = {}
    for failure in report["failures"]:
        head, _, why = failure.partition(": ")
        if "persistent derived table" in why:
            found[head.removeprefix("dashboard ")] = why
    return found


def test_first_run_writes_what_is_known_and_names_the_pdt(
    emulator, greenery_manifest, clean, tmp_path
):
    output = tmp_path / OUTPUT

    code, report = sync_with_built_pdts(emulator, greenery_manifest, output)

    assert code == 3  # the lineage is still incomplete: the run says so
    incomplete = pdt_dashboards(report)
    assert incomplete, report["failures"]
    for why in incomplete.values():
        assert "looker_scratch.lr_" in why and "--lookml-dir" in why  # which PDT, what to do
    written, complete = entries(output), entries(clean)
    partial = {i for i in incomplete if i in written}
    assert partial and report["entries_from_incomplete_lineage"] == [
        f"dashboard {i}" for i in sorted(partial, key=id_sort_key)
    ]
    for dashboard_id in partial:
        # what is known: its dependencies outside the PDT, never one it does not have
        known, full = written[dashboard_id]["depends_on"], complete[dashboard_id]["depends_on"]
        assert known and set(known) <= set(full), dashboard_id
        assert written[dashboard_id]["name"] == complete[dashboard_id]["name"]
    # only a dashboard of which no dbt node is known yet has no entry (and says so)
    for dashboard_id in set(incomplete) - partial:
        assert dashboard_id in complete
    assert set(incomplete) - partial
    assert report["summary"].endswith("written")
    # every other dashboard's entry is as a complete run writes it
    assert {i: e for i, e in written.items() if i not in incomplete} == {
        i: e for i, e in complete.items() if i not in incomplete
    }


def test_with_a_previous_entry_nothing_is_lost(emulator, greenery_manifest, clean, tmp_path):
    output = tmp_path / OUTPUT
    output.write_bytes(clean.read_bytes())
    title = emulator.instance.content.dashboards["12"].title
    emulator.update_dashboard("12", title="Daily sessions (renamed)")
    try:
        code, report = sync_with_built_pdts(emulator, greenery_manifest, output)
    finally:
        emulator.update_dashboard("12", title=title)

    assert code == 3
    assert "12" in pdt_dashboards(report)
    written, complete = entries(output), entries(clean)
    assert set(written) == set(complete)
    for dashboard_id, entry in written.items():
        assert entry["depends_on"] == complete[dashboard_id]["depends_on"], dashboard_id
        assert entry["name"] == complete[dashboard_id]["name"]  # names stay
    # the entry is the dashboard's as Looker has it now: only its dependencies are merged
    assert written["12"]["label"] == "Daily sessions (renamed)"

    # the text report counts them among the exposures, not as "without an entry"
    emulator.set_faults(FaultConfig(pdts_already_built=True))
    try:
        code, out = invoke("diff", greenery_manifest, output)
    finally:
        emulator.set_faults(None)
    assert code == 3, out
    partial = len(report["entries_from_incomplete_lineage"])
    assert f"{len(written)} exposures ({partial} of them from lineage known in part); " in out
    assert "without an entry yet" not in out


def test_a_previous_dependency_stays_until_the_lineage_is_complete(
    emulator, greenery_manifest, clean, tmp_path
):
    """Merging never drops what the previous entry had while the lineage is incomplete (the
    unknown inputs may be exactly that); a complete run then writes what it found."""
    code, report = sync_with_built_pdts(emulator, greenery_manifest, tmp_path / "probe.yml")
    dashboard_id = sorted(pdt_dashboards(report))[0]
    previous = [entry_from_dict(e) for e in parse_entries(clean.read_text(), clean)]
    extra = "ref('stg_greenery__users')"  # a live node the dashboard does not read
    gone = "ref('a_model_dbt_no_longer_has')"
    previous = [
        replace(e, depends_on=(*e.depends_on, extra, gone))
        if e.meta["looker_dashboard_id"] == dashboard_id
        else e
        for e in previous
    ]
    output = tmp_path / OUTPUT
    output.write_text(render_exposures(previous, HEADER_COMMAND, properties_in_config=True))

    code, _ = sync_with_built_pdts(emulator, greenery_manifest, output)

    assert code == 3
    kept = entries(output)[dashboard_id]["depends_on"]
    assert extra in kept
    assert gone not in kept  # dbt would refuse a node it does not have
    code, out = invoke("sync", greenery_manifest, output)
    assert code == 0, out
    assert output.read_bytes() == clean.read_bytes()


def test_a_table_dbt_now_builds_leaves_the_previous_tables_outside_dbt(
    emulator, greenery_manifest, clean, tmp_path
):
    """The previous entry's looker_tables_outside_dbt is merged for tables the incomplete
    lineage does not see; one it sees and a dbt node builds is no longer outside dbt (it is a
    dependency now: listing it as both would contradict itself)."""
    code, report = sync_with_built_pdts(emulator, greenery_manifest, tmp_path / "probe.yml")
    probe = entries(tmp_path / "probe.yml")
    dashboard_id = sorted(set(pdt_dashboards(report)) & set(probe))[0]  # with something known
    known = probe[dashboard_id]["depends_on"]
    model = re.fullmatch(r"ref\('(\w+)'\)", known[0])[1]
    node = next(n for n in load_manifest(greenery_manifest).nodes if n.name == model)
    built_now = f"{node.database}.{node.schema}.{node.identifier}"
    unseen = "greenery.legacy.an_old_table"  # not read by what is known: stays
    previous = [
        replace(e, meta={**e.meta, OUTSIDE_DBT_KEY: [built_now, unseen]})
        if e.meta["looker_dashboard_id"] == dashboard_id
        else e
        for e in (entry_from_dict(e) for e in parse_entries(clean.read_text(), clean))
    ]
    output = tmp_path / OUTPUT
    output.write_text(render_exposures(previous, HEADER_COMMAND, properties_in_config=True))

    code, _ = sync_with_built_pdts(emulator, greenery_manifest, output)

    assert code == 3
    entry = entries(output)[dashboard_id]
    assert known[0] in entry["depends_on"]
    assert entry["config"]["meta"][OUTSIDE_DBT_KEY] == [unseen]


def test_tables_outside_dbt_are_in_meta(emulator, greenery_manifest, clean):
    written = entries(clean)
    assert set(written) == expected_entry_ids()
    want = expected_lineage()
    for dashboard_id, entry in written.items():
        meta = entry["config"]["meta"]
        outside = want[dashboard_id]["not_built"]
        if outside:
            assert meta[OUTSIDE_DBT_KEY] == sorted(outside), dashboard_id
        else:
            assert OUTSIDE_DBT_KEY not in meta, dashboard_id
    # greenery's legacy.marketing_spend, read with dbt models on dashboards 19 and 24
    assert written["19"]["config"]["meta"][OUTSIDE_DBT_KEY] == ["greenery.legacy.marketing_spend"]
    assert list(written["24"]["config"]["meta"]) == [
        "looker_dashboard_id",
        "looker_folder",
        "looker_folder_id",
        OUTSIDE_DBT_KEY,
        "generated_by",
    ]
