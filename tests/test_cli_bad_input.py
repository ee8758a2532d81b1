"""Bad inputs through the real CLI (issue 4, acceptance 7).

Real files in tmp_path, greenery's manifest from real `dbt parse`, the emulator's greenery
instance over HTTP. Every bad input must give: the documented exit code (2 bad input or
configuration, 3 Looker), exactly one line on the terminal, starting with `error:` and naming
the file or setting at fault, no traceback, and no file touched (the previously generated output
keeps its bytes, mtime and inode).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from exposure_sync.cli import cli
from exposure_sync.exposures.write import HEADER_PREFIX
from exposure_sync.looker.emulator.server import EmulatorServer

GREENERY_CONFIG = Path(__file__).resolve().parent.parent / "greenery" / "exposure-sync.yml"
COMMANDS = ("sync", "diff", "check")
OUTPUT = "looker_exposures.yml"
BAD_INPUT, LOOKER = 2, 3


def greenery_settings(**overrides: object) -> str:
    """The demo's settings without `output` (passed with --output), retries kept low."""
    settings = yaml.safe_load(GREENERY_CONFIG.read_text(encoding="utf-8"))
    settings.pop("output", None)
    settings.update({"retries": 0, **overrides})
    return yaml.safe_dump(settings, sort_keys=False)


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def looker() -> Iterator[EmulatorServer]:
    """The greenery instance; tests point LOOKERSDK_* at it themselves (os.environ untouched)."""
    with EmulatorServer() as server:
        yield server


@dataclass(frozen=True)
class Previous:
    """What a good run produced, to lay down before each bad one."""

    output: bytes
    snapshot: bytes


@pytest.fixture(scope="module")
def previous(
    looker: EmulatorServer, greenery_manifest: Path, tmp_path_factory: pytest.TempPathFactory
) -> Previous:
    workdir = tmp_path_factory.mktemp("good_run")
    config = workdir / "exposure-sync.yml"
    config.write_text(greenery_settings(), encoding="utf-8")
    output, snapshot = workdir / OUTPUT, workdir / "crawl.json"
    env = looker.env()
    runner = CliRunner()
    synced = runner.invoke(
        cli,
        ["sync", "--manifest", str(greenery_manifest), "--output", str(output)]
        + ["--config", str(config)],
        env=env,
    )
    assert synced.exit_code == 0, synced.output
    crawled = runner.invoke(
        cli, ["crawl", "--out", str(snapshot), "--config", str(config)], env=env
    )
    assert crawled.exit_code == 0, crawled.output
    text = output.read_bytes()
    assert text.startswith(HEADER_PREFIX.encode()) and b"exposures:" in text
    return Previous(text, snapshot.read_bytes())


class Case:
    """One bad-input run in tmp_path: a good manifest, config and previous output, then a change."""

    def __init__(self, tmp_path: Path, manifest: Path, previous: Previous) -> None:
        self.dir = tmp_path
        self.manifest = manifest
        self.config = tmp_path / "exposure-sync.yml"
        self.config.write_text(greenery_settings(), encoding="utf-8")
        self.output = tmp_path / OUTPUT
        self.output.write_bytes(previous.output)
        self.snapshot = tmp_path / "crawl.json"
        self.snapshot.write_bytes(previous.snapshot)

    def manifest_copy(self, name: str, edit) -> Path:
        """A copy of the real manifest, its parsed JSON changed by `edit`."""
        raw = json.loads(self.manifest.read_text(encoding="utf-8"))
        edit(raw)
        path = self.dir / name
        path.write_text(json.dumps(raw), encoding="utf-8")
        return path

    def run(self, command: str, *extra: str, manifest: Path | None = None) -> Result:
        """`command` with this case's files; records every file's state first."""
        self.before = _state(self.dir)
        if command == "crawl":
            args = ["crawl", "--out", str(self.snapshot), "--config", str(self.config)]
        else:
            args = [command, "--manifest", str(manifest or self.manifest)]
            args += ["--output", str(self.output), "--config", str(self.config)]
        return CliRunner().invoke(cli, [*args, *extra])

    def assert_refused(self, result: Result, code: int, *names: str) -> str:
        """Exit `code`, one `error:` line naming each of `names`, no traceback, nothing touched."""
        shown = result.output  # stdout and stderr, as the terminal shows them
        assert "Traceback" not in shown
        # a clean sys.exit, not an exception escaping the command
        assert isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code == code, shown
        lines = shown.splitlines()
        assert len(lines) == 1, shown
        line = lines[0]
        assert line.startswith("error: "), line
        assert result.stderr == line + "\n" and result.stdout == ""
        for name in names:
            assert name in line, f"{name!r} not named in: {line}"
        assert "unexpected" not in line, line  # the wording of an unforeseen exception
        assert _state(self.dir) == self.before, "a file was written, touched or left behind"
        return line


def _state(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under `directory`: bytes, mtime (ns) and inode (a rename gives a new one)."""
    return {
        str(path.relative_to(directory)): (
            path.read_bytes(),
            path.stat().st_mtime_ns,
            path.stat().st_ino,
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def case(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    looker: EmulatorServer,
    greenery_manifest: Path,
    previous: Previous,
) -> Case:
    for key in list(os.environ):
        if key.startswith("LOOKERSDK_"):
            monkeypatch.delenv(key)
    for key, value in looker.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no looker.ini from wherever pytest runs
    return Case(tmp_path, greenery_manifest, previous)


# --- the baseline: the same files, unbroken, succeed and change nothing ----------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_good_inputs_succeed_and_leave_the_output_alone(case: Case, command: str) -> None:
    result = case.run(command)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert _state(case.dir) == case.before


# --- the manifest --------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_manifest(case: Case, command: str) -> None:
    missing = case.dir / "target" / "manifest.json"
    line = case.assert_refused(case.run(command, manifest=missing), BAD_INPUT, str(missing))
    assert "dbt parse" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_corrupt_json_manifest(case: Case, command: str) -> None:
    corrupt = case.dir / "manifest.json"
    text = case.manifest.read_bytes()
    corrupt.write_bytes(text[: len(text) // 2])  # truncated, as by a full disk
    line = case.assert_refused(case.run(command, manifest=corrupt), BAD_INPUT, str(corrupt))
    assert "JSON" in line


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("version", [3, 13])
def test_unsupported_manifest_version(case: Case, command: str, version: int) -> None:
    def set_version(raw: dict) -> None:
        url = f"https://schemas.getdbt.com/dbt/manifest/v{version}.json"
        raw["metadata"]["dbt_schema_version"] = url

    crafted = case.manifest_copy(f"manifest_v{version}.json", set_version)
    result = case.run(command, manifest=crafted)
    case.assert_refused(result, BAD_INPUT, str(crafted), f"v{version}")


# --- Looker --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [*COMMANDS, "crawl"])
def test_looker_unreachable(case: Case, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("LOOKERSDK_BASE_URL", url)
    line = case.assert_refused(case.run(command), LOOKER, "LOOKERSDK_BASE_URL", url)
    assert "unreachable" in line


@pytest.mark.parametrize("command", [*COMMANDS, "crawl"])
def test_bad_credentials(case: Case, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    wrong = "wrong-" + secrets.token_hex(12)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", wrong)
    result = case.run(command)
    case.assert_refused(result, LOOKER, "LOOKERSDK_CLIENT_SECRET")
    assert wrong not in result.output
    assert wrong not in repr(result.exception)


@pytest.mark.parametrize("command", [*COMMANDS, "crawl"])
def test_missing_base_url(case: Case, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.delenv("LOOKERSDK_BASE_URL")
    assert not (case.dir / "looker.ini").exists()
    case.assert_refused(case.run(command), BAD_INPUT, "LOOKERSDK_BASE_URL")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("url", ["http://localhost:99999", "http://", "localhost:19999"])
def test_malformed_base_url(
    case: Case, monkeypatch: pytest.MonkeyPatch, command: str, url: str
) -> None:
    """A URL that cannot work is a configuration mistake (2), not an unreachable Looker (3)."""
    monkeypatch.setenv("LOOKERSDK_BASE_URL", url)
    case.assert_refused(case.run(command), BAD_INPUT, "LOOKERSDK_BASE_URL")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_looker_ini(case: Case, command: str) -> None:
    ini = case.dir / "looker.ini"
    case.assert_refused(case.run(command, "--looker-ini", str(ini)), BAD_INPUT, str(ini))


# --- the output file -----------------------------------------------------------------------

HAND_WRITTEN = """\
version: 2

exposures:
  - name: weekly_review
    label: Weekly review
    type: dashboard
    owner:
      name: Anique
    depends_on:
      - ref('fact_sessions_funnel')
"""


@pytest.mark.parametrize("command", COMMANDS)
def test_output_without_header_is_refused(case: Case, command: str) -> None:
    case.output.write_text(HAND_WRITTEN, encoding="utf-8")
    line = case.assert_refused(case.run(command), BAD_INPUT, str(case.output))
    assert "header" in line
    assert case.output.read_text(encoding="utf-8") == HAND_WRITTEN


@pytest.mark.parametrize("command", COMMANDS)
def test_generated_output_with_broken_yaml(case: Case, command: str) -> None:
    case.output.write_bytes(case.output.read_bytes() + b"\n  - name: [unclosed\n")
    case.assert_refused(case.run(command), BAD_INPUT, str(case.output))


@pytest.mark.parametrize("command", COMMANDS)
def test_an_entry_added_by_hand_to_the_generated_file(case: Case, command: str) -> None:
    """sync would drop it without a word: every command refuses, naming it, file untouched."""
    added = HAND_WRITTEN.split("exposures:\n", 1)[1]
    case.output.write_bytes(case.output.read_bytes() + added.encode())
    line = case.assert_refused(case.run(command), BAD_INPUT, str(case.output), "'weekly_review'")
    assert "not generated by exposure-sync" in line and "move it to another file" in line


# --- the configuration ---------------------------------------------------------------------

BAD_CONFIGS = {
    "unknown key": ("colour: green\n", "'colour'"),
    "wrong type": ('concurrency: "eight"\n', "'concurrency'"),
    "invalid YAML": ("retries: 0\ntags: [looker\n", "YAML"),
    "not a mapping": ("- retries\n", "mapping"),
    "not UTF-8": ("retries: 0\n# caf\xe9\n", "UTF-8"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", BAD_CONFIGS)
def test_bad_config(case: Case, command: str, kind: str) -> None:
    text, named = BAD_CONFIGS[kind]
    encoding = "latin-1" if kind == "not UTF-8" else "utf-8"
    case.config.write_text(text, encoding=encoding)
    case.assert_refused(case.run(command), BAD_INPUT, str(case.config), named)


@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_lookml_manifest(case: Case, command: str) -> None:
    """A config error, found while lineage reads constants: one line, exit 2 (not one failed
    dashboard per explore)."""
    case.config.write_text("lookml_manifest: nowhere/manifest.lkml\n", encoding="utf-8")
    case.assert_refused(case.run(command), BAD_INPUT, "nowhere/manifest.lkml")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_config(case: Case, command: str) -> None:
    case.config.unlink()
    case.assert_refused(case.run(command), BAD_INPUT, str(case.config))


# --- --from-snapshot -----------------------------------------------------------------------

BAD_SNAPSHOTS = {
    "truncated": lambda good: good[: len(good) // 2],
    "not a snapshot": lambda good: b'{"dashboards": []}\n',
    "not UTF-8": lambda good: b"\xff\xfe\x00garbage",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", BAD_SNAPSHOTS)
def test_corrupt_snapshot(case: Case, command: str, kind: str) -> None:
    corrupt = case.dir / "corrupt_crawl.json"
    corrupt.write_bytes(BAD_SNAPSHOTS[kind](case.snapshot.read_bytes()))
    result = case.run(command, "--from-snapshot", str(corrupt))
    case.assert_refused(result, BAD_INPUT, str(corrupt))


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_snapshot(case: Case, command: str) -> None:
    missing = case.dir / "nowhere.json"
    result = case.run(command, "--from-snapshot", str(missing))
    case.assert_refused(result, BAD_INPUT, str(missing))


# --- --debug -------------------------------------------------------------------------------


def test_debug_shows_the_traceback(case: Case) -> None:
    missing = case.dir / "target" / "manifest.json"
    before = _state(case.dir)
    result = CliRunner().invoke(
        cli,
        ["--debug", "sync", "--manifest", str(missing), "--output", str(case.output)]
        + ["--config", str(case.config)],
    )
    assert result.exit_code == BAD_INPUT
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "BadInputError" in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: ") and str(missing) in last
    assert _state(case.dir) == before


# --- usage mistakes: click's own errors, still one line ------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_a_directory_for_the_manifest(case: Case, command: str) -> None:
    case.assert_refused(case.run(command, manifest=case.dir), BAD_INPUT, "--manifest")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_manifest_option(case: Case, command: str) -> None:
    case.before = _state(case.dir)
    result = CliRunner().invoke(cli, [command, "--output", str(case.output)])
    case.assert_refused(result, BAD_INPUT, "--manifest", f"exposure-sync {command} --help")


# --- settings that name what Looker does not have -------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_include_folders_matching_no_folder(case: Case, command: str) -> None:
    """A typo here would otherwise drop every entry."""
    case.config.write_text(greenery_settings(include_folders=["Shared/Markting/**"]))
    case.assert_refused(case.run(command), BAD_INPUT, "include_folders", "Shared/Markting/**")


@pytest.mark.parametrize("command", COMMANDS)
def test_base_url_with_the_api_path(
    case: Case, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", os.environ["LOOKERSDK_BASE_URL"] + "/api/4.0")
    case.assert_refused(case.run(command), BAD_INPUT, "LOOKERSDK_BASE_URL", "/api/4.0")


# --- the LookML checkout (issue 9) ---------------------------------------------------------


@pytest.mark.parametrize("command", [*COMMANDS, "crawl"])
def test_missing_lookml_dir(case: Case, command: str) -> None:
    missing = case.dir / "looker-repo"
    case.assert_refused(case.run(command, "--lookml-dir", str(missing)), BAD_INPUT, str(missing))


@pytest.mark.parametrize("command", [*COMMANDS, "crawl"])
def test_empty_lookml_dir(case: Case, command: str) -> None:
    """An empty value (an unset variable in a CI script) is not the current directory."""
    case.assert_refused(case.run(command, "--lookml-dir", ""), BAD_INPUT, "--lookml-dir", "empty")


def test_empty_lookml_project_path_in_the_config(case: Case) -> None:
    """Not the config file's own directory read as a LookML project."""
    case.config.write_text(greenery_settings(lookml_projects={"greenery": ""}))
    case.assert_refused(case.run("sync"), BAD_INPUT, "lookml_projects.greenery", "empty")


def test_missing_lookml_project_in_the_config(case: Case) -> None:
    case.config.write_text(greenery_settings(lookml_projects={"greenery": "nowhere"}))
    line = case.assert_refused(case.run("sync"), BAD_INPUT, "lookml_projects.greenery")
    assert str(case.dir / "nowhere") in line  # relative to the config file
    assert "check the LookML project out there" in line  # what to do, as every error says


@pytest.mark.parametrize("command", [*COMMANDS, "crawl", "impact"])
def test_debug_after_the_command_says_where_it_goes(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--debug"])
    assert result.exit_code == BAD_INPUT, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: No such option"), lines
    assert lines[0].endswith(
        f"(--debug goes before the command: `exposure-sync --debug {command} ...`)"
    )


def test_crawl_into_a_missing_directory_fails_before_asking_looker(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 even with Looker unreachable: the --out directory is checked before the crawl."""
    monkeypatch.setenv("LOOKERSDK_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    out = case.dir / "missing" / "crawl.json"
    case.before = _state(case.dir)
    result = CliRunner().invoke(cli, ["crawl", "--out", str(out), "--config", str(case.config)])
    line = case.assert_refused(result, BAD_INPUT, str(out))
    assert "does not exist" in line


def test_check_of_a_file_that_does_not_exist_says_so(case: Case) -> None:
    """A mistyped --output (in a hook, say) is not just "stale": running sync would create it."""
    case.output.unlink()
    result = case.run("check")
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        f"{case.output}: stale: the file does not exist (check --output); "
        "`exposure-sync sync` creates it\n"
    )
    assert not case.output.exists()
