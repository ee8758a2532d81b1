"""LookmlModelExplore bodies computed from the shop fixture's LookML."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests


@pytest.fixture(scope="module")
def explore(api: Callable[..., requests.Response]) -> Callable[[str, str], dict[str, Any]]:
    def get(model: str, name: str) -> dict[str, Any]:
        reply = api(f"/lookml_models/{model}/explores/{name}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    return get


def fields(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for group in body["fields"].values() for f in group}


def joins(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {j["name"]: j for j in body["joins"]}


def test_sql_table_names_are_served_as_written(explore: Callable) -> None:
    orders = explore("shop", "orders")
    assert orders["sql_table_name"] == '"ANALYTICS"."Fact_Orders"'
    j = joins(orders)
    assert j["customers"]["sql_table_name"] == "@{analytics_schema}.dim_users"
    assert j["addresses"]["sql_table_name"] == "@{raw_db}.raw.addresses"
    assert j["products"]["sql_table_name"] == "Analytics.DIM_Products"
    assert j["user_facts"]["sql_table_name"] is None  # native derived table
    events = explore("shop", "events")
    assert events["sql_table_name"] == "{{ _user_attributes['shop_schema'] }}.fact_events"
    assert joins(events)["sessions"]["sql_table_name"] is None  # SQL derived table
    by_product = joins(explore("shop", "order_items_by_product"))
    assert by_product["product_stats"]["sql_table_name"] is None  # persistent derived table


def test_joins_as_looker_serves_them(explore: Callable) -> None:
    orders = explore("shop", "orders")
    assert (orders["connection_name"], orders["dialect_name"]) == ("shop_duckdb", "duckdb")
    j = joins(orders)
    assert list(j) == ["customers", "addresses", "products", "user_facts", "spend"]
    assert (j["customers"]["from"], j["spend"]["from"], j["addresses"]["from"]) == (
        "users",
        "marketing_spend",
        None,
    )
    assert j["addresses"]["sql_on"] == "${customers.address_id} = ${addresses.id}"
    assert j["addresses"]["dependent_fields"] == ["addresses.id", "customers.address_id"]
    assert j["addresses"]["required_joins"] == []  # not inferred from sql_on
    assert j["user_facts"]["required_joins"] == ["customers"]
    assert (j["products"]["foreign_key"], j["products"]["dependent_fields"]) == (
        "product_id",
        ["orders.product_id"],
    )
    assert j["spend"]["type"] == "inner" and j["customers"]["type"] == "left_outer"
    assert orders["always_join"] == []


def test_fields_carry_alias_view_and_sql(explore: Callable) -> None:
    f = fields(explore("shop", "orders"))
    assert f["customers.email"]["view"] == "customers"
    assert f["customers.email"]["original_view"] == "users"
    assert f["customers.email"]["sql"] == "${TABLE}.email"  # Looker's default
    assert f["orders.is_shipped"]["sql"] == "${status} = 'shipped'"
    assert f["orders.count"]["sql"] is None and f["orders.count"]["category"] == "measure"
    assert f["orders.created_week"]["dimension_group"] == "created"
    assert f["orders.created_week"]["type"] == "date_week"
    assert f["customers.address_id"]["hidden"] is True


def test_explore_from(explore: Callable) -> None:
    body = explore("shop", "order_items_by_product")
    assert body["view_name"] == "order_items"
    assert body["always_join"] == ["products"]
    f = fields(body)
    refined = f["order_items_by_product.total_quantity"]  # added by `view: +order_items`
    assert (refined["view"], refined["original_view"]) == ("order_items_by_product", "order_items")
    assert sorted(n for n in f if n.startswith("products.")) == ["products.id", "products.name"]
    assert joins(body)["products"]["fields"] == ["products.id", "products.name"]


def test_extends_refinement_and_view_name(explore: Callable, api: Callable) -> None:
    body = explore("shop", "customers")
    assert (body["name"], body["view_name"], body["label"]) == ("customers", "users", "Customers")
    assert list(joins(body)) == ["addresses", "user_facts"]  # extended, then refined
    assert "users.email" in fields(body)  # view_name: fields keep the view's name
    assert body["sql_table_name"] == "@{analytics_schema}.dim_users"
    assert api("/lookml_models/shop/explores/customers_base").status_code == 404
    inventory = fields(explore("shop", "inventory"))
    assert inventory["inventory.product_name"]["original_view"] == "inventory"  # view extends


def test_other_connection_and_hidden(explore: Callable) -> None:
    body = explore("warehouse", "snow_users")
    assert (body["dialect_name"], body["hidden"], body["view_name"]) == ("snowflake", True, "users")
