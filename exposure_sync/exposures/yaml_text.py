"""A direct writer for the generated file's YAML: PyYAML's bytes, without its event machinery.

PyYAML's pure-Python emitter takes most of `plan_sync` at 10,000 dashboards (about 60%), and
its C emitter (libyaml) cannot write the layout dbt projects use (list items indented under
their key). The file's shape is fixed (mappings of strings, lists of strings), so this module
writes that shape itself and asks PyYAML's own rules only how each string is written: plain,
'single-quoted', or a `|` literal block. Anything else (a double-quoted string, a value of
another type, a block scalar that needs an indentation hint) returns None, and the caller
lets PyYAML write the whole document: the output is byte-identical either way (tested).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_INDENT = "  "
_SIMPLE_KEY_MAX = 100  # PyYAML's limit for a simple key is 128 characters
_MAX_LENGTH = 100_000  # far below the width (1,000,000) at which PyYAML folds a line

# PyYAML's emitter (analyze_scalar): characters it escapes (with allow_unicode=True)
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
# what makes a string unfit for a plain block scalar: an indicator first, `: ` or ` #` inside
_FIRST_INDICATOR = re.compile(r"""^(?:[#,\[\]{}&*!|>'"%@`]|[-?:](?:[\0 \t\r\n]|$)|---|\.\.\.)""")
_INNER_INDICATOR = re.compile(r":(?:[\0 \t\r\n]|$)|[\0 \t\r\n]#")


class _Unsupported(Exception):
    """Something PyYAML itself must write."""


def render_document(document: Mapping[str, Any]) -> str | None:
    """`document` as `yaml.dump` with exposure-sync's dumper writes it, or None when its shape
    or a string in it needs PyYAML itself."""
    lines: list[str] = []
    try:
        _mapping(document, 0, lines)
    except _Unsupported:
        return None
    return "".join(lines)


def _mapping(mapping: Mapping[str, Any], indent: int, lines: list[str], first: str = "") -> None:
    """Keys at column `indent`; `first` replaces the first key's indentation ("  - ")."""
    if not mapping:
        raise _Unsupported
    pad = " " * indent
    for key, value in mapping.items():
        head = (first or pad) + _key(key) + ":"
        first = ""
        _value(value, head, indent, lines)


def _value(value: Any, head: str, indent: int, lines: list[str]) -> None:
    if isinstance(value, str):
        lines.append(head + _scalar(value, indent + len(_INDENT)) + "\n")
    elif isinstance(value, Mapping):
        lines.append(head + "\n")
        _mapping(value, indent + len(_INDENT), lines)
    elif isinstance(value, list) and value:
        lines.append(head + "\n")
        _sequence(value, indent + len(_INDENT), lines)
    elif isinstance(value, int) and not isinstance(value, bool):
        lines.append(f"{head} {value}\n")
    else:
        raise _Unsupported


def _sequence(items: list[Any], indent: int, lines: list[str]) -> None:
    dash = " " * indent + "- "
    for item in items:
        if isinstance(item, Mapping):
            _mapping(item, indent + len(_INDENT), lines, first=dash)
        elif isinstance(item, str) and "\n" not in item:
            lines.append(dash + _scalar(item, indent + len(_INDENT)).lstrip(" ") + "\n")
        else:
            raise _Unsupported


@lru_cache(maxsize=1024)  # the same few keys in every entry
def _key(key: Any) -> str:
    # PyYAML writes a long key as a complex key (`? key`)
    if not isinstance(key, str) or not key or "\n" in key or len(key) > _SIMPLE_KEY_MAX:
        raise _Unsupported
    text = _scalar(key, 0).lstrip(" ")
    if text.startswith("|"):
        raise _Unsupported
    return text


@lru_cache(maxsize=16384)  # tags, refs, folders and owners repeat across entries
def _scalar(text: str, block_indent: int) -> str:
    """The string after `key:`, leading space included; a literal block's lines are indented
    by `block_indent`."""
    if _SPECIAL.search(text) or _OTHER_BREAKS.search(text) or len(text) > _MAX_LENGTH:
        raise _Unsupported  # double-quoted, breaks PyYAML writes its own way, or folded
    if "\n" in text:
        return _literal(text, block_indent)
    if _plain(text):
        return " " + text
    return " '" + text.replace("'", "''") + "'"


def _plain(text: str) -> bool:
    """PyYAML writes a one-line string plain when it reads back as a string and no indicator
    or surrounding space forbids it."""
    if not text or text[0] == " " or text[-1] == " ":
        return False
    if _FIRST_INDICATOR.match(text) or _INNER_INDICATOR.search(text):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG


def _literal(text: str, indent: int) -> str:
    """`|` block as PyYAML writes it for text with no leading space or break and no space
    before a break (else it needs an indentation hint or double quotes: unsupported)."""
    if text[0] in " \n" or text[-1] == " " or " \n" in text:
        raise _Unsupported
    if not text.endswith("\n"):
        chomp = "-"
    elif len(text) == 1 or text[-2] == "\n":
        raise _Unsupported  # "|+" (keep trailing breaks) is rare: PyYAML writes it
    else:
        chomp = ""
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in text.removesuffix("\n").split("\n"))
    return f" |{chomp}\n{body}"
