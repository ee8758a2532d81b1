"""LookmlModelExplore responses computed from the merged LookML, as Looker serves them.

Choices where Looker's behaviour is undocumented (each is the one that helps a client least):
- `sql_table_name` (explore and joins) is the view's `sql_table_name` exactly as written:
  `@{constants}`, Liquid and `${view.SQL_TABLE_NAME}` are not rendered. A view with neither
  `sql_table_name` nor `derived_table` reports its own name (the table Looker queries). Every
  derived table (SQL, native, persistent) reports `null`: a client must ask `/queries/{id}/run/sql`.
- `view_name` is the view the explore is built on (after `from:`); the alias the fields use is only
  visible in the fields' `view` (alias) vs `original_view` (view).
- `required_joins` lists only the LookML `required_joins:`; joins needed because a join's `sql_on`
  mentions another join are not added there (see `dependent_fields`: the fields a join's `sql_on`,
  `sql_where` and `foreign_key` mention, as written).
- Field `sql` is the LookML `sql:` as written (`${TABLE}.col`); a dimension without `sql:` reports
  Looker's default `${TABLE}.<name>`; a count measure has no SQL (`null`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from exposure_sync.lookml.project import ExploreDef, LookmlProject, ModelDef, ViewDef

REF = re.compile(r"\$\{\s*([\w.]+)\s*\}")
DEFAULT_TIMEFRAMES = ("raw", "time", "date", "week", "month", "quarter", "year")
DEFAULT_INTERVALS = ("day", "hour", "minute", "second")
NUMERIC_TYPES = {"number", "count", "count_distinct", "sum", "average", "min", "max", "median"}
_CATEGORIES = (
    ("dimensions", "dimension"),
    ("dimension_groups", "dimension"),
    ("measures", "measure"),
    ("filters", "filter"),
    ("parameters", "parameter"),
)


class Connection(Protocol):
    """What an explore needs of its connection: the emulator's Connection is one; the
    LookML files alone know none (None)."""

    @property
    def dialect(self) -> str: ...


@dataclass(slots=True)
class FieldDef:
    name: str  # "alias.field", as queries use it
    alias: str
    view: str  # the view the field is defined in (`original_view`)
    short: str
    category: str  # dimension | measure | filter | parameter
    type: str
    sql: str | None  # as written
    data: dict[str, Any]
    group: str | None = None  # dimension_group name
    timeframe: str | None = None  # time frame or duration interval


@dataclass(slots=True)
class JoinDef:
    alias: str
    view: str
    data: dict[str, Any]


@dataclass
class ResolvedExplore:
    project: LookmlProject
    model: ModelDef
    explore: ExploreDef
    connection: Connection | None
    joins: dict[str, JoinDef] = field(default_factory=dict)
    fields: dict[str, FieldDef] = field(default_factory=dict)  # served (after `fields:`)
    all_fields: dict[str, FieldDef] = field(default_factory=dict)  # what SQL may reference

    @property
    def alias(self) -> str:
        return self.explore.alias

    def view_for(self, alias: str) -> ViewDef | None:
        if alias == self.alias:
            return self.model.views[self.explore.view]
        join = self.joins.get(alias)
        return self.model.views[join.view] if join else None

    @property
    def dialect(self) -> str:
        return self.connection.dialect if self.connection else "unknown"


def served_table_name(view: ViewDef) -> str | None:
    """What Looker reports as a view's `sql_table_name` (see the module docstring)."""
    if "derived_table" in view.data:
        return None
    return view.data.get("sql_table_name") or view.name


def resolve_explore(
    project: LookmlProject, connections: dict[str, Connection], model: str, explore: str
) -> ResolvedExplore | None:
    """The explore with joins and fields, or None when the model or explore is not served."""
    m = project.models.get(model)
    e = m.explores.get(explore) if m else None
    if m is None or e is None or e.is_extension:
        return None
    resolved = ResolvedExplore(project, m, e, connections.get(m.connection))
    for join in e.data.get("joins", []):
        resolved.joins[join["name"]] = JoinDef(join["name"], join.get("from") or join["name"], join)
    _add_fields(resolved, e.alias, m.views[e.view], None)
    for join in resolved.joins.values():
        _add_fields(resolved, join.alias, m.views[join.view], join.data.get("fields"))
    if e.data.get("fields"):
        keep = _select(list(resolved.fields.values()), e.data["fields"], None, resolved)
        resolved.fields = {f.name: f for f in resolved.fields.values() if f.name in keep}
    return resolved


def _expand(alias: str, view: ViewDef) -> list[FieldDef]:
    out: list[FieldDef] = []
    for key, category in _CATEGORIES:
        for item in view.data.get(key, []):
            name = item["name"]
            if key == "dimension_groups":
                out.extend(_expand_group(alias, view, item))
                continue
            default_type = "count" if key == "measures" else "string"
            sql = item.get("sql")
            if sql is None and key == "dimensions":
                sql = "${TABLE}." + name
            out.append(
                FieldDef(
                    f"{alias}.{name}",
                    alias,
                    view.name,
                    name,
                    category,
                    item.get("type", default_type),
                    sql,
                    item,
                )
            )
    return out


def _expand_group(alias: str, view: ViewDef, item: dict[str, Any]) -> list[FieldDef]:
    name = item["name"]
    if item.get("type") == "duration":
        sql = item.get("sql_end")
        return [
            FieldDef(
                f"{alias}.{i}s_{name}",
                alias,
                view.name,
                f"{i}s_{name}",
                "dimension",
                f"duration_{i}",
                sql,
                item,
                name,
                i,
            )  # fmt: skip
            for i in item.get("intervals", DEFAULT_INTERVALS)
        ]
    sql = item.get("sql", "${TABLE}." + name)
    return [
        FieldDef(
            f"{alias}.{name}_{tf}",
            alias,
            view.name,
            f"{name}_{tf}",
            "dimension",
            f"date_{tf}",
            sql,
            item,
            name,
            tf,
        )  # fmt: skip
        for tf in item.get("timeframes", DEFAULT_TIMEFRAMES)
    ]


def _add_fields(
    resolved: ResolvedExplore, alias: str, view: ViewDef, restrict: list[str] | None
) -> None:
    fields = _expand(alias, view)
    resolved.all_fields.update((f.name, f) for f in fields)
    if restrict is not None:
        keep = _select(fields, restrict, alias, resolved)
        fields = [f for f in fields if f.name in keep]
    for f in fields:
        resolved.fields[f.name] = f


def _select(
    fields: list[FieldDef], spec: list[str], alias: str | None, resolved: ResolvedExplore
) -> set[str]:
    """Apply a LookML `fields:` list (`ALL_FIELDS*`, `set*`, `-field`, `view.field`)."""
    include: set[str] = set()
    exclude: set[str] = set()
    for raw in spec:
        target = exclude if raw.startswith("-") else include
        target.update(_match(fields, raw.lstrip("-"), alias, resolved))
    return include - exclude


def _match(
    fields: list[FieldDef], item: str, alias: str | None, resolved: ResolvedExplore
) -> set[str]:
    scope, _, name = item.rpartition(".")
    scope = scope or alias or ""
    in_scope = [f for f in fields if not scope or f.alias == scope]
    if name == "ALL_FIELDS*":
        return {f.name for f in in_scope}
    if name.endswith("*"):
        view = resolved.view_for(scope)
        sets = {s["name"]: s.get("fields", []) for s in (view.data.get("sets", []) if view else [])}
        names: set[str] = set()
        for member in sets.get(name[:-1], []):
            names |= _match(fields, member, scope, resolved)
        return names
    return {f.name for f in in_scope if name in (f.short, f.group)}


# --- JSON -----------------------------------------------------------------------------------


def explore_json(r: ResolvedExplore) -> dict[str, Any]:
    """The LookmlModelExplore body for a resolved explore."""
    e, m = r.explore, r.model
    base_view = m.views[e.view]
    data = e.data
    join_files = {m.views[j.view].file for j in r.joins.values()}
    files = sorted({m.file, e.file, base_view.file} | join_files)
    return {
        "id": f"{m.name}::{e.name}",
        "name": e.name,
        "description": data.get("description"),
        "label": data.get("label") or _title(e.name),
        "title": data.get("label") or _title(e.name),
        "scopes": [e.alias, *r.joins],
        "can_total": True,
        "can_develop": True,
        "can_see_lookml": True,
        "lookml_link": f"/projects/{r.project.name}/files/{e.file}",
        "can_save": True,
        "can_explain": False,
        "can_pivot_in_db": True,
        "can_subtotal": True,
        "has_timezone_support": False,
        "supports_cost_estimate": False,
        "connection_name": m.connection,
        "dialect_name": r.dialect,
        "null_sort_treatment": "low",
        "files": files,
        "source_file": e.file,
        "project_name": r.project.name,
        "model_name": m.name,
        "view_name": e.view,
        "hidden": data.get("hidden") == "yes",
        # an explore's own sql_table_name replaces its base view's table
        "sql_table_name": data.get("sql_table_name") or served_table_name(base_view),
        "access_filter_fields": [],
        "access_filters": [],
        "aliases": [],
        "always_filter": [],
        "conditionally_filter": [],
        "index_fields": [],
        "sets": [],
        "tags": list(data.get("tags", [])),
        "errors": [],
        "fields": _fieldset(r),
        "joins": [_join_json(r, j) for j in r.joins.values()],
        "group_label": data.get("group_label"),
        "supported_measure_types": [],
        "always_join": list(data.get("always_join", [])),
    }


def _join_json(r: ResolvedExplore, join: JoinDef) -> dict[str, Any]:
    d = join.data
    refs = [d.get("sql_on") or "", d.get("sql_where") or ""]
    dependent = sorted({m.group(1) for text in refs for m in REF.finditer(text)})
    if d.get("foreign_key"):
        fk = d["foreign_key"]
        dependent = sorted({*dependent, fk if "." in fk else f"{r.alias}.{fk}"})
    return {
        "name": join.alias,
        "dependent_fields": dependent,
        "fields": list(d["fields"]) if "fields" in d else None,
        "foreign_key": d.get("foreign_key"),
        "from": d.get("from"),
        "outer_only": d.get("outer_only") == "yes",
        "relationship": d.get("relationship", "many_to_one"),
        "required_joins": list(d.get("required_joins", [])),
        "sql_foreign_key": None,
        "sql_on": d.get("sql_on"),
        "sql_table_name": served_table_name(r.model.views[join.view]),
        "type": d.get("type", "left_outer"),
        "view_label": d.get("view_label"),
    }


def _fieldset(r: ResolvedExplore) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {
        "dimensions": [],
        "measures": [],
        "filters": [],
        "parameters": [],
    }
    for f in r.fields.values():
        out[f.category + "s"].append(_field_json(r, f))
    return out


def _field_json(r: ResolvedExplore, f: FieldDef) -> dict[str, Any]:
    d = f.data
    join = r.joins.get(f.alias)
    view_label = (join.data.get("view_label") if join else None) or _title(f.alias)
    label_short = d.get("label") or _title(f.short)
    numeric = f.type in NUMERIC_TYPES
    view_file = r.model.views[f.view].file
    return {
        "align": "right" if numeric else "left",
        "can_filter": True,
        "category": f.category,
        "default_filter_value": None,
        "description": d.get("description"),
        "dimension_group": f.group,
        "enumerations": None,
        "error": None,
        "field_group_label": d.get("group_label"),
        "fiscal_month_offset": 0,
        "has_allowed_values": False,
        "has_drills_metadata": False,
        "hidden": d.get("hidden") == "yes",
        "is_filter": f.category == "filter",
        "is_fiscal": False,
        "is_numeric": numeric,
        "is_timeframe": f.timeframe is not None,
        "can_time_filter": f.type.startswith("date_"),
        "label": f"{view_label} {label_short}",
        "label_short": label_short,
        "lookml_link": f"/projects/{r.project.name}/files/{view_file}",
        "measure": f.category == "measure",
        "name": f.name,
        "strict_value_format": False,
        "parameter": f.category == "parameter",
        "permanent": None,
        "primary_key": d.get("primary_key") == "yes",
        "project_name": r.project.name,
        "requires_refresh_on_sort": False,
        "scope": f.alias,
        "sortable": True,
        "source_file": view_file,
        "source_file_path": f"{r.project.name}/{view_file}",
        "sql": f.sql,
        "sql_case": None,
        "suggest_dimension": f.name,
        "suggest_explore": r.explore.name,
        "suggestable": not numeric,
        "suggestions": None,
        "tags": list(d.get("tags", [])),
        "type": f.type,
        "value_format": d.get("value_format"),
        "value_format_name": d.get("value_format_name"),
        "view": f.alias,
        "view_label": view_label,
        "dynamic": False,
        "times_used": 0,
        "original_view": f.view,
    }


def _title(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split("_"))
