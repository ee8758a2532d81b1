"""Which of an explore's views a query needs, the way Looker decides which joins to write.

A query needs the explore's base view, the view of every field it uses (fields, filters, sorts,
pivots, dynamic fields), the views those fields' SQL references, and every join that makes a
needed join reachable: `required_joins`, `always_join`, and the views a join's `sql_on` or
`foreign_key` references, transitively. Names that are not an alias of the explore (table
calculations, custom fields, fields of views that were removed) are ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any, Literal

from exposure_sync.looker.models import Explore, ExploreField, ExploreJoin, Query

Granularity = Literal["query", "explore"]
# ids of explore_query()'s ad-hoc queries; Looker's own query ids are numbers
ADHOC_QUERY_PREFIX = "explore:"
# ids we give a tile's query that Looker served without one (LookML dashboards may)
INLINE_QUERY_PREFIX = "inline:"

# ${view.field} (and ${view.SQL_TABLE_NAME}); ${field} and ${TABLE} stay in their own view.
_REFERENCE = re.compile(r"\$\{\s*(\w+)\.(\w+)\s*\}")
# ${field}: a field of the same view, whose own SQL may reach other views
_LOCAL_REFERENCE = re.compile(r"\$\{\s*(\w+)\s*\}")


def views_needed(explore: Explore, query: Query, granularity: Granularity = "query") -> set[str]:
    """The join aliases (and the base alias) the query needs; "explore": every one of them."""
    base = base_alias(explore)
    if granularity == "explore":
        return {base, *(join.name for join in explore.joins)}
    closure = _Closure(explore, base)
    for alias in (base, *explore.always_join):
        closure.add_view(alias)
    for name in query_field_names(query):
        closure.add_field(name)
    return closure.run()


def explore_query(explore: Explore) -> Query:
    """An ad-hoc query reading every view of the explore (a field of each), for lineage at
    explore granularity where no saved query exists (a merged tile's source explores): its
    generated SQL holds every derived table the explore can join. Its id is not Looker's."""
    first_field: dict[str, str] = {}
    # a dimension whose SQL reads only its own view joins exactly that view; filters and
    # parameters select nothing, so they would not make Looker join it
    selectable = [f for f in explore.fields if f.kind in ("dimension", "measure")]
    # reading only its own view matters more than being a dimension
    for field in sorted(
        selectable, key=lambda f: (_reads_others(f), f.kind != "dimension", f.name)
    ):
        first_field.setdefault(field.view, field.name)
    return Query(
        id=f"{ADHOC_QUERY_PREFIX}{explore.model}::{explore.name}",
        model=explore.model,
        explore=explore.name,
        fields=tuple(first_field[alias] for alias in sorted(first_field)),
    )


def inline_query_id(query: Query) -> str:
    """A stable id for a query Looker served without one, from what the query is."""
    what = [query.model, query.explore, query.fields, query.filters, query.sorts, query.pivots]
    digest = hashlib.sha1(json.dumps([*what, query.dynamic_fields]).encode("utf-8"))
    return f"{INLINE_QUERY_PREFIX}{query.model}::{query.explore}:{digest.hexdigest()[:12]}"


def inline_request(explore: Explore, query: Query) -> Query:
    """What to run inline for a query Looker gave no id, to read its SQL for its tables. Its
    filter values are not kept, so filtered fields are selected instead (Looker joins their
    views either way); filter-only fields and parameters cannot be selected, so a selectable
    field of their view stands in for them; sorts on fields not selected are left out (Looker
    refuses those). Lineage checks that the request still needs every derived view."""
    kinds = {f.name: f.kind for f in explore.fields}
    wanted = [*query.fields, *query.filters]
    # names the explore does not list (custom fields, table calculations) stay as they are
    kept = [n for n in wanted if kinds.get(n, "dimension") in _SELECTABLE]
    # a dropped field's view must still be joined: select the field explore_query picks there
    stand_ins = {_alias(name): name for name in explore_query(explore).fields}
    dropped_views = {_alias(n) for n in wanted if n not in kept} - {_alias(n) for n in kept}
    kept += [stand_ins[alias] for alias in sorted(dropped_views) if alias in stand_ins]
    fields = tuple(dict.fromkeys(kept))
    sorts = tuple(n for n in query.sorts if n in fields)
    return Query(query.id, query.model, query.explore, fields, (), sorts, query.pivots,
                 query.dynamic_fields)  # fmt: skip


_SELECTABLE = ("dimension", "measure")


def is_made_up(query_id: str) -> bool:
    """An id of ours, not Looker's: its SQL is asked by running the query inline."""
    return query_id.startswith((ADHOC_QUERY_PREFIX, INLINE_QUERY_PREFIX))


def _reads_others(field: ExploreField) -> bool:
    return any(_alias(name) != field.view for name in _references(field.sql))


def base_alias(explore: Explore) -> str:
    """The alias the base view's fields carry: the explore's name, or `view_name` when the
    explore was declared with `view_name:` (Looker then prefixes fields with the view)."""
    joins = {join.name for join in explore.joins}
    used = {f.view for f in explore.fields}
    for candidate in (explore.name, explore.view_name):
        if candidate not in joins and candidate in used:
            return candidate
    return explore.name


def join_table(explore: Explore, alias: str) -> tuple[str | None, str]:
    """(sql_table_name as served, underlying view name) behind an alias; honours `from:`."""
    if alias == base_alias(explore):
        return explore.sql_table_name, explore.view_name
    for join in explore.joins:
        if join.name == alias:
            return join.sql_table_name, join.from_view or join.name
    raise KeyError(f"explore {explore.model}::{explore.name} has no view {alias!r}")


def query_field_names(query: Query) -> set[str]:
    """Every field name the query uses, dynamic fields' references included."""
    # sorts are field names: decode.query_from_json drops " desc" / " asc"
    names = {*query.fields, *query.filters, *query.sorts, *query.pivots}
    names |= set(_dynamic_field_references(query.dynamic_fields))
    return names


class _Closure:
    """Views needed so far, grown until every needed field and join has what it needs."""

    def __init__(self, explore: Explore, base: str) -> None:
        self.base = base
        self.fields = {f.name: f for f in explore.fields}
        self.joins = {join.name: join for join in explore.joins}
        self.aliases = {base, *self.joins}
        self.views: set[str] = set()
        self.seen_fields: set[str] = set()
        self.todo_fields: list[str] = []
        self.todo_joins: list[ExploreJoin] = []

    def add_view(self, alias: str) -> None:
        if alias in self.aliases and alias not in self.views:
            self.views.add(alias)
            if alias in self.joins and alias != self.base:
                self.todo_joins.append(self.joins[alias])

    def add_field(self, name: str) -> None:
        if _alias(name) in self.aliases and name not in self.seen_fields:
            self.seen_fields.add(name)
            self.todo_fields.append(name)

    def run(self) -> set[str]:
        while self.todo_fields or self.todo_joins:
            if self.todo_fields:
                name = self.todo_fields.pop()
                self.add_view(_alias(name))
                field = self.fields.get(name)
                for reference in _field_references(field):
                    self.add_field(reference)
            else:
                join = self.todo_joins.pop()
                for alias in join.required_joins:
                    self.add_view(alias)
                for name in _join_fields(join, self.base):
                    self.add_field(name)
        return self.views


def _join_fields(join: ExploreJoin, base: str) -> Iterator[str]:
    """Fields a join's condition uses (Looker lists them as dependent_fields too)."""
    yield from join.dependent_fields
    yield from _references(join.sql_on)
    if join.foreign_key:
        yield _field_name(join.foreign_key, base)


def _field_name(name: str | None, base: str) -> str:
    # foreign_key may name a base-view dimension without its view.
    if not name:
        return ""
    return name if "." in name else f"{base}.{name}"


def _field_references(field: ExploreField | None) -> Iterator[str]:
    """Fields a field's SQL uses: ${view.field}, and ${field} of its own view."""
    if field is None:
        return
    yield from _references(field.sql)
    for name in _LOCAL_REFERENCE.findall(field.sql or ""):
        if name.upper() != "TABLE":
            yield f"{field.view}.{name}"


def _references(sql: str | None) -> Iterator[str]:
    for view, field in _REFERENCE.findall(sql or ""):
        if field.upper() != "SQL_TABLE_NAME":
            yield f"{view}.{field}"


def _alias(field_name: str) -> str:
    return field_name.split(".", 1)[0] if "." in field_name else ""


def _dynamic_field_references(dynamic_fields: str | None) -> Iterator[str]:
    """Field names a query's dynamic fields use: `based_on`, filters, and ${view.field}."""
    try:
        items = json.loads(dynamic_fields) if dynamic_fields else []
    except ValueError:
        return  # Looker serves its own JSON; if it is unreadable, the query's fields still count
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            yield from _item_references(item)


def _item_references(item: dict[str, Any]) -> Iterator[str]:
    if isinstance(item.get("based_on"), str):
        yield item["based_on"]
    if isinstance(item.get("filters"), dict):
        yield from (k for k in item["filters"] if isinstance(k, str))
    for value in item.values():
        if isinstance(value, str):
            yield from _references(value)
