"""Acceptance 4 of issue 9: a LookML checkout lineage cannot fully use. A file lkml cannot
parse, a file that is not LookML, an include matching nothing and a `${x.SQL_TABLE_NAME}` cycle
each leave their view to Looker's generated SQL, the report says why, and the lineage is the
one the API path gives. (tests/fixtures/lookml/fallback: the instance, and a broken checkout.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure_sync.config import Config, config_from_dict
from exposure_sync.lineage.graph import Lineage, build_lineage, dashboard_node
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.instance import load_instance
from exposure_sync.looker.emulator.server import EmulatorServer
from exposure_sync.lookml.views import load_lookml_files
from exposure_sync.run import read_looker

FALLBACK = Path(__file__).resolve().parent.parent / "fixtures" / "lookml" / "fallback"
SQL_OPERATIONS = ("run_query", "run_inline_query")


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    instance = load_instance(FALLBACK / "instance")
    with EmulatorServer(instance) as emulator, pytest.MonkeyPatch.context() as patch:
        for name, value in emulator.env().items():
            patch.setenv(name, value)
        yield emulator


def lineage(server: EmulatorServer, config: Config, lookml_dir: Path | None) -> Lineage:
    files = load_lookml_files(lookml_dir, {})
    server.stats.reset()
    crawl = read_looker(config, None, None, files)
    return build_lineage(crawl, config, None, files)


def test_each_broken_part_falls_back_to_generated_sql_with_a_reason(
    server: EmulatorServer,
) -> None:
    config = config_from_dict({})
    api = lineage(server, config, None)
    with_files = lineage(server, config, FALLBACK / "checkout")
    sql_requests = sum(server.stats.counts().get(op, 0) for op in SQL_OPERATIONS)
    for dashboard in ("1", "2"):  # 3: see the next test
        root = dashboard_node(dashboard)
        assert with_files.relations(root) == api.relations(root)
        assert with_files.incomplete_reason(root) is None
    assert {str(r) for r in with_files.relations(dashboard_node("1"))} >= {
        "db.analytics.broken_src",
        "db.analytics.odd_src",
        "db.analytics.loop_src",
        "db.analytics.extra_src",
    }
    assert sql_requests == 1  # dashboard 1's query; dashboard 2 reads only good_pdt: the files
    assert with_files.derived_from_files == {("fb", "good_pdt")}
    notes = "\n".join(sorted(with_files.notes))
    assert "broken_pdt.view.lkml: LookML syntax error" in notes
    assert "odd_pdt.view.lkml: LookML syntax error" in notes
    assert "include '/extra/*.view.lkml' matches no file" in notes
    assert "circular reference loop_b -> loop_a -> loop_b" in notes
    for view in ("broken_pdt", "odd_pdt", "extra_pdt"):
        assert f"view fb.{view}: Looker lists it but the LookML files do not define it" in notes
    assert "view fb.loop_b: read from Looker's generated SQL, not the LookML files" in notes


def test_a_table_the_files_name_differently_is_noted_and_the_files_win(
    server: EmulatorServer,
) -> None:
    with_files = lineage(server, config_from_dict({}), FALLBACK / "checkout")
    relations = {str(r) for r in with_files.relations(dashboard_node("3"))}
    assert relations == {"db.analytics.customers_v2"}
    # an explore's own sql_table_name wins over its base view's, in the files as in Looker
    archived = {str(r) for r in with_files.relations(dashboard_node("4"))}
    assert archived == {"db.analytics.customers_archive"}
    assert not [n for n in with_files.notes if "'analytics.customers_archive'" in n]
    assert (
        "view fb.customers: the LookML files say 'analytics.customers_v2' where Looker serves "
        "'analytics.customers' (is the checkout up to date?); the files are used"
    ) in with_files.notes


def test_a_built_pdt_the_files_define_is_no_gap_in_generated_sql(server: EmulatorServer) -> None:
    """Dashboard 1's query still needs Looker's SQL (views the files cannot give), and a Looker
    that had built good_pdt writes only its scratch table there: the files give good_pdt's
    inputs, so the dashboard's lineage is complete; the API path alone cannot know them."""
    server.set_faults(FaultConfig(pdts_already_built=True))
    try:
        api = lineage(server, config_from_dict({}), None)
        with_files = lineage(server, config_from_dict({}), FALLBACK / "checkout")
    finally:
        server.set_faults(None)
    root = dashboard_node("1")
    assert "good_pdt" in (api.incomplete_reason(root) or "")
    assert with_files.incomplete_reason(root) is None
    assert "db.analytics.good_src" in {str(r) for r in with_files.relations(root)}
    assert not [n for n in with_files.notes if "good_pdt" in n and "already built" in n]
