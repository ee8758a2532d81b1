"""Looker's `fields=` response selector: `id,title,dashboard_elements(id,query(model,view))`.

A name alone keeps the whole value; `name(a,b)` keeps only `a` and `b` of the object (or of each
object of the list) under `name`. Names the object does not have are ignored, as Looker does.
"""

from __future__ import annotations

import re
from typing import Any

FieldTree = dict[str, "FieldTree | None"]
_TOKEN = re.compile(r"\s*([(),]|[^(),\s]+)\s*")


class FieldsSyntaxError(ValueError):
    """Unbalanced parentheses or an empty name in a `fields=` value."""


def parse_fields(spec: str) -> FieldTree:
    """Parse a `fields=` value into a tree of names; raises FieldsSyntaxError."""
    tokens = _TOKEN.findall(spec)
    tree, pos = _parse(tokens, 0, spec)
    if pos != len(tokens):
        raise FieldsSyntaxError(f"unbalanced ')' in fields={spec!r}")
    return tree


def _parse(tokens: list[str], pos: int, spec: str) -> tuple[FieldTree, int]:
    tree: FieldTree = {}
    while pos < len(tokens):
        token = tokens[pos]
        if token == ")":
            return tree, pos
        if token in ",(":
            if token == "(":
                raise FieldsSyntaxError(f"'(' without a name in fields={spec!r}")
            pos += 1
            continue
        pos += 1
        if pos < len(tokens) and tokens[pos] == "(":
            sub, pos = _parse(tokens, pos + 1, spec)
            if pos >= len(tokens):
                raise FieldsSyntaxError(f"missing ')' in fields={spec!r}")
            pos += 1
            tree[token] = _merge(tree.get(token), sub)
        else:
            tree[token] = None
    return tree, pos


def _merge(old: FieldTree | None, new: FieldTree) -> FieldTree:
    return new if old is None else {**old, **new}


def select(value: Any, tree: FieldTree | None) -> Any:
    """Keep only what `tree` names; `None` keeps everything."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: select(value[key], sub) for key, sub in tree.items() if key in value}
    return value
