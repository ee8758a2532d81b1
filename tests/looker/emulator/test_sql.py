"""Generated SQL: /queries/{id}/run/sql for the shop fixture's queries, by query id, and
/queries/models/{model}/views/{explore}/run/sql for queries given in the URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import sqlglot

from exposure_sync.looker.emulator import EmulatorServer, Instance, load_instance
from exposure_sync.looker.emulator.sql import generate_sql

from .conftest import API, SHOP, login


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


# --- /queries/models/{model}/views/{explore}/run/sql: a query given in the URL -------------------


def url_params(query: dict[str, Any]) -> dict[str, str]:
    """run_url_encoded_query's parameters for a query as /queries/{id} serves it."""
    params = {
        "fields": ",".join(query["fields"]),
        "sorts": ",".join(query["sorts"]),
        "pivots": ",".join(query["pivots"] or []),
        "limit": query["limit"],
        **{f"f[{name}]": value for name, value in (query["filters"] or {}).items()},
    }
    if query["dynamic_fields"]:
        params["dynamic_fields"] = query["dynamic_fields"]
    return params


def run_url(get: Callable[..., requests.Response], model: str, explore: str, **params: str) -> str:
    reply = get(f"/queries/models/{model}/views/{explore}/run/sql", **params)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")
    return reply.text


def test_url_query_is_the_saved_querys_sql(
    api: Callable[..., requests.Response], shop: Instance, sql: Callable[..., str]
) -> None:
    for q in shop.content.queries.values():
        if (q.model, q.view) in shop.content.removed_explores:
            continue
        params = url_params(api(f"/queries/{q.id}").json())
        assert run_url(api, q.model, q.view, **params) == sql(q.id), q.id
        rebuilt = run_url(api, q.model, q.view, **params, rebuild_pdts="true")
        assert rebuilt == sql(q.id, rebuild_pdts="true"), q.id


def test_url_query_filters_sorts_and_limit(api: Callable[..., requests.Response]) -> None:
    text = run_url(
        api,
        "shop",
        "orders",
        fields="orders.status,orders.count",
        sorts="orders.count desc 0",  # as Looker's explore URLs write it
        limit="7",
        **{"f[orders.status]": "shipped,delivered", "f[orders.count]": ">3"},
    )
    assert "orders.status AS orders_status" in text
    assert "WHERE ((orders.status = 'shipped' OR orders.status = 'delivered'))" in text
    assert "HAVING" in text and "> 3" in text
    assert text.endswith("ORDER BY 2 DESC\nLIMIT 7")


def test_url_query_errors(
    api: Callable[..., requests.Response], shop: Instance, shop_server: EmulatorServer
) -> None:
    queries = len(shop.content.queries)
    path = "/queries/models/{}/views/{}/run/{}"
    assert api(path.format("shop", "orders", "json"), fields="orders.count").status_code == 400
    assert api(path.format("nope", "orders", "sql"), fields="orders.count").status_code == 404
    assert api(path.format("shop", "nope", "sql"), fields="orders.count").status_code == 404
    assert api(path.format("shop", "legacy_orders", "sql")).status_code == 404  # removed explore
    assert api("/queries/adhoc").status_code == 404  # the URL's query is not kept
    assert len(shop.content.queries) == queries
    last = shop_server.stats.log()[-2]
    assert (last.operation, last.status) == ("run_url_encoded_query", 404)


def test_greenery_url_query_on_derived_tables() -> None:
    greenery = load_instance()
    saved = next(q for q in greenery.content.queries.values() if q.view == "daily_sessions_pdt")
    with EmulatorServer(greenery) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"token {login(server)}"

        def get(path: str, **params: str) -> requests.Response:
            return session.get(f"{server.base_url}{API}{path}", params=params, timeout=10)

        # a SQL derived table chained on another: both bodies, as CTEs
        text = run_url(get, "greenery", "customers", fields="customers.user_id,repeat_buyers.count")
        assert "WITH user_order_facts AS (" in text and ", repeat_buyers AS (" in text
        assert "FROM user_order_facts\n" in text and "WHERE order_count > 1" in text
        assert "LEFT JOIN repeat_buyers AS repeat_buyers ON customers.user_id" in text

        # a persistent derived table, joined: its scratch table; its SQL only when rebuilt
        fields = "fact_sessions_funnel.session_started_date,daily_sessions_pdt.total_sessions"
        used = run_url(get, "greenery", "fact_sessions_funnel", fields=fields)
        assert used.startswith("-- use existing daily_sessions_pdt in looker_scratch.LR_")
        assert "FROM analytics.fact_sessions_funnel AS f\n" not in used
        rebuilt = run_url(
            get, "greenery", "fact_sessions_funnel", fields=fields, rebuild_pdts="true"
        )
        create, _, query = rebuilt.partition(";\n")
        assert create.startswith("CREATE TABLE looker_scratch.LR_")
        assert "FROM analytics.fact_sessions_funnel AS f\n" in create  # the PDT's inputs
        scratch = create.split()[2]
        assert f"LEFT JOIN {scratch} AS daily_sessions_pdt ON" in query
        assert scratch in used  # the same scratch table either way

        # the same text run_query gives for a saved query on the PDT's own explore
        params = url_params(get(f"/queries/{saved.id}").json())
        for rebuild in ("false", "true"):
            by_id = get(f"/queries/{saved.id}/run/sql", rebuild_pdts=rebuild).text
            by_url = run_url(get, "greenery", "daily_sessions_pdt", **params, rebuild_pdts=rebuild)
            assert by_url == by_id
        assert "CREATE TABLE" in by_url
