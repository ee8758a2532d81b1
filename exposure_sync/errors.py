"""Errors the CLI turns into one line on stderr and an exit code (see PRODUCT.md)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHANGES = 1
EXIT_BAD_INPUT = 2
EXIT_LOOKER = 3


class ExposureSyncError(Exception):
    """A failure the user can act on. `str(err)` is the one line shown to them."""

    exit_code = EXIT_BAD_INPUT


class BadInputError(ExposureSyncError):
    """Bad configuration, manifest, output file or command-line input (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class LookerError(ExposureSyncError):
    """Looker could not be reached, refused us, or kept failing (exit 3)."""

    exit_code = EXIT_LOOKER
