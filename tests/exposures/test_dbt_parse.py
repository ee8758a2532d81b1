"""Proof against real dbt: generated files parse, and dbt sees the original text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exposure_sync.config import Config
from exposure_sync.exposures.build import FOLDER_LINE, build_entry
from exposure_sync.exposures.naming import assign_names, dashboard_source
from exposure_sync.exposures.write import render_exposures, write_if_changed
from exposure_sync.looker.models import Dashboard, Folder, User

from .conftest import load_fixture

NASTY = load_fixture("nasty_texts.yml")
OUTPUT = Path("models") / "exposures" / "looker_exposures.yml"


def _dbt() -> str | None:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else shutil.which("dbt")


pytestmark = pytest.mark.skipif(_dbt() is None, reason="dbt is not installed")


def _project(root: Path) -> None:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0"\nconfig-version: 2\nprofile: tiny\n', encoding="utf-8"
    )
    (root / "profiles.yml").write_text(
        "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {json.dumps(str(root / 'tiny.duckdb'))}\n",
        encoding="utf-8",
    )
    (root / "models" / "orders.sql").write_text("select 1 as order_id\n", encoding="utf-8")


def _parse(root: Path) -> dict:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false"}
    args = [_dbt(), "parse", "--warn-error", "--no-partial-parse"]
    args += ["--project-dir", str(root), "--profiles-dir", str(root)]
    args += ["--log-path", str(root / "logs"), "--target-path", str(root / "target")]
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "target" / "manifest.json").read_text(encoding="utf-8"))


def _dashboards() -> tuple[list[Dashboard], dict[str, Folder], dict[str, User]]:
    folders = {"1": Folder("1", "Shared", None)}
    users = {}
    boards = []
    for index, text in enumerate(NASTY):
        folders[f"f{index}"] = Folder(f"f{index}", text.replace("\n", " "), "1")
        users[f"u{index}"] = User(f"u{index}", text, f"u{index}@example.com")
        boards.append(
            Dashboard(str(index + 1), text, text, folder_id=f"f{index}", user_id=f"u{index}")
        )
    return boards, folders, users


def test_nasty_text_survives_dbt_parse(tmp_path):
    _project(tmp_path)
    boards, folders, users = _dashboards()
    names = assign_names(dashboard_source(board, folders) for board in boards)
    entries = [
        build_entry(
            board,
            ["ref('orders')"],
            folders,
            users,
            Config(),
            "https://looker.example.com",
            name=names[("dashboard", board.id)],
        )
        for board in boards
    ]
    assert write_if_changed(tmp_path / OUTPUT, render_exposures(entries, "exposure-sync sync"))

    manifest = _parse(tmp_path)

    parsed = {e["meta"]["looker_dashboard_id"]: e for e in manifest["exposures"].values()}
    assert len(parsed) == len(boards)
    for board in boards:
        exposure = parsed[board.id]
        folder = "Shared/" + folders[board.folder_id].name
        assert exposure["description"] == board.description.strip() + "\n\n" + FOLDER_LINE.format(
            path=folder
        )
        assert exposure["label"] == board.title.strip()
        assert exposure["owner"]["name"] == users[board.user_id].display_name
        assert exposure["meta"]["looker_folder"] == folder
        assert exposure["depends_on"]["nodes"] == ["model.tiny.orders"]
        assert exposure["original_file_path"] == OUTPUT.as_posix()
