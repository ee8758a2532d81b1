"""Looker API 4.0 JSON -> records (models.py). One small function per object.

Each function takes one decoded JSON object as Looker serves it. Any field may be missing
(a `fields=` request left it out) or null; ids may come as numbers from older instances.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from exposure_sync.looker.models import Explore, ExploreField, ExploreJoin, Query

Json = Mapping[str, Any]

_FIELD_REFERENCE = re.compile(r"\$\{\s*(\w+\.\w+)\s*\}")
_FIELD_KINDS = ("dimensions", "measures", "filters", "parameters")


def explore_from_json(data: Json) -> Explore:
    """A LookmlModelExplore (GET /lookml_models/{model}/explores/{explore})."""
    name = data.get("name") or ""
    return Explore(
        model=data.get("model_name") or "",
        name=name,
        view_name=data.get("view_name") or name,
        connection_name=data.get("connection_name") or "",
        sql_table_name=data.get("sql_table_name"),
        joins=tuple(join_from_json(join) for join in data.get("joins") or ()),
        fields=tuple(_explore_fields(data.get("fields") or {})),
        always_join=_strings(data.get("always_join")),
        project_name=data.get("project_name") or None,
    )


def join_from_json(data: Json) -> ExploreJoin:
    """A LookmlModelExploreJoins."""
    return ExploreJoin(
        name=data.get("name") or "",
        from_view=data.get("from") or None,
        sql_table_name=data.get("sql_table_name"),
        sql_on=data.get("sql_on"),
        foreign_key=data.get("foreign_key"),
        required_joins=_strings(data.get("required_joins")),
        dependent_fields=_strings(data.get("dependent_fields")),
    )


def explore_field_from_json(data: Json, kind: str = "dimension") -> ExploreField:
    """A LookmlModelExploreField; `kind` says which of the explore's field lists held it."""
    name = data.get("name") or ""
    return ExploreField(
        name=name,
        view=data.get("view") or name.split(".", 1)[0],
        original_view=data.get("original_view"),
        sql=data.get("sql"),
        kind=kind,
    )


def query_from_json(data: Json) -> Query:
    """A Query (GET /queries/{id}, or a tile's or look's `query`)."""
    filters = list((data.get("filters") or {}).keys())
    # A custom filter (filter_expression) filters on the fields it references, too.
    filters += _FIELD_REFERENCE.findall(data.get("filter_expression") or "")
    return Query(
        id=None if data.get("id") in (None, "") else str(data["id"]),
        model=data.get("model") or "",
        explore=data.get("view") or "",
        fields=_strings(data.get("fields")),
        filters=tuple(dict.fromkeys(filters)),
        sorts=tuple(_sort_field(sort) for sort in data.get("sorts") or () if sort),
        pivots=_strings(data.get("pivots")),
        dynamic_fields=data.get("dynamic_fields") or None,
    )


def _explore_fields(fieldset: Json) -> Iterable[ExploreField]:
    for kind in _FIELD_KINDS:
        for field in fieldset.get(kind) or ():
            yield explore_field_from_json(field, kind.removesuffix("s"))


def _sort_field(sort: str) -> str:
    # Looker sorts are "view.field" or "view.field desc"
    words = sort.split()
    if len(words) > 1 and words[-1].lower() in ("desc", "asc"):
        words = words[:-1]
    return " ".join(words)


def _strings(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(value) for value in values or () if value is not None)
