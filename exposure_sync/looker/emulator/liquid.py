"""Just enough Liquid (and LookML `@{constant}`) to render the SQL LookML authors write.

Looker renders Liquid in `sql_table_name`, derived-table SQL and field SQL before it generates a
query. The emulator renders the same subset clients meet in practice: `{{ expr }}` with
`_user_attributes['name']`, `_model._name`, `_explore._name`, `_view._name`, `_dialect._name`,
filters (`upcase`, `downcase`, `strip`, `sql_quote`, `default`, `replace`), and the tags `if` /
`elsif` / `else` / `unless` / `case` / `when` / `assign` / `condition` (rendered `1=1`, as Looker
does when no filter is applied) / `parameter`, `date_start`, `date_end` (rendered `NULL`).
A missing user attribute renders as the empty string, as in Looker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"(\{%-?.*?-?%\}|\{\{-?.*?-?\}\})", re.S)
_FIRST_JOINER = re.compile(r" (and|or) ")
_OPS = ("==", "!=", "<>", ">=", "<=", ">", "<", " contains ")


def render_liquid(text: str, variables: Mapping[str, Any]) -> str:
    """Render Liquid in `text`; text without `{` is returned as is (the common, fast case)."""
    if "{%" not in text and "{{" not in text:
        return text
    tokens = _TOKEN.split(text)
    out: list[str] = []
    _render_block(tokens, 0, dict(variables), out, stop=())
    return "".join(out)


def _tag(token: str) -> tuple[str, str] | None:
    if not token.startswith("{%"):
        return None
    body = token.strip("{}%-").strip()
    name, _, rest = body.partition(" ")
    return name, rest.strip()


def _render_block(
    tokens: list[str], i: int, env: dict[str, Any], out: list[str] | None, stop: tuple[str, ...]
) -> tuple[int, str, str]:
    """Render tokens from i until a tag in `stop`; return (index after it, its name, its arg).

    `out=None` skips a branch that is not taken (still walking it to find the matching end tag).
    """
    while i < len(tokens):
        tok = tokens[i]
        tag = _tag(tok)
        if tag is None:
            if out is not None:
                out.append(_render_output(tok, env) if tok.startswith("{{") else tok)
            i += 1
            continue
        name, arg = tag
        if name in stop:
            return i + 1, name, arg
        i = _render_tag(tokens, i + 1, name, arg, env, out)
    return i, "", ""


def _render_tag(
    tokens: list[str], i: int, name: str, arg: str, env: dict[str, Any], out: list[str] | None
) -> int:
    if name in ("if", "unless"):
        return _render_if(tokens, i, arg, env, out, negate=name == "unless")
    if name == "case":
        return _render_case(tokens, i, arg, env, out)
    if name == "condition":
        i, _, _ = _render_block(tokens, i, env, None, stop=("endcondition",))
        if out is not None:
            out.append("1=1")
        return i
    if name == "assign" and out is not None:
        var, _, expr = arg.partition("=")
        env[var.strip()] = _evaluate(expr.strip(), env)
    elif name in ("parameter", "date_start", "date_end") and out is not None:
        out.append("NULL")
    return i


def _render_if(
    tokens: list[str], i: int, cond: str, env: dict[str, Any], out: list[str] | None, negate: bool
) -> int:
    done = False
    end = "endunless" if negate else "endif"
    while True:
        take = out is not None and not done and (_condition(cond, env) != negate)
        i, name, arg = _render_block(tokens, i, env, out if take else None, ("elsif", "else", end))
        done = done or take
        if name == "elsif":
            cond, negate = arg, False
        elif name == "else":
            cond, negate = "true", False
        else:
            return i


def _render_case(
    tokens: list[str], i: int, arg: str, env: dict[str, Any], out: list[str] | None
) -> int:
    value = _evaluate(arg, env)
    i, name, when = _render_block(tokens, i, env, None, ("when", "else", "endcase"))
    done = False
    while name != "endcase" and name:
        match = name == "else" or any(_evaluate(w, env) == value for w in when.split(","))
        take = out is not None and not done and match
        i, name, when = _render_block(
            tokens, i, env, out if take else None, ("when", "else", "endcase")
        )
        done = done or take
    return i


def _render_output(token: str, env: Mapping[str, Any]) -> str:
    expr, *filters = token.strip("{}-").strip().split("|")
    value = _evaluate(expr.strip(), env)
    for f in filters:
        value = _apply_filter(value, f.strip(), env)
    return "" if value is None else str(value)


def _apply_filter(value: Any, spec: str, env: Mapping[str, Any]) -> Any:
    name, _, args = spec.partition(":")
    params = [_evaluate(a.strip(), env) for a in args.split(",")] if args else []
    text = "" if value is None else str(value)
    if name == "upcase":
        return text.upper()
    if name == "downcase":
        return text.lower()
    if name == "strip":
        return text.strip()
    if name == "sql_quote":
        return "'" + text.replace("'", "''") + "'"
    if name == "default":
        return value if value not in (None, "") else (params[0] if params else "")
    if name == "replace" and len(params) == 2:
        return text.replace(str(params[0]), str(params[1]))
    return value


def _condition(cond: str, env: Mapping[str, Any]) -> bool:
    # Liquid's `and` / `or` have no precedence and group from the right:
    # `a and b or c` is `a and (b or c)`. So split at the first joiner, whichever it is.
    joiner = _FIRST_JOINER.search(cond)
    if joiner is not None:
        left = _condition(cond[: joiner.start()], env)
        right = _condition(cond[joiner.end() :], env)
        return (left or right) if joiner.group(1) == "or" else (left and right)
    for op in _OPS:
        if op in cond:
            left, _, right = cond.partition(op)
            return _compare(_evaluate(left.strip(), env), op.strip(), _evaluate(right.strip(), env))
    value = _evaluate(cond.strip(), env)
    return value not in (None, False, "")


def _compare(a: Any, op: str, b: Any) -> bool:
    if op == "contains":
        return str(b) in (a if isinstance(a, list | tuple) else str(a or ""))
    if op in ("==", "!="):
        return (str(a) == str(b)) == (op == "==")
    if op == "<>":
        return str(a) != str(b)
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        x, y = str(a), str(b)  # type: ignore[assignment]
    return {">": x > y, "<": x < y, ">=": x >= y, "<=": x <= y}[op]


def _evaluate(expr: str, env: Mapping[str, Any]) -> Any:
    if not expr:
        return None
    if expr[0] in "'\"" and expr[-1] == expr[0]:
        return expr[1:-1]
    if expr in ("true", "false"):
        return expr == "true"
    if expr in ("nil", "null", "blank", "empty"):
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", expr):
        return float(expr) if "." in expr else int(expr)
    return _lookup(expr, env)


def _lookup(expr: str, env: Mapping[str, Any]) -> Any:
    parts = re.findall(r"\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|([^.\[\]]+)", expr)
    value: Any = env
    for quoted1, quoted2, bare in parts:
        key = quoted1 or quoted2 or bare.strip()
        value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value
