"""Acceptance 1 of issue 9: lineage from the LookML files equals lineage from
Looker's generated SQL for every dashboard (greenery, and the shop instance), and the files cost
no generated-SQL request."""

from __future__ import annotations

from pathlib import Path

import pytest

from exposure_sync.config import config_from_dict, load_config
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.lineage.graph import build_lineage, dashboard_node
from exposure_sync.looker.client import LookerClient
from exposure_sync.looker.emulator.instance import GREENERY, load_instance
from exposure_sync.looker.emulator.server import EmulatorServer
from exposure_sync.lookml.views import load_lookml_files
from exposure_sync.run import read_looker

REPO = Path(__file__).resolve().parent.parent.parent
CONFIG = REPO / "greenery" / "exposure-sync.yml"
LOOKML = GREENERY / "lookml"
SQL_OPERATIONS = ("run_query", "run_inline_query")


@pytest.mark.parametrize("granularity", ["query", "explore"])
def test_files_give_the_lineage_generated_sql_gives(
    emulator: EmulatorServer, greenery_manifest: Path, granularity: str
) -> None:
    config = load_config(CONFIG)
    config = type(config)(**{**config.__dict__, "granularity": granularity})
    manifest = load_manifest(greenery_manifest)
    files = load_lookml_files(LOOKML, {})

    emulator.stats.reset()
    api_crawl = read_looker(config, None, None)
    api_sql_calls = sum(emulator.stats.counts().get(op, 0) for op in SQL_OPERATIONS)
    emulator.stats.reset()
    files_crawl = read_looker(config, None, None, files)
    files_counts = emulator.stats.counts()

    api = build_lineage(api_crawl, config, manifest)
    with_files = build_lineage(files_crawl, config, manifest, files)
    dashboards = [d.id for d in api_crawl.dashboards if not d.deleted]
    assert len(dashboards) > 5
    for dashboard_id in dashboards:
        root = dashboard_node(dashboard_id)
        assert with_files.relations(root) == api.relations(root), dashboard_id
        assert with_files.dbt_nodes(root) == api.dbt_nodes(root), dashboard_id
        assert with_files.incomplete_reason(root) is None, dashboard_id
    assert api_sql_calls > 0  # the API path does need generated SQL on greenery
    # explores name the LookML project they come from, which ties them to its checkout
    assert {e.project_name for e in files_crawl.explores.values() if e} == {"greenery"}
    assert all(files_counts.get(op, 0) == 0 for op in SQL_OPERATIONS), files_counts
    # every derived table greenery's dashboards read came from the files
    assert ("greenery", "product_sales_ndt") in with_files.derived_from_files
    assert ("greenery", "daily_sessions_pdt") in with_files.derived_from_files
    assert not [n for n in with_files.notes if "generated SQL, not the LookML" in n]


def test_a_pdt_looker_had_already_built_is_read_from_the_files(
    emulator: EmulatorServer, greenery_manifest: Path
) -> None:
    """Generated SQL without `rebuild_pdts` reads only the PDT's scratch table: without the
    files the dashboards on it are incomplete; with them they depend on the PDT's inputs."""
    config = load_config(CONFIG)
    manifest = load_manifest(greenery_manifest)
    crawl = read_looker(config, None, None)
    client = LookerClient.from_config(config)
    try:
        for query_id in list(crawl.generated_sql):
            crawl.generated_sql[query_id] = client.get_text(f"/queries/{query_id}/run/sql")
    finally:
        client.close()
    assert any("-- use existing daily_sessions_pdt" in sql for sql in crawl.generated_sql.values())
    files = load_lookml_files(LOOKML, {})
    api = build_lineage(crawl, config, manifest)
    with_files = build_lineage(crawl, config, manifest, files)
    on_pdt = [
        d.id
        for d in crawl.dashboards
        if "already built" in (api.incomplete_reason(dashboard_node(d.id)) or "")
    ]
    assert on_pdt
    inputs: set[str] = set()
    for dashboard_id in on_pdt:
        root = dashboard_node(dashboard_id)
        assert with_files.incomplete_reason(root) is None
        inputs |= {n.unique_id for n in with_files.dbt_nodes(root)} - {
            n.unique_id for n in api.dbt_nodes(root)
        }
    # the inputs of greenery's two PDTs, which their scratch tables hide
    assert inputs >= {
        "model.greenery.fact_sessions_funnel",
        "snapshot.greenery.products_snapshot",
        "seed.greenery.inventory_weeks",
    }


@pytest.mark.parametrize("granularity", ["query", "explore"])
def test_the_same_holds_on_the_shop_instance(granularity: str) -> None:
    """Two models, two connections, extends and refinements (tests/fixtures/emulator/shop)."""
    shop = REPO / "tests" / "fixtures" / "emulator" / "shop"
    settings = {
        "constants": {"analytics_schema": "analytics", "raw_db": "shop_raw"},
        "user_attributes": {"shop_schema": "analytics"},
        "granularity": granularity,
    }
    config = config_from_dict(settings)
    files = load_lookml_files(shop / "lookml", {})
    with EmulatorServer(load_instance(shop)) as server, pytest.MonkeyPatch.context() as patch:
        for name, value in server.env().items():
            patch.setenv(name, value)
        api_crawl = read_looker(config, None, None)
        server.stats.reset()
        files_crawl = read_looker(config, None, None, files)
        counts = server.stats.counts()
    api = build_lineage(api_crawl, config, None)
    with_files = build_lineage(files_crawl, config, None, files)
    for dashboard in (d for d in api_crawl.dashboards if not d.deleted):
        root = dashboard_node(dashboard.id)
        assert with_files.relations(root) == api.relations(root), dashboard.id
        assert with_files.incomplete_reason(root) == api.incomplete_reason(root), dashboard.id
    assert all(counts.get(op, 0) == 0 for op in SQL_OPERATIONS), counts
    assert with_files.derived_from_files
