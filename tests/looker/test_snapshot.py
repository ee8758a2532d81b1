"""Crawl snapshots: exact round trip, deterministic bytes, atomic write, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from exposure_sync.errors import BadInputError
from exposure_sync.looker.models import (
    Connection,
    Crawl,
    CrawlFailure,
    Dashboard,
    Explore,
    ExploreField,
    ExploreJoin,
    Folder,
    Look,
    MergeQuery,
    Query,
    Tile,
    User,
)
from exposure_sync.looker.snapshot import check_snapshot_target, load_crawl, save_crawl

ORDERS = Query("502", "greenery", "orders", ("orders.count",), ("orders.status",), ("orders.id",))
SESSIONS = Query("531", "greenery", "sessions", ("sessions.week",), dynamic_fields='[{"a": 1}]')


def sample_crawl() -> Crawl:
    explore = Explore(
        model="greenery",
        name="orders",
        view_name="orders",
        connection_name="greenery_duckdb",
        sql_table_name="@{schema}.fact_orders",
        joins=(ExploreJoin("users", "dim_users", None, "${orders.user_id} = ${users.id}"),),
        fields=(ExploreField("orders.count", "orders", "orders", "${TABLE}.id"),),
        always_join=("users",),
    )
    return Crawl(
        base_url="http://127.0.0.1:19999",
        # in crawl()'s order (by id, numbers first), which the snapshot keeps
        dashboards=[
            Dashboard("2", "Old", deleted=True),
            Dashboard(
                "12",
                "Funnel «weekly» {{ x }} 🌱",
                "multi\nline",
                "10",
                "3",
                certified=True,
                view_count=7,
                tiles=(
                    Tile("101", "vis", "Orders", query=ORDERS),
                    Tile("102", "vis", None, look_id="7"),
                    Tile("103", "vis", "Merged", merge_result_id="9"),
                    Tile("104", "text", "Notes"),
                ),
            ),
            Dashboard("greenery::inventory", "Inventory", folder_id="lookml"),
        ],
        looks={"7": Look("7", "Weekly orders", ORDERS, "10", "3")},
        merge_queries={"9": MergeQuery("9", (ORDERS, SESSIONS))},
        explores={("greenery", "orders"): explore, ("greenery", "gone"): None},
        connections={"greenery_duckdb": Connection("greenery_duckdb", "duckdb", "greenery")},
        users={"3": User("3", "Anique Jones", "anique@greenery.example")},
        folders={
            "10": Folder("10", "Marketing", "1"),
            "20": Folder("20", "Me", "2", True),
            "30": Folder("30", "", None, hidden=True),  # Looker answered 404
        },
        generated_sql={"502": "WITH x AS (SELECT 1)\nSELECT * FROM x"},
        failures=[CrawlFailure("dashboard", "greenery::broken", "Looker kept failing")],
    )


def test_round_trip_is_exact(tmp_path: Path) -> None:
    crawl = sample_crawl()
    path = tmp_path / "crawl.json"
    save_crawl(crawl, path)
    assert load_crawl(path) == crawl


def test_empty_crawl_round_trips(tmp_path: Path) -> None:
    save_crawl(Crawl(base_url="https://looker.example.com"), tmp_path / "c.json")
    assert load_crawl(tmp_path / "c.json") == Crawl(base_url="https://looker.example.com")


def test_bytes_do_not_depend_on_insertion_order(tmp_path: Path) -> None:
    crawl = sample_crawl()
    shuffled = sample_crawl()
    shuffled.dashboards.reverse()
    shuffled.looks = dict(reversed(shuffled.looks.items()))
    shuffled.folders = dict(reversed(shuffled.folders.items()))
    shuffled.explores = dict(reversed(shuffled.explores.items()))
    save_crawl(crawl, tmp_path / "a.json")
    save_crawl(shuffled, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_format_is_versioned_and_readable(tmp_path: Path) -> None:
    save_crawl(sample_crawl(), tmp_path / "c.json")
    text = (tmp_path / "c.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert (doc["format"], doc["version"]) == ("exposure-sync-crawl", 1)
    assert "🌱" in text  # unicode kept readable, not \\u-escaped
    assert [d["id"] for d in doc["dashboards"]] == ["2", "12", "greenery::inventory"]
    # `hidden` only where set, so releases that predate it still read ordinary snapshots
    assert [("hidden" in f) for f in doc["folders"]] == [False, False, True]


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("previous", encoding="utf-8")
    save_crawl(sample_crawl(), path)
    assert sorted(os.listdir(tmp_path)) == ["c.json"]


def test_unwritable_place_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as err:
        save_crawl(sample_crawl(), tmp_path / "missing" / "c.json")
    assert "missing/c.json" in str(err.value) and "\n" not in str(err.value)


def test_a_missing_directory_is_refused_before_the_crawl(tmp_path: Path) -> None:
    check_snapshot_target(tmp_path / "c.json")  # a new file in an existing directory: fine
    with pytest.raises(BadInputError) as err:
        check_snapshot_target(tmp_path / "missing" / "c.json")
    message = str(err.value)
    assert f"directory {tmp_path / 'missing'} does not exist" in message
    assert "--out" in message and "\n" not in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "snapshot not found"),
        ("{not json", "invalid JSON at line 1"),
        ("[]", 'no "format"'),
        ('{"format": "exposure-sync-crawl", "version": 99}', "format version 99"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_snapshot_is_one_line_naming_the_file(
    tmp_path: Path, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / "snap.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(BadInputError) as err:
        load_crawl(path)
    message = str(err.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["dashboards"][1].update(title=5), "dashboards[1].title is not a str"),
        (lambda d: d["dashboards"][0].update(color="red"), "unknown key 'color'"),
        (lambda d: d["dashboards"][0].pop("id"), "dashboards[0] misses id"),
        (lambda d: d["dashboards"][1]["tiles"][0].update(query=[]), "query is not an object"),
        (lambda d: d["users"][0].update(is_disabled="no"), "is_disabled is not a bool"),
        (lambda d: d["dashboards"][0].update(view_count=True), "view_count is not a int"),
        (lambda d: d.pop("looks"), "missing keys"),
        (lambda d: d["explores"][0].pop("model"), "explores[0] needs exactly"),
    ],
)
def test_corrupt_snapshot_names_file_and_place(tmp_path: Path, edit, expected: str) -> None:
    path = tmp_path / "snap.json"
    save_crawl(sample_crawl(), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        load_crawl(path)
    message = str(err.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message
