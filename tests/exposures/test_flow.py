"""Two sync runs wired the way the CLI wires the exposures package."""

from __future__ import annotations

from pathlib import Path

from exposure_sync.config import Config
from exposure_sync.exposures.build import build_entry
from exposure_sync.exposures.diff import diff_files
from exposure_sync.exposures.naming import assign_names, dashboard_source, previous_names
from exposure_sync.exposures.write import (
    merge_entries,
    read_generated,
    render_exposures,
    write_if_changed,
)
from exposure_sync.looker.models import Dashboard

from .conftest import FOLDERS, USERS, dashboard

COMMAND = "exposure-sync sync --manifest target/manifest.json --output looker.yml"


def sync(path: Path, boards: list[Dashboard], failed=(), gone=()) -> tuple[str, str | None]:
    previous = read_generated(path)
    names = assign_names(
        (dashboard_source(b, FOLDERS) for b in boards), previous=previous_names(previous)
    )
    entries = [
        build_entry(
            b,
            ["ref('fact_orders')"],
            FOLDERS,
            USERS,
            Config(),
            "https://l.example",
            name=names[("dashboard", b.id)],
        )
        for b in boards
    ]
    merged = merge_entries(entries, previous, failed, gone)
    text = render_exposures(merged.entries, COMMAND)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    write_if_changed(path, text)
    return text, old


def test_two_runs(tmp_path):
    path = tmp_path / "looker.yml"
    day1 = [dashboard("1", "Product funnel"), dashboard("2", "Orders"), dashboard("3", "Stock")]
    sync(path, day1)

    # nothing changed: same bytes, no write
    mtime = path.stat().st_mtime_ns
    text, old = sync(path, list(reversed(day1)))
    assert text == old and path.stat().st_mtime_ns == mtime

    # 1 renamed, 2 failed to load, 3 deleted, 4 new
    day2 = [dashboard("1", "Checkout funnel"), dashboard("4", "Product funnel")]
    text, old = sync(path, day2, failed=["2"], gone=["3"])
    result = diff_files(old, text, "looker.yml")
    assert result.added == ("product_funnel_4",)
    assert result.changed == ("product_funnel_1",)  # kept its name; label changed
    assert result.removed == ("stock_3",)
    names = [e.name for e in read_generated(path)]
    assert names == ["orders_2", "product_funnel_1", "product_funnel_4"]
