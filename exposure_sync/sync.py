"""One sync, as a pure plan: crawl + manifest + config + previous file -> new file text + report.

Nothing here talks to Looker or writes files; `run.py` does that around it, so `sync`, `diff`
and `check` share one computation and differ only in what they do with the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exposure_sync.config import Config
from exposure_sync.dbt.models import Manifest
from exposure_sync.dbt.refs import node_reference
from exposure_sync.exposures.build import (
    build_entry,
    build_look_entry,
    default_web_url,
    folder_matches,
    folder_path,
)
from exposure_sync.exposures.coverage import covered_by_hand_written, hand_written
from exposure_sync.exposures.entry import ExposureEntry
from exposure_sync.exposures.keys import Key, dashboard_key, entry_key, look_key
from exposure_sync.exposures.naming import (
    NameSource,
    assign_names,
    dashboard_source,
    look_source,
    previous_names,
)
from exposure_sync.exposures.write import merge_entries, render_exposures
from exposure_sync.lineage.graph import Lineage, build_lineage, dashboard_node, look_node
from exposure_sync.looker.models import Crawl, Dashboard, Look

# Why a dashboard got no entry; the report groups by these.
DELETED = "deleted in Looker"
PERSONAL = "in a personal folder (set include_personal_folders to include)"
EXCLUDED = "excluded by include_folders/exclude_folders"
NO_DEPENDENCY = "no dbt dependency"
HAND_WRITTEN = "covered by a hand-written exposure"
FAILED = "Looker request failed; previous entry kept"


@dataclass(frozen=True)
class Skipped:
    kind: str  # "dashboard" | "look"
    id: str
    title: str
    reason: str
    detail: str = ""


@dataclass
class SyncReport:
    output: str
    entries: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    # relation -> ids of the dashboards reading it, for relations no dbt node builds
    unbuilt: dict[str, list[str]] = field(default_factory=dict)
    missing_explores: dict[str, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "entries": self.entries,
            "skipped": [vars(s) for s in self.skipped],
            "relations_not_built_by_dbt": self.unbuilt,
            "missing_explores": self.missing_explores,
            "failures": self.failures,
            "kept_previous_entries": self.kept_previous,
            "notes": self.notes,
        }


@dataclass
class SyncPlan:
    text: str  # the file as it should be
    entries: list[ExposureEntry]
    report: SyncReport
    lineage: Lineage


@dataclass
class _Candidate:
    kind: str
    item: Dashboard | Look
    depends_on: list[str]


def plan_sync(
    crawl: Crawl,
    manifest: Manifest,
    config: Config,
    output: Path,
    previous: list[dict[str, Any]],
    command: str,
) -> SyncPlan:
    """Decide every dashboard's fate and render the file that `sync` would write."""
    lineage = build_lineage(crawl, config, manifest)
    report = SyncReport(output=str(output))
    web_url = config.web_url or default_web_url(crawl.base_url)
    candidates, settled = _select(crawl, manifest, config, lineage, output, web_url, report)
    ours = hand_written(manifest.exposures, str(output))
    names = assign_names(
        [_name_source(c, crawl) for c in candidates],
        config.name_template,
        previous=previous_names(previous),
        reserved=[e.name for e in ours],
    )
    entries = [_build(c, crawl, config, web_url, names) for c in candidates]
    failed = {f.id for f in crawl.failures if f.kind == "dashboard"}
    live = {d.id for d in crawl.dashboards if not d.deleted}
    previous_ids = {key[1] for key in map(entry_key, previous) if key and key[0] == "dashboard"}
    # settled: Looker said something definite; gone: Looker no longer lists it at all
    gone = settled | (previous_ids - live - failed)
    merged = merge_entries(
        entries, previous, failed, gone, gone_look_ids=_gone_looks(crawl, previous)
    )
    report.entries = len(merged.entries)
    report.kept_previous = [f"{kind} {i}" for kind, i in merged.kept + merged.unaccounted]
    report.failures = sorted(f"{f.kind} {f.id}: {f.reason}" for f in crawl.failures)
    report.notes = sorted(lineage.notes)
    return SyncPlan(render_exposures(merged.entries, command), merged.entries, report, lineage)


def _select(
    crawl: Crawl,
    manifest: Manifest,
    config: Config,
    lineage: Lineage,
    output: Path,
    web_url: str,
    report: SyncReport,
) -> tuple[list[_Candidate], set[str]]:
    """Dashboards (and looks) that get an entry; and the ids settled without one."""
    failed = {f.id for f in crawl.failures if f.kind == "dashboard"}
    candidates: list[_Candidate] = []
    settled: set[str] = set()
    unbuilt: dict[str, set[str]] = defaultdict(set)
    missing: dict[str, set[str]] = defaultdict(set)
    for dashboard in sorted(crawl.dashboards, key=lambda d: d.id):
        if dashboard.id in failed:
            report.skipped.append(Skipped("dashboard", dashboard.id, dashboard.title, FAILED))
            continue
        root = dashboard_node(dashboard.id)
        for relation in lineage.unbuilt_relations(root):
            unbuilt[str(relation)].add(dashboard.id)
        for explore in lineage.missing_explores(root):
            missing[explore].add(dashboard.id)
        reason, detail = _skip_reason(dashboard, crawl, manifest, config, lineage, output, web_url)
        if reason:
            report.skipped.append(
                Skipped("dashboard", dashboard.id, dashboard.title, reason, detail)
            )
            settled.add(dashboard.id)
            continue
        candidates.append(_Candidate("dashboard", dashboard, _depends_on(lineage, root, manifest)))
    if config.include_looks:
        candidates += _look_candidates(crawl, manifest, config, lineage, report)
    report.unbuilt = {rel: sorted(ids) for rel, ids in sorted(unbuilt.items())}
    report.missing_explores = {e: sorted(ids) for e, ids in sorted(missing.items())}
    return candidates, settled


def _skip_reason(
    dashboard: Dashboard,
    crawl: Crawl,
    manifest: Manifest,
    config: Config,
    lineage: Lineage,
    output: Path,
    web_url: str,
) -> tuple[str | None, str]:
    if dashboard.deleted:
        return DELETED, ""
    folder = crawl.folders.get(dashboard.folder_id or "")
    if folder is not None and folder.is_personal and not config.include_personal_folders:
        return PERSONAL, ""
    path = folder_path(dashboard.folder_id, crawl.folders)
    if not _folder_included(path, config):
        return EXCLUDED, path
    url = f"{web_url.rstrip('/')}/dashboards/{dashboard.id}"
    covering = covered_by_hand_written(dashboard.id, url, manifest.exposures, str(output))
    if covering is not None:
        return HAND_WRITTEN, covering.name
    if not lineage.dbt_nodes(dashboard_node(dashboard.id)):
        return NO_DEPENDENCY, ""
    return None, ""


def _folder_included(path: str, config: Config) -> bool:
    if not any(folder_matches(pattern, path) for pattern in config.include_folders):
        return False
    return not any(folder_matches(pattern, path) for pattern in config.exclude_folders)


def _look_candidates(
    crawl: Crawl, manifest: Manifest, config: Config, lineage: Lineage, report: SyncReport
) -> list[_Candidate]:
    candidates = []
    for look in sorted(crawl.looks.values(), key=lambda lk: lk.id):
        folder = crawl.folders.get(look.folder_id or "")
        path = folder_path(look.folder_id, crawl.folders)
        if look.deleted:
            continue
        if (folder is not None and folder.is_personal and not config.include_personal_folders) or (
            not _folder_included(path, config)
        ):
            continue
        depends_on = _depends_on(lineage, look_node(look.id), manifest)
        if not depends_on:
            report.skipped.append(Skipped("look", look.id, look.title, NO_DEPENDENCY))
            continue
        candidates.append(_Candidate("look", look, depends_on))
    return candidates


def _gone_looks(crawl: Crawl, previous: list[dict[str, Any]]) -> set[str]:
    live = {look.id for look in crawl.looks.values() if not look.deleted}
    return {key[1] for key in map(entry_key, previous) if key and key[0] == "look"} - live


def _depends_on(lineage: Lineage, root: tuple[str, ...], manifest: Manifest) -> list[str]:
    return sorted({node_reference(n, manifest.project_name) for n in lineage.dbt_nodes(root)})


def _name_source(candidate: _Candidate, crawl: Crawl) -> NameSource:
    if isinstance(candidate.item, Look):
        return look_source(candidate.item, crawl.folders)
    return dashboard_source(candidate.item, crawl.folders)


def _build(
    candidate: _Candidate, crawl: Crawl, config: Config, web_url: str, names: dict[Key, str]
) -> ExposureEntry:
    item = candidate.item
    if isinstance(item, Look):
        build, name = build_look_entry, names[look_key(item.id)]
    else:
        build, name = build_entry, names[dashboard_key(item.id)]
    return build(
        item,  # type: ignore[arg-type]  # build matches item's type just above
        candidate.depends_on,
        crawl.folders,
        crawl.users,
        config,
        web_url,
        name=name,
    )
