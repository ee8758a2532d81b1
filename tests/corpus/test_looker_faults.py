"""The hostile-Looker corpus: each row of tests/fixtures/corpus/looker_faults.yml is one fault of
one endpoint, and `exposure-sync sync` against it must keep every entry (the file byte-identical),
exit as the row says, say what failed in one line without a traceback, and end in time."""

from __future__ import annotations

import hashlib
import io
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.server import EmulatorServer
from tests.conftest import GREENERY, REPO

ROWS = yaml.safe_load((REPO / "tests/fixtures/corpus/looker_faults.yml").read_text())
# small enough for a fast corpus, large enough for the greenery crawl on a busy machine
DEFAULTS = {"retries": 0, "timeout": 2, "deadline": 20}
TIME_SETTINGS = ("retries", "timeout", "deadline")
GRACE_S = 10  # the bound: a run ends within its deadline + 10 s


@pytest.fixture(scope="module")
def looker() -> Iterator[tuple[EmulatorServer, io.StringIO]]:
    """The greenery instance, its one-line error log kept apart from the command's stderr."""
    log = io.StringIO()
    with EmulatorServer(log=log) as server:
        yield server, log


@pytest.fixture(scope="module")
def clean(looker, greenery_manifest: Path, tmp_path_factory: pytest.TempPathFactory):
    """The file a clean run with a row's settings writes (time limits aside): the row starts
    from it."""
    server, _ = looker
    files: dict[str, Path] = {}

    def clean_file(settings: dict[str, Any]) -> Path:
        shaping = {k: v for k, v in settings.items() if k not in TIME_SETTINGS}
        key = yaml.safe_dump(shaping)
        if key not in files:
            output = tmp_path_factory.mktemp("clean") / "looker_exposures.yml"
            config = settings_file(output.parent, shaping)
            result = sync(server.env(), greenery_manifest, output, config)
            assert result.exit_code == 0, result.stderr
            files[key] = output
        return files[key]

    return clean_file


def sync(
    env: dict[str, str], manifest: Path, output: Path, config: Path, command: str = "sync"
) -> Any:
    """`command` (sync, diff, check; crawl saves its snapshot beside the output)."""
    if command == "crawl":
        args = ["crawl", "--out", str(output.with_name("crawl.json")), "--config", str(config)]
    else:
        args = [command, "--manifest", str(manifest), "--output", str(output)]
        args += ["--config", str(config)]
    return CliRunner().invoke(cli, args, env=env)


def settings_file(directory: Path, row_settings: dict[str, Any]) -> Path:
    settings = yaml.safe_load((GREENERY / "exposure-sync.yml").read_text())
    settings.pop("output")
    path = directory / "exposure-sync.yml"
    path.write_text(yaml.safe_dump({**settings, **DEFAULTS, **row_settings}))
    return path


def faults(row: dict[str, Any]) -> FaultConfig:
    return FaultConfig(
        mangle=row.get("mangle", {}),
        always_fail=row.get("always_fail", {}),
        retry_after_s=row.get("retry_after", 1),
    )


def stopped_looker(env: dict[str, str]) -> dict[str, str]:
    """The same settings, pointing at a port nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {**env, "LOOKERSDK_BASE_URL": f"http://127.0.0.1:{port}"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_hostile_looker_loses_nothing(looker, greenery_manifest, clean, tmp_path, row):
    server, log = looker
    settings = {**DEFAULTS, **row.get("settings", {})}
    start_file = clean(settings)
    output = tmp_path / start_file.name
    output.write_bytes(start_file.read_bytes())
    env = {**server.env(), **row.get("env", {})}
    if row.get("looker") == "stopped":
        env = stopped_looker(env)
    server.set_faults(faults(row))
    log.truncate(0)
    start = time.monotonic()
    try:
        config = settings_file(tmp_path, settings)
        result = sync(env, greenery_manifest, output, config, row.get("command", "sync"))
    finally:
        elapsed = time.monotonic() - start
        server.set_faults(None)
    stderr = result.stderr
    assert result.exit_code == row["exit"], stderr
    assert sha256(output) == sha256(start_file), "the file changed"
    assert elapsed < settings["deadline"] + GRACE_S
    for text in (stderr, log.getvalue()):  # the command's and the emulator's
        assert "Traceback" not in text and "unexpected" not in text, text
    lines = stderr.splitlines()
    if row.get("one_line"):
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    if "says" in row:
        assert any(re.search(row["says"], line) for line in lines), stderr


def test_deadline_flag_bounds_check_and_crawl(looker, greenery_manifest, clean, tmp_path):
    """--deadline on the command line wins over the config's, on check and crawl alike."""
    server, _ = looker
    start_file = clean({})
    output = tmp_path / start_file.name
    output.write_bytes(start_file.read_bytes())
    config = settings_file(tmp_path, {"timeout": 30, "deadline": 600})
    base = ["--manifest", str(greenery_manifest), "--output", str(output), "--config", str(config)]
    server.set_faults(FaultConfig(mangle={"/lookml_models/*": "stall"}))
    start = time.monotonic()
    try:
        checked = CliRunner().invoke(cli, ["check", *base, "--deadline", "2"], env=server.env())
        crawled = CliRunner().invoke(
            cli, ["crawl", "--out", str(tmp_path / "c.json"), "--deadline", "2"], env=server.env()
        )
    finally:
        server.set_faults(None)
    assert time.monotonic() - start < 2 * (2 + GRACE_S)
    for result in (checked, crawled):
        assert result.exit_code == 3, result.stderr
        assert "the deadline (2 s for the whole read, config `deadline` or" in result.stderr
    assert not (tmp_path / "c.json").exists()
    assert sha256(output) == sha256(start_file)
    refused = CliRunner().invoke(cli, ["diff", *base, "--deadline", "0"], env=server.env())
    assert refused.exit_code == 2
    assert refused.stderr == "error: --deadline: 'deadline' is 0; it must be between 1 and 86400\n"
