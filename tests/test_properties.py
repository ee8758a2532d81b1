"""Properties that hold on any instance and under any faults (hypothesis).

Each example starts the greenery Looker instance afresh, changes it at random (dashboards
trashed, removed, retitled with odd text, moved between folders), then checks, through the CLI
and real dbt:
- a clean run's file passes `dbt parse --warn-error` in the greenery project;
- a second clean run writes nothing;
- a run against a Looker failing a random fifth of its requests never removes an entry the clean
  run keeps (it may keep more, and says so with exit 3).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from exposure_sync.cli import cli
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.instance import load_instance
from exposure_sync.looker.emulator.server import EmulatorServer
from tests.conftest import GREENERY, run_dbt

INSTANCE = load_instance()
DASHBOARDS = sorted(d.id for d in INSTANCE.content.dashboards.values() if not d.deleted)
FOLDERS = sorted(INSTANCE.content.folders)
GENERATED = Path("models") / "exposures" / "looker_exposures.yml"

# Titles as people write them, and as they break tools: Jinja, YAML syntax, scripts, emoji.
TITLES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(
        [
            "{{ ref('fact_orders') }}",
            "{% if true %}x{% endif %}",
            "key: value # not a comment",
            "- [a, b]",
            "売上ダッシュボード",
            "Продажи",
            "📈",
            "   ",
        ]
    ),
)
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("trash"), st.sampled_from(DASHBOARDS)),
        st.tuples(st.just("remove"), st.sampled_from(DASHBOARDS)),
        st.tuples(st.just("retitle"), st.sampled_from(DASHBOARDS), TITLES),
        st.tuples(st.just("move"), st.sampled_from(DASHBOARDS), st.sampled_from(FOLDERS)),
    ),
    max_size=8,
)


@contextmanager
def changed_instance(changes: list[tuple]) -> Iterator[EmulatorServer]:
    """A fresh greenery emulator with the changes applied and LOOKERSDK_* pointing at it."""
    with EmulatorServer() as server:
        removed: set[str] = set()
        for kind, dashboard_id, *value in changes:
            if dashboard_id in removed:
                continue
            if kind == "trash":
                server.delete_dashboard(dashboard_id)
            elif kind == "remove":
                server.delete_dashboard(dashboard_id, hard=True)
                removed.add(dashboard_id)
            elif kind == "retitle":
                server.update_dashboard(dashboard_id, title=value[0])
            else:
                server.update_dashboard(dashboard_id, folder_id=value[0])
        saved = {key: os.environ.get(key) for key in server.env()}
        os.environ.update(server.env())
        try:
            yield server
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


def sync(manifest: Path, output: Path, config: Path) -> tuple[int, str]:
    args = ["sync", "--manifest", str(manifest), "--output", str(output), "--config", str(config)]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


def names(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {entry["name"] for entry in yaml.safe_load(path.read_text("utf-8"))["exposures"]}


@pytest.fixture(scope="module")
def settings_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """greenery's settings with few retries, so that some requests fail for good."""
    settings = yaml.safe_load((GREENERY / "exposure-sync.yml").read_text("utf-8"))
    settings.pop("output")
    path = tmp_path_factory.mktemp("settings") / "exposure-sync.yml"
    path.write_text(yaml.safe_dump({**settings, "retries": 1}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of greenery whose generated exposures each example replaces."""
    root = tmp_path_factory.mktemp("greenery") / "greenery"
    shutil.copytree(
        GREENERY, root, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*", "dbt_packages")
    )
    return root


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # each example costs seconds: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=CHANGES, fault_seed=st.integers(0, 2**31))
def test_any_instance_any_faults(
    greenery_manifest: Path,
    settings_file: Path,
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    changes: list[tuple],
    fault_seed: int,
) -> None:
    work = tmp_path_factory.mktemp("example")
    clean, faulty = work / "clean.yml", work / "faulty.yml"
    with changed_instance(changes) as server:
        code, out = sync(greenery_manifest, clean, settings_file)
        assert code == 0, out
        written = clean.read_bytes()
        mtime = clean.stat().st_mtime_ns

        code, out = sync(greenery_manifest, clean, settings_file)
        assert code == 0, out
        assert (clean.read_bytes(), clean.stat().st_mtime_ns) == (written, mtime), out

        faulty.write_bytes(written)
        server.set_faults(
            FaultConfig(fault_rate=0.2, seed=fault_seed, retry_after_s=0, exempt=frozenset())
        )
        code, out = sync(greenery_manifest, faulty, settings_file)
        assert code in (0, 3), out
        assert "Traceback" not in out
        assert names(clean) <= names(faulty), out

    (project / GENERATED).write_bytes(written)
    parsed = run_dbt(["parse", "--warn-error", "--no-partial-parse"], project, work)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
