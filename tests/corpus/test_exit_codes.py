"""The README's exit-code table is what the corpus observes: every exit code a corpus row expects
of a command is one the README documents for it (rows without `command` run `sync`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
TABLES = ("bad_files.yml", "looker_faults.yml")
ROW = re.compile(r"^\| `exposure-sync (\w+)[^|]*\|[^|]*\|([^|]*)\|", re.M)


def documented() -> dict[str, set[int]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return {
        name: {int(code) for code in re.findall(r"\b\d\b", codes)}
        for name, codes in ROW.findall(readme)
    }


def observed() -> dict[str, set[int]]:
    codes: dict[str, set[int]] = {}
    for table in TABLES:
        rows = yaml.safe_load((REPO / "tests" / "fixtures" / "corpus" / table).read_text("utf-8"))
        for row in rows:
            codes.setdefault(row.get("command", "sync"), set()).add(row["exit"])
    return codes


def test_every_exit_code_the_corpus_sees_is_documented() -> None:
    table = documented()
    assert {"sync", "diff", "check", "crawl"} <= set(table)
    for command, codes in observed().items():
        assert codes <= table[command], (
            f"{command}: corpus sees {codes}, README says {table[command]}"
        )


def test_the_corpus_sees_bad_input_and_looker_errors_on_every_looker_command() -> None:
    seen = observed()
    assert all({2, 3} <= seen[command] for command in ("sync", "diff", "check", "crawl")), seen
