"""Fixtures shared across the suite: greenery's manifest parsed by real dbt, the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure_sync.looker.emulator.server import EmulatorServer

REPO = Path(__file__).resolve().parent.parent
GREENERY = REPO / "greenery"
DBT = str(Path(sys.executable).parent / "dbt")


def run_dbt(args: list[str], project: Path, workdir: Path) -> subprocess.CompletedProcess:
    """dbt in a project, with target, logs and warehouse under workdir (never the repo's)."""
    env = {**os.environ, "GREENERY_DUCKDB": str(workdir / "greenery.duckdb")}
    return subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def greenery_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """greenery's manifest.json from `dbt parse` (no warehouse needed), in a temp target."""
    workdir = tmp_path_factory.mktemp("greenery_parse")
    result = run_dbt(["parse"], GREENERY, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return workdir / "target" / "manifest.json"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The greenery Looker instance on a free port, with LOOKERSDK_* pointing at it."""
    with EmulatorServer() as server:
        saved = {k: os.environ.get(k) for k in server.env()}
        os.environ.update(server.env())
        yield server
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
