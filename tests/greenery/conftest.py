"""Fixtures for the greenery demo project: one build into a temporary DuckDB file per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from greenery_helpers import Build, greenery_env, run_script


@pytest.fixture(scope="session")
def greenery_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """The whole `make greenery` build, into a temporary warehouse (about 20 s)."""
    workdir = tmp_path_factory.mktemp("greenery")
    env = greenery_env(workdir)
    result = run_script("build", ["--data-dir", str(workdir / "data")], env)
    yield Build(workdir, env, result)
