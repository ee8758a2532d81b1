"""The greenery demo builds from nothing and answers the weekly questions (issue 3).

The answers are checked by running the analyses' compiled SQL and the marts with duckdb, not by
reading the report's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from greenery_helpers import Build, greenery_env, run_dbt, run_script

COURSE_ADD_TO_CART_PCT = 80.8
COURSE_CHECKOUT_PCT = 62.5
RAW_TABLES = {"addresses", "users", "promos", "products", "orders", "order_items", "events"}
# PRODUCT.md: the products whose inventory changed from week 3 to week 4, alphabetically.
CHANGED_WEEK_3_TO_4 = sorted(
    ["Bamboo", "Monstera", "Philodendron", "Pothos", "String of pearls", "ZZ Plant"]
)


@pytest.fixture(scope="session")
def greenery_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The whole `make greenery` build, into a temporary warehouse (about 20 s)."""
    workdir = tmp_path_factory.mktemp("greenery")
    env = greenery_env(workdir)
    result = run_script("build", ["--data-dir", str(workdir / "data")], env)
    return Build(workdir, env, result)


@pytest.fixture(scope="module")
def built(greenery_build: Build) -> Build:
    result = greenery_build.result
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return greenery_build


@pytest.fixture(scope="module")
def analyses(built: Build) -> dict[str, str]:
    """The compiled SQL of every analysis in greenery/analyses/."""
    compiled = run_dbt(["compile", "--select", "resource_type:analysis"], built.env)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    folder = built.target / "compiled" / "greenery" / "analyses"
    return {path.stem: path.read_text() for path in sorted(folder.glob("*.sql"))}


@pytest.fixture
def warehouse(built: Build) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one test: dbt needs the file's write lock in between."""
    con = duckdb.connect(str(built.duckdb), read_only=True)
    yield con
    con.close()


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_build_passes_every_dbt_test(built: Build) -> None:
    results = json.loads((built.target / "run_results.json").read_text())["results"]
    assert len(results) > 100
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert failed == []
    assert "greenery: done" in built.result.stdout


def test_relations_follow_the_contract(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'greenery'",
    )
    relations = {(r["table_schema"], r["table_name"]) for r in rows}
    assert {("raw", table) for table in RAW_TABLES} <= relations
    assert ("snapshots", "products_snapshot") in relations
    assert ("analytics", "inventory_weeks") in relations
    assert ("analytics", "fact_sessions_funnel") in relations


def test_generated_volumes(warehouse: duckdb.DuckDBPyConnection) -> None:
    counts = query(
        warehouse,
        "select (select count(*) from raw.users) as users,"
        " (select count(*) from raw.products) as products,"
        " (select count(*) from raw.orders) as orders,"
        " (select count(distinct session_id) from raw.events) as sessions,"
        " (select count(*) from raw.events) as events",
    )[0]
    assert counts["products"] == 30
    assert counts["sessions"] == 578
    assert 120 <= counts["users"] <= 140
    assert 340 <= counts["orders"] <= 380
    assert 3200 <= counts["events"] <= 3800


def test_inventory_changed_from_week_3_to_4(analyses: dict[str, str], warehouse) -> None:
    rows = query(warehouse, analyses["inventory_changed_week_3_to_4"])
    assert [r["product_name"] for r in rows] == CHANGED_WEEK_3_TO_4
    pothos = next(r for r in rows if r["product_name"] == "Pothos")
    assert (pothos["week_3_inventory"], pothos["week_4_inventory"]) == (0, 20)


def test_out_of_stock_in_week_3_and_back_in_week_4(analyses: dict[str, str], warehouse) -> None:
    rows = query(warehouse, analyses["out_of_stock_last_3_weeks"])
    answers = [
        (r["product_name"], r["out_of_stock_week"], r["back_in_stock_week"], r["came_back"])
        for r in rows
    ]
    assert answers == [("Pothos", 3, 4, True), ("String of pearls", 3, 4, True)]


def test_fluctuation_ranks_the_six_changing_products(analyses: dict[str, str], warehouse) -> None:
    rows = query(warehouse, analyses["inventory_fluctuation"])
    assert sorted(r["product_name"] for r in rows) == CHANGED_WEEK_3_TO_4
    assert rows[0]["product_name"] == "String of pearls"  # 58 -> 10 -> 0 -> 10 moves 68 units
    assert rows[0]["weekly_inventory"] == "58, 10, 0, 10"


def test_funnel_lands_near_the_course_data(analyses: dict[str, str], warehouse) -> None:
    steps = {r["step"]: r for r in query(warehouse, analyses["funnel_conversion"])}
    assert steps["page view"]["pct_of_sessions"] == 100
    assert abs(steps["add to cart"]["pct_of_sessions"] - COURSE_ADD_TO_CART_PCT) <= 3
    assert abs(steps["checkout"]["pct_of_sessions"] - COURSE_CHECKOUT_PCT) <= 3
    largest = [step for step, r in steps.items() if r["is_largest_drop_off"]]
    assert largest == ["add to cart"]  # the drop from page view to add to cart


def test_funnel_mart_has_one_row_per_session(warehouse: duckdb.DuckDBPyConnection) -> None:
    row = query(
        warehouse,
        "select count(*) as sessions, count(distinct session_id) as distinct_sessions,"
        " 100.0 * count(*) filter (where add_to_carts > 0) / count(*) as add_to_cart_pct,"
        " 100.0 * count(*) filter (where checkouts > 0) / count(*) as checkout_pct,"
        " sum(page_views + add_to_carts + checkouts + packages_shipped) as events"
        " from analytics.fact_sessions_funnel",
    )[0]
    events = query(warehouse, "select count(*) as n from raw.events")[0]["n"]
    assert row["sessions"] == row["distinct_sessions"] == 578
    assert abs(row["add_to_cart_pct"] - COURSE_ADD_TO_CART_PCT) <= 3
    assert abs(row["checkout_pct"] - COURSE_CHECKOUT_PCT) <= 3
    assert row["events"] == events


def test_snapshot_keeps_a_version_per_weekly_change(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        warehouse,
        "select inventory_week, inventory from snapshots.products_snapshot"
        " where product_name = 'String of pearls' order by inventory_week",
    )
    assert [(r["inventory_week"], r["inventory"]) for r in rows] == [
        (1, 58), (2, 10), (3, 0), (4, 10)
    ]  # fmt: skip
    current = query(
        warehouse,
        "select count(*) as n from snapshots.products_snapshot where dbt_valid_to is null",
    )[0]["n"]
    assert current == 30


def test_manifest_after_parse(built: Build, tmp_path: Path) -> None:
    env = {**built.env, "DBT_TARGET_PATH": str(tmp_path / "target")}
    parsed = run_dbt(["parse"], env)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    sources = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "greenery"}
    assert sources == RAW_TABLES
    nodes = manifest["nodes"]
    snapshot = nodes["snapshot.greenery.products_snapshot"]
    assert snapshot["config"]["strategy"] == "check"
    assert snapshot["config"]["check_cols"] == ["inventory"]
    assert snapshot["schema"] == "snapshots"
    funnel = nodes["model.greenery.fact_sessions_funnel"]
    assert funnel["relation_name"] == '"greenery"."analytics"."fact_sessions_funnel"'
    exposure = manifest["exposures"]["exposure.greenery.product_funnel_dashboard"]
    assert exposure["type"] == "dashboard"
    assert exposure["maturity"] == "high"
    assert exposure["url"] == "http://localhost:9999/dashboards/1"
    assert exposure["owner"]["email"]
    assert exposure["meta"]["looker_dashboard_id"] == "1"
    assert exposure["depends_on"]["nodes"] == ["model.greenery.fact_sessions_funnel"]


def test_docs_generate_writes_catalog(built: Build, tmp_path: Path) -> None:
    env = {**built.env, "DBT_TARGET_PATH": str(tmp_path / "target")}
    docs = run_dbt(["docs", "generate"], env)
    assert docs.returncode == 0, docs.stdout[-3000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.greenery.fact_sessions_funnel" in catalog["nodes"]
    assert "snapshot.greenery.products_snapshot" in catalog["nodes"]
    assert "source.greenery.greenery.events" in catalog["sources"]


def test_report_prints_every_analysis(built: Build) -> None:
    report = run_script("report", [], built.env)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    for name in [
        "inventory_changed_week_3_to_4",
        "inventory_fluctuation",
        "out_of_stock_last_3_weeks",
        "funnel_conversion",
    ]:
        assert f"[analyses/{name}.sql]" in report.stdout
