from __future__ import annotations

import random

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.exposures.keys import dashboard_key, look_key
from exposure_sync.exposures.naming import (
    NAME_PATTERN,
    NameSource,
    assign_names,
    base_name,
    dashboard_source,
    look_source,
    previous_names,
    slugify,
    validate_template,
)
from exposure_sync.looker.models import Look, Query

from .conftest import FOLDERS, dashboard, load_fixture

TITLES = load_fixture("titles.yml")


def source(id: str, title: str, **kwargs) -> NameSource:
    return NameSource(key=dashboard_key(id), title=title, id=id, **kwargs)


@pytest.mark.parametrize("case", TITLES, ids=[c["id"] for c in TITLES])
def test_default_template_names(case):
    names = assign_names([source(case["id"], case["title"])])
    assert names[dashboard_key(case["id"])] == case["name"]
    assert NAME_PATTERN.match(case["name"])


def test_all_fixture_titles_together_are_valid_and_unique():
    names = assign_names([source(c["id"], c["title"]) for c in TITLES])
    assert all(NAME_PATTERN.match(name) for name in names.values())
    assert len(set(names.values())) == len(TITLES)


def test_slugify():
    assert slugify("Über Straße") == "uber_strasse"
    assert slugify("🚀") == ""
    # combining marks and scripts without an NFKD decomposition alike
    assert slugify("Cafe\u0301 Ελλάδα") == "cafe_ellada"
    assert slugify("greenery::funnel") == "greenery_funnel"
    assert slugify("  --A  b--  ") == "a_b"


def test_lookml_id_and_model_field():
    board = dashboard("greenery::funnel", "Funnel", folder_id="lookml")
    src = dashboard_source(board, FOLDERS)
    assert src.model == "greenery" and src.folder == "LookML Dashboards"
    assert base_name(src, "{model}_{title}") == "greenery_funnel"
    assert base_name(src, "{folder}__{id}") == "lookml_dashboards_greenery_funnel"


def test_look_source_and_prefix():
    look = Look("7", "🚀", Query(None, "greenery", "orders"), folder_id="10")
    src = look_source(look, FOLDERS)
    assert src.key == look_key("7") and src.model == "greenery" and src.folder == "Marketing"
    assert base_name(src) == "look_7"


def test_long_titles_are_capped_but_keep_the_id():
    name = base_name(source("42", "word " * 50))
    assert name.endswith("_42") and len(name) <= 64


@pytest.mark.parametrize(
    "template", ["{nope}", "{title", "{}", "{title!r}", "{id:>5}", "{title.x}"]
)
def test_bad_template(template):
    with pytest.raises(BadInputError, match="name_template"):
        validate_template(template)
    with pytest.raises(BadInputError, match="name_template"):
        assign_names([source("1", "x")], template)


def test_same_titles_different_ids_are_distinct():
    names = assign_names([source("1", "Sales"), source("2", "Sales")])
    assert set(names.values()) == {"sales_1", "sales_2"}


def test_title_only_template_clash_uses_own_id():
    names = assign_names(
        [source("1", "Sales"), source("2", "Sales"), source("3", "Other")], "{title}"
    )
    assert names == {
        dashboard_key("1"): "sales_1",
        dashboard_key("2"): "sales_2",
        dashboard_key("3"): "other",
    }


def test_lookml_ids_that_slug_alike_still_differ():
    names = assign_names([source("a_b::c", "X"), source("a::b_c", "X")])
    values = list(names.values())
    assert len(set(values)) == 2 and all(NAME_PATTERN.match(v) for v in values)


def test_dashboard_and_look_with_same_title_and_id():
    look = NameSource(key=look_key("1"), title="Sales", id="1")
    names = assign_names([source("1", "Sales"), look])
    assert len(set(names.values())) == 2


def test_hand_written_name_gets_a_deterministic_suffix():
    first = assign_names([source("1", "Sales")], reserved={"sales_1"})
    again = assign_names([source("1", "Sales"), source("9", "Else")], reserved={"sales_1"})
    name = first[dashboard_key("1")]
    assert name != "sales_1" and name.startswith("sales_1_") and NAME_PATTERN.match(name)
    assert again[dashboard_key("1")] == name


def test_stable_when_others_come_and_go():
    everyone = [source(c["id"], c["title"]) for c in TITLES]
    full = assign_names(everyone)
    rng = random.Random(7)
    for _ in range(20):
        subset = rng.sample(everyone, rng.randint(1, len(everyone)))
        names = assign_names(subset)
        assert all(names[s.key] == full[s.key] for s in subset)


def test_stable_with_clashes_when_the_previous_file_is_used():
    day1 = assign_names([source("1", "Sales"), source("2", "Sales")], "{title}")
    # dashboard 1 is deleted; dashboard 2 keeps its suffixed name
    day2 = assign_names([source("2", "Sales")], "{title}", previous=day1)
    assert day2[dashboard_key("2")] == day1[dashboard_key("2")]
    # and a new clashing dashboard does not take anyone's name
    day3 = assign_names([source("2", "Sales"), source("3", "Sales")], "{title}", previous=day2)
    assert day3[dashboard_key("2")] == day1[dashboard_key("2")]
    assert day3[dashboard_key("3")] not in day1.values()


def test_renamed_dashboard_keeps_its_previous_name():
    previous = {dashboard_key("1"): "product_funnel_1"}
    names = assign_names([source("1", "Checkout funnel")], previous=previous)
    assert names[dashboard_key("1")] == "product_funnel_1"


def test_names_from_before_transliteration_are_kept():
    # names an earlier version gave: a Japanese title had none of its own, a LookML
    # dashboard's name repeated its title; the previous file wins, as for any rename
    previous = {
        dashboard_key("33"): "dashboard_33",
        dashboard_key("greenery::funnel_overview"): "funnel_overview_greenery_funnel_overview",
    }
    now = [source("33", "植物の在庫"), source("greenery::funnel_overview", "Funnel overview")]
    assert assign_names(now, previous=previous) == previous
    assert sorted(assign_names(now).values()) == ["funnel_overview_greenery", "zhi_wu_no_zai_ku_33"]


def test_lookml_name_keeps_the_model_when_the_title_is_not_the_name():
    board = dashboard("greenery::funnel_overview", "Funnel overview", folder_id="lookml")
    src = dashboard_source(board, FOLDERS)
    assert base_name(src) == "funnel_overview_greenery"
    # the model is already in this template: the id adds nothing
    assert base_name(src, "{model}_{title}_{id}") == "greenery_funnel_overview"
    # a template without the title keeps the whole id: it is what tells dashboards apart
    assert base_name(src, "{folder}_{id}") == "lookml_dashboards_greenery_funnel_overview"
    # a name that starts with the title keeps what follows it
    v2 = dashboard("greenery::funnel_overview_v2", "Funnel overview", folder_id="lookml")
    assert base_name(dashboard_source(v2, FOLDERS)) == "funnel_overview_greenery_v2"
    # a user-defined dashboard's id is never dropped, even when it spells its title
    assert base_name(source("2024", "2024")) == "dashboard_2024_2024"


def test_previous_name_now_hand_written_moves_away():
    previous = {dashboard_key("1"): "sales_1"}
    names = assign_names([source("1", "Sales")], previous=previous, reserved={"sales_1"})
    assert names[dashboard_key("1")] != "sales_1"


def test_names_of_kept_entries_are_not_reused_this_run():
    # dashboard 1 failed this run: its previous entry is kept, so its name stays taken
    previous = {dashboard_key("1"): "sales"}
    names = assign_names([source("2", "Sales")], "{title}", previous=previous)
    assert names[dashboard_key("2")] == "sales_2"


def test_invalid_previous_name_is_replaced():
    names = assign_names([source("1", "Sales")], previous={dashboard_key("1"): "Bad-Name"})
    assert names[dashboard_key("1")] == "sales_1"


def test_order_of_input_does_not_matter():
    sources = [source(str(i), "Same") for i in range(10)]
    shuffled = sources[::-1]
    assert assign_names(sources, "{title}") == assign_names(shuffled, "{title}")


def test_previous_names_from_file_entries():
    entries = [
        {"name": "a", "meta": {"looker_dashboard_id": 5}},
        {"name": "b", "meta": {"looker_look_id": "5"}},
        {"name": "c", "meta": {}},
    ]
    assert previous_names(entries) == {dashboard_key("5"): "a", look_key("5"): "b"}
