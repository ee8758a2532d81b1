"""401 without or with an expired token, 404 for unknown ids, bad credentials raise in the SDK."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import looker_sdk
import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, Instance
from exposure_sync.looker.emulator.server import DOC_URL

from .conftest import API, login

NOT_FOUND = {"message": "Not found", "documentation_url": DOC_URL}


@pytest.mark.parametrize(
    "header",
    [None, "token nonsense", "Bearer ", "Basic abc"],
    ids=["none", "bad", "empty", "basic"],
)
def test_401_without_a_valid_token(shop_server: EmulatorServer, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    reply = requests.get(f"{shop_server.base_url}{API}/dashboards/1", headers=headers, timeout=10)
    assert reply.status_code == 401
    assert reply.json()["message"] == "Requires authentication."


def test_token_expires(shop: Instance) -> None:
    with EmulatorServer(shop, token_lifetime_s=0.2) as server:
        token = login(server)
        url = f"{server.base_url}{API}/users/1"
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
        server.expire_tokens()
        assert requests.get(url, headers=headers, timeout=10).status_code == 401
        fresh = {"Authorization": f"token {login(server)}"}
        assert requests.get(url, headers=fresh, timeout=10).status_code == 200
        time.sleep(0.3)  # the lifetime passes
        assert requests.get(url, headers=fresh, timeout=10).status_code == 401


UNKNOWN = [
    "/dashboards/999",
    "/dashboards/" + quote("shop::nope"),
    "/dashboards/999/dashboard_elements",
    "/looks/999",
    "/queries/999",
    "/queries/999/run/sql",
    "/queries/13/run/sql",  # a query on a removed explore
    "/merge_queries/nope",
    "/lookml_models/nope",
    "/lookml_models/shop/explores/nope",
    "/lookml_models/shop/explores/customers_base",  # extension: required is not served
    "/folders/999",
    "/users/999",
    "/connections/nope",
    "/no/such/endpoint",
]


@pytest.mark.parametrize("path", UNKNOWN)
def test_404_with_lookers_error_body(api: Callable[..., requests.Response], path: str) -> None:
    reply = api(path)
    assert reply.status_code == 404
    assert reply.json() == NOT_FOUND


def test_removed_explore_query_is_still_served(api: Callable[..., requests.Response]) -> None:
    assert api("/queries/13").json()["view"] == "legacy_orders"


def test_bad_requests_get_400(api: Callable[..., requests.Response]) -> None:
    assert api("/queries/1/run/json").status_code == 400
    assert api("/dashboards/search", fields="id,(title").status_code == 400
    assert api("/dashboards/search", limit="ten").status_code == 400


def test_bad_credentials_raise_in_the_sdk(
    shop_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in shop_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "wrong")
    sdk = looker_sdk.init40()
    with pytest.raises(looker_sdk.error.SDKError, match="Not found"):
        sdk.user("1")


def test_sdk_raises_on_404(
    shop_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in shop_server.env().items():
        monkeypatch.setenv(name, value)
    sdk = looker_sdk.init40()
    with pytest.raises(looker_sdk.error.SDKError) as err:
        sdk.dashboard("999")
    assert err.value.message == "Not found" and err.value.error_doc_url == ""  # no doc download
