"""The bad-file corpus: every row of tests/fixtures/corpus/bad_files.yml through the real CLI.

Greenery's manifest from real `dbt parse`, the emulator's greenery instance over HTTP for the
good snapshot and output every row starts from (and for the rows that read Looker). What a row
expects is described at the top of the table.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.looker.emulator.server import EmulatorServer
from tests.conftest import GREENERY

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
ROWS = yaml.safe_load((CORPUS / "bad_files.yml").read_text(encoding="utf-8"))
EXPOSURE_SYNC = str(Path(sys.executable).parent / "exposure-sync")
SLOTS = ("manifest", "output", "config", "snapshot", "looker_ini", "out")
OPTIONS = {"manifest": "--manifest", "output": "--output", "config": "--config"}
OPTIONS |= {"snapshot": "--from-snapshot", "looker_ini": "--looker-ini", "out": "--out"}


@dataclass(frozen=True)
class Good:
    """The good files every row starts from."""

    manifest: Path
    settings: dict[str, Any]
    output: bytes
    snapshot: bytes


@pytest.fixture(scope="module")
def looker() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def good(looker: EmulatorServer, greenery_manifest: Path, tmp_path_factory) -> Good:
    workdir = tmp_path_factory.mktemp("corpus_good")
    settings = yaml.safe_load((GREENERY / "exposure-sync.yml").read_text(encoding="utf-8"))
    settings = {**settings, "output": None, "retries": 0}
    config = workdir / "exposure-sync.yml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    snapshot, output = workdir / "crawl.json", workdir / "looker_exposures.yml"
    runner = CliRunner(env=looker.env())
    crawled = runner.invoke(cli, ["crawl", "--out", str(snapshot), "--config", str(config)])
    assert crawled.exit_code == 0, crawled.output
    synced = runner.invoke(
        cli,
        ["sync", "--manifest", str(greenery_manifest), "--output", str(output)]
        + ["--config", str(config), "--from-snapshot", str(snapshot)],
    )
    assert synced.exit_code == 0, synced.output
    return Good(greenery_manifest, settings, output.read_bytes(), snapshot.read_bytes())


def place(value: str, slot: str, directory: Path, good: Good) -> str:
    """Lay down what a row's slot value describes in `directory`; the path (or value) to pass."""
    target = directory / f"{slot}.given"
    if value == "@fifo":
        os.mkfifo(target)
    elif value == "@dir":
        target.mkdir()
    elif value.startswith("@sparse:"):
        with target.open("wb") as handle:
            handle.truncate(int(value.removeprefix("@sparse:")) * 1024 * 1024)
    elif value == "@manifest":
        target.write_bytes(good.manifest.read_bytes())
    elif value == "@output":
        target.write_bytes(good.output)
    elif value.startswith("file:"):
        target.write_bytes((CORPUS / value.removeprefix("file:")).read_bytes())
    elif value == "@empty":
        return ""
    else:
        return value  # a literal, such as /dev/zero
    return str(target)


def arguments(row: dict[str, Any], directory: Path, good: Good) -> list[str]:
    settings = dict(good.settings)
    for key, value in (row.get("settings") or {}).items():
        settings[key] = place(value, key, directory, good) if isinstance(value, str) else value
    (directory / "exposure-sync.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (directory / "looker_exposures.yml").write_bytes(good.output)
    (directory / "crawl.json").write_bytes(good.snapshot)
    defaults = {
        "manifest": str(good.manifest),
        "output": str(directory / "looker_exposures.yml"),
        "config": str(directory / "exposure-sync.yml"),
        "snapshot": str(directory / "crawl.json"),
        "out": str(directory / "crawl.json"),
    }
    used = ("out", "config", "looker_ini") if row["command"] == "crawl" else SLOTS[:5]
    args = [row["command"]]
    for slot in used:
        value = row[slot] if slot in row else defaults.get(slot, "@none")
        if value != "@none":
            args += [
                OPTIONS[slot],
                value if slot not in row else place(value, slot, directory, good),
            ]
    return args + list(row.get("args") or ())


def files(directory: Path) -> dict[str, str]:
    """sha256 of every regular file under `directory` (a leftover temporary file shows too)."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.is_fifo()
    }


def run(row: dict[str, Any], args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    if row.get("subprocess"):
        done = subprocess.run(
            [EXPOSURE_SYNC, *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,  # a run that blocks on a FIFO or a device fails here instead of hanging
            check=False,
        )
        return done.returncode, done.stdout, done.stderr
    result = CliRunner().invoke(cli, args, env=env)
    assert isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_bad_file(row: dict[str, Any], good: Good, looker: EmulatorServer, tmp_path: Path) -> None:
    args = arguments(row, tmp_path, good)
    https = looker.env()["LOOKERSDK_BASE_URL"].replace("http://", "https://")
    env = {**looker.env(), **(row.get("env") or {})}
    env = {key: value.replace("{https_looker}", https) for key, value in env.items()}
    before = files(tmp_path)
    code, stdout, stderr = run(row, args, env)
    assert "Traceback" not in stdout + stderr
    assert code == row["exit"], stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert not lines[0].startswith("error: unexpected ")  # the wording of a bug of ours
    for text in row.get("says", ()):
        assert text in lines[0], f"{text!r} not in: {lines[0]}"
    for text in row.get("not_says", ()):
        assert text not in lines[0], f"{text!r} in: {lines[0]}"
    assert files(tmp_path) == before, "a file was changed or left behind"


def test_the_corpus_covers_its_classes() -> None:
    assert len(ROWS) >= 30
    assert len({row["id"] for row in ROWS}) == len(ROWS)
    assert all(
        set(row)
        <= {
            *SLOTS,
            "id",
            "command",
            "settings",
            "env",
            "args",
            "subprocess",
            "exit",
            "says",
            "not_says",
        }
        for row in ROWS
    )


# --- what is not one bad file: the documented change, and unwritable terminals ---------------


def good_files(directory: Path, good: Good) -> list[str]:
    """Options for a good run from the snapshot, with the output left to the caller."""
    config = directory / "exposure-sync.yml"
    config.write_text(yaml.safe_dump(good.settings), encoding="utf-8")
    snapshot = directory / "crawl.json"
    snapshot.write_bytes(good.snapshot)
    return ["--manifest", str(good.manifest), "--config", str(config)] + [
        "--from-snapshot",
        str(snapshot),
    ]


def test_a_symlinked_output_is_written_through(good: Good, tmp_path: Path) -> None:
    """The link stays a link; its target gets the new text in one rename; no temp file."""
    real = tmp_path / "real" / "looker_exposures.yml"
    real.parent.mkdir()
    real.write_bytes(good.output.split(b"exposures:")[0] + b"exposures: []\n")  # header, no entry
    link = tmp_path / "models" / "looker_exposures.yml"
    link.parent.mkdir()
    link.symlink_to(real)
    args = ["sync", *good_files(tmp_path, good), "--output", str(link)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() == good.output
    assert sorted(p.name for p in real.parent.iterdir()) == ["looker_exposures.yml"]
    assert sorted(p.name for p in link.parent.iterdir()) == ["looker_exposures.yml"]


def test_stderr_that_cannot_be_written_leaves_the_exit_code_alone(
    good: Good, tmp_path: Path
) -> None:
    """`2>/dev/full`: the report is lost, the outcome is not (0 here, and the file written)."""
    output = tmp_path / "looker_exposures.yml"
    args = ["sync", *good_files(tmp_path, good), "--output", str(output)]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [EXPOSURE_SYNC, *args], stderr=full, stdout=subprocess.PIPE, timeout=120, check=False
        )
    assert done.returncode == 0
    assert output.read_bytes() == good.output
    bad = ["sync", *good_files(tmp_path, good), "--output", str(tmp_path / "x.yml")]
    bad[bad.index("--manifest") + 1] = str(tmp_path / "missing.json")
    with open("/dev/full", "w") as full:
        refused = subprocess.run([EXPOSURE_SYNC, *bad], stderr=full, timeout=120, check=False)
    assert refused.returncode == 2  # still bad input, not an undocumented 1


@pytest.mark.parametrize("what", ["diff", "--help"])
def test_stdout_that_cannot_be_written_is_one_line_and_exit_2(
    good: Good, tmp_path: Path, what: str
) -> None:
    output = tmp_path / "looker_exposures.yml"
    output.write_bytes(good.output)
    args = ["diff", *good_files(tmp_path, good), "--output", str(output), "--format", "json"]
    args = args if what == "diff" else [what]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [EXPOSURE_SYNC, *args],
            stdout=full,
            capture_output=False,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: cannot write to standard output (No space left on device); "
        "check where the output is redirected"
    ]
