"""Helpers for the greenery tests: paths, environment, running the scripts and dbt."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

GREENERY = Path(__file__).resolve().parents[2] / "greenery"
SCRIPTS = GREENERY / "scripts"
# dbt's CLI, run by the interpreter that runs the tests (the venv's), wherever PATH points.
DBT = [sys.executable, "-c", "import sys; from dbt.cli.main import cli; sys.exit(cli())"]


def load_script(name: str) -> ModuleType:
    """Import greenery/scripts/<name>.py under a name no other test module can clash with."""
    if str(SCRIPTS) not in sys.path:
        sys.path.append(str(SCRIPTS))  # for its own imports: greenery_common, greenery_raw
    module_name = f"greenery_script_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def greenery_env(workdir: Path) -> dict[str, str]:
    """Everything the build writes goes under workdir: warehouse, dbt target and logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GREENERY_", "DBT_"))}
    env.update(
        GREENERY_DUCKDB=str(workdir / "greenery.duckdb"),
        GREENERY_SCHEMA="analytics",
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_PROFILES_DIR=str(GREENERY),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run(
    args: Sequence[str], env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), env=env, cwd=GREENERY.parent, capture_output=True, text=True, timeout=timeout
    )


def run_script(name: str, args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([sys.executable, str(SCRIPTS / f"{name}.py"), *args], env)


def run_dbt(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([*DBT, *args, "--project-dir", str(GREENERY)], env)


@dataclass(frozen=True)
class Build:
    workdir: Path
    env: dict[str, str]
    result: subprocess.CompletedProcess

    @property
    def duckdb(self) -> Path:
        return self.workdir / "greenery.duckdb"

    @property
    def target(self) -> Path:
        return self.workdir / "target"
