"""Looker content JSON (dashboards, looks, merges, users, folders, connections) -> records.

Each function takes one decoded JSON object as Looker API 4.0 serves it (fields may be missing
when a `fields=` left them out, or null) and returns one record. Explores and queries are
decoded in decode.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exposure_sync.looker.decode import query_from_json
from exposure_sync.looker.models import (
    Connection,
    Dashboard,
    ExploreRef,
    Folder,
    Look,
    MergeQuery,
    Query,
    Tile,
    User,
)

Json = Mapping[str, Any]


def str_id(value: Any) -> str | None:
    """Looker 4.0 ids are strings; older instances and hand-made fixtures may use numbers."""
    if value is None or value == "":
        return None
    return str(value)


def dashboard_from_json(data: Json) -> Dashboard:
    certification = data.get("certification_metadata") or {}
    return Dashboard(
        id=str(data["id"]),
        title=data.get("title") or "",
        description=data.get("description") or None,
        folder_id=str_id(data.get("folder_id")),
        user_id=str_id(data.get("user_id")),
        deleted=bool(data.get("deleted")),
        certified=certification.get("certification_status") == "certified",
        view_count=data.get("view_count"),
        tiles=tuple(
            sorted(
                (tile_from_json(e) for e in data.get("dashboard_elements") or ()),
                key=lambda tile: id_sort_key(tile.id),
            )
        ),
    )


def tile_from_json(data: Json) -> Tile:
    """A dashboard element; its query only when it is not a look or merged-results tile.
    A LookML dashboard's tile may have its query only in `result_maker`."""
    look_id = str_id(data.get("look_id"))
    merge_id = str_id(data.get("merge_result_id"))
    query = data.get("query") or (data.get("result_maker") or {}).get("query")
    return Tile(
        id=str(data["id"]),
        type=data.get("type") or "vis",
        title=data.get("title") or data.get("title_text") or None,
        query=query_from_json(query) if query and not (look_id or merge_id) else None,
        look_id=look_id,
        merge_result_id=merge_id,
        merge_sources=_merge_sources(data) if merge_id else (),
    )


def _merge_sources(data: Json) -> tuple[ExploreRef, ...]:
    """A merged tile's source explores: one filterable per source query, in source order;
    repeats (two sources on one explore) are kept once. Empty (unknown) when any filterable
    does not name its model and explore: a source left out would lose its dependencies."""
    filterables = (data.get("result_maker") or {}).get("filterables") or ()
    if not all(f.get("model") and f.get("view") for f in filterables):
        return ()
    refs = [ExploreRef(str(f["model"]), str(f["view"])) for f in filterables]
    return tuple(dict.fromkeys(refs))


def looks_in_dashboard(data: Json) -> list[Look]:
    """The looks a dashboard's look tiles bring along (when `fields=` asked for `look(...)`)."""
    return [
        look_from_json(element["look"])
        for element in data.get("dashboard_elements") or ()
        if element.get("look") and element["look"].get("id") is not None
    ]


def look_from_json(data: Json) -> Look:
    query = data.get("query")
    return Look(
        id=str(data["id"]),
        title=data.get("title") or "",
        query=query_from_json(query) if query else None,
        folder_id=str_id(data.get("folder_id")),
        user_id=str_id(data.get("user_id")),
        deleted=bool(data.get("deleted")),
    )


def merge_source_query_ids(data: Json) -> list[str]:
    """The query ids of a merge query's sources, in Looker's order."""
    return [
        str(source["query_id"])
        for source in data.get("source_queries") or ()
        if source.get("query_id") is not None
    ]


def merge_query_from_json(data: Json, queries: Mapping[str, Query]) -> MergeQuery:
    """A merge query with its sources; `queries` must hold every source query id."""
    return MergeQuery(
        id=str(data["id"]),
        source_queries=tuple(queries[qid] for qid in merge_source_query_ids(data)),
    )


def user_from_json(data: Json) -> User:
    name = data.get("display_name")
    if not name:
        parts = (data.get("first_name"), data.get("last_name"))
        name = " ".join(part for part in parts if part) or None
    return User(
        id=str(data["id"]),
        display_name=name,
        email=data.get("email") or None,
        is_disabled=bool(data.get("is_disabled")),
    )


def folder_from_json(data: Json) -> Folder:
    return Folder(
        id=str(data["id"]),
        name=data.get("name") or "",
        parent_id=str_id(data.get("parent_id")),
        is_personal=bool(data.get("is_personal") or data.get("is_personal_descendant")),
    )


def connection_from_json(data: Json) -> Connection:
    """A connection's defaults as the database and schema of an unqualified table. Looker's
    BigQuery connections keep the project in `host` and the dataset in `database`."""
    dialect = data.get("dialect_name") or (data.get("dialect") or {}).get("name") or ""
    if dialect.startswith("bigquery"):
        database, schema = data.get("host"), data.get("database")
    else:
        database, schema = data.get("database"), data.get("schema")
    return Connection(
        name=str(data["name"]),
        dialect=dialect,
        database=database or None,
        schema=schema or None,
        scratch_schema=data.get("tmp_db_name") or None,
    )


def id_sort_key(value: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order, then the others (LookML "model::name") by name."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)
