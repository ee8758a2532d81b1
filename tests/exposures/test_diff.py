from __future__ import annotations

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.exposures.diff import diff_files
from exposure_sync.exposures.write import render_exposures

from .test_write import COMMAND, entry

PATH = "models/exposures/looker_exposures.yml"


def test_no_change():
    text = render_exposures([entry("a", "1")], COMMAND)
    result = diff_files(text, text, PATH)
    assert not result.has_changes
    assert (result.added, result.changed, result.removed) == ((), (), ())
    assert result.unified == ""
    assert result.summary == f"{PATH}: up to date"


def test_added_changed_removed():
    old = render_exposures([entry("a", "1"), entry("b", "2"), entry("c", "3")], COMMAND)
    new = render_exposures([entry("a", "1"), entry("b", "2", label="Renamed"), entry("d", "4")])
    result = diff_files(old, new, PATH)
    assert result.added == ("d",)
    assert result.changed == ("b",)
    assert result.removed == ("c",)
    assert result.unified.startswith(f"--- a/{PATH}\n+++ b/{PATH}\n")
    assert "-    label: Dashboard 2 ✓\n+    label: Renamed\n" in result.unified
    assert "+  - name: d\n" in result.unified
    assert result.summary.splitlines() == [
        f"{PATH}: 1 added, 1 changed, 1 removed",
        "  + d",
        "  ~ b",
        "  - c",
    ]


def test_rename_kept_name_shows_as_a_label_change_only():
    old = render_exposures([entry("product_funnel_1", "1", label="Product funnel")])
    new = render_exposures([entry("product_funnel_1", "1", label="Checkout funnel")])
    result = diff_files(old, new, PATH)
    changed_lines = [
        line
        for line in result.unified.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert changed_lines == ["-    label: Product funnel", "+    label: Checkout funnel"]


def test_new_file():
    new = render_exposures([entry("a", "1")])
    result = diff_files(None, new, PATH)
    assert result.added == ("a",)
    assert result.unified.startswith(f"--- /dev/null\n+++ b/{PATH}\n")


def test_header_only_change():
    old = render_exposures([entry("a", "1")], "exposure-sync sync --output x")
    new = render_exposures([entry("a", "1")], COMMAND)
    result = diff_files(old, new, PATH)
    assert result.has_changes and result.summary == f"{PATH}: only the header changed"


def test_unreadable_old_file():
    with pytest.raises(BadInputError, match="looker_exposures.yml is not valid YAML"):
        diff_files("exposures: [", render_exposures([]), PATH)
