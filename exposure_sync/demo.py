"""`exposure-sync demo`: the whole job on the emulator and greenery, from a built project.

Starts the Looker API emulator (greenery instance) on a free port, syncs its dashboards into
greenery's exposures, validates them with `dbt parse --warn-error`, prints a summary, and stops
the emulator. `make demo` builds greenery first (`make greenery`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from exposure_sync.errors import BadInputError, ExposureSyncError
from exposure_sync.looker.emulator.server import EmulatorServer
from exposure_sync.run import run_command

CONFIG_FILE = "exposure-sync.yml"
FUNNEL_MODEL = "model.greenery.fact_sessions_funnel"


def run_demo(project_dir: Path, lookml_dir: Path | None = None) -> int:
    project_dir = project_dir.resolve()
    manifest = project_dir / "target" / "manifest.json"
    config = project_dir / CONFIG_FILE
    if not (project_dir / "dbt_project.yml").is_file():  # e.g. run outside the clone's root
        raise BadInputError(
            f"{project_dir}: no dbt_project.yml here; run from the root of the exposure-sync "
            "clone, or pass --project-dir with the path of its greenery directory"
        )
    for needed, hint in ((manifest, "run `make greenery` first"), (config, "restore it from git")):
        if not needed.exists():
            raise BadInputError(f"{needed}: not found; {hint}")
    output = project_dir / "models" / "exposures" / "looker_exposures.yml"
    with EmulatorServer() as emulator:
        click.echo(f"Looker API emulator (greenery instance) at {emulator.base_url}", err=True)
        previous_env = {k: os.environ.get(k) for k in emulator.env()}
        os.environ.update(emulator.env())
        try:
            code = run_command(
                "sync",
                manifest_path=manifest,
                output_path=output,
                config_path=config,
                snapshot_path=None,
                looker_ini=None,
                section="Looker",
                granularity=None,
                output_format="text",
                lookml_dir=lookml_dir,
            )
        finally:
            _restore(previous_env)
    if code != 0:
        return code
    parsed = dbt_parse(project_dir)
    _print_summary(parsed, output)
    return 0


def dbt_parse(project_dir: Path) -> dict:
    """`dbt parse --warn-error` in the project; returns the new manifest."""
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or shutil.which("dbt")
    if dbt is None:
        raise BadInputError("dbt is not installed; `pip install 'exposure-sync[dbt]'`")
    env = {**os.environ}
    env.setdefault("GREENERY_DUCKDB", str(project_dir / "greenery.duckdb"))
    click.echo("validating with `dbt parse --warn-error` ...", err=True)
    result = subprocess.run(
        [
            dbt,
            "--warn-error",
            "parse",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
        ],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise ExposureSyncError("dbt parse failed on the generated exposures: " + " | ".join(tail))
    return json.loads((project_dir / "target" / "manifest.json").read_text(encoding="utf-8"))


def _print_summary(manifest: dict, output: Path) -> None:
    exposures = manifest.get("exposures", {}).values()
    generated = [e for e in exposures if e.get("meta", {}).get("generated_by") == "exposure-sync"]
    nodes = {n for e in generated for n in e["depends_on"]["nodes"]}
    funnel = sorted(e["label"] for e in exposures if FUNNEL_MODEL in e["depends_on"]["nodes"])
    click.echo("")
    click.echo(f"dbt parse OK: {len(generated)} generated exposures in {output}")
    click.echo(f"  {len(exposures) - len(generated)} hand-written exposure(s) kept as they are")
    click.echo(f"  {len(nodes)} dbt nodes are used by Looker dashboards")
    click.echo(f"  dashboards on fact_sessions_funnel: {', '.join(funnel)}")


def _restore(previous: dict[str, str | None]) -> None:
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
