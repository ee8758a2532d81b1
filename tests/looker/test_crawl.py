"""crawl() through looker-sdk over HTTP against the emulator serving tests/fixtures/crawl/small.

The instance: 7 live user-defined dashboards (query, look, merged-results, text and button
tiles; one on a retired explore), 1 soft-deleted one, 1 LookML dashboard, 3 looks (one only
standalone, one deleted), 2 connections, a personal folder with a subfolder.
"""

from __future__ import annotations

import io
import json
import math
import traceback
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from exposure_sync.config import Config
from exposure_sync.errors import LookerError
from exposure_sync.looker.client import LookerClient, LookerRequestError, NotFound
from exposure_sync.looker.crawl import (
    SilentProgress,
    TerminalProgress,
    auto_progress,
    crawl,
    fetch_generated_sql,
)
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.server import EmulatorServer
from exposure_sync.looker.models import (
    Connection,
    Crawl,
    CrawlFailure,
    ExploreRef,
    Folder,
    User,
)
from exposure_sync.looker.snapshot import load_crawl, save_crawl

LIVE, DELETED, LOOKML = 7, 1, ["shop::stock"]
EXPLORES = [
    ("shop", "inventory"),
    ("shop", "orders"),
    ("shop", "retired"),
    ("shop", "users"),
    ("warehouse", "snow_users"),
]
CONFIG = Config(include_looks=True, concurrency=4, retries=6)
# merged tiles read from the source explores they name, without reading merges
BY_EXPLORE = replace(CONFIG, merged_results="explores")


def client(retries: int = CONFIG.retries) -> LookerClient:
    return LookerClient(retries=retries, concurrency=CONFIG.concurrency, sleep=lambda _: None)


def run(config: Config = CONFIG, page_size: int = 2) -> Crawl:
    return crawl(client(config.retries), config, SilentProgress(), page_size=page_size)


def test_crawl_reads_every_kind_of_content(emulator: EmulatorServer) -> None:
    result = run()
    by_id = {d.id: d for d in result.dashboards}
    assert list(by_id) == ["1", "2", "3", "4", "5", "6", "7", "8", "shop::stock"]
    assert [d.id for d in result.dashboards if d.deleted] == ["5"]
    assert by_id["5"].tiles == ()  # soft-deleted: listed, contents not fetched
    sales = by_id["1"]
    assert (sales.title, sales.certified, sales.view_count) == ("Sales overview", True, 120)
    assert [t.type for t in sales.tiles] == ["vis", "vis", "vis", "text"]
    query_tile, look_tile, merge_tile, _ = sales.tiles
    assert query_tile.query is not None and query_tile.query.explore == "orders"
    assert look_tile.look_id == "1" and merge_tile.merge_result_id is not None
    assert by_id["shop::stock"].is_lookml
    assert [t.type for t in by_id["shop::stock"].tiles] == ["vis", "text"]
    assert result.failures == []


def test_merged_results_by_explore_read_no_merge(emulator: EmulatorServer) -> None:
    result = run(BY_EXPLORE)
    assert sorted(result.looks) == ["1", "2"]  # the deleted look is not listed
    standalone = result.looks["2"]
    assert standalone.query is not None and standalone.query.explore == "users"
    # a merged tile's source explores come with the dashboard; merges are not read
    assert result.dashboards[0].tiles[2].merge_sources == (
        ExploreRef("shop", "orders"),
        ExploreRef("shop", "inventory"),
    )
    assert result.merge_queries == {}
    assert sorted(result.explores) == EXPLORES
    assert result.explores[("shop", "retired")] is None  # "explore no longer exists"
    orders = result.explores[("shop", "orders")]
    assert orders is not None and orders.connection_name == "shop_duckdb"
    assert [j.name for j in orders.joins] == ["customers"]


def test_crawl_reads_each_merge_and_its_source_queries(emulator: EmulatorServer) -> None:
    result = run()
    tile = result.dashboards[0].tiles[2]
    merge = result.merge_queries[tile.merge_result_id or ""]
    assert [(q.model, q.explore) for q in merge.source_queries] == [
        (ref.model, ref.explore) for ref in tile.merge_sources
    ]
    assert all(q.fields for q in merge.source_queries)
    assert len(result.merge_queries) == 2
    assert sorted(result.explores) == EXPLORES  # the same explores either way


def test_crawl_reads_owners_folders_and_connections(emulator: EmulatorServer) -> None:
    result = run()
    assert result.connections == {
        # tmp_db_name: where Looker builds PDTs (the emulator's default)
        "shop_duckdb": Connection("shop_duckdb", "duckdb", "shop", "analytics", "looker_scratch"),
        "warehouse": Connection("warehouse", "snowflake", "WH", "PUBLIC", "looker_scratch"),
    }
    assert result.users["2"] == User("2", "Grace Hopper", "grace@shop.example", True)
    assert sorted(result.users) == ["1", "2", "3"]
    assert result.folders["21"] == Folder("21", "Drafts", "20", True)
    assert result.folders["20"].is_personal and not result.folders["11"].is_personal
    # every folder on the way to the root is there, for folder paths
    assert {"1", "2", "10", "11", "20", "21"} <= set(result.folders)


BY_EXPLORE_CALLS = {
    "login": 1,
    "search_dashboards": math.ceil((LIVE + 1) / 2) + math.ceil((DELETED + 1) / 2),
    "search_lookml_dashboards": math.ceil((len(LOOKML) + 1) / 2),
    "all_dashboards": 1,
    "query": 1,  # the standalone look's query (/looks/search does not nest it)
    "search_looks": 2,
    "lookml_model_explore": len(EXPLORES),
    "connection": 2,
    "all_users": 1,
    "all_folders": 1,
}


def test_calls_by_explore_follow_the_formula(emulator: EmulatorServer) -> None:
    run(BY_EXPLORE, page_size=2)
    # no dashboard, merge or merged query is fetched on its own
    assert emulator.stats.counts() == BY_EXPLORE_CALLS


def test_merged_results_cost_a_call_per_merge_and_source(emulator: EmulatorServer) -> None:
    result = run(page_size=2)
    merges = len(result.merge_queries)
    assert merges == 2
    assert emulator.stats.counts() == {
        **BY_EXPLORE_CALLS,
        "merge_query": merges,
        "query": BY_EXPLORE_CALLS["query"] + 2 * merges,  # each merge has two source queries
    }


def test_by_explore_reads_the_merge_of_a_tile_that_names_no_explores(
    emulator: EmulatorServer,
) -> None:
    """A merged tile whose filterables do not all name model and explore: its sources are
    unknown, so with merged_results: explores its merge is read after all."""
    emulator.set_faults(FaultConfig(unnamed_merge_sources=True))
    result = run(BY_EXPLORE)
    assert all(t.merge_sources == () for d in result.dashboards for t in d.tiles)
    assert len(result.merge_queries) == 2 and result.failures == []


def test_each_explore_is_fetched_once(emulator: EmulatorServer) -> None:
    run()
    paths = Counter(
        unquote(r.path) for r in emulator.stats.log() if r.operation == "lookml_model_explore"
    )
    assert sorted(paths) == [f"/lookml_models/{m}/explores/{e}" for m, e in EXPLORES]
    assert set(paths.values()) == {1}


def test_lookml_dashboards_come_from_their_own_search(emulator: EmulatorServer) -> None:
    result = run()
    stock = next(d for d in result.dashboards if d.id == "shop::stock")
    assert [t.type for t in stock.tiles] == ["vis", "text"]
    assert "dashboard" not in emulator.stats.counts()


@pytest.mark.parametrize("kind", ["404", "503"])
def test_without_a_lookml_search_lookml_dashboards_are_read_one_by_one(
    emulator: EmulatorServer, kind: str
) -> None:
    """An older Looker has no /dashboards/lookml/search (404); one that keeps failing it is
    treated alike: the LookML ids /dashboards lists are read one by one."""
    clean = run()
    emulator.set_faults(FaultConfig(always_fail={"/dashboards/lookml/search": kind}))
    emulator.stats.reset()
    result = run(replace(CONFIG, retries=1))
    assert result == clean
    fetched = [unquote(r.path) for r in emulator.stats.log() if r.operation == "dashboard"]
    assert fetched == ["/dashboards/shop::stock"]


@pytest.mark.parametrize(
    "faults",
    [
        # the spec declares one DashboardLookml for the LookML search; a Looker answering so
        # is one without the search
        FaultConfig(lookml_search_as_one_object=True),
        # rows without dashboard_elements are not dashboards without tiles (their entries
        # would go)
        FaultConfig(lookml_search_without_elements=True),
    ],
    ids=["one object", "rows without tiles"],
)
def test_a_lookml_search_answer_that_cannot_be_used_is_read_one_by_one(
    emulator: EmulatorServer, faults: FaultConfig
) -> None:
    """LookML dashboards are then read with /dashboards/{id}; nothing fails or changes."""
    clean = run()
    emulator.set_faults(faults)
    emulator.stats.reset()
    assert run() == clean
    fetched = [unquote(r.path) for r in emulator.stats.log() if r.operation == "dashboard"]
    assert fetched == [f"/dashboards/{i}" for i in LOOKML]


def test_faults_give_an_identical_crawl(emulator: EmulatorServer, tmp_path: Path) -> None:
    clean = run()
    save_crawl(clean, tmp_path / "clean.json")
    for seed in (1, 2, 3):
        emulator.set_faults(FaultConfig(fault_rate=0.2, seed=seed))
        emulator.stats.reset()
        faulty = run()
        assert any(r.fault for r in emulator.stats.log())  # faults really happened
        assert faulty == clean
        save_crawl(faulty, tmp_path / f"faulty{seed}.json")
        assert (tmp_path / f"faulty{seed}.json").read_bytes() == (
            tmp_path / "clean.json"
        ).read_bytes()


def test_page_size_does_not_change_the_crawl(emulator: EmulatorServer) -> None:
    assert run(page_size=1) == run(page_size=100)


def test_lookml_dashboard_that_always_fails_is_a_failure(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultConfig(broken_dashboards=frozenset({"shop::stock"})))
    result = run()
    [failure] = result.failures
    assert (failure.kind, failure.id) == ("dashboard", "shop::stock")
    assert "HTTP 500" in failure.reason
    stock = next(d for d in result.dashboards if d.id == "shop::stock")
    assert (stock.title, stock.deleted, stock.tiles) == ("Stock", False, ())
    assert len(result.dashboards) == LIVE + DELETED + 1


def test_a_dashboard_the_search_missed_is_a_failure_not_gone(emulator: EmulatorServer) -> None:
    """Offset paging can skip a row when dashboards come and go; /dashboards still lists it."""
    emulator.set_faults(FaultConfig(search_misses=frozenset({"3"})))
    result = run()
    assert [(f.kind, f.id) for f in result.failures] == [("dashboard", "3")]
    missed = next(d for d in result.dashboards if d.id == "3")
    assert (missed.deleted, missed.tiles) == (False, ())  # listed, so not gone
    assert len(result.dashboards) == LIVE + DELETED + 1


def test_a_broken_dashboard_fails_alone(emulator: EmulatorServer) -> None:
    """Its search page fails; read again one by one, the page's other dashboards are whole."""
    clean = run(page_size=100)
    emulator.set_faults(FaultConfig(broken_dashboards=frozenset({"3"})))
    result = run(page_size=100)
    [failure] = result.failures
    assert (failure.kind, failure.id) == ("dashboard", "3") and "HTTP 500" in failure.reason
    broken = next(d for d in result.dashboards if d.id == "3")
    was = next(d for d in clean.dashboards if d.id == "3")
    assert (broken.title, broken.deleted, broken.tiles) == (was.title, False, ())
    assert [d for d in result.dashboards if d.id != "3"] == [
        d for d in clean.dashboards if d.id != "3"
    ]


def test_merge_that_always_fails_fails_its_dashboard(emulator: EmulatorServer) -> None:
    clean = run()
    merge_id = clean.dashboards[0].tiles[2].merge_result_id
    emulator.set_faults(FaultConfig(always_fail={f"/merge_queries/{merge_id}": "503"}))
    result = run()
    assert [(f.kind, f.id) for f in result.failures] == [("dashboard", "1")]
    assert merge_id not in result.merge_queries
    assert result.dashboards == clean.dashboards  # the record itself is intact


def test_explore_that_always_fails_fails_what_uses_it(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultConfig(always_fail={"/lookml_models/shop/explores/users": "503"}))
    result = run()
    # dashboard 7 merges a query on users; look 2 (standalone) queries it
    assert [(f.kind, f.id) for f in result.failures] == [
        ("dashboard", "7"),
        ("explore", "shop::users"),
        ("look", "2"),
    ]
    assert ("shop", "users") not in result.explores  # unknown, not "no longer exists"


@pytest.mark.parametrize("path", ["/dashboards/search", "/folders", "/users"])
def test_listing_that_keeps_failing_stops_the_crawl(emulator: EmulatorServer, path: str) -> None:
    emulator.set_faults(FaultConfig(always_fail={path: "503"}))
    with pytest.raises(LookerError) as err:
        run(Config(retries=2))
    message = str(err.value)
    assert err.value.exit_code == 3
    assert f"GET {path}" in message and "HTTP 503" in message and "\n" not in message


def test_generated_sql_for_derived_tables(emulator: EmulatorServer) -> None:
    result = run()
    stock = next(d for d in result.dashboards if d.id == "shop::stock")
    query = stock.tiles[0].query
    retired = next(d for d in result.dashboards if d.id == "4").tiles[0].query
    assert query is not None and query.id and retired is not None and retired.id
    emulator.stats.reset()
    failures: list[CrawlFailure] = []
    sql = fetch_generated_sql(client(), [query.id, query.id, retired.id], failures=failures)
    assert list(sql) == [query.id] and "inventory_weeks" in sql[query.id]
    assert [(f.kind, f.id) for f in failures] == [("query", retired.id)]
    assert emulator.stats.counts()["run_query"] == 2  # distinct ids only
    with pytest.raises(NotFound):
        fetch_generated_sql(client(), [retired.id])


def test_generated_sql_that_keeps_failing_raises_without_failure_list(
    emulator: EmulatorServer,
) -> None:
    emulator.set_faults(FaultConfig(always_fail={"/queries/*/run/sql": "500"}))
    with pytest.raises(LookerRequestError, match="HTTP 500"):
        fetch_generated_sql(client(retries=1), ["1"])


def test_snapshot_of_a_real_crawl_round_trips(emulator: EmulatorServer, tmp_path: Path) -> None:
    result = run()
    save_crawl(result, tmp_path / "crawl.json")
    assert load_crawl(tmp_path / "crawl.json") == result


def test_snapshot_holds_no_secret(emulator: EmulatorServer, tmp_path: Path) -> None:
    save_crawl(run(), tmp_path / "crawl.json")
    text = (tmp_path / "crawl.json").read_text(encoding="utf-8")
    assert emulator.client_secret not in text and emulator.client_id not in text
    assert json.loads(text)["base_url"] == emulator.base_url


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(emulator: EmulatorServer) -> None:
    assert isinstance(auto_progress(io.StringIO()), SilentProgress)
    screen = _Terminal()
    bar = auto_progress(screen)
    assert isinstance(bar, TerminalProgress)
    crawl(client(), CONFIG, bar, page_size=2)
    shown = screen.getvalue()
    assert "explores" in shown and "5/5" in shown
    assert shown.endswith("\r\033[K")  # the line is cleared at the end


def test_progress_bar_is_cleared_on_a_fatal_error(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultConfig(always_fail={"/folders": "500"}))
    screen = _Terminal()
    with pytest.raises(LookerError) as err:
        crawl(client(retries=0), CONFIG, TerminalProgress(screen))
    assert "Traceback" not in str(err.value)
    assert screen.getvalue() == "" or screen.getvalue().endswith("\r\033[K")
    assert emulator.client_secret not in "".join(traceback.format_exception(err.value))


def test_users_answer_with_users_not_asked_for_fails_the_run(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Owners would otherwise silently become the default owner."""
    monkeypatch.setattr("exposure_sync.looker.crawl.USER_CHUNK", 1)  # one user per answer
    emulator.set_faults(FaultConfig(mangle={"/users": "bad_text:id"}))
    with pytest.raises(LookerRequestError, match=r"users not asked for: \['\{\{not what"):
        run(replace(CONFIG, retries=0))
