from __future__ import annotations

import pytest

from exposure_sync.dbt.models import ManifestExposure
from exposure_sync.exposures.coverage import (
    covered_by_hand_written,
    hand_written,
    is_generated,
    normalize_url,
)

GENERATED = "greenery/models/exposures/looker_exposures.yml"


def exposure(name: str, path: str = "models/exposures/hand.yml", **kwargs) -> ManifestExposure:
    return ManifestExposure(f"exposure.greenery.{name}", name, "greenery", path, **kwargs)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://Looker.Example.com/dashboards/1/", "https://looker.example.com/dashboards/1"),
        ("HTTPS://looker.example.com:443/dashboards/1", "https://looker.example.com/dashboards/1"),
        (
            "https://looker.example.com/dashboards/1?Date=7+days#x",
            "https://looker.example.com/dashboards/1",
        ),
        ("https://looker.example.com/dashboards-next/1", "https://looker.example.com/dashboards/1"),
        (
            "https://looker.example.com/dashboards/greenery%3A%3Afunnel",
            "https://looker.example.com/dashboards/greenery::funnel",
        ),
    ],
)
def test_same_url(a, b):
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://looker.example.com/dashboards/1", "https://looker.example.com/dashboards/12"),
        ("https://looker.example.com/dashboards/1", "https://looker.example.com/looks/1"),
        ("https://looker.example.com:8443/dashboards/1", "https://looker.example.com/dashboards/1"),
        ("https://looker.example.com/Dashboards/1", "https://looker.example.com/dashboards/1"),
    ],
)
def test_different_url(a, b):
    assert normalize_url(a) != normalize_url(b)


def test_covered_by_url():
    mine = exposure("funnel", url="https://LOOKER.example.com/dashboards/1/")
    found = covered_by_hand_written(
        "1", "https://looker.example.com/dashboards/1", [mine], GENERATED
    )
    assert found is mine


@pytest.mark.parametrize("meta", [{"looker_dashboard_id": 1}, {"looker_id": "1"}])
def test_covered_by_meta_id(meta):
    mine = exposure("funnel", meta=meta)
    found = covered_by_hand_written(
        "1", "https://looker.example.com/dashboards/1", [mine], GENERATED
    )
    assert found is mine


def test_not_covered():
    others = [
        exposure("a", url="https://looker.example.com/dashboards/2"),
        exposure("b", meta={"looker_dashboard_id": "11"}),
        exposure("c", meta={"looker_look_id": "1"}),
        exposure("d"),
    ]
    assert (
        covered_by_hand_written("1", "https://looker.example.com/dashboards/1", others, None)
        is None
    )


def test_looks_match_look_ids_only():
    look = exposure("weekly", meta={"looker_look_id": "7"})
    board = exposure("board", meta={"looker_id": "7"})
    url = "https://looker.example.com/looks/7"
    assert covered_by_hand_written("7", url, [board, look], GENERATED, kind="look") is look


def test_generated_exposures_are_not_hand_written():
    in_output = exposure(
        "funnel_1",
        path="models/exposures/looker_exposures.yml",
        url="https://looker.example.com/dashboards/1",
    )
    marked = exposure(
        "funnel_2", meta={"generated_by": "exposure-sync", "looker_dashboard_id": "1"}
    )
    assert is_generated(in_output, GENERATED)
    assert is_generated(
        in_output, "/abs/project/greenery/" + "models/exposures/looker_exposures.yml"
    )
    assert not is_generated(in_output, "models/exposures/other.yml")
    assert is_generated(marked, None)
    assert hand_written([in_output, marked], GENERATED) == []
    url = "https://looker.example.com/dashboards/1"
    assert covered_by_hand_written("1", url, [in_output, marked], GENERATED) is None


def test_first_match_is_deterministic():
    b = exposure("b", meta={"looker_dashboard_id": "1"})
    a = exposure("a", url="https://looker.example.com/dashboards/1")
    url = "https://looker.example.com/dashboards/1"
    assert covered_by_hand_written("1", url, [b, a], None) is a
