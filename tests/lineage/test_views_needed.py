"""Which views a query needs (PRODUCT.md lineage: the views a tile depends on; case 5), and the
explore/query decoders they are read with."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from exposure_sync.lineage.views import (
    ADHOC_QUERY_PREFIX,
    base_alias,
    explore_query,
    inline_request,
    join_table,
    query_field_names,
    views_needed,
)
from exposure_sync.looker.decode import explore_from_json, query_from_json
from exposure_sync.looker.models import Explore, ExploreField, ExploreJoin, Query

EXPLORES = Path(__file__).parent.parent / "fixtures" / "lineage" / "explores"


@cache
def explore(name: str) -> Explore:
    return explore_from_json(json.loads((EXPLORES / f"{name}.json").read_text()))


def query(view: str = "orders", **parts: object) -> Query:
    data = {"id": "1", "model": "greenery", "view": view, **parts}
    return query_from_json(data)


def dynamic(*items: dict) -> str:
    return json.dumps(list(items))


# --- orders: from:, joins with from:, sql_on chains, required_joins, foreign_key -------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"fields": ["orders.count"]}, {"orders"}),
        ({"fields": ["orders.created_date", "orders.count"]}, {"orders"}),
        ({"fields": ["buyer.state", "orders.count"]}, {"orders", "buyer"}),
        # buyer_address's sql_on reaches buyer, whose sql_on reaches orders
        ({"fields": ["buyer_address.zipcode"]}, {"orders", "buyer", "buyer_address"}),
        # dim_products' sql_on names order_items in plain SQL: required_joins says so
        ({"fields": ["dim_products.product_name"]}, {"orders", "dim_products", "order_items"}),
        ({"fields": ["promos.discount"]}, {"orders", "promos"}),  # foreign_key
        ({"fields": ["product_at_order.inventory"]}, {"orders", "product_at_order", "order_items"}),
        ({"fields": ["order_margin.total_margin"]}, {"orders", "order_margin", "order_items"}),
        ({"fields": ["user_order_facts.order_count"]}, {"orders", "user_order_facts"}),
        # a base-view field whose SQL reads another view
        ({"fields": ["orders.buyer_state"]}, {"orders", "buyer"}),
        ({"fields": ["orders.total_discount"]}, {"orders", "promos"}),
        # filters, sorts, pivots count like fields
        ({"fields": ["orders.count"], "filters": {"buyer.state": "CA"}}, {"orders", "buyer"}),
        ({"fields": ["orders.count"], "filters": {"promos.discount": ">0", "orders.status": "x"}},
         {"orders", "promos"}),
        ({"fields": ["orders.count"], "sorts": ["buyer.state desc"]}, {"orders", "buyer"}),
        ({"fields": ["orders.count"], "sorts": ["buyer.state"]}, {"orders", "buyer"}),
        ({"fields": ["orders.count"], "pivots": ["promos.promo_id"]}, {"orders", "promos"}),
        ({"fields": ["orders.count"], "filter_expression": "${buyer.state} = 'CA'"},
         {"orders", "buyer"}),
        ({}, {"orders"}),
        ({"fields": None, "filters": None, "sorts": None, "pivots": None}, {"orders"}),
    ],
)  # fmt: skip
def test_orders(parts: dict, expected: set[str]) -> None:
    assert views_needed(explore("orders"), query(**parts)) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        # custom measure based on another view's field
        ([{"measure": "units", "based_on": "order_items.total_quantity", "type": "sum",
           "label": "Units"}], {"orders", "order_items"}),
        # custom measure with a filter on another view
        ([{"measure": "n", "based_on": "orders.order_id", "type": "count_distinct",
           "filters": {"promos.promo_id": "-NULL"}}], {"orders", "promos"}),
        # custom dimension expression
        ([{"dimension": "product", "expression": "upper(${dim_products.product_name})"}],
         {"orders", "dim_products", "order_items"}),
        # custom measure whose filter_expression references a field
        ([{"measure": "m", "based_on": "orders.total_revenue", "type": "sum",
           "filter_expression": "${buyer_address.zipcode} = '1'"}],
         {"orders", "buyer", "buyer_address"}),
        # table calculation referencing fields and another calculation
        ([{"table_calculation": "share", "expression": "${orders.count} / sum(${orders.count})"},
          {"table_calculation": "twice", "expression": "${share} * 2"}], {"orders"}),
    ],
)  # fmt: skip
def test_dynamic_fields(items: list[dict], expected: set[str]) -> None:
    parts = {"fields": ["orders.count", "share", "twice"], "dynamic_fields": dynamic(*items)}
    assert views_needed(explore("orders"), query(**parts)) == expected


@pytest.mark.parametrize(
    "parts",
    [
        {"fields": ["orders.count", "calculation_1"], "sorts": ["calculation_1 desc"]},
        {"fields": ["orders.count", "removed_view.field", "units"]},
        {"fields": ["orders.count"], "dynamic_fields": "not json"},
        {"fields": ["orders.count"], "dynamic_fields": '{"not": "a list"}'},
        {"fields": ["orders.count"], "dynamic_fields": '[1, "x", null]'},
        {"fields": ["orders.count"], "dynamic_fields": dynamic({"based_on": "gone.field"})},
        {"fields": ["orders.unknown_field", "orders.count"]},
        {"fields": ["orders.count"], "sorts": ["  "]},
    ],
)
def test_names_outside_the_explore_are_ignored(parts: dict) -> None:
    assert views_needed(explore("orders"), query(**parts)) == {"orders"}


def test_explore_granularity_takes_every_join() -> None:
    assert views_needed(explore("orders"), query(fields=["orders.count"]), "explore") == {
        "orders", "buyer", "buyer_address", "order_items", "dim_products", "promos",
        "product_at_order", "user_order_facts", "order_margin",
    }  # fmt: skip


# --- users: view_name:, always_join --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (["dim_users.count"], {"dim_users", "fact_user_orders"}),
        (["addresses.zipcode"], {"dim_users", "fact_user_orders", "addresses"}),
        (["user_order_facts.order_count"], {"dim_users", "fact_user_orders", "user_order_facts"}),
    ],
)
def test_users_always_join(fields: list[str], expected: set[str]) -> None:
    assert views_needed(explore("users"), query("users", fields=fields)) == expected


# --- derived-table explores ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fields", "expected"),
    [
        ("user_order_facts", ["user_order_facts.count"], {"user_order_facts"}),
        ("user_order_facts", ["repeat_buyers.user_id"], {"user_order_facts", "repeat_buyers"}),
        ("customers", ["customers.count"], {"customers"}),
        ("customers", ["repeat_buyers.user_id"], {"customers", "repeat_buyers"}),
    ],
)
def test_derived_table_explores(name: str, fields: list[str], expected: set[str]) -> None:
    assert views_needed(explore(name), query(name, fields=fields)) == expected


# --- base alias and tables behind aliases --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "alias"),
    [("orders", "orders"), ("users", "dim_users"), ("customers", "customers"),
     ("user_order_facts", "user_order_facts")],
)  # fmt: skip
def test_base_alias(name: str, alias: str) -> None:
    assert base_alias(explore(name)) == alias


def test_base_alias_of_an_explore_without_fields() -> None:
    bare = Explore("m", "orders", "fact_orders", "c", "t")
    assert base_alias(bare) == "orders"


@pytest.mark.parametrize(
    ("name", "alias", "expected"),
    [
        ("orders", "orders", ("ANALYTICS.Fact_Orders", "fact_orders")),
        ("orders", "buyer", ('"analytics"."dim_users"', "dim_users")),
        ("orders", "buyer_address", ("raw.addresses AS addr", "addresses")),
        ("orders", "order_items", ("raw.order_items", "order_items")),
        ("orders", "product_at_order",
         ("\n      snapshots.products_snapshot\n      ", "products_snapshot")),
        ("orders", "user_order_facts", (None, "user_order_facts")),
        ("users", "dim_users", ('"analytics"."dim_users"', "dim_users")),
        ("users", "fact_user_orders", ("@{analytics_schema}.fact_user_orders", "fact_user_orders")),
        ("customers", "customers", ("${dim_users.SQL_TABLE_NAME}", "customers")),
        ("user_order_facts", "user_order_facts", (None, "user_order_facts")),
    ],
)  # fmt: skip
def test_join_table(name: str, alias: str, expected: tuple[str | None, str]) -> None:
    assert join_table(explore(name), alias) == expected


def test_join_table_of_an_unknown_alias() -> None:
    with pytest.raises(KeyError, match="calculation_1"):
        join_table(explore("orders"), "calculation_1")


def test_every_needed_view_has_a_table() -> None:
    needed = views_needed(explore("orders"), query(fields=["buyer_address.zipcode"]), "explore")
    assert all(join_table(explore("orders"), alias) for alias in needed)


def test_query_field_names() -> None:
    parts = {
        "fields": ["orders.count", "calc"],
        "filters": {"buyer.state": "CA"},
        "sorts": ["promos.discount DESC", "order_items.order_id asc"],
        "pivots": ["orders.status"],
        "dynamic_fields": dynamic({"measure": "x", "based_on": "order_margin.margin"}),
    }
    assert query_field_names(query(**parts)) == {
        "orders.count", "calc", "buyer.state", "promos.discount",
        "order_items.order_id", "orders.status", "order_margin.margin",
    }  # fmt: skip


# --- decoding Looker's JSON ----------------------------------------------------------------


def test_explore_from_json() -> None:
    orders = explore("orders")
    assert (orders.model, orders.name, orders.view_name) == ("greenery", "orders", "fact_orders")
    assert (orders.connection_name, orders.sql_table_name) == (
        "greenery_duckdb",
        "ANALYTICS.Fact_Orders",
    )
    assert orders.always_join == ()
    assert orders.joins[0] == ExploreJoin(
        name="buyer",
        from_view="dim_users",
        sql_table_name='"analytics"."dim_users"',
        sql_on="${orders.user_id} = ${buyer.user_id}",
        foreign_key=None,
        required_joins=(),
        dependent_fields=("orders.user_id", "buyer.user_id"),
    )
    assert orders.joins[4] == ExploreJoin("promos", None, "greenery.analytics.stg_greenery__promos",
                                          None, "promo_id")  # fmt: skip
    assert orders.joins[3].required_joins == ("order_items",)
    assert len(orders.fields) == 31
    assert orders.fields[6] == ExploreField("orders.buyer_state", "orders", "fact_orders",
                                            "${buyer.state}")  # fmt: skip
    assert explore("users").always_join == ("fact_user_orders",)


def test_explore_from_json_with_little() -> None:
    assert explore_from_json({"name": "x", "model_name": "m"}) == Explore(
        model="m", name="x", view_name="x", connection_name="", sql_table_name=None
    )
    data = {"name": "x", "fields": {"dimensions": [{"name": "x.a"}], "measures": None}}
    assert explore_from_json(data).fields == (ExploreField("x.a", "x"),)
    assert explore("user_order_facts").always_join == ()


def test_query_from_json() -> None:
    data = {
        "id": 42,
        "model": "greenery",
        "view": "orders",
        "fields": ["orders.count", "buyer.state"],
        "filters": {"orders.status": "shipped", "buyer.state": "CA"},
        "filter_expression": "${promos.discount} > 0 AND ${buyer.state} != 'NY'",
        "sorts": ["orders.count desc", "buyer.state"],
        "pivots": ["promos.promo_id"],
        "dynamic_fields": '[{"measure": "x", "based_on": "orders.order_id"}]',
        "limit": "500",
        "vis_config": {"type": "table"},
    }
    assert query_from_json(data) == Query(
        id="42",
        model="greenery",
        explore="orders",
        fields=("orders.count", "buyer.state"),
        filters=("orders.status", "buyer.state", "promos.discount"),
        sorts=("orders.count", "buyer.state"),
        pivots=("promos.promo_id",),
        dynamic_fields='[{"measure": "x", "based_on": "orders.order_id"}]',
    )


def test_query_from_json_with_little() -> None:
    assert query_from_json({"model": "m", "view": "e", "filters": None, "dynamic_fields": ""}) == (
        Query(id=None, model="m", explore="e")
    )


# --- explore_query: an ad-hoc query reading every view, for explore-level merged sources ---


def test_explore_query_selects_a_dimension_of_every_view() -> None:
    orders = explore("orders")
    adhoc = explore_query(orders)
    assert adhoc.id == f"{ADHOC_QUERY_PREFIX}{orders.model}::{orders.name}"
    assert (adhoc.model, adhoc.explore) == (orders.model, orders.name)
    assert sorted(name.split(".")[0] for name in adhoc.fields) == sorted(
        {f.view for f in orders.fields}
    )
    kinds = {f.name: f.kind for f in orders.fields}
    assert {kinds[name] for name in adhoc.fields} == {"dimension"}
    # so Looker joins, and writes the SQL of, every view the explore can join
    assert views_needed(orders, adhoc) == views_needed(orders, adhoc, "explore")


def test_explore_query_picks_a_field_that_joins_only_its_own_view() -> None:
    """Filters and parameters select nothing; a dimension whose SQL reads another view would
    join that one too."""
    orders = explore("orders")
    extra = (
        ExploreField("extra.a_filter", "extra", kind="filter"),
        ExploreField("extra.b_parameter", "extra", kind="parameter"),
        ExploreField("extra.c_measure", "extra", sql="SUM(${TABLE}.c)", kind="measure"),
        ExploreField("extra.d_crossing", "extra", sql="${buyer.state}"),
        ExploreField("extra.e_own", "extra", sql="${TABLE}.e"),
    )
    adhoc = explore_query(replace(orders, fields=(*orders.fields, *extra)))
    assert [name for name in adhoc.fields if name.startswith("extra.")] == ["extra.e_own"]
    only_measures = replace(orders, fields=(*orders.fields, *extra[:3]))
    assert "extra.c_measure" in explore_query(only_measures).fields
    # an own-view measure beats a dimension that reads another view
    measure_or_crossing = replace(orders, fields=(*orders.fields, extra[2], extra[3]))
    assert "extra.c_measure" in explore_query(measure_or_crossing).fields
    assert all(
        not name.startswith("extra.")
        for name in explore_query(replace(orders, fields=(*orders.fields, *extra[:2]))).fields
    )


def test_an_inline_request_selects_what_looker_lets_it_select() -> None:
    """A query Looker gave no id is run inline for its SQL: its filtered fields are selected
    (their views must be joined), but filter-only fields and parameters cannot be, nor can a
    sort on a field left out; custom field names the explore does not list are kept."""
    orders = explore("orders")
    extra = (
        ExploreField("orders.only_filter", "orders", kind="filter"),
        ExploreField("orders.picker", "orders", kind="parameter"),
    )
    with_extra = replace(orders, fields=(*orders.fields, *extra))
    dimension = next(f.name for f in orders.fields if f.kind == "dimension" and f.view != "orders")
    measure = next(f.name for f in orders.fields if f.kind == "measure")
    wanted = Query(
        None,
        "greenery",
        "orders",
        fields=(measure, "my_custom_measure"),
        filters=(dimension, "orders.only_filter", "orders.picker"),
        sorts=(measure, "orders.picker"),
    )
    request = inline_request(with_extra, wanted)
    assert request.fields == (measure, "my_custom_measure", dimension)
    assert (request.filters, request.sorts) == ((), (measure,))
    assert views_needed(with_extra, request) == views_needed(with_extra, wanted)


def test_an_inline_request_still_joins_the_view_of_a_filter_only_field() -> None:
    """A filter-only field cannot be selected, but Looker joins its view for the filter: a
    selectable field of that view stands in, so the SQL still holds the view's tables."""
    orders = explore("orders")
    date_filter = ExploreField("order_margin.date_filter", "order_margin", kind="filter")
    with_filter = replace(orders, fields=(*orders.fields, date_filter))
    measure = next(f.name for f in orders.fields if f.kind == "measure" and f.view == "orders")
    wanted = Query(None, "greenery", "orders", fields=(measure,), filters=(date_filter.name,))
    request = inline_request(with_filter, wanted)
    assert date_filter.name not in request.fields
    assert [n for n in request.fields if n.startswith("order_margin.")]
    assert views_needed(with_filter, request) == views_needed(with_filter, wanted)


def test_explore_fields_keep_their_kind() -> None:
    data = {
        "name": "x",
        "fields": {
            kind: [{"name": f"x.{kind}", "view": "x"}]
            for kind in ("dimensions", "measures", "filters", "parameters")
        },
    }
    kinds = {f.name: f.kind for f in explore_from_json(data).fields}
    assert kinds == {
        "x.dimensions": "dimension",
        "x.measures": "measure",
        "x.filters": "filter",
        "x.parameters": "parameter",
    }


def test_a_same_view_reference_reaches_what_that_field_reads() -> None:
    """${field} names a field of the same view; its SQL may read another view, which Looker
    then joins."""
    orders = explore("orders")
    chained = replace(
        orders,
        fields=(
            *orders.fields,
            ExploreField("orders.discounted", "orders", sql="${list_price} - ${TABLE}.x"),
            ExploreField("orders.list_price", "orders", sql="${promos.discount}"),
        ),
    )
    needed = views_needed(chained, query(fields=["orders.discounted"]))
    assert needed == {base_alias(chained), "promos"}
