"""The Liquid subset LookML uses in SQL."""

from __future__ import annotations

import pytest

from exposure_sync.looker.emulator.liquid import render_liquid
from exposure_sync.lookml.project import render_constants

ENV = {"_user_attributes": {"schema": "analytics", "region": "eu"}, "_model": {"_name": "shop"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ _user_attributes['schema'] }}.t", "analytics.t"),
        ('{{_user_attributes["region"] | upcase}}', "EU"),
        ("{{ _user_attributes['missing'] }}x", "x"),
        ("{{ _model._name }}", "shop"),
        ("{% if _user_attributes['region'] == 'eu' %}eu.t{% else %}us.t{% endif %}", "eu.t"),
        ("{% if a == 'us' %}a{% elsif _model._name == 'shop' %}b{% else %}c{% endif %}", "b"),
        ("{% unless _user_attributes['region'] == 'eu' %}a{% endunless %}b", "b"),
        ("{% if a %}{% if b %}x{% endif %}y{% endif %}z", "z"),
        ("{% case _user_attributes['region'] %}{% when 'us' %}u{% when 'eu' %}e{% endcase %}", "e"),
        ("WHERE {% condition f %} t.c {% endcondition %}", "WHERE 1=1"),
        ("{{ 'it''s' | sql_quote }}", "'it''''s'"),
        ("no liquid here", "no liquid here"),
    ],
)  # fmt: skip
def test_render(text: str, expected: str) -> None:
    assert render_liquid(text, ENV) == expected


def test_constants() -> None:
    assert render_constants("@{a}.@{ b }.@{c}", {"a": "x", "b": "y"}) == "x.y.@{c}"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # Liquid has no and/or precedence and groups from the right: a and (b or c)
        ("false and false or true", "no"),
        ("_user_attributes['region'] == 'us' and a or _model._name == 'shop'", "no"),
        ("true and false or true", "yes"),
        ("true or false and false", "yes"),
        ("false or true and false", "no"),
    ],
)
def test_and_or_group_from_the_right(condition: str, expected: str) -> None:
    text = "{% if " + condition + " %}yes{% else %}no{% endif %}"
    assert render_liquid(text, ENV) == expected
