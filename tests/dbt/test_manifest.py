"""load_manifest: the real jaffle_shop manifests (v4 to v12), small fixtures, bad files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.models import DbtNode, Manifest, properties_in_config
from exposure_sync.errors import EXIT_BAD_INPUT, BadInputError

JAFFLE = Path(__file__).resolve().parents[1] / "fixtures" / "dbt-manifests"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


# file -> (schema version, adapter, models, seeds, snapshots, sources, exposures, disabled),
# counted by hand in each JSON file
JAFFLE_SHOP = {
    "jaffle_shop_v4_dbt-1.0_bigquery.json": (4, "bigquery", 5, 3, 0, 0, 0, 1),
    "jaffle_shop_v7.json": (7, "bigquery", 5, 3, 0, 0, 0, 0),
    "jaffle_shop_v8_dbt-1.4.3.json": (8, "bigquery", 7, 3, 0, 0, 0, 0),
    "jaffle_shop_v10.json": (10, "bigquery", 6, 3, 0, 0, 0, 0),
    "jaffle_shop_v11.json": (11, "bigquery", 35, 3, 0, 0, 0, 0),
    "jaffle_shop_v12_dbt-1.8.json": (12, "bigquery", 36, 3, 0, 0, 0, 0),
    "jaffle_shop_v12_dbt-1.11.json": (12, "duckdb", 13, 7, 0, 6, 0, 0),
}


def by_id(manifest: Manifest) -> dict[str, DbtNode]:
    return {node.unique_id: node for node in manifest.nodes}


def counts(manifest: Manifest) -> tuple[int, ...]:
    enabled = Counter(node.resource_type for node in manifest.nodes if node.enabled)
    disabled = sum(not node.enabled for node in manifest.nodes)
    kinds = ("model", "seed", "snapshot", "source")
    return (*(enabled[kind] for kind in kinds), len(manifest.exposures), disabled)


# -- the real manifests -------------------------------------------------------------------


def test_every_shared_manifest_is_covered() -> None:
    assert sorted(path.name for path in JAFFLE.glob("*.json")) == sorted(JAFFLE_SHOP)


@pytest.mark.parametrize("name", sorted(JAFFLE_SHOP))
def test_jaffle_shop_counts(name: str) -> None:
    version, adapter, *expected = JAFFLE_SHOP[name]
    manifest = load_manifest(JAFFLE / name)
    assert manifest.project_name == "jaffle_shop"
    assert manifest.schema_version == version
    assert manifest.adapter_type == adapter
    assert counts(manifest) == tuple(expected)


@pytest.mark.parametrize("name", sorted(JAFFLE_SHOP))
def test_jaffle_shop_counts_match_an_independent_read(name: str) -> None:
    raw = json.loads((JAFFLE / name).read_text())
    kinds = Counter(node["resource_type"] for node in raw["nodes"].values())
    independent = (
        kinds["model"],
        kinds["seed"],
        kinds["snapshot"],
        len(raw["sources"]),
        len(raw["exposures"]),
        sum(len(entries) for entries in raw["disabled"].values()),
    )
    assert counts(load_manifest(JAFFLE / name)) == independent


@pytest.mark.parametrize("name", sorted(JAFFLE_SHOP))
def test_jaffle_shop_graph_matches_the_parent_map(name: str) -> None:
    """The DAG `impact` walks, from depends_on, is dbt's own parent_map (every version)."""
    raw = json.loads((JAFFLE / name).read_text())
    graph = load_manifest(JAFFLE / name).graph
    parents = {uid: set(node.depends_on) for uid, node in graph.items()}
    assert parents == {uid: set(found) for uid, found in raw["parent_map"].items()}
    tests = [node for node in graph.values() if node.resource_type == "test"]
    assert tests and any(node.depends_on for node in tests)
    models = [node for node in graph.values() if node.resource_type == "model"]
    assert all(node.checksum and len(node.checksum) == 64 for node in models)


def test_v4_bigquery_has_no_relation_name_and_no_project_name() -> None:
    path = JAFFLE / "jaffle_shop_v4_dbt-1.0_bigquery.json"
    assert "project_name" not in json.loads(path.read_text())["metadata"]
    nodes = by_id(load_manifest(path))
    orders = nodes["model.jaffle_shop.orders"]
    assert (orders.database, orders.schema, orders.identifier) == (
        "your-gcp-project",
        "jaffle_shop",
        "orders",
    )
    assert orders.relation_name is None
    assert orders.materialized == "table"
    assert orders.version is None and orders.latest_version is None
    assert nodes["seed.jaffle_shop.raw_orders"].materialized == "seed"
    customers = nodes["model.jaffle_shop.customers"]  # config(enabled=false): in `disabled`
    assert not customers.enabled


@pytest.mark.parametrize("name", ["jaffle_shop_v7.json", "jaffle_shop_v8_dbt-1.4.3.json"])
def test_project_name_derived_before_v10(name: str) -> None:
    assert "project_name" not in json.loads((JAFFLE / name).read_text())["metadata"]
    assert load_manifest(JAFFLE / name).project_name == "jaffle_shop"


def test_v12_duckdb_sources_and_seeds() -> None:
    nodes = by_id(load_manifest(JAFFLE / "jaffle_shop_v12_dbt-1.11.json"))
    source = nodes["source.jaffle_shop.ecom.raw_orders"]
    assert source.resource_type == "source"
    assert (source.source_name, source.name, source.identifier) == (
        "ecom",
        "raw_orders",
        "raw_orders",
    )
    assert source.relation_name == '"jaffle_shop"."raw"."raw_orders"'
    assert source.materialized is None
    seed = nodes["seed.jaffle_shop.raw_orders"]
    assert (seed.database, seed.schema, seed.identifier) == ("jaffle_shop", "raw", "raw_orders")
    assert "test" not in {node.resource_type for node in nodes.values()}


def test_package_nodes_keep_their_package() -> None:
    manifest = load_manifest(JAFFLE / "jaffle_shop_v11.json")
    packages = Counter(node.package_name for node in manifest.nodes)
    assert packages == {"jaffle_shop": 8, "elementary": 30}
    metadata = by_id(manifest)["model.elementary.metadata"]
    assert (metadata.schema, metadata.relation_name) == (
        "elementary",
        "`your-project`.`elementary`.`metadata`",
    )


def test_incremental_materialization_is_kept() -> None:
    manifest = load_manifest(JAFFLE / "jaffle_shop_v12_dbt-1.8.json")
    assert by_id(manifest)["model.jaffle_shop.daily_orders"].materialized == "incremental"


# -- small fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge() -> Manifest:
    return load_manifest(FIXTURES / "v12_duckdb_edge_cases.json")


def test_edge_fixture_counts(edge: Manifest) -> None:
    assert (edge.project_name, edge.adapter_type, edge.schema_version) == ("shop", "duckdb", 12)
    # models: customers, customers_legacy, eph_orders, audit_log, 2 + 3 versions
    assert counts(edge) == (9, 1, 1, 3, 2, 2)


def test_versioned_models(edge: Manifest) -> None:
    nodes = by_id(edge)
    v1, v2 = nodes["model.shop.dim_customers.v1"], nodes["model.shop.dim_customers.v2"]
    assert (v1.name, v1.version, v1.latest_version, v1.identifier) == (
        "dim_customers",
        "1",
        "2",
        "dim_customers_v1",
    )
    assert (v2.version, v2.latest_version) == ("2", "2")
    # dbt keeps the YAML spelling (its unique ids say .v2.0): so do we
    assert nodes["model.shop.fversioned.v2.0"].version == "2.0"
    assert nodes["model.shop.fversioned.v1.5"].latest_version == "2.0"
    assert nodes["model.shop.fversioned.vbeta"].version == "beta"
    assert nodes["model.shop.customers"].version is None


def test_ephemeral_and_disabled(edge: Manifest) -> None:
    nodes = by_id(edge)
    eph = nodes["model.shop.eph_orders"]
    assert (eph.materialized, eph.enabled, eph.relation_name) == ("ephemeral", True, None)
    old = nodes["model.shop.old_orders"]
    assert not old.enabled and old.resource_type == "model"
    spend = nodes["source.shop.old.spend"]
    assert not spend.enabled and spend.source_name == "old"


def test_identifier_is_alias_or_source_identifier(edge: Manifest) -> None:
    nodes = by_id(edge)
    seed = nodes["seed.shop.raw_customers"]
    assert (seed.name, seed.identifier, seed.schema) == (
        "raw_customers",
        "customers",
        "dbt_anique_raw",
    )
    users = nodes["source.shop.greenery.users"]
    assert (users.name, users.identifier) == ("users", "raw_users")
    legacy = nodes["model.shop.customers_legacy"]
    assert legacy.identifier == "Customers_Legacy"
    assert nodes["model.audit.audit_log"].package_name == "audit"
    assert nodes["snapshot.shop.customers_snapshot"].schema == "snapshots"


def test_exposures(edge: Manifest) -> None:
    exposures = {exposure.name: exposure for exposure in edge.exposures}
    kpis = exposures["weekly_kpis"]
    assert kpis.unique_id == "exposure.shop.weekly_kpis"
    assert kpis.url == "https://looker.example.com/dashboards/7"
    assert kpis.meta == {"looker_dashboard_id": "7"}
    assert kpis.tags == ("kpi",)
    assert kpis.original_file_path == "models/marts/schema.yml"
    assert (kpis.label, kpis.owner_name, kpis.owner_email) == (
        "Weekly KPIs",
        "Anique",
        "anique@example.com",
    )
    assert edge.graph[kpis.unique_id].depends_on == ("model.shop.customers",)
    generated = exposures["product_funnel_1"]
    assert generated.original_file_path == "models/exposures/looker_exposures.yml"
    assert generated.meta["looker"]["dashboard_id"] == "1"


def test_v5_project_name_from_project_id_not_from_node_counts() -> None:
    manifest = load_manifest(FIXTURES / "v5_snowflake_packages.json")
    assert manifest.project_name == "acme"  # elementary owns more nodes
    assert manifest.schema_version == 5
    assert {node.relation_name for node in manifest.nodes} == {None}
    (exposure,) = manifest.exposures
    assert exposure.url == "https://looker.acme.example/dashboards/12"


def write_variant(tmp_path: Path, source: str, change) -> Path:
    raw = json.loads((FIXTURES / source).read_text())
    change(raw)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(raw))
    return path


def test_exposure_meta_and_tags_are_read_from_either_place(tmp_path: Path) -> None:
    """dbt 1.10+ writes them under config (and copies them up); read either alone."""

    def only_config(raw: dict) -> None:
        kpis = raw["exposures"]["exposure.shop.weekly_kpis"]
        del kpis["meta"], kpis["tags"]
        funnel = raw["exposures"]["exposure.shop.product_funnel_1"]
        del funnel["config"]

    manifest = load_manifest(write_variant(tmp_path, "v12_duckdb_edge_cases.json", only_config))
    exposures = {exposure.name: exposure for exposure in manifest.exposures}
    assert exposures["weekly_kpis"].meta == {"looker_dashboard_id": "7"}
    assert exposures["weekly_kpis"].tags == ("kpi",)
    assert exposures["product_funnel_1"].meta["looker"]["dashboard_id"] == "1"
    assert exposures["product_funnel_1"].tags == ("looker",)


@pytest.mark.parametrize(
    ("source", "version", "in_config"),
    [
        ("v12_duckdb_edge_cases.json", "1.11.16", True),
        ("v12_snowflake.json", "1.9.0", False),
        ("v5_snowflake_packages.json", "1.1.0", False),
    ],
)
def test_dbt_version_decides_where_exposure_tags_and_meta_go(
    source: str, version: str, in_config: bool
) -> None:
    manifest = load_manifest(FIXTURES / source)
    assert manifest.dbt_version == version
    assert manifest.properties_in_config is in_config


@pytest.mark.parametrize(
    ("version", "in_config"),
    [("1.10.0", True), ("1.10.0b1", True), ("2.0.0", True), ("1.9.9", False), (None, False)],
)
def test_properties_in_config_from_the_version_string(version, in_config) -> None:
    assert properties_in_config(version) is in_config


def test_project_name_without_project_id_from_the_only_package(tmp_path: Path) -> None:
    def strip(raw: dict) -> None:
        del raw["metadata"]["project_id"]
        raw["nodes"] = {k: v for k, v in raw["nodes"].items() if v["package_name"] == "acme"}

    assert (
        load_manifest(write_variant(tmp_path, "v5_snowflake_packages.json", strip)).project_name
        == "acme"
    )


def test_project_name_never_guessed_between_packages(tmp_path: Path) -> None:
    def strip(raw: dict) -> None:
        raw["metadata"]["project_id"] = None

    path = write_variant(tmp_path, "v5_snowflake_packages.json", strip)
    with pytest.raises(BadInputError, match="cannot tell the root project"):
        load_manifest(path)


def test_disabled_copy_of_an_enabled_node_is_dropped(tmp_path: Path) -> None:
    def duplicate(raw: dict) -> None:
        node = dict(raw["nodes"]["model.shop.customers"], config={"enabled": False})
        raw["disabled"]["model.shop.customers"] = [node]

    nodes = load_manifest(write_variant(tmp_path, "v12_duckdb_edge_cases.json", duplicate)).nodes
    copies = [node for node in nodes if node.unique_id == "model.shop.customers"]
    assert [node.enabled for node in copies] == [True]


def test_config_enabled_false_in_nodes_is_disabled(tmp_path: Path) -> None:
    def switch_off(raw: dict) -> None:
        raw["nodes"]["model.shop.customers"]["config"]["enabled"] = False

    nodes = by_id(load_manifest(write_variant(tmp_path, "v12_duckdb_edge_cases.json", switch_off)))
    assert not nodes["model.shop.customers"].enabled


# -- bad input: one line naming the file ----------------------------------------------------


def assert_one_line_error(path: Path, *fragments: str) -> None:
    with pytest.raises(BadInputError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert caught.value.exit_code == EXIT_BAD_INPUT
    # nothing chained: the CLI's one line is the whole story
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("bad_array.json", ("not a dbt manifest", "array")),
        ("bad_corrupt.json", ("not valid JSON", "dbt parse")),
        ("bad_empty.json", ("not valid JSON",)),
        ("bad_v3.json", ("v3", "too old", "dbt 1.0")),
        ("bad_v13.json", ("v13", "v4 to v12", "upgrade exposure-sync")),
        ("bad_run_results.json", ("run-results", "not a manifest")),
        ("bad_no_metadata.json", ("not a dbt manifest",)),
        ("bad_nodes_list.json", ("'nodes'", "dbt parse")),
        ("bad_node_schema_type.json", ("nodes['model.acme.orders'].schema", "expected a string")),
    ],
)
def test_bad_manifest_files(name: str, fragments: tuple[str, ...]) -> None:
    assert_one_line_error(FIXTURES / name, *fragments)


def test_missing_manifest(tmp_path: Path) -> None:
    assert_one_line_error(
        tmp_path / "target" / "manifest.json", "not found", "run `dbt parse` first"
    )


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert_one_line_error(tmp_path, "directory")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_bytes(b"\xff\xfe\x00garbage\x80\x81")
    assert_one_line_error(path, "not valid JSON")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda raw: raw["nodes"].update({"model.shop.x": "oops"}), "nodes['model.shop.x']"),
        (lambda raw: raw["disabled"].update({"model.shop.x": {}}), "disabled['model.shop.x']"),
        (
            lambda raw: raw["exposures"]["exposure.shop.weekly_kpis"].update(tags="kpi"),
            "exposures['exposure.shop.weekly_kpis'].tags",
        ),
        (
            lambda raw: raw["nodes"]["model.shop.customers"].update(version=[1]),
            "nodes['model.shop.customers'].version",
        ),
        (
            lambda raw: raw["sources"]["source.shop.greenery.users"].pop("source_name"),
            "source_name",
        ),
        (lambda raw: raw.update(sources=[]), "'sources'"),
    ],
)
def test_unexpected_shapes(tmp_path: Path, change, fragment: str) -> None:
    path = write_variant(tmp_path, "v12_duckdb_edge_cases.json", change)
    assert_one_line_error(path, fragment, "unexpected manifest content")


def test_disabled_tests_and_other_kinds_are_skipped(tmp_path: Path) -> None:
    def add(raw: dict) -> None:
        test = dict(raw["nodes"]["test.shop.assert_nothing"], unique_id="test.shop.off")
        raw["disabled"]["test.shop.off"] = [test]

    nodes = by_id(load_manifest(write_variant(tmp_path, "v12_duckdb_edge_cases.json", add)))
    assert "test.shop.off" not in nodes


def test_identifier_defaults_to_the_name(tmp_path: Path) -> None:
    # alias / identifier are optional in some versions' schemas; dbt falls back to the name
    def strip(raw: dict) -> None:
        raw["nodes"]["model.shop.customers"]["alias"] = None
        del raw["sources"]["source.shop.greenery.orders"]["identifier"]

    nodes = by_id(load_manifest(write_variant(tmp_path, "v12_duckdb_edge_cases.json", strip)))
    assert nodes["model.shop.customers"].identifier == "customers"
    assert nodes["source.shop.greenery.orders"].identifier == "orders"
