"""A hostile Looker: answers of chosen endpoints mangled, slowed or never finished.

`FaultConfig(mangle={path_glob: spec})` turns the emulator into one: the real content is
served everywhere else, so a test sees exactly what one misbehaving endpoint does to a run.
A spec is a kind, or `kind:key` for the kinds that act on one key wherever it occurs:

- what the body is: `garbage` (bytes that are not JSON), `html` (a proxy's error page, status
  200), `empty` (an empty body), `wrong_shape` (a list answer wrapped in an object, an object
  answer in a list), `huge` (an answer that never ends: blank padding, then the JSON, up to
  HUGE_BYTES);
- what the JSON holds: `null:KEY`, `missing:KEY`, `wrong_type:KEY` (a list becomes an object,
  an object a string, anything else a list), `bad_text:KEY` (a string that is not what Looker
  writes there, e.g. not JSON), `empty_lists` or `empty_lists:KEY` (nested lists become []; the
  top-level list of a search stays);
- how it arrives: `stall` (accepts, never answers), `slow` (answers after SLOW_S), `drip` (the
  body one byte a second), `drip_headers` (everything one byte a second).

Every wait ends when the server stops, and at most after MAX_WAIT_S.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

JSON_KINDS = ("null", "missing", "wrong_type", "bad_text", "empty_lists", "wrong_shape")
BODY_KINDS = ("garbage", "html", "empty")
TIME_KINDS = ("stall", "slow", "drip", "drip_headers", "huge")
MANGLE_KINDS = (*JSON_KINDS, *BODY_KINDS, *TIME_KINDS)
_KEYED = ("null", "missing", "wrong_type", "bad_text")

SLOW_S = 5.0
DRIP_INTERVAL_S = 1.0
MAX_WAIT_S = 60.0
HUGE_BYTES = 256 * 2**20
_PAD = b" " * 2**20

BODIES = {
    "garbage": (b"\x00\x9f{{not json\xff", "application/json"),
    "html": (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    "empty": (b"", "application/json"),
}


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`kind` or `kind:key` -> (kind, key); ValueError for an unknown kind or a missing key."""
    kind, _, key = spec.partition(":")
    if kind not in MANGLE_KINDS:
        raise ValueError(f"mangle kinds must be among {MANGLE_KINDS}, got {kind!r}")
    if kind in _KEYED and not key:
        raise ValueError(f"mangle kind {kind!r} needs a key: {kind}:KEY")
    return kind, key or None


def mangle_json(body: Any, kind: str, key: str | None) -> Any:
    """The JSON answer as the hostile endpoint serves it."""
    if kind == "wrong_shape":
        return {"rows": body} if isinstance(body, list) else [body]
    if kind == "empty_lists":
        return _walk(body, lambda name, value: [] if isinstance(value, list) else value, key)
    if kind == "missing":
        return _walk(body, lambda name, value: _DROP, key)
    change = {
        "null": lambda value: None,
        "wrong_type": _wrong_type,
        "bad_text": lambda value: "{{not what Looker writes" if value else value,
    }[kind]
    return _walk(body, lambda name, value: change(value), key)


_DROP = object()


def _walk(value: Any, change: Callable[[str, Any], Any], key: str | None) -> Any:
    """A copy of `value` with `change(name, v)` applied to every object member named `key`
    (every member when key is None), at any depth."""
    if isinstance(value, list):
        return [_walk(item, change, key) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        item = _walk(item, change, key)
        if key is None or name == key:
            item = change(name, item)
        if item is not _DROP:
            out[name] = item
    return out


def _wrong_type(value: Any) -> Any:
    if isinstance(value, list):
        return {"unexpected": value}
    if isinstance(value, dict):
        return "unexpected"
    return [value]


class Misbehaviour:
    """Sends a response slowly, partly or never, on the handler's socket."""

    def __init__(self, write: Callable[[bytes], None], stopping: threading.Event) -> None:
        self._write = write
        self._stopping = stopping

    def send(self, kind: str, head: bytes, body: bytes) -> None:
        if kind == "stall":
            self._stopping.wait(MAX_WAIT_S)
        elif kind == "slow":
            if not self._stopping.wait(SLOW_S):
                self._write(head + body)
        elif kind == "drip":
            self._write(head)
            self._drip(body)
        elif kind == "drip_headers":
            self._drip(head + body)
        elif kind == "huge":
            self._huge(head, body)

    def _drip(self, data: bytes) -> None:
        for index in range(min(len(data), int(MAX_WAIT_S / DRIP_INTERVAL_S))):
            self._write(data[index : index + 1])
            if self._stopping.wait(DRIP_INTERVAL_S):
                return

    def _huge(self, head: bytes, body: bytes) -> None:
        self._write(head)
        for _ in range(HUGE_BYTES // len(_PAD)):
            if self._stopping.is_set():
                return
            self._write(_PAD)
        self._write(body)
