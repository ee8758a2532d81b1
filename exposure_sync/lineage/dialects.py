"""Looker dialects: which sqlglot dialect parses their SQL, and how they fold identifier case.

A relation must be named the way the warehouse stores it, so that Looker's `orders` and dbt's
`"ORDERS"` meet on Snowflake. Both sides of a comparison fold with the same `SqlDialect.fold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlglot.dialects.dialect import Dialect, NormalizationStrategy

from exposure_sync.errors import BadInputError


class CaseRule(Enum):
    UPPER = "upper"  # unquoted -> UPPER, quoted kept (Snowflake, Oracle)
    LOWER = "lower"  # unquoted -> lower, quoted kept (Postgres, Redshift, DuckDB)
    KEEP = "keep"  # names are case-sensitive as written (BigQuery, MySQL on Linux)
    INSENSITIVE = "insensitive"  # the catalog stores lower case whatever the quoting


@dataclass(frozen=True)
class SqlDialect:
    name: str  # as Looker (or the configuration) names it
    sqlglot: str  # sqlglot's `read=` name
    case: CaseRule

    @property
    def default_schema(self) -> str | None:
        """The schema the warehouse reads an unqualified name from when the connection names
        none (its default search path), as the warehouse stores it; None: no such default."""
        return DEFAULT_SCHEMAS.get(self.sqlglot)

    def is_catalog_table(self, name: str) -> bool:
        """A system table that an unqualified name reaches in `pg_catalog`, which Postgres and
        Redshift search before any schema of the search path (pg_class, Redshift's stl_query,
        svv_table_info, ..)."""
        prefixes = CATALOG_TABLE_PREFIXES.get(self.sqlglot, ())
        return name.lower().startswith(prefixes) if prefixes else False

    def fold(self, identifier: str, quoted: bool = False) -> str:
        """The name the warehouse stores for `identifier` (as written, quoted or not)."""
        if self.case is CaseRule.INSENSITIVE:
            return identifier.lower()
        if quoted or self.case is CaseRule.KEEP:
            return identifier
        return identifier.upper() if self.case is CaseRule.UPPER else identifier.lower()


_U, _L, _K, _I = CaseRule.UPPER, CaseRule.LOWER, CaseRule.KEEP, CaseRule.INSENSITIVE

# Looker's dialect_name -> (sqlglot dialect, case rule). Several Looker names share an engine.
LOOKER_DIALECTS: dict[str, tuple[str, CaseRule]] = {
    "snowflake": ("snowflake", _U),
    # BigQuery dataset and table names are case-sensitive; project ids are lower case anyway.
    "bigquery_standard_sql": ("bigquery", _K),
    "bigquery": ("bigquery", _K),  # legacy SQL: only sql_table_name `[project:dataset.table]`
    "bigquery_legacy_sql": ("bigquery", _K),
    "postgres": ("postgres", _L),
    "greenplum": ("postgres", _L),
    "alloydb": ("postgres", _L),
    "google_cloud_postgres": ("postgres", _L),
    "materialize": ("materialize", _L),
    "redshift": ("redshift", _L),
    "duckdb": ("duckdb", _L),
    "motherduck": ("duckdb", _L),
    "mysql": ("mysql", _K),
    "mariadb": ("mysql", _K),
    "memsql": ("singlestore", _K),
    "singlestore": ("singlestore", _K),
    "clickhouse": ("clickhouse", _K),
    "druid": ("druid", _K),
    "starrocks": ("starrocks", _K),
    # Spark/Hive metastores, Unity Catalog, Glue and Trino store every name in lower case.
    "databricks": ("databricks", _I),
    "spark": ("spark", _I),
    "spark3": ("spark", _I),
    "hive": ("hive", _I),
    "hive2": ("hive", _I),
    "impala": ("hive", _I),
    "athena": ("athena", _I),
    "presto": ("presto", _I),
    "prestodb": ("presto", _I),
    "prestosql": ("trino", _I),
    "trino": ("trino", _I),
    "starburst": ("trino", _I),
    # SQL Server's default collation is case-insensitive.
    "mssql": ("tsql", _I),
    "mssql_2008": ("tsql", _I),
    "azure_sql_dw": ("tsql", _I),
    "synapse": ("tsql", _I),
    "fabric": ("fabric", _I),
    "oracle": ("oracle", _U),
    "oracle_adwc": ("oracle", _U),
    "exasol": ("exasol", _U),
    "db2": ("", _U),
    "sap_hana": ("", _U),
    "teradata": ("teradata", _I),
    "vertica": ("postgres", _I),
    "dremio": ("dremio", _I),
    "sqlite": ("sqlite", _I),
}

# The schema an unqualified name resolves to on a connection that names none: Postgres and
# Redshift search `public` (after "$user", which a service account rarely has), DuckDB `main`,
# Snowflake `PUBLIC` (the current schema after USE DATABASE), SQL Server `dbo`, Spark `default`.
DEFAULT_SCHEMAS: dict[str, str] = {
    "postgres": "public",
    "redshift": "public",
    "materialize": "public",
    "duckdb": "main",
    "snowflake": "PUBLIC",
    "tsql": "dbo",
    "fabric": "dbo",
    "databricks": "default",
    "spark": "default",
    "hive": "default",
}

# System tables living in pg_catalog, by name (Redshift: STL/STV/SVL/SVV/SVCS/SYS views)
CATALOG_TABLE_PREFIXES: dict[str, tuple[str, ...]] = {
    "postgres": ("pg_",),
    "redshift": ("pg_", "stl_", "stv_", "svl_", "svv_", "svcs_", "sys_"),
}

# For a sqlglot dialect name given in the configuration, follow sqlglot's own case rule.
_FROM_SQLGLOT = {
    NormalizationStrategy.UPPERCASE: _U,
    NormalizationStrategy.LOWERCASE: _L,
    NormalizationStrategy.CASE_SENSITIVE: _K,
    NormalizationStrategy.CASE_INSENSITIVE: _I,
    NormalizationStrategy.CASE_INSENSITIVE_UPPERCASE: _U,
}


def get_dialect(name: str | None, connection: str | None = None) -> SqlDialect:
    """The dialect for a Looker dialect_name (or a sqlglot dialect name from the configuration).

    Raises BadInputError naming the config key to set when the dialect is unknown or missing.
    """
    key = (name or "").strip().lower()
    if key in LOOKER_DIALECTS:
        sqlglot_name, case = LOOKER_DIALECTS[key]
        return SqlDialect(key, sqlglot_name, case)
    if key:
        try:
            strategy = Dialect.get_or_raise(key).NORMALIZATION_STRATEGY
        except ValueError:
            pass  # not a sqlglot name either
        else:
            return SqlDialect(key, key, _FROM_SQLGLOT.get(strategy, _K))
    raise UnknownDialectError(_unknown_dialect_message(name, connection))


class UnknownDialectError(BadInputError):
    """No dialect exposure-sync knows by that name (or none at all)."""


def _unknown_dialect_message(name: str | None, connection: str | None) -> str:
    what = f"unknown SQL dialect {name!r}" if name and name.strip() else "no SQL dialect"
    where = f" for Looker connection {connection!r}" if connection else ""
    key = f"connections.{connection or '<name>'}.dialect"
    return (
        f"{what}{where}: set {key} in the configuration to a Looker dialect "
        f"(e.g. snowflake, bigquery_standard_sql, postgres, redshift, duckdb) or a sqlglot dialect"
    )


def as_dialect(dialect: str | SqlDialect) -> SqlDialect:
    """Accept either a dialect name or an already resolved SqlDialect."""
    return dialect if isinstance(dialect, SqlDialect) else get_dialect(dialect)
