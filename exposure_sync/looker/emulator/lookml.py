"""Load a LookML project (parsed with `lkml`) into merged views and explores per model.

Looker builds each model from the files it `include:`s; views and explores are then merged:
refinements (`view: +orders`, `explore: +orders`) are applied, in include order, to the object
they refine, and `extends:` copies the (refined) objects extended, the extending object's own
parameters winning. Named sub-objects (dimensions, measures, joins, ...) merge by name. The
emulator serves the merged result, as Looker does.

Every problem raises `BadInputError` with one line naming the file.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lkml
import yaml

from exposure_sync.errors import BadInputError

# Lists of named objects that merge by `name` instead of being replaced.
NAMED_LISTS = (
    "dimensions",
    "dimension_groups",
    "measures",
    "filters",
    "parameters",
    "joins",
    "sets",
    "columns",
    "derived_columns",
)


@dataclass
class ViewDef:
    name: str
    file: str  # project-relative path of the base definition
    data: dict[str, Any]


@dataclass
class ExploreDef:
    model: str
    name: str
    file: str
    data: dict[str, Any]

    @property
    def alias(self) -> str:
        """The name fields and SQL use for the base view: `view_name`, else the explore name."""
        return self.data.get("view_name") or self.name

    @property
    def view(self) -> str:
        """The view the explore is built on: `from:`, else `view_name:`, else its name."""
        return self.data.get("from") or self.alias

    @property
    def is_extension(self) -> bool:
        return self.data.get("extension") == "required"


@dataclass
class LookmlDashboardDef:
    model: str
    name: str
    file: str
    data: dict[str, Any]


@dataclass
class ModelDef:
    name: str
    file: str
    connection: str
    label: str | None
    views: dict[str, ViewDef] = field(default_factory=dict)
    explores: dict[str, ExploreDef] = field(default_factory=dict)
    dashboards: list[LookmlDashboardDef] = field(default_factory=list)


@dataclass
class LookmlProject:
    name: str
    constants: dict[str, str]
    models: dict[str, ModelDef]
    root: str = "lookml"  # for error messages: where the files are

    def where(self, rel: str) -> str:
        return f"{self.root}/{rel}"


def load_project(root: Path, default_name: str = "emulator") -> LookmlProject:
    """Parse every LookML file below `root` and build the models; raise on the first problem."""
    if not root.is_dir():
        raise BadInputError(f"{root}: LookML project directory not found")
    parsed: dict[str, dict[str, Any]] = {}
    dashboards: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.name.endswith(".lkml"):
            parsed[rel] = _parse_lkml(path)
        elif path.name.endswith(".dashboard.lookml"):
            dashboards[rel] = _parse_dashboard(path)
    return build_project(parsed, dashboards, default_name, root=str(root))


def build_project(
    files: dict[str, dict[str, Any]],
    dashboards: dict[str, list[dict[str, Any]]],
    default_name: str,
    root: str = "lookml",
) -> LookmlProject:
    """Build models from already-parsed files (lkml's dict shape), keyed by relative path."""
    builder = _Builder(files, dashboards, root)
    manifest = files.get("manifest.lkml", {})
    constants = {c["name"]: str(c.get("value", "")) for c in manifest.get("constants", [])}
    models = {}
    for rel in sorted(files):
        if rel.endswith(".model.lkml"):
            name = Path(rel).name.removesuffix(".model.lkml")
            if name in models:
                raise BadInputError(f"{builder.where(rel)}: model {name} is defined twice")
            models[name] = builder.model(name, rel)
    return LookmlProject(manifest.get("project_name", default_name), constants, models, root)


def _parse_lkml(path: Path) -> dict[str, Any]:
    try:
        return lkml.load(path.read_text(encoding="utf-8")) or {}
    except SyntaxError as err:
        raise BadInputError(f"{path}: LookML syntax error: {err}") from None
    except (UnicodeDecodeError, OSError) as err:
        raise BadInputError(f"{path}: cannot read LookML: {err}") from None


def _parse_dashboard(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as err:
        problem = " ".join(str(err).split())
        raise BadInputError(f"{path}: LookML dashboard is not valid YAML: {problem}") from None
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(d, dict) and d.get("dashboard") for d in items):
        raise BadInputError(f"{path}: expected a list of `- dashboard: name` entries")
    return items


def merge_lookml(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`: named lists merge by name, other keys are replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key in NAMED_LISTS and isinstance(value, list) and key in merged:
            by_name = {item.get("name"): i for i, item in enumerate(merged[key])}
            for item in value:
                if item.get("name") in by_name:
                    pos = by_name[item.get("name")]
                    merged[key][pos] = merge_lookml(merged[key][pos], item)
                else:
                    merged[key].append(copy.deepcopy(item))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _extends(data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for group in data.get("extends__all", []):
        names.extend(group)
    return names


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    # Looker lets includes omit the file extension ("/views/*.view" matches "x.view.lkml").
    return re.compile(out + r"(?:\.lkml|\.lookml)?\Z")


class _Builder:
    """Resolves one model at a time: its files, then its merged views and explores."""

    def __init__(
        self, files: dict[str, dict[str, Any]], dashboards: dict[str, list[dict]], root: str
    ) -> None:
        self.files = files
        self.dashboards = dashboards
        self.root = root

    def where(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def included(self, rel: str) -> list[str]:
        """Files a model includes, in include order, the model file first."""
        order = [rel]
        base = str(Path(rel).parent)
        for pattern in self.files[rel].get("includes", []):
            if pattern.startswith("//"):
                continue  # another project: not part of an emulator instance
            full = pattern[1:] if pattern.startswith("/") else os.path.normpath(f"{base}/{pattern}")
            regex = _glob_regex(full)
            hits = [f for f in sorted([*self.files, *self.dashboards]) if regex.match(f)]
            if not hits:
                raise BadInputError(f"{self.where(rel)}: include {pattern!r} matches no file")
            order.extend(h for h in hits if h not in order)
        return order

    def model(self, name: str, rel: str) -> ModelDef:
        data = self.files[rel]
        if not data.get("connection"):
            raise BadInputError(f"{self.where(rel)}: model {name} has no connection")
        model = ModelDef(name, rel, data["connection"], data.get("label"))
        order = self.included(rel)
        model.views = self.views(order)
        model.explores = self.explores(name, order)
        model.dashboards = [
            LookmlDashboardDef(name, d["dashboard"], f, d)
            for f in order
            if f in self.dashboards
            for d in self.dashboards[f]
        ]
        self.check_model(model)
        return model

    def _collect(self, order: list[str], kind: str) -> tuple[dict, list]:
        bases: dict[str, tuple[str, dict[str, Any]]] = {}
        refinements: list[tuple[str, dict[str, Any]]] = []
        for rel in order:
            for obj in self.files.get(rel, {}).get(kind, []):
                name = obj.get("name", "")
                if name.startswith("+"):
                    refinements.append((rel, obj))
                elif name in bases:
                    other = self.where(bases[name][0])
                    raise BadInputError(
                        f"{self.where(rel)}: {kind[:-1]} {name} is defined twice (also in {other})"
                    )
                else:
                    bases[name] = (rel, obj)
        return bases, refinements

    def _refine(self, bases: dict, refinements: list, kind: str) -> dict[str, tuple[str, dict]]:
        refined = {name: (rel, dict(obj)) for name, (rel, obj) in bases.items()}
        for rel, obj in refinements:
            name = obj["name"][1:]
            if name not in refined:
                raise BadInputError(f"{self.where(rel)}: refinement +{name} of unknown {kind}")
            body = {k: v for k, v in obj.items() if k != "name"}
            refined[name] = (refined[name][0], merge_lookml(refined[name][1], body))
        return refined

    def _extend(self, refined: dict[str, tuple[str, dict]], kind: str) -> dict[str, dict]:
        done: dict[str, dict] = {}

        def resolve(name: str, chain: tuple[str, ...]) -> dict:
            if name in done:
                return done[name]
            rel, data = refined[name]
            merged: dict[str, Any] = {}
            for parent in _extends(data):
                if parent not in refined:
                    raise BadInputError(
                        f"{self.where(rel)}: {kind} {name} extends unknown {kind} {parent}"
                    )
                if parent in chain:
                    raise BadInputError(f"{self.where(rel)}: {kind} {name} extends itself")
                inherited = resolve(parent, (*chain, parent))
                inherited = {k: v for k, v in inherited.items() if k != "extension"}
                merged = merge_lookml(merged, inherited)
            own = {k: v for k, v in data.items() if k != "extends__all"}
            done[name] = merge_lookml(merged, own)
            done[name]["name"] = name
            return done[name]

        for name in refined:
            resolve(name, (name,))
        return done

    def views(self, order: list[str]) -> dict[str, ViewDef]:
        bases, refinements = self._collect(order, "views")
        refined = self._refine(bases, refinements, "view")
        merged = self._extend(refined, "view")
        return {name: ViewDef(name, refined[name][0], merged[name]) for name in merged}

    def explores(self, model: str, order: list[str]) -> dict[str, ExploreDef]:
        bases, refinements = self._collect(order, "explores")
        refined = self._refine(bases, refinements, "explore")
        merged = self._extend(refined, "explore")
        return {n: ExploreDef(model, n, refined[n][0], merged[n]) for n in merged}

    def check_model(self, model: ModelDef) -> None:
        for explore in model.explores.values():
            if explore.is_extension:
                continue
            where = f"{self.where(explore.file)}: explore {explore.name}"
            if explore.view not in model.views:
                raise BadInputError(f"{where}: unknown view {explore.view}")
            for join in explore.data.get("joins", []):
                view = join.get("from") or join["name"]
                if view not in model.views:
                    raise BadInputError(
                        f"{where}: join {join['name']} on unknown view {view} "
                        "(not defined in any file the model includes)"
                    )
        for view in model.views.values():
            source = view.data.get("derived_table", {}).get("explore_source")
            if source and source.get("name") not in model.explores:
                raise BadInputError(
                    f"{self.where(view.file)}: view {view.name}: explore_source "
                    f"{source.get('name')} is not an explore of model {model.name}"
                )
