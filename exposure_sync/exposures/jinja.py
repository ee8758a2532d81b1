"""Make free text survive dbt's Jinja rendering unchanged.

dbt renders `{{ }}`, `{% %}` and `{# #}` in exposure YAML: descriptions when it processes docs,
labels, owner and meta while parsing. A Looker title or description such as
"Revenue {{ region }}" or SQL with `LIKE '{%}'` would otherwise break `dbt parse` or be
silently rewritten (dbt-metabase #148, #380, #385).
"""

from __future__ import annotations

import re

# What starts a Jinja construct in template data; `}}`, `%}` and `#}` alone are plain text.
_OPENERS = ("{{", "{%", "{#")
# Everything Jinja's lexer accepts as the end of a raw block (whitespace control included).
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")


def needs_escaping(text: str) -> bool:
    return any(opener in text for opener in _OPENERS)


def jinja_safe(text: str) -> str:
    """Text that Jinja renders back to exactly `text`.

    Plain text is returned as is, so generated files stay readable; otherwise the text is
    wrapped in `{% raw %}...{% endraw %}`. A literal `{% endraw %}` inside the text would end
    the raw block early, so each one is emitted as a Jinja string expression between blocks.
    """
    if not needs_escaping(text):
        return text
    parts: list[str] = []
    position = 0
    for match in _ENDRAW.finditer(text):
        parts.append(_raw(text[position : match.start()]))
        parts.append("{{ " + _string_literal(match.group(0)) + " }}")
        position = match.end()
    parts.append(_raw(text[position:]))
    return "".join(parts)


def _raw(chunk: str) -> str:
    # Every chunk is wrapped, even plain ones: a bare chunk ending in "{" would merge with
    # the "{{" of the expression that follows it.
    return "{% raw %}" + chunk + "{% endraw %}" if chunk else ""


def _string_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
