"""The pre-commit hooks (.pre-commit-hooks.yaml) as a user's repository meets them: `pre-commit
try-repo` on this repository installs it in a pre-commit environment (a virtualenv and `pip
install` of this repository, as for any Python hook) and runs `exposure-sync-check` in a temporary
git repository laid out as a dbt project: exposure-sync.yml (greenery's) and target/manifest.json
(greenery's, from real `dbt parse`) at its root, the generated file committed, Looker being the
emulator (LOOKERSDK_* in the environment, as a developer would have them).

try-repo takes this repository's committed state plus staged and modified tracked files (not new
untracked ones). Each run installs the environment afresh (try-repo keeps no store), ~15 s.

Issue 11, acceptance 3.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.looker.emulator.server import EmulatorServer
from tests.conftest import GREENERY

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
GENERATED = Path("models") / "exposures" / "looker_exposures.yml"
GIT_IDENTITY = ["-c", "user.name=exposure-sync tests", "-c", "user.email=tests@example.invalid"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache and log for this module only, never the developer's."""
    return tmp_path_factory.mktemp("pre_commit_home")


@pytest.fixture(scope="module")
def dbt_project(
    tmp_path_factory: pytest.TempPathFactory, greenery_manifest: Path, emulator: EmulatorServer
) -> Path:
    """A git repository holding greenery's settings, manifest and an up-to-date generated file."""
    project = tmp_path_factory.mktemp("dbt_project")
    shutil.copy(GREENERY / "exposure-sync.yml", project / "exposure-sync.yml")
    (project / "target").mkdir()
    shutil.copy(greenery_manifest, project / "target" / "manifest.json")
    (project / ".gitignore").write_text("target/\n", encoding="utf-8")
    manifest, config = project / "target" / "manifest.json", project / "exposure-sync.yml"
    synced = CliRunner().invoke(cli, ["sync", "--manifest", str(manifest), "--config", str(config)])
    assert synced.exit_code == 0, synced.output
    assert (project / GENERATED).exists()  # the config's `output`, beside it
    git(project, "init", "--quiet")
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "dbt project with its Looker exposures")
    return project


def try_repo(project: Path, pre_commit_home: Path, *options: str) -> subprocess.CompletedProcess:
    """`pre-commit try-repo <this repository> exposure-sync-check` in the project."""
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(REPO), "exposure-sync-check", *options],
        cwd=project,
        env={**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_hooks_manifest_is_valid() -> None:
    result = subprocess.run(
        [PRE_COMMIT, "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_passes_on_an_up_to_date_file(dbt_project: Path, pre_commit_home: Path) -> None:
    result = try_repo(dbt_project, pre_commit_home, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^Looker exposures are up to date\.+Passed$", result.stdout, re.M)


def test_check_fails_on_a_stale_file(
    dbt_project: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    project = tmp_path / "stale"
    shutil.copytree(dbt_project, project)
    generated = project / GENERATED
    text = generated.read_text(encoding="utf-8")
    start = text.index("label: ")
    end = text.index("\n", start)  # a dashboard renamed in Looker since the file was made
    generated.write_text(text[:end] + " (old title)" + text[end:], encoding="utf-8")
    git(project, "add", str(GENERATED))  # about to be committed: the hook sees staged files

    result = try_repo(project, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^Looker exposures are up to date\.+Failed$", result.stdout, re.M)
    assert f"{GENERATED}: stale: run `exposure-sync sync`" in result.stdout
    assert generated.read_text(encoding="utf-8").endswith(text[end:])  # the hook changed nothing


def test_args_win_over_the_entrys_defaults(dbt_project: Path, tmp_path: Path) -> None:
    """A project whose manifest is elsewhere: the hook's entry alone fails (exit 2), with the
    `args:` a user's .pre-commit-config.yaml adds after it, it passes (pre-commit runs entry +
    args; the last value of an option counts)."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = shlex.split(next(h for h in hooks if h["id"] == "exposure-sync-check")["entry"])
    assert entry[0] == "exposure-sync"
    command = [str(Path(sys.executable).parent / "exposure-sync"), *entry[1:]]
    project = tmp_path / "project"
    shutil.copytree(dbt_project, project)
    (project / "dbt").mkdir()
    (project / "target").rename(project / "dbt" / "target")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command, *args], cwd=project, capture_output=True, text=True, timeout=300
        )

    alone = run()
    assert alone.returncode == 2 and "target/manifest.json" in alone.stderr
    with_args = run("--manifest", "dbt/target/manifest.json")
    assert with_args.returncode == 0, with_args.stderr
    assert with_args.stdout == f"{GENERATED}: up to date\n"
