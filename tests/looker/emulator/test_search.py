"""Search semantics: wildcards, comma lists, deleted, paging, sorting, filter_or; the LookML
dashboard search; nested `fields=`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, load_instance

from .conftest import API, SHOP, login


def ids(reply: requests.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [item["id"] for item in reply.json()]


def test_search_lists_user_defined_dashboards_only(api: Callable) -> None:
    assert ids(api("/dashboards/search")) == ["1", "2", "3", "4", "6"]
    assert "shop::shop_overview" in ids(api("/dashboards"))
    assert "5" not in ids(api("/dashboards"))


def test_title_matching(api: Callable) -> None:
    assert ids(api("/dashboards/search", title="sales overview")) == ["1", "3"]
    assert ids(api("/dashboards/search", title="Sales")) == []  # no wildcard: whole title
    assert ids(api("/dashboards/search", title="%OVER%")) == ["1", "3"]
    assert ids(api("/dashboards/search", title="Cust_mers")) == ["2"]
    assert ids(api("/dashboards/search", title="Plantes 🌱%")) == ["4"]


def test_ids_deleted_and_filter_or(api: Callable) -> None:
    assert ids(api("/dashboards/search", folder_id="10,11")) == ["1", "2"]
    assert ids(api("/dashboards/search", user_id="1")) == ["1", "3", "4"]
    assert ids(api("/dashboards/search", deleted="true")) == ["5"]
    assert ids(api("/dashboards/search", folder_id="10", deleted="true")) == ["5"]
    assert ids(api("/dashboards/search", folder_id="11", user_id="1", filter_or="true")) == [
        "1",
        "2",
        "3",
        "4",
    ]
    assert ids(api("/looks/search", title="%look%", deleted="true")) == ["3"]
    assert ids(api("/looks/search", folder_id="10")) == ["1"]


def test_paging_and_sorting(api: Callable) -> None:
    assert ids(api("/dashboards/search", limit=2)) == ["1", "2"]
    assert ids(api("/dashboards/search", limit=2, offset=2)) == ["3", "4"]
    assert ids(api("/dashboards/search", limit=2, offset=4)) == ["6"]
    assert ids(api("/dashboards/search", offset=10)) == []
    assert ids(api("/dashboards/search", per_page=2, page=2)) == ["3", "4"]
    assert ids(api("/dashboards/search", sorts="id desc")) == ["6", "4", "3", "2", "1"]
    assert ids(api("/dashboards/search", sorts="title, id desc")) == ["2", "6", "4", "3", "1"]


def test_users_and_models(api: Callable) -> None:
    assert ids(api("/users", ids="4,2")) == ["2", "4"]
    assert ids(api("/users", limit=1, offset=1)) == ["2"]
    assert [m["name"] for m in api("/lookml_models", limit=1, offset=1).json()] == ["warehouse"]


RESULT_MAKERS = "dashboard_elements(result_maker(merge_result_id,filterables(model,view)))"


def test_filterables_through_nested_fields(api: Callable) -> None:
    merge_id = api("/dashboards/1").json()["dashboard_elements"][2]["merge_result_id"]
    expected = {
        "dashboard_elements": [
            {"result_maker": {"merge_result_id": None,
                              "filterables": [{"model": "shop", "view": "orders"}]}},
            {"result_maker": None},  # a look tile has none
            {"result_maker": {"merge_result_id": merge_id,
                              "filterables": [{"model": "shop", "view": "orders"},
                                              {"model": "shop", "view": "inventory"}]}},
            {"result_maker": None},
        ]
    }  # fmt: skip
    assert api("/dashboards/1", fields=RESULT_MAKERS).json() == expected
    assert api("/dashboards/search", id="1", fields=RESULT_MAKERS).json() == [expected]
    lookml = api("/dashboards/lookml/search", fields=f"id,{RESULT_MAKERS}").json()
    assert [e["result_maker"] and e["result_maker"]["filterables"]
            for e in lookml[0]["dashboard_elements"]] == [
        [{"model": "shop", "view": "orders"}],
        None,  # text
        [{"model": "shop", "view": "orders"}, {"model": "shop", "view": "inventory"}],
    ]  # fmt: skip


def test_lookml_search_is_its_own_route(api: Callable, shop_server: EmulatorServer) -> None:
    before = shop_server.stats.counts()
    found = api("/dashboards/lookml/search")
    assert ids(found) == ["shop::shop_overview"]
    assert found.json()[0] == api("/dashboards/" + quote("shop::shop_overview")).json()
    assert api("/dashboards/lookml").status_code == 404  # the folder id is not a dashboard
    assert api("/dashboards/lookml%2Fsearch").status_code == 404  # one segment: an id
    after = shop_server.stats.counts()
    assert after["search_lookml_dashboards"] == before.get("search_lookml_dashboards", 0) + 1
    assert after["dashboard"] == before.get("dashboard", 0) + 3


@pytest.fixture(scope="module")
def greenery_api() -> Iterator[Callable[..., requests.Response]]:
    with EmulatorServer(load_instance()) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"token {login(server)}"
        yield lambda path, **params: session.get(
            f"{server.base_url}{API}{path}", params=params, timeout=10
        )


def test_lookml_search_semantics(greenery_api: Callable) -> None:
    def lookml(**params: str | int) -> list[str]:
        return ids(greenery_api("/dashboards/lookml/search", **params))

    funnel, inventory = "greenery::funnel_overview", "greenery::inventory_overview"
    assert lookml() == [funnel, inventory]  # id order; no user-defined dashboard
    # `title` is the LookML dashboard name, matched as the other searches match strings
    assert lookml(title="FUNNEL_overview") == [funnel]
    assert lookml(title="%_OVERVIEW") == [funnel, inventory]
    assert lookml(title="Funnel overview") == []  # the display title is not what is matched
    assert lookml(title="inventory") == []  # no wildcard: the whole name
    assert lookml(folder_id="lookml") == [funnel, inventory]
    assert lookml(folder_id="10,11") == []
    assert lookml(sorts="title desc") == [inventory, funnel]
    assert lookml(limit=1) == [funnel]
    assert lookml(limit=1, offset=1) == [inventory]
    assert lookml(offset=2) == []
    light = greenery_api("/dashboards/lookml/search", fields="id,title", limit=1).json()
    assert light == [{"id": funnel, "title": "Funnel overview"}]


def test_lookml_search_never_lists_deleted_dashboards() -> None:
    with EmulatorServer(load_instance(SHOP)) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"token {login(server)}"
        url = f"{server.base_url}{API}/dashboards/lookml/search"
        assert ids(session.get(url, timeout=10)) == ["shop::shop_overview"]
        server.update_dashboard("shop::shop_overview", deleted=True)
        assert ids(session.get(url, timeout=10)) == []
        assert ids(session.get(url, params={"deleted": "true"}, timeout=10)) == []
