"""Looker-style generated SQL for `/queries/{id}/run/sql`.

What Looker does and the emulator copies: only the joins the query needs (the views of the fields
it uses, filters, sorts, pivots and dynamic fields, plus `always_join`, `required_joins` and joins
whose `sql_on` mentions another join, transitively); `@{constants}` and Liquid rendered (with the
instance's `user_attributes`); SQL and native derived tables as `WITH <view> AS (...)`.
Persistent derived tables are read from their scratch table `<tmp_db>.LR_<hash>_<view>`, which
the emulator treats as already built, as on a production instance: by default only a
`-- use existing <view> in <table>` comment says so, and the SQL shows nothing of the PDT's
inputs (the least a client can get). With `rebuild_pdts=true`, as Looker does when asked to
rebuild, `CREATE TABLE <scratch> AS <sql>;` statements come before the query, so a client must
map scratch tables to their inputs.
Filters become simple predicates; the SQL is meant to be parsed for lineage, not run.

A `sql_table_name` with a trailing `AS alias` loses that alias in generated SQL: Looker appends
its own `AS <view>`, and `t AS a AS v` is not SQL any database (or sqlglot) accepts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from exposure_sync.lookml.explores import REF, FieldDef, ResolvedExplore
from exposure_sync.lookml.project import LookmlProject, ViewDef, render_constants
from exposure_sync.lookml.views import PERSISTENCE

from .content import QuerySpec
from .liquid import render_liquid

Resolver = Callable[[str, str], ResolvedExplore | None]
_AGGREGATES = {
    "count_distinct": "COUNT(DISTINCT {})",
    "sum": "COALESCE(SUM({}), 0)",
    "average": "AVG({})",
    "min": "MIN({})",
    "max": "MAX({})",
    "median": "MEDIAN({})",
    "sum_distinct": "COALESCE(SUM(DISTINCT {}), 0)",
    "average_distinct": "AVG(DISTINCT {})",
    "list": "MAX({})",
    "percentile": "AVG({})",
}
_JOIN_TYPES = {"inner": "INNER JOIN", "full_outer": "FULL OUTER JOIN", "cross": "CROSS JOIN"}
_COMPARISON = re.compile(r"^(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TRAILING_ALIAS = re.compile(r"\s+AS\s+[A-Za-z_][\w$]*\s*$", re.IGNORECASE)


class UnknownExploreError(LookupError):
    """The query's explore is not served (removed, or never existed)."""


def is_persistent(view: ViewDef) -> bool:
    dt = view.data.get("derived_table", {})
    return any(key in dt for key in PERSISTENCE)


def generate_sql(
    resolve: Resolver,
    project: LookmlProject,
    user_attributes: dict[str, str],
    query: QuerySpec,
    rebuild_pdts: bool = False,
) -> str:
    """The SQL Looker would show for `query`; raises UnknownExploreError."""
    resolved = resolve(query.model, query.view)
    if resolved is None:
        raise UnknownExploreError(f"{query.model}/{query.view}")
    ctx = _Context(resolve, project, user_attributes, resolved, rebuild_pdts=rebuild_pdts)
    select = _Select(ctx, resolved, _dynamic_fields(query.dynamic_fields))
    body = select.sql(
        [*query.fields, *(p for p in query.pivots if p not in query.fields)],
        query.filters,
        [(s.split()[0], s.lower().endswith(" desc")) for s in query.sorts if s.strip()],
        int(query.limit) if (query.limit or "").isdigit() else 500,
    )
    return ctx.assemble(body)


def _dynamic_fields(text: str | None) -> list[dict[str, Any]]:
    """Looker serves dynamic_fields as a JSON string; a malformed one is ignored, as Looker's UI
    ignores it."""
    try:
        value = json.loads(text) if text else []
    except json.JSONDecodeError:
        return []
    return [d for d in value if isinstance(d, dict)] if isinstance(value, list) else []


@dataclass
class _Context:
    """State shared by one generated statement: its CTEs and the PDTs it needs."""

    resolve: Resolver
    project: LookmlProject
    user_attributes: dict[str, str]
    root: ResolvedExplore
    rebuild_pdts: bool = False
    ctes: dict[str, str] = field(default_factory=dict)
    creates: dict[str, str] = field(default_factory=dict)
    building: set[str] = field(default_factory=set)

    def env(self, view: str | None, explore: str | None = None) -> dict[str, Any]:
        return {
            "_user_attributes": self.user_attributes,
            "_model": {"_name": self.root.model.name},
            "_explore": {"_name": explore or self.root.explore.name},
            "_view": {"_name": view},
            "_dialect": {"_name": self.root.dialect},
            "_query": {"_query_timezone": "UTC"},
        }

    def substitute(self, text: str, view: str | None) -> str:
        return render_liquid(render_constants(text, self.project.constants), self.env(view))

    def render_table_sql(self, text: str, view: str | None) -> str:
        """Constants, Liquid, then `${x.SQL_TABLE_NAME}` (the only reference valid here)."""

        def ref(m: re.Match[str]) -> str:
            target, _, what = m.group(1).rpartition(".")
            if what == "SQL_TABLE_NAME" and target in self.root.model.views:
                return self.table_ref(self.root.model.views[target])
            return m.group(0)

        return REF.sub(ref, self.substitute(text, view))

    def table_ref(self, view: ViewDef) -> str:
        """What a view's `${TABLE}` reads: its table, its CTE, or its PDT's scratch table."""
        dt = view.data.get("derived_table")
        if dt is None:
            table = self.render_table_sql(view.data.get("sql_table_name") or view.name, view.name)
            return _TRAILING_ALIAS.sub("", table.strip())
        if view.name in self.building:  # a cycle: Looker refuses it; do not recurse forever
            return view.name
        if is_persistent(view):
            return self._scratch(view)
        if view.name not in self.ctes:
            self.building.add(view.name)
            self.ctes[view.name] = self._derived_sql(view, self)
            self.building.discard(view.name)
        return view.name

    def _scratch(self, view: ViewDef) -> str:
        tmp = (self.root.connection.tmp_db_name if self.root.connection else None) or (
            "looker_scratch"
        )
        self.building.add(view.name)
        inner = _Context(
            self.resolve, self.project, self.user_attributes, self.root, self.rebuild_pdts
        )
        inner.creates, inner.building = self.creates, self.building
        body = inner.assemble(self._derived_sql(view, inner), with_creates=False)
        self.building.discard(view.name)
        digest = hashlib.sha1(f"{view.name}\n{body}".encode()).hexdigest()[:12].upper()
        name = f"{tmp}.LR_{digest}_{view.name}"
        if self.rebuild_pdts:
            self.creates.setdefault(name, f"CREATE TABLE {name} AS {body};")
        else:
            self.creates.setdefault(name, f"-- use existing {view.name} in {name}")
        return name

    def _derived_sql(self, view: ViewDef, ctx: _Context) -> str:
        dt = view.data["derived_table"]
        if "sql" in dt:
            return ctx.render_table_sql(dt["sql"], view.name).strip().rstrip(";")
        source = dt.get("explore_source") or {}
        resolved = self.resolve(self.root.model.name, source.get("name", ""))
        if resolved is None:
            return "SELECT NULL AS missing_explore_source"
        return _native_sql(ctx, resolved, source)

    def assemble(self, body: str, with_creates: bool = True) -> str:
        parts = []
        if with_creates and self.creates:
            parts.append("\n".join(self.creates.values()))
        if self.ctes:
            ctes = [f"{name} AS ({_indent(sql)})" for name, sql in self.ctes.items()]
            parts.append("WITH " + "\n, ".join(ctes))
        parts.append(body)
        return "\n".join(parts)


def _native_sql(ctx: _Context, resolved: ResolvedExplore, source: dict[str, Any]) -> str:
    columns = []
    for col in source.get("columns", []):
        columns.append((col.get("field") or f"{resolved.alias}.{col['name']}", col["name"]))
    filters: dict[str, str] = {}
    for group in source.get("filters__all", []):
        for item in group:
            filters.update({str(k): str(v) for k, v in item.items()})
    inner = _Select(ctx, resolved, []).sql(
        [c for c, _ in columns], filters, [], None, names=dict(columns)
    )
    derived = source.get("derived_columns", [])
    if not derived:
        return inner
    extra = ",\n    ".join(f"{d['sql']} AS {d['name']}" for d in derived if d.get("sql"))
    return f"SELECT\n    t.*,\n    {extra}\nFROM ({_indent(inner)}) AS t"


class _Select:
    """One SELECT over an explore: expressions, then exactly the joins they need."""

    def __init__(self, ctx: _Context, r: ResolvedExplore, dynamic: list[dict[str, Any]]) -> None:
        self.ctx, self.r = ctx, r
        self.used: set[str] = {r.alias}
        self.custom = {d.get("measure") or d.get("dimension"): d for d in dynamic}
        self.custom.pop(None, None)
        for d in dynamic:
            refs = [d.get("based_on") or "", d.get("expression") or "", d.get("sql") or ""]
            self._touch(m.group(1) for text in refs for m in REF.finditer(text))
            self._touch([d["based_on"]] if d.get("based_on") else [])

    def _touch(self, names: Iterable[str]) -> None:
        for name in names:
            alias = name.partition(".")[0]
            if alias in self.r.joins:
                self.used.add(alias)

    def field(self, name: str) -> FieldDef | None:
        return self.r.all_fields.get(name)

    def expr(self, name: str, stack: tuple[str, ...] = ()) -> str | None:
        """SQL for a field name (`alias.field` or a custom field); None when unknown."""
        if name in stack:
            return "NULL"
        f = self.field(name)
        if f is not None:
            self._touch([name])
            return self._field_expr(f, (*stack, name))
        custom = self.custom.get(name)
        if custom is None:
            return None
        if custom.get("based_on"):
            base = self.expr(custom["based_on"], (*stack, name)) or "NULL"
            kind = custom.get("type", "count_distinct")
            return "COUNT(*)" if kind == "count" else _AGGREGATES.get(kind, "{}").format(base)
        text = custom.get("sql") or custom.get("expression")
        return self._render(text, self.r.alias, (*stack, name)) if text else None

    def _field_expr(self, f: FieldDef, stack: tuple[str, ...]) -> str:
        inner = self._render(f.sql, f.alias, stack) if f.sql else None
        if f.category == "measure":
            return self._aggregate(f, inner, stack)
        if f.timeframe and f.type.startswith("date_"):
            return _timeframe(inner or "NULL", f.timeframe, self.r.dialect)
        return inner or "NULL"

    def _aggregate(self, f: FieldDef, inner: str | None, stack: tuple[str, ...]) -> str:
        if f.type == "count":
            pk = self._primary_key(f.alias, stack)
            return f"COUNT(DISTINCT {pk})" if pk else "COUNT(*)"
        template = _AGGREGATES.get(f.type)
        if template and inner:
            return template.format(inner)
        return inner or "NULL"

    def _primary_key(self, alias: str, stack: tuple[str, ...]) -> str | None:
        view = self.r.view_for(alias)
        for dim in view.data.get("dimensions", []) if view else []:
            if dim.get("primary_key") == "yes":
                return self.expr(f"{alias}.{dim['name']}", stack)
        return None

    def _render(self, text: str, alias: str, stack: tuple[str, ...]) -> str:
        view = self.r.view_for(alias)
        text = self.ctx.substitute(text, view.name if view else None)

        def ref(m: re.Match[str]) -> str:
            target = m.group(1)
            if target == "TABLE":
                return alias
            scope, _, name = target.rpartition(".")
            if name == "SQL_TABLE_NAME":
                views = self.r.model.views
                return self.ctx.table_ref(views[scope]) if scope in views else target
            full = target if scope else f"{alias}.{name}"
            return self.expr(full, stack) or "NULL"

        return REF.sub(ref, text)

    def _needed_joins(self) -> list[tuple[str, str, str | None]]:
        """(alias, JOIN clause, sql_where) for exactly the joins the query needs, in dependency
        order: a fixpoint over `always_join`, `required_joins` and what each join's SQL mentions."""
        self._touch(self.r.explore.data.get("always_join", []))
        clauses: dict[str, tuple[str, str | None]] = {}
        while pending := [a for a in self.r.joins if a in self.used and a not in clauses]:
            for alias in pending:
                clauses[alias] = self._join_clause(alias)
        order: list[str] = []

        def visit(alias: str, path: tuple[str, ...]) -> None:
            if alias in order or alias in path:
                return
            for dep in self._join_deps(alias):
                if dep in clauses:
                    visit(dep, (*path, alias))
            order.append(alias)

        for alias in self.r.joins:
            if alias in clauses:
                visit(alias, ())
        return [(a, *clauses[a]) for a in order]

    def _join_deps(self, alias: str) -> list[str]:
        d = self.r.joins[alias].data
        texts = [d.get("sql_on") or "", d.get("sql_where") or ""]
        names = [m.group(1) for t in texts for m in REF.finditer(t)]
        names += list(d.get("required_joins", [])) + [d.get("foreign_key") or ""]
        deps = {n.partition(".")[0] for n in names} - {alias}
        return [a for a in self.r.joins if a in deps]

    def _join_clause(self, alias: str) -> tuple[str, str | None]:
        join = self.r.joins[alias]
        d = join.data
        self._touch(d.get("required_joins", []))
        table = self.ctx.table_ref(self.r.model.views[join.view])
        keyword = _JOIN_TYPES.get(d.get("type", ""), "LEFT JOIN")
        on = ""
        if d.get("sql_on"):
            on = self._render(d["sql_on"], alias, ())
        elif d.get("foreign_key"):
            fk = d["foreign_key"]
            fk = fk if "." in fk else f"{self.r.alias}.{fk}"
            on = f"{self.expr(fk) or 'NULL'} = {self._primary_key(alias, ()) or 'NULL'}"
        where = self._render(d["sql_where"], alias, ()) if d.get("sql_where") else None
        clause = f"{keyword} {table} AS {alias}"
        return (f"{clause} ON {on}" if on and keyword != "CROSS JOIN" else clause), where

    def sql(
        self,
        fields: list[str],
        filters: dict[str, str],
        sorts: list[tuple[str, bool]],
        limit: int | None,
        names: dict[str, str] | None = None,
    ) -> str:
        columns, dims, measures = [], [], []
        for name in fields:
            expr = self.expr(name)
            if expr is None:
                continue  # a table calculation or a field the explore no longer has
            column = (names or {}).get(name) or name.replace(".", "_")
            columns.append((name, f"{expr} AS {column}"))
            (measures if self._is_measure(name) else dims).append(str(len(columns)))
        where, having = self._filters(filters)
        data = self.r.explore.data
        if data.get("sql_always_where"):
            where.append(f"({self._render(data['sql_always_where'], self.r.alias, ())})")
        if data.get("sql_always_having"):
            having.append(f"({self._render(data['sql_always_having'], self.r.alias, ())})")
        order = self._order(sorts, [c for c, _ in columns])
        joins = self._needed_joins()
        where += [f"({w})" for _, _, w in joins if w]
        own_table = data.get("sql_table_name")  # the explore's own, over its base view's
        base = (
            _TRAILING_ALIAS.sub("", self.ctx.render_table_sql(own_table, self.r.alias).strip())
            if own_table
            else self.ctx.table_ref(self.r.model.views[self.r.explore.view])
        )
        lines = ["SELECT", ",\n".join(f"    {c}" for _, c in columns) or "    1 AS dummy"]
        lines.append(f"FROM {base} AS {self.r.alias}")
        lines.extend(clause for _, clause, _ in joins)
        if where:
            lines.append("WHERE " + " AND ".join(where))
        if dims:
            lines.append("GROUP BY " + ", ".join(dims))
        if having:
            lines.append("HAVING " + " AND ".join(having))
        if order:
            lines.append("ORDER BY " + ", ".join(order))
        if limit:
            lines.append(f"LIMIT {limit}")
        return "\n".join(lines)

    def _is_measure(self, name: str) -> bool:
        f = self.field(name)
        if f is not None:
            return f.category == "measure"
        custom = self.custom.get(name) or {}
        return "measure" in custom

    def _filters(self, filters: dict[str, str]) -> tuple[list[str], list[str]]:
        where, having = [], []
        for name, value in filters.items():
            expr = self.expr(name)
            if expr is None or value == "":
                continue
            f = self.field(name)
            cond = _predicate(expr, value, f.type if f else "string")
            (having if self._is_measure(name) else where).append(cond)
        return where, having

    def _order(self, sorts: list[tuple[str, bool]], selected: list[str]) -> list[str]:
        out = []
        for name, desc in sorts:
            position = selected.index(name) + 1 if name in selected else None
            term = str(position) if position else self.expr(name) or ""
            if term:
                out.append(term + (" DESC" if desc else ""))
        return out


def _timeframe(expr: str, timeframe: str, dialect: str) -> str:
    if timeframe in ("raw", "time"):
        return expr
    if timeframe == "date":
        return f"CAST({expr} AS DATE)"
    if timeframe in ("week", "month", "quarter", "year", "hour", "minute"):
        if dialect.startswith("bigquery"):
            return f"TIMESTAMP_TRUNC({expr}, {timeframe.upper()})"
        return f"DATE_TRUNC('{timeframe}', {expr})"
    return expr


def _predicate(expr: str, value: str, field_type: str) -> str:
    """A small subset of Looker filter expressions, enough for parseable SQL."""
    positive, negative = [], []
    for term in (t.strip() for t in value.split(",")):
        if not term:
            continue
        negated = term.startswith("-") and not _NUMBER.match(term)
        term = term[1:] if negated else term
        cond = _term(expr, term, field_type)
        (negative if negated else positive).append(f"NOT ({cond})" if negated else cond)
    parts = []
    if positive:
        parts.append("(" + " OR ".join(positive) + ")")
    parts.extend(negative)
    return "(" + " AND ".join(parts) + ")" if parts else "1=1"


def _term(expr: str, term: str, field_type: str) -> str:
    upper = term.upper()
    if upper == "NULL":
        return f"{expr} IS NULL"
    if upper == "EMPTY":
        return f"({expr} IS NULL OR {expr} = '')"
    if field_type == "yesno":
        return f"({expr})" if term.lower() == "yes" else f"NOT ({expr})"
    if field_type.startswith("date_") or field_type == "time":
        return f"{expr} IS NOT NULL"  # relative dates ("7 days") are not modelled
    match = _COMPARISON.match(term)
    if match:
        return f"{expr} {match.group(1)} {match.group(2)}"
    if _NUMBER.match(term) and field_type in ("number", "count", "sum", "average"):
        return f"{expr} = {term}"
    literal = "'" + term.replace("'", "''") + "'"
    return f"{expr} LIKE {literal}" if "%" in term else f"{expr} = {literal}"


def _indent(sql: str) -> str:
    return "\n    " + sql.replace("\n", "\n    ") + "\n"
