"""Looker content (connections, users, folders, looks, dashboards) as typed records.

`ContentBuilder` turns the dicts of `content.yml` (format in docs/CONTRACTS.md) into records and
assigns query, tile and merge-query ids in the order it meets them, so ids are stable for a given
file. The synthetic generator and the server's mutation helpers use the same builder, so every
path into the emulator gets the same checks. Shape errors raise `BadInputError` naming the file
and the offending entry; cross-references are checked in `instance.py`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from exposure_sync.errors import BadInputError

SHARED_ROOT, USERS_ROOT, LOOKML_FOLDER = "1", "2", "lookml"


@dataclass(slots=True)
class ConnectionSpec:
    name: str
    dialect: str
    database: str | None = None
    schema: str | None = None
    host: str | None = None
    port: str | None = None
    username: str | None = None
    tmp_db_name: str | None = "looker_scratch"


@dataclass(slots=True)
class UserSpec:
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    is_disabled: bool = False

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(slots=True)
class FolderSpec:
    id: str
    name: str
    parent_id: str | None
    personal_of: str | None = None  # user id, for a user's personal folder
    creator_id: str | None = None


@dataclass(slots=True)
class QuerySpec:
    id: str
    model: str
    view: str
    fields: list[str]
    filters: dict[str, str]
    sorts: list[str]
    pivots: list[str]
    dynamic_fields: str | None = None
    limit: str | None = None
    vis_config: dict[str, Any] | None = None


@dataclass(slots=True)
class MergeSpec:
    id: str
    source_query_ids: list[str]
    merge_fields: list[list[dict[str, str]]]


@dataclass(slots=True)
class TileSpec:
    id: str
    dashboard_id: str
    type: str
    title: str | None = None
    subtitle_text: str | None = None
    body_text: str | None = None
    query_id: str | None = None
    look_id: str | None = None
    merge_id: str | None = None


@dataclass(slots=True)
class LookSpec:
    id: str
    title: str
    query_id: str
    description: str | None = None
    folder_id: str | None = None
    user_id: str | None = None
    deleted: bool = False
    view_count: int | None = None


@dataclass(slots=True)
class DashboardSpec:
    id: str
    title: str
    description: str | None = None
    folder_id: str | None = None
    user_id: str | None = None
    deleted: bool = False
    certified: bool = False
    view_count: int | None = None
    tiles: list[TileSpec] = field(default_factory=list)
    model: str | None = None  # set for LookML dashboards

    @property
    def is_lookml(self) -> bool:
        return self.model is not None


@dataclass
class Content:
    connections: dict[str, ConnectionSpec] = field(default_factory=dict)
    user_attributes: dict[str, str] = field(default_factory=dict)
    users: dict[str, UserSpec] = field(default_factory=dict)
    folders: dict[str, FolderSpec] = field(default_factory=dict)
    looks: dict[str, LookSpec] = field(default_factory=dict)
    dashboards: dict[str, DashboardSpec] = field(default_factory=dict)
    queries: dict[str, QuerySpec] = field(default_factory=dict)
    merges: dict[str, MergeSpec] = field(default_factory=dict)
    # (model, explore) pairs tiles may still name although the explore is gone (lineage case)
    removed_explores: set[tuple[str, str]] = field(default_factory=set)


def builtin_folders() -> dict[str, FolderSpec]:
    return {
        SHARED_ROOT: FolderSpec(SHARED_ROOT, "Shared", None),
        USERS_ROOT: FolderSpec(USERS_ROOT, "Users", None),
        LOOKML_FOLDER: FolderSpec(LOOKML_FOLDER, "LookML Dashboards", None),
    }


def merge_id(n: int) -> str:
    """Merge-result ids are opaque slugs in Looker, not numbers: keep them so."""
    return hashlib.sha1(f"merge-{n}".encode()).hexdigest()[:22]


def _str_id(value: Any) -> str | None:
    return None if value is None else str(value)


class ContentBuilder:
    """Builds `Content` from dicts; `where` names the file in every error."""

    def __init__(self, where: str, content: Content | None = None) -> None:
        self.where = where
        self.content = content or Content(folders=builtin_folders())
        c = self.content
        self._next_query = 1 + max((int(q) for q in c.queries), default=0)
        self._next_tile = 1 + max(
            (int(t.id) for d in c.dashboards.values() for t in d.tiles), default=0
        )
        self._next_merge = 1 + len(c.merges)

    def fail(self, entry: str, problem: str) -> BadInputError:
        return BadInputError(f"{self.where}: {entry}: {problem}")

    def load(self, data: Any) -> Content:
        """Read a whole content.yml document."""
        if not isinstance(data, dict):
            raise BadInputError(f"{self.where}: expected a mapping with connections, users, ...")
        unknown = set(data) - {
            "connections",
            "user_attributes",
            "users",
            "folders",
            "looks",
            "dashboards",
            "removed_explores",
        }
        if unknown:
            raise BadInputError(f"{self.where}: unknown key {sorted(unknown)[0]!r}")
        for item in self._list(data, "connections"):
            self.add_connection(item)
        attrs = data.get("user_attributes") or {}
        self.content.user_attributes = {str(k): str(v) for k, v in attrs.items()}
        for item in self._list(data, "users"):
            self.add_user(item)
        for item in self._list(data, "folders"):
            self.add_folder(item)
        for item in self._list(data, "looks"):
            self.add_look(item)
        for item in self._list(data, "dashboards"):
            self.add_dashboard(item)
        for item in self._list(data, "removed_explores"):
            model, _, explore = str(item).partition("/")
            self.content.removed_explores.add((model, explore))
        return self.content

    def _list(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise BadInputError(f"{self.where}: {key} must be a list")
        return value

    def _entry(self, kind: str, item: Any, required: tuple[str, ...]) -> str:
        if not isinstance(item, dict):
            raise self.fail(kind, f"expected a mapping, got {item!r}")
        entry = f"{kind} {item.get('id', item.get('name', '?'))!s}"
        for key in required:
            if item.get(key) in (None, ""):
                raise self.fail(entry, f"missing {key}")
        return entry

    def _unique(self, table: dict[str, Any], key: str, entry: str) -> None:
        if key in table:
            raise self.fail(entry, "duplicate id")

    def add_connection(self, item: Any) -> ConnectionSpec:
        entry = self._entry("connection", item, ("name", "dialect"))
        self._unique(self.content.connections, item["name"], entry)
        known = {k: item.get(k) for k in ("database", "schema", "host", "username")}
        port = _str_id(item.get("port"))
        spec = ConnectionSpec(item["name"], item["dialect"], **known, port=port)
        self.content.connections[spec.name] = spec
        return spec

    def add_user(self, item: Any) -> UserSpec:
        entry = self._entry("user", item, ("id",))
        uid = str(item["id"])
        self._unique(self.content.users, uid, entry)
        spec = UserSpec(
            uid,
            _str_id(item.get("first_name")),
            _str_id(item.get("last_name")),
            _str_id(item.get("email")) or None,
            bool(item.get("is_disabled", False)),
        )
        self.content.users[uid] = spec
        return spec

    def add_folder(self, item: Any) -> FolderSpec:
        entry = self._entry("folder", item, ("id", "name"))
        fid = str(item["id"])
        if fid in builtin_folders():
            raise self.fail(entry, "duplicate id (folders 1, 2 and lookml are built in)")
        self._unique(self.content.folders, fid, entry)
        owner = _str_id(item.get("personal_of"))
        spec = FolderSpec(fid, str(item["name"]), _str_id(item.get("parent_id")), owner, owner)
        self.content.folders[fid] = spec
        return spec

    def add_query(self, item: Any, entry: str) -> QuerySpec:
        if not isinstance(item, dict):
            raise self.fail(entry, "query must be a mapping")
        view = item.get("view") or item.get("explore")
        if not item.get("model") or not view:
            raise self.fail(entry, "query needs model and view")
        fields = self._strings(item.get("fields"), entry, "fields")
        filters = item.get("filters") or {}
        if not isinstance(filters, dict):
            raise self.fail(entry, "filters must be a mapping")
        dynamic = item.get("dynamic_fields")
        if dynamic is not None and not isinstance(dynamic, str):
            dynamic = json.dumps(dynamic)
        qid = str(self._next_query)
        self._next_query += 1
        spec = QuerySpec(
            qid,
            str(item["model"]),
            str(view),
            fields,
            {str(k): "" if v is None else str(v) for k, v in filters.items()},
            self._strings(item.get("sorts"), entry, "sorts"),
            self._strings(item.get("pivots"), entry, "pivots"),
            dynamic,
            _str_id(item.get("limit")),
            item.get("vis_config"),
        )
        self.content.queries[qid] = spec
        return spec

    def _strings(self, value: Any, entry: str, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(entry, f"{key} must be a list of strings")
        return list(value)

    def add_look(self, item: Any) -> LookSpec:
        entry = self._entry("look", item, ("id", "title", "query"))
        lid = str(item["id"])
        self._unique(self.content.looks, lid, entry)
        query = self.add_query(item["query"], entry)
        spec = LookSpec(
            lid,
            str(item["title"]),
            query.id,
            item.get("description"),
            _str_id(item.get("folder_id")),
            _str_id(item.get("user_id")),
            bool(item.get("deleted", False)),
            item.get("view_count"),
        )
        self.content.looks[lid] = spec
        return spec

    def add_dashboard(self, item: Any, model: str | None = None) -> DashboardSpec:
        entry = self._entry("dashboard", item, ("id", "title"))
        did = str(item["id"])
        self._unique(self.content.dashboards, did, entry)
        spec = DashboardSpec(
            did,
            str(item["title"]),
            item.get("description"),
            _str_id(item.get("folder_id")),
            _str_id(item.get("user_id")),
            bool(item.get("deleted", False)),
            bool(item.get("certified", False)),
            item.get("view_count"),
            model=model,
        )
        tiles = item.get("tiles") or []
        if not isinstance(tiles, list):
            raise self.fail(entry, "tiles must be a list")
        spec.tiles = [self.add_tile(did, t, f"{entry} tile {i + 1}") for i, t in enumerate(tiles)]
        self.content.dashboards[did] = spec
        return spec

    def add_tile(self, dashboard_id: str, item: Any, entry: str) -> TileSpec:
        if not isinstance(item, dict):
            raise self.fail(entry, "expected a mapping")
        tile = TileSpec(
            str(self._next_tile),
            dashboard_id,
            str(item.get("type") or "vis"),
            item.get("title"),
            item.get("subtitle_text"),
            item.get("body_text"),
        )
        self._next_tile += 1
        sources = [k for k in ("query", "look_id", "merge") if item.get(k) is not None]
        if len(sources) > 1:
            raise self.fail(entry, f"a tile has one of query, look_id, merge; got {sources}")
        if "query" in sources:
            tile.query_id = self.add_query(item["query"], entry).id
        elif "look_id" in sources:
            tile.look_id = str(item["look_id"])
        elif "merge" in sources:
            tile.merge_id = self.add_merge(item["merge"], entry).id
        return tile

    def add_merge(self, sources: Any, entry: str) -> MergeSpec:
        if not isinstance(sources, list) or not sources:
            raise self.fail(entry, "merge must be a non-empty list of queries")
        ids, merge_fields = [], []
        for source in sources:
            ids.append(self.add_query(source, entry).id)
            merge_fields.append(list(source.get("merge_fields") or []))
        spec = MergeSpec(merge_id(self._next_merge), ids, merge_fields)
        self._next_merge += 1
        self.content.merges[spec.id] = spec
        return spec
