"""The direct YAML writer writes PyYAML's bytes, or leaves the document to PyYAML."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from exposure_sync.config import Config
from exposure_sync.exposures.build import build_entry
from exposure_sync.exposures.naming import assign_names, dashboard_source
from exposure_sync.exposures.write import (
    entry_to_dict,
    read_generated,
    render_exposures,
    render_with_pyyaml,
)
from exposure_sync.exposures.yaml_text import render_document
from exposure_sync.looker.models import Dashboard, Folder, User

from .conftest import load_fixture

GREENERY_FILE = (
    Path(__file__).resolve().parents[2]
    / "greenery"
    / "models"
    / "exposures"
    / "looker_exposures.yml"
)
# what makes YAML quote, block or escape a string
TRICKY = [
    *"ab Z09 :#-?,[]{}&*!|>'\"%@`.~=<\n\t\\/",
    *("é", "✓", "\xa0", "\u2028", "\x85", "\ufeff", "😀", "\r", "\x00"),
    *("{{", "{%", "true", "null", "yes", "0x1", "1e3", "2024-01-01", "---", "...", " \n", "\n\n"),
]


def document(entries, in_config: bool) -> dict:
    ordered = sorted(entries, key=lambda entry: entry.name)
    return {"version": 2, "exposures": [entry_to_dict(e, in_config) for e in ordered]}


def nasty_entries() -> list:
    """Entries built from the texts that broke YAML or Jinja before (titles, owners, folders)."""
    folders = {"1": Folder("1", "Shared", None)}
    users, boards = {}, []
    for index, text in enumerate(load_fixture("nasty_texts.yml")):
        folders[f"f{index}"] = Folder(f"f{index}", text.replace("\n", " "), "1")
        users[f"u{index}"] = User(f"u{index}", text, f"u{index}@example.com")
        boards.append(Dashboard(str(index + 1), text, text, f"f{index}", f"u{index}"))
    names = assign_names(dashboard_source(board, folders) for board in boards)
    return [
        build_entry(
            board,
            ["ref('orders')", "source('raw', 'x')"],
            folders,
            users,
            Config(),
            "https://looker.example.com",
            name=names[("dashboard", board.id)],
            outside_dbt=["db.legacy.spend"],
        )
        for board in boards
    ]


@pytest.mark.parametrize("in_config", [False, True])
def test_greenery_entries_are_written_byte_identical(in_config):
    doc = document(read_generated(GREENERY_FILE), in_config)
    direct = render_document(doc)
    assert direct is not None  # the fast path wrote it, not the fallback
    assert direct == render_with_pyyaml(doc)


@pytest.mark.parametrize("in_config", [False, True])
def test_nasty_texts_are_byte_identical_whoever_writes_them(in_config):
    entries = nasty_entries()
    doc = document(entries, in_config)
    reference = render_with_pyyaml(doc)
    # the whole file: the writer, or PyYAML when the writer leaves it
    assert render_exposures(entries, properties_in_config=in_config).endswith(reference)
    # and each entry alone, so that the writer's own path is exercised too
    written = 0
    for entry in entries:
        one = document([entry], in_config)
        direct = render_document(one)
        if direct is not None:
            written += 1
            assert direct == render_with_pyyaml(one), entry.label
    assert written >= len(entries) // 2


def test_random_strings_in_every_position_are_byte_identical():
    rng = random.Random(20261205)
    written = 0
    for _ in range(20_000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 8)))
        shape = rng.choice(
            [
                {"value": text},
                {"list": [text, "x"]},
                {text: "key"},
                {"nested": {"inner": text}},
                {"entries": [{"name": text, "depends_on": [text]}]},
            ]
        )
        direct = render_document(shape)
        if direct is not None:
            written += 1
            assert direct == render_with_pyyaml(shape), repr(text)
    assert written > 5_000  # most strings take the fast path


@pytest.mark.parametrize(
    "shape",
    [
        {"value": "tab\there"},  # double-quoted
        {"value": "  leading space\nsecond line"},  # a block with an indentation hint
        {"value": True},  # not a string
        {"list": []},  # flow style []
        {"k" * 200: "a long key"},  # a complex key
    ],
)
def test_what_the_writer_does_not_write_is_left_to_pyyaml(shape):
    assert render_document(shape) is None


def test_pyyaml_never_writes_an_anchor_even_for_a_shared_value():
    """The next run refuses a file with anchors or aliases (validate.py): PyYAML, which writes
    one for an object met twice, must not, whatever the entries share."""
    shared = ["db.legacy.spend"]
    entries = [
        {"name": name, "meta": {"looker_tables_outside_dbt": shared}, "tags": ["tab\there"]}
        for name in ("a", "b")
    ]
    text = render_with_pyyaml({"version": 2, "exposures": entries})
    assert "&" not in text and "*" not in text, text
