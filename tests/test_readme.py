"""The README's commands run as written.

The quick start (`make demo`, `make test`) is what CI runs on a fresh clone (.ci/run); here: the
emulator walk-through block runs in bash against the real CLI, and every `exposure-sync` command
line shown in the README names a command and options that exist.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from exposure_sync.cli import cli
from tests.conftest import GREENERY, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
MARKER = "<!-- tests/test_readme.py runs this block as written -->"
MARKED = re.compile(re.escape(MARKER) + r"\n```bash\n(.*?)```", re.S)


def command_lines() -> list[str]:
    """Every `exposure-sync ...` command in the README's shell blocks, continuations joined."""
    found = []
    for language, body in BLOCK.findall(README):
        if language not in ("bash", "sh", ""):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            for part in line.split(";"):
                words = shlex.split(part, comments=True)
                if words and words[0] in (".venv/bin/exposure-sync", "exposure-sync"):
                    found.append(shlex.join(words[1:]))
    return found


def test_the_readme_shows_commands() -> None:
    assert {line.split()[0] for line in command_lines()} >= {"sync", "diff", "emulator", "impact"}


@pytest.mark.parametrize("line", command_lines())
def test_each_command_line_names_real_options(line: str) -> None:
    name, *words = shlex.split(line)
    command = cli.commands.get(name) if isinstance(cli, click.Group) else None
    assert command is not None, f"README shows `exposure-sync {name}`, which is no command"
    known = {opt for param in command.params for opt in param.opts}
    unknown = [w for w in words if w.startswith("--") and w.split("=")[0] not in known]
    assert not unknown, f"README: `exposure-sync {line}` uses unknown options {unknown}"


def test_the_emulator_walkthrough_runs_as_written(tmp_path: Path, greenery_manifest: Path) -> None:
    """In a directory laid out like a clone after `make greenery`: .venv and greenery's target.
    Only `/tmp/` is moved into the test's own directory, so parallel runs do not meet."""
    (block,) = MARKED.findall(README)
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    project = tmp_path / "greenery"
    (project / "target").mkdir(parents=True)
    shutil.copy(greenery_manifest, project / "target" / "manifest.json")
    shutil.copy(GREENERY / "exposure-sync.yml", project / "exposure-sync.yml")
    script = block.replace("/tmp/", f"{tmp_path}/scratch/")
    (tmp_path / "scratch").mkdir()
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown
    for trouble in ("Traceback", "command not found", "No such option", "error:"):
        assert trouble not in shown, shown
    assert "+++ " in done.stdout  # the unified diff of a file sync would write
    assert re.search(r"^\d+ exposures; \d+ skipped", done.stderr, re.M), shown
    assert not (tmp_path / "scratch" / "looker_exposures.yml").exists()  # diff writes nothing
