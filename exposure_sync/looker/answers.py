"""What we ask Looker for, and whether an answer holds it: one shape per Looker object.

A shape gives both the `fields=` value of a request and the check of its answer, so the two
cannot drift apart. An answer lacks what we asked for when a requested key is missing, a key
that must have a value is null, a value has the wrong JSON type, or a rule of the object fails
(a chart tile without a query, an explore without fields): that request failed (the client
retries it, the crawl reads it again at a finer grain, then records a failure), and never reads
as "no tiles" or "no tables". The OpenAPI spec of Looker API 4.0 is the reference for names,
types and nullability; where a shape refuses a null the spec allows, TIGHTENED says why (a test
holds the shapes to the spec).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Rule = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class Key:
    """One requested key. kind: "id" (string or number), "str", "name" (a non-empty string),
    "bool", "int", "strs" (list of strings), "map" (any object), "obj"/"objs" (one or a list
    of `shape`)."""

    kind: str
    nullable: bool = True
    shape: Shape | None = None
    whole: bool = False  # asked for whole (`key`), not `key(subkeys)`: the shape only checks


@dataclass(frozen=True)
class Shape:
    schema: str  # the OpenAPI schema name
    keys: dict[str, Key]
    rules: tuple[Rule, ...] = field(default=())

    @property
    def fields(self) -> str:
        """The `fields=` value that asks for exactly these keys."""
        parts = []
        for name, key in self.keys.items():
            nested = key.shape is not None and not key.whole
            parts.append(f"{name}({key.shape.fields})" if nested else name)  # type: ignore[union-attr]
        return ",".join(parts)

    def but(self, **keys: Key) -> Shape:
        """The same shape with some keys replaced (or added at the end)."""
        return replace(self, keys={**self.keys, **keys})


# -- checking -----------------------------------------------------------------------------------


def one(shape: Shape, asked_id: str | None = None) -> Callable[[Any], str | None]:
    """A check for an answer that is one object of `shape` (the one with `asked_id`)."""
    key = Key("obj", False, shape)

    def check(value: Any) -> str | None:
        problem = _located("the answer", _problem(value, key))
        if problem is None and asked_id is not None and str(value["id"]) != asked_id:
            problem = f"the answer is about {value['id']}, not {asked_id}"
        return problem

    return check


def rows(shape: Shape) -> Callable[[Any], str | None]:
    """A check for an answer that is a list of objects of `shape` (a search page, a listing)."""
    row_key = Key("obj", False, shape)

    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return f"{_type_name(value)}, not a list"
        seen: set[str] = set()
        for index, row in enumerate(value):
            found = _problem(row, row_key)
            if found:
                return _located(_row_name(row, shape, index), found)
            row_id = str(row.get("id"))
            if "id" in shape.keys and row_id in seen:
                return f"{_row_name(row, shape, index)} twice"
            seen.add(row_id)
        return None

    return check


# A problem found: the path to it (keys and [indexes], innermost last) and what is wrong. The
# path is built only on the way back from a problem: checking a whole answer costs no strings.
Found = tuple[list[str], str]


def _problem(value: Any, key: Key) -> Found | None:
    if value is None:
        return None if key.nullable else ([], "is null")
    if not _has_kind(value, key.kind):
        return [], f"is {_type_name(value)}, not {_KIND_NAMES[key.kind]}"
    if key.kind == "obj":
        return _object_problem(value, key.shape)  # type: ignore[arg-type]
    if key.kind == "objs":
        item_key = Key("obj", False, key.shape)
        for index, item in enumerate(value):
            found = _problem(item, item_key)
            if found:
                found[0].append(f"[{index}]")
                return found
    return None


def _object_problem(value: Mapping[str, Any], shape: Shape) -> Found | None:
    for name, key in shape.keys.items():
        if name not in value:
            return [], f"without {name}"
        found = _problem(value[name], key)
        if found:
            found[0].append(name)
            return found
    for rule in shape.rules:
        problem = rule(value)
        if problem:
            return [], f": {problem}"
    return None


def _located(where: str, found: Found | None) -> str | None:
    """`dashboard 7: dashboard_elements[0].query.model is null`."""
    if found is None:
        return None
    parts, problem = found
    path = "".join(p if p.startswith("[") else f".{p}" for p in reversed(parts)).lstrip(".")
    if path:
        where = f"{where}: {path}"
    return f"{where}{problem}" if problem.startswith(":") else f"{where} {problem}"


def _row_name(row: Any, shape: Shape, index: int) -> str:
    """A row by its id when it has one: "dashboard 7" says more than "row 3"."""
    if isinstance(row, dict) and _has_kind(row.get("id"), "id"):
        return f"{_SCHEMA_WORDS.get(shape.schema, shape.schema)} {row['id']}"
    return f"row {index + 1}"


def _has_kind(value: Any, kind: str) -> bool:
    if kind == "id":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value != ""
        )
    if kind == "name":
        return isinstance(value, str) and value.strip() != ""
    if kind == "lookml":
        return isinstance(value, str) and _LOOKML_NAME.fullmatch(value) is not None
    if kind == "field":
        return isinstance(value, str) and _LOOKML_FIELD.fullmatch(value) is not None
    if kind == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _KIND_TYPES[kind])


# LookML names (models, explores, views, joins) and fields (`view.field`); an answer naming
# something else would read as an explore or field that no longer exists
_LOOKML_NAME = re.compile(r"[A-Za-z0-9_]+")
_LOOKML_FIELD = re.compile(r"[A-Za-z0-9_]+\.[A-Za-z0-9_]+")
_KIND_TYPES: dict[str, type] = {"str": str, "bool": bool, "map": dict, "obj": dict, "objs": list}
_KIND_NAMES = {
    "id": "an id",
    "str": "a string",
    "name": "a name",
    "lookml": "a LookML name",
    "field": "a LookML field name",
    "bool": "true or false",
    "int": "a whole number",
    "strs": "a list of strings",
    "map": "an object",
    "obj": "an object",
    "objs": "a list of objects",
}
_SCHEMA_WORDS = {
    "Dashboard": "dashboard",
    "DashboardBase": "dashboard",
    "Look": "look",
    "User": "user",
    "Folder": "folder",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object"


# -- rules: what a shape cannot say -------------------------------------------------------------

_DATA_TILE_TYPES = ("vis", "data")


def _tile_has_its_query(tile: Mapping[str, Any]) -> str | None:
    """A chart or data tile shows a query, a look or merged results: with none of them its
    dependencies would silently be nothing."""
    if tile.get("type") not in _DATA_TILE_TYPES:
        return None
    result_maker = tile.get("result_maker") or {}
    if tile.get("query") or tile.get("look_id") or tile.get("merge_result_id"):
        return None
    if result_maker.get("query"):
        return None
    return f"tile {tile.get('id')} is a {tile.get('type')} tile without query, look or merge"


def _query_has_fields(query: Mapping[str, Any]) -> str | None:
    """Looker runs no query without fields: one without would depend on nothing."""
    return None if query.get("fields") else "a query without fields"


def _dynamic_fields_are_json(query: Mapping[str, Any]) -> str | None:
    """Dynamic fields come as a JSON string (a list); unreadable, the views their `based_on`
    and expressions name would be lost."""
    text = query.get("dynamic_fields")
    if not text:
        return None
    try:
        items = json.loads(text)
    except ValueError:
        return "dynamic_fields is not JSON"
    return None if isinstance(items, list) else "dynamic_fields is not a JSON list"


def _look_is_the_tiles(tile: Mapping[str, Any]) -> str | None:
    look = tile.get("look")
    if look and tile.get("look_id") is not None and str(look.get("id")) != str(tile["look_id"]):
        return f"tile {tile.get('id')} shows look {tile['look_id']}, not look {look.get('id')}"
    return None


def _explore_has_fields(explore: Mapping[str, Any]) -> str | None:
    fieldset = explore.get("fields") or {}
    if any(fieldset.get(kind) for kind in ("dimensions", "measures", "filters", "parameters")):
        return None
    return "an explore without any field"


def _merge_has_sources(merge: Mapping[str, Any]) -> str | None:
    return None if merge.get("source_queries") else "merged results without source queries"


# -- the shapes ---------------------------------------------------------------------------------

ID = Key("id", nullable=False)
LOOKML_NAME = Key("lookml", nullable=False)
OPTIONAL_ID = Key("id")
NAME = Key("name", nullable=False)
STR = Key("str")
BOOL = Key("bool")
STRS = Key("strs")

QUERY = Shape(
    "Query",
    {
        "id": OPTIONAL_ID,  # a LookML dashboard's query may come without one
        "model": LOOKML_NAME,
        "view": LOOKML_NAME,
        "fields": Key("strs", nullable=False),
        "filters": Key("map"),
        "filter_expression": STR,
        "sorts": STRS,
        "pivots": STRS,
        "dynamic_fields": STR,
    },
    rules=(_query_has_fields, _dynamic_fields_are_json),
)
LOOK = Shape(
    "LookWithQuery",
    {
        "id": ID,
        "title": STR,
        "folder_id": OPTIONAL_ID,
        "user_id": OPTIONAL_ID,
        "deleted": BOOL,
        "query": Key("obj", nullable=False, shape=QUERY),
    },
)
# /looks/search serves Look, not LookWithQuery: the query comes from /queries/{query_id}
LOOK_ROW = Shape(
    "Look",
    {
        "id": ID,
        "title": STR,
        "folder_id": OPTIONAL_ID,
        "user_id": OPTIONAL_ID,
        "deleted": BOOL,
        "query_id": OPTIONAL_ID,
    },
)
FILTERABLE = Shape("ResultMakerFilterables", {"model": STR, "view": STR})
RESULT_MAKER = Shape(
    "ResultMakerWithIdVisConfigAndDynamicFields",
    {"filterables": Key("objs", shape=FILTERABLE)},
)
TILE = Shape(
    "DashboardElement",
    {
        "id": ID,
        "type": STR,
        "title": STR,
        "title_text": STR,
        "look_id": OPTIONAL_ID,
        "merge_result_id": OPTIONAL_ID,
        "result_maker": Key("obj", shape=RESULT_MAKER),
        "query": Key("obj", shape=QUERY),
        "look": Key("obj", shape=LOOK),
    },
    rules=(_tile_has_its_query, _look_is_the_tiles),
)
CERTIFICATION = Shape("Certification", {"certification_status": STR})
DASHBOARD = Shape(
    "Dashboard",
    {
        "id": ID,
        "title": STR,
        "description": STR,
        "folder_id": OPTIONAL_ID,
        "user_id": OPTIONAL_ID,
        "deleted": BOOL,
        "view_count": Key("int"),
        "certification_metadata": Key("obj", shape=CERTIFICATION),
        "dashboard_elements": Key("objs", nullable=False, shape=TILE),
    },
)
# A LookML dashboard's tile may carry its query only in result_maker (as DataHub and
# OpenMetadata also read it); asked only there, since user-defined tiles would repeat theirs.
LOOKML_TILE = TILE.but(
    result_maker=Key("obj", shape=RESULT_MAKER.but(query=Key("obj", shape=QUERY)))
)
LOOKML_DASHBOARD = DASHBOARD.but(dashboard_elements=Key("objs", nullable=False, shape=LOOKML_TILE))
# Whether /dashboards/lookml/search nests the elements is unconfirmed on a real Looker: a row
# without them is read again on its own (crawl.py), not failed with its page.
LOOKML_SEARCH_ROW = LOOKML_DASHBOARD.but(dashboard_elements=Key("objs", shape=LOOKML_TILE))
DASHBOARD_ROW = Shape("DashboardBase", {"id": ID, "title": STR})

EXPLORE_FIELD = Shape(
    "LookmlModelExploreField",
    {"name": Key("field", nullable=False), "view": STR, "original_view": STR, "sql": STR},
)
_FIELD_LIST = Key("objs", shape=EXPLORE_FIELD)
FIELDSET = Shape(
    "LookmlModelExploreFieldset",
    {
        "dimensions": _FIELD_LIST,
        "measures": _FIELD_LIST,
        "filters": _FIELD_LIST,
        "parameters": _FIELD_LIST,
    },
)
JOIN = Shape(
    "LookmlModelExploreJoins",
    {
        "name": LOOKML_NAME,
        "from": STR,
        "sql_table_name": STR,
        "sql_on": STR,
        "foreign_key": STR,
        "required_joins": Key("strs", nullable=False),
        "dependent_fields": STRS,
    },
)
EXPLORE = Shape(
    "LookmlModelExplore",
    {
        "id": Key("str"),
        "name": LOOKML_NAME,
        "model_name": LOOKML_NAME,
        "project_name": STR,  # ties the explore to a LookML checkout (lookml_projects)
        "view_name": STR,
        "connection_name": NAME,
        "sql_table_name": STR,  # null: the base view is a derived table
        "always_join": Key("strs", nullable=False),
        "joins": Key("objs", nullable=False, shape=JOIN),
        "fields": Key("obj", nullable=False, shape=FIELDSET),
    },
    rules=(_explore_has_fields,),
)
MERGE_SOURCE = Shape("MergeQuerySourceQuery", {"query_id": ID})
MERGE = Shape(
    "MergeQuery",
    {"id": ID, "source_queries": Key("objs", nullable=False, shape=MERGE_SOURCE, whole=True)},
    rules=(_merge_has_sources,),
)
USER = Shape(
    "User",
    {
        "id": ID,
        "display_name": STR,
        "first_name": STR,
        "last_name": STR,
        "email": STR,
        "is_disabled": BOOL,
    },
)
FOLDER = Shape(
    "Folder",
    {
        "id": ID,
        "name": STR,
        "parent_id": OPTIONAL_ID,
        "is_personal": BOOL,
        "is_personal_descendant": BOOL,
    },
)
CONNECTION = Shape(
    "DBConnection",
    # host: BigQuery's project; tmp_db_name: the scratch schema where Looker builds PDTs
    {
        "name": NAME,
        "dialect_name": NAME,
        "host": STR,
        "database": STR,
        "schema": STR,
        "tmp_db_name": STR,
    },
)

# (schema, key) where a shape refuses the null the spec allows, and why
TIGHTENED = {
    ("Dashboard", "dashboard_elements"): "null is not a dashboard without tiles (those are [])",
    ("LookWithQuery", "query"): "a look shows a query; without it its tile would read nothing",
    ("LookmlModelExplore", "name"): "the explore we asked for by name",
    ("LookmlModelExplore", "model_name"): "the model we asked for by name",
    ("LookmlModelExplore", "joins"): "[] is an explore without joins; null is not an answer",
    ("LookmlModelExplore", "always_join"): "as joins",
    ("LookmlModelExploreJoins", "required_joins"): "as joins: the joins a join needs",
    ("Query", "fields"): "Looker runs no query without fields",
    ("LookmlModelExplore", "connection_name"): "its tables are read through the connection",
    ("LookmlModelExplore", "fields"): "the views a query uses are found through its fields",
    ("LookmlModelExploreJoins", "name"): "fields name their join by it",
    ("MergeQuery", "source_queries"): "merged results read their source queries",
    ("MergeQuerySourceQuery", "query_id"): "a source is read by its query id",
    ("DBConnection", "dialect_name"): "table names are parsed and folded by dialect",
}
