"""Lineage case 8 on real dbt: Looker reads production (`analytics`) while the manifest comes
from a development target (`dbt_anique`); `schema_map` bridges them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exposure_sync.cli import cli
from tests.conftest import GREENERY, run_dbt

CONFIG = GREENERY / "exposure-sync.yml"


@pytest.fixture(scope="module")
def dev_manifest(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("greenery_dev")
    os.environ["GREENERY_SCHEMA"] = "dbt_anique"
    try:
        result = run_dbt(["parse"], GREENERY, workdir)
    finally:
        del os.environ["GREENERY_SCHEMA"]
    assert result.returncode == 0, result.stdout[-2000:]
    return workdir / "target" / "manifest.json"


def sync(manifest: Path, tmp_path: Path, **settings) -> dict[str, list[str]]:
    tmp_path.mkdir()
    config = tmp_path / "exposure-sync.yml"
    base = yaml.safe_load(CONFIG.read_text())
    base.pop("output")
    config.write_text(yaml.safe_dump({**base, **settings}))
    output = tmp_path / "looker_exposures.yml"
    args = ["sync", "--manifest", str(manifest), "--output", str(output), "--config", str(config)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(output.read_text())["exposures"]
    return {e["config"]["meta"]["looker_dashboard_id"]: e["depends_on"] for e in written}


def test_schema_map_bridges_a_dev_manifest_to_production_looker(
    emulator, greenery_manifest, dev_manifest, tmp_path: Path
):
    prod = sync(greenery_manifest, tmp_path / "prod")
    mapped = sync(dev_manifest, tmp_path / "mapped", schema_map={"analytics": "dbt_anique"})
    assert mapped == prod
    unmapped = sync(dev_manifest, tmp_path / "unmapped")
    # without the mapping only relations outside `analytics` (raw sources, the snapshot) match
    assert len(unmapped) < len(prod)
    assert all("ref('fact_orders')" not in deps for deps in unmapped.values())
