"""looker-sdk, configured only by LOOKERSDK_* variables, against a running emulator."""

from __future__ import annotations

from pathlib import Path

import looker_sdk
import pytest
from looker_sdk import models40 as models
from looker_sdk.sdk.api40.methods import Looker40SDK

from exposure_sync.looker.emulator import EmulatorServer


@pytest.fixture
def sdk(
    shop_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Looker40SDK:
    monkeypatch.chdir(tmp_path)  # no looker.ini: the environment is the only configuration
    for name in ("LOOKERSDK_TIMEOUT", "LOOKERSDK_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in shop_server.env().items():
        monkeypatch.setenv(name, value)
    return looker_sdk.init40()


def test_dashboards(sdk: Looker40SDK) -> None:
    listed = sdk.all_dashboards()
    assert all(isinstance(d, models.DashboardBase) for d in listed)
    assert [d.id for d in listed] == ["1", "2", "3", "4", "6", "shop::shop_overview"]

    found = sdk.search_dashboards(title="Sales overview", fields="id,title,folder(id,name)")
    assert [(d.id, d.title, d.folder.name) for d in found] == [
        ("1", "Sales overview", "Sales"),
        ("3", "Sales overview", "Ada Lovelace"),
    ]
    assert [d.id for d in sdk.search_dashboards(deleted=True)] == ["5"]

    dash = sdk.dashboard("1")
    assert isinstance(dash, models.Dashboard)
    assert dash.certification_metadata.certification_status == models.CertificationStatus.certified
    assert dash.user_name == "Ada Lovelace" and dash.view_count == 120
    assert "{{ _user_attributes['team'] }}" in dash.description  # served as written
    kinds = [
        (e.type, bool(e.query), e.look_id, bool(e.merge_result_id)) for e in dash.dashboard_elements
    ]
    assert kinds == [("vis", True, None, False), ("vis", False, "1", False),
                     ("vis", False, None, True), ("text", False, None, False)]  # fmt: skip

    elements = sdk.dashboard_dashboard_elements("1")
    assert all(isinstance(e, models.DashboardElement) for e in elements)
    assert elements[1].look.query.view == "orders"
    assert elements[3].body_text == "Numbers are **gross**." and elements[3].title_text == "Read me"


def test_lookml_dashboard_by_model_id(sdk: Looker40SDK) -> None:
    dash = sdk.dashboard("shop::shop_overview")
    assert dash.readonly and dash.folder.id == "lookml" and dash.model.id == "shop"
    assert [e.type for e in dash.dashboard_elements] == ["vis", "text", "vis"]


def test_result_maker_filterables(sdk: Looker40SDK) -> None:
    query_tile, look_tile, merged, text = sdk.dashboard("1").dashboard_elements
    assert [(f.model, f.view, f.name, f.listen) for f in query_tile.result_maker.filterables] == [
        ("shop", "orders", "Orders by status", [])
    ]
    # one per source query, in source order, named as the merge query names its sources
    sources = sdk.merge_query(merged.merge_result_id).source_queries
    assert [(f.model, f.view, f.name) for f in merged.result_maker.filterables] == [
        ("shop", "orders", sources[0].name),
        ("shop", "inventory", sources[1].name),
    ]
    assert sources[0].name != sources[1].name
    assert merged.result_maker.merge_result_id == merged.merge_result_id
    assert look_tile.result_maker is None and text.result_maker is None  # unchanged

    lookml = sdk.dashboard("shop::shop_overview").dashboard_elements
    assert [[f.view for f in e.result_maker.filterables] for e in (lookml[0], lookml[2])] == [
        ["orders"],
        ["orders", "inventory"],
    ]


def test_search_lookml_dashboards(sdk: Looker40SDK) -> None:
    found = sdk.search_lookml_dashboards()
    assert all(isinstance(d, models.Dashboard) for d in found)
    assert [d.id for d in found] == ["shop::shop_overview"]
    assert found[0] == sdk.dashboard("shop::shop_overview")  # the same full dashboard
    assert [e.type for e in found[0].dashboard_elements] == ["vis", "text", "vis"]
    light = sdk.search_lookml_dashboards(folder_id="lookml", fields="id,title")
    assert [(d.id, d.title, d.dashboard_elements) for d in light] == [
        ("shop::shop_overview", "Shop overview", None)
    ]
    assert sdk.search_lookml_dashboards(folder_id="10") == []


def test_looks_queries_and_merges(sdk: Looker40SDK) -> None:
    assert [lk.id for lk in sdk.all_looks()] == ["1", "2"]
    assert [lk.id for lk in sdk.search_looks(deleted=True)] == ["3"]
    look = sdk.look("1")
    assert isinstance(look, models.LookWithQuery)
    assert look.query.filters == {"orders.status": "shipped"}

    query = sdk.query(look.query_id)
    assert isinstance(query, models.Query)
    assert (query.model, query.view, query.sorts) == ("shop", "orders", ["orders.count desc"])

    sql = sdk.run_query(look.query_id, "sql")
    assert isinstance(sql, str) and 'FROM "ANALYTICS"."Fact_Orders" AS orders' in sql

    merge_id = sdk.dashboard("1").dashboard_elements[2].merge_result_id
    merge = sdk.merge_query(merge_id)
    assert isinstance(merge, models.MergeQuery)
    views = [sdk.query(s.query_id).view for s in merge.source_queries]
    assert views == ["orders", "inventory"]


def test_lookml_models_and_explores(sdk: Looker40SDK) -> None:
    names = [m.name for m in sdk.all_lookml_models()]
    assert names == ["shop", "warehouse"]
    shop = sdk.lookml_model("shop")
    assert isinstance(shop, models.LookmlModel)
    assert "customers_base" not in [e.name for e in shop.explores]  # extension: required

    explore = sdk.lookml_model_explore("shop", "orders")
    assert isinstance(explore, models.LookmlModelExplore)
    assert (explore.connection_name, explore.dialect_name) == ("shop_duckdb", "duckdb")
    customers = explore.joins[0]
    assert (customers.name, customers.from_, customers.sql_on) == (
        "customers",
        "users",
        "${orders.user_id} = ${customers.id}",
    )
    email = next(f for f in explore.fields.dimensions if f.name == "customers.email")
    assert (email.view, email.original_view, email.sql) == ("customers", "users", "${TABLE}.email")


def test_folders_users_connections(sdk: Looker40SDK) -> None:
    folders = {f.id: f for f in sdk.all_folders()}
    assert {"1", "2", "lookml", "10", "11", "20", "21"} == set(folders)
    assert folders["20"].is_personal and folders["21"].is_personal_descendant
    folder = sdk.folder("10")
    assert isinstance(folder, models.Folder)
    assert [d.id for d in folder.dashboards] == ["1"]  # the deleted one is not listed

    users = sdk.all_users(ids=models.DelimSequence(["1", "4"]))
    assert [(u.id, u.display_name, u.email) for u in users] == [
        ("1", "Ada Lovelace", "ada@shop.example"),
        ("4", "No Email", None),
    ]
    user = sdk.user("3")
    assert isinstance(user, models.User) and user.is_disabled
    assert sdk.user("1").personal_folder_id == "20"

    assert [c.name for c in sdk.all_connections()] == ["shop_duckdb", "shop_snowflake"]
    snow = sdk.connection("shop_snowflake")
    assert isinstance(snow, models.DBConnection)
    assert (snow.dialect.name, snow.database, snow.schema) == ("snowflake", "SHOP", "ANALYTICS")


def test_login_and_session_logout(sdk: Looker40SDK, shop_server: EmulatorServer) -> None:
    before = shop_server.stats.counts()
    sdk.user("1")  # the first call logs in
    sdk.auth.logout()  # DELETE /api/logout
    sdk.user("1")  # logs in again
    after = shop_server.stats.counts()
    assert after["login"] == before.get("login", 0) + 2
    assert after["logout"] == before.get("logout", 0) + 1


def test_logout_method_revokes_the_token(sdk: Looker40SDK) -> None:
    sdk.user("1")
    sdk.logout()  # the API method: the SDK does not know its token is gone
    with pytest.raises(looker_sdk.error.SDKError, match="Requires authentication"):
        sdk.user("1")
