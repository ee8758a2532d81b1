from __future__ import annotations

import pytest

from exposure_sync.config import Config, MaturityRule
from exposure_sync.config import Owner as ConfigOwner
from exposure_sync.exposures.build import (
    build_entry,
    build_look_entry,
    choose_maturity,
    choose_owner,
    default_web_url,
    describe,
    folder_matches,
    folder_path,
)
from exposure_sync.exposures.entry import Owner
from exposure_sync.looker.models import Folder, Look, Query, User

from .conftest import FOLDERS, USERS, dashboard

WEB = "https://looker.example.com"


def test_folder_paths():
    assert folder_path("11", FOLDERS) == "Shared/Marketing/Funnels"
    assert folder_path("20", FOLDERS) == "Users/Anique Jones"
    assert folder_path("lookml", FOLDERS) == "LookML Dashboards"
    assert folder_path(None, FOLDERS) == ""
    assert folder_path("missing", FOLDERS) == ""


def test_folder_path_survives_a_cycle():
    folders = {"a": Folder("a", "A", "b"), "b": Folder("b", "B", "a")}
    assert folder_path("a", folders) == "B/A"


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("Shared/Marketing/**", "Shared/Marketing", True),
        ("Shared/Marketing/**", "Shared/Marketing/Funnels/Deep", True),
        ("Shared/Marketing/**", "Shared/Marketing Team", False),
        ("Shared/*", "Shared/Marketing", True),
        ("Shared/*", "Shared/Marketing/Funnels", False),
        ("**/Funnels", "Shared/Marketing/Funnels", True),
        ("Shared/**/Funnels", "Shared/Funnels", True),
        ("**", "anything/at/all", True),
        ("Users/*", "Users/Anique Jones", True),
        ("Shared/Mark?ting", "Shared/Marketing", True),
        ("Shared/[x]", "Shared/[x]", True),
    ],
)
def test_folder_globs(pattern, path, expected):
    assert folder_matches(pattern, path) is expected


def test_owner_rules():
    default = ConfigOwner("Data team", "data@greenery.example")
    assert choose_owner("1", USERS, default) == Owner("Anique Jones", "anique@greenery.example")
    assert choose_owner("2", USERS, default) == Owner("Data team", "data@greenery.example")
    assert choose_owner("3", USERS, default) == Owner("No Email", None)
    assert choose_owner("4", USERS, default) == Owner("Data team", "data@greenery.example")
    assert choose_owner("99", USERS, default) == Owner("Data team", "data@greenery.example")
    assert choose_owner(None, USERS, default) == Owner("Data team", "data@greenery.example")
    assert choose_owner(None, USERS, ConfigOwner(None, None)) == Owner("Looker", None)


def test_owner_text_is_trimmed_and_jinja_safe():
    """dbt renders Jinja in the owner's email too; a blank name is no name."""
    users = {
        "7": User("7", "   ", "o{{k}}{%x%}@x.example"),
        "8": User("8", "  ", "  "),
    }
    default = ConfigOwner("Data team", None)
    assert choose_owner("7", users, default) == Owner(
        None, "{% raw %}o{{k}}{%x%}@x.example{% endraw %}"
    )
    assert choose_owner("8", users, default) == Owner("Data team", None)


def test_folder_path_starts_below_a_hidden_folder():
    folders = {**FOLDERS, "h": Folder("h", "", None, hidden=True), "c": Folder("c", "Child", "h")}
    assert folder_path("c", folders) == "Child"


def test_maturity_first_matching_rule_wins():
    rules = (
        MaturityRule("high", certified=True),
        MaturityRule("high", folder="Shared/Executive/**"),
        MaturityRule("medium", min_views=100),
        MaturityRule("low", folder="Users/**"),
    )

    def pick(certified=False, path="Shared/Marketing", views=None):
        return choose_maturity(rules, certified=certified, path=path, view_count=views)

    assert pick(certified=True, path="Users/X") == "high"
    assert pick(path="Shared/Executive/Board") == "high"
    assert pick(views=100) == "medium"
    assert pick(views=None) == "low"  # no rule matches: the fallback
    assert pick(path="Users/Anique Jones", views=5) == "low"


def test_maturity_rule_with_every_condition():
    rule = MaturityRule("high", certified=True, folder="Shared/**", min_views=10)
    assert choose_maturity([rule], certified=True, path="Shared/A", view_count=10) == "high"
    assert choose_maturity([rule], certified=True, path="Users/A", view_count=10) == "low"
    assert choose_maturity([rule], certified=False, path="Shared/A", view_count=10) == "low"


def test_describe():
    assert describe("  Funnel.\r\nBy week.  \n", "Shared/Marketing") == (
        "Funnel.\nBy week.\n\nLooker folder: Shared/Marketing"
    )
    assert describe(None, "Shared") == "Looker folder: Shared"
    assert describe("", "") == ""
    assert describe("{{ x }}", "Shared").startswith("{% raw %}")


def test_build_entry_for_a_dashboard():
    board = dashboard(
        "1",
        " Product funnel ",
        description="Sessions by step.",
        certified=True,
        view_count=1234,
    )
    config = Config(tags=("marketing", "looker", "b2b"))
    entry = build_entry(
        board, ["ref('b')", "ref('a')", "ref('b')"], FOLDERS, USERS, config, WEB + "/", name="pf"
    )
    assert entry.name == "pf"
    assert entry.label == "Product funnel"
    assert entry.type == "dashboard"
    assert entry.url == "https://looker.example.com/dashboards/1"
    assert entry.owner == Owner("Anique Jones", "anique@greenery.example")
    assert entry.maturity == "high"
    assert entry.description == "Sessions by step.\n\nLooker folder: Shared/Marketing/Funnels"
    assert entry.depends_on == ("ref('a')", "ref('b')")
    assert entry.tags == ("b2b", "looker", "marketing")
    assert entry.meta == {
        "looker_dashboard_id": "1",
        "looker_folder": "Shared/Marketing/Funnels",
        "looker_folder_id": "11",
        "generated_by": "exposure-sync",
    }
    assert "1234" not in repr(entry)  # view counts never reach the file


def test_view_count_changes_do_not_change_the_entry():
    one = build_entry(dashboard(view_count=1), [], FOLDERS, USERS, Config(), WEB, name="x")
    two = build_entry(dashboard(view_count=999), [], FOLDERS, USERS, Config(), WEB, name="x")
    assert one == two and one.meta == two.meta


def test_lookml_dashboard_url_keeps_its_id():
    board = dashboard("greenery::funnel", "Funnel", folder_id="lookml", user_id=None)
    entry = build_entry(board, [], FOLDERS, USERS, Config(), WEB, name="f")
    assert entry.url == "https://looker.example.com/dashboards/greenery::funnel"
    assert entry.owner == Owner("Looker", None)
    assert entry.meta["looker_folder"] == "LookML Dashboards"


def test_a_dashboard_without_a_folder_still_has_its_folder_in_meta():
    """PRODUCT.md: meta holds at least the dashboard id and folder; with no folder, ''."""
    entry = build_entry(dashboard(folder_id=None), [], FOLDERS, USERS, Config(), WEB, name="x")
    assert entry.meta == {
        "looker_dashboard_id": "1",
        "looker_folder": "",
        "generated_by": "exposure-sync",
    }
    assert "Looker folder" not in entry.description


def test_look_entry():
    look = Look(
        "7", "Weekly orders", Query(None, "greenery", "orders"), folder_id="10", user_id="1"
    )
    entry = build_look_entry(look, ["ref('fact_orders')"], FOLDERS, USERS, Config(), WEB, name="w")
    assert entry.type == "analysis"
    assert entry.url == "https://looker.example.com/looks/7"
    assert entry.maturity == "medium"
    assert entry.meta["looker_look_id"] == "7" and "looker_dashboard_id" not in entry.meta


def test_titles_and_folders_are_jinja_safe():
    folders = {**FOLDERS, "x": Folder("x", "{{ team }}", "1")}
    board = dashboard(title="By {{ region }}", folder_id="x")
    entry = build_entry(board, [], folders, USERS, Config(), WEB, name="x")
    assert entry.label == "{% raw %}By {{ region }}{% endraw %}"
    assert entry.meta["looker_folder"] == "{% raw %}Shared/{{ team }}{% endraw %}"


@pytest.mark.parametrize(
    "api, web",
    [
        ("https://acme.looker.com:19999", "https://acme.looker.com"),
        ("https://acme.looker.com:19999/api/4.0", "https://acme.looker.com"),
        ("https://acme.looker.com/api/4.0/", "https://acme.looker.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_default_web_url(api, web):
    assert default_web_url(api) == web
