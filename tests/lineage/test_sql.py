"""Relations read by SQL (PRODUCT.md lineage cases 1, 2 and 4), one case per dialect variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from exposure_sync.errors import ExposureSyncError
from exposure_sync.lineage.relation import Relation
from exposure_sync.lineage.sql import (
    SqlParseError,
    UnrenderedTemplateError,
    reads_in_sql,
    relations_in_sql,
    unrendered_templates,
)

SQL_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lineage" / "sql"


def rel(text: str) -> Relation:
    """'db.schema.name' -> Relation; '-' for a missing part."""
    database, schema, name = (None if part == "-" else part for part in text.split("."))
    return Relation(database, schema, name)


def rels(*texts: str) -> set[Relation]:
    return {rel(text) for text in texts}


# --- names, defaults, case ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        ("duckdb", "SELECT * FROM orders", "greenery.analytics.orders"),
        ("duckdb", "SELECT * FROM raw.orders", "greenery.raw.orders"),
        ("duckdb", "SELECT * FROM other.raw.orders", "other.raw.orders"),
        ("duckdb", "SELECT * FROM Raw.Orders", "greenery.raw.orders"),
        ("duckdb", 'SELECT * FROM "Raw"."Orders"', "greenery.Raw.Orders"),
        ("postgres", "SELECT * FROM Raw.Orders", "greenery.raw.orders"),
        ("postgres", 'SELECT * FROM "Raw".Orders', "greenery.Raw.orders"),
        ("redshift", "SELECT * FROM Raw.Orders", "greenery.raw.orders"),
        ("redshift", 'SELECT * FROM "Raw"."Orders"', "greenery.Raw.Orders"),
        ("snowflake", "SELECT * FROM orders", "GREENERY.ANALYTICS.ORDERS"),
        ("snowflake", "SELECT * FROM Raw.Orders", "GREENERY.RAW.ORDERS"),
        ("snowflake", 'SELECT * FROM "Raw"."Orders"', "GREENERY.Raw.Orders"),
        ("snowflake", 'SELECT * FROM prod."raw".orders', "PROD.raw.ORDERS"),
        ("bigquery_standard_sql", "SELECT * FROM Raw.Orders", "greenery.Raw.Orders"),
        ("bigquery_standard_sql", "SELECT * FROM `Raw`.`Orders`", "greenery.Raw.Orders"),
        ("mysql", "SELECT * FROM `Raw`.Orders", "greenery.Raw.Orders"),
        ("databricks", "SELECT * FROM `Raw`.Orders", "greenery.raw.orders"),
        ("trino", 'SELECT * FROM "Raw".Orders', "greenery.raw.orders"),
        ("mssql", "SELECT * FROM [Raw].[Orders]", "greenery.raw.orders"),
        ("mssql", "SELECT * FROM srv.db.dbo.orders", "db.dbo.orders"),
        ("oracle", "SELECT * FROM raw.orders", "GREENERY.RAW.ORDERS"),
    ],
)
def test_names_defaults_and_case(dialect: str, sql: str, expected: str) -> None:
    assert relations_in_sql(sql, dialect, "greenery", "analytics") == {rel(expected)}


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        ("redshift", "SELECT * FROM stl_query q JOIN STV_SLICES s ON true",
         ("g.pg_catalog.stl_query", "g.pg_catalog.stv_slices")),
        ("redshift", "SELECT * FROM svv_table_info", ("g.pg_catalog.svv_table_info",)),
        ("redshift", "SELECT * FROM analytics.stl_query", ("g.analytics.stl_query",)),
        ("postgres", "SELECT * FROM pg_class JOIN pg_namespace ON true",
         ("g.pg_catalog.pg_class", "g.pg_catalog.pg_namespace")),
        ("postgres", "SELECT * FROM stl_query", ("g.s.stl_query",)),  # no such catalog there
        ("duckdb", "SELECT * FROM pg_class", ("g.s.pg_class",)),
        ("snowflake", "SELECT * FROM stl_query", ("G.S.STL_QUERY",)),
    ],
)  # fmt: skip
def test_system_tables_resolve_to_pg_catalog(
    dialect: str, sql: str, expected: tuple[str, ...]
) -> None:
    """Postgres and Redshift search pg_catalog before the search path: an unqualified system
    table is not the default schema's."""
    assert relations_in_sql(sql, dialect, "g", "s") == rels(*expected)


@pytest.mark.parametrize(
    ("database", "schema", "expected"),
    [
        (None, None, "-.-.orders"),
        (None, "analytics", "-.analytics.orders"),
        ("greenery", None, "greenery.-.orders"),
    ],
)
def test_missing_defaults_stay_missing(
    database: str | None, schema: str | None, expected: str
) -> None:
    assert relations_in_sql("SELECT 1 FROM orders", "duckdb", database, schema) == {rel(expected)}


def test_defaults_fold_like_unquoted_names() -> None:
    assert relations_in_sql("SELECT 1 FROM orders", "snowflake", "greenery", "analytics") == {
        rel("GREENERY.ANALYTICS.ORDERS")
    }


# --- BigQuery ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "`my-project.dataset.Orders`",
        "`my-project`.`dataset`.`Orders`",
        "`my-project`.dataset.Orders",
        "my-project.dataset.Orders",
    ],
)
def test_bigquery_project_dataset_table(table: str) -> None:
    sql = f"SELECT o.id FROM {table} AS o"
    assert relations_in_sql(sql, "bigquery_standard_sql", "default-project", "default_ds") == {
        rel("my-project.dataset.Orders")
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("`dataset.Orders`", "default-project.dataset.Orders"),
        ("dataset.events_*", "default-project.dataset.events_*"),
        ("Orders", "default-project.default_ds.Orders"),
    ],
)
def test_bigquery_defaults(table: str, expected: str) -> None:
    sql = f"SELECT 1 FROM {table}"
    assert relations_in_sql(sql, "bigquery_standard_sql", "default-project", "default_ds") == {
        rel(expected)
    }


def test_bigquery_unnest_is_not_a_table() -> None:
    sql = "SELECT tag FROM `p.d.posts` AS p, UNNEST(p.tags) AS tag"
    assert relations_in_sql(sql, "bigquery_standard_sql") == {rel("p.d.posts")}


# --- CTEs, subqueries, joins (case 4) ------------------------------------------------------

USER_ORDER_FACTS = """
WITH user_orders AS (
  SELECT o.user_id, COUNT(DISTINCT o.order_id) AS order_count
  FROM analytics.fact_orders AS o
  GROUP BY 1
)
SELECT u.user_id, COALESCE(uo.order_count, 0) AS order_count
FROM analytics.dim_users AS u
LEFT JOIN user_orders AS uo ON uo.user_id = u.user_id
"""


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("duckdb", ("g.analytics.fact_orders", "g.analytics.dim_users")),
        ("postgres", ("g.analytics.fact_orders", "g.analytics.dim_users")),
        ("snowflake", ("G.ANALYTICS.FACT_ORDERS", "G.ANALYTICS.DIM_USERS")),
        ("bigquery_standard_sql", ("g.analytics.fact_orders", "g.analytics.dim_users")),
        ("redshift", ("g.analytics.fact_orders", "g.analytics.dim_users")),
    ],
)
def test_cte_names_are_not_tables(dialect: str, expected: tuple[str, ...]) -> None:
    assert relations_in_sql(USER_ORDER_FACTS, dialect, "g", "s") == rels(*expected)


def test_cte_chain_and_cte_shadowing_a_table() -> None:
    sql = """
    WITH orders AS (SELECT * FROM raw.orders),
         big AS (SELECT * FROM orders WHERE total > 100)
    SELECT * FROM big JOIN users ON big.user_id = users.id
    """
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.raw.orders", "g.s.users")


def test_cte_name_only_hides_unqualified_references() -> None:
    sql = "WITH orders AS (SELECT 1 AS id) SELECT * FROM orders JOIN analytics.orders o ON true"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.analytics.orders")


def test_cte_name_does_not_hide_the_table_outside_its_statement() -> None:
    sql = "WITH orders AS (SELECT 1) SELECT * FROM orders; SELECT * FROM orders"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.s.orders")


def test_nested_cte_inside_a_subquery() -> None:
    sql = "SELECT * FROM (WITH x AS (SELECT * FROM raw.a) SELECT * FROM x) AS sub JOIN x ON true"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.raw.a", "g.s.x")


def test_subqueries_joins_unions_and_where_clauses() -> None:
    sql = """
    SELECT * FROM (SELECT * FROM raw.orders) AS o
    JOIN raw.users AS u ON u.id = o.user_id
    LEFT JOIN LATERAL (SELECT * FROM raw.items i WHERE i.order_id = o.id) AS li ON true
    WHERE o.promo_id IN (SELECT id FROM raw.promos)
      AND EXISTS (SELECT 1 FROM raw.events e WHERE e.user_id = u.id)
    UNION ALL
    SELECT * FROM legacy.orders
    """
    assert relations_in_sql(sql, "postgres", "g", "s") == rels(
        "g.raw.orders", "g.raw.users", "g.raw.items", "g.raw.promos", "g.raw.events",
        "g.legacy.orders",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("duckdb", "SELECT * FROM generate_series(1, 3) JOIN raw.a ON true"),
        ("duckdb", "SELECT * FROM read_parquet('x.parquet') JOIN raw.a ON true"),
        ("snowflake", "SELECT * FROM raw.a, TABLE(FLATTEN(input => a.tags)) f"),
        ("postgres", "SELECT * FROM raw.a, unnest(a.tags) AS t"),
    ],
)
def test_table_functions_are_not_relations(dialect: str, sql: str) -> None:
    expected = relations_in_sql("SELECT 1 FROM raw.a", dialect, "g", "s")
    assert relations_in_sql(sql, dialect, "g", "s") == expected


# --- statements, created tables (PDTs) -----------------------------------------------------


def test_several_statements() -> None:
    sql = "SELECT 1 FROM raw.a;\nSELECT 2 FROM raw.b;\n;"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.raw.a", "g.raw.b")


@pytest.mark.parametrize(
    ("dialect", "create", "expected"),
    [
        (
            "duckdb",
            "CREATE TABLE looker_scratch.LR_8HX1_daily AS SELECT * FROM analytics.fact_sessions",
            "g.analytics.fact_sessions",
        ),
        (
            "snowflake",
            "CREATE OR REPLACE TEMPORARY TABLE looker_scratch.LR_8HX1_daily AS "
            "SELECT * FROM analytics.fact_sessions",
            "G.ANALYTICS.FACT_SESSIONS",
        ),
        (
            "postgres",
            "CREATE TABLE looker_scratch.LR_8HX1_daily AS "
            "(WITH x AS (SELECT * FROM analytics.fact_sessions) SELECT * FROM x)",
            "g.analytics.fact_sessions",
        ),
        (
            "redshift",
            "CREATE TABLE looker_scratch.LR_8HX1_daily DISTSTYLE EVEN AS "
            "SELECT * FROM analytics.fact_sessions",
            "g.analytics.fact_sessions",
        ),
        (
            "bigquery_standard_sql",
            "CREATE TABLE IF NOT EXISTS `g.looker_scratch.LR_8HX1_daily` AS "
            "SELECT * FROM analytics.fact_sessions",
            "g.analytics.fact_sessions",
        ),
    ],
)
def test_created_tables_resolve_to_their_inputs(dialect: str, create: str, expected: str) -> None:
    sql = (
        "-- generate derived table daily\n"
        f"{create};\n"
        "-- finished daily => looker_scratch.LR_8HX1_daily\n"
        "SELECT d.session_date FROM looker_scratch.LR_8HX1_daily AS d "
        "JOIN analytics.dim_dates AS dd ON dd.d = d.session_date\n"
        "-- sql for creating the total and/or determining pivot columns\n"
    )
    dim_dates = "G.ANALYTICS.DIM_DATES" if dialect == "snowflake" else "g.analytics.dim_dates"
    assert relations_in_sql(sql, dialect, "g", "s") == rels(expected, dim_dates)


def test_insert_and_select_into_targets_are_intermediate() -> None:
    sql = "INSERT INTO tmp.t SELECT * FROM raw.a; SELECT * FROM tmp.t JOIN raw.b ON true"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.raw.a", "g.raw.b")
    tsql = "SELECT * INTO #scratch FROM dbo.orders; SELECT * FROM #scratch"
    assert relations_in_sql(tsql, "mssql", "g", "dbo") == rels("g.dbo.orders")


def test_drop_and_set_statements_read_nothing() -> None:
    sql = "SET search_path = x; DROP TABLE IF EXISTS raw.old; SELECT 1 FROM raw.a"
    assert relations_in_sql(sql, "postgres", "g", "s") == rels("g.raw.a")


def test_comment_lines_with_semicolons() -> None:
    sql = "-- Did not use orders::x; it lacks fields\n-- a; b\nSELECT 1 FROM raw.a -- tail; x\n"
    assert relations_in_sql(sql, "duckdb", "g", "s") == rels("g.raw.a")


def test_no_tables() -> None:
    assert relations_in_sql("SELECT 1", "duckdb", "g", "s") == set()
    assert relations_in_sql("", "duckdb", "g", "s") == set()


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [("duckdb", "SELECT FROM FROM"), ("duckdb", "SELECT 'unterminated"), ("postgres", "SELECT (")],
)
def test_unparseable_sql_raises_one_line_error(dialect: str, sql: str) -> None:
    with pytest.raises(SqlParseError) as err:
        relations_in_sql(sql, dialect, "g", "s")
    assert isinstance(err.value, ExposureSyncError)
    assert str(err.value).startswith(f"cannot parse SQL as {dialect}: ")
    assert "\n" not in str(err.value)
    assert "<Token" not in str(err.value)
    assert err.value.sql == sql


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        # options sqlglot does not parse: the CREATE is rebuilt from its tokens
        ("redshift", "CREATE TEMP TABLE LR_X_v DISTKEY(a) INTERLEAVED SORTKEY(a, b) AS "
                     "SELECT a FROM raw.t; SELECT * FROM LR_X_v"),
        ("redshift", 'CREATE TABLE IF NOT EXISTS looker_scratch."LR_X_v" DISTSTYLE ALL '
                     "INTERLEAVED SORTKEY(a, b) AS (WITH c AS (SELECT a FROM raw.t) "
                     'SELECT * FROM c); SELECT * FROM looker_scratch."LR_X_v"'),
        ("bigquery_standard_sql", "CREATE TABLE `g.looker_scratch.LR_X` SOME_OPTION AS "
                                  "SELECT a FROM raw.t; SELECT * FROM `g.looker_scratch.LR_X`"),
        # build under a temporary name, then rename
        ("postgres", "CREATE TABLE looker_scratch.LC_tmp AS SELECT a FROM raw.t; "
                     "ALTER TABLE looker_scratch.LC_tmp RENAME TO LR_X; "
                     "SELECT * FROM looker_scratch.LR_X"),
        # indexes and statistics on the scratch table
        ("postgres", "CREATE TABLE looker_scratch.LR_X AS SELECT a FROM raw.t; "
                     "CREATE INDEX LR_X_a ON looker_scratch.LR_X (a); "
                     "SELECT * FROM looker_scratch.LR_X"),
        ("mssql", "SELECT a INTO looker_scratch.LR_X FROM raw.t; "
                  "SELECT * FROM looker_scratch.LR_X"),
        ("databricks", "CREATE TABLE looker_scratch.LR_X USING DELTA AS SELECT a FROM raw.t; "
                       "SELECT * FROM looker_scratch.LR_X"),
    ],
)  # fmt: skip
def test_pdt_builds_by_dialect(
    dialect: str, sql: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    expected = relations_in_sql("SELECT 1 FROM raw.t", dialect, "g", "s")
    assert relations_in_sql(sql, dialect, "g", "s") == expected
    assert capsys.readouterr().err == ""
    assert not [r for r in caplog.records if r.name.startswith("sqlglot")]


def test_create_we_cannot_rebuild_is_ignored() -> None:
    sql = "CREATE TABLE x WEIRD SYNTAX HERE; SELECT 1 FROM raw.t"
    assert relations_in_sql(sql, "redshift", "g", "s") == rels("g.raw.t")


# --- hardening: one text's failure is that text's, whatever sqlglot raised ------------------

CRASHING = sorted((SQL_FIXTURES / "crash").glob("*.sql"))


@pytest.mark.parametrize("path", CRASHING, ids=[p.stem for p in CRASHING])
def test_sqlglot_crashing_on_a_text_is_that_texts_parse_error(path: Path) -> None:
    """sqlglot raises AttributeError, IndexError or RecursionError on these (see the README
    there): each is a SqlParseError naming what happened, one line, never a crash."""
    dialect = path.stem.split("__")[0]
    sql = path.read_text(encoding="utf-8")
    with pytest.raises(SqlParseError) as err:
        relations_in_sql(sql, dialect, "g", "s")
    assert "sqlglot failed on it" in str(err.value)
    assert any(name in str(err.value) for name in ("AttributeError", "IndexError", "Recursion"))
    assert "\n" not in str(err.value)
    assert err.value.sql == sql
    # the next text parses as ever: nothing was left broken
    assert relations_in_sql("SELECT 1 FROM raw.t", dialect, "g", "s")


# --- hardening: unrendered LookML and Liquid never reach the parser as names -----------------


@pytest.mark.parametrize(
    ("dialect", "sql", "template"),
    [
        # BigQuery's parser swallows ${..} after FROM, and reads a backquoted one as a name
        ("bigquery_standard_sql", "SELECT * FROM ${orders.SQL_TABLE_NAME}",
         "${orders.SQL_TABLE_NAME}"),
        ("bigquery_standard_sql", "SELECT * FROM `${orders.SQL_TABLE_NAME}`",
         "${orders.SQL_TABLE_NAME}"),
        ("bigquery_standard_sql", "SELECT * FROM `@{project}.ds.orders`", "@{project}"),
        ("bigquery_standard_sql", "SELECT * FROM `@{project}`.ds.orders AS o", "@{project}"),
        ("bigquery_standard_sql", "SELECT 1 FROM ds.t WHERE {% condition f %} a {% endcondition %}",
         "{% condition f %}"),
        # Snowflake reads @{db} as a stage and keeps nothing
        ("snowflake", "SELECT * FROM @{db}.raw.orders", "@{db}"),
        ("snowflake", 'SELECT * FROM "@{DB}".RAW.ORDERS', "@{DB}"),
        ("snowflake", "SELECT * FROM {{ _user_attributes['schema'] }}.orders",
         "{{ _user_attributes['schema'] }}"),
        ("redshift", "SELECT * FROM ${TABLE}", "${TABLE}"),
        ("redshift", "SELECT * FROM raw.orders WHERE id = {% parameter p %}", "{% parameter p %}"),
        ("postgres", 'SELECT * FROM "${EXTENDED}"', "${EXTENDED}"),
        ("duckdb", "SELECT * FROM raw.orders_{{ _user_attributes['env'] }}",
         "{{ _user_attributes['env'] }}"),
        ("duckdb", "SELECT * FROM raw.orders {% if x %}", "{% if x %}"),
        ("duckdb", "SELECT * FROM @{schema", "@{schema"),
    ],
)  # fmt: skip
def test_unrendered_templates_are_refused_before_parsing(
    dialect: str, sql: str, template: str
) -> None:
    with pytest.raises(UnrenderedTemplateError) as err:
        relations_in_sql(sql, dialect, "g", "s")
    assert template in err.value.templates
    assert template in str(err.value)
    assert isinstance(err.value, SqlParseError)  # callers treat it as that text's failure


def test_the_public_blocks_derived_table_as_written_names_each_template() -> None:
    sql = (SQL_FIXTURES / "unrendered" / "bigquery_standard_sql__jobs_timeline.sql").read_text()
    assert unrendered_templates(sql, "bigquery_standard_sql") == (
        "@{REGION}",
        "@{SCOPE}",
        "{% date_start date.date_filter %}",
        "@{MAX_JOB_LOOKBACK}",
        "{% date_end date.date_filter %}",
    )
    with pytest.raises(UnrenderedTemplateError, match=r"@\{REGION\}, @\{SCOPE\}, .* and 2 more"):
        relations_in_sql(sql, "bigquery_standard_sql", "p", "d")


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        # a user's filter value, or a comment: neither is a name, the text is rendered
        ("bigquery_standard_sql", "SELECT 1 FROM ds.t WHERE name = '{{ not liquid }}'"),
        ("bigquery_standard_sql", 'SELECT 1 FROM ds.t WHERE name = "${x}"'),
        ("bigquery_standard_sql", "SELECT 1 FROM ds.t # @{not a constant}"),
        ("snowflake", "SELECT 1 FROM ds.t WHERE a = '@{x}' -- ${y}\n/* {% z %} */"),
        ("postgres", "SELECT 1 FROM ds.t WHERE a LIKE '%{%' AND b = '}}'"),
        ("redshift", "SELECT 1 FROM ds.t WHERE a = 'it''s {{ x }}'"),
        # a JavaScript UDF's template literal, in a triple-quoted raw string
        ("bigquery_standard_sql", 'CREATE TEMP FUNCTION f(a STRING) RETURNS STRING LANGUAGE js '
         'AS r"""return `${a}!`;""";\nSELECT f(x) FROM ds.t'),
    ],
)  # fmt: skip
def test_templates_inside_strings_and_comments_are_text(dialect: str, sql: str) -> None:
    assert unrendered_templates(sql, dialect) == ()
    assert relations_in_sql(sql, dialect, "g", "ds") == relations_in_sql(
        "SELECT 1 FROM ds.t", dialect, "g", "ds"
    )


# --- hardening: BigQuery temporary functions and ML models are not tables -------------------

BQ = "bigquery_standard_sql"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TEMP FUNCTION clean(x STRING) AS (LOWER(TRIM(x)));\n"
         "SELECT clean(name) FROM ds.users", ("p.ds.users",)),
        ("CREATE TEMPORARY FUNCTION ds.js_len(x STRING) RETURNS INT64 LANGUAGE js AS "
         "'''return x.length;''';\nSELECT ds.js_len(name) FROM ds.users", ("p.ds.users",)),
        # a SQL function reading a table: the table counts, the function does not
        ("CREATE TEMP FUNCTION max_id() AS ((SELECT MAX(id) FROM ds.orders));\n"
         "SELECT * FROM ds.users WHERE id < max_id()", ("p.ds.orders", "p.ds.users")),
        ("CREATE TEMP FUNCTION users(x INT64) AS (x); SELECT users(1) FROM ds.users",
         ("p.ds.users",)),
        # ML.*: the model is not a table; what it is applied to is
        ("SELECT * FROM ML.PREDICT(MODEL `p.ml.churn`, (SELECT * FROM ds.users))",
         ("p.ds.users",)),
        ("SELECT * FROM ML.PREDICT(MODEL ml.churn, TABLE ds.users)", ("p.ds.users",)),
        ("SELECT * FROM ml.EVALUATE(MODEL ml.churn, (SELECT * FROM ds.test_users))",
         ("p.ds.test_users",)),
        ("SELECT * FROM ML.EVALUATE(MODEL ml.churn)", ()),
        ("SELECT * FROM ml.ROC_CURVE(\n  MODEL ml.churn,\n  (SELECT * FROM ds.test_users))",
         ("p.ds.test_users",)),
        ("SELECT * FROM ml.TRAINING_INFO(MODEL ml.churn)", ()),
        ("SELECT * FROM ML.WEIGHTS(MODEL ml.churn, STRUCT(true AS standardize))", ()),
        ("SELECT * FROM ML.CONFUSION_MATRIX(MODEL ml.churn, TABLE ds.test_users, 0.55)",
         ("p.ds.test_users",)),
        ("SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.km, STRUCT(0.02 AS contamination), "
         "TABLE ds.events)", ("p.ds.events",)),
        ("SELECT * FROM ML.FORECAST(MODEL ml.sales, STRUCT(30 AS horizon))", ()),
        ("SELECT u.id, p.predicted_churn FROM ds.users AS u JOIN ML.PREDICT(MODEL ml.churn, "
         "(SELECT * FROM ds.features)) AS p USING (id)", ("p.ds.users", "p.ds.features")),
        # a function of one's own that shares an ML name stays a function call
        ("SELECT evaluate(a, b) FROM ds.t", ("p.ds.t",)),
        # the PDT Looker builds as a model: its training data counts
        ("CREATE OR REPLACE MODEL looker_scratch.LR_1AB23_churn OPTIONS(model_type='logistic_reg')"
         " AS SELECT * FROM ds.train;\n"
         "SELECT * FROM ML.EVALUATE(MODEL looker_scratch.LR_1AB23_churn, TABLE ds.test_users)",
         ("p.ds.train", "p.ds.test_users")),
    ],
)  # fmt: skip
def test_bigquery_functions_and_models_are_not_tables(sql: str, expected: tuple[str, ...]) -> None:
    assert relations_in_sql(sql, BQ, "p", "ds") == rels(*expected)


def test_bigquery_ml_models_are_reported_apart() -> None:
    sql = "SELECT * FROM ML.PREDICT(MODEL `p.ml.churn`, TABLE ds.users)"
    reads = reads_in_sql(sql, BQ, "p", "ds")
    assert (reads.tables, reads.models) == (rels("p.ds.users"), rels("p.ml.churn"))


# --- a row's own array or SUPER value in FROM is not a table --------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        (BQ, "SELECT * FROM ds.sessions AS s, s.hits AS h", ("p.ds.sessions",)),
        (BQ, "SELECT * FROM ds.sessions AS s LEFT JOIN s.hits AS h",
         ("p.ds.sessions",)),
        (BQ, "SELECT s.id, (SELECT COUNT(*) FROM s.hits WHERE hits.isInteraction) "
         "FROM ds.sessions AS s", ("p.ds.sessions",)),
        (BQ, "SELECT * FROM ds.sessions JOIN sessions.hits AS h ON true",
         ("p.ds.sessions",)),
        ("redshift", "SELECT o.total FROM sales.customers AS c LEFT JOIN c.orders AS o ON true",
         ("p.sales.customers",)),
        ("redshift", "SELECT * FROM sales.customers c, c.orders o, o.items i",
         ("p.sales.customers",)),
        # a schema that no table of the query is called stays a schema
        (BQ, "SELECT * FROM ds.sessions AS s JOIN ds.users AS u ON true",
         ("p.ds.sessions", "p.ds.users")),
        ("redshift", "SELECT * FROM sales.customers AS c JOIN sales.orders AS o ON true",
         ("p.sales.customers", "p.sales.orders")),
        (BQ, "SELECT (SELECT MAX(x) FROM other.t) FROM ds.sessions AS s",
         ("p.other.t", "p.ds.sessions")),
        # an alias names only what comes after it: a table left of it is schema `stripe`'s
        (BQ, "SELECT * FROM stripe.customers AS c JOIN stripe.charges AS stripe ON true",
         ("p.stripe.customers", "p.stripe.charges")),
        ("redshift", "SELECT * FROM s.a AS x JOIN x.b AS y ON true JOIN y.c AS z ON true",
         ("p.s.a",)),
        # Postgres has no such paths: `c.orders` there is schema c's table
        ("postgres", "SELECT * FROM sales.customers AS c JOIN c.orders AS o ON true",
         ("p.sales.customers", "p.c.orders")),
    ],
)  # fmt: skip
def test_a_rows_array_in_from_is_not_a_table(
    dialect: str, sql: str, expected: tuple[str, ...]
) -> None:
    assert relations_in_sql(sql, dialect, "p", "ds") == rels(*expected)


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        # the public BigQuery information-schema block's default for BILLING_PROJECT_ID is " "
        (BQ, "SELECT * FROM ` .region-us.INFORMATION_SCHEMA.CAPACITY_COMMITMENTS_BY_PROJECT`"),
        (BQ, "SELECT * FROM ``.ds.t"),
        ("snowflake", 'SELECT * FROM "".RAW.ORDERS'),
        ("postgres", 'SELECT * FROM raw." "'),
        ("redshift", 'SELECT * FROM "  ".orders JOIN raw.users ON true'),
    ],
)
def test_a_table_name_with_a_blank_part_is_no_table(dialect: str, sql: str) -> None:
    """A constant or user attribute rendered blank: refused, never a made-up or dropped table."""
    with pytest.raises(SqlParseError, match="has a blank part"):
        relations_in_sql(sql, dialect, "g", "s")
