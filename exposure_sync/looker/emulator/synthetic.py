"""Synthetic instances for benchmarks: N dashboards over M explores, built in memory.

The LookML is built directly in lkml's dict shape (no text to parse) and the content goes through
the same `ContentBuilder` and checks as content.yml, so a synthetic instance is as valid as a
hand-written one. Everything derives from `seed`: the same arguments give the same instance.

Mix per dashboard (2 to 10 tiles): about 65% query tiles, 12% look tiles, 8% merged results,
10% text and 5% buttons; 1% of dashboards are soft-deleted, a fifth live in personal folders.
Every fifth explore joins a SQL derived table and every seventh a persistent one.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import lkml

from exposure_sync.lookml.project import build_project

from .content import SHARED_ROOT, USERS_ROOT, ContentBuilder
from .instance import Instance, assemble

_TILE_MIX = (("query", 65), ("look", 12), ("merge", 8), ("text", 10), ("button", 5))


def synthetic_instance(dashboards: int = 1000, explores: int = 20, seed: int = 0) -> Instance:
    """A valid instance with `dashboards` user-defined dashboards over `explores` explores."""
    if dashboards < 0 or explores < 1:
        raise ValueError("need dashboards >= 0 and explores >= 1")
    rng = random.Random(seed)
    project = build_project(*_lookml(explores), default_name="synthetic", root="synthetic")
    builder = ContentBuilder("synthetic")
    _people(builder, max(8, dashboards // 25), max(6, dashboards // 40))
    n_looks = max(10, dashboards // 10)
    for i in range(1, n_looks + 1):
        builder.add_look(
            {
                "id": i,
                "title": f"Look {i}",
                "folder_id": _shared_folder(rng, builder),
                "user_id": rng.choice(list(builder.content.users)),
                "query": _query(rng, explores),
            }
        )
    for i in range(1, dashboards + 1):
        builder.add_dashboard(_dashboard(rng, builder, i, explores, n_looks))
    return assemble("synthetic", project, builder.content, "synthetic")


def write_synthetic_lookml(explores: int, directory: Path) -> int:
    """The LookML of `synthetic_instance(..., explores)` as files (a model file, one file per
    view), as a team's LookML repo would hold it; returns the number of views."""
    files, _ = _lookml(explores)
    model = files["synthetic.model.lkml"]
    (directory / "synthetic.model.lkml").write_text(lkml.dump(model), encoding="utf-8")
    views = files["all.view.lkml"]["views"]
    for view in views:
        text = lkml.dump({"views": [view]})
        (directory / f"{view['name']}.view.lkml").write_text(text, encoding="utf-8")
    return len(views)


def _lookml(n: int) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    n_dims = max(3, n // 2)
    views = [_table_view(f"dim_{j}", f"analytics.dim_{j}") for j in range(n_dims)]
    explores = []
    for i in range(n):
        views.append(_table_view(f"fact_{i}", f"analytics.fact_{i}"))
        joins = []
        for j in sorted({(i + k * 3) % n_dims for k in range(1 + i % 3)}):
            joins.append(_join(f"dim_{j}", f"fact_{i}"))
        if i % 5 == 0:
            views.append(_derived_view(f"dt_{i}", f"fact_{i}", persistent=False))
            joins.append(_join(f"dt_{i}", f"fact_{i}"))
        if i % 7 == 3:
            views.append(_derived_view(f"pdt_{i}", f"fact_{i}", persistent=True))
            joins.append(_join(f"pdt_{i}", f"fact_{i}"))
        explores.append({"name": f"fact_{i}", "joins": joins})
    model = {"connection": "synthetic_duckdb", "includes": ["/*.view.lkml"], "explores": explores}
    files = {"synthetic.model.lkml": model, "all.view.lkml": {"views": views}}
    return files, {}


def _table_view(name: str, table: str) -> dict[str, Any]:
    return {
        "name": name,
        "sql_table_name": table,
        "dimensions": [
            {"name": "id", "primary_key": "yes", "type": "number", "sql": "${TABLE}.id"},
            {"name": "key", "type": "number", "sql": "${TABLE}.key"},
            {"name": "category", "sql": "${TABLE}.category"},
        ],
        "measures": [
            {"name": "count", "type": "count"},
            {"name": "total", "type": "sum", "sql": "${TABLE}.amount"},
        ],
    }


def _derived_view(name: str, source: str, persistent: bool) -> dict[str, Any]:
    view = _table_view(name, "")
    del view["sql_table_name"]
    dt: dict[str, Any] = {
        "sql": f"SELECT key AS id, key, category, amount FROM ${{{source}.SQL_TABLE_NAME}}"
    }
    if persistent:
        dt["sql_trigger_value"] = "SELECT CURRENT_DATE"
    view["derived_table"] = dt
    return view


def _join(view: str, base: str) -> dict[str, Any]:
    return {
        "name": view,
        "sql_on": f"${{{base}.key}} = ${{{view}.id}}",
        "relationship": "many_to_one",
    }


def _people(builder: ContentBuilder, n_users: int, n_folders: int) -> None:
    builder.add_connection({"name": "synthetic_duckdb", "dialect": "duckdb", "schema": "analytics"})
    for u in range(1, n_users + 1):
        email = None if u % 11 == 0 else f"user{u}@synthetic.example"
        builder.add_user(
            {"id": u, "first_name": f"User{u}", "last_name": "Synthetic", "email": email}
        )
        builder.add_folder(
            {"id": f"p{u}", "name": f"User{u} Synthetic", "parent_id": USERS_ROOT, "personal_of": u}
        )
    for f in range(1, n_folders + 1):
        parent = SHARED_ROOT if f <= 6 else str(100 + (f % 6) + 1)
        builder.add_folder({"id": str(100 + f), "name": f"Folder {f}", "parent_id": parent})


def _shared_folder(rng: random.Random, builder: ContentBuilder) -> str:
    return rng.choice([f for f in builder.content.folders if f.isdigit() and int(f) > 100])


def _query(rng: random.Random, n_explores: int) -> dict[str, Any]:
    i = rng.randrange(n_explores)
    alias = f"fact_{i}"
    fields = [f"{alias}.category", rng.choice([f"{alias}.count", f"{alias}.total"])]
    if rng.random() < 0.4:
        fields.append(f"dim_{i % max(3, n_explores // 2)}.category")
    if i % 5 == 0 and rng.random() < 0.5:
        fields.append(f"dt_{i}.total")
    return {"model": "synthetic", "view": alias, "fields": fields, "sorts": [fields[1] + " desc"]}


def _dashboard(
    rng: random.Random, builder: ContentBuilder, i: int, n_explores: int, n_looks: int
) -> dict[str, Any]:
    users = list(builder.content.users)
    owner = rng.choice(users)
    personal = rng.random() < 0.2
    kinds = rng.choices([k for k, _ in _TILE_MIX], [w for _, w in _TILE_MIX], k=rng.randint(2, 10))
    tiles = []
    for n, kind in enumerate(kinds, 1):
        tile: dict[str, Any] = {"type": "vis", "title": f"Tile {n}"}
        if kind == "query":
            tile["query"] = _query(rng, n_explores)
        elif kind == "look":
            tile["look_id"] = str(rng.randint(1, n_looks))
        elif kind == "merge":
            tile["merge"] = [_query(rng, n_explores), _query(rng, n_explores)]
        else:
            tile = {"type": kind, "title": f"Note {n}", "body_text": "Synthetic."}
        tiles.append(tile)
    return {
        "id": i,
        "title": f"Dashboard {i}",
        "description": f"Synthetic dashboard {i}",
        "folder_id": f"p{owner}" if personal else _shared_folder(rng, builder),
        "user_id": owner,
        "deleted": rng.random() < 0.01,
        "certified": rng.random() < 0.1,
        "view_count": rng.randint(0, 5000),
        "tiles": tiles,
    }
