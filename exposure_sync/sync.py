"""One sync, as a pure plan: crawl + manifest + config + previous file -> new file text + report.

Nothing here talks to Looker or writes files; `run.py` does that around it, so `sync`, `diff`
and `check` share one computation and differ only in what they do with the result.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from exposure_sync.config import Config
from exposure_sync.dbt.models import Manifest
from exposure_sync.dbt.refs import node_reference
from exposure_sync.errors import BadInputError
from exposure_sync.exposures.build import (
    build_entry,
    build_look_entry,
    default_web_url,
    folder_matches,
    folder_path,
)
from exposure_sync.exposures.coverage import covered_by_hand_written, hand_written, is_generated
from exposure_sync.exposures.entry import ExposureEntry
from exposure_sync.exposures.keys import (
    OUTSIDE_DBT_KEY,
    Key,
    dashboard_key,
    entry_key,
    look_key,
)
from exposure_sync.exposures.naming import (
    NameSource,
    assign_names,
    dashboard_source,
    look_source,
    previous_names,
)
from exposure_sync.exposures.write import merge_entries, render_exposures
from exposure_sync.lineage.graph import Lineage, build_lineage, dashboard_node, look_node
from exposure_sync.looker.decode_content import id_sort_key
from exposure_sync.looker.models import Crawl, CrawlFailure, Dashboard, Look
from exposure_sync.lookml.views import LookmlFiles

Item = Dashboard | Look

# Why a dashboard got no entry; the report groups by these.
DELETED = "deleted in Looker"
PERSONAL = "in a personal folder (set include_personal_folders to include)"
EXCLUDED = "excluded by include_folders/exclude_folders"
EXCLUDED_BY_ID = "excluded by exclude_dashboards"
NO_DEPENDENCY = "no dbt dependency"
HAND_WRITTEN = "covered by a hand-written exposure"
ON_A_DASHBOARD = "look used on a dashboard (the dashboard's entry covers it)"
NOT_SETTLED = "not read completely; previous entry kept, if any"


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
    # the deletion guard held these removals back ("dashboard 12 name: why it would go")
    removals_held: list[str] = field(default_factory=list)
    removal_limit: str = ""  # the limit in words, when removals were held
    # the same as keys: a held entry is among the exposures, so not counted as skipped too
    held_keys: set[Key] = field(default_factory=set)
    # entries written from lineage known in part (merged with the previous entry): "dashboard 7"
    partial: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "entries": self.entries,
            "skipped": [vars(s) for s in self.skipped],
            "relations_not_built_by_dbt": self.unbuilt,
            "missing_explores": self.missing_explores,
            "failures": self.failures,
            "kept_previous_entries": self.kept_previous,
            "removals_held": self.removals_held,
            "entries_from_incomplete_lineage": self.partial,
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
    item: Item
    depends_on: list[str]
    outside_dbt: list[str] = field(default_factory=list)  # relations no dbt node builds


def plan_sync(
    crawl: Crawl,
    manifest: Manifest,
    config: Config,
    output: Path,
    previous: list[ExposureEntry],
    command: str,
    lookml: LookmlFiles | None = None,
) -> SyncPlan:
    """Decide every dashboard's (and look's) fate and render the file `sync` would write.
    `lookml`: the LookML files, which views they define are resolved from."""
    with _cycle_collection_paused():
        planner = _Planner(crawl, manifest, config, output, lookml)
        planner.check_settings()
        return planner.plan(previous, command)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """The plan builds a graph of hundreds of thousands of objects that reference counting
    frees; Python's cycle collector would meanwhile walk the crawl and the growing graph
    again and again (40% of plan_sync at 10,000 dashboards). Paused for the plan only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Planner:
    def __init__(
        self,
        crawl: Crawl,
        manifest: Manifest,
        config: Config,
        output: Path,
        lookml: LookmlFiles | None = None,
    ) -> None:
        self.crawl, self.manifest, self.config, self.output = crawl, manifest, config, output
        self.lineage = build_lineage(crawl, config, manifest, lookml)
        self.web_url = config.web_url or default_web_url(crawl.base_url)
        self.report = SyncReport(output=str(output))
        self.failed = {
            kind: {f.id for f in crawl.failures if f.kind == kind} for kind in ("dashboard", "look")
        }
        # settled: Looker said something definite, so a previous entry may go
        self.settled: dict[str, set[str]] = {"dashboard": set(), "look": set()}
        # "looks on their own" become entries; a look on a dashboard is covered by the dashboard
        self.looks_on_dashboards = {
            tile.look_id for d in crawl.dashboards for tile in d.tiles if tile.look_id is not None
        }
        self._incomplete: list[str] = []
        self._previous: dict[Key, ExposureEntry] = {}
        # once: after a sync, the manifest also lists every generated entry (thousands)
        self._hand_written = hand_written(manifest.exposures, str(output))
        self._live_references: set[str] | None = None
        self._unbuilt: dict[str, set[str]] = defaultdict(set)
        self._missing: dict[str, set[str]] = defaultdict(set)

    def check_settings(self) -> None:
        """Settings that name things Looker does not have. An include pattern that matches no
        folder would drop every entry, so it is an error; the others are worth a note."""
        paths = {
            folder_path(folder_id, self.crawl.folders)
            for folder_id, folder in self.crawl.folders.items()
            if not folder.hidden
        }
        # below a folder the API user cannot see, paths are cut short: a right pattern may
        # match nothing, and the dashboards there are kept unsettled (exit 3), not a config error
        some_hidden = any(folder.hidden for folder in self.crawl.folders.values())
        for pattern in self.config.include_folders:
            if paths and not any(folder_matches(pattern, path) for path in paths):
                if some_hidden:
                    self.lineage.notes.add(
                        f"include_folders: '{pattern}' matches no folder the API user can see"
                    )
                    continue
                raise BadInputError(
                    f"include_folders: '{pattern}' matches no Looker folder; "
                    "check the path (folder paths look like 'Shared/Marketing/**')"
                )
        for pattern in self.config.exclude_folders:
            if not any(folder_matches(pattern, path) for path in paths):
                self.lineage.notes.add(f"exclude_folders: '{pattern}' matches no Looker folder")
        listed = {d.id for d in self.crawl.dashboards}
        for dashboard_id in sorted(set(self.config.exclude_dashboards) - listed):
            self.lineage.notes.add(f"exclude_dashboards: Looker lists no dashboard {dashboard_id}")
        used = {e.connection_name for e in self.crawl.explores.values() if e is not None}
        for name in sorted(set(self.config.connections) - used):
            self.lineage.notes.add(f"connections.{name}: no explore uses a connection of that name")

    def plan(self, previous: list[ExposureEntry], command: str) -> SyncPlan:
        previous = [self._live_only(entry) for entry in previous]
        self._previous = {key: e for e in previous if (key := entry_key(e)) is not None}
        candidates = [c for item in self._items() if (c := self._consider(item)) is not None]
        names = assign_names(
            [_name_source(c.item, self.crawl) for c in candidates],
            self.config.name_template,
            previous=previous_names([*previous, *self._generated_in_manifest()]),
            reserved=[e.name for e in self._hand_written],
        )
        entries = [self._build(c, names) for c in candidates]
        merged = merge_entries(
            entries,
            previous,
            self.failed["dashboard"],
            self._gone("dashboard", previous),
            failed_look_ids=self.failed["look"],
            gone_look_ids=self._gone("look", previous),
            removal_limit=None if self.config.allow_removals else self.config.max_removals,
        )
        self._finish_report(merged.entries, merged.kept + merged.unaccounted)
        if merged.held:
            self._report_held(merged.held, previous)
        # the form the project's dbt expects; a file in the other form is migrated
        text = render_exposures(
            merged.entries, command, properties_in_config=self.manifest.properties_in_config
        )
        return SyncPlan(text, merged.entries, self.report, self.lineage)

    def _generated_in_manifest(self) -> list[dict[str, Any]]:
        """The tool's entries as the manifest knows them: should the generated file be gone,
        their names still stay (refs to them keep working); the file's own names come first."""
        return [
            {"name": e.name, "meta": e.meta}
            for e in self.manifest.exposures
            if is_generated(e, str(self.output))
        ]

    def _items(self) -> list[Item]:
        items: list[Item] = sorted(self.crawl.dashboards, key=lambda d: id_sort_key(d.id))
        if self.config.include_looks:
            items += sorted(self.crawl.looks.values(), key=lambda lk: id_sort_key(lk.id))
        return items

    def _consider(self, item: Item) -> _Candidate | None:
        """The item's entry-to-be, or None with the reason recorded.

        Order matters: what Looker says of the item itself (deleted, folder, covered by a
        hand-written exposure) settles it whatever its lineage; only then can incomplete
        lineage keep an entry, and only complete lineage can say "no dbt dependency".
        """
        kind = _kind(item)
        if isinstance(item, Dashboard) and item.id in self.config.exclude_dashboards:
            # the user's word settles it whatever failed: that is what the setting is for
            return self._skip(item, EXCLUDED_BY_ID, "")
        if isinstance(item, Look) and item.id in self.looks_on_dashboards & self.failed[kind]:
            # the dashboards' tiles, not the look, say so: no entry whatever failed
            return self._skip(item, ON_A_DASHBOARD, "")
        if item.id in self.failed[kind]:
            self.report.skipped.append(Skipped(kind, item.id, item.title, NOT_SETTLED))
            return None
        root = _root(item)
        outside_dbt = sorted(map(str, self.lineage.unbuilt_relations(root)))
        for relation in outside_dbt:
            self._unbuilt[relation].add(item.id)
        for explore in self.lineage.missing_explores(root):
            self._missing[explore].add(item.id)
        unknown_folder = None if item.deleted else self._folder_unknown(item.folder_id)
        if unknown_folder is not None:
            # without its folder path, include/exclude and personal rules cannot be applied
            return self._keep(item, unknown_folder)
        reason, detail = self._skip_reason(item)
        if reason is None:
            incomplete = self.lineage.incomplete_reason(root)
            known = self._depends_on(root)
            if incomplete is not None:
                return self._partial(item, _Candidate(item, known, outside_dbt), incomplete)
            if not known:
                reason = NO_DEPENDENCY
        if reason is not None:
            return self._skip(item, reason, detail)
        return _Candidate(item, known, outside_dbt)

    def _references(self) -> set[str]:
        """Every depends_on reference the manifest's live nodes can be written as."""
        if self._live_references is None:
            project = self.manifest.project_name
            live = (n for n in self.manifest.nodes if n.enabled)
            self._live_references = {node_reference(n, project) for n in live}
        return self._live_references

    def _live_only(self, entry: ExposureEntry) -> ExposureEntry:
        """The previous entry without refs to nodes the manifest no longer has: a kept entry
        (its dashboard failed) would otherwise make `dbt parse` refuse the whole file."""
        live = tuple(ref for ref in entry.depends_on if ref in self._references())
        return entry if live == entry.depends_on else replace(entry, depends_on=live)

    def _depends_on(self, root: tuple[str, ...]) -> list[str]:
        project = self.manifest.project_name
        return sorted({node_reference(n, project) for n in self.lineage.dbt_nodes(root)})

    def _partial(self, item: Item, known: _Candidate, why: str) -> _Candidate | None:
        """Lineage known in part (a PDT's inputs, a failed SQL request...): the entry holds
        what is known plus what its previous entry had, since nothing may be dropped before
        the lineage is complete again. Not settled: the run still exits 3. A first run
        without any known dbt node writes no entry yet."""
        self._keep(item, why)
        previous = self._previous.get(_key(item))
        if previous is not None:
            known.depends_on = sorted({*known.depends_on, *previous.depends_on})
            before = previous.meta.get(OUTSIDE_DBT_KEY)
            if isinstance(before, list):
                # a relation the lineage reads now has a verdict of its own (dbt may build it
                # by now); only those it does not see keep the previous one
                seen = {str(r) for r in self.lineage.relations(_root(item))}
                kept_outside = {str(r) for r in before} - seen
                known.outside_dbt = sorted({*known.outside_dbt, *kept_outside})
        if not known.depends_on:
            return None
        self.report.partial.append(f"{_kind(item)} {item.id}")
        return known

    def _skip(self, item: Item, reason: str, detail: str) -> None:
        """Settled without an entry: a previous entry goes."""
        kind = _kind(item)
        self.report.skipped.append(Skipped(kind, item.id, item.title, reason, detail))
        self.settled[kind].add(item.id)
        self.failed[kind].discard(item.id)  # excluded by the user, though Looker failed it

    def _keep(self, item: Item, why: str) -> None:
        """Not settled: the previous entry stays, and the run exits 3."""
        kind = _kind(item)
        self.failed[kind].add(item.id)
        self._incomplete.append(f"{kind} {item.id}: {why}")
        self.report.skipped.append(Skipped(kind, item.id, item.title, NOT_SETTLED, why))

    def _folder_unknown(self, folder_id: str | None) -> str | None:
        """Why the folder rules cannot be applied to an item in this folder, or None.

        A folder Looker answers 404 for is one the API user cannot see: the path then starts
        below it. That is harmless when the item's own folder says it is personal (Looker marks
        every folder below a personal one) or when no include/exclude rule reads paths; else a
        rule might have matched the hidden part, so the item is not settled.
        """
        seen: set[str] = set()
        own, child = folder_id, None
        while folder_id is not None and folder_id not in seen:
            seen.add(folder_id)
            folder = self.crawl.folders.get(folder_id)
            if folder is None:
                return f"its folder {folder_id} could not be read"
            if folder.hidden:
                return self._hidden_folder(own, folder_id, child)
            child, folder_id = folder_id, folder.parent_id
        return None

    def _hidden_folder(self, own: str | None, hidden: str, child: str | None) -> str | None:
        where = f"folder {hidden} (above folder {child})" if child else f"its folder {hidden}"
        own_folder = self.crawl.folders.get(own or "")
        personal = own_folder is not None and own_folder.is_personal
        # personal whatever the path: the personal rule settles it
        settled = personal and not self.config.include_personal_folders
        rules = self.config.include_folders != ("**",) or bool(self.config.exclude_folders)
        if child is None or (rules and not settled):
            return f"{where} is not visible to the API user (404): folder rules cannot apply"
        self.lineage.notes.add(
            f"{where} is not visible to the API user (404); folder paths start below it"
        )
        return None

    def _skip_reason(self, item: Item) -> tuple[str | None, str]:
        """Why Looker's own facts leave the item without an entry (lineage aside)."""
        if item.deleted:
            return DELETED, ""
        if isinstance(item, Look) and item.id in self.looks_on_dashboards:
            return ON_A_DASHBOARD, ""
        folder = self.crawl.folders.get(item.folder_id or "")
        if folder is not None and folder.is_personal and not self.config.include_personal_folders:
            return PERSONAL, ""
        path = folder_path(item.folder_id, self.crawl.folders)
        if not _folder_included(path, self.config):
            return EXCLUDED, path
        kind = _kind(item)
        url = f"{self.web_url.rstrip('/')}/{kind}s/{item.id}"
        # already without the generated ones (None: no second filtering per item)
        covering = covered_by_hand_written(item.id, url, self._hand_written, None, kind=kind)
        if covering is not None:
            return HAND_WRITTEN, covering.name
        return None, ""

    def _gone(self, kind: str, previous: list[ExposureEntry]) -> set[str]:
        """Ids whose previous entry may disappear: settled now, or no longer listed at all."""
        listed = (
            {d.id for d in self.crawl.dashboards} if kind == "dashboard" else set(self.crawl.looks)
        )
        before = {key[1] for key in map(entry_key, previous) if key and key[0] == kind}
        return self.settled[kind] | (before - listed - self.failed[kind])

    def _build(self, candidate: _Candidate, names: dict[Key, str]) -> ExposureEntry:
        item, crawl = candidate.item, self.crawl
        if isinstance(item, Look):
            return build_look_entry(
                item,
                candidate.depends_on,
                crawl.folders,
                crawl.users,
                self.config,
                self.web_url,
                name=names[look_key(item.id)],
                outside_dbt=candidate.outside_dbt,
            )
        return build_entry(
            item,
            candidate.depends_on,
            crawl.folders,
            crawl.users,
            self.config,
            self.web_url,
            name=names[dashboard_key(item.id)],
            outside_dbt=candidate.outside_dbt,
        )

    def _matters(self, failure: CrawlFailure) -> bool:
        """A failed request that leaves something unknown. Not: a connection the config fully
        describes, or generated SQL that only settled items (excluded, deleted...) needed."""
        if failure.kind == "connection":
            return failure.id in self.lineage.failed_connections
        if failure.kind == "dashboard" or (failure.kind == "look" and self.config.include_looks):
            return failure.id not in self.settled[failure.kind]  # excluded by the user
        kinds = ("dashboard", "look") if self.config.include_looks else ("dashboard",)
        if failure.kind == "look":  # not an item itself: it matters through its dashboards
            users = {
                ("dashboard", d.id)
                for d in self.crawl.dashboards
                if any(tile.look_id == failure.id for tile in d.tiles)
            }
        elif failure.kind == "query":
            users = {n[:2] for n in self.lineage.items_using_query(failure.id) if n[0] in kinds}
        elif failure.kind == "explore":
            # the crawl also failed each item on it, naming the explore
            prefix = f"explore {failure.id}: "
            users = {
                (f.kind, f.id)
                for f in self.crawl.failures
                if f.kind in kinds and f.reason.startswith(prefix)
            }
        else:
            return True
        return not users or any(item_id not in self.settled[kind] for kind, item_id in users)

    def _finish_report(self, entries: list[ExposureEntry], kept: list[Key]) -> None:
        report = self.report
        report.entries = len(entries)
        report.unbuilt = {rel: _sorted_ids(ids) for rel, ids in sorted(self._unbuilt.items())}
        report.missing_explores = {e: _sorted_ids(ids) for e, ids in sorted(self._missing.items())}
        report.kept_previous = [f"{kind} {i}" for kind, i in kept]
        failures = [f"{f.kind} {f.id}: {f.reason}" for f in self.crawl.failures if self._matters(f)]
        report.failures = sorted(failures + self._incomplete, key=_failure_order)
        report.notes = sorted(self.lineage.notes)

    def _report_held(self, held: list[Key], previous: list[ExposureEntry]) -> None:
        names = {entry_key(entry): entry.name for entry in previous}
        why = {(s.kind, s.id): s.reason for s in self.report.skipped}
        self.report.removal_limit = self.config.max_removals.describe(len(previous))
        self.report.held_keys = set(held)
        self.report.removals_held = [
            f"{kind} {item_id} {names[(kind, item_id)]}: "
            f"{why.get((kind, item_id), 'no longer listed by Looker')}"
            for kind, item_id in sorted(held, key=lambda key: (key[0], id_sort_key(key[1])))
        ]


def _failure_order(line: str) -> tuple[str, tuple[int, int, str], str]:
    """'dashboard 10: ...' after 'dashboard 2: ...': by kind, then id as ids sort."""
    head, _, rest = line.partition(": ")
    kind, _, item_id = head.partition(" ")
    return kind, id_sort_key(item_id), rest


def _kind(item: Item) -> str:
    return "look" if isinstance(item, Look) else "dashboard"


def _key(item: Item) -> Key:
    return look_key(item.id) if isinstance(item, Look) else dashboard_key(item.id)


def _root(item: Item) -> tuple[str, ...]:
    return look_node(item.id) if isinstance(item, Look) else dashboard_node(item.id)


def _sorted_ids(ids: set[str]) -> list[str]:
    return sorted(ids, key=id_sort_key)


def _folder_included(path: str, config: Config) -> bool:
    if not any(folder_matches(pattern, path) for pattern in config.include_folders):
        return False
    return not any(folder_matches(pattern, path) for pattern in config.exclude_folders)


def _name_source(item: Item, crawl: Crawl) -> NameSource:
    if isinstance(item, Look):
        return look_source(item, crawl.folders)
    return dashboard_source(item, crawl.folders)
