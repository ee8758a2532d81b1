"""Dashboards already described by a hand-written exposure are skipped, never duplicated.

A manifest parsed after an earlier sync also lists the generated exposures; those are the
tool's own and must not count as hand-written, or every dashboard would skip itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

from exposure_sync.dbt.models import ManifestExposure
from exposure_sync.exposures.keys import DASHBOARD_ID_KEY, GENERATED_BY, LOOK_ID_KEY

_DEFAULT_PORTS = {"http": "80", "https": "443"}
# meta keys a hand-written exposure may use for the Looker id
_ID_KEYS = {"dashboard": (DASHBOARD_ID_KEY, "looker_id"), "look": (LOOK_ID_KEY,)}


def normalize_url(url: str) -> str:
    """Same page, same string: case of scheme/host, default ports, trailing slash, query,
    fragment, percent-encoding and Looker's older `/dashboards-next/` path don't matter."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = unquote(parts.path).rstrip("/").replace("/dashboards-next/", "/dashboards/")
    return urlunsplit((scheme, netloc, path, "", ""))


def is_generated(exposure: ManifestExposure, generated_path: str | None) -> bool:
    """True for the tool's own entries: in the generated file, or marked generated_by."""
    if exposure.meta.get("generated_by") == GENERATED_BY:
        return True
    return bool(generated_path) and _same_file(exposure.original_file_path, generated_path)


def _same_file(original_file_path: str, generated_path: str) -> bool:
    # original_file_path is relative to the dbt project; the output path may be relative to
    # the working directory or absolute, so compare from the end.
    original = PurePosixPath(original_file_path.replace("\\", "/")).parts
    generated = PurePosixPath(str(generated_path).replace("\\", "/")).parts
    return bool(original) and generated[-len(original) :] == original


def hand_written(
    manifest_exposures: Iterable[ManifestExposure], generated_path: str | None
) -> list[ManifestExposure]:
    return [e for e in manifest_exposures if not is_generated(e, generated_path)]


def covered_by_hand_written(
    dashboard_id: str,
    url: str,
    manifest_exposures: Iterable[ManifestExposure],
    generated_path: str | None,
    *,
    kind: str = "dashboard",
) -> ManifestExposure | None:
    """The hand-written exposure that already covers this dashboard (or look), if any."""
    target = normalize_url(url) if url else None
    candidates = sorted(hand_written(manifest_exposures, generated_path), key=_sort_key)
    for exposure in candidates:
        if target and exposure.url and normalize_url(exposure.url) == target:
            return exposure
        if any(_same_id(exposure.meta.get(k), dashboard_id) for k in _ID_KEYS[kind]):
            return exposure
    return None


def _same_id(value: object, looker_id: str) -> bool:
    # hand-written YAML often has `looker_dashboard_id: 42` (a number)
    return value is not None and not isinstance(value, bool) and str(value) == str(looker_id)


def _sort_key(exposure: ManifestExposure) -> str:
    return exposure.unique_id
