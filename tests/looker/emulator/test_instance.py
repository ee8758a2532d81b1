"""Loading instances: bad data is refused with one line naming the file; greenery loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.looker.emulator import GREENERY, load_instance

from .conftest import FIXTURES

BAD = FIXTURES / "bad"
CASES = {
    "lookml_syntax": ("lookml/v.view.lkml", "LookML syntax error"),
    "unknown_explore": ("content.yml", "dashboard 1 tile 1 (T): unknown explore m/nope"),
    "duplicate_dashboard_id": ("content.yml", "dashboard 1: duplicate id"),
    "duplicate_view": ("lookml/w.view.lkml", "view e is defined twice"),
    "join_unknown_view": ("lookml/m.model.lkml", "explore e: join ghost on unknown view ghost"),
    "unknown_look": ("content.yml", "unknown look 9"),
    "content_yaml": ("content.yml", "not valid YAML"),
    "unknown_connection": ("lookml/m.model.lkml", "connection 'c' is not in"),
    "lookml_dashboard_unknown_explore": ("lookml/broken.dashboard.lookml", "unknown explore"),
    "missing_content": ("content.yml", "content file not found"),
}


def test_every_bad_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_instance_is_refused_with_one_line(case: str) -> None:
    file, problem = CASES[case]
    with pytest.raises(BadInputError) as err:
        load_instance(BAD / case)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{BAD / case / file}: ")
    assert problem in message


def test_the_minimal_instance_they_derive_from_loads() -> None:
    instance = load_instance(FIXTURES / "minimal")
    assert list(instance.content.dashboards) == ["1"]


def test_missing_directory() -> None:
    with pytest.raises(BadInputError, match="instance directory not found"):
        load_instance(Path("/nonexistent/instance"))


def test_ids_are_assigned_in_file_order(shop) -> None:  # noqa: ANN001 - fixture
    content = shop.content
    assert content.looks["1"].query_id == "1"  # looks first, then dashboards, in file order
    assert [t.id for t in content.dashboards["1"].tiles] == ["1", "2", "3", "4"]
    assert content.dashboards["1"].tiles[0].query_id == "4"
    lookml = content.dashboards["shop::shop_overview"]
    assert lookml.folder_id == "lookml" and lookml.model == "shop"
    assert int(lookml.tiles[0].id) > max(int(t.id) for t in content.dashboards["6"].tiles)
    assert load_instance(FIXTURES / "shop").content.merges.keys() == content.merges.keys()


def test_greenery_is_the_default_and_loads() -> None:
    instance = load_instance()
    assert instance.name == GREENERY.name == "greenery"
    content = instance.content
    assert any(d.title == "Product funnel" for d in content.dashboards.values())
    for model in instance.project.models.values():
        for name, explore in model.explores.items():
            assert explore.is_extension or instance.explore_json(model.name, name)
