"""A dbt manifest.json (schema v12, DuckDB) that builds the tables a synthetic instance reads.

The synthetic LookML (exposure_sync/looker/emulator/synthetic.py) reads `analytics.fact_<i>` for
each of its explores and `analytics.dim_<j>` for max(3, explores // 2) dimension views; its
derived tables select from the fact tables. Here the fact tables are models and the dimension
tables alternate between seeds and sources, each with a staging model and a source table behind
it, so the relation index holds several nodes per table name as a real project does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROJECT = "synthetic"
DATABASE = "bench"
SCHEMA = "analytics"
SCHEMA_URL = "https://schemas.getdbt.com/dbt/manifest/v12.json"


def synthetic_tables(explores: int) -> list[str]:
    """The table names the synthetic instance with `explores` explores reads, in `analytics`."""
    dims = max(3, explores // 2)  # as synthetic._lookml
    return [f"fact_{i}" for i in range(explores)] + [f"dim_{j}" for j in range(dims)]


def synthetic_manifest(explores: int) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for n, table in enumerate(synthetic_tables(explores)):
        # what the warehouse table is built from: a raw source and a staging model
        raw = _source("raw", table, schema="raw")
        sources[raw["unique_id"]] = raw
        staging = _model(
            f"stg_{table}",
            schema="staging",
            sql=f"select * from {{{{ source('raw', '{table}') }}}}",
        )
        nodes[staging["unique_id"]] = staging
        if table.startswith("fact_") or n % 2 == 0:
            node = _model(table, schema=SCHEMA, sql=f"select * from {{{{ ref('stg_{table}') }}}}")
        else:
            node = _seed(table)
        nodes[node["unique_id"]] = node
    return {
        "metadata": {
            "dbt_schema_version": SCHEMA_URL,
            "dbt_version": "1.9.0",
            "project_name": PROJECT,
            "adapter_type": "duckdb",
        },
        "nodes": nodes,
        "sources": sources,
        "exposures": {},
        "disabled": {},
    }


def write_synthetic_manifest(explores: int, path: Path) -> Path:
    path.write_text(json.dumps(synthetic_manifest(explores)), encoding="utf-8")
    return path


def _relation(schema: str, name: str) -> str:
    return f'"{DATABASE}"."{schema}"."{name}"'


def _model(name: str, schema: str, sql: str) -> dict[str, Any]:
    return {
        "unique_id": f"model.{PROJECT}.{name}",
        "resource_type": "model",
        "package_name": PROJECT,
        "name": name,
        "database": DATABASE,
        "schema": schema,
        "alias": name,
        "relation_name": _relation(schema, name),
        "raw_code": sql,
        "config": {"enabled": True, "materialized": "table"},
    }


def _seed(name: str) -> dict[str, Any]:
    return {
        "unique_id": f"seed.{PROJECT}.{name}",
        "resource_type": "seed",
        "package_name": PROJECT,
        "name": name,
        "database": DATABASE,
        "schema": SCHEMA,
        "alias": name,
        "relation_name": _relation(SCHEMA, name),
        "config": {"enabled": True, "materialized": "seed"},
    }


def _source(source_name: str, name: str, schema: str) -> dict[str, Any]:
    return {
        "unique_id": f"source.{PROJECT}.{source_name}.{name}",
        "resource_type": "source",
        "package_name": PROJECT,
        "source_name": source_name,
        "name": name,
        "database": DATABASE,
        "schema": schema,
        "identifier": name,
        "relation_name": _relation(schema, name),
        "config": {"enabled": True},
    }
