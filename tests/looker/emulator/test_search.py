"""Search semantics: wildcards, comma lists, deleted, paging, sorting, filter_or."""

from __future__ import annotations

from collections.abc import Callable

import requests


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
