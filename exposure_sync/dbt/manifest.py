"""Read a dbt manifest.json (schema v4 to v12) into a `Manifest`.

Only what lineage, exposures and `impact` need is kept: models, snapshots, seeds, sources
(enabled and disabled), exposures, and the DAG (every enabled node's dependencies and
checksum). Every failure is a one-line `BadInputError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from exposure_sync.dbt.models import DbtNode, GraphNode, Macro, Manifest, ManifestExposure
from exposure_sync.errors import BadInputError
from exposure_sync.files import check_regular, read_input

MIN_SCHEMA_VERSION = 4  # dbt 1.0
MAX_SCHEMA_VERSION = 12  # dbt 1.8 to 1.11

_RELATION_TYPES = frozenset({"model", "snapshot", "seed"})
# every section of the manifest that holds nodes of the DAG (the later ones from dbt 1.3 on)
_GRAPH_SECTIONS = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
)
_SCHEMA_URL = re.compile(r"/dbt/([A-Za-z_-]+)/v(\d+)\.json$")


class _ShapeError(Exception):
    """A value in the manifest is not what dbt writes; `str` says where."""


def load_manifest(path: str | Path) -> Manifest:
    """Read `path` (a dbt target/manifest.json) into a `Manifest`."""
    path = Path(path)
    raw = _read_json(path)
    version = _schema_version(raw, path)
    try:
        return _manifest(raw, path, version)
    except _ShapeError as err:
        raise BadInputError(
            f"{path}: unexpected manifest content at {err}; regenerate it with `dbt parse`"
        ) from None


# -- reading and recognising the file ---------------------------------------------------------


def _read_json(path: Path) -> Any:
    return read_artifact(path, "manifest", "run `dbt parse` first", "run `dbt parse` again")


def read_artifact(path: Path, what: str, to_make: str, to_remake: str) -> Any:
    """A dbt artifact (manifest.json, run_results.json) as JSON: a regular file only (a named
    pipe would block, a device never end); each failure one line naming the file and saying
    what to do (`to_make` when it is missing, `to_remake` when it is corrupt)."""
    if check_regular(path, f"the {what}") is None:
        raise BadInputError(f"{path}: {what} not found; {to_make}")
    try:
        # Plain json.loads: only small records outlive load_manifest. Dropping SQL bodies
        # while decoding (object_pairs_hook) cut peak memory ~20% but doubled the time.
        return json.loads(read_input(path, f"the {what}"))
    except FileNotFoundError:
        raise BadInputError(f"{path}: {what} not found; {to_make}") from None
    except OSError as err:
        raise BadInputError(f"{path}: cannot read the {what} ({err.strerror})") from None
    except (ValueError, RecursionError):
        # JSONDecodeError and UnicodeDecodeError are ValueErrors: a truncated or corrupt file
        raise BadInputError(f"{path}: not valid JSON (corrupt or truncated); {to_remake}") from None


def _schema_version(raw: Any, path: Path) -> int:
    if not isinstance(raw, dict):
        kind = "an array" if isinstance(raw, list) else "not an object"
        raise BadInputError(
            f"{path}: not a dbt manifest (the top level is {kind}); pass target/manifest.json"
        )
    url = None
    if isinstance(raw.get("metadata"), dict):
        url = raw["metadata"].get("dbt_schema_version")
    found = _SCHEMA_URL.search(url) if isinstance(url, str) else None
    if found is None:
        raise BadInputError(
            f"{path}: not a dbt manifest (no metadata.dbt_schema_version); "
            "pass the target/manifest.json that `dbt parse` writes"
        )
    kind, version = found.group(1), int(found.group(2))
    if kind != "manifest":
        raise BadInputError(
            f"{path}: is a dbt {kind} file, not a manifest; pass target/manifest.json"
        )
    if version < MIN_SCHEMA_VERSION:
        raise BadInputError(
            f"{path}: manifest schema v{version} (dbt < 1.0) is too old; "
            "run `dbt parse` with dbt 1.0 or newer"
        )
    if version > MAX_SCHEMA_VERSION:
        raise BadInputError(
            f"{path}: manifest schema v{version} is newer than this exposure-sync reads "
            f"(v{MIN_SCHEMA_VERSION} to v{MAX_SCHEMA_VERSION}); upgrade exposure-sync"
        )
    return version


# -- building the records ---------------------------------------------------------------------


def _manifest(raw: dict[str, Any], path: Path, version: int) -> Manifest:
    metadata = raw["metadata"]
    nodes = _section(raw, "nodes", required=True)
    sources = _section(raw, "sources")
    disabled = _section(raw, "disabled")
    exposures = _section(raw, "exposures")
    live = [_node(entry, where) for where, entry in _relation_entries(nodes, sources)]
    seen = {node.unique_id for node in live}
    # dbt may keep a disabled copy of an enabled node (another target's config): the
    # enabled one is the truth, so a disabled duplicate would only confuse callers.
    switched_off = [
        _node(entry, where, enabled=False)
        for where, entry in _disabled_entries(disabled)
        if entry.get("unique_id") not in seen
    ]
    adapter = _optional_str(metadata, "adapter_type", "metadata")
    return Manifest(
        project_name=_project_name(raw, path),
        adapter_type=adapter,
        schema_version=version,
        nodes=live + switched_off,
        exposures=[_exposure(entry, f"exposures[{uid!r}]") for uid, entry in exposures.items()],
        graph=_graph(raw),
        macros=_macros(_section(raw, "macros")),
        dbt_version=_optional_str(metadata, "dbt_version", "metadata"),
    )


def _section(raw: dict[str, Any], key: str, required: bool = False) -> dict[str, Any]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _ShapeError(f"'{key}' (expected an object)")
    return value


def _relation_entries(
    nodes: dict[str, Any], sources: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for uid, entry in nodes.items():
        _require_object(entry, f"nodes[{uid!r}]")
        if entry.get("resource_type") in _RELATION_TYPES:
            yield f"nodes[{uid!r}]", entry
    for uid, entry in sources.items():
        _require_object(entry, f"sources[{uid!r}]")
        yield f"sources[{uid!r}]", entry


def _disabled_entries(disabled: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    # v4+ writes unique_id -> [node, ...]: one entry per definition dbt found disabled
    for uid, entries in disabled.items():
        if not isinstance(entries, list):
            raise _ShapeError(f"disabled[{uid!r}] (expected a list)")
        for i, entry in enumerate(entries):
            where = f"disabled[{uid!r}][{i}]"
            _require_object(entry, where)
            if entry.get("resource_type") in _RELATION_TYPES | {"source"}:
                yield where, entry


def _node(entry: dict[str, Any], where: str, enabled: bool | None = None) -> DbtNode:
    config = entry.get("config") or {}
    _require_object(config, f"{where}.config")
    is_source = entry.get("resource_type") == "source"
    name = _str(entry, "name", where)
    # sources name their relation `identifier`; models, seeds and snapshots `alias`
    identifier = _optional_str(entry, "identifier" if is_source else "alias", where) or name
    if enabled is None:
        enabled = config.get("enabled", True) is not False
    return DbtNode(
        unique_id=_str(entry, "unique_id", where),
        resource_type=_str(entry, "resource_type", where),
        package_name=_str(entry, "package_name", where),
        name=name,
        database=_optional_str(entry, "database", where),
        schema=_optional_str(entry, "schema", where),
        identifier=identifier,
        relation_name=_optional_str(entry, "relation_name", where),
        source_name=_str(entry, "source_name", where) if is_source else None,
        version=_version(entry.get("version"), f"{where}.version"),
        latest_version=_version(entry.get("latest_version"), f"{where}.latest_version"),
        materialized=None if is_source else _optional_str(config, "materialized", where),
        enabled=enabled,
    )


def _exposure(entry: Any, where: str) -> ManifestExposure:
    _require_object(entry, where)
    config = entry.get("config") or {}
    _require_object(config, f"{where}.config")
    # dbt 1.10+ keeps them under config (and copies them up); earlier ones only top-level
    meta = {**_exposure_meta(entry, where), **_exposure_meta(config, f"{where}.config")}
    tags = _exposure_tags(entry, where) + _exposure_tags(config, f"{where}.config")
    tags = list(dict.fromkeys(tags))
    owner = entry.get("owner") or {}
    _require_object(owner, f"{where}.owner")
    return ManifestExposure(
        unique_id=_str(entry, "unique_id", where),
        name=_str(entry, "name", where),
        package_name=_str(entry, "package_name", where),
        original_file_path=_str(entry, "original_file_path", where),
        url=_optional_str(entry, "url", where),
        meta=meta,
        tags=tuple(tags),
        label=_optional_str(entry, "label", where),
        owner_name=_optional_str(owner, "name", f"{where}.owner"),
        owner_email=_optional_str(owner, "email", f"{where}.owner"),
    )


def _graph(raw: dict[str, Any]) -> dict[str, GraphNode]:
    """Every enabled node by unique id, with the nodes it depends on.

    Built from each node's `depends_on.nodes` rather than `parent_map`, which a manifest may
    lack (dbt writes it only after building the graph) and which holds no checksums.
    """
    graph: dict[str, GraphNode] = {}
    for section in _GRAPH_SECTIONS:
        for uid, entry in _section(raw, section).items():
            where = f"{section}[{uid!r}]"
            _require_object(entry, where)
            graph[uid] = _graph_node(entry, where)
    return graph


def _graph_node(entry: dict[str, Any], where: str) -> GraphNode:
    parents = _depends_on(entry, "nodes", where)
    config = entry.get("unrendered_config") or {}
    _require_object(config, f"{where}.unrendered_config")
    return GraphNode(
        unique_id=_str(entry, "unique_id", where),
        resource_type=_str(entry, "resource_type", where),
        name=_str(entry, "name", where),
        depends_on=parents,
        macros=_depends_on(entry, "macros", where),
        attached_node=_optional_str(entry, "attached_node", where),
        checksum=_checksum(entry.get("checksum"), f"{where}.checksum"),
        unrendered_config=config,
    )


def _macros(macros: dict[str, Any]) -> dict[str, Macro]:
    found = {}
    for uid, entry in macros.items():
        where = f"macros[{uid!r}]"
        _require_object(entry, where)
        sql = _optional_str(entry, "macro_sql", where) or ""
        found[uid] = Macro(
            unique_id=uid,
            digest=hashlib.sha256(sql.encode()).hexdigest(),
            depends_on=_depends_on(entry, "macros", where),
        )
    return found


def _depends_on(entry: dict[str, Any], kind: str, where: str) -> tuple[str, ...]:
    """`depends_on.nodes` or `depends_on.macros`: unique ids, each once, in dbt's order."""
    depends_on = entry.get("depends_on") or {}
    _require_object(depends_on, f"{where}.depends_on")
    found = depends_on.get(kind) or []
    if not isinstance(found, list) or not all(isinstance(uid, str) for uid in found):
        raise _ShapeError(f"{where}.depends_on.{kind} (expected a list of strings)")
    return tuple(dict.fromkeys(found))


def _checksum(value: Any, where: str) -> str | None:
    """Nodes write {"name": "sha256", "checksum": "..."} ({"name": "none", "checksum": ""} without
    a file of their own); unit tests write the digest alone."""
    if isinstance(value, dict):
        return _optional_str(value, "checksum", where)
    if value is not None and not isinstance(value, str):
        raise _ShapeError(f"{where} (expected an object or a string)")
    return value or None


def _exposure_meta(entry: dict[str, Any], where: str) -> dict[str, Any]:
    meta = entry.get("meta") or {}
    _require_object(meta, f"{where}.meta")
    return meta


def _exposure_tags(entry: dict[str, Any], where: str) -> list[str]:
    tags = entry.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _ShapeError(f"{where}.tags (expected a list of strings)")
    return tags


def _version(value: Any, where: str) -> str | None:
    """The version as dbt spells it in unique ids (`model.p.m.v2`, `.v2.0`): str() of the value.

    2.0 stays "2.0": dbt resolves `ref('m', v=...)` by that spelling, so it must not become "2".
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _ShapeError(f"{where} (expected a number or a string)")
    return str(value)


# -- the root project ----------------------------------------------------------------------


def _project_name(raw: dict[str, Any], path: Path) -> str:
    """metadata.project_name (v10+); before that, the package whose md5 is metadata.project_id.

    dbt sets project_id to md5(root project name) in every version, so the match is exact;
    only a manifest stripped of project_id falls back to the one package that owns nodes.
    """
    metadata = raw["metadata"]
    name = _optional_str(metadata, "project_name", "metadata")
    if name:
        return name
    owners = _package_names(raw, ("nodes", "sources", "exposures"))
    project_id = metadata.get("project_id")
    for package in sorted(owners | _package_names(raw, ("macros",))):
        if hashlib.md5(package.encode()).hexdigest() == project_id:
            return package
    if len(owners) == 1:
        return owners.pop()
    raise BadInputError(
        f"{path}: cannot tell the root project (no metadata.project_name, and project_id "
        "matches no package); run `dbt parse` again"
    )


def _package_names(raw: dict[str, Any], sections: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for key in sections:
        section = raw.get(key)
        if isinstance(section, dict):
            found.update(
                entry["package_name"]
                for entry in section.values()
                if isinstance(entry, dict) and isinstance(entry.get("package_name"), str)
            )
    return found


# -- typed access with a location for errors ----------------------------------------------


def _require_object(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise _ShapeError(f"{where} (expected an object)")


def _str(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise _ShapeError(f"{where}.{key} (expected a non-empty string)")
    return value


def _optional_str(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise _ShapeError(f"{where}.{key} (expected a string)")
    return value or None
