"""The lineage graph on small crawls: snapshots of the emulator's `shop` instance
(tests/fixtures/lineage/crawls, see the README there) against a small manifest
(tests/fixtures/lineage/shop_manifest.json).

PRODUCT.md lineage: contexts per connection and model, case 5 (extended and refined explores as
Looker serves them), case 11 (a table without schema is qualified by the connection's default,
never matched by name alone), and explore granularity.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from exposure_sync.cli import cli
from exposure_sync.config import Config, config_from_dict
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.models import Manifest
from exposure_sync.errors import BadInputError
from exposure_sync.lineage.graph import Lineage, build_lineage, dashboard_node
from exposure_sync.looker.models import Crawl, ExploreField, Query, Tile
from exposure_sync.looker.snapshot import load_crawl, save_crawl
from exposure_sync.sync import NOT_SETTLED, plan_sync

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lineage"
CRAWLS = FIXTURES / "crawls"
MANIFEST = FIXTURES / "shop_manifest.json"
# what the shop instance's LookML manifest and API user would give (constants, Liquid)
SETTINGS = {
    "constants": {"analytics_schema": "analytics", "raw_db": "shop_raw"},
    "user_attributes": {"shop_schema": "analytics"},
}

FACT_ORDERS = "model.shop.fact_orders"
DIM_USERS = "model.shop.dim_users"
DIM_USERS_ARCHIVE = "model.shop.dim_users_archive"  # alias dim_users, schema archive
DIM_PRODUCTS = "model.shop.dim_products"
FACT_ORDER_ITEMS = "model.shop.fact_order_items"
INVENTORY_WEEKS = "seed.shop.inventory_weeks"
ADDRESSES = "source.shop.shop_raw.addresses"


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return load_manifest(MANIFEST)


def config(granularity: str = "query") -> Config:
    return config_from_dict({**SETTINGS, "granularity": granularity})


def crawl(name: str) -> Crawl:
    return load_crawl(CRAWLS / f"{name}.json")


def ids(lineage: Lineage, node: tuple[str, ...]) -> list[str]:
    return [n.unique_id for n in lineage.dbt_nodes(node)]


def tile(dashboard_id: str, tile_id: str) -> tuple[str, ...]:
    return ("tile", dashboard_id, tile_id)


# --- contexts per connection AND model -------------------------------------------------------


def test_two_models_on_one_connection_each_resolve_their_own_view(manifest: Manifest) -> None:
    """Models shop and warehouse share the connection shop_duckdb; each has a view `users`
    (shop: @{analytics_schema}.dim_users, warehouse: archive.dim_users), and each has an explore
    `accounts` whose sql_table_name is ${users.SQL_TABLE_NAME}: that must be the model's own
    `users`, so a context (view tables) shared by the connection would get one model wrong."""
    shared = crawl("two_models_one_connection")
    assert {e.connection_name for e in shared.explores.values() if e} == {"shop_duckdb"}
    assert {key[0] for key in shared.explores} == {"shop", "warehouse"}
    for granularity in ("query", "explore"):
        lineage = build_lineage(shared, config(granularity), manifest)
        assert ids(lineage, dashboard_node("1")) == [DIM_USERS]  # shop::customers, users
        assert ids(lineage, dashboard_node("2")) == [DIM_USERS_ARCHIVE]  # warehouse users
        assert ids(lineage, dashboard_node("3")) == [DIM_USERS]  # shop ${users.SQL_TABLE_NAME}
        assert ids(lineage, dashboard_node("4")) == [DIM_USERS_ARCHIVE]  # warehouse's
        assert not lineage.notes


# --- case 5: extended and refined explores, as the emulator serves them ---------------------


def test_extended_and_refined_explores_resolve_to_the_right_relations(manifest: Manifest) -> None:
    shop = crawl("shop_extends_refines")
    # as Looker serves them: `customers` extends customers_base (view_name users, join
    # addresses) and the refinement +customers adds the join user_facts; no trace of either
    customers = shop.explores[("shop", "customers")]
    assert customers is not None and customers.view_name == "users"
    assert [j.name for j in customers.joins] == ["addresses", "user_facts"]
    # order_items_by_product is `from: order_items`, whose refinement adds total_quantity
    by_product = shop.explores[("shop", "order_items_by_product")]
    assert by_product is not None and by_product.view_name == "order_items"
    assert "order_items_by_product.total_quantity" in {f.name for f in by_product.fields}

    lineage = build_lineage(shop, config(), manifest)
    # the refinement's join user_facts: a native derived table over orders
    assert ids(lineage, tile("7", "17")) == [DIM_USERS, FACT_ORDERS]
    # view inventory extends inventory_base; its own sql_table_name counts
    assert ids(lineage, tile("7", "18")) == [INVENTORY_WEEKS]
    # a refined field on a from: explore; always_join products; product_stats unused
    assert ids(lineage, tile("7", "19")) == [DIM_PRODUCTS, FACT_ORDER_ITEMS]
    # the base view of the extended explore only: join addresses (from the base) unused
    assert ids(lineage, tile("7", "20")) == [DIM_USERS]
    assert ids(lineage, dashboard_node("7")) == [
        DIM_PRODUCTS,
        DIM_USERS,
        FACT_ORDER_ITEMS,
        FACT_ORDERS,
        INVENTORY_WEEKS,
    ]
    assert lineage.unbuilt_relations(dashboard_node("7")) == set()
    assert lineage.queries_needing_sql == set()


# --- case 11: a table without schema is qualified first, never matched by name alone ----------


def test_unqualified_table_reads_the_connections_default_schema(manifest: Manifest) -> None:
    """The DuckDB connection names no schema and the view reads `dim_users`: DuckDB reads it
    from `main`. Neither shop.analytics.dim_users nor shop.archive.dim_users is that table, so
    no dbt node is matched by name: the relation is one dbt does not build."""
    unqualified = crawl("ambiguous_relation")
    lineage = build_lineage(unqualified, config(), manifest)
    root = dashboard_node("1")
    assert {str(r) for r in lineage.relations(root)} == {"shop.main.dim_users"}
    assert lineage.dbt_nodes(root) == []
    assert {str(r) for r in lineage.unbuilt_relations(root)} == {"shop.main.dim_users"}
    assert lineage.incomplete_reason(root) is None


def test_unqualified_table_without_any_default_schema_is_not_guessed(manifest: Manifest) -> None:
    """On a dialect without a default schema (Oracle reads the login's own schema), the table
    stays without one: it matches no node by name, is not called "not built by dbt", and the
    dashboard keeps its previous entry with the setting to fix named."""
    unqualified = crawl("ambiguous_relation")
    settings = {**SETTINGS, "connections": {"shop_noschema": {"dialect": "oracle"}}}
    lineage = build_lineage(unqualified, config_from_dict(settings), manifest)
    root = dashboard_node("1")
    assert {str(r) for r in lineage.relations(root)} == {"SHOP.DIM_USERS"}
    assert lineage.dbt_nodes(root) == []
    assert lineage.unbuilt_relations(root) == set()
    reason = lineage.incomplete_reason(root)
    assert reason is not None and "connections.shop_noschema.schema" in reason
    plan = plan_sync(
        unqualified, manifest, config_from_dict(settings), Path("exposures.yml"), [], "test"
    )
    assert plan.report.unbuilt == {}
    assert [(s.id, s.reason) for s in plan.report.skipped] == [("1", NOT_SETTLED)]
    assert "names no schema" in plan.report.skipped[0].detail
    assert plan.report.failures  # the run exits 3


# --- --granularity explore --------------------------------------------------------------------


def test_explore_granularity_is_a_superset_for_a_tile_using_one_join(manifest: Manifest) -> None:
    """Dashboard 8's only tile uses the join customers of explore orders (joins: customers,
    addresses, products, user_facts, spend)."""
    shop = crawl("shop_extends_refines")
    by_query = build_lineage(shop, config("query"), manifest)
    by_explore = build_lineage(shop, config("explore"), manifest)
    one_join = tile("8", "21")
    assert ids(by_query, one_join) == [DIM_USERS, FACT_ORDERS]
    assert ids(by_explore, one_join) == [DIM_PRODUCTS, DIM_USERS, FACT_ORDERS, ADDRESSES]
    assert set(ids(by_query, one_join)) < set(ids(by_explore, one_join))
    assert {str(r) for r in by_query.unbuilt_relations(one_join)} == set()
    assert {str(r) for r in by_explore.unbuilt_relations(one_join)} == {
        "shop.legacy.marketing_spend"
    }
    # every tile: explore granularity never loses a dependency
    for node in by_query.graph:
        if node[0] == "tile":
            assert set(ids(by_query, node)) <= set(ids(by_explore, node)), node


def test_granularity_option_of_sync_gives_the_superset(tmp_path: Path) -> None:
    settings = tmp_path / "exposure-sync.yml"
    settings.write_text(yaml.safe_dump(SETTINGS), encoding="utf-8")

    def depends_on(output_name: str, *extra: str) -> dict[str, list[str]]:
        output = tmp_path / output_name
        args = [
            "sync",
            "--from-snapshot",
            str(CRAWLS / "shop_extends_refines.json"),
            "--manifest",
            str(MANIFEST),
            "--config",
            str(settings),
            "--output",
            str(output),
            *extra,
        ]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        written = yaml.safe_load(output.read_text(encoding="utf-8"))["exposures"]
        return {e["meta"]["looker_dashboard_id"]: e["depends_on"] for e in written}

    by_query = depends_on("query.yml")
    by_explore = depends_on("explore.yml", "--granularity", "explore")
    assert by_query["8"] == ["ref('dim_users')", "ref('fact_orders')"]
    assert by_explore["8"] == [
        "ref('dim_products')",
        "ref('dim_users')",
        "ref('fact_orders')",
        "source('shop_raw', 'addresses')",
    ]
    assert by_query.keys() == by_explore.keys() == {"7", "8"}
    for dashboard_id, refs in by_query.items():
        assert set(refs) <= set(by_explore[dashboard_id]), dashboard_id


def test_the_snapshots_are_the_tools_own_format() -> None:
    """The fixtures load through load_crawl and hold no failures: they are plain crawls."""
    for path in sorted(CRAWLS.glob("*.json")):
        snapshot = load_crawl(path)
        assert snapshot.failures == [], path.name
        assert snapshot.base_url == "https://shop.looker.example:19999", path.name
        assert snapshot.dashboards, path.name


# --- a connection dialect exposure-sync does not know -------------------------------------------


def test_an_unknown_looker_dialect_leaves_only_its_connections_queries_incomplete(
    manifest: Manifest,
) -> None:
    """Looker has dialects exposure-sync does not know (netezza): the dashboards on that
    connection are incomplete (entries kept, exit 3) and named with the setting to fix, instead
    of the whole run failing; a dialect the config names wrongly is still a config error."""
    shop = crawl("shop_extends_refines")
    shop.connections = {name: replace(c, dialect="netezza") for name, c in shop.connections.items()}
    lineage = build_lineage(shop, config(), manifest)
    for dashboard_id in ("7", "8"):
        reason = lineage.incomplete_reason(dashboard_node(dashboard_id))
        assert reason is not None and "connections.shop_duckdb.dialect" in reason
    described = config_from_dict(
        {**SETTINGS, "connections": {"shop_duckdb": {"dialect": "duckdb"}}}
    )
    assert build_lineage(shop, described, manifest).incomplete == {}
    wrong = config_from_dict({**SETTINGS, "connections": {"shop_duckdb": {"dialect": "nope"}}})
    with pytest.raises(BadInputError, match="connections.shop_duckdb.dialect"):
        build_lineage(shop, wrong, manifest)


def test_a_tile_on_a_look_looker_does_not_serve_is_noted(manifest: Manifest) -> None:
    shop = crawl("shop_extends_refines")
    shop.dashboards = [
        replace(d, tiles=(*d.tiles, Tile(id="99", type="vis", look_id="404"))) if d.id == "8" else d
        for d in shop.dashboards
    ]
    lineage = build_lineage(shop, config(), manifest)
    assert ids(lineage, dashboard_node("8")) == [DIM_USERS, FACT_ORDERS]  # the other tile's
    assert any("tile 99 shows look 404" in note for note in lineage.notes)


def test_liquid_model_name_is_the_explores_model(manifest: Manifest) -> None:
    """`{% if _model._name == 'shop' %}` picks one branch: no guessing, no stray relation."""
    shop = crawl("shop_extends_refines")
    orders = shop.explores[("shop", "orders")]
    assert orders is not None
    liquid = "{% if _model._name == 'shop' %}analytics.fact_orders{% else %}nope.x{% endif %}"
    shop.explores[("shop", "orders")] = replace(orders, sql_table_name=liquid)
    lineage = build_lineage(shop, config(), manifest)
    assert ids(lineage, dashboard_node("8")) == [DIM_USERS, FACT_ORDERS]
    relations = {str(r) for r in lineage.unbuilt_relations(dashboard_node("8"))}
    assert relations == set() and not lineage.notes


def test_a_query_without_an_id_is_run_inline_and_checked_for_what_it_joins(
    manifest: Manifest,
) -> None:
    """A tile query Looker gave no id is run inline for its SQL. When a derived view it filters
    on has nothing selectable, the inline query would not join it: the dashboard is incomplete
    (entry kept), not silently short of that view's tables."""
    shop = crawl("shop_extends_refines")
    orders = shop.explores[("shop", "orders")]
    assert orders is not None
    only_filter = ExploreField("user_facts.only_filter", "user_facts", kind="filter")
    filter_only_view = (*(f for f in orders.fields if f.view != "user_facts"), only_filter)
    shop.explores[("shop", "orders")] = replace(orders, fields=filter_only_view)
    tile = Tile(
        "21",
        "vis",
        query=Query(None, "shop", "orders", ("orders.count",), ("user_facts.only_filter",)),
    )
    shop.dashboards = [replace(d, tiles=(tile,)) if d.id == "8" else d for d in shop.dashboards]
    lineage = build_lineage(shop, config(), manifest)
    reason = lineage.incomplete_reason(dashboard_node("8"))
    assert reason is not None and "derived view user_facts" in reason
    # with a selectable field there, the inline query joins it and asks for its SQL
    shop.explores[("shop", "orders")] = replace(orders, fields=(*orders.fields, only_filter))
    lineage = build_lineage(shop, config(), manifest)
    [inline] = lineage.adhoc_queries.values()
    assert inline.id.startswith("inline:") and "user_facts" in {
        f.split(".")[0] for f in inline.fields
    }


# --- hardening: SQL sqlglot crashes on fails its query alone -----------------------------------

CRASHING_SQL = sorted((FIXTURES / "sql" / "crash").glob("*.sql"))


@pytest.mark.parametrize("path", CRASHING_SQL, ids=[p.stem for p in CRASHING_SQL])
def test_sql_sqlglot_crashes_on_fails_its_query_alone(manifest: Manifest, path: Path) -> None:
    """Query 17 (dashboard 7, on the derived view user_facts) gets SQL on which sqlglot raises
    AttributeError, IndexError or RecursionError in the connection's dialect: that dashboard
    is not settled (its previous entry stays, the report says why, the run exits 3);
    dashboard 8 is read as ever."""
    dialect = path.stem.split("__")[0]
    shop = crawl("shop_extends_refines")
    shop = replace(shop, generated_sql={**shop.generated_sql, "17": path.read_text()})
    settings = {**SETTINGS, "connections": {"shop_duckdb": {"dialect": dialect}}}
    lineage = build_lineage(shop, config_from_dict(settings), manifest)
    reason = lineage.incomplete_reason(dashboard_node("7"))
    assert reason is not None and reason.startswith("query 17: cannot parse SQL")
    assert "sqlglot failed on it" in reason
    assert lineage.incomplete_reason(dashboard_node("8")) is None
    assert lineage.relations(dashboard_node("8"))  # read as ever (names fold by dialect)
    plan = plan_sync(shop, manifest, config_from_dict(settings), Path("exp.yml"), [], "test")
    (skipped,) = [s for s in plan.report.skipped if s.id == "7"]
    assert skipped.reason == NOT_SETTLED
    assert "sqlglot failed on it" in skipped.detail
    assert plan.report.failures  # the run exits 3


def test_a_sync_over_sql_sqlglot_crashes_on_keeps_the_entry_and_exits_3(tmp_path: Path) -> None:
    """End to end from a snapshot: the first sync writes dashboard 7's entry; in the next
    crawl its query 17 came with SQL on which sqlglot raises RecursionError. The run goes on
    (exit 3, not 2), keeps that entry as it was, and says why."""
    settings = tmp_path / "exposure-sync.yml"
    settings.write_text(yaml.safe_dump(SETTINGS), encoding="utf-8")
    output = tmp_path / "exposures.yml"
    broken = tmp_path / "broken.json"
    shop = crawl("shop_extends_refines")
    crashing = (FIXTURES / "sql" / "crash" / "redshift__city_without_accents.sql").read_text()
    save_crawl(replace(shop, generated_sql={**shop.generated_sql, "17": crashing}), broken)

    def sync(snapshot: Path) -> Result:
        args = ["sync", "--from-snapshot", str(snapshot), "--manifest", str(MANIFEST)]
        return CliRunner().invoke(cli, [*args, "--config", str(settings), "--output", str(output)])

    first = sync(CRAWLS / "shop_extends_refines.json")
    assert first.exit_code == 0, first.output
    before = output.read_text(encoding="utf-8")
    assert "looker_dashboard_id: '7'" in before
    second = sync(broken)
    assert second.exit_code == 3, second.output
    assert output.read_text(encoding="utf-8") == before
    assert "sqlglot failed on it (RecursionError" in second.output
    assert "Traceback" not in second.output
