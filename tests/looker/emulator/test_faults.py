"""Seeded faults: same seed, same failures on every run and whatever the thread scheduling;
latency applied per request; exact counters and log."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import looker_sdk
import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, FaultConfig, Instance

from .conftest import API, login

PATHS = [f"/dashboards/{i}" for i in (1, 2, 3, 4, 6)] + [
    "/looks/1",
    "/users/1",
    "/folders/10",
    "/connections",
    "/lookml_models/shop/explores/orders",
] + [f"/dashboards/search?limit=2&offset={o}" for o in range(0, 12, 2)]  # fmt: skip


def fate(server: EmulatorServer, token: str, path: str) -> int | str:
    try:
        reply = requests.get(
            f"{server.base_url}{API}{path}", headers={"Authorization": f"token {token}"}, timeout=10
        )
    except requests.ConnectionError:
        return "drop"
    return reply.status_code


def run(instance: Instance, config: FaultConfig, order: list[str], workers: int = 1) -> dict:
    """Fates by (path, k), requests sent in `order` by `workers` threads."""
    with EmulatorServer(instance, faults=FaultConfig()) as server:
        token = login(server)
        server.set_faults(config)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: fate(server, token, p), order))
        return {(r.path + "?" + r.query, r.k): (r.fault, r.status) for r in server.stats.log()}


def test_same_seed_same_failures_whatever_the_order(shop: Instance) -> None:
    config = FaultConfig(fault_rate=0.4, seed=7)
    sequential = run(shop, config, PATHS * 3)
    shuffled = PATHS * 3
    random.Random(1).shuffle(shuffled)
    concurrent = run(shop, config, shuffled, workers=8)
    # The k-th request to a URL has the same fate, however the requests interleave.
    assert sequential == concurrent
    faults = [fault for fault, _ in sequential.values()]
    assert {"429", "500", "503", "drop"} <= set(faults) and None in faults
    assert run(shop, FaultConfig(fault_rate=0.4, seed=8), PATHS * 3) != sequential


def test_fault_kinds_answer_as_looker_does(shop: Instance) -> None:
    config = FaultConfig(fault_rate=1.0, seed=3, kinds=("429",), retry_after_s=7)
    with EmulatorServer(shop, faults=FaultConfig(exempt=frozenset({"login"}))) as server:
        token = login(server)
        server.set_faults(config)
        reply = requests.get(f"{server.base_url}{API}/users/1", timeout=10)
        assert reply.status_code == 429 and reply.headers["Retry-After"] == "7"
        assert reply.json()["message"] == "Too Many Requests"
        server.set_faults(FaultConfig(fault_rate=1.0, kinds=("503",)))
        assert fate(server, token, "/users/1") == 503
        server.set_faults(FaultConfig(fault_rate=1.0, kinds=("drop",)))
        assert fate(server, token, "/users/1") == "drop"
        server.set_faults(FaultConfig(fault_rate=1.0, kinds=("500",), exempt=frozenset({"user"})))
        assert fate(server, token, "/users/1") == 200


def test_always_fail_by_path_glob(shop: Instance) -> None:
    with EmulatorServer(shop) as server:
        token = login(server)
        server.set_faults(FaultConfig(always_fail={"/dashboards/2": "500", "/folders/*": "drop"}))
        assert [fate(server, token, "/dashboards/2") for _ in range(3)] == [500, 500, 500]
        assert fate(server, token, "/folders/10") == "drop"
        assert fate(server, token, "/dashboards/1") == 200


def test_latency_is_applied_to_every_request(shop: Instance) -> None:
    with EmulatorServer(shop, faults=FaultConfig(latency_ms=60)) as server:
        token = login(server)
        for path in ("/users/1", "/dashboards/1", "/connections"):
            start = time.monotonic()
            assert fate(server, token, path) == 200
            assert time.monotonic() - start >= 0.06
        assert all(r.duration_ms >= 60 for r in server.stats.log())


def test_counters_and_log_are_exact(shop: Instance) -> None:
    config = FaultConfig(fault_rate=0.5, seed=11, exempt=frozenset({"login"}))
    with EmulatorServer(shop, faults=config) as server:
        token = login(server)
        paths = ["/dashboards/1"] * 7 + ["/dashboards/search?limit=1"] * 5 + ["/users/2"] * 3
        with ThreadPoolExecutor(6) as pool:
            fates = list(pool.map(lambda p: fate(server, token, p), paths))
        assert server.stats.counts() == {
            "login": 1,
            "dashboard": 7,
            "search_dashboards": 5,
            "user": 3,
        }
        log = server.stats.log()
        assert server.stats.total() == len(log) == 16
        served = sorted(str(r.status or "drop") for r in log[1:])
        assert served == sorted(map(str, fates))
        assert sorted(r.k for r in log if r.path == "/dashboards/1") == list(range(7))
        assert {r.fault for r in log[1:]} > {None}  # some failed, and were counted
        server.stats.reset()
        assert server.stats.counts() == {} and server.stats.log() == []


def test_sdk_raises_on_a_dropped_connection(
    shop: Instance, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with EmulatorServer(shop) as server:
        monkeypatch.chdir(tmp_path)
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        sdk = looker_sdk.init40()
        server.set_faults(FaultConfig(always_fail={"/users/1": "drop"}))
        with pytest.raises(looker_sdk.error.SDKError):
            sdk.user("1")
        assert sdk.user("2").id == "2"  # the server carries on


def test_bad_fault_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="fault_rate"):
        FaultConfig(fault_rate=1.5)
    with pytest.raises(ValueError, match="kinds"):
        FaultConfig(kinds=("418",))


def test_broken_dashboards_fail_where_their_tiles_are_served(shop: Instance) -> None:
    broken = frozenset({"3", "shop::shop_overview"})
    with EmulatorServer(shop, faults=FaultConfig(broken_dashboards=broken)) as server:
        token = login(server)

        def get(path: str, **params: str | int) -> requests.Response:
            url = f"{server.base_url}{API}{path}"
            return requests.get(url, params=params, headers={"Authorization": f"token {token}"})

        # one bad tile: Looker cannot serialize the dashboard, whatever the fields asked for
        assert get("/dashboards/3").status_code == 500
        assert get("/dashboards/3", fields="id,title").status_code == 500
        assert get("/dashboards/shop%3A%3Ashop_overview").status_code == 500
        assert get("/dashboards/2").status_code == 200
        assert get("/dashboards/999").status_code == 404  # unknown stays unknown

        search, lookml = "/dashboards/search", "/dashboards/lookml/search"
        # a page fails when it returns a broken dashboard with its elements...
        assert get(search).status_code == 500
        assert get(search, limit=2, offset=2).status_code == 500  # rows 3 and 4
        assert get(search, fields="id,dashboard_elements(id)").status_code == 500
        assert get(lookml).status_code == 500
        assert get(lookml, fields="id,dashboard_elements(result_maker)").status_code == 500
        # ...and is served without them, or when no broken dashboard is among its rows
        light = get(search, limit=2, offset=2, fields="id,title")
        assert [d["id"] for d in light.json()] == ["3", "4"]
        assert [d["id"] for d in get(lookml, fields="id,title").json()] == ["shop::shop_overview"]
        assert get(search, limit=2, fields="id,dashboard_elements").status_code == 200
        assert get(search, title="Customers").status_code == 200
        assert get(search, limit=2, offset=2).json()["message"] == "Internal Server Error"

        # logged and counted as faults, the same way every time
        log = server.stats.log()[1:]  # after the login
        assert [(r.operation, r.status, r.fault) for r in log if r.status == 500] == [
            ("dashboard", 500, "500"),
            ("dashboard", 500, "500"),
            ("dashboard", 500, "500"),
            ("search_dashboards", 500, "500"),
            ("search_dashboards", 500, "500"),
            ("search_dashboards", 500, "500"),
            ("search_lookml_dashboards", 500, "500"),
            ("search_lookml_dashboards", 500, "500"),
            ("search_dashboards", 500, "500"),
        ]
        assert all(r.fault is None for r in log if r.status != 500)
        assert server.stats.counts() == {
            "login": 1,
            "dashboard": 5,
            "search_dashboards": 7,
            "search_lookml_dashboards": 3,
        }


def test_broken_dashboards_need_a_token_first(shop: Instance) -> None:
    faults = FaultConfig(broken_dashboards=frozenset({"1"}))
    with EmulatorServer(shop, faults=faults) as server:
        assert requests.get(f"{server.base_url}{API}/dashboards/1", timeout=10).status_code == 401
        assert server.stats.log()[0].fault is None
