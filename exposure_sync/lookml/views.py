"""The LookML files as lineage reads them: for each model's view, what its table is made of.

A `FileView` says where a view's rows come from, as written (constants, Liquid and
`${x.SQL_TABLE_NAME}` are rendered by lineage, which knows the connection and user attributes):
a `sql_table_name` (or the view's own name, Looker's default), a derived table's `sql`, the
statements of `sql_create` / `create_process`, or a native derived table's `explore_source`.
`LookmlFiles` holds every project read (`--lookml-dir`, `lookml_projects`) and finds a model's
files from the project Looker names for an explore (`project_name`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from exposure_sync.errors import BadInputError
from exposure_sync.lookml.project import LookmlProject, ModelDef, ViewDef, load_project

# a derived table with any of these is persistent (built once into Looker's scratch schema)
PERSISTENCE = (
    "datagroup_trigger",
    "sql_trigger_value",
    "persist_for",
    "persist_with",
    "materialized_view",
    "increment_key",
    "publish_as_db_view",
)
# parameter types Looker writes into SQL without quotes
_UNQUOTED_TYPES = ("unquoted", "number", "yesno", "date", "date_time")


@dataclass(frozen=True)
class ExploreSource:
    """A native derived table's `explore_source`: the fields its query uses."""

    explore: str
    fields: tuple[str, ...]  # columns' fields, bound and fixed filters' fields


@dataclass(frozen=True)
class FileParameter:
    name: str
    values: tuple[str, ...]  # allowed values, else the default value
    quoted: bool


@dataclass(frozen=True)
class FileView:
    """One view of a model, as its files define it after refinements and extends."""

    model: str
    name: str
    file: str  # where the view is defined, relative to its project ("//p/..." if imported)
    project: str
    sql_table_name: str | None = None  # table views: as written (default: the view's name)
    derived_sql: str | None = None  # derived_table.sql as written
    create_steps: tuple[str, ...] = ()  # sql_create, or create_process's sql_step(s)
    explore_source: ExploreSource | None = None
    persistent: bool = False
    parameters: tuple[FileParameter, ...] = ()

    @property
    def is_derived(self) -> bool:
        return self.sql_table_name is None


def file_view(project: LookmlProject, model: ModelDef, view: ViewDef) -> FileView:
    """A merged view definition as a FileView."""
    data = view.data
    parameters = tuple(_parameter(p) for p in data.get("parameters", []) if p.get("name"))
    base = FileView(model.name, view.name, view.file, project.name, parameters=parameters)
    derived = data.get("derived_table")
    if not isinstance(derived, dict):
        # Looker reads a view without sql_table_name from the table of its own name
        return replace(base, sql_table_name=str(data.get("sql_table_name") or view.name))
    steps = [derived["sql_create"]] if derived.get("sql_create") else []
    steps += list((derived.get("create_process") or {}).get("sql_steps", []))
    source = derived.get("explore_source")
    return replace(
        base,
        derived_sql=derived.get("sql"),
        create_steps=tuple(str(step) for step in steps),
        explore_source=_explore_source(source) if isinstance(source, dict) else None,
        persistent=any(key in derived for key in PERSISTENCE),
    )


def _explore_source(source: dict[str, Any]) -> ExploreSource:
    name = str(source.get("name", ""))
    fields = [c.get("field") or f"{name}.{c.get('name')}" for c in source.get("columns", [])]
    fields += [b.get("to_field") for b in source.get("bind_filters__all", []) if b.get("to_field")]
    for group in source.get("filters__all", []):
        for item in group if isinstance(group, list) else [group]:
            fields += [str(key) for key in item] if isinstance(item, dict) else []
    return ExploreSource(name, tuple(dict.fromkeys(str(f) for f in fields)))


def _parameter(data: dict[str, Any]) -> FileParameter:
    values = [str(v.get("value")) for v in data.get("allowed_values", []) if "value" in v]
    if not values and data.get("default_value") is not None:
        values = [str(data["default_value"])]
    kind = data.get("type", "string")
    return FileParameter(str(data["name"]), tuple(values), kind not in _UNQUOTED_TYPES)


@dataclass
class LookmlFiles:
    """Every LookML project read for lineage, by name ("" for `--lookml-dir`'s project)."""

    projects: dict[str, LookmlProject]
    _views: dict[tuple[str, str, str], FileView | None] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return sorted({p for project in self.projects.values() for p in project.problems})

    def project_for(self, project_name: str | None, model: str) -> LookmlProject | None:
        """The project Looker says the explore comes from; else the one that has the model."""
        if project_name and project_name in self.projects:
            return self.projects[project_name]
        having = [p for key, p in sorted(self.projects.items()) if model in p.models]
        return having[0] if having else None

    def view(self, project: LookmlProject, model: str, name: str) -> FileView | None:
        """The view as `model` of `project` defines it; None when its files do not."""
        key = (project.root, model, name)
        if key not in self._views:
            m = project.models.get(model)
            view = m.views.get(name) if m else None
            self._views[key] = file_view(project, m, view) if m and view else None
        return self._views[key]

    @property
    def view_count(self) -> int:
        return sum(len(m.views) for p in self.projects.values() for m in p.models.values())


def load_lookml_files(
    lookml_dir: Path | None, lookml_projects: Mapping[str, str]
) -> LookmlFiles | None:
    """The projects of `--lookml-dir` and `lookml_projects`; None when neither is given.
    A directory that does not exist is a BadInputError naming the option or key."""
    given: dict[str, Path] = {name: Path(path) for name, path in lookml_projects.items()}
    for name, path in given.items():
        if not path.is_dir():
            raise BadInputError(
                f"config lookml_projects.{name}: {path} is not a directory; check the LookML "
                "project out there (paths are relative to the config file), or fix the path"
            )
    if lookml_dir is not None and not lookml_dir.is_dir():
        raise BadInputError(f"--lookml-dir {lookml_dir}: not a directory; pass a LookML checkout")
    if lookml_dir is None and not given:
        return None
    projects = {
        name: load_project(path, name, strict=False, imports=given) for name, path in given.items()
    }
    if lookml_dir is not None:
        projects[""] = load_project(lookml_dir, lookml_dir.name, strict=False, imports=given)
    # a project others import is read as part of them (on its own its views extend views it
    # does not have, as a hub-and-spoke block's config project does)
    imported = {name for project in projects.values() for name in project.imports}
    return LookmlFiles({k: p for k, p in projects.items() if k not in imported or k == ""})
