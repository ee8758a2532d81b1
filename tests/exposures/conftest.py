"""Shared records and fixture data for the exposures tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exposure_sync.looker.models import Dashboard, Folder, User

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exposures"


def load_fixture(name: str):
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


FOLDERS = {
    "1": Folder("1", "Shared", None),
    "2": Folder("2", "Users", None),
    "10": Folder("10", "Marketing", "1"),
    "11": Folder("11", "Funnels", "10"),
    "20": Folder("20", "Anique Jones", "2", is_personal=True),
    "lookml": Folder("lookml", "LookML Dashboards", None),
}
USERS = {
    "1": User("1", "Anique Jones", "anique@greenery.example"),
    "2": User("2", "Gone Person", "gone@greenery.example", is_disabled=True),
    "3": User("3", "No Email", None),
    "4": User("4", None, None),
}


@pytest.fixture
def folders() -> dict[str, Folder]:
    return dict(FOLDERS)


@pytest.fixture
def users() -> dict[str, User]:
    return dict(USERS)


def dashboard(id: str = "1", title: str = "Product funnel", **kwargs) -> Dashboard:
    kwargs.setdefault("folder_id", "11")
    kwargs.setdefault("user_id", "1")
    return Dashboard(id=id, title=title, **kwargs)
