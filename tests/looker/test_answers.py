"""The shapes we ask Looker for agree with the Looker API 4.0 OpenAPI spec, and their checks
refuse what lacks them while accepting what the emulator serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exposure_sync.looker import answers
from exposure_sync.looker.answers import Key, Shape

SPEC = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "looker-api" / "Looker.4.0.oas.json").read_text()
)
SCHEMAS = SPEC["components"]["schemas"]
SHAPES = [value for value in vars(answers).values() if isinstance(value, Shape)]
# our kind -> the spec's type of the property
SPEC_TYPES = {
    "id": "string",
    "str": "string",
    "name": "string",
    "lookml": "string",
    "field": "string",
    "bool": "boolean",
    "int": "integer",
    "strs": "array",
    "map": "object",
    "objs": "array",
}


def _every_key(shapes: list[Shape]) -> list[tuple[Shape, str, Key]]:
    seen: dict[tuple[str, str, str], tuple[Shape, str, Key]] = {}
    todo = list(shapes)
    while todo:
        shape = todo.pop()
        for name, key in shape.keys.items():
            seen[(shape.schema, name, repr(key))] = (shape, name, key)
            if key.shape is not None:
                todo.append(key.shape)
    return list(seen.values())


KEYS = _every_key(SHAPES)


@pytest.mark.parametrize(
    ("shape", "name", "key"), KEYS, ids=[f"{s.schema}.{n}" for s, n, _ in KEYS]
)
def test_every_key_is_the_specs(shape: Shape, name: str, key: Key) -> None:
    prop = SCHEMAS[shape.schema]["properties"][name]
    if key.shape is not None:
        ref = prop["items"]["$ref"] if key.kind == "objs" else prop["$ref"]
        assert ref.rsplit("/", 1)[1] == key.shape.schema
    if key.kind != "obj":
        assert prop.get("type") == SPEC_TYPES[key.kind]
    if key.kind == "strs":
        assert prop["items"]["type"] == "string"


def test_nulls_refused_against_the_spec_are_the_listed_ones() -> None:
    tightened = {
        (shape.schema, name)
        for shape, name, key in KEYS
        if not key.nullable and SCHEMAS[shape.schema]["properties"][name].get("nullable", True)
    }
    assert tightened == set(answers.TIGHTENED)


def test_fields_values_ask_for_nested_keys() -> None:
    assert answers.TILE.fields.startswith("id,type,title,title_text,look_id,merge_result_id,")
    assert "result_maker(filterables(model,view),query(id,model,view," in (
        answers.LOOKML_DASHBOARD.fields
    )
    assert answers.MERGE.fields == "id,source_queries"  # asked whole, checked inside


TILE: dict[str, Any] = {
    "id": "1",
    "type": "vis",
    "title": "Orders",
    "title_text": None,
    "look_id": None,
    "merge_result_id": None,
    "result_maker": None,
    "query": {
        "id": "3",
        "model": "shop",
        "view": "orders",
        "fields": ["orders.count"],
        "filters": None,
        "filter_expression": None,
        "sorts": [],
        "pivots": None,
        "dynamic_fields": None,
    },
    "look": None,
}
DASHBOARD: dict[str, Any] = {
    "id": 7,
    "title": "Sales",
    "description": None,
    "folder_id": "1",
    "user_id": None,
    "deleted": False,
    "view_count": 3,
    "certification_metadata": None,
    "dashboard_elements": [TILE],
}


def _with(value: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    """A deep copy of value with the key at a dotted path (`dashboard_elements.0.query`)
    set to `new`, or removed when new is the string "<missing>"."""
    copy = json.loads(json.dumps(value))
    *parents, last = path.split(".")
    target: Any = copy
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if new == "<missing>":
        del target[last]
    else:
        target[last] = new
    return copy


def test_a_whole_dashboard_passes() -> None:
    assert answers.rows(answers.DASHBOARD)([DASHBOARD]) is None
    assert answers.rows(answers.DASHBOARD)([_with(DASHBOARD, "dashboard_elements", [])]) is None


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("dashboard_elements", None, "dashboard 7: dashboard_elements is null"),
        ("dashboard_elements", "<missing>", "dashboard 7 without dashboard_elements"),
        ("dashboard_elements", {}, "dashboard_elements is an object, not a list of objects"),
        ("id", None, "row 1: id is null"),
        ("id", True, "row 1: id is true or false, not an id"),
        ("title", 12, "dashboard 7: title is a number, not a string"),
        ("view_count", "many", "view_count is a string, not a whole number"),
        ("dashboard_elements.0.query", None, "tile 1 is a vis tile without query, look or merge"),
        ("dashboard_elements.0.query.model", None, "dashboard_elements[0].query.model is null"),
        ("dashboard_elements.0.query.view", " ", "view is an empty string, not a LookML name"),
        ("dashboard_elements.0.query.model", "{{x}}", "query.model is a string, not a LookML name"),
        ("dashboard_elements.0.query.fields", [], "query: a query without fields"),
        ("dashboard_elements.0.query.fields", "a,b", "fields is a string, not a list of strings"),
        ("dashboard_elements.0.query.sorts", "<missing>", "query without sorts"),
        ("dashboard_elements.0.query.dynamic_fields", "[{", "dynamic_fields is not JSON"),
        ("dashboard_elements.0.query.dynamic_fields", "{}", "dynamic_fields is not a JSON list"),
    ],
)
def test_a_dashboard_lacking_what_we_asked_for(path: str, value: Any, problem: str) -> None:
    found = answers.rows(answers.DASHBOARD)([_with(DASHBOARD, path, value)])
    assert found is not None and problem in found


def test_a_look_tile_with_another_look() -> None:
    look = {"id": "9", "title": "t", "folder_id": None, "user_id": None, "deleted": False}
    tile = {**TILE, "query": None, "look_id": "8", "look": {**look, "query": TILE["query"]}}
    found = answers.rows(answers.DASHBOARD)([{**DASHBOARD, "dashboard_elements": [tile]}])
    assert found == "dashboard 7: dashboard_elements[0]: tile 1 shows look 8, not look 9"


def test_a_text_tile_needs_no_query() -> None:
    text = {**_with(TILE, "query", None), "type": "text"}
    assert answers.rows(answers.DASHBOARD)([{**DASHBOARD, "dashboard_elements": [text]}]) is None


def test_an_answer_that_is_not_a_list_of_rows() -> None:
    assert answers.rows(answers.DASHBOARD)({"rows": []}) == "an object, not a list"
    assert answers.rows(answers.DASHBOARD)([[]]) == "row 1 is a list, not an object"


def test_an_explore_without_fields() -> None:
    explore = {
        "id": "shop::orders",
        "name": "orders",
        "model_name": "shop",
        "project_name": "shop",
        "view_name": "orders",
        "connection_name": "db",
        "sql_table_name": None,
        "always_join": [],
        "joins": [],
        "fields": {"dimensions": [], "measures": [], "filters": None, "parameters": []},
    }
    assert answers.one(answers.EXPLORE)(explore) == "the answer: an explore without any field"
