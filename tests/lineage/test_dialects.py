"""Looker dialect names -> sqlglot dialects and case rules (PRODUCT.md lineage case 2)."""

from __future__ import annotations

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.lineage.dialects import CaseRule, SqlDialect, as_dialect, get_dialect


@pytest.mark.parametrize(
    ("looker", "sqlglot", "case"),
    [
        ("snowflake", "snowflake", CaseRule.UPPER),
        ("bigquery_standard_sql", "bigquery", CaseRule.KEEP),
        ("bigquery", "bigquery", CaseRule.KEEP),
        ("postgres", "postgres", CaseRule.LOWER),
        ("redshift", "redshift", CaseRule.LOWER),
        ("duckdb", "duckdb", CaseRule.LOWER),
        ("mysql", "mysql", CaseRule.KEEP),
        ("databricks", "databricks", CaseRule.INSENSITIVE),
        ("spark", "spark", CaseRule.INSENSITIVE),
        ("trino", "trino", CaseRule.INSENSITIVE),
        ("presto", "presto", CaseRule.INSENSITIVE),
        ("athena", "athena", CaseRule.INSENSITIVE),
        ("mssql", "tsql", CaseRule.INSENSITIVE),
        ("azure_sql_dw", "tsql", CaseRule.INSENSITIVE),
        ("oracle", "oracle", CaseRule.UPPER),
        ("clickhouse", "clickhouse", CaseRule.KEEP),
    ],
)
def test_looker_dialects(looker: str, sqlglot: str, case: CaseRule) -> None:
    assert get_dialect(looker) == SqlDialect(looker, sqlglot, case)


def test_names_are_matched_without_case_or_spaces() -> None:
    assert get_dialect(" Snowflake ") == get_dialect("snowflake")


@pytest.mark.parametrize(
    ("name", "case"),
    [("tsql", CaseRule.INSENSITIVE), ("materialize", CaseRule.LOWER), ("exasol", CaseRule.UPPER)],
)
def test_sqlglot_names_follow_sqlglot_normalization(name: str, case: CaseRule) -> None:
    assert get_dialect(name) == SqlDialect(name, name, case)


@pytest.mark.parametrize(
    ("dialect", "unquoted", "quoted"),
    [
        ("snowflake", "FACT_ORDERS", "Fact_Orders"),
        ("postgres", "fact_orders", "Fact_Orders"),
        ("redshift", "fact_orders", "Fact_Orders"),
        ("duckdb", "fact_orders", "Fact_Orders"),
        ("bigquery_standard_sql", "Fact_Orders", "Fact_Orders"),
        ("mysql", "Fact_Orders", "Fact_Orders"),
        ("databricks", "fact_orders", "fact_orders"),
        ("mssql", "fact_orders", "fact_orders"),
        ("oracle", "FACT_ORDERS", "Fact_Orders"),
    ],
)
def test_fold(dialect: str, unquoted: str, quoted: str) -> None:
    assert get_dialect(dialect).fold("Fact_Orders") == unquoted
    assert get_dialect(dialect).fold("Fact_Orders", quoted=True) == quoted


def test_unknown_dialect_names_it_and_the_config_key() -> None:
    with pytest.raises(BadInputError) as err:
        get_dialect("frobnicate_db", "warehouse")
    assert "'frobnicate_db'" in str(err.value)
    assert "connections.warehouse.dialect" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_missing_dialect_names_the_config_key(missing: str | None) -> None:
    with pytest.raises(BadInputError, match=r"no SQL dialect.*connections\.dwh\.dialect"):
        get_dialect(missing, "dwh")


def test_unknown_dialect_without_connection_names_the_key_pattern() -> None:
    with pytest.raises(BadInputError, match=r"connections\.<name>\.dialect"):
        get_dialect("frobnicate_db")


def test_as_dialect_accepts_names_and_dialects() -> None:
    snowflake = get_dialect("snowflake")
    assert as_dialect("snowflake") == snowflake
    assert as_dialect(snowflake) is snowflake
