"""Real public LookML (Looker blocks, MIT; tests/fixtures/lookml/blocks): the reader reads
every view the projects define and resolves each one's relations from the files alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exposure_sync.config import Config
from exposure_sync.lineage.files import FileViews
from exposure_sync.lineage.resolve import ResolveContext
from exposure_sync.lookml.views import load_lookml_files

BLOCKS = Path(__file__).resolve().parent.parent / "fixtures" / "lookml" / "blocks"
VIEW = re.compile(r"^view:\s*(\w+)", re.M)


def views_written(*directories: Path) -> set[str]:
    """Every view a `view:` line of the projects' files declares (refinements aside)."""
    return {
        name
        for directory in directories
        for path in directory.rglob("*.lkml")
        for name in VIEW.findall(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize(
    ("projects", "dialect", "expected"),
    [
        (
            {"block-redshift-admin": "redshift_admin"},
            "redshift",
            # Redshift's system tables live in pg_catalog, whatever the default schema
            {"redshift_queries": ["db.pg_catalog.stl_query", "db.pg_catalog.stl_wlm_query",
                                  "db.pg_catalog.stv_wlm_service_class_config",
                                  "db.pg_catalog.svl_qlog"],
             "redshift_slices": ["db.pg_catalog.stv_slices"]},
        ),
        (
            {"block-keboola-git": "keboola_git", "block-keboola-git-config": "keboola_git_config"},
            "snowflake",
            # user extends the config project's user_config, which extends user_core
            {"user": ["DB.WORKSPACE_546683285.USER"],
             "event_core": ["DB.WORKSPACE_546683285.EVENT"]},
        ),
    ],
    ids=["redshift_admin", "keboola_git"],
)  # fmt: skip
def test_every_view_of_a_block_is_read_and_resolved(
    projects: dict[str, str], dialect: str, expected: dict[str, list[str]]
) -> None:
    files = load_lookml_files(None, {k: str(BLOCKS / v) for k, v in projects.items()})
    assert files is not None
    (name, project), *_ = files.projects.items()
    assert len(files.projects) == 1  # an imported project is read as part of its importer
    (model,) = project.models.values()
    assert set(model.views) == views_written(*(BLOCKS / v for v in projects.values()))
    resolver = FileViews(files, Config())
    context = ResolveContext(dialect=dialect, default_database="db", default_schema="public")
    resolved = {}
    for view in model.views:
        found = resolver.resolve_in(project, model.name, view, context)
        assert found is not None and not found.resolution.needs_generated_sql, view
        assert found.resolution.relations, view
        resolved[view] = sorted(str(r) for r in found.resolution.relations)
    for view, relations in expected.items():
        assert resolved[view] == relations
