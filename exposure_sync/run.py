"""The commands' bodies: load the inputs, plan, then write, diff or check, and report.

Inputs are checked cheapest first (config, manifest, output file header) so that a bad input
fails in a second, before any request reaches Looker.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from exposure_sync.config import Config, check_bounds, load_config
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.errors import EXIT_CHANGES, EXIT_LOOKER, EXIT_OK, BadInputError
from exposure_sync.exposures.diff import DiffResult, diff_files
from exposure_sync.exposures.write import check_all_ours, read_generated, write_if_changed
from exposure_sync.lineage.graph import queries_needing_sql
from exposure_sync.lineage.resolve import configured_constants
from exposure_sync.looker.client import LookerClient
from exposure_sync.looker.crawl import crawl as crawl_looker
from exposure_sync.looker.crawl import fetch_generated_sql
from exposure_sync.looker.models import Crawl, CrawlFailure
from exposure_sync.looker.snapshot import check_snapshot_target, load_crawl, save_crawl
from exposure_sync.lookml.views import LookmlFiles, load_lookml_files
from exposure_sync.sync import NOT_SETTLED, Skipped, SyncPlan, SyncReport, plan_sync


def run_command(
    command: str,
    *,
    manifest_path: Path,
    output_path: Path | None,
    config_path: Path | None,
    snapshot_path: Path | None,
    looker_ini: Path | None,
    section: str,
    granularity: str | None,
    output_format: str,
    deadline: int | None = None,
    allow_removals: bool = False,
    lookml_dir: Path | None = None,
) -> int:
    """`sync`, `diff` or `check`: one plan, then what each does with it; returns the exit code."""
    config = _with_flags(load_config(config_path), granularity, deadline)
    if allow_removals:
        config = replace(config, allow_removals=True)
    output = _output_path(output_path, config)
    lookml = load_lookml_files(lookml_dir, config.lookml_projects)
    manifest = load_manifest(manifest_path)
    previous = read_generated(output)  # refuses a file without our header, before crawling
    check_all_ours(previous, output)  # ... and one with an entry added by hand
    configured_constants(config)  # reads lookml_manifest: a bad one fails before crawling too
    if snapshot_path:
        crawl = load_crawl(snapshot_path)
    else:
        crawl = read_looker(config, looker_ini, section, lookml)
    plan = plan_sync(crawl, manifest, config, output, previous, HEADER_COMMAND, lookml)
    old_text = output.read_text(encoding="utf-8") if output.exists() else None
    act = {"sync": _sync, "diff": _diff, "check": _check}[command]
    return act(plan, output, old_text, output_format)


def _sync(plan: SyncPlan, output: Path, old_text: str | None, output_format: str) -> int:
    written = write_if_changed(output, plan.text)
    if not written:
        _print_report(plan.report, output_format, summary=f"{output}: unchanged, not written")
        return _exit_code(plan.report, EXIT_OK)
    # say what the write did, removals by name: a nightly log then shows what went away
    change = diff_files(old_text, plan.text, output)
    summary = f"{output}: written"
    if output_format == "text":
        counts = f"{len(change.added)} added, {len(change.changed)} changed"
        summary += f" ({counts}, {len(change.removed)} removed)"
        summary += "".join(f"\n  - {name}" for name in change.removed)
    _print_report(plan.report, output_format, summary=summary, diff=change, with_unified=False)
    return _exit_code(plan.report, EXIT_OK)


def _diff(plan: SyncPlan, output: Path, old_text: str | None, output_format: str) -> int:
    result = diff_files(old_text, plan.text, output)
    if output_format == "text":
        click.echo(result.unified, nl=False)
    summary = result.summary
    # with failures or held removals "up to date" would mislead: say why first
    warnings = []
    if plan.report.failures:
        warnings.append(f"{_incomplete(plan.report)}; entries of what failed are kept")
    if plan.report.removals_held:
        warnings.append(_held(plan.report))
    if warnings:
        summary = "\n".join(warnings + ([summary] if result.has_changes else []))
    _print_report(plan.report, output_format, summary=summary, diff=result)
    return _exit_code(plan.report, EXIT_CHANGES if result.has_changes else EXIT_OK)


def _check(plan: SyncPlan, output: Path, old_text: str | None, output_format: str) -> int:
    failures = plan.report.failures
    stale = old_text != plan.text
    # with failures the verdict rests on an incomplete crawl: say "unknown", never "up to date"
    state = "unknown" if failures else "stale" if stale else "up to date"
    if plan.report.removals_held and not failures:
        state = "removals held"  # stale or not, the verdict waits for the user's word
    if output_format == "json":
        verdict = {"output": str(output), "state": state, "stale": None if failures else stale}
        held = {"removals_held": plan.report.removals_held}
        click.echo(json.dumps({**verdict, "failures": failures, **held}))
    else:
        stale_hint = "stale: run `exposure-sync sync`"
        if old_text is None:  # a mistyped --output looks stale too: say the file is not there
            stale_hint = (
                "stale: the file does not exist (check --output); `exposure-sync sync` creates it"
            )
        hint = {
            "stale": stale_hint,
            "unknown": _incomplete(plan.report),
            "removals held": _held(plan.report),
        }
        click.echo(f"{output}: {hint.get(state, state)}")
        for failure in failures:
            click.echo(f"  FAILED {failure}", err=True)
        for held in plan.report.removals_held:
            click.echo(f"  HELD {held}", err=True)
    return _exit_code(plan.report, EXIT_CHANGES if stale else EXIT_OK)


def _held(report: SyncReport) -> str:
    count = len(report.removals_held)
    return (
        f"{count} removals held back, more than max_removals allows ({report.removal_limit}); "
        "their entries are kept: if the dashboards are really gone, run again with "
        "--allow-removals"
    )


def _incomplete(report: SyncReport) -> str:
    count = len(report.failures)
    return f"unknown, {count} failure{'s' if count != 1 else ''} while reading Looker"


def run_crawl(
    *,
    out_path: Path,
    config_path: Path | None,
    looker_ini: Path | None,
    section: str,
    granularity: str | None = None,
    deadline: int | None = None,
    lookml_dir: Path | None = None,
) -> int:
    """`crawl --out FILE`: what Looker said, saved for offline runs."""
    config = _with_flags(load_config(config_path), granularity, deadline)
    check_snapshot_target(out_path)  # before crawling: a wrong --out fails in a second
    lookml = load_lookml_files(lookml_dir, config.lookml_projects)
    configured_constants(config)
    crawl = read_looker(config, looker_ini, section, lookml)
    save_crawl(crawl, out_path)
    click.echo(
        f"saved {len(crawl.dashboards)} dashboards, {len(crawl.explores)} explores to {out_path}",
        err=True,
    )
    # what a sync from this snapshot will keep previous entries for (exit 3 there too)
    for failure in crawl.failures:
        click.echo(f"  FAILED {failure.kind} {failure.id}: {failure.reason}", err=True)
    return EXIT_LOOKER if crawl.failures else EXIT_OK


def _with_flags(config: Config, granularity: str | None, deadline: int | None) -> Config:
    """Command-line flags over the config file's settings."""
    if granularity:
        config = replace(config, granularity=granularity)
    if deadline is not None:
        config = replace(config, deadline=deadline)
        check_bounds(config, "--deadline")
    return config


def read_looker(
    config: Config,
    looker_ini: Path | None,
    section: str | None,
    lookml: LookmlFiles | None = None,
) -> Crawl:
    """Crawl Looker, then ask for generated SQL only for queries on derived tables the LookML
    files (when given) do not define."""
    client = LookerClient.from_config(config, looker_ini, section)
    try:
        crawl = crawl_looker(client, config)
        wanted, adhoc = queries_needing_sql(crawl, config, lookml)
        failures: list[CrawlFailure] = []
        crawl.generated_sql.update(
            fetch_generated_sql(
                client,
                wanted,
                adhoc=adhoc,
                concurrency=config.concurrency,
                failures=failures,
            )
        )
    finally:
        client.close()
    # a dashboard whose SQL is missing fails in the plan (lineage incomplete): nothing is lost
    crawl.failures.extend(failures)
    return crawl


def _output_path(output_path: Path | None, config: Config) -> Path:
    if output_path is not None:
        return output_path
    if config.output:
        return Path(config.output)
    raise BadInputError("no output file: pass --output or set `output` in the config file")


# The header's command: how to regenerate, the same on every machine and run (real paths would
# differ between a laptop and CI, and `check` would then call every file stale).
HEADER_COMMAND = (
    "exposure-sync sync --manifest target/manifest.json --output <this file> "
    "[--config exposure-sync.yml]"
)


def _exit_code(report: SyncReport, code: int) -> int:
    """Failed Looker requests win: the run is not complete, whatever else it found. So do
    removals the deletion guard held back: Looker's answer may have lacked what it has."""
    return EXIT_LOOKER if report.failures or report.removals_held else code


def _print_report(
    report: SyncReport,
    output_format: str,
    summary: str,
    diff: DiffResult | None = None,
    with_unified: bool = True,
) -> None:
    if output_format == "json":
        changes: dict[str, Any] = {}
        if diff is not None:
            changes = {"added": diff.added, "changed": diff.changed, "removed": diff.removed}
            if with_unified:
                changes["diff"] = diff.unified
        click.echo(json.dumps({"summary": summary, **changes, **report.to_dict()}, indent=2))
        return
    for line in report_lines(report):
        click.echo(line, err=True)
    click.echo(summary, err=True)


def report_lines(report: SyncReport) -> list[str]:
    """The human report: counts first, then what a reader would act on."""
    # an item not read completely is not "skipped": its previous entry is among the exposures
    unsettled = [s for s in report.skipped if s.reason == NOT_SETTLED]
    # a removal held back keeps its entry: counted among the exposures (HELD lines), not here
    skipped = [
        s
        for s in report.skipped
        if s.reason != NOT_SETTLED and (s.kind, s.id) not in report.held_keys
    ]
    # exposures + skipped + incomplete without an entry = every item, each counted once
    kept, partial = len(report.kept_previous), len(report.partial)
    without_entry = len(unsettled) - kept - partial
    counts = [f"{report.entries} exposures", f"{len(skipped)} skipped"]
    if kept:
        counts[0] += f" ({kept} of them kept from the last run: not read completely)"
    if report.removals_held:
        counts[0] += f" ({len(report.removals_held)} of them held back from removal)"
    if partial:
        # their lineage is known in part: what is known, plus the previous entry's depends_on
        counts[0] += f" ({partial} of them from lineage known in part)"
    if without_entry > 0:
        counts.append(f"{without_entry} not read completely and without an entry yet")
    lines = ["; ".join(counts)]
    by_reason: dict[str, list[Any]] = {}
    for item in skipped:
        by_reason.setdefault(item.reason, []).append(item)
    for reason, items in sorted(by_reason.items()):
        lines.append(f"  skipped, {reason}: {_listed(items)}")
    if unsettled:
        lines.append(f"  not read completely (why: FAILED below): {_listed(unsettled)}")
    for relation, ids in report.unbuilt.items():
        lines.append(f"  not built by dbt: {relation} ({_dashboards(ids)})")
    for explore, ids in report.missing_explores.items():
        lines.append(f"  explore no longer exists: {explore} ({_dashboards(ids)})")
    lines.extend(f"  note: {note}" for note in report.notes)
    lines.extend(f"  FAILED {failure}" for failure in report.failures)
    if report.removals_held:
        lines.append(f"  {_held(report)}:")
        lines.extend(f"  HELD {held}" for held in report.removals_held)
    return lines


def _listed(items: list[Skipped]) -> str:
    # dashboards by id alone, as everywhere in the report; looks say so
    shown = ", ".join(f"{'look ' if s.kind == 'look' else ''}{s.id} {s.title!r}" for s in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _dashboards(ids: list[str]) -> str:
    return f"dashboard{'s' if len(ids) > 1 else ''} {', '.join(ids)}"
