"""RelationIndex: warehouse relations -> dbt nodes (PRODUCT.md lineage cases 7, 8 and 9)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.models import DbtNode, Manifest
from exposure_sync.errors import BadInputError
from exposure_sync.lineage.match import MatchResult, RelationIndex
from exposure_sync.lineage.relation import Relation

JAFFLE = Path(__file__).resolve().parents[1] / "fixtures" / "dbt-manifests"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


def manifest(name: str) -> Manifest:
    return load_manifest(FIXTURES / name)


def matched(
    index: RelationIndex, database: str | None, schema: str | None, name: str
) -> str | None:
    result = index.lookup(Relation(database, schema, name))
    assert not result.ambiguous
    return result.node.unique_id if result.node else None


def ambiguous(
    index: RelationIndex, database: str | None, schema: str | None, name: str
) -> list[str]:
    result = index.lookup(Relation(database, schema, name))
    assert result.node is None
    return [node.unique_id for node in result.ambiguous]


@pytest.fixture(scope="module")
def edge() -> Manifest:
    return manifest("v12_duckdb_edge_cases.json")


@pytest.fixture(scope="module")
def duckdb(edge: Manifest) -> RelationIndex:
    return RelationIndex.build(edge, "duckdb")


@pytest.fixture(scope="module")
def snowflake() -> RelationIndex:
    return RelationIndex.build(manifest("v12_snowflake.json"), "snowflake")


# -- case 7: which nodes, which relation --------------------------------------------------


def test_models_seeds_snapshots_sources(duckdb: RelationIndex) -> None:
    assert matched(duckdb, "shop", "dbt_anique_marts", "customers") == "model.shop.customers"
    assert matched(duckdb, "shop", "dbt_anique_raw", "customers") == "seed.shop.raw_customers"
    assert matched(duckdb, "shop", "snapshots", "customers_snapshot") == (
        "snapshot.shop.customers_snapshot"
    )
    assert matched(duckdb, "shop", "dbt_anique", "audit_log") == "model.audit.audit_log"
    # sources match by identifier, not by their name
    assert matched(duckdb, "shop", "raw", "raw_users") == "source.shop.greenery.users"
    assert matched(duckdb, "shop", "raw", "users") is None


def test_versioned_models_map_to_their_version(duckdb: RelationIndex) -> None:
    assert matched(duckdb, "shop", "dbt_anique_marts", "dim_customers_v1") == (
        "model.shop.dim_customers.v1"
    )
    assert matched(duckdb, "shop", "dbt_anique_marts", "dim_customers_v2") == (
        "model.shop.dim_customers.v2"
    )
    assert matched(duckdb, None, None, "fversioned_v2_0") == "model.shop.fversioned.v2.0"
    assert matched(duckdb, "shop", "dbt_anique_marts", "dim_customers") is None


def test_ephemeral_and_disabled_never_match(duckdb: RelationIndex) -> None:
    assert matched(duckdb, "shop", "dbt_anique_marts", "eph_orders") is None
    assert matched(duckdb, "shop", "dbt_anique_marts", "old_orders") is None  # disabled model
    assert matched(duckdb, "shop", "legacy", "spend") is None  # disabled source
    assert matched(duckdb, None, None, "old_orders") is None


def test_disabled_in_v4_bigquery_never_matches() -> None:
    index = RelationIndex.build(load_manifest(JAFFLE / "jaffle_shop_v4_dbt-1.0_bigquery.json"))
    assert matched(index, "your-gcp-project", "jaffle_shop", "customers") is None
    assert matched(index, "your-gcp-project", "jaffle_shop", "orders") == "model.jaffle_shop.orders"


def test_same_identifier_in_two_schemas_told_apart(duckdb: RelationIndex) -> None:
    assert matched(duckdb, None, "dbt_anique_marts", "customers") == "model.shop.customers"
    assert matched(duckdb, None, "dbt_anique_raw", "customers") == "seed.shop.raw_customers"
    assert ambiguous(duckdb, None, None, "customers") == [
        "model.shop.customers",
        "seed.shop.raw_customers",
        "source.shop.seeds_as_source.customers_raw",
    ]
    assert matched(duckdb, None, "elsewhere", "customers") is None


def test_same_schema_and_name_in_two_databases(snowflake: RelationIndex) -> None:
    assert matched(snowflake, "ANALYTICS", "DBT_ANIQUE", "FACT_ORDERS") == "model.acme.fact_orders"
    assert matched(snowflake, "ARCHIVE", "DBT_ANIQUE", "FACT_ORDERS") == (
        "model.acme.fact_orders_archive"
    )
    assert ambiguous(snowflake, None, "DBT_ANIQUE", "FACT_ORDERS") == [
        "model.acme.fact_orders",
        "model.acme.fact_orders_archive",
    ]


def test_missing_parts_match_only_when_unique(duckdb: RelationIndex) -> None:
    assert matched(duckdb, None, "dbt_anique_marts", "dim_customers_v1") == (
        "model.shop.dim_customers.v1"
    )
    assert matched(duckdb, "shop", None, "audit_log") == "model.audit.audit_log"
    assert matched(duckdb, None, None, "audit_log") == "model.audit.audit_log"
    assert matched(duckdb, "other_db", None, "audit_log") is None


def test_the_node_that_builds_a_relation_wins_over_a_source_on_it(duckdb: RelationIndex) -> None:
    # seed raw_customers (alias customers) and source seeds_as_source.customers_raw: one table
    assert matched(duckdb, "shop", "dbt_anique_raw", "customers") == "seed.shop.raw_customers"


def test_two_sources_on_one_table_are_ambiguous(snowflake: RelationIndex) -> None:
    assert ambiguous(snowflake, "RAW", "GREENERY", "EVENTS") == [
        "source.acme.greenery.events",
        "source.acme.tracking.events",
    ]
    assert matched(snowflake, "RAW", "GREENERY", "USERS") == "source.acme.greenery.users"


def test_relations_dbt_does_not_build(duckdb: RelationIndex) -> None:
    assert duckdb.lookup(Relation("shop", "legacy", "marketing_spend")) == MatchResult(None)


def test_jaffle_shop_v12_duckdb_seed_and_source_on_one_table() -> None:
    index = RelationIndex.build(load_manifest(JAFFLE / "jaffle_shop_v12_dbt-1.11.json"))
    assert matched(index, "jaffle_shop", "raw", "raw_customers") == "seed.jaffle_shop.raw_customers"
    assert matched(index, "jaffle_shop", "main", "customers") == "model.jaffle_shop.customers"


def test_package_models_on_bigquery() -> None:
    index = RelationIndex.build(
        load_manifest(JAFFLE / "jaffle_shop_v12_dbt-1.8.json"), "bigquery_standard_sql"
    )
    assert matched(index, "your-project", "jaffle_shop", "metadata") == "model.elementary.metadata"


# -- case 2 on the dbt side: case folding per dialect ----------------------------------------


def test_snowflake_folds_unquoted_dbt_names_to_upper(snowflake: RelationIndex) -> None:
    assert matched(snowflake, "ANALYTICS", "DBT_ANIQUE", "FACT_ORDERS") == "model.acme.fact_orders"
    # Looker's "analytics"."dbt_anique"."fact_orders" (quoted lower) is another table
    assert matched(snowflake, "analytics", "dbt_anique", "fact_orders") is None


def test_snowflake_quoted_dbt_name_keeps_its_case(snowflake: RelationIndex) -> None:
    assert matched(snowflake, "ANALYTICS", "DBT_ANIQUE", "MixedCase") == "model.acme.mixed_case"
    assert matched(snowflake, "ANALYTICS", "DBT_ANIQUE", "MIXEDCASE") is None


def test_snowflake_without_relation_name_folds_the_fields() -> None:
    index = RelationIndex.build(manifest("v5_snowflake_packages.json"))  # adapter: snowflake
    assert index.dialect.name == "snowflake"
    assert matched(index, "ANALYTICS", "PROD", "ORDERS") == "model.acme.orders"
    assert matched(index, "analytics", "prod", "orders") is None
    assert matched(index, None, None, "NOT_NULL_ORDERS_ID") is None  # tests are not relations


def test_duckdb_compares_without_case(duckdb: RelationIndex) -> None:
    # dbt quoted "Customers_Legacy"; DuckDB finds it whatever the case
    assert matched(duckdb, "shop", "dbt_anique_legacy", "customers_legacy") == (
        "model.shop.customers_legacy"
    )
    assert matched(duckdb, "SHOP", "DBT_ANIQUE_LEGACY", "Customers_Legacy") == (
        "model.shop.customers_legacy"
    )


def test_postgres_quoted_dbt_name_keeps_its_case(edge: Manifest) -> None:
    index = RelationIndex.build(edge, "postgres")
    assert matched(index, "shop", "dbt_anique_legacy", "Customers_Legacy") == (
        "model.shop.customers_legacy"
    )
    assert matched(index, "shop", "dbt_anique_legacy", "customers_legacy") is None
    assert matched(index, "shop", "dbt_anique_marts", "customers") == "model.shop.customers"
    assert matched(index, "shop", "dbt_anique_marts", "CUSTOMERS") is None


def test_redshift_compares_without_case(edge: Manifest) -> None:
    index = RelationIndex.build(edge, "redshift")
    assert matched(index, "shop", "dbt_anique_marts", "CUSTOMERS") == "model.shop.customers"


def test_bigquery_project_is_case_insensitive_dataset_and_table_are_not() -> None:
    index = RelationIndex.build(
        load_manifest(JAFFLE / "jaffle_shop_v4_dbt-1.0_bigquery.json"), "bigquery_standard_sql"
    )
    assert matched(index, "YOUR-GCP-PROJECT", "jaffle_shop", "orders") == "model.jaffle_shop.orders"
    assert matched(index, "your-gcp-project", "Jaffle_Shop", "orders") is None
    assert matched(index, "your-gcp-project", "jaffle_shop", "Orders") is None
    assert matched(index, None, "jaffle_shop", "raw_orders") == "seed.jaffle_shop.raw_orders"


def test_relation_name_forms() -> None:
    base = DbtNode(
        unique_id="model.p.t",
        resource_type="model",
        package_name="p",
        name="t",
        database="proj",
        schema="ds",
        identifier="t",
    )
    cases = {
        "`proj.ds.T`": ("bigquery", Relation("proj", "ds", "T")),  # one quoted name
        '"db"."Sch""ema".t': ("postgres", Relation("db", 'Sch"ema', "t")),  # doubled quote
        "`ds`.`t`": ("databricks", Relation("proj", "ds", "t")),  # no database part
        '"unbalanced.t': ("postgres", Relation("proj", "ds", "t")),  # odd: use the fields
    }
    for relation_name, (dialect, relation) in cases.items():
        node = replace(base, relation_name=relation_name)
        index = RelationIndex.build(Manifest("p", None, 12, [node]), dialect)
        assert index.lookup(relation).node == node, relation_name


def test_node_without_database_matches_any_database() -> None:
    node = DbtNode("model.p.t", "model", "p", "t", None, "ds", "t", relation_name="`ds`.`t`")
    index = RelationIndex.build(Manifest("p", "databricks", 12, [node]))
    assert index.lookup(Relation("hive_metastore", "ds", "t")).node == node
    assert index.lookup(Relation("hive_metastore", "other", "t")).node is None


def test_full_match_outranks_a_node_without_database() -> None:
    full = DbtNode("model.p.a", "model", "p", "a", "db", "ds", "t")
    partial = DbtNode("model.p.b", "model", "p", "b", None, "ds", "t")
    index = RelationIndex.build(Manifest("p", "postgres", 12, [full, partial]))
    assert index.lookup(Relation("db", "ds", "t")).node == full
    assert index.lookup(Relation("other", "ds", "t")).node == partial


def test_unknown_dialect_is_a_bad_input(edge: Manifest) -> None:
    with pytest.raises(BadInputError, match="dialect"):
        RelationIndex.build(edge, "no_such_dialect")


def test_dialect_defaults_to_the_manifest_adapter(edge: Manifest) -> None:
    assert RelationIndex.build(edge).dialect.sqlglot == "duckdb"


# -- case 8: dev vs prod mapping -------------------------------------------------------------


def test_schema_map_bridges_production_to_development(edge: Manifest) -> None:
    index = RelationIndex.build(edge, "duckdb", schema_map={"analytics": "dbt_anique_marts"})
    assert matched(index, "shop", "analytics", "customers") == "model.shop.customers"
    assert matched(index, None, "analytics", "dim_customers_v2") == "model.shop.dim_customers.v2"
    # unmapped schemas are untouched; the unmapped name still works (a production manifest)
    assert matched(index, "shop", "raw", "raw_users") == "source.shop.greenery.users"
    assert matched(index, "shop", "dbt_anique_marts", "customers") == "model.shop.customers"


def test_snowflake_maps_fold_like_identifiers() -> None:
    index = RelationIndex.build(
        manifest("v12_snowflake.json"),
        "snowflake",
        database_map={"prod_db": "analytics"},
        schema_map={"analytics": "dbt_anique", '"Reporting"': "dbt_anique"},
    )
    assert matched(index, "ANALYTICS", "ANALYTICS", "FACT_ORDERS") == "model.acme.fact_orders"
    assert matched(index, "PROD_DB", "ANALYTICS", "FACT_ORDERS") == "model.acme.fact_orders"
    assert matched(index, "ANALYTICS", "Reporting", "FACT_ORDERS") == "model.acme.fact_orders"
    assert matched(index, "ANALYTICS", "REPORTING", "FACT_ORDERS") is None


def test_mapping_that_is_ambiguous_does_not_fall_back() -> None:
    index = RelationIndex.build(
        manifest("v12_snowflake.json"), "snowflake", schema_map={"prod": "dbt_anique"}
    )
    assert len(index.lookup(Relation(None, "PROD", "FACT_ORDERS")).ambiguous) == 2


def test_one_config_serves_a_production_manifest_too() -> None:
    # the config maps production ANALYTICS to a developer schema, but this manifest was built
    # in production: the mapped name finds nothing, the name Looker uses does
    index = RelationIndex.build(
        manifest("v12_snowflake.json"), "snowflake", schema_map={"dbt_anique": "dbt_someone"}
    )
    assert matched(index, "ANALYTICS", "DBT_ANIQUE", "FACT_ORDERS") == "model.acme.fact_orders"
