"""Looker content JSON (as API 4.0 serves it, in tests/fixtures/looker/) -> records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exposure_sync.looker.decode import query_from_json
from exposure_sync.looker.decode_content import (
    connection_from_json,
    dashboard_from_json,
    folder_from_json,
    id_sort_key,
    look_from_json,
    looks_in_dashboard,
    merge_query_from_json,
    merge_source_query_ids,
    tile_from_json,
    user_from_json,
)
from exposure_sync.looker.models import Connection, ExploreRef, Folder, Query, User

FIXTURES = Path(__file__).parent.parent / "fixtures" / "looker"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_dashboard_with_every_kind_of_tile() -> None:
    dashboard = dashboard_from_json(load("dashboard.json"))
    assert dashboard.id == "12"
    assert dashboard.title == "Product funnel: {{ weekly }} 🌱"
    assert (dashboard.folder_id, dashboard.user_id) == ("10", "3")
    assert dashboard.certified and not dashboard.deleted and not dashboard.is_lookml
    assert dashboard.view_count == 120
    # tiles in id order, whatever order Looker served them in
    assert [t.id for t in dashboard.tiles] == ["101", "102", "103", "105"]
    query_tile, look_tile, merge_tile, text_tile = dashboard.tiles
    assert query_tile.query is not None
    assert query_tile.query.explore == "fact_sessions_funnel"
    assert query_tile.query.sorts == ("fact_sessions_funnel.sessions",)
    assert set(query_tile.query.filters) == {"fact_sessions_funnel.week", "dim_users.state"}
    # a look tile points at its look; its query belongs to the look, not the tile
    assert (look_tile.look_id, look_tile.query, look_tile.merge_result_id) == ("7", None, None)
    assert (merge_tile.merge_result_id, merge_tile.query) == ("9", None)
    # its source explores, from result_maker.filterables: in source order, each once
    assert merge_tile.merge_sources == (
        ExploreRef("greenery", "fact_sessions_funnel"),
        ExploreRef("greenery", "orders"),
    )
    assert (text_tile.type, text_tile.title, text_tile.query) == ("text", "Notes", None)


def test_a_merged_tile_with_an_unnamed_source_has_unknown_sources() -> None:
    """Naming one source of two would drop the other's dependencies: none is taken."""
    tile = tile_from_json(load("merge_tile_unnamed_source.json"))
    assert (tile.merge_result_id, tile.merge_sources) == ("10", ())


def test_looks_nested_in_a_dashboard() -> None:
    [look] = looks_in_dashboard(load("dashboard.json"))
    assert (look.id, look.title, look.folder_id, look.user_id) == ("7", "Weekly orders", "10", "3")
    assert look.query is not None and look.query.filters == ("orders.status",)


def test_lookml_dashboard() -> None:
    dashboard = dashboard_from_json(load("lookml_dashboard.json"))
    assert dashboard.is_lookml and dashboard.id == "greenery::inventory_overview"
    assert (dashboard.user_id, dashboard.certified, dashboard.view_count) == (None, False, None)
    current, stock = dashboard.tiles  # in id order
    assert stock.query is not None and stock.query.pivots == ("inventory.product_name",)
    # a LookML tile whose query Looker serves only in result_maker, without an id
    assert current.query == Query(
        None,
        "greenery",
        "inventory",
        fields=("inventory.product_name", "inventory.total"),
        filters=("inventory.is_current",),
        sorts=("inventory.total",),
    )


def test_deleted_dashboard_with_numeric_id_and_revoked_certification() -> None:
    dashboard = dashboard_from_json(load("deleted_dashboard.json"))
    assert (dashboard.id, dashboard.deleted, dashboard.certified) == ("44", True, False)
    assert dashboard.tiles == ()


def test_standalone_look() -> None:
    look = look_from_json(load("look.json"))
    assert (look.id, look.folder_id, look.user_id, look.deleted) == ("8", "20", "4", False)
    assert look.query is not None
    assert look.query.filters == ("products_snapshot.inventory",)  # from filter_expression


def test_merge_query_keeps_source_order() -> None:
    data = load("merge_query.json")
    assert merge_source_query_ids(data) == ["530", "531"]
    queries: dict[str, Query] = {
        q.id: q for q in map(query_from_json, load("merge_source_queries.json")) if q.id
    }
    merge = merge_query_from_json(data, queries)
    assert merge.id == "9"
    assert [(q.model, q.explore) for q in merge.source_queries] == [
        ("greenery", "orders"),
        ("greenery", "sessions"),
    ]


def test_users() -> None:
    users = [user_from_json(u) for u in load("users.json")]
    assert users == [
        User("3", "Anique Jones", "anique@greenery.example", False),
        User("4", "Bo Lee", None, True),  # no display_name: first and last name
        User("5", None, None, False),
    ]


def test_folders_personal_or_below_personal() -> None:
    folders = {f.id: f for f in map(folder_from_json, load("folders.json"))}
    assert folders["1"] == Folder("1", "Shared", None, False)
    assert folders["10"].parent_id == "1" and not folders["10"].is_personal
    assert folders["20"].is_personal
    assert folders["21"].is_personal  # is_personal_descendant


def test_connections() -> None:
    connections = [connection_from_json(c) for c in load("connections.json")]
    assert connections == [
        Connection("greenery_duckdb", "duckdb", "greenery", "analytics"),
        Connection("warehouse", "snowflake", None, None),
        # BigQuery: Looker keeps the project in `host` and the dataset in `database`
        Connection("bq", "bigquery_standard_sql", "my-project", "shop_dataset"),
        Connection("bq_legacy", "bigquery", "other-project", None),
    ]


def test_id_sort_key_orders_numbers_numerically_then_lookml_ids() -> None:
    ids = ["10", "greenery::b", "2", "greenery::a", "1"]
    assert sorted(ids, key=id_sort_key) == ["1", "2", "10", "greenery::a", "greenery::b"]
