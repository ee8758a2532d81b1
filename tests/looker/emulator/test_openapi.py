"""Every served endpoint's real responses validate against Looker.4.0.oas.json (vendored, MIT).

Stricter than the spec itself: every component schema is closed (`additionalProperties: false`),
so a misspelt or invented key fails too. `type: any` (not valid OpenAPI 3.0, used by the spec for
free-form values) is dropped before validating.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from exposure_sync.looker.emulator import EmulatorServer, Instance, load_instance

from .conftest import API, login

SPEC = Path(__file__).resolve().parents[2] / "fixtures" / "looker-api" / "Looker.4.0.oas.json"
URN = "urn:looker-4.0"


def _tighten(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _tighten(v) for k, v in node.items() if not (k == "type" and v == "any")}
        if "properties" in node:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(node, list):
        return [_tighten(v) for v in node]
    return node


@cache
def _spec() -> tuple[dict[str, Any], Registry]:
    spec = _tighten(json.loads(SPEC.read_text(encoding="utf-8")))
    resource = Resource.from_contents(spec, default_specification=DRAFT4)
    return spec, Registry().with_resource(URN, resource)


# Where the spec is wrong about what Looker serves, the schema Looker's answers do follow.
# search_lookml_dashboards: the spec declares one `DashboardLookml` ({dashboard_id, lookml}), but
# the API answers an array of Dashboard objects, as looker-sdk's generated method declares
# (looker-open-source/sdk-codegen issue #1656).
SPEC_FIXES = {
    ("/dashboards/lookml/search", "get", "200"): {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Dashboard"},
    },
}


def check(template: str, method: str, reply: requests.Response) -> None:
    """Validate `reply` against the spec's schema for that operation and status."""
    spec, registry = _spec()
    responses = spec["paths"][template][method.lower()]["responses"]
    status = str(reply.status_code)
    if (template, method.lower(), status) in SPEC_FIXES:
        schema = SPEC_FIXES[template, method.lower(), status]
    elif status in ("401", "500", "503") and status not in responses:
        schema = {"$ref": "#/components/schemas/Error"}  # not listed per operation; same body
    else:
        assert status in responses, f"{method} {template}: status {status} not in the spec"
        content = responses[status].get("content")
        if status == "204" or content is None:  # the spec gives 204 a string schema; no body
            assert reply.content == b"", f"{method} {template}: {status} must have no body"
            return
        kind = "application/json" if "json" in reply.headers["Content-Type"] else "text"
        schema = content[kind]["schema"]
    schema = json.loads(json.dumps(schema).replace('"#/components', f'"{URN}#/components'))
    body = reply.json() if "json" in reply.headers["Content-Type"] else reply.text
    errors = list(OAS30ReadValidator(schema, registry=registry).iter_errors(body))
    assert not errors, f"{method} {template}: {errors[0].message} at {list(errors[0].path)}"


NESTED = "id,title,dashboard_elements(id,query(model,view,fields),look(query(model,view)))"
RESULT_MAKERS = "id,dashboard_elements(result_maker(merge_result_id,filterables(model,view)))"
URL_QUERY = "/queries/models/{model_name}/views/{view_name}/run/{result_format}"
CASES = [
    ("/dashboards", "/dashboards", {}),
    ("/dashboards/search", "/dashboards/search", {}),
    ("/dashboards/search", "/dashboards/search", {"title": "sales%", "limit": 1, "offset": 1}),
    ("/dashboards/search", "/dashboards/search", {"fields": NESTED}),
    ("/dashboards/search", "/dashboards/search", {"deleted": "true"}),
    ("/dashboards/search", "/dashboards/search", {"fields": RESULT_MAKERS}),
    ("/dashboards/lookml/search", "/dashboards/lookml/search", {}),
    ("/dashboards/lookml/search", "/dashboards/lookml/search", {"title": "%", "limit": 1}),
    ("/dashboards/lookml/search", "/dashboards/lookml/search", {"fields": NESTED}),
    ("/dashboards/{dashboard_id}", "/dashboards/1", {}),
    ("/dashboards/{dashboard_id}", "/dashboards/5", {}),
    ("/dashboards/{dashboard_id}", "/dashboards/" + quote("shop::shop_overview"), {}),
    ("/dashboards/{dashboard_id}/dashboard_elements", "/dashboards/1/dashboard_elements", {}),
    ("/looks", "/looks", {}),
    ("/looks/search", "/looks/search", {"deleted": "true"}),
    ("/looks/{look_id}", "/looks/1", {}),
    ("/queries/{query_id}", "/queries/1", {}),
    ("/queries/{query_id}/run/{result_format}", "/queries/9/run/sql", {}),
    (URL_QUERY, "/queries/models/shop/views/orders/run/sql", {"fields": "orders.count"}),
    ("/lookml_models", "/lookml_models", {}),
    ("/lookml_models/{lookml_model_name}", "/lookml_models/shop", {}),
    ("/folders", "/folders", {}),
    ("/folders/{folder_id}", "/folders/10", {}),
    ("/folders/{folder_id}", "/folders/20", {}),
    ("/users", "/users", {}),
    ("/users", "/users", {"ids": "1,4"}),
    ("/users/{user_id}", "/users/4", {}),
    ("/connections", "/connections", {}),
    ("/connections/{connection_name}", "/connections/shop_snowflake", {}),
]


@pytest.mark.parametrize(("template", "path", "params"), CASES, ids=[c[1] for c in CASES])
def test_responses_validate(
    api: Callable[..., requests.Response], template: str, path: str, params: dict[str, Any]
) -> None:
    reply = api(path, **params)
    assert reply.status_code == 200, reply.text
    check(template, "GET", reply)


def test_every_explore_and_merge_query(
    api: Callable[..., requests.Response], shop: Instance
) -> None:
    for model in shop.project.models.values():
        for name, explore in model.explores.items():
            reply = api(f"/lookml_models/{model.name}/explores/{name}")
            assert reply.status_code == (404 if explore.is_extension else 200)
            check("/lookml_models/{lookml_model_name}/explores/{explore_name}", "GET", reply)
    for merge_id in shop.content.merges:
        check("/merge_queries/{merge_query_id}", "GET", api(f"/merge_queries/{merge_id}"))


def test_login_logout_and_errors(shop_server: EmulatorServer, api: Callable) -> None:
    url = f"{shop_server.base_url}{API}"
    creds = {"client_id": shop_server.client_id, "client_secret": shop_server.client_secret}
    check("/login", "POST", requests.post(f"{url}/login", data=creds, timeout=10))
    bad = requests.post(f"{url}/login", data={**creds, "client_secret": "x"}, timeout=10)
    assert bad.status_code == 404
    check("/login", "POST", bad)
    check("/dashboards/{dashboard_id}", "GET", api("/dashboards/999"))
    for path in ("/queries/models/shop/views/orders/run/json", "/queries/models/x/views/y/run/sql"):
        reply = api(path)
        assert reply.status_code in (400, 404)
        check(URL_QUERY, "GET", reply)
    check("/dashboards", "GET", requests.get(f"{url}/dashboards", timeout=10))  # 401
    token = login(shop_server)
    out = requests.delete(f"{url}/logout", headers={"Authorization": f"token {token}"}, timeout=10)
    assert out.status_code == 204
    check("/logout", "DELETE", out)


def test_greenery_responses_validate() -> None:
    """The default instance too: every dashboard, explore, look, query's SQL and merge."""
    greenery = load_instance()
    with EmulatorServer(greenery) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"token {login(server)}"

        def get(path: str) -> requests.Response:
            reply = session.get(f"{server.base_url}{API}{path}", timeout=10)
            assert reply.status_code == 200, f"{path}: {reply.text}"
            return reply

        check("/dashboards/search", "GET", get("/dashboards/search"))
        check("/dashboards/lookml/search", "GET", get("/dashboards/lookml/search"))
        for dash_id in greenery.content.dashboards:
            check("/dashboards/{dashboard_id}", "GET", get(f"/dashboards/{quote(dash_id)}"))
        for model in greenery.project.models.values():
            for name, explore in model.explores.items():
                if not explore.is_extension:
                    reply = get(f"/lookml_models/{model.name}/explores/{name}")
                    check(
                        "/lookml_models/{lookml_model_name}/explores/{explore_name}", "GET", reply
                    )
        for look_id in greenery.content.looks:
            check("/looks/{look_id}", "GET", get(f"/looks/{look_id}"))
        for merge_id in greenery.content.merges:
            check("/merge_queries/{merge_query_id}", "GET", get(f"/merge_queries/{merge_id}"))
        for path in ("/folders", "/users", "/connections", "/lookml_models"):
            check(path, "GET", get(path))


def test_run_inline_query_answers_like_the_url_encoded_query(
    shop_server: EmulatorServer, token: str, api: Callable[..., requests.Response]
) -> None:
    """POST /queries/run/sql (a JSON query body) gives the SQL of the same query in a URL; a
    body without model and view is refused with 422, an explore that is gone with 404."""
    url = f"{shop_server.base_url}{API}/queries/run/sql"
    headers = {"Authorization": f"token {token}"}
    body = {"model": "shop", "view": "orders", "fields": ["orders.count"]}
    reply = requests.post(
        url, json=body, params={"rebuild_pdts": "true"}, headers=headers, timeout=10
    )
    assert reply.status_code == 200, reply.text
    check("/queries/run/{result_format}", "POST", reply)
    same = api("/queries/models/shop/views/orders/run/sql", fields="orders.count")
    assert reply.text == same.text and "FROM" in reply.text
    for bad, status in (({"fields": ["orders.count"]}, 422), ({**body, "view": "gone"}, 404)):
        refused = requests.post(url, json=bad, headers=headers, timeout=10)
        assert refused.status_code == status
        check("/queries/run/{result_format}", "POST", refused)
