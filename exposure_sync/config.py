"""The one YAML configuration file: typed settings, strict validation.

Unknown keys and wrong types are errors naming the key (exit 2); every key is optional.
The reference is config/reference.yml.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from exposure_sync.errors import BadInputError
from exposure_sync.exposures.guard import RemovalLimit
from exposure_sync.exposures.naming import validate_template
from exposure_sync.files import CONFIG_MAX_BYTES, read_input

MATURITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Owner:
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class MaturityRule:
    """First matching rule wins. Every condition given must hold."""

    maturity: str
    certified: bool | None = None
    folder: str | None = None  # glob on the folder path, e.g. "Shared/Executive/**"
    min_views: int | None = None


@dataclass(frozen=True)
class ConnectionDefaults:
    """Fills what Looker does not tell about a connection (or overrides it)."""

    dialect: str | None = None
    database: str | None = None
    schema: str | None = None


@dataclass(frozen=True)
class Config:
    # Looker
    web_url: str | None = None  # default: the API base URL without :19999 and /api
    include_folders: tuple[str, ...] = ("**",)
    exclude_folders: tuple[str, ...] = ()
    # dashboard ids (numbers, or model::name for LookML ones) left out whatever their folder:
    # for one whose lineage cannot be read until someone fixes it in Looker
    exclude_dashboards: tuple[str, ...] = ()
    include_personal_folders: bool = False
    include_looks: bool = False
    granularity: str = "query"  # or "explore"
    # "queries": read each merge and its source queries (1 + sources calls each); "explores":
    # merged-results tiles at explore granularity, from what the dashboard tells (no calls)
    merged_results: str = "queries"
    concurrency: int = 8
    retries: int = 5
    # seconds for one whole Looker answer (None: LOOKERSDK_TIMEOUT, else 60), and for the
    # whole read of Looker: what is not read by then fails (exit 3), its entries kept
    timeout: int | None = None
    deadline: int = 1800
    # LookML substitutions
    constants: dict[str, str] = field(default_factory=dict)
    user_attributes: dict[str, str] = field(default_factory=dict)
    lookml_manifest: str | None = None  # path to a manifest.lkml to read constants from
    # Looker project name -> a checkout of its LookML files (derived tables read from them)
    lookml_projects: dict[str, str] = field(default_factory=dict)
    connections: dict[str, ConnectionDefaults] = field(default_factory=dict)
    # dev vs prod: Looker's name -> the manifest's name
    database_map: dict[str, str] = field(default_factory=dict)
    schema_map: dict[str, str] = field(default_factory=dict)
    # exposures
    output: str | None = None
    name_template: str = "{title}_{id}"
    default_owner: Owner = field(default_factory=lambda: Owner("Looker", None))
    maturity_rules: tuple[MaturityRule, ...] = (
        MaturityRule("high", certified=True),
        MaturityRule("medium"),
    )
    tags: tuple[str, ...] = ()
    # the deletion guard (exposures/guard.py): a run removing more entries removes none
    max_removals: RemovalLimit = field(default_factory=RemovalLimit)
    allow_removals: bool = False  # also --allow-removals: the guard is off


_SIMPLE_TYPES: dict[str, type | tuple[type, ...]] = {
    "web_url": str,
    "include_personal_folders": bool,
    "include_looks": bool,
    "allow_removals": bool,
    "granularity": str,
    "merged_results": str,
    "concurrency": int,
    "retries": int,
    "timeout": int,
    "deadline": int,
    "lookml_manifest": str,
    "output": str,
    "name_template": str,
}
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false"}
_STRING_LISTS = ("include_folders", "exclude_folders", "tags")
_STRING_MAPS = ("constants", "user_attributes", "database_map", "schema_map", "lookml_projects")


def load_config(path: str | Path | None) -> Config:
    """Read and validate the config file; None gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        raw = yaml.safe_load(read_input(path, "the config file", CONFIG_MAX_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{path}: config file not found; pass an existing --config") from None
    except OSError as err:
        raise BadInputError(f"{path}: cannot read the config file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise BadInputError(
            f"{path}: the config file is not UTF-8 text; save it as UTF-8"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise BadInputError(f"{path}:{where} is not valid YAML; fix the syntax") from None
    if raw is None:
        return Config()
    if not isinstance(raw, dict):
        raise BadInputError(f"{path}: expected a mapping of settings at the top level")
    config = config_from_dict(raw, source=str(path))
    # paths in the file are relative to the file, so it works from any directory
    return replace(
        config,
        output=_beside(path, config.output),
        lookml_manifest=_beside(path, config.lookml_manifest),
        lookml_projects={k: str(_beside(path, v)) for k, v in config.lookml_projects.items()},
    )


def _beside(config_path: Path, value: str | None) -> str | None:
    return None if value is None else str(config_path.parent / Path(value).expanduser())


def config_from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise BadInputError(
                f"{source}: unknown key '{key}'{_did_you_mean(key, known)}; "
                "see docs/configuration.md for the keys"
            )
        if value is None:  # `key: null` (or an empty key) means the default
            continue
        values[key] = _convert(key, value, source)
    config = Config(**values)
    if config.granularity not in ("query", "explore"):
        raise _value_error(source, "granularity", config.granularity, "'query' or 'explore'")
    if config.merged_results not in ("queries", "explores"):
        raise _value_error(
            source, "merged_results", config.merged_results, "'queries' or 'explores'"
        )
    if config.web_url is not None and (
        not config.web_url.startswith(("http://", "https://"))
        or any(char.isspace() for char in config.web_url)  # would end up in every entry's url
    ):
        raise _value_error(
            source, "web_url", config.web_url, "an http:// or https:// URL without whitespace"
        )
    validate_template(config.name_template)  # before any request reaches Looker
    check_bounds(config, source)
    for name, checkout in config.lookml_projects.items():
        if not checkout.strip():  # else the config file's own directory would be read
            raise BadInputError(
                f"{source}: lookml_projects.{name} is empty; give the path of a checkout of "
                "that LookML project"
            )
    return config


# beyond these a setting is a typo or would keep a nightly job (or Looker) busy for hours
BOUNDS = {
    "concurrency": (1, 64),
    "retries": (0, 20),
    "timeout": (1, 3600),
    "deadline": (1, 86400),
}


def check_bounds(config: Config, source: str) -> None:
    """A config error (exit 2) for a count or a time beyond its BOUNDS."""
    for key, (low, high) in BOUNDS.items():
        value = getattr(config, key)
        if value is not None and not low <= value <= high:
            raise _value_error(source, key, value, f"between {low} and {high}")


def _value_error(source: str, key: str, value: Any, allowed: str) -> BadInputError:
    return BadInputError(f"{source}: '{key}' is {value!r}; it must be {allowed}")


def _type_error(source: str, key: str, expected: str) -> BadInputError:
    return BadInputError(f"{source}: '{key}' must be {expected}")


def _convert(key: str, value: Any, source: str) -> Any:
    if key in _SIMPLE_TYPES:
        expected = _SIMPLE_TYPES[key]
        # bool is an int in Python; a YAML `true` is not a count
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise _type_error(source, key, _TYPE_NAMES[expected])
        return value
    if key == "exclude_dashboards":
        # YAML reads `[12, 37]` as numbers: ids are strings in Looker's API
        if not isinstance(value, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            raise _type_error(source, key, "a list of dashboard ids")
        return tuple(str(v) for v in value)
    if key in _STRING_LISTS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _type_error(source, key, "a list of strings")
        return tuple(value)
    if key in _STRING_MAPS:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int | float) for k, v in value.items()
        ):
            raise _type_error(source, key, "a mapping of names to strings")
        return {k: str(v) for k, v in value.items()}
    if key == "max_removals":
        return _removal_limit(value, source)
    if key == "default_owner":
        return _record(Owner, value, f"{source}: default_owner")
    if key == "connections":
        if not isinstance(value, dict):
            raise _type_error(source, key, "a mapping of connection names to settings")
        return {
            str(name): _record(ConnectionDefaults, spec, f"{source}: connections.{name}")
            for name, spec in value.items()
        }
    if key == "maturity_rules":
        if not isinstance(value, list):
            raise _type_error(source, key, "a list of rules")
        rules = tuple(
            _record(MaturityRule, rule, f"{source}: maturity_rules[{i}]")
            for i, rule in enumerate(value)
        )
        for i, rule in enumerate(rules):
            if rule.maturity not in MATURITIES:
                raise BadInputError(
                    f"{source}: maturity_rules[{i}].maturity must be one of high, medium, low"
                )
        return rules
    raise AssertionError(key)  # every known key is handled above


def _removal_limit(value: Any, source: str) -> RemovalLimit:
    """`max_removals: 20` (an absolute number) or `{entries: 5, percent: 10}` (the default)."""
    where = f"{source}: max_removals"
    if isinstance(value, int) and not isinstance(value, bool):
        limit = RemovalLimit(entries=value, percent=None)
    elif isinstance(value, dict):
        if set(value) - {"entries", "percent"}:
            unknown = sorted(set(value) - {"entries", "percent"})[0]
            raise BadInputError(f"{where}: unknown key '{unknown}'; use entries and percent")
        entries, percent = value.get("entries", 0), value.get("percent")
        if not _count(entries) or not (percent is None or _number(percent)):
            raise BadInputError(f"{where}: entries must be a whole number, percent a number")
        limit = RemovalLimit(entries=entries, percent=percent)
    else:
        raise _type_error(source, "max_removals", "a whole number or {entries: N, percent: P}")
    if limit.entries < 0 or not 0 <= (limit.percent or 0) <= 100:
        raise BadInputError(f"{where}: entries must be 0 or more, percent from 0 to 100")
    return limit


def _did_you_mean(key: Any, known: Iterable[str]) -> str:
    """` (did you mean 'exclude_folders'?)` for a near miss, else nothing."""
    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _record(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise BadInputError(f"{where} must be a mapping")
    known = {f.name: f for f in fields(cls)}
    for key, item in value.items():
        if key not in known:
            raise BadInputError(f"{where}: unknown key '{key}'{_did_you_mean(key, known)}")
        expected = {"min_views": int, "certified": bool}.get(key, str)
        if item is not None and (
            not isinstance(item, expected) or (expected is int and isinstance(item, bool))
        ):
            raise BadInputError(f"{where}.{key} must be {_TYPE_NAMES[expected]}")
    try:
        return cls(**value)
    except TypeError:
        missing = [f for f in known if f not in value]
        raise BadInputError(f"{where}: missing '{missing[0]}'") from None
