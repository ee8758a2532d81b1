"""The configuration reference and example load, and the reference names every setting."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from exposure_sync.config import Config, load_config
from exposure_sync.errors import BadInputError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def test_reference_lists_every_setting_with_its_default():
    raw = yaml.safe_load((CONFIG_DIR / "reference.yml").read_text())
    assert set(raw) == {f.name for f in fields(Config)}
    loaded = load_config(CONFIG_DIR / "reference.yml")
    defaults = Config()
    for f in fields(Config):
        if f.name not in ("output", "lookml_manifest"):  # paths are made relative to the file
            assert getattr(loaded, f.name) == getattr(defaults, f.name), f.name


def test_example_loads_and_paths_are_relative_to_the_file():
    config = load_config(CONFIG_DIR / "example.yml")
    assert config.output == str(CONFIG_DIR / "models/exposures/looker_exposures.yml")
    assert config.maturity_rules[1].folder == "Shared/Executive/**"
    assert config.connections["snowflake_prod"].dialect == "snowflake"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus: 1\n", "'bogus'"),
        ("concurrency: eight\n", "'concurrency'"),
        ("include_looks: 1\n", "'include_looks'"),
        ("maturity_rules: [{maturity: huge}]\n", "maturity_rules[0].maturity"),
        ("default_owner: {name: x, phone: 1}\n", "'phone'"),
        ("connections: {c: {dialect: 3}}\n", "connections.c.dialect"),
        ("granularity: view\n", "'granularity' is 'view'"),
        ("merged_results: precise\n", "'merged_results' is 'precise'"),
        ("concurrency: 0\n", "'concurrency' is 0"),
        ("retries: -1\n", "'retries' is -1"),
        ("retries: 1000000000\n", "'retries' is 1000000000; it must be between 0 and 20"),
        ("concurrency: 1000\n", "'concurrency' is 1000; it must be between 1 and 64"),
        ("timeout: 0\n", "'timeout' is 0; it must be between 1 and 3600"),
        ("timeout: 1.5\n", "'timeout' must be a whole number"),
        ("deadline: -5\n", "'deadline' is -5"),
        ("deadline: 100000\n", "'deadline' is 100000; it must be between 1 and 86400"),
        ("web_url: acme.cloud.looker.com\n", "'web_url' is 'acme.cloud.looker.com'"),
        ("exclude_dashboards: [true]\n", "'exclude_dashboards'"),
        ("exclude_dashboards: 12\n", "'exclude_dashboards'"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, text: str, named: str):
    path = tmp_path / "exposure-sync.yml"
    path.write_text(text)
    with pytest.raises(BadInputError) as err:
        load_config(path)
    assert named in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("exclude_folder: []\n", "unknown key 'exclude_folder' (did you mean 'exclude_folders'?)"),
        ("default_owner: {name: x, emial: y}\n", "'emial' (did you mean 'email'?)"),
        ("maturity_rules: [{maturity: high, certifed: true}]\n", "(did you mean 'certified'?)"),
    ],
)
def test_a_misspelt_key_suggests_the_right_one(tmp_path: Path, text: str, hint: str):
    path = tmp_path / "exposure-sync.yml"
    path.write_text(text)
    with pytest.raises(BadInputError) as err:
        load_config(path)
    assert hint in str(err.value) and "\n" not in str(err.value)


def test_an_unknown_key_far_from_any_suggests_nothing(tmp_path: Path):
    path = tmp_path / "exposure-sync.yml"
    path.write_text("bogus: 1\n")
    with pytest.raises(BadInputError) as err:
        load_config(path)
    assert "did you mean" not in str(err.value)


def test_an_empty_value_means_the_default(tmp_path: Path):
    """`key:` with nothing after it (YAML null) is the default, as in config/reference.yml."""
    path = tmp_path / "exposure-sync.yml"
    path.write_text("granularity:\nmerged_results:\nconcurrency:\ninclude_folders:\n")
    assert load_config(path) == load_config(None)


def test_exclude_dashboards_takes_numbers_and_lookml_ids(tmp_path: Path):
    path = tmp_path / "exposure-sync.yml"
    path.write_text("exclude_dashboards: [12, '37', greenery::funnel_overview]\n")
    assert load_config(path).exclude_dashboards == ("12", "37", "greenery::funnel_overview")
