"""What a sync would change in the generated file: entry names and a unified diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from exposure_sync.exposures.write import parse_entries


@dataclass(frozen=True)
class DiffResult:
    path: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unified: str  # "" when the bytes would not change
    summary: str

    @property
    def has_changes(self) -> bool:
        return bool(self.unified)


def diff_files(old_text: str | None, new_text: str, path: str | Path) -> DiffResult:
    """Compare the current file (None: it does not exist) with what would be written."""
    path = str(path)
    old_text = old_text or ""
    old = {entry["name"]: entry for entry in parse_entries(old_text, path)}
    new = {entry["name"]: entry for entry in parse_entries(new_text, path)}
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    changed = tuple(sorted(name for name in old.keys() & new.keys() if old[name] != new[name]))
    unified = "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"a/{path.lstrip('/')}" if old_text else "/dev/null",
            tofile=f"b/{path.lstrip('/')}",
        )
    )
    summary = _summary(path, added, changed, removed, bool(unified))
    return DiffResult(path, added, changed, removed, unified, summary)


def _summary(
    path: str,
    added: tuple[str, ...],
    changed: tuple[str, ...],
    removed: tuple[str, ...],
    differs: bool,
) -> str:
    if not differs:
        return f"{path}: up to date"
    if not (added or changed or removed):
        return f"{path}: only the header changed"
    counts = f"{len(added)} added, {len(changed)} changed, {len(removed)} removed"
    lines = [f"{path}: {counts}"]
    lines += [f"  + {name}" for name in added]
    lines += [f"  ~ {name}" for name in changed]
    lines += [f"  - {name}" for name in removed]
    return "\n".join(lines)
