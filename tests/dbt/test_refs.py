"""node_reference: the depends_on strings dbt resolves (checked against dbt 1.11 by hand)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.models import DbtNode
from exposure_sync.dbt.refs import node_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


@pytest.fixture(scope="module")
def nodes() -> dict[str, DbtNode]:
    manifest = load_manifest(FIXTURES / "v12_duckdb_edge_cases.json")
    assert manifest.project_name == "shop"
    return {node.unique_id: node for node in manifest.nodes}


@pytest.mark.parametrize(
    ("unique_id", "expected"),
    [
        ("model.shop.customers", "ref('customers')"),
        ("seed.shop.raw_customers", "ref('raw_customers')"),  # the name, not the alias
        ("snapshot.shop.customers_snapshot", "ref('customers_snapshot')"),
        ("model.audit.audit_log", "ref('audit', 'audit_log')"),
        ("model.shop.dim_customers.v1", "ref('dim_customers', v=1)"),
        ("model.shop.dim_customers.v2", "ref('dim_customers', v=2)"),  # latest: still pinned
        ("model.shop.fversioned.v2.0", "ref('fversioned', v='2.0')"),  # dbt looks up ".v2.0"
        ("model.shop.fversioned.v1.5", "ref('fversioned', v='1.5')"),
        ("model.shop.fversioned.vbeta", "ref('fversioned', v='beta')"),
        ("source.shop.greenery.users", "source('greenery', 'users')"),  # identifier is raw_users
        ("source.shop.seeds_as_source.customers_raw", "source('seeds_as_source', 'customers_raw')"),
    ],
)
def test_references(nodes: dict[str, DbtNode], unique_id: str, expected: str) -> None:
    assert node_reference(nodes[unique_id], "shop") == expected


def test_package_and_version_together(nodes: dict[str, DbtNode]) -> None:
    node = replace(nodes["model.shop.dim_customers.v2"], package_name="core")
    assert node_reference(node, "shop") == "ref('core', 'dim_customers', v=2)"


def test_sources_of_other_packages_have_no_package_argument(nodes: dict[str, DbtNode]) -> None:
    node = replace(nodes["source.shop.greenery.users"], package_name="audit")
    assert node_reference(node, "shop") == "source('greenery', 'users')"


def test_quotes_in_names_are_escaped(nodes: dict[str, DbtNode]) -> None:
    node = replace(nodes["model.shop.customers"], name="o'brien")
    assert node_reference(node, "shop") == "ref('o\\'brien')"
