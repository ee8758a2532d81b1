"""Liquid that depends on the query, rendered as Looker renders it for a query without filters
(issue 9 point 3): templated filters, date_start/date_end, parameters, _in_query."""

from __future__ import annotations

from exposure_sync.lineage.liquid import ParameterValues, expand_parameters, render


def test_templated_filters_render_as_looker_renders_them_unfiltered() -> None:
    text = (
        "SELECT * FROM t WHERE {% condition o.created %} t.at {% endcondition %} "
        "AND t.at >= {% date_start o.created %} AND t.at < {% date_end o.created %}"
    )
    rendering = render(text, {}, {})
    assert rendering.unresolved == []
    assert rendering.variants == ["SELECT * FROM t WHERE 1=1 AND t.at >= NULL AND t.at < NULL"]


def test_a_parameter_takes_each_of_its_values() -> None:
    parameters = {"source": ParameterValues(("a", "b")), "label": ParameterValues(("x",), True)}
    text = "FROM raw.{% parameter source %} WHERE l = {{ label._parameter_value }}"
    assert expand_parameters(text, parameters) == [
        "FROM raw.a WHERE l = 'x'",
        "FROM raw.b WHERE l = 'x'",
    ]


def test_a_condition_on_a_parameter_value_is_decided_per_value() -> None:
    text = "{% if source._parameter_value == 'eu' %}raw.eu{% else %}raw.other{% endif %}"
    variants = [
        render(expanded, {}, {}).variants
        for expanded in expand_parameters(text, {"source": ParameterValues(("eu", "us"))})
    ]
    assert variants == [["raw.eu"], ["raw.other"]]


def test_in_query_keeps_every_branch_and_says_so() -> None:
    rendering = render("{% if v.id._in_query %}a{% else %}b{% endif %}", {}, {})
    assert rendering.variants == ["a", "b"]
    assert any("v.id._in_query" in note for note in rendering.notes)


def test_a_parameter_without_values_stays_unrenderable() -> None:
    text = "FROM {% parameter unknown %}"
    assert expand_parameters(text, {}) == [text]
    assert render(text, {}, {}).unresolved
