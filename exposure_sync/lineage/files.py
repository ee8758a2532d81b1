"""Views resolved from the LookML files instead of Looker's generated SQL.

A view the files define gets its relations from them, rendered as Looker would render them:
`@{constants}` (the project's, with overrides; the config's `constants` win), Liquid,
`{% parameter %}` values, `${x.SQL_TABLE_NAME}` recursively (cycle-safe), a native derived
table's explore_source through the views its fields need in that explore (at query precision),
and `sql_create` / `create_process` steps. Whatever cannot be rendered or parsed leaves that view
to the API path (generated SQL), with a note saying why; so does a view the files lack. A view
whose `sql_table_name` in the files differs from what Looker serves is noted (the checkout is out
of date) and resolved from the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from exposure_sync.config import Config
from exposure_sync.lineage.liquid import ParameterValues
from exposure_sync.lineage.resolve import (
    ResolveContext,
    TableResolution,
    join_table,
    resolve_derived_sql,
    resolve_sql_table_name,
    views_needed,
)
from exposure_sync.looker.decode import explore_from_json
from exposure_sync.looker.models import Explore, Query
from exposure_sync.lookml.explores import explore_json, resolve_explore
from exposure_sync.lookml.project import LookmlProject
from exposure_sync.lookml.views import FileView, LookmlFiles


@dataclass
class FileResolution:
    """A view resolved from the files; `resolution.needs_generated_sql`: fall back."""

    view: FileView
    resolution: TableResolution


@dataclass
class FileViews:
    """Resolves views from the files, each once per connection context."""

    files: LookmlFiles
    config: Config
    notes: set[str] = field(default_factory=set)
    _done: dict[tuple[int, str, str, str, str | None], FileResolution] = field(default_factory=dict)
    _explores: dict[tuple[str, str, str], Explore | None] = field(default_factory=dict)
    _parameters: dict[tuple[str, str], dict[str, ParameterValues]] = field(default_factory=dict)

    def resolve(
        self, explore: Explore, view_name: str, served_table: str | None, ctx: ResolveContext
    ) -> FileResolution | None:
        """The view from the files, or None when they do not define it (noted)."""
        project = self.files.project_for(explore.project_name, explore.model)
        if project is None:
            self.notes.add(
                f"model {explore.model}: not in the LookML files given (project "
                f"{explore.project_name or 'unknown'}); its derived tables come from Looker's "
                "generated SQL"
            )
            return None
        table = _explore_table(project, explore.model, explore.name, view_name)
        if table is not None and _normal(table) == _normal(served_table):
            # the explore's own sql_table_name, for its base view
            found = self.resolve_in(project, explore.model, view_name, ctx, table)
        else:
            found = self.resolve_in(project, explore.model, view_name, ctx)
        if found is None:
            self.notes.add(
                f"view {explore.model}.{view_name}: Looker lists it but the LookML files do not "
                "define it (is the checkout up to date?); its tables come from Looker"
            )
            return None
        self._compare(found.view, served_table)
        return found

    def resolve_in(
        self,
        project: LookmlProject,
        model: str,
        view_name: str,
        ctx: ResolveContext,
        table: str | None = None,
    ) -> FileResolution | None:
        """A view of one of the project's models, from the files alone (cached); `table`: an
        explore's `sql_table_name`, which replaces its base view's table there."""
        view = self.files.view(project, model, view_name)
        if view is None:
            return None
        if table is not None:
            view = replace(view, sql_table_name=table, derived_sql=None, create_steps=(),
                           explore_source=None, persistent=False)  # fmt: skip
        key = (id(ctx), project.root, model, view_name, table)
        if key not in self._done:
            result = self._resolve(project, view, ctx, (view.name,))
            self._done[key] = FileResolution(view, result)
        return self._done[key]

    def _compare(self, view: FileView, served: str | None) -> None:
        if _normal(view.sql_table_name) != _normal(served):
            files = view.sql_table_name or "a derived table"
            looker = served or "a derived table"
            self.notes.add(
                f"view {view.model}.{view.name}: the LookML files say {files!r} where Looker "
                f"serves {looker!r} (is the checkout up to date?); the files are used"
            )

    def _context(
        self, project: LookmlProject, view: FileView, ctx: ResolveContext
    ) -> ResolveContext:
        def resolver(name: str, seen: tuple[str, ...]) -> TableResolution | None:
            other = self.files.view(project, view.model, name)
            return None if other is None else self._resolve(project, other, ctx, seen)

        return replace(
            ctx,
            constants={**project.constants, **self.config.constants},
            view=view.name,
            view_resolver=resolver,
            parameters={**self._model_parameters(project, view.model), **_own(view)},
        )

    def _model_parameters(self, project: LookmlProject, model: str) -> dict[str, ParameterValues]:
        """Every view's parameters as `view.name` (another view's are written so)."""
        key = (project.root, model)
        if key not in self._parameters:
            found: dict[str, ParameterValues] = {}
            for name, view in project.models[model].views.items():
                for p in view.data.get("parameters", []):
                    if p.get("name") and any(k in p for k in ("allowed_values", "default_value")):
                        other = self.files.view(project, model, name)
                        found.update({f"{name}.{k}": v for k, v in _own(other).items()})
                        break
            self._parameters[key] = found
        return self._parameters[key]

    def _resolve(
        self, project: LookmlProject, view: FileView, ctx: ResolveContext, seen: tuple[str, ...]
    ) -> TableResolution:
        local = self._context(project, view, ctx)
        if not view.is_derived:
            return resolve_sql_table_name(view.sql_table_name, local, seen)
        parts: list[TableResolution] = []
        if view.derived_sql is not None:
            parts.append(resolve_derived_sql(view.derived_sql, local, seen))
        parts += [resolve_derived_sql(step, local, seen) for step in view.create_steps]
        if view.explore_source is not None:
            parts.append(self._native(project, view, ctx, seen))
        if not parts:
            note = "its derived_table has neither sql, explore_source nor sql_create"
            return TableResolution(needs_generated_sql=True, notes=(note,))
        return _merged(parts)

    def _native(
        self, project: LookmlProject, view: FileView, ctx: ResolveContext, seen: tuple[str, ...]
    ) -> TableResolution:
        """A native derived table: the views its fields need in its source explore."""
        source = view.explore_source
        assert source is not None
        explore = self._explore(project, view.model, source.explore)
        if explore is None:
            note = f"explore_source {source.explore} is not an explore of model {view.model}"
            return TableResolution(needs_generated_sql=True, notes=(note,))
        query = Query(None, view.model, source.explore, fields=source.fields)
        parts = []
        for alias in sorted(views_needed(explore, query)):
            _, name = join_table(explore, alias)
            if name in seen:
                chain = " -> ".join((*seen, name))
                note = f"circular reference {chain}"
                parts.append(TableResolution(needs_generated_sql=True, notes=(note,)))
                continue
            other = self.files.view(project, view.model, name)
            if other is not None:
                parts.append(self._resolve(project, other, ctx, (*seen, name)))
        return _merged(parts)

    def _explore(self, project: LookmlProject, model: str, name: str) -> Explore | None:
        """The explore as Looker would serve it, built from the files."""
        key = (project.root, model, name)
        if key not in self._explores:
            resolved = resolve_explore(project, {}, model, name)
            self._explores[key] = explore_from_json(explore_json(resolved)) if resolved else None
        return self._explores[key]


def _explore_table(project: LookmlProject, model: str, explore: str, view: str) -> str | None:
    """An explore's own `sql_table_name` (it overrides its base view's table)."""
    m = project.models.get(model)
    found = m.explores.get(explore) if m else None
    table = found.data.get("sql_table_name") if found and found.view == view else None
    return str(table) if table else None


def _own(view: FileView | None) -> dict[str, ParameterValues]:
    params = view.parameters if view else ()
    return {p.name: ParameterValues(p.values, p.quoted) for p in params}


def _normal(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text.strip().rstrip(";").strip())


def _merged(parts: list[TableResolution]) -> TableResolution:
    relations = frozenset().union(*(p.relations for p in parts)) if parts else frozenset()
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    return TableResolution(relations, any(p.needs_generated_sql for p in parts), notes)
