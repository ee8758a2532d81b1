"""The fields= selector, parsed and applied, and through the server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from exposure_sync.looker.emulator.fields import FieldsSyntaxError, parse_fields, select


def test_parse_nested() -> None:
    tree = parse_fields(
        "id, title ,dashboard_elements(id,query(model,view,fields),look(query(view)))"
    )
    assert tree == {
        "id": None,
        "title": None,
        "dashboard_elements": {
            "id": None,
            "query": {"model": None, "view": None, "fields": None},
            "look": {"query": {"view": None}},
        },
    }


@pytest.mark.parametrize("bad", ["a,(b)", "a(b", "a)b", "a(b(c)"])
def test_unbalanced(bad: str) -> None:
    with pytest.raises(FieldsSyntaxError):
        parse_fields(bad)


def test_select_lists_nulls_and_unknown_names() -> None:
    value = [{"id": "1", "x": 2, "q": None, "els": [{"a": 1, "b": 2}, {"a": 3}]}]
    tree = parse_fields("id,q(model),els(a),nope")
    assert select(value, tree) == [{"id": "1", "q": None, "els": [{"a": 1}, {"a": 3}]}]
    assert select(value, None) == value


def test_nested_selection_through_search(api: Callable[..., requests.Response]) -> None:
    spec = "id,title,dashboard_elements(id,query(model,view,fields),look(query(model,view)))"
    body = api("/dashboards/search", id="1", fields=spec).json()
    assert body == [
        {
            "id": "1",
            "title": "Sales overview",
            "dashboard_elements": [
                {"id": "1", "query": {"model": "shop", "view": "orders",
                                      "fields": ["orders.status", "orders.count"]}, "look": None},
                {"id": "2", "query": None, "look": {"query": {"model": "shop", "view": "orders"}}},
                {"id": "3", "query": None, "look": None},
                {"id": "4", "query": None, "look": None},
            ],
        }
    ]  # fmt: skip


def test_fields_on_single_objects(api: Callable[..., requests.Response]) -> None:
    assert api("/users/1", fields="id,email").json() == {"id": "1", "email": "ada@shop.example"}
    explore = api("/lookml_models/shop/explores/orders", fields="joins(name,from)").json()
    assert explore["joins"][0] == {"name": "customers", "from": "users"}
