"""The command line: thin wiring of the library (see PRODUCT.md for commands and exit codes)."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from exposure_sync import __version__, streams
from exposure_sync.errors import EXIT_BAD_INPUT, ExposureSyncError

# ctx.meta key (meta is shared by a context and all its children): --debug was given
_DEBUG = "exposure_sync.debug"


def _friendly_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """One line on stderr and the documented exit code; a traceback only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = click.get_current_context(silent=True)
        debug = bool(ctx and ctx.meta.get(_DEBUG))
        try:
            code = command(*args, **kwargs) or 0
        except ExposureSyncError as err:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as err:  # a bug of ours: still one line, unless --debug
            if debug:
                traceback.print_exc()
            click.echo(
                f"error: unexpected {type(err).__name__}: {err} (rerun with --debug and report it)",
                err=True,
            )
            sys.exit(EXIT_BAD_INPUT)
        sys.exit(code)

    return wrapper


class _Cli(click.Group):
    """Usage mistakes (a missing option, a directory for a file) also get one `error:` line."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as err:
            command = err.ctx.command_path if err.ctx else "exposure-sync"
            hint = f"see `{command} --help`"
            if isinstance(err, click.NoSuchOption) and err.option_name == "--debug":
                # a group option: it goes before the command, as the README says
                sub = err.ctx.info_name if err.ctx else "COMMAND"
                hint = f"--debug goes before the command: `exposure-sync --debug {sub} ...`"
            click.echo(f"error: {err.format_message()} ({hint})", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as err:
            click.echo(f"error: {err.format_message()}", err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except ExposureSyncError as err:  # outside a command: --help to a stdout that is full
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
        sys.exit(code or 0)


@click.group("exposure-sync", cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exposure-sync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Keep dbt exposures in step with Looker dashboards."""
    ctx.meta[_DEBUG] = debug


def main() -> None:
    # stderr that cannot be written is not an error of its own; stdout that cannot is (exit 2);
    # characters the terminal cannot show are escaped (see streams.py)
    streams.install()
    cli(prog_name="exposure-sync")


class _FilePath(click.Path):
    """A file (or with file_okay=False a directory) option: an empty value is refused
    (Path("") would mean ".", the current directory)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(f"the path is empty; pass a {self.name}", param, ctx)
        return super().convert(value, param, ctx)


def _sync_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--manifest",
            "manifest_path",
            required=True,
            type=_FilePath(dir_okay=False, path_type=Path),
            help="dbt target/manifest.json (run `dbt parse` first).",
        ),
        click.option(
            "--output",
            "output_path",
            type=_FilePath(dir_okay=False, path_type=Path),
            help="Generated exposures file (default: the config's `output`).",
        ),
        click.option(
            "--config",
            "config_path",
            type=_FilePath(dir_okay=False, path_type=Path),
            help="exposure-sync YAML configuration.",
        ),
        click.option(
            "--from-snapshot",
            "snapshot_path",
            type=_FilePath(dir_okay=False, path_type=Path),
            help="Use a saved crawl instead of asking Looker.",
        ),
        *_looker_options(),
        click.option(
            "--granularity",
            type=click.Choice(["query", "explore"]),
            help="Depend on the views each query uses (default) or every view of its explore.",
        ),
        _lookml_dir_option(),
        click.option(
            "--allow-removals",
            is_flag=True,
            help="Remove entries even beyond max_removals (a real clean-up in Looker).",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="Format of the run report.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _lookml_dir_option() -> Callable[..., Any]:
    return click.option(
        "--lookml-dir",
        "lookml_dir",
        type=_FilePath(file_okay=False, path_type=Path),
        help="A checkout of the LookML project: derived tables are read from its files.",
    )


def _looker_options() -> list[Callable[..., Any]]:
    return [
        click.option(
            "--looker-ini",
            type=_FilePath(dir_okay=False, path_type=Path),
            help="looker.ini to read settings from (default: LOOKERSDK_* variables).",
        ),
        click.option("--section", default="Looker", show_default=True, help="looker.ini section."),
        click.option(
            "--deadline",
            type=int,
            metavar="SECONDS",
            help="Time for the whole read of Looker (default: the config's `deadline`, 1800); "
            "what is not read by then fails (exit 3), its entries kept.",
        ),
    ]


@cli.command()
@_sync_options
@_friendly_errors
def sync(**options: Any) -> int:
    """Crawl Looker and write the generated exposures."""
    from exposure_sync.run import run_command

    return run_command("sync", **options)


@cli.command()
@_sync_options
@_friendly_errors
def diff(**options: Any) -> int:
    """Show what `sync` would change; change nothing. Exit 1 when there are changes."""
    from exposure_sync.run import run_command

    return run_command("diff", **options)


@cli.command()
@_sync_options
@_friendly_errors
def check(**options: Any) -> int:
    """Exit 1 when the generated exposures are stale (for CI and pre-commit)."""
    from exposure_sync.run import run_command

    return run_command("check", **options)


@cli.command()
@click.option(
    "--out",
    "out_path",
    required=True,
    type=_FilePath(dir_okay=False, path_type=Path),
    help="Where to save what was read from Looker (JSON, no secrets).",
)
@click.option(
    "--config",
    "config_path",
    type=_FilePath(dir_okay=False, path_type=Path),
    help="The configuration you sync with: it decides which generated SQL the crawl fetches.",
)
@_looker_options()[0]
@_looker_options()[1]
@_looker_options()[2]
@click.option(
    "--granularity",
    type=click.Choice(["query", "explore"]),
    help="The granularity you sync with (overrides the config's): it decides the SQL fetched.",
)
@_lookml_dir_option()
@_friendly_errors
def crawl(**options: Any) -> int:
    """Save what was read from Looker, for offline `--from-snapshot` runs."""
    from exposure_sync.run import run_crawl

    return run_crawl(**options)


@cli.command()
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("greenery"),
    show_default=True,
    help="The greenery dbt project.",
)
@_lookml_dir_option()
@_friendly_errors
def demo(project_dir: Path, lookml_dir: Path | None) -> int:
    """Emulator + greenery: sync, validate with dbt parse, print a summary."""
    from exposure_sync.demo import run_demo

    return run_demo(project_dir, lookml_dir)


@cli.command()
@click.option(
    "--manifest",
    "manifest_path",
    required=True,
    type=_FilePath(dir_okay=False, path_type=Path),
    help="dbt target/manifest.json of the project (with its exposures).",
)
@click.option(
    "--run-results",
    "run_results_path",
    type=_FilePath(dir_okay=False, path_type=Path),
    help="dbt target/run_results.json: nodes that errored, failed, warned or were skipped.",
)
@click.option(
    "--select",
    "select",
    multiple=True,
    help="Node names or unique ids (space-separated, or repeat the option).",
)
@click.option(
    "--state",
    "state_path",
    type=_FilePath(dir_okay=False, path_type=Path),
    help="Another manifest (e.g. production's): nodes new or changed since, as state:modified.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text, markdown (a pull-request comment) or json.",
)
@click.argument("more_names", nargs=-1, metavar="[NAME]...")
@_friendly_errors
def impact(more_names: tuple[str, ...], select: tuple[str, ...], **options: Any) -> int:
    """Dashboards (and owners) downstream of failed, selected or changed dbt nodes.

    Exit 0 when none is touched, 1 when some are."""
    from exposure_sync.dbt.impact_report import run_impact

    if more_names and not select:
        raise click.UsageError(f"unexpected argument '{more_names[0]}'; names go after --select")
    names = [name for value in (*select, *more_names) for name in value.split()]
    report, code = run_impact(select=names, **options)
    click.echo(report)
    return code


def _register_emulator() -> None:
    from exposure_sync.looker.emulator.command import emulator

    cli.add_command(emulator)


_register_emulator()
