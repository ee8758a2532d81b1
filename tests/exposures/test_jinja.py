from __future__ import annotations

import random

import jinja2
import pytest

from exposure_sync.exposures.jinja import jinja_safe, needs_escaping

from .conftest import load_fixture

NASTY = load_fixture("nasty_texts.yml")


def test_plain_text_is_left_readable():
    assert jinja_safe("Weekly orders: 50% }} up") == "Weekly orders: 50% }} up"
    assert not needs_escaping("a } b % c # d")


def test_jinja_text_is_wrapped_in_raw():
    assert jinja_safe("by {{ region }}") == "{% raw %}by {{ region }}{% endraw %}"


def test_endraw_inside_the_text_is_emitted_as_a_string():
    assert jinja_safe("a {% endraw %} b") == (
        "{% raw %}a {% endraw %}{{ '{% endraw %}' }}{% raw %} b{% endraw %}"
    )


@pytest.mark.parametrize("text", NASTY)
def test_plain_jinja_renders_back_the_original(text):
    assert jinja2.Environment().from_string(jinja_safe(text)).render() == text


def dbt_render(text: str, native: bool) -> object:
    # dbt's own Jinja environments (from dbt_common: `import dbt` may resolve to tests/dbt
    # under pytest). Always through Jinja, unlike dbt's shortcut for text without delimiters.
    rendering = pytest.importorskip("dbt_common.clients.jinja")
    template = rendering.get_template(text, {}, native=native)
    return rendering.render_template(template, {})


@pytest.mark.parametrize("text", NASTY)
def test_dbt_renderers_give_back_the_original(text):
    # the two ways dbt renders YAML strings: text (descriptions) and native (everything else)
    assert dbt_render(jinja_safe(text), native=False) == text
    assert dbt_render(jinja_safe(text), native=True) == text


def test_random_delimiter_soup_round_trips():
    # seeded fuzz over the pieces Jinja's lexer cares about
    pieces = ["{", "}", "%", "#", "-", "+", " ", "\n", "raw", "endraw", "'", '"', "\\", "x"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))).strip()
        if not text:
            continue
        assert dbt_render(jinja_safe(text), native=False) == text, text
        assert dbt_render(jinja_safe(text), native=True) == text, text
