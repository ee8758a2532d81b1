"""Synthetic instances: deterministic, valid, and 10,000 dashboards serve paged searches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, Instance, synthetic_instance

from .conftest import API, login


@pytest.fixture(scope="module")
def big() -> Instance:
    return synthetic_instance(dashboards=10_000, explores=40, seed=1)


@pytest.fixture(scope="module")
def big_server(big: Instance) -> Iterator[EmulatorServer]:
    with EmulatorServer(big) as server:
        yield server


def test_same_seed_same_instance() -> None:
    a, b = synthetic_instance(200, 10, seed=5), synthetic_instance(200, 10, seed=5)
    assert a.content.dashboards == b.content.dashboards
    assert a.content.queries == b.content.queries
    assert synthetic_instance(200, 10, seed=6).content.dashboards != a.content.dashboards


def test_realistic_mix(big: Instance) -> None:
    content = big.content
    assert len(content.dashboards) == 10_000
    kinds = Counter(
        "look" if t.look_id else "merge" if t.merge_id else "query" if t.query_id else t.type
        for d in content.dashboards.values()
        for t in d.tiles
    )
    assert set(kinds) == {"query", "look", "merge", "text", "button"}
    assert kinds["query"] > kinds["look"] > kinds["button"]
    assert 0 < sum(d.deleted for d in content.dashboards.values()) < 300
    persistent = [v for v in big.project.models["synthetic"].views if v.startswith("pdt_")]
    assert persistent and len(big.project.models["synthetic"].explores) == 40


def test_paged_search_over_10000_dashboards(big: Instance, big_server: EmulatorServer) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"token {login(big_server)}"
    seen: list[str] = []
    offset = 0
    while True:
        page = session.get(
            f"{big_server.base_url}{API}/dashboards/search",
            params={"fields": "id,title", "limit": 1000, "offset": offset},
            timeout=30,
        ).json()
        seen += [d["id"] for d in page]
        if len(page) < 1000:
            break
        offset += 1000
    live = [d.id for d in big.content.dashboards.values() if not d.deleted]
    assert seen == sorted(live, key=int)
    assert big_server.stats.counts()["search_dashboards"] == len(live) // 1000 + 1
    deleted = session.get(
        f"{big_server.base_url}{API}/dashboards/search",
        params={"fields": "id", "deleted": "true"},
        timeout=30,
    ).json()
    assert len(deleted) + len(live) == 10_000


def test_nested_page_and_generated_sql(big_server: EmulatorServer) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"token {login(big_server)}"
    url = f"{big_server.base_url}{API}"
    spec = "id,dashboard_elements(id,query(id,model,view),merge_result_id)"
    page = session.get(
        f"{url}/dashboards/search", params={"fields": spec, "limit": 50, "offset": 9800}, timeout=30
    ).json()
    assert len(page) == 50
    query_ids = [e["query"]["id"] for d in page for e in d["dashboard_elements"] if e["query"]]
    for qid in query_ids[:20]:
        reply = session.get(f"{url}/queries/{qid}/run/sql", timeout=30)
        assert reply.status_code == 200 and "FROM analytics.fact_" in reply.text
