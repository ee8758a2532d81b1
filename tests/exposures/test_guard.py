"""The deletion guard's limit, and merge_entries holding removals back (pure, no Looker)."""

from __future__ import annotations

import pytest

from exposure_sync.config import config_from_dict
from exposure_sync.errors import BadInputError
from exposure_sync.exposures.guard import RemovalLimit
from exposure_sync.exposures.keys import dashboard_key
from exposure_sync.exposures.write import merge_entries
from tests.exposures.test_write import entry

DEFAULT = RemovalLimit()


@pytest.mark.parametrize(
    ("limit", "removed", "total", "allowed"),
    [
        (DEFAULT, 5, 5, True),  # up to 5, whatever the share
        (DEFAULT, 6, 51, False),  # more than 5 and more than 10% (5.1)
        (DEFAULT, 6, 60, True),  # 10% of 60
        (DEFAULT, 20, 51, False),
        (DEFAULT, 20, 200, True),
        (DEFAULT, 21, 200, False),
        (RemovalLimit(entries=20, percent=None), 20, 21, True),  # max_removals: 20
        (RemovalLimit(entries=20, percent=None), 21, 10_000, False),
        (RemovalLimit(entries=0, percent=None), 1, 1_000, False),
        (RemovalLimit(entries=0, percent=5.0), 5, 100, True),
    ],
)
def test_removal_limit(limit: RemovalLimit, removed: int, total: int, allowed: bool) -> None:
    assert limit.allows(removed, total) is allowed


def entries(count: int) -> list:
    return [entry(f"e{i}", str(i)) for i in range(1, count + 1)]


def test_merge_holds_back_every_removal_beyond_the_limit() -> None:
    previous = entries(10)
    gone = [str(i) for i in range(1, 7)]  # 6 of 10: more than 5 and more than 10%
    result = merge_entries(previous[6:], previous, [], gone, removal_limit=DEFAULT)
    assert [e.name for e in result.entries] == sorted(e.name for e in previous)
    assert result.removed == []
    assert result.held == sorted(dashboard_key(i) for i in gone)


def test_merge_removes_within_the_limit_and_without_one() -> None:
    previous = entries(10)
    within = merge_entries(
        previous[5:], previous, [], ["1", "2", "3", "4", "5"], removal_limit=DEFAULT
    )
    assert len(within.removed) == 5 and within.held == []
    gone = [str(i) for i in range(1, 11)]
    unguarded = merge_entries([], previous, [], gone, removal_limit=None)  # --allow-removals
    assert unguarded.entries == [] and len(unguarded.removed) == 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20, RemovalLimit(entries=20, percent=None)),
        ({"entries": 5, "percent": 10}, DEFAULT),
        ({"percent": 25}, RemovalLimit(entries=0, percent=25)),
        (None, DEFAULT),
    ],
)
def test_max_removals_setting(value: object, expected: RemovalLimit) -> None:
    assert config_from_dict({"max_removals": value}).max_removals == expected


@pytest.mark.parametrize(
    "value",
    ["10%", True, -1, {"entries": -1}, {"percent": 150}, {"share": 10}, {"entries": "5"}],
)
def test_bad_max_removals_is_refused_naming_the_key(value: object) -> None:
    with pytest.raises(BadInputError, match="max_removals"):
        config_from_dict({"max_removals": value})
