"""How a generated entry is tied to the Looker content it describes.

Entries are recognised by their meta ids, never by name: names are for people and may be
kept across renames, ids are what Looker guarantees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exposure_sync.exposures.entry import ExposureEntry

GENERATED_BY = "exposure-sync"
DASHBOARD_ID_KEY = "looker_dashboard_id"
LOOK_ID_KEY = "looker_look_id"
FOLDER_KEY = "looker_folder"
FOLDER_ID_KEY = "looker_folder_id"
# relations the dashboard reads that no dbt node builds (sorted; absent when none)
OUTSIDE_DBT_KEY = "looker_tables_outside_dbt"

# ("dashboard" | "look", Looker id): a dashboard and a look may share an id
Key = tuple[str, str]


def dashboard_key(dashboard_id: str) -> Key:
    return ("dashboard", str(dashboard_id))


def look_key(look_id: str) -> Key:
    return ("look", str(look_id))


def meta_key(meta: Mapping[str, Any] | None) -> Key | None:
    """The Looker content a meta mapping points at, or None."""
    meta = meta or {}
    if meta.get(DASHBOARD_ID_KEY) not in (None, ""):
        return dashboard_key(str(meta[DASHBOARD_ID_KEY]))
    if meta.get(LOOK_ID_KEY) not in (None, ""):
        return look_key(str(meta[LOOK_ID_KEY]))
    return None


def entry_key(entry: ExposureEntry) -> Key | None:
    """The Looker content an entry describes, or None (not one of ours)."""
    return meta_key(entry.meta)
