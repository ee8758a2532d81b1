"""The GitHub Action's one step (action.yml): run sync, check or diff and report to the workflow.

Inputs arrive as INPUT_* environment variables: action.yml hands them over through `env:`, never
inside the shell text, so a path or an option cannot inject shell code. Outputs go to the file
named by $GITHUB_OUTPUT:

- `changed`: `true` when sync wrote a different file, or diff / check found the file stale
  (their exit code 1); `false` otherwise, also when the run failed before knowing;
- `exit-code`: the command's exit code (0, 1, 2, 3 as in the README), which is also ours, so a
  stale `check` fails the step; use `continue-on-error: true` to go on and read `exit-code`.

Run as `python -m exposure_sync.action`.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from exposure_sync.config import load_config
from exposure_sync.errors import EXIT_BAD_INPUT, EXIT_CHANGES, ExposureSyncError

COMMANDS = ("sync", "check", "diff")


@dataclass(frozen=True)
class ActionInputs:
    """The action's inputs; empty strings mean "not given", as GitHub passes them."""

    command: str
    manifest: str
    config: str = ""
    output: str = ""
    lookml_dir: str = ""
    args: str = ""


@dataclass(frozen=True)
class ActionResult:
    exit_code: int
    changed: bool


def inputs_from_env(env: Mapping[str, str]) -> ActionInputs:
    """INPUT_COMMAND, INPUT_MANIFEST, ... as action.yml sets them; blanks trimmed."""

    def read(name: str) -> str:
        return env.get(f"INPUT_{name}", "").strip()

    return ActionInputs(
        command=read("COMMAND") or "sync",
        manifest=read("MANIFEST"),
        config=read("CONFIG"),
        output=read("OUTPUT"),
        lookml_dir=read("LOOKML_DIR"),
        args=read("ARGS"),
    )


def cli_arguments(inputs: ActionInputs) -> list[str]:
    """The exposure-sync command line for these inputs; options only for inputs given."""
    if inputs.command not in COMMANDS:
        raise click.UsageError(
            f"input `command` is {inputs.command!r}; use one of {', '.join(COMMANDS)}"
        )
    if not inputs.manifest:
        raise click.UsageError("input `manifest` is empty; give the path of target/manifest.json")
    arguments = [inputs.command, "--manifest", inputs.manifest]
    for option, value in (
        ("--config", inputs.config),
        ("--output", inputs.output),
        ("--lookml-dir", inputs.lookml_dir),
    ):
        if value:
            arguments += [option, value]
    return arguments + shlex.split(inputs.args)


def output_path(inputs: ActionInputs) -> Path | None:
    """The generated file the command works on: the `output` input, else the config's `output`.
    None when neither says (the command then fails with its own message)."""
    if inputs.output:
        return Path(inputs.output)
    try:
        configured = load_config(inputs.config or None).output
    except ExposureSyncError:
        return None  # the command reports the bad config itself, with its exit code
    return Path(configured) if configured else None


def run_action(inputs: ActionInputs) -> ActionResult:
    """Run the command as the CLI would and tell whether the generated file changed."""
    arguments = cli_arguments(inputs)
    output = output_path(inputs)
    before = _read_bytes(output)
    exit_code = _run_cli(arguments)
    if inputs.command == "sync":
        changed = _read_bytes(output) != before
    else:
        changed = exit_code == EXIT_CHANGES
    return ActionResult(exit_code=exit_code, changed=changed)


def write_outputs(result: ActionResult, github_output: Path) -> None:
    """Append `changed` and `exit-code` in the name=value lines GitHub reads."""
    with github_output.open("a", encoding="utf-8") as out:
        out.write(f"changed={'true' if result.changed else 'false'}\n")
        out.write(f"exit-code={result.exit_code}\n")


def main() -> None:
    try:
        result = run_action(inputs_from_env(os.environ))
    except click.UsageError as err:
        click.echo(f"error: {err.format_message()} (see action.yml)", err=True)
        result = ActionResult(exit_code=EXIT_BAD_INPUT, changed=False)
    except ValueError as err:  # shlex: an unclosed quote in `args`
        click.echo(f"error: input `args` cannot be split into options: {err}", err=True)
        result = ActionResult(exit_code=EXIT_BAD_INPUT, changed=False)
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        write_outputs(result, Path(github_output))
    click.echo(f"changed={str(result.changed).lower()} exit-code={result.exit_code}", err=True)
    sys.exit(result.exit_code)


def _run_cli(arguments: list[str]) -> int:
    """The CLI in this process: its messages, report and exit code exactly as on a terminal."""
    from exposure_sync.cli import cli

    try:
        cli.main(args=arguments, prog_name="exposure-sync")
    except SystemExit as done:  # the CLI always ends with sys.exit(code)
        if done.code is None:
            return 0
        return done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
    return 0


def _read_bytes(path: Path | None) -> bytes | None:
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


if __name__ == "__main__":
    main()
