"""An emulator instance: a LookML project plus its content, loaded and checked as one.

Directory layout (docs/CONTRACTS.md): `lookml/` (manifest.lkml, *.model.lkml, *.view.lkml,
*.dashboard.lookml) and `content.yml`. Loading refuses bad data with one `BadInputError` line
that names the file and the problem: LookML syntax errors, duplicate ids, joins or explores on
unknown views, tiles or looks on unknown explores (unless listed in `removed_explores`, which
models explores deleted after dashboards were built on them), and dangling folder, user and look
references.

LookML dashboards get the ids `model::name`, live in the built-in folder "lookml", and their
queries and tiles are numbered after those of content.yml.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exposure_sync.errors import BadInputError
from exposure_sync.lookml.explores import ResolvedExplore, explore_json, resolve_explore
from exposure_sync.lookml.project import LookmlDashboardDef, LookmlProject, load_project

from .content import LOOKML_FOLDER, Content, ContentBuilder, QuerySpec

GREENERY = Path(__file__).parent / "instances" / "greenery"


@dataclass
class Instance:
    name: str
    project: LookmlProject
    content: Content
    content_file: str = "content.yml"
    # caches and the lock are state, not data: kept out of == and repr
    _explores: dict[tuple[str, str], ResolvedExplore | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    _explore_json: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def resolve(self, model: str, explore: str) -> ResolvedExplore | None:
        """The merged explore (cached), or None when Looker would answer 404."""
        key = (model, explore)
        if key not in self._explores:
            connections = self.content.connections
            self._explores[key] = resolve_explore(self.project, connections, model, explore)
        return self._explores[key]

    def explore_json(self, model: str, explore: str) -> dict[str, Any] | None:
        key = (model, explore)
        if key not in self._explore_json:
            resolved = self.resolve(model, explore)
            if resolved is None:
                return None
            self._explore_json[key] = explore_json(resolved)
        return self._explore_json[key]

    def builder(self, where: str = "emulator") -> ContentBuilder:
        """A builder adding to this instance's content (ids continue where they stopped)."""
        return ContentBuilder(where, self.content)

    @property
    def lock(self) -> threading.Lock:
        """Held by the server while it reads or changes content."""
        return self._lock


def load_instance(path: Path | str | None = None) -> Instance:
    """Load an instance directory (default: the greenery instance); raise BadInputError."""
    root = Path(path) if path is not None else GREENERY
    if not root.is_dir():
        raise BadInputError(f"{root}: emulator instance directory not found")
    content_path = root / "content.yml"
    project = load_project(root / "lookml", default_name=root.name)
    try:
        data = yaml.safe_load(content_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{content_path}: content file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        problem = " ".join(str(err).split())
        raise BadInputError(f"{content_path}: not valid YAML: {problem}") from None
    content = ContentBuilder(str(content_path)).load(data)
    return assemble(root.name, project, content, str(content_path))


def assemble(name: str, project: LookmlProject, content: Content, content_file: str) -> Instance:
    """Add LookML dashboards to `content`, check every reference, and build the instance."""
    instance = Instance(name, project, content, content_file)
    check_models(instance)
    for model in project.models.values():
        for dash in model.dashboards:
            add_lookml_dashboard(instance, dash)
    check_content(instance)
    for model in project.models.values():
        for explore in model.explores:
            instance.explore_json(model.name, explore)  # fail now, not on the first request
    return instance


def add_lookml_dashboard(instance: Instance, dash: LookmlDashboardDef) -> None:
    where = instance.project.where(dash.file)
    builder = ContentBuilder(where, instance.content)
    tiles = [_lookml_tile(el, dash.model) for el in dash.data.get("elements") or []]
    item = {
        "id": f"{dash.model}::{dash.name}",
        "title": dash.data.get("title") or dash.name,
        "description": dash.data.get("description"),
        "folder_id": LOOKML_FOLDER,
        "tiles": tiles,
    }
    spec = builder.add_dashboard(item, model=dash.model)
    for tile in spec.tiles:
        _check_tile_queries(instance, tile_queries(instance, tile), where, f"dashboard {spec.id}")


def _lookml_tile(element: dict[str, Any], model: str) -> dict[str, Any]:
    """A LookML dashboard element in content.yml's tile shape."""
    kind = element.get("type", "vis")
    tile: dict[str, Any] = {"type": "text" if kind == "text" else "vis"}
    tile["title"] = element.get("title_text") or element.get("title") or element.get("name")
    if kind == "text":
        tile["subtitle_text"] = element.get("subtitle_text")
        tile["body_text"] = element.get("body_text")
    elif element.get("merged_queries"):
        tile["merge"] = [_lookml_query(q, model) for q in element["merged_queries"]]
    elif element.get("explore"):
        tile["query"] = _lookml_query(element, model)
    elif element.get("look_id"):
        tile["look_id"] = element["look_id"]
    return tile


def _lookml_query(element: dict[str, Any], model: str) -> dict[str, Any]:
    keys = ("fields", "filters", "sorts", "pivots", "dynamic_fields", "limit")
    query = {k: element[k] for k in keys if element.get(k) is not None}
    query["model"] = element.get("model") or model
    query["view"] = element.get("explore")
    return query


def tile_queries(instance: Instance, tile: Any) -> list[QuerySpec]:
    c = instance.content
    if tile.query_id:
        return [c.queries[tile.query_id]]
    if tile.merge_id:
        return [c.queries[q] for q in c.merges[tile.merge_id].source_query_ids]
    return []


def _check_tile_queries(
    instance: Instance, queries: list[QuerySpec], where: str, entry: str
) -> None:
    for q in queries:
        if (q.model, q.view) in instance.content.removed_explores:
            continue
        if instance.resolve(q.model, q.view) is None:
            raise BadInputError(f"{where}: {entry}: unknown explore {q.model}/{q.view}")


def check_models(instance: Instance) -> None:
    for model in instance.project.models.values():
        if model.connection not in instance.content.connections:
            where = instance.project.where(model.file)
            raise BadInputError(
                f"{where}: model {model.name}: connection {model.connection!r} "
                f"is not in {instance.content_file}"
            )


def check_content(instance: Instance) -> None:
    """Cross-references of content.yml (LookML dashboards are checked as they are added)."""
    c, where = instance.content, instance.content_file
    for folder in c.folders.values():
        if folder.parent_id is not None and folder.parent_id not in c.folders:
            raise BadInputError(
                f"{where}: folder {folder.id}: unknown parent_id {folder.parent_id}"
            )
        if folder.personal_of is not None and folder.personal_of not in c.users:
            raise BadInputError(f"{where}: folder {folder.id}: unknown user {folder.personal_of}")
    for look in c.looks.values():
        _check_owner(instance, f"look {look.id}", look.folder_id, look.user_id)
        _check_tile_queries(instance, [c.queries[look.query_id]], where, f"look {look.id}")
    for dash in c.dashboards.values():
        if dash.is_lookml:
            continue
        entry = f"dashboard {dash.id}"
        _check_owner(instance, entry, dash.folder_id, dash.user_id)
        for n, tile in enumerate(dash.tiles, 1):
            tile_entry = f"{entry} tile {n} ({tile.title or tile.type})"
            if tile.look_id and tile.look_id not in c.looks:
                raise BadInputError(f"{where}: {tile_entry}: unknown look {tile.look_id}")
            _check_tile_queries(instance, tile_queries(instance, tile), where, tile_entry)


def _check_owner(
    instance: Instance, entry: str, folder_id: str | None, user_id: str | None
) -> None:
    c, where = instance.content, instance.content_file
    if folder_id is not None and folder_id not in c.folders:
        raise BadInputError(f"{where}: {entry}: unknown folder_id {folder_id}")
    if user_id is not None and user_id not in c.users:
        raise BadInputError(f"{where}: {entry}: unknown user_id {user_id}")
