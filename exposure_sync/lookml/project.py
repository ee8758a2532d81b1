"""Load a LookML project (parsed with `lkml`) into merged views and explores per model.

Looker builds each model from the files it `include:`s (and the files those include), globs and
`/**/` included, `//project/...` for files of an imported project (manifest.lkml's
`local_dependency` / `remote_dependency`); views and explores are then merged: refinements
(`view: +orders`, `explore: +orders`) are applied, in include order, to the object they refine,
and `extends:` copies the (refined) objects extended, the extending object's own parameters
winning. Named sub-objects (dimensions, measures, joins, ...) merge by name. The emulator serves
the merged result, as Looker does; lineage reads it from a checkout of the team's LookML repo.

Strict loading (the emulator's) raises `BadInputError` with one line naming the file on the first
problem. Tolerant loading (lineage's) records each problem in `LookmlProject.problems` and leaves
out only what the problem touches (a file lkml cannot parse, a view extending an unknown view):
those views then come from Looker's generated SQL, as without the files.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lkml
import yaml

from exposure_sync.errors import BadInputError
from exposure_sync.files import LOOKML_FILE_MAX_BYTES, read_input

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
    file: str  # project-relative path of the base definition ("//project/..." if imported)
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
    # tolerant loading only: one line per problem, naming the file (strict loading raises)
    problems: list[str] = field(default_factory=list)
    # names of the projects it imports (manifest.lkml's local and remote dependencies)
    imports: tuple[str, ...] = ()

    def where(self, rel: str) -> str:
        return f"{self.root}/{rel}"


# Imported projects: name -> directory (lookml_projects); files appear as "//name/<path>".
Imports = Mapping[str, Path]


def load_project(
    root: Path,
    default_name: str = "emulator",
    *,
    strict: bool = True,
    imports: Imports | None = None,
) -> LookmlProject:
    """Parse every LookML file below `root` (and of the projects it imports that `imports`
    locates) and build the models. Strict: raise on the first problem; else record it."""
    if not root.is_dir():
        raise BadInputError(f"{root}: LookML project directory not found")
    problems: list[str] = []
    parsed, dashboards = read_files(root, "", strict, problems)
    manifest = parsed.get("manifest.lkml", {})
    constants = _constants(manifest)
    own = dict(constants)
    imported = tuple(render_constants(d, own) for d in dependencies(manifest))
    for name in imported:
        path = (imports or {}).get(name)
        if path is None or not path.is_dir():
            problems.append(
                f"{root}/manifest.lkml: imported project {name!r} has no local checkout "
                "(map it in lookml_projects); its files are not read"
            )
            continue
        files, boards = read_files(path, f"//{name}/", strict, problems)
        parsed.update(files)
        dashboards.update(boards)
        # an imported project's constants (`export: none` ones too: this reader renders per
        # model, not per file), the importer's own winning
        constants = {**_constants(files.get(f"//{name}/manifest.lkml", {})), **constants}
    constants.update({k: render_constants(v, own) for k, v in _overrides(manifest).items()})
    project = build_project(
        parsed, dashboards, default_name, root=str(root), strict=strict,
        problems=problems, constants=constants,
    )  # fmt: skip
    project.imports = imported
    return project


def read_files(
    root: Path, prefix: str, strict: bool, problems: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Every `.lkml` and `.dashboard.lookml` file below root, parsed, keyed prefix + path."""
    parsed: dict[str, dict[str, Any]] = {}
    dashboards: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.rglob("*")):
        rel = prefix + path.relative_to(root).as_posix()
        try:
            if path.name.endswith(".lkml"):
                parsed[rel] = _parse_lkml(path)
            elif path.name.endswith(".dashboard.lookml"):
                dashboards[rel] = _parse_dashboard(path)
        except BadInputError as err:
            if strict:
                raise
            problems.append(f"{err}; the views it defines come from Looker's generated SQL")
    return parsed, dashboards


def dependencies(manifest: dict[str, Any]) -> list[str]:
    """Names of the projects a manifest imports (local and remote dependencies)."""
    local = [d.get("project") for d in manifest.get("local_dependencies", [])]
    remote = [d.get("name") for d in manifest.get("remote_dependencies", [])]
    return [str(name) for name in (*local, *remote) if name]


_CONSTANT = re.compile(r"@\{\s*(\w+)\s*\}")


def render_constants(text: str, constants: Mapping[str, str]) -> str:
    """`@{name}` replaced (once: LookML constants do not nest); unknown ones stay as written."""
    return _CONSTANT.sub(lambda m: constants.get(m.group(1), m.group(0)), text)


def _constants(manifest: dict[str, Any]) -> dict[str, str]:
    return {
        str(c["name"]): str(c.get("value", ""))
        for c in manifest.get("constants", [])
        if isinstance(c, dict) and "name" in c
    }


def _overrides(manifest: dict[str, Any]) -> dict[str, str]:
    """`override_constant:` values an importing project gives its dependencies' constants."""
    deps = [*manifest.get("local_dependencies", []), *manifest.get("remote_dependencies", [])]
    return {
        str(c["name"]): str(c.get("value", ""))
        for dep in deps
        for c in dep.get("override_constants", [])
        if isinstance(c, dict) and "name" in c
    }


def build_project(
    files: dict[str, dict[str, Any]],
    dashboards: dict[str, list[dict[str, Any]]],
    default_name: str,
    root: str = "lookml",
    *,
    strict: bool = True,
    problems: list[str] | None = None,
    constants: dict[str, str] | None = None,
) -> LookmlProject:
    """Build models from already-parsed files (lkml's dict shape), keyed by relative path."""
    problems = problems if problems is not None else []
    manifest = files.get("manifest.lkml", {})
    if constants is None:
        constants = _constants(manifest)
    builder = _Builder(files, dashboards, root, strict, problems, constants)
    models: dict[str, ModelDef] = {}
    for rel in sorted(files):
        if rel.endswith(".model.lkml") and not rel.startswith("//"):
            name = Path(rel).name.removesuffix(".model.lkml")
            if name in models:
                builder.problem(f"{builder.where(rel)}: model {name} is defined twice")
                continue
            models[name] = builder.model(name, rel)
    name = manifest.get("project_name", default_name)
    return LookmlProject(name, constants, models, root, problems)


def _parse_lkml(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: files saved by some Windows editors start with a byte-order mark
        parsed = lkml.load(_read_text(path, "a LookML file", "utf-8-sig")) or {}
    except SyntaxError as err:
        raise BadInputError(f"{path}: LookML syntax error: {err}") from None
    except (UnicodeDecodeError, OSError) as err:
        raise BadInputError(f"{path}: cannot read LookML: {err}") from None
    if not isinstance(parsed, dict):
        raise BadInputError(f"{path}: not a LookML file")
    return parsed


def _parse_dashboard(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(_read_text(path, "a LookML dashboard", "utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as err:
        problem = " ".join(str(err).split())
        raise BadInputError(f"{path}: LookML dashboard is not valid YAML: {problem}") from None
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(d, dict) and d.get("dashboard") for d in items):
        raise BadInputError(f"{path}: expected a list of `- dashboard: name` entries")
    return items


def _read_text(path: Path, what: str, encoding: str) -> str:
    """A regular file's text: a named pipe or a device (git can store a symlink to one) would
    block the reader or never end. Raises BadInputError or OSError."""
    return read_input(path, what, LOOKML_FILE_MAX_BYTES).decode(encoding)


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


_EXTENDED = re.compile(r"\$\{\s*EXTENDED\s*\}")


def _with_extended(data: dict[str, Any], inherited: dict[str, Any]) -> dict[str, Any]:
    """`${EXTENDED}` in an extending view's table or derived SQL: the extended view's text."""
    if isinstance(data.get("sql_table_name"), str):
        base = inherited.get("sql_table_name") or ""
        data["sql_table_name"] = _EXTENDED.sub(lambda _: str(base), data["sql_table_name"])
    derived, base_derived = data.get("derived_table"), inherited.get("derived_table")
    if isinstance(derived, dict) and isinstance(derived.get("sql"), str):
        base = base_derived.get("sql", "") if isinstance(base_derived, dict) else ""
        derived["sql"] = _EXTENDED.sub(lambda _: str(base), derived["sql"])
    return data


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


def _include_path(pattern: str, including: str) -> str:
    """An include as a path of the files dict: "/x" from the project root ("//p/x" inside an
    imported project p), "//p/x" as written, anything else relative to the including file."""
    if pattern.startswith("//"):
        return pattern
    project = re.match(r"//[^/]+/", including)
    if pattern.startswith("/"):
        return (project.group(0) if project else "") + pattern[1:]
    base = str(Path(including).parent)
    full = os.path.normpath(f"{base}/{pattern}")
    # normpath keeps a leading "//" but not "//p/.."; a path of the root is relative
    return full.lstrip("/") if not project else full


class _Builder:
    """Resolves one model at a time: its files, then its merged views and explores."""

    def __init__(
        self,
        files: dict[str, dict[str, Any]],
        dashboards: dict[str, list[dict]],
        root: str,
        strict: bool = True,
        problems: list[str] | None = None,
        constants: Mapping[str, str] | None = None,
    ) -> None:
        self.constants = constants or {}
        self.files = files
        self.dashboards = dashboards
        self.root = root
        self.strict = strict
        self.problems = problems if problems is not None else []
        self._names = sorted([*files, *dashboards])

    def where(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def problem(self, message: str) -> None:
        if self.strict:
            raise BadInputError(message)
        if message not in self.problems:
            self.problems.append(message)

    def included(self, rel: str) -> list[str]:
        """Files a model includes, in include order, the model file first; files included by
        included files follow the file that includes them."""
        order = [rel]
        pending = [rel]
        while pending:
            current = pending.pop(0)
            for pattern in self.files.get(current, {}).get("includes", []):
                # includes may name a project through a constant ("//@{CONFIG_PROJECT}/...")
                written = render_constants(str(pattern), self.constants)
                regex = _glob_regex(_include_path(written, current))
                hits = [f for f in self._names if regex.match(f)]
                if not hits:
                    self.problem(f"{self.where(current)}: include {pattern!r} matches no file")
                new = [h for h in hits if h not in order]
                order.extend(new)
                pending.extend(new)
        return order

    def model(self, name: str, rel: str) -> ModelDef:
        data = self.files[rel]
        if not data.get("connection"):
            self.problem(f"{self.where(rel)}: model {name} has no connection")
        model = ModelDef(name, rel, data.get("connection") or "", data.get("label"))
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
                    self.problem(
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
                self.problem(f"{self.where(rel)}: refinement +{name} of unknown {kind}")
                continue
            body = {k: v for k, v in obj.items() if k != "name"}
            refined[name] = (refined[name][0], merge_lookml(refined[name][1], body))
        return refined

    def _extend(self, refined: dict[str, tuple[str, dict]], kind: str) -> dict[str, dict]:
        done: dict[str, dict | None] = {}

        def resolve(name: str, chain: tuple[str, ...]) -> dict | None:
            if name in done:
                return done[name]
            rel, data = refined[name]
            merged: dict[str, Any] = {}
            for parent in _extends(data):
                problem = None
                if parent not in refined:
                    problem = f"{kind} {name} extends unknown {kind} {parent}"
                elif parent in chain:
                    problem = f"{kind} {name} extends itself"
                inherited = None if problem else resolve(parent, (*chain, parent))
                if inherited is None:
                    why = problem or f"{kind} {name} extends {parent}, which cannot be built"
                    self.problem(f"{self.where(rel)}: {why}")
                    done[name] = None
                    return None
                inherited = {k: v for k, v in inherited.items() if k != "extension"}
                merged = merge_lookml(merged, inherited)
            own = {k: v for k, v in data.items() if k != "extends__all"}
            result = _with_extended(merge_lookml(merged, own), merged)
            result["name"] = name
            done[name] = result
            return result

        for name in refined:
            resolve(name, (name,))
        return {name: data for name, data in done.items() if data is not None}

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
        for name, explore in list(model.explores.items()):
            if explore.is_extension:
                continue
            where = f"{self.where(explore.file)}: explore {explore.name}"
            missing = [] if explore.view in model.views else [f"unknown view {explore.view}"]
            for join in explore.data.get("joins", []):
                view = join.get("from") or join["name"]
                if view not in model.views:
                    missing.append(
                        f"join {join['name']} on unknown view {view} "
                        "(not defined in any file the model includes)"
                    )
            if missing:
                self.problem(f"{where}: {missing[0]}")
                del model.explores[name]
        for view in list(model.views.values()):
            source = view.data.get("derived_table", {}).get("explore_source")
            if source and source.get("name") not in model.explores:
                self.problem(
                    f"{self.where(view.file)}: view {view.name}: explore_source "
                    f"{source.get('name')} is not an explore of model {model.name}"
                )
