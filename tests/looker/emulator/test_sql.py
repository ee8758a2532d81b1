"""Generated SQL (/queries/{id}/run/sql) for the shop fixture's queries, by query id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
import sqlglot

from exposure_sync.looker.emulator import Instance, load_instance
from exposure_sync.looker.emulator.sql import generate_sql

from .conftest import SHOP


@pytest.fixture(scope="module")
def sql(api: Callable[..., requests.Response]) -> Callable[[str], str]:
    def get(query_id: str, **params: str) -> str:
        reply = api(f"/queries/{query_id}/run/sql", **params)
        assert reply.status_code == 200, reply.text
        assert reply.headers["Content-Type"].startswith("text/plain")
        return reply.text

    return get


def test_every_query_parses_in_its_dialect(shop: Instance, sql: Callable[[str], str]) -> None:
    for q in shop.content.queries.values():
        if (q.model, q.view) not in shop.content.removed_explores:
            dialect = shop.resolve(q.model, q.view).dialect  # type: ignore[union-attr]
            assert sqlglot.parse(sql(q.id), read=dialect), q.id


def test_only_the_joins_the_query_needs(sql: Callable[[str], str]) -> None:
    text = sql("1")  # orders.status, orders.count filtered on status
    assert "JOIN" not in text
    assert "WHERE ((orders.status = 'shipped'))" in text
    text = sql("7")  # user_facts requires customers; nothing else
    assert "LEFT JOIN analytics.dim_users AS customers ON" in text
    assert "LEFT JOIN user_facts AS user_facts ON" in text
    assert "addresses" not in text and "products" not in text and "spend" not in text
    assert "(orders.status = 'shipped' OR orders.status = 'delivered')" in text


def test_constants_and_view_name_alias(sql: Callable[[str], str]) -> None:
    text = sql("2")  # customers explore: view_name users, addresses joined
    assert "FROM analytics.dim_users AS users" in text
    assert "LEFT JOIN shop_raw.raw.addresses AS addresses ON users.address_id" in text
    assert "user_facts" not in text
    assert "FROM analytics.dim_users AS snow_users" in sql("11")


def test_native_derived_table_is_a_cte(sql: Callable[[str], str]) -> None:
    text = sql("7")
    assert text.startswith("WITH user_facts AS (")
    cte = text.split(")\nSELECT")[0]
    assert "orders.user_id AS user_id" in cte and 'FROM "ANALYTICS"."Fact_Orders" AS orders' in cte


def test_a_built_persistent_derived_table_shows_only_its_scratch_table(
    sql: Callable[..., str],
) -> None:
    text = sql("9")
    assert text.startswith("-- use existing product_stats in looker_scratch.LR_")
    assert "CREATE TABLE" not in text and "fact_order_items AS order_items_by_product" in text
    assert "FROM analytics.fact_order_items\n" not in text  # the PDT's own SQL is not shown


def test_rebuild_pdts_shows_the_create_statement(sql: Callable[..., str]) -> None:
    text = sql("9", rebuild_pdts="true")
    create, _, query = text.partition(";\n")
    assert create.startswith("CREATE TABLE looker_scratch.LR_")
    scratch = create.split()[2]
    assert scratch.endswith("_product_stats")
    assert "FROM analytics.fact_order_items" in create  # ${order_items.SQL_TABLE_NAME}
    assert f"LEFT JOIN {scratch} AS product_stats ON products.id" in query
    assert "FROM analytics.fact_order_items AS order_items_by_product" in query  # from:
    assert "AS products ON" in query  # always_join, and product_stats's sql_on needs it
    assert sql("9", rebuild_pdts="true") == text  # stable


def test_liquid_and_sql_table_name_references(shop: Instance, sql: Callable[[str], str]) -> None:
    text = sql("10")
    assert "WITH session_facts AS (" in text and "FROM analytics.fact_events\n" in text
    assert "FROM analytics.fact_events AS events" in text
    assert "LEFT JOIN session_facts AS sessions ON events.session_id" in text
    assert "WHERE (events.event_type IS NOT NULL)" in text  # sql_always_where
    dev = load_instance(SHOP)
    dev.content.user_attributes["shop_schema"] = "dev"
    text = generate_sql(
        dev.resolve, dev.project, dev.content.user_attributes, dev.content.queries["10"]
    )
    assert "FROM dev.fact_events\n" in text and "FROM dev.fact_events AS events" in text


def test_dynamic_fields_and_inner_join(sql: Callable[[str], str]) -> None:
    text = sql("12")
    assert 'COUNT(DISTINCT orders."ID") AS count_of_id' in text
    assert "INNER JOIN legacy.marketing_spend AS spend ON CAST(orders.created_at AS DATE)" in text


def test_greenery_queries_all_parse() -> None:
    greenery = load_instance()
    content = greenery.content
    for q in content.queries.values():
        if (q.model, q.view) not in content.removed_explores:
            text = generate_sql(greenery.resolve, greenery.project, content.user_attributes, q)
            dialect = greenery.resolve(q.model, q.view).dialect  # type: ignore[union-attr]
            assert sqlglot.parse(text, read=dialect), q.id
