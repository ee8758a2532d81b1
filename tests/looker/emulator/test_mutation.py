"""Changing a running emulator's dashboards (for tests of add / rename / delete)."""

from __future__ import annotations

import pytest
import requests

from exposure_sync.errors import BadInputError
from exposure_sync.looker.emulator import EmulatorServer, load_instance

from .conftest import API, SHOP, login


def test_add_rename_delete() -> None:
    with EmulatorServer(load_instance(SHOP)) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"token {login(server)}"

        def titles(**params: str) -> dict[str, str]:
            reply = session.get(f"{server.base_url}{API}/dashboards/search", params=params)
            return {d["id"]: d["title"] for d in reply.json()}

        new_id = server.add_dashboard(
            {
                "id": 42,
                "title": "New",
                "folder_id": "10",
                "user_id": 2,
                "tiles": [{"title": "T", "query": {"model": "shop", "view": "orders",
                                                   "fields": ["orders.count"]}}],
            }
        )  # fmt: skip
        assert new_id == "42" and titles()["42"] == "New"
        tile = session.get(f"{server.base_url}{API}/dashboards/42").json()["dashboard_elements"][0]
        assert int(tile["query_id"]) > 16  # ids continue after the instance's own
        server.update_dashboard("2", title="Customers (renamed)")
        assert titles()["2"] == "Customers (renamed)"
        server.delete_dashboard("3")
        assert "3" not in titles() and "3" in titles(deleted="true")
        server.delete_dashboard("42", hard=True)
        assert session.get(f"{server.base_url}{API}/dashboards/42").status_code == 404
        with pytest.raises(AttributeError):
            server.update_dashboard("1", nonsense=True)
        with pytest.raises(BadInputError, match="duplicate id"):
            server.add_dashboard({"id": "1", "title": "Again"})


def test_an_untitled_query_tile_has_an_unnamed_filterable() -> None:
    with EmulatorServer(load_instance(SHOP)) as server:
        query = {"model": "shop", "view": "customers", "fields": ["users.count"]}
        tiles = [{"query": query}, {"title": "Named", "query": query}]
        server.add_dashboard({"id": 43, "title": "Untitled tiles", "tiles": tiles})
        reply = requests.get(
            f"{server.base_url}{API}/dashboards/43",
            headers={"Authorization": f"token {login(server)}"},
            timeout=10,
        )
        assert [e["result_maker"]["filterables"] for e in reply.json()["dashboard_elements"]] == [
            [{"model": "shop", "view": "customers", "name": None, "listen": []}],
            [{"model": "shop", "view": "customers", "name": "Named", "listen": []}],
        ]
