"""sql_table_name -> relations (PRODUCT.md lineage cases 1-4), and Looker's generated SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from exposure_sync.config import Config, ConnectionDefaults
from exposure_sync.errors import BadInputError
from exposure_sync.lineage.dialects import get_dialect
from exposure_sync.lineage.relation import Relation
from exposure_sync.lineage.resolve import (
    ResolveContext,
    TableResolution,
    configured_constants,
    relations_in_generated_sql,
    resolve_sql_table_name,
)
from exposure_sync.lineage.sql import SqlParseError, UnrenderedTemplateError, relations_in_sql
from exposure_sync.looker.models import Connection


def rel(text: str) -> Relation:
    database, schema, name = (None if part == "-" else part for part in text.split("."))
    return Relation(database, schema, name)


def resolved(*texts: str, notes: tuple[str, ...] = ()) -> TableResolution:
    return TableResolution(frozenset(rel(t) for t in texts), False, notes)


def ctx(dialect: str = "duckdb", **kwargs) -> ResolveContext:
    kwargs.setdefault("default_database", "greenery")
    kwargs.setdefault("default_schema", "analytics")
    return ResolveContext(dialect, **kwargs)


# --- case 1: forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fact_orders", "greenery.analytics.fact_orders"),
        ("raw.orders", "greenery.raw.orders"),
        ("other_db.raw.orders", "other_db.raw.orders"),
        ("ANALYTICS.Fact_Orders", "greenery.analytics.fact_orders"),
        ('"analytics"."dim_users"', "greenery.analytics.dim_users"),
        ('"Analytics"."Dim_Users"', "greenery.Analytics.Dim_Users"),
        ("raw.addresses AS addr", "greenery.raw.addresses"),
        ("raw.addresses as addr", "greenery.raw.addresses"),
        ("raw.addresses addr", "greenery.raw.addresses"),
        ('"raw"."addresses" AS "Addr"', "greenery.raw.addresses"),
        ("\n      snapshots.products_snapshot\n      ", "greenery.snapshots.products_snapshot"),
        ("  raw .  orders  ", "greenery.raw.orders"),
        ("raw.\n  orders\n  AS o", "greenery.raw.orders"),
        ("raw.orders ;", "greenery.raw.orders"),
        ("greenery.analytics.stg_greenery__promos", "greenery.analytics.stg_greenery__promos"),
    ],
)
def test_forms_duckdb(text: str, expected: str) -> None:
    assert resolve_sql_table_name(text, ctx()) == resolved(expected)


@pytest.mark.parametrize(
    ("dialect", "text", "expected"),
    [
        ("snowflake", "fact_orders", "GREENERY.ANALYTICS.FACT_ORDERS"),
        ("snowflake", "Raw.Orders AS o", "GREENERY.RAW.ORDERS"),
        ("snowflake", '"Raw"."Orders"', "GREENERY.Raw.Orders"),
        ("snowflake", 'PROD."raw".orders', "PROD.raw.ORDERS"),
        ("postgres", "Raw.Orders", "greenery.raw.orders"),
        ("postgres", '"Raw"."Orders" o', "greenery.Raw.Orders"),
        ("redshift", "Raw.Orders", "greenery.raw.orders"),
        ("redshift", '"Raw".Orders', "greenery.Raw.orders"),
        ("mysql", "`Raw`.`Orders`", "greenery.Raw.Orders"),
        ("databricks", "`main`.`Raw`.Orders AS o", "main.raw.orders"),
        ("mssql", "[dbo].[Orders]", "greenery.dbo.orders"),
    ],
)
def test_forms_and_case_by_dialect(dialect: str, text: str, expected: str) -> None:
    assert resolve_sql_table_name(text, ctx(dialect)) == resolved(expected)


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ("bigquery_standard_sql", "`my-project.greenery.Orders`"),
        ("bigquery_standard_sql", "`my-project.greenery.Orders` AS orders"),
        ("bigquery_standard_sql", "`my-project`.`greenery`.`Orders`"),
        ("bigquery_standard_sql", "my-project.greenery.Orders"),
        ("bigquery_standard_sql", "`my-project`.greenery.Orders o"),
        ("bigquery_standard_sql", "greenery.Orders"),
        ("bigquery_standard_sql", "`greenery.Orders`"),
        ("bigquery", "[my-project:greenery.Orders]"),
    ],
)
def test_bigquery_project_dataset_table(dialect: str, text: str) -> None:
    context = ResolveContext(dialect, "my-project", "default_dataset")
    assert resolve_sql_table_name(text, context) == resolved("my-project.greenery.Orders")


def test_sql_table_name_may_be_a_subquery() -> None:
    text = "(SELECT * FROM raw.orders JOIN raw.users ON true) AS o"
    assert resolve_sql_table_name(text, ctx()) == resolved(
        "greenery.raw.orders", "greenery.raw.users"
    )


def test_derived_table_needs_generated_sql() -> None:
    assert resolve_sql_table_name(None, ctx()) == TableResolution(needs_generated_sql=True)


@pytest.mark.parametrize(
    "text", ["raw.orders AS o AS p", "not a table name at all", "raw.orders)", "  "]
)
def test_unparseable_needs_generated_sql_with_a_note(text: str) -> None:
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    assert len(result.notes) == 1
    assert "\n" not in result.notes[0]


# --- case 3: @{constants} ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "constants", "expected"),
    [
        ("@{analytics_schema}.fact_user_orders", {"analytics_schema": "analytics"},
         "greenery.analytics.fact_user_orders"),
        ("@{ analytics_schema }.fact_user_orders", {"analytics_schema": "Analytics"},
         "greenery.analytics.fact_user_orders"),
        ("@{db}.@{schema}.t", {"db": "prod", "schema": "raw"}, "prod.raw.t"),
        ("@{table}", {"table": "@{schema}.t", "schema": "raw"}, "greenery.raw.t"),
        ('"@{schema}".t', {"schema": "Raw"}, "greenery.Raw.t"),
    ],
)  # fmt: skip
def test_constants(text: str, constants: dict[str, str], expected: str) -> None:
    assert resolve_sql_table_name(text, ctx(constants=constants)) == resolved(expected)


def test_unknown_constant_names_it_and_the_config_key() -> None:
    result = resolve_sql_table_name("@{analytics_schema}.fact_user_orders", ctx())
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    (note,) = result.notes
    assert "'analytics_schema'" in note
    assert "constants.analytics_schema" in note


# --- case 3: Liquid ------------------------------------------------------------------------

PAGE_VIEWS = """
    {% if _user_attributes['greenery_env'] == 'prod' %}
      analytics.fact_page_views
    {% else %}
      dbt_dev.fact_page_views
    {% endif %}"""

THREE_WAY = """
    {% if _user_attributes['env'] == "prod" %} analytics.t
    {% elsif _user_attributes['env'] != "dev" %} staging.t
    {% else %} dbt_dev.t {% endif %}"""

CASE = """
    {% case _user_attributes['env'] %}
      {% when 'prod' %} analytics.t
      {% when 'qa', "staging" %} staging.t
      {% when 'test' or 'ci' %} ci.t
      {% else %} dbt_dev.t
    {% endcase %}"""


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ("{{ _user_attributes['greenery_schema'] }}.dim_products",
         {"greenery_schema": "analytics"}, ("greenery.analytics.dim_products",)),
        ('{{ _user_attributes["greenery_schema"] }}.dim_products',
         {"greenery_schema": "Dev"}, ("greenery.dev.dim_products",)),
        ("{{_user_attributes['db']}}.{{ _user_attributes['schema'] }}.t",
         {"db": "prod", "schema": "raw"}, ("prod.raw.t",)),
        ("{{ _user_attributes['schema'] | default: 'raw' }}.t",
         {"schema": "analytics"}, ("greenery.analytics.t",)),
        ("{{ _user_attributes['schema'] | default: 'raw' }}.t",
         {"schema": ""}, ("greenery.raw.t",)),
        ("{{ _user_attributes['schema'] | upcase }}.t", {"schema": "raw"}, ("greenery.raw.t",)),
        (PAGE_VIEWS, {"greenery_env": "prod"}, ("greenery.analytics.fact_page_views",)),
        (PAGE_VIEWS, {"greenery_env": "dev"}, ("greenery.dbt_dev.fact_page_views",)),
        (THREE_WAY, {"env": "prod"}, ("greenery.analytics.t",)),
        (THREE_WAY, {"env": "qa"}, ("greenery.staging.t",)),
        (THREE_WAY, {"env": "dev"}, ("greenery.dbt_dev.t",)),
        ("{% if _user_attributes['dev'] %}dbt_dev{% else %}analytics{% endif %}.t",
         {"dev": "yes"}, ("greenery.dbt_dev.t",)),
        ("{% unless _user_attributes['env'] == 'prod' %}dbt_dev.t{% else %}analytics.t"
         "{% endunless %}", {"env": "prod"}, ("greenery.analytics.t",)),
        ("{% if _user_attributes['a'] == 'x' and _user_attributes['b'] == 'y' %}one.t"
         "{% else %}two.t{% endif %}", {"a": "x", "b": "z"}, ("greenery.two.t",)),
        ("{% if _user_attributes['a'] == 'x' or _user_attributes['b'] == 'y' %}one.t"
         "{% else %}two.t{% endif %}", {"a": "x", "b": "z"}, ("greenery.one.t",)),
        ("{% if _user_attributes['n'] > 2 %}big.t{% else %}small.t{% endif %}",
         {"n": "10"}, ("greenery.big.t",)),
        ("{%- if _user_attributes['env'] == 'prod' -%} a.t {%- else -%} b.t {%- endif -%}",
         {"env": "prod"}, ("greenery.a.t",)),
        ("{% if _user_attributes['env'] == 'prod' %}{% if _user_attributes['eu'] == 'yes' %}"
         "eu.t{% else %}us.t{% endif %}{% else %}dev.t{% endif %}",
         {"env": "prod", "eu": "no"}, ("greenery.us.t",)),
        ("{% comment %} which schema {% endcomment %}raw.t", {}, ("greenery.raw.t",)),
        ("{% if _dialect._name == 'duckdb' %}raw.t{% else %}other.t{% endif %}", {},
         ("greenery.raw.t",)),
        (CASE, {"env": "prod"}, ("greenery.analytics.t",)),
        (CASE, {"env": "staging"}, ("greenery.staging.t",)),
        (CASE, {"env": "ci"}, ("greenery.ci.t",)),
        (CASE, {"env": "dev"}, ("greenery.dbt_dev.t",)),
        ("{% case _dialect._name %}{% when 'duckdb' %}raw.t{% endcase %}", {},
         ("greenery.raw.t",)),
    ],
)  # fmt: skip
def test_liquid_with_configured_attributes(
    text: str, attributes: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert resolve_sql_table_name(text, ctx(user_attributes=attributes)) == resolved(*expected)


@pytest.mark.parametrize(
    ("text", "attributes", "expected", "unknown"),
    [
        (PAGE_VIEWS, {}, ("greenery.analytics.fact_page_views", "greenery.dbt_dev.fact_page_views"),
         "greenery_env"),
        (THREE_WAY, {}, ("greenery.analytics.t", "greenery.staging.t", "greenery.dbt_dev.t"),
         "env"),
        ("{% if _user_attributes['env'] == 'prod' %}analytics.t{% endif %}"
         "{% if _user_attributes['env'] != 'prod' %}dbt_dev.t{% endif %}", {},
         ("greenery.analytics.t", "greenery.dbt_dev.t"), "env"),
        ("{% if _user_attributes['x'] == 'a' and _user_attributes['known'] == 'yes' %}a.t"
         "{% else %}b.t{% endif %}", {"known": "yes"}, ("greenery.a.t", "greenery.b.t"), "x"),
        ("{% if _user_attributes['env'] == 'prod' %}{% if _user_attributes['eu'] %}eu.t"
         "{% else %}us.t{% endif %}{% else %}dev.t{% endif %}", {"env": "prod"},
         ("greenery.eu.t", "greenery.us.t"), "eu"),
        (CASE, {}, ("greenery.analytics.t", "greenery.staging.t", "greenery.ci.t",
                    "greenery.dbt_dev.t"), "env"),
    ],
)  # fmt: skip
def test_liquid_branch_on_unknown_attribute_counts_every_branch(
    text: str, attributes: dict[str, str], expected: tuple[str, ...], unknown: str
) -> None:
    result = resolve_sql_table_name(text, ctx(user_attributes=attributes))
    assert result.relations == frozenset(rel(t) for t in expected)
    assert not result.needs_generated_sql
    assert result.notes
    assert all(f"'{unknown}'" in note and "every {% if %} branch" in note for note in result.notes)
    assert all(f"user_attributes.{unknown}" in note for note in result.notes)


def test_liquid_branch_where_a_known_value_rules_out_one_branch() -> None:
    result = resolve_sql_table_name(THREE_WAY, ctx(user_attributes={}))
    assert len(result.relations) == 3
    partial = """
        {% if _user_attributes['x'] == 'a' %}a.t
        {% elsif _user_attributes['env'] == 'dev' %}dev.t
        {% else %}other.t{% endif %}"""
    result = resolve_sql_table_name(partial, ctx(user_attributes={"env": "prod"}))
    assert result.relations == {rel("greenery.a.t"), rel("greenery.other.t")}


def test_liquid_output_of_unknown_attribute_needs_generated_sql() -> None:
    text = "{{ _user_attributes['greenery_schema'] }}.dim_products"
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    (note,) = result.notes
    assert "'greenery_schema'" in note and "user_attributes.greenery_schema" in note


def test_liquid_default_is_assumed_for_an_unknown_attribute_and_said() -> None:
    text = "{{ _user_attributes['schema'] | default: \"raw\" }}.t"
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == {rel("greenery.raw.t")}
    assert not result.needs_generated_sql
    (note,) = result.notes
    assert "'schema'" in note and "'raw'" in note


@pytest.mark.parametrize(
    "text",
    [
        "{% parameter schema_picker %}.t",
        "{% if _user_attributes['env'] == 'prod' %}a.t",
        "{% else %}a.t",
        "{% case %}{% when 'a' %}a.t{% endcase %}",
        "{% case _user_attributes['env'] %}{% when 'prod' %}a.t",
        "{% case _user_attributes['env'] %}{% else %}a.t{% when 'x' %}b.t{% endcase %}",
        "{{ _query._query_timezone }}.t",
        "{{ _user_attributes['s'] | sql_quote }}.t",
    ],
)
def test_liquid_we_cannot_render_needs_generated_sql(text: str) -> None:
    result = resolve_sql_table_name(text, ctx(user_attributes={"env": "prod", "s": "x"}))
    assert result.needs_generated_sql
    assert result.notes


def test_one_unrenderable_branch_keeps_the_others() -> None:
    text = """{% if _user_attributes['env'] == 'prod' %}analytics.t
              {% else %}{{ _user_attributes['dev_schema'] }}.t{% endif %}"""
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == {rel("greenery.analytics.t")}
    assert result.needs_generated_sql
    assert any("'env'" in note for note in result.notes)
    assert any("'dev_schema'" in note for note in result.notes)


def test_constants_then_liquid() -> None:
    text = "@{schema_for_env}.t"
    constants = {"schema_for_env": "{% if _user_attributes['env'] == 'prod' %}prod{% else %}dev"
                 "{% endif %}"}  # fmt: skip
    context = ctx(constants=constants, user_attributes={"env": "prod"})
    assert resolve_sql_table_name(text, context) == resolved("greenery.prod.t")


# --- case 3/4: ${view.SQL_TABLE_NAME} ------------------------------------------------------

VIEW_TABLES: dict[str, str | None] = {
    "dim_users": '"analytics"."dim_users"',
    "aliased": "raw.addresses AS addr",
    "customers": "${dim_users.SQL_TABLE_NAME}",
    "user_order_facts": None,
    "loop_a": "${loop_b.SQL_TABLE_NAME}",
    "loop_b": "${loop_a.SQL_TABLE_NAME}",
    "by_constant": "@{schema}.t",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${dim_users.SQL_TABLE_NAME}", ("greenery.analytics.dim_users",)),
        ("${ dim_users.SQL_TABLE_NAME }", ("greenery.analytics.dim_users",)),
        ("${dim_users.SQL_TABLE_NAME} AS customers", ("greenery.analytics.dim_users",)),
        ("${aliased.SQL_TABLE_NAME}", ("greenery.raw.addresses",)),
        ("${customers.SQL_TABLE_NAME}", ("greenery.analytics.dim_users",)),
        ("${by_constant.SQL_TABLE_NAME}", ("greenery.raw.t",)),
        ("(SELECT * FROM ${dim_users.SQL_TABLE_NAME} JOIN raw.x ON true)",
         ("greenery.analytics.dim_users", "greenery.raw.x")),
    ],
)  # fmt: skip
def test_view_references(text: str, expected: tuple[str, ...]) -> None:
    context = ctx(view_tables=VIEW_TABLES, constants={"schema": "raw"})
    assert resolve_sql_table_name(text, context) == resolved(*expected)


def test_view_references_in_snowflake_fold_like_everything_else() -> None:
    context = ctx("snowflake", view_tables=VIEW_TABLES)
    assert resolve_sql_table_name("${dim_users.SQL_TABLE_NAME}", context) == resolved(
        "GREENERY.analytics.dim_users"
    )


def test_view_reference_through_a_callback() -> None:
    asked: list[str] = []

    def lookup(view: str) -> str | None:
        asked.append(view)
        return "raw.orders" if view == "orders" else None

    context = ctx(view_tables=lookup)
    assert resolve_sql_table_name("${orders.SQL_TABLE_NAME}", context) == resolved(
        "greenery.raw.orders"
    )
    assert resolve_sql_table_name("${pdt.SQL_TABLE_NAME}", context) == TableResolution(
        needs_generated_sql=True
    )
    assert asked == ["orders", "pdt"]


def test_view_reference_to_a_derived_table_needs_generated_sql() -> None:
    result = resolve_sql_table_name(
        "${user_order_facts.SQL_TABLE_NAME}", ctx(view_tables=VIEW_TABLES)
    )
    assert result == TableResolution(needs_generated_sql=True)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("${unknown_view.SQL_TABLE_NAME}", "'unknown_view'"),
        ("${loop_a.SQL_TABLE_NAME}", "circular"),
    ],
)
def test_view_reference_problems(text: str, needle: str) -> None:
    result = resolve_sql_table_name(text, ctx(view_tables=VIEW_TABLES))
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    assert any(needle in note for note in result.notes)


def test_self_reference_is_circular() -> None:
    context = ctx(view_tables={"v": "${v.SQL_TABLE_NAME}"}, view="v")
    result = resolve_sql_table_name("${v.SQL_TABLE_NAME}", context)
    assert result.needs_generated_sql
    assert any("circular" in note for note in result.notes)


# --- generated SQL (case 4) ----------------------------------------------------------------

EMULATOR_SQL = """WITH user_order_facts AS (WITH user_orders AS (
        SELECT o.user_id, COUNT(*) AS order_count FROM analytics.fact_orders AS o GROUP BY 1
      )
      SELECT u.user_id, uo.order_count FROM analytics.dim_users AS u
      LEFT JOIN user_orders AS uo ON uo.user_id = u.user_id)
  , repeat_buyers AS (SELECT user_id FROM user_order_facts WHERE order_count > 1)
SELECT
    user_order_facts.user_id  AS "user_order_facts.user_id",
    COUNT(DISTINCT repeat_buyers.user_id) AS "repeat_buyers.count"
FROM user_order_facts
LEFT JOIN repeat_buyers ON user_order_facts.user_id = repeat_buyers.user_id
GROUP BY 1
ORDER BY 2 DESC
LIMIT 500"""

PDT_SQL = """-- generate derived table daily_sessions_pdt
CREATE TABLE looker_scratch.LR_2UJ8K1700000000_daily_sessions_pdt AS SELECT
        CAST(f.session_started_at AS DATE) AS session_date, COUNT(*) AS sessions
      FROM analytics.fact_sessions_funnel AS f
      GROUP BY 1;
-- finished daily_sessions_pdt => looker_scratch.LR_2UJ8K1700000000_daily_sessions_pdt
SELECT daily_sessions_pdt.session_date AS "daily_sessions_pdt.session_date"
FROM looker_scratch.LR_2UJ8K1700000000_daily_sessions_pdt AS daily_sessions_pdt
LEFT JOIN analytics.fact_sessions_funnel AS fact_sessions_funnel
  ON fact_sessions_funnel.session_started_at::date = daily_sessions_pdt.session_date
GROUP BY 1
ORDER BY 1
LIMIT 500"""

PREBUILT_PDT_SQL = """-- use existing daily_sessions_pdt in looker_scratch.LR_2UJ8K_daily_pdt
SELECT d.session_date FROM looker_scratch.LR_2UJ8K_daily_sessions_pdt AS d
JOIN analytics.dim_users AS u ON true"""


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (EMULATOR_SQL, ("greenery.analytics.fact_orders", "greenery.analytics.dim_users")),
        (PDT_SQL, ("greenery.analytics.fact_sessions_funnel",)),
        ("SELECT 1 FROM raw.events", ("greenery.raw.events",)),
    ],
)
def test_generated_sql(sql: str, expected: tuple[str, ...]) -> None:
    assert relations_in_generated_sql(sql, ctx()) == resolved(*expected)


@pytest.mark.parametrize(
    ("dialect", "scratch_schema", "table", "built"),
    [
        # Looker's own PDT names in the connection's scratch schema (tmp_db_name)
        ("duckdb", "looker_scratch", "looker_scratch.LR_2UJ8K_d", True),
        ("duckdb", "looker_scratch", "looker_scratch.LC_8HX1A_daily", True),
        ("duckdb", "tmp", 'tmp."LR$AB12C_daily"', True),
        ("duckdb", "looker_scratch", '"Looker_Scratch".LR_2UJ8K_d', True),
        ("snowflake", "looker_scratch", 'LOOKER_SCRATCH."LR$2UJ8K_daily"', True),
        ("snowflake", "LOOKER_SCRATCH", "looker_scratch.lr$2ujwk1700000000_daily", True),
        ("redshift", "looker_scratch", "looker_scratch.lr$1zc1m1571226896599_orders", True),
        ("bigquery_standard_sql", "looker_scratch",
         "`my-project.looker_scratch.LR_1ZC1M1571226896599_orders`", True),
        ("postgres", "looker_scratch", "looker_scratch.LR_2UJ8K1700000000_daily", True),
        # a user's table in a schema that happens to be the scratch schema is a table
        ("duckdb", "looker_scratch", "looker_scratch.daily_sessions", False),
        ("duckdb", "tmp", "tmp.daily_sessions", False),
        ("snowflake", "looker_scratch", "LOOKER_SCRATCH.LR_PREDICTIONS", False),
        ("bigquery_standard_sql", "looker_scratch", "`p.looker_scratch.lr_model_v2`", False),
        # a PDT-like name outside the scratch schema is a user's table too
        ("duckdb", "looker_scratch", "other.LR_2UJ8K1700000000_daily", False),
        ("redshift", "pdt", "looker_scratch.LR_2UJ8K1700000000_daily", False),
        # scratch schema unknown (Looker did not say): the name alone tells
        ("duckdb", None, 'other."LR$AB12C_daily"', True),
        ("duckdb", None, "looker_scratch.anything", False),
        ("duckdb", None, "other.lr_predictions", False),
    ],
)  # fmt: skip
def test_only_lookers_pdt_names_in_the_scratch_schema_are_built_pdts(
    dialect: str, scratch_schema: str | None, table: str, built: bool
) -> None:
    sql = f"SELECT 1 FROM {table} AS d JOIN analytics.dim_users AS u ON true"
    result = relations_in_generated_sql(sql, ctx(dialect, scratch_schema=scratch_schema))
    everything = relations_in_sql(sql, dialect, "greenery", "analytics")
    assert result.incomplete is built
    # a built PDT's table is left out and named; the other table is always read
    assert len(everything - result.relations) == len(result.notes) == int(built)
    assert all("persistent derived table" in note for note in result.notes)


def test_a_model_looker_built_as_a_pdt_has_unknown_inputs() -> None:
    """BigQuery ML: a model is no relation, but one Looker built as a PDT hides its training
    data just as a built table does."""
    sql = (
        "SELECT * FROM ml.EVALUATE(MODEL looker_scratch.LR_1AB23_churn_model, "
        "(SELECT * FROM analytics.test_users))"
    )
    result = relations_in_generated_sql(
        sql, ctx("bigquery_standard_sql", scratch_schema="looker_scratch")
    )
    assert result.relations == {rel("greenery.analytics.test_users")}
    assert result.incomplete
    (note,) = result.notes
    assert "LR_1AB23_churn_model" in note


def test_prebuilt_pdt_from_a_looker_comment_line() -> None:
    result = relations_in_generated_sql(PREBUILT_PDT_SQL, ctx())
    assert result.relations == {rel("greenery.analytics.dim_users")}
    assert result.notes == (
        "the query reads persistent derived table "
        "greenery.looker_scratch.lr_2uj8k_daily_sessions_pdt, which Looker had already built; "
        "its inputs are not in the generated SQL",
    )


def test_generated_sql_that_does_not_parse_raises() -> None:
    with pytest.raises(SqlParseError):
        relations_in_generated_sql("SELECT FROM FROM", ctx())


# --- the context for a connection ----------------------------------------------------------


def test_context_from_looker_connection() -> None:
    connection = Connection("greenery_duckdb", "duckdb", "greenery", "analytics", "scratch")
    context = ResolveContext.for_connection(
        connection, Config(constants={"c": "v"}, user_attributes={"a": "b"}), {"v": "t"}
    )
    assert context == ResolveContext(
        get_dialect("duckdb"),
        "greenery",
        "analytics",
        {"c": "v"},
        {"a": "b"},
        {"v": "t"},
        connection="greenery_duckdb",
        scratch_schema="scratch",
    )


@pytest.mark.parametrize(
    ("dialect", "schema"),
    [
        ("postgres", "public"),
        ("redshift", "public"),
        ("duckdb", "main"),
        ("snowflake", "PUBLIC"),
        ("mssql", "dbo"),
        ("databricks", "default"),
        ("bigquery_standard_sql", None),  # BigQuery has no default dataset
        ("oracle", None),  # the login's own schema: not known here
        ("trino", None),
    ],
)
def test_connection_without_schema_reads_the_warehouses_default(
    dialect: str, schema: str | None
) -> None:
    """Case 11: an unqualified name is qualified as the warehouse's search path would."""
    connection = Connection("wh", dialect, "db")
    context = ResolveContext.for_connection(connection, Config())
    assert context.default_schema == schema
    relation = next(iter(resolve_sql_table_name("orders", context).relations))
    folded = get_dialect(dialect).fold
    assert relation == Relation(folded("db"), schema, folded("orders"))
    configured = Config(connections={"wh": ConnectionDefaults(schema="analytics")})
    assert ResolveContext.for_connection(connection, configured).default_schema == "analytics"


def test_context_configuration_wins_over_looker() -> None:
    connection = Connection("wh", "postgres", "prod", "public")
    config = Config(connections={"wh": ConnectionDefaults("snowflake", None, "ANALYTICS")})
    context = ResolveContext.for_connection(connection, config)
    assert (context.dialect, context.default_database, context.default_schema) == (
        get_dialect("snowflake"),
        "prod",
        "ANALYTICS",
    )


def test_context_for_a_connection_looker_did_not_describe() -> None:
    config = Config(connections={"wh": ConnectionDefaults("bigquery_standard_sql", "p", "d")})
    context = ResolveContext.for_connection(None, config, None, "wh")
    assert context.dialect == get_dialect("bigquery_standard_sql")
    with pytest.raises(BadInputError, match=r"connections\.other\.dialect"):
        ResolveContext.for_connection(None, config, None, "other")


def test_context_with_an_unknown_dialect_names_the_config_key() -> None:
    connection = Connection("wh", "frobnicate_db")
    with pytest.raises(BadInputError, match=r"'frobnicate_db'.*connections\.wh\.dialect"):
        ResolveContext.for_connection(connection, Config())


# --- Liquid: consistent assumptions for unknown attributes ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% if _user_attributes['schema'] == 'dev' %}{{ _user_attributes['schema'] }}.t"
         "{% else %}analytics.t{% endif %}", ("greenery.dev.t", "greenery.analytics.t")),
        ("{% if _user_attributes['n'] > 2 %}big.t{% else %}small.t{% endif %}",
         ("greenery.big.t", "greenery.small.t")),
        ("{% if _user_attributes['n'] <= 2 %}small.t{% else %}big.t{% endif %}",
         ("greenery.big.t", "greenery.small.t")),
        ("{% if 'prod' == _user_attributes['env'] %}a.t{% endif %}"
         "{% if _user_attributes['env'] <> 'prod' %}b.t{% endif %}",
         ("greenery.a.t", "greenery.b.t")),
        ("{% if _user_attributes['env'] contains 'prod' %}a.t{% else %}b.t{% endif %}",
         ("greenery.a.t", "greenery.b.t")),
    ],
)  # fmt: skip
def test_unknown_attribute_assumptions(text: str, expected: tuple[str, ...]) -> None:
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == frozenset(rel(t) for t in expected)
    assert not result.needs_generated_sql


def test_condition_on_a_query_variable_counts_every_branch() -> None:
    text = "{% if _explore._name == 'x' %}a.t{% else %}b.t{% endif %}"
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == {rel("greenery.a.t"), rel("greenery.b.t")}
    assert result.notes == (
        "Liquid variable '_explore._name' has no configured value, so every {% if %} branch on "
        "it counts (it depends on the query)",
    )
    assert resolve_sql_table_name(text, ctx(explore="x")) == resolved("greenery.a.t")


def test_too_many_assumptions_fall_back_to_every_branch() -> None:
    text = (
        "".join(f"{{% if _user_attributes['a{i}'] == 'x' %}}{{% endif %}}" for i in range(4))
        + "{% if _user_attributes['a0'] == 'x' %}one.t{% else %}two.t{% endif %}"
    )
    result = resolve_sql_table_name(text, ctx())
    assert result.relations == {rel("greenery.one.t"), rel("greenery.two.t")}
    assert {n.split(" has")[0] for n in result.notes} == {
        f"user attribute 'a{i}'" for i in range(4)
    }


# --- constants from a LookML manifest ------------------------------------------------------

MANIFEST = """
project_name: "greenery"
constant: analytics_schema {
  value: "analytics"
  export: none
}
constant: raw_schema { value: "raw" }
"""


def test_constants_from_the_lookml_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.lkml"
    manifest.write_text(MANIFEST)
    config = Config(lookml_manifest=str(manifest), constants={"raw_schema": "raw_v2"})
    assert configured_constants(config) == {"analytics_schema": "analytics", "raw_schema": "raw_v2"}
    context = ResolveContext.for_connection(Connection("c", "duckdb", "greenery", "x"), config)
    text = "@{analytics_schema}.fact_user_orders"
    assert resolve_sql_table_name(text, context) == resolved("greenery.analytics.fact_user_orders")


@pytest.mark.parametrize(
    ("content", "needle"), [(None, "cannot read"), ("constant: x {", "not a valid LookML")]
)
def test_unreadable_lookml_manifest(tmp_path: Path, content: str | None, needle: str) -> None:
    manifest = tmp_path / "manifest.lkml"
    if content is not None:
        manifest.write_text(content)
    with pytest.raises(BadInputError, match=needle) as err:
        configured_constants(Config(lookml_manifest=str(manifest)))
    assert str(manifest) in str(err.value)


# --- hardening: what is left unrendered never becomes a table name ----------------------------


@pytest.mark.parametrize(
    ("dialect", "text", "left"),
    [
        ("bigquery_standard_sql", "`${EXTENDED}`", "${EXTENDED}"),
        ("bigquery_standard_sql", "${TABLE}", "${TABLE}"),
        ("bigquery_standard_sql", "`proj.${dataset.name}.orders`", "${dataset.name}"),
        ("redshift", '"${TABLE}"', "${TABLE}"),
        ("duckdb", "raw.orders {% endif %}", "{% endif %}"),
    ],
)
def test_sql_table_name_left_unrendered_is_no_table(dialect: str, text: str, left: str) -> None:
    """Looker renders what we cannot: the view's relations come from its generated SQL."""
    context = ctx(dialect, view_tables={"orders": "raw.orders"})
    result = resolve_sql_table_name(text, context)
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    assert any(left.split("}")[0] in note for note in result.notes), result.notes


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("bigquery_standard_sql", "SELECT * FROM ${orders.SQL_TABLE_NAME} AS orders"),
        ("bigquery_standard_sql", "SELECT * FROM `@{gcp_project}.sales.orders`"),
        ("snowflake", "SELECT * FROM @{database}.RAW.ORDERS"),
        ("redshift", "SELECT * FROM {{ _user_attributes['schema'] }}.orders"),
    ],
)
def test_generated_sql_left_unrendered_fails_that_query(dialect: str, sql: str) -> None:
    with pytest.raises(UnrenderedTemplateError):
        relations_in_generated_sql(sql, ctx(dialect))


@pytest.mark.parametrize(
    "text",
    [
        "${orders.SQL_TABLE_NAME}_v2",
        "archive.${orders.SQL_TABLE_NAME}",
        "x${orders.SQL_TABLE_NAME}",
    ],
)
def test_a_view_reference_inside_a_longer_name_is_left_to_looker(text: str) -> None:
    result = resolve_sql_table_name(text, ctx("snowflake", view_tables={"orders": "raw.orders"}))
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    assert result.notes == (
        "${orders.SQL_TABLE_NAME} is part of a longer name; left to Looker's SQL",
    )


def test_a_constant_rendering_blank_leaves_the_table_to_lookers_sql() -> None:
    """The public BigQuery information-schema block ships BILLING_PROJECT_ID as " "."""
    text = "`@{BILLING_PROJECT_ID}.region-@{REGION}.INFORMATION_SCHEMA.CAPACITY_COMMITMENTS`"
    constants = {"BILLING_PROJECT_ID": " ", "REGION": "us"}
    result = resolve_sql_table_name(text, ctx("bigquery_standard_sql", constants=constants))
    assert result.relations == frozenset()
    assert result.needs_generated_sql
    (note,) = result.notes
    assert "has a blank part" in note
