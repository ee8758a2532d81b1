"""`exposure-sync emulator`: serve the Looker API emulator until interrupted."""

from __future__ import annotations

from pathlib import Path

import click

from exposure_sync.errors import EXIT_BAD_INPUT, ExposureSyncError

from .serve import serve_forever


@click.command("emulator")
@click.option(
    "--instance",
    "instance_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Instance directory (lookml/ and content.yml). Default: the greenery instance.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")  # fmt: skip
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Delay added to every response.")  # fmt: skip
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Fraction of requests answered 429, 500, 503 or dropped.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the faults and latency jitter: same seed, same failures.")  # fmt: skip
@click.option("--broken-dashboard", "broken_dashboards", multiple=True, metavar="ID",
              help="A dashboard whose content fails with 500, as one bad tile makes Looker "
                   "do (repeatable).")  # fmt: skip
def emulator(
    instance_dir: Path | None,
    port: int,
    latency_ms: float,
    fault_rate: float,
    seed: int,
    broken_dashboards: tuple[str, ...],
) -> None:
    """Serve the Looker API emulator; print LOOKERSDK_* settings to export, one per line."""
    try:
        serve_forever(
            instance_dir,
            port=port,
            latency_ms=latency_ms,
            fault_rate=fault_rate,
            seed=seed,
            broken_dashboards=broken_dashboards,
        )
    except ExposureSyncError as err:  # one line, the documented exit code, no traceback
        click.echo(f"error: {err}", err=True)
        raise SystemExit(err.exit_code) from None
    except OSError as err:  # e.g. the port is taken
        click.echo(f"error: cannot serve on 127.0.0.1:{port}: {err.strerror}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None


if __name__ == "__main__":  # python -m exposure_sync.looker.emulator.command
    emulator()
