"""Fixtures for the emulator's tests: the shop test instance served on a free port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exposure_sync.looker.emulator import EmulatorServer, Instance, load_instance

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "emulator"
SHOP = FIXTURES / "shop"
API = "/api/4.0"


@pytest.fixture(scope="session")
def shop() -> Instance:
    return load_instance(SHOP)


@pytest.fixture(scope="session")
def shop_server(shop: Instance) -> Iterator[EmulatorServer]:
    """One server for every read-only test; tests that mutate content or faults start their own."""
    with EmulatorServer(shop) as server:
        yield server


@pytest.fixture(scope="session")
def token(shop_server: EmulatorServer) -> str:
    return login(shop_server)


def login(server: EmulatorServer) -> str:
    reply = requests.post(
        f"{server.base_url}{API}/login",
        data={"client_id": server.client_id, "client_secret": server.client_secret},
        timeout=10,
    )
    reply.raise_for_status()
    return reply.json()["access_token"]


@pytest.fixture(scope="session")
def api(shop_server: EmulatorServer, token: str) -> Callable[..., requests.Response]:
    """GET a path under /api/4.0 with a valid token: api("/dashboards/1", fields="id")."""
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"

    def get(path: str, **params: Any) -> requests.Response:
        return session.get(f"{shop_server.base_url}{API}{path}", params=params, timeout=10)

    return get
