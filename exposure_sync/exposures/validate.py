"""Reading back a generated file that someone may have edited: strict YAML, typed entries.

The tool never writes YAML anchors or aliases, so the loader refuses them: a 1 KB "alias
bomb" would otherwise expand into gigabytes when the entries are walked. Every entry is
checked for the types the tool writes before any of it is kept: a hand-edited
`depends_on: ref('x')` (a string, not a list) would otherwise come back as one-character refs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from exposure_sync.errors import BadInputError

_STRING_KEYS = ("name", "label", "type", "url", "maturity", "description")
_LIST_KEYS = ("depends_on", "tags")
_OWNER_KEYS = ("name", "email")


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors (&a) and aliases (*a) before building anything."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ComposerError(
                None, None, "YAML anchors and aliases are not allowed here", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml_without_aliases(text: str) -> Any:
    """yaml.safe_load, but a document with an anchor or alias raises yaml.YAMLError."""
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def check_entries(entries: list[dict[str, Any]], path: str | Path) -> None:
    """BadInputError naming the first entry whose values do not have the types we write."""
    for entry in entries:
        problem = _entry_problem(entry)
        if problem is not None:
            raise BadInputError(
                f"{path}: exposure '{entry['name']}': {problem}; "
                "fix the entry or delete the file and sync again"
            )


def _entry_problem(entry: Mapping[str, Any]) -> str | None:
    for key in _STRING_KEYS:
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return f"'{key}' must be a string"
    for key in _LIST_KEYS:
        if not _optional_strings(entry.get(key)):
            return f"'{key}' must be a list of strings"
    owner = entry.get("owner")
    if owner is not None and not (
        isinstance(owner, dict)
        and all(key in _OWNER_KEYS for key in owner)
        and all(value is None or isinstance(value, str) for value in owner.values())
    ):
        return "'owner' must be a mapping with a string name and/or email"
    return _meta_problem(entry.get("meta"), "meta") or _config_problem(entry.get("config"))


def _config_problem(config: Any) -> str | None:
    """dbt 1.10+ puts tags and meta under `config:`; they must have the same types there."""
    if config is None:
        return None
    if not isinstance(config, dict):
        return "'config' must be a mapping"
    if not _optional_strings(config.get("tags")):
        return "'config.tags' must be a list of strings"
    return _meta_problem(config.get("meta"), "config.meta")


def _meta_problem(meta: Any, where: str) -> str | None:
    if meta is None:
        return None
    if not isinstance(meta, dict) or not all(isinstance(key, str) for key in meta):
        return f"'{where}' must be a mapping"
    for key, value in meta.items():
        # the ids tie an entry to its dashboard: a list or mapping there is an edit gone wrong
        if key.startswith("looker_") and key.endswith("_id") and not _scalar(value):
            return f"'{where}.{key}' must be a string"
    return None


def _optional_strings(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _scalar(value: Any) -> bool:
    return value is None or (isinstance(value, str | int) and not isinstance(value, bool))
