"""Views resolved from LookML files (issue 9 points 2-4): every construct of
tests/fixtures/lookml/constructs resolves to the relations expected_relations.yml lists."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exposure_sync.config import Config
from exposure_sync.lineage.files import FileViews
from exposure_sync.lineage.resolve import ResolveContext
from exposure_sync.lookml.views import LookmlFiles, load_lookml_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lookml"
CONSTRUCTS = FIXTURES / "constructs"
EXPECTED = yaml.safe_load((CONSTRUCTS / "expected_relations.yml").read_text(encoding="utf-8"))
CONTEXT = ResolveContext(dialect="duckdb", default_database="db", default_schema="public")


@pytest.fixture(scope="module")
def files() -> LookmlFiles:
    projects = {"constructs": str(CONSTRUCTS), "common_views": str(FIXTURES / "common_views")}
    loaded = load_lookml_files(None, projects)
    assert loaded is not None
    return loaded


def relations(files: LookmlFiles, view: str, config: Config | None = None) -> list[str]:
    resolver = FileViews(files, config or Config())
    found = resolver.resolve_in(files.projects["constructs"], "constructs", view, CONTEXT)
    assert found is not None, view
    assert not found.resolution.needs_generated_sql, found.resolution.notes
    return sorted(str(r) for r in found.resolution.relations)


@pytest.mark.parametrize("view", sorted(EXPECTED))
def test_each_construct_resolves_from_the_files(files: LookmlFiles, view: str) -> None:
    assert relations(files, view) == sorted(EXPECTED[view])


def test_the_fixture_project_loads_without_problems(files: LookmlFiles) -> None:
    assert files.problems == []


def test_configured_constants_win_over_the_manifest(files: LookmlFiles) -> None:
    config = Config(constants={"schema": "prod"})
    assert relations(files, "orders", config) == ["db.prod.orders"]


def test_a_pdt_persists_and_an_extension_is_still_a_view(files: LookmlFiles) -> None:
    views = {
        name: files.view(files.projects["constructs"], "constructs", name) for name in EXPECTED
    }
    assert views["chain_middle"].persistent and views["created_table"].persistent
    assert not views["web_events"].persistent
    assert views["processed_table"].create_steps[1].startswith("INSERT INTO")
    source = views["customer_order_facts"].explore_source
    assert source.explore == "orders"
    assert source.fields == ("customers.name", "orders.count")


def test_a_view_the_files_lack_is_none(files: LookmlFiles) -> None:
    resolver = FileViews(files, Config())
    project = files.projects["constructs"]
    assert resolver.resolve_in(project, "constructs", "nowhere", CONTEXT) is None
