"""Save a Crawl to JSON and load it back, for `crawl --out` and `--from-snapshot`.

The file is deterministic (sorted keys and lists, one layout), so a snapshot committed to a
repository only changes when Looker did. It holds what the Crawl holds: Looker content and the
base URL, never a setting or a secret.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections import Counter
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from exposure_sync.errors import BadInputError
from exposure_sync.files import atomic_write, read_input
from exposure_sync.looker.decode_content import id_sort_key
from exposure_sync.looker.models import (
    FAILURE_KINDS,
    Connection,
    Crawl,
    CrawlFailure,
    Dashboard,
    Explore,
    ExploreField,
    Folder,
    Look,
    MergeQuery,
    Tile,
    User,
)

FORMAT = "exposure-sync-crawl"
VERSION = 1
# Keys a snapshot may lack: added after version 1 (snapshots of earlier releases stay
# readable, with the default), or written only when set (`hidden`). Every other key is
# required: one missing means an edited or damaged file.
_OPTIONAL_KEYS: dict[type, set[str]] = {
    Folder: {"hidden"},
    Tile: {"merge_sources"},
    ExploreField: {"kind"},
    Connection: {"scratch_schema"},
    Explore: {"project_name"},
}


class _Corrupt(Exception):
    """Why a snapshot does not decode; turned into one BadInputError naming the file."""


def crawl_to_json(crawl: Crawl) -> dict[str, Any]:
    """The snapshot document: records as objects, collections as lists sorted by id."""

    def records(items: Any) -> list[dict[str, Any]]:
        return [dataclasses.asdict(item) for item in items]

    return {
        "format": FORMAT,
        "version": VERSION,
        "base_url": crawl.base_url,
        "dashboards": records(sorted(crawl.dashboards, key=lambda d: id_sort_key(d.id))),
        "looks": records(_by_key(crawl.looks)),
        "merge_queries": records(_by_key(crawl.merge_queries)),
        "explores": [
            {"model": model, "name": name, "explore": _asdict_or_none(explore)}
            for (model, name), explore in sorted(crawl.explores.items())
        ],
        "connections": records(_by_key(crawl.connections)),
        "users": records(_by_key(crawl.users)),
        # `hidden` only when set: snapshots stay readable by releases that predate the field
        "folders": [
            {k: v for k, v in record.items() if k != "hidden" or v}
            for record in records(_by_key(crawl.folders))
        ],
        "generated_sql": dict(crawl.generated_sql),
        "failures": records(
            sorted(crawl.failures, key=lambda f: (f.kind, id_sort_key(f.id), f.reason))
        ),
    }


def save_crawl(crawl: Crawl, path: str | Path) -> None:
    """Write the snapshot atomically (temporary file in the same directory, then rename)."""
    text = json.dumps(crawl_to_json(crawl), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        atomic_write(path, text)
    except OSError as err:
        raise BadInputError(f"{path}: cannot write the snapshot ({err.strerror})") from None


def check_snapshot_target(path: str | Path) -> None:
    """Refuse to let `crawl --out` replace a file that is not a snapshot (a generated exposures
    file, a manifest.json, anything else given by mistake): BadInputError, file untouched."""
    try:
        data = read_input(path, "the snapshot to replace")
    except FileNotFoundError:
        parent = Path(path).parent
        if not parent.is_dir():  # found out now, not after a crawl of many minutes
            raise BadInputError(
                f"{path}: cannot write the snapshot: directory {parent} does not exist; "
                "create it or pass another --out"
            ) from None
        return
    except OSError as err:
        raise BadInputError(f"{path}: cannot read ({err.strerror})") from None
    try:
        ours = json.loads(data.decode("utf-8")).get("format") == FORMAT
    except (ValueError, AttributeError):  # not UTF-8, not JSON, not an object
        ours = False
    if not ours:
        raise BadInputError(
            f"refusing to overwrite {path}: it is not an exposure-sync crawl snapshot; "
            "pass another --out, or delete the file first"
        )


def load_crawl(path: str | Path) -> Crawl:
    """Read a snapshot written by save_crawl; anything else is a one-line BadInputError."""
    path = Path(path)
    try:
        raw = json.loads(read_input(path, "the snapshot").decode("utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{path}: snapshot not found; check --from-snapshot") from None
    except OSError as err:
        raise BadInputError(f"{path}: cannot read the snapshot ({err.strerror})") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: not a crawl snapshot (not UTF-8 text)") from None
    except json.JSONDecodeError as err:
        raise BadInputError(
            f"{path}: not a crawl snapshot (invalid JSON at line {err.lineno}); "
            "re-create it with `exposure-sync crawl --out`"
        ) from None
    try:
        return crawl_from_json(raw)
    except _Corrupt as err:
        raise BadInputError(
            f"{path}: not a valid crawl snapshot ({err}); "
            "re-create it with `exposure-sync crawl --out`"
        ) from None


def crawl_from_json(raw: Any) -> Crawl:
    """The Crawl of a snapshot document; raises _Corrupt on anything unexpected."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _Corrupt(f'no "format": "{FORMAT}"')
    if raw.get("version") != VERSION:
        raise _Corrupt(f"format version {raw.get('version')!r}, this tool reads {VERSION}")
    expected = set(crawl_to_json(Crawl(base_url="")))
    if set(raw) != expected:
        raise _Corrupt(f"unexpected or missing keys: {sorted(set(raw) ^ expected)}")
    dashboards = _records(Dashboard, raw["dashboards"], "dashboards")
    _unique([d.id for d in dashboards], "dashboards")
    connections = _records(Connection, raw["connections"], "connections")
    _unique([c.name for c in connections], "connections")
    failures = _records(CrawlFailure, raw["failures"], "failures")
    for i, failure in enumerate(failures):
        if failure.kind not in FAILURE_KINDS:
            raise _Corrupt(f"failures[{i}].kind {failure.kind!r} is not one of {FAILURE_KINDS}")
    return Crawl(
        base_url=_value(str, raw["base_url"], "base_url"),
        dashboards=dashboards,
        looks=_keyed(Look, raw["looks"], "looks"),
        merge_queries=_keyed(MergeQuery, raw["merge_queries"], "merge_queries"),
        explores=_explores(raw["explores"]),
        connections={c.name: c for c in connections},
        users=_keyed(User, raw["users"], "users"),
        folders=_keyed(Folder, raw["folders"], "folders"),
        generated_sql=_value(dict[str, str], raw["generated_sql"], "generated_sql"),
        failures=failures,
    )


def _unique(ids: list[str], where: str) -> None:
    repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
    if repeated:
        raise _Corrupt(f"{where} repeats id {repeated[0]!r}")


def _by_key(items: dict[str, Any]) -> list[Any]:
    return [items[key] for key in sorted(items, key=id_sort_key)]


def _asdict_or_none(record: Any) -> dict[str, Any] | None:
    return None if record is None else dataclasses.asdict(record)


def _records(cls: type, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Corrupt(f"{where} is not a list")
    return [_value(cls, item, f"{where}[{i}]") for i, item in enumerate(value)]


def _keyed(cls: type, value: Any, where: str) -> dict[str, Any]:
    records = _records(cls, value, where)
    _unique([record.id for record in records], where)
    return {record.id: record for record in records}


def _explores(value: Any) -> dict[tuple[str, str], Explore | None]:
    explores: dict[tuple[str, str], Explore | None] = {}
    for i, item in enumerate(_value(list[dict[str, Any]], value, "explores")):
        where = f"explores[{i}]"
        if set(item) != {"model", "name", "explore"}:
            raise _Corrupt(f"{where} needs exactly model, name and explore")
        key = (_value(str, item["model"], where), _value(str, item["name"], where))
        if key in explores:
            raise _Corrupt(f"explores repeats {key[0]}::{key[1]}")
        explores[key] = _value(Explore | None, item["explore"], where)
    return explores


def _value(tp: Any, value: Any, where: str) -> Any:
    """`value` (decoded JSON) as type `tp`: dataclasses, tuples, lists, dicts, unions, scalars."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return _union(get_args(tp), value, where)
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp, value, where)
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise _Corrupt(f"{where} is not a list")
        items = [_value(get_args(tp)[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise _Corrupt(f"{where} is not an object")
        return {k: _value(get_args(tp)[1], v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    # bool is an int in Python, but a count is never true/false in a snapshot
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise _Corrupt(f"{where} is not a {tp.__name__}")
    return value


def _union(options: tuple[Any, ...], value: Any, where: str) -> Any:
    if value is None:
        if type(None) in options:
            return None
        raise _Corrupt(f"{where} is null")
    others = [option for option in options if option is not type(None)]
    return _value(others[0], value, where)  # the models only use `X | None`


def _dataclass(cls: Any, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _Corrupt(f"{where} is not an object")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(value) - names
    if unknown:
        raise _Corrupt(f"{where} has unknown key {sorted(unknown)[0]!r}")
    missing = sorted(names - set(value) - _OPTIONAL_KEYS.get(cls, set()))
    if missing:
        raise _Corrupt(f"{where} misses {missing[0]}")
    kwargs = {key: _value(hints[key], item, f"{where}.{key}") for key, item in value.items()}
    try:
        return cls(**kwargs)
    except TypeError:
        missing = sorted(names - set(value))
        raise _Corrupt(f"{where} misses {missing[0] if missing else 'a key'}") from None
