"""Just enough Liquid to render a LookML `sql_table_name` from configured values.

Looker renders Liquid for the user running a query; we render it for the configured
`user_attributes`. A value we do not know cannot be guessed, so:
- `{{ x }}` with an unknown x makes that text unrenderable (the caller falls back to the SQL
  Looker generates), unless a `| default:` filter gives a value;
- `{% if %}` on an unknown x keeps every branch, and a note says which value would decide.
  Branches stay consistent: for each unknown attribute we try every value the conditions
  compare it with, plus "unset" and "some other value", so `{% if x == 'a' %}` and
  `{% if x != 'a' %}` never both render.

Supported: `{{ expr | filter: arg }}`, `{% if/elsif/else/endif %}`, `{% unless %}`,
`{% case/when/else/endcase %}`, `{% comment %}`; conditions with ==, !=, <>, <, >, <=, >=,
contains, and, or, and truthiness (Liquid's: only nil and false are false).
What depends on the query is rendered as Looker renders it for a query without filters:
templated filters `{% condition f %}...{% endcondition %}` as `1=1`, `{% date_start f %}` and
`{% date_end f %}` as `NULL`; `{% parameter p %}` and `{{ p._parameter_value }}` take each of the
parameter's values in turn (`expand_parameters`), and conditions on `_in_query`, `_is_selected`
or `_filters[...]` keep every branch. Anything else (`assign`, ...) is unrenderable.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_VARIANTS = 64
MAX_WORLDS = 64

_MARKUP = re.compile(r"\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}", re.S)
_EXPR_TOKEN = re.compile(
    r"""\s*(
        '[^']*' | "[^"]*"
      | ==|!=|<>|>=|<=|>|<
      | -?\d+(?:\.\d+)?(?![\w.])
      | [A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\])*
    )""",
    re.X,
)
_ATTRIBUTE = re.compile(r"""_user_attributes\[\s*(?:'([^']*)'|"([^"]*)")\s*\]$""")
_COMPARISONS = ("==", "!=", "<>", ">=", "<=", ">", "<", "contains")
# what Looker renders for a query that does not filter on the field
_QUERY_TAGS = {"condition": "1=1", "date_start": "NULL", "date_end": "NULL"}
_PARAMETER_TAG = re.compile(r"\{%-?\s*parameter\s+([\w.]+)\s*-?%\}")
_PARAMETER_OUTPUT = re.compile(r"\{\{-?\s*([\w.]+)\._parameter_value\s*-?\}\}")
_PARAMETER_VALUE = re.compile(r"([\w.]+)\._parameter_value\b")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "nil": None, "null": None}


class LiquidError(ValueError):
    """Liquid we cannot read (unbalanced tags, bad expressions)."""


@dataclass(frozen=True)
class Unknown:
    """A value the configuration does not give; `hint` names what to configure."""

    name: str  # e.g. "user attribute 'schema'"
    hint: str  # e.g. "set user_attributes.schema"

    def __str__(self) -> str:
        return f"{self.name} has no configured value ({self.hint})"


@dataclass
class Rendering:
    """Every text the Liquid may render to, given what is configured."""

    variants: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # why some text could not be rendered
    notes: list[str] = field(default_factory=list)  # assumptions made (every branch, defaults)


@dataclass(frozen=True)
class ParameterValues:
    """A LookML parameter's possible values (allowed values, else its default); `quoted`:
    Looker writes them as SQL strings (every type but `unquoted` and numbers)."""

    values: tuple[str, ...]
    quoted: bool = False

    def rendered(self, value: str) -> str:
        return "'" + value.replace("'", "''") + "'" if self.quoted else value


def expand_parameters(text: str, parameters: Mapping[str, ParameterValues]) -> list[str]:
    """`text` once per combination of the values of the parameters it uses (a parameter
    without known values is left for `render` to report)."""
    names = {m.group(1) for m in _PARAMETER_TAG.finditer(text)}
    names |= {m.group(1) for m in _PARAMETER_VALUE.finditer(text)}
    used = sorted(n for n in names if n in parameters and parameters[n].values)
    texts = [text]
    for name in used:
        spec = parameters[name]
        texts = [_with_parameter(t, name, spec, v) for t in texts for v in spec.values]
        texts = list(dict.fromkeys(texts))[:MAX_VARIANTS]
    return texts


def _with_parameter(text: str, name: str, spec: ParameterValues, value: str) -> str:
    def own(match: re.Match[str]) -> bool:
        return match.group(1) == name

    text = _PARAMETER_TAG.sub(lambda m: spec.rendered(value) if own(m) else m.group(0), text)
    text = _PARAMETER_OUTPUT.sub(lambda m: spec.rendered(value) if own(m) else m.group(0), text)
    literal = '"' + value.replace('"', "") + '"'  # inside a condition: a Liquid string
    return _PARAMETER_VALUE.sub(lambda m: literal if own(m) else m.group(0), text)


def render(
    text: str, user_attributes: Mapping[str, str], variables: Mapping[str, str]
) -> Rendering:
    """Render `text`. `variables` holds Liquid names such as `_model._name` -> value."""
    try:
        nodes = _parse(_tokens(text))
    except LiquidError as err:
        return Rendering(unresolved=[f"cannot read the Liquid in {text.strip()!r}: {err}"])
    unknown = _candidates(nodes, user_attributes)
    worlds = _worlds(unknown)
    result = Rendering()
    for world in worlds if worlds is not None else [{}]:
        _add(result, _render_nodes(nodes, _Env(user_attributes, variables, world)))
    notes = [_every_branch_note(_attribute_unknown(name)) for name in unknown]
    result.notes = list(dict.fromkeys(notes + result.notes))
    if len(result.variants) > MAX_VARIANTS:
        result.unresolved.append(
            f"Liquid in {text.strip()!r} renders more than {MAX_VARIANTS} ways"
        )
        result.variants = []
    return result


def _add(result: Rendering, part: Rendering) -> None:
    """Union `part` into `result`, keeping first-seen order and no duplicates."""
    result.variants += [v for v in part.variants if v not in result.variants]
    result.unresolved += [u for u in part.unresolved if u not in result.unresolved]
    result.notes += [n for n in part.notes if n not in result.notes]


# --- parsing: text -> nodes ----------------------------------------------------------------


@dataclass
class _Text:
    text: str


@dataclass
class _Output:
    expression: str


@dataclass
class _Branches:
    # (condition, body); condition None is `else`; `negate` marks an `unless`
    branches: list[tuple[str | None, list[Any]]]
    negate: bool = False


@dataclass
class _Unsupported:
    tag: str


def _tokens(text: str) -> list[tuple[str, str]]:
    """("text", s), ("output", expression) and ("tag", "name args") in order."""
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _MARKUP.finditer(text):
        tokens.append(("text", text[position : match.start()]))
        if match.group(1) is not None:
            tokens.append(("output", match.group(1).strip()))
        else:
            tokens.append(("tag", match.group(2).strip()))
        position = match.end()
    tokens.append(("text", text[position:]))
    return [token for token in tokens if token != ("text", "")]


def _parse(tokens: list[tuple[str, str]]) -> list[Any]:
    nodes, rest, stop = _parse_until(tokens, ())
    if stop is not None:
        raise LiquidError(f"unexpected {{% {stop} %}}")
    return nodes


def _parse_until(
    tokens: list[tuple[str, str]], stops: tuple[str, ...]
) -> tuple[list[Any], list[tuple[str, str]], str | None]:
    """Nodes up to one of the `stops` tags; returns (nodes, tokens after it, stop tag + args)."""
    nodes: list[Any] = []
    while tokens:
        (kind, value), tokens = tokens[0], tokens[1:]
        if kind == "text":
            nodes.append(_Text(value))
        elif kind == "output":
            nodes.append(_Output(value))
        else:
            name = value.split(None, 1)[0] if value else ""
            if name in stops or name in ("elsif", "else", "endif", "endunless", "endcomment",
                                         "endcondition"):  # fmt: skip
                return nodes, tokens, value
            node, tokens = _parse_tag(name, value, tokens)
            nodes.append(node)
    if stops:
        raise LiquidError(f"missing {{% {stops[-1]} %}}")
    return nodes, tokens, None


def _parse_tag(name: str, value: str, tokens: list[tuple[str, str]]) -> tuple[Any, list]:
    if name in ("if", "unless"):
        return _parse_if(value, tokens)
    if name == "case":
        return _parse_case(value, tokens)
    if name == "comment":
        _, tokens, _ = _parse_until(tokens, ("endcomment",))
        return _Text(""), tokens
    if name == "condition":
        _, tokens, _ = _parse_until(tokens, ("endcondition",))
        return _Text(_QUERY_TAGS[name]), tokens
    if name in _QUERY_TAGS:
        return _Text(_QUERY_TAGS[name]), tokens
    return _Unsupported(value), tokens


def _parse_if(value: str, tokens: list[tuple[str, str]]) -> tuple[_Branches, list]:
    tag, _, first_condition = value.partition(" ")
    if not first_condition.strip():
        raise LiquidError(f"{{% {tag} %}} without a condition")
    end = "endif" if tag == "if" else "endunless"
    node = _Branches([], negate=tag == "unless")
    condition: str | None = first_condition.strip()
    while True:
        body, tokens, stop = _parse_until(tokens, (end,))
        node.branches.append((condition, body))
        stop_name, _, stop_args = (stop or "").partition(" ")
        if stop_name == end:
            return node, tokens
        if stop_name not in ("elsif", "else") or condition is None:
            raise LiquidError(f"unexpected {{% {stop} %}} inside {{% {tag} %}}")
        condition = stop_args.strip() if stop_name == "elsif" else None


def _parse_case(value: str, tokens: list[tuple[str, str]]) -> tuple[_Branches, list]:
    """`{% case x %}{% when 'a', 'b' %}...{% else %}...{% endcase %}` as the branches of
    `x == 'a' or x == 'b'`, ..., else: one reading of conditions for both tags."""
    subject = value.partition(" ")[2].strip()
    if not subject:
        raise LiquidError("{% case %} without a value")
    stops = ("when", "endcase")
    _, tokens, stop = _parse_until(tokens, stops)  # text before the first when is not output
    node = _Branches([])
    while True:
        stop_name, _, args = (stop or "").partition(" ")
        if stop_name == "endcase":
            return node, tokens
        after_else = bool(node.branches) and node.branches[-1][0] is None
        if stop_name == "when" and args.strip() and not after_else:
            values = [
                value
                for part in _split_outside_quotes(args, ",")
                for value in _expression_tokens(part)
                if value != "or"
            ]
            condition: str | None = " or ".join(f"{subject} == {v}" for v in values)
        elif stop_name == "else" and not after_else:
            condition = None
        else:
            raise LiquidError(f"unexpected {{% {stop} %}} inside {{% case %}}")
        body, tokens, stop = _parse_until(tokens, stops)
        node.branches.append((condition, body))


# --- rendering ------------------------------------------------------------------------------


class _Other:
    """An assumed attribute value unlike every literal the conditions compare it with."""

    def __repr__(self) -> str:
        return "<other value>"


_NIL, _OTHER = None, _Other()


@dataclass(frozen=True)
class _Env:
    user_attributes: Mapping[str, str]
    variables: Mapping[str, str]
    # unknown attribute -> the value assumed in this rendering (a literal, _NIL or _OTHER)
    assumed: Mapping[str, Any] = field(default_factory=dict)


def _render_nodes(nodes: list[Any], env: _Env) -> Rendering:
    result = Rendering(variants=[""])
    for node in nodes:
        part = _render_node(node, env)
        variants = result.variants
        _add(result, Rendering(unresolved=part.unresolved, notes=part.notes))
        combined = (a + b for a, b in itertools.product(variants, part.variants))
        result.variants = list(dict.fromkeys(itertools.islice(combined, MAX_VARIANTS + 1)))
    return result


def _render_node(node: Any, env: _Env) -> Rendering:
    if isinstance(node, _Text):
        return Rendering(variants=[node.text])
    if isinstance(node, _Output):
        return _render_output(node.expression, env)
    if isinstance(node, _Branches):
        return _render_branches(node, env)
    return Rendering(unresolved=[f"Liquid {{% {node.tag} %}} depends on the query"])


def _render_output(expression: str, env: _Env) -> Rendering:
    try:
        value, notes = _evaluate_output(expression, env)
    except LiquidError as err:
        return Rendering(unresolved=[f"cannot read Liquid {{{{ {expression} }}}}: {err}"])
    if isinstance(value, Unknown):
        return Rendering(unresolved=[str(value)], notes=notes)
    return Rendering(variants=[_to_text(value)], notes=notes)


def _render_branches(node: _Branches, env: _Env) -> Rendering:
    """The taken branch; with an undecidable condition, that branch and every later one."""
    taken: list[list[Any]] = []
    result = Rendering()
    for index, (condition, body) in enumerate(node.branches):
        if condition is None:
            taken.append(body)
            break
        try:
            verdict, unknowns = _evaluate_condition(condition, env)
        except LiquidError as err:
            verdict, unknowns = None, []
            result.notes.append(f"cannot read Liquid condition {condition!r} ({err})")
        if node.negate and index == 0 and verdict is not None:
            verdict = not verdict
        if verdict is None:
            result.notes += [_every_branch_note(unknown) for unknown in unknowns]
            taken.append(body)
        elif verdict:
            taken.append(body)
            break
    else:
        taken.append([])  # no branch matched for sure, so maybe none renders
    for body in taken:
        _add(result, _render_nodes(body, env))
    return result


def _every_branch_note(unknown: Unknown) -> str:
    return (
        f"{unknown.name} has no configured value, so every {{% if %}} branch on it counts "
        f"({unknown.hint})"
    )


def _attribute_unknown(name: str) -> Unknown:
    return Unknown(f"user attribute {name!r}", f"set user_attributes.{name}")


# --- assumed values for unknown attributes --------------------------------------------------


def _candidates(nodes: list[Any], configured: Mapping[str, str]) -> dict[str, list[Any]]:
    """Unknown attributes that conditions test -> the values worth assuming for each."""
    found: dict[str, list[Any]] = {}
    for condition in _conditions(nodes):
        try:
            tokens = _expression_tokens(condition)
        except LiquidError:
            continue  # reported when the condition is evaluated
        for index, token in enumerate(tokens):
            name = _attribute_name(token)
            if name is None or name in configured:
                continue
            values = found.setdefault(name, [])
            values += [v for v in _compared_values(tokens, index) if v not in values]
    return {name: [*values, _NIL, _OTHER] for name, values in found.items()}


def _conditions(nodes: list[Any]) -> list[str]:
    conditions: list[str] = []
    for node in nodes:
        if isinstance(node, _Branches):
            for condition, body in node.branches:
                conditions += [condition] if condition else []
                conditions += _conditions(body)
    return conditions


def _compared_values(tokens: list[str], index: int) -> list[Any]:
    """Literals the token at `index` is compared with; numbers also bring their neighbours."""
    neighbours = []
    if index + 2 < len(tokens) and tokens[index + 1] in _COMPARISONS:
        neighbours.append(tokens[index + 2])
    if index >= 2 and tokens[index - 1] in _COMPARISONS:
        neighbours.append(tokens[index - 2])
    values: list[Any] = []
    for token in neighbours:
        if token[0] in "'\"":
            values.append(token[1:-1])
        elif re.fullmatch(r"-?\d+(\.\d+)?", token):
            number = float(token)
            values += [_number_text(number - 1), token, _number_text(number + 1)]
    return values


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


def _worlds(candidates: dict[str, list[Any]]) -> list[dict[str, Any]] | None:
    """Every combination of assumed values; None when there are too many to try."""
    count = 1
    for values in candidates.values():
        count *= len(values)
    if count > MAX_WORLDS:
        return None
    names = list(candidates)
    return [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*candidates.values())
    ]


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- expressions ----------------------------------------------------------------------------


def _expression_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _EXPR_TOKEN.match(text, position)
        if not match:
            raise LiquidError(f"unexpected {text[position:].strip()!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _evaluate_output(expression: str, env: _Env) -> tuple[Any, list[str]]:
    """`operand | filter: arg, arg | ...` -> (value or Unknown, notes)."""
    operand, *filters = _split_outside_quotes(expression, "|")
    value = _operand(_single(_expression_tokens(operand)), env, for_output=True)
    notes: list[str] = []
    for text in filters:
        name, _, args_text = text.partition(":")
        args = [
            _operand(_single(_expression_tokens(a)), env, for_output=True)
            for a in _split_args(args_text)
        ]
        value = _apply_filter(name.strip(), value, args, notes)
    return value, notes


def _apply_filter(name: str, value: Any, args: list[Any], notes: list[str]) -> Any:
    if name == "default":
        fallback = args[0] if args else ""
        if isinstance(value, Unknown):
            notes.append(
                f"{value.name} has no configured value: assumed {fallback!r} ({value.hint})"
            )
            return fallback
        return fallback if value in (None, False, "") else value
    if isinstance(value, Unknown) or any(isinstance(a, Unknown) for a in args):
        return next(v for v in (value, *args) if isinstance(v, Unknown))
    simple = {"downcase": str.lower, "upcase": str.upper, "strip": str.strip}
    if name in simple:
        return simple[name](_to_text(value))
    if name in ("append", "prepend") and args:
        text, extra = _to_text(value), _to_text(args[0])
        return text + extra if name == "append" else extra + text
    return Unknown(f"Liquid filter {name!r}", "it is not supported in sql_table_name")


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == separator:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def _split_args(text: str) -> list[str]:
    return [a for a in _split_outside_quotes(text, ",") if a.strip()] if text.strip() else []


def _single(tokens: list[str]) -> str:
    if len(tokens) != 1:
        raise LiquidError(f"expected one value, got {' '.join(tokens)!r}")
    return tokens[0]


def _operand(token: str, env: _Env, for_output: bool = False) -> Any:
    if token[0] in "'\"":
        return token[1:-1]
    if token in _LITERALS:
        return _LITERALS[token]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"-?\d+\.\d+", token):
        return float(token)
    name = _attribute_name(token)
    if name is not None:
        return _attribute_value(name, env, for_output)
    if token in env.variables:
        return env.variables[token]
    return Unknown(f"Liquid variable {token!r}", "it depends on the query")


def _attribute_name(token: str) -> str | None:
    match = _ATTRIBUTE.match(token)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _attribute_value(name: str, env: _Env, for_output: bool) -> Any:
    if name in env.user_attributes:
        return env.user_attributes[name]
    if name in env.assumed:
        assumed = env.assumed[name]
        # An assumed literal may be printed; "unset" or "other" only decide conditions.
        if isinstance(assumed, str) or not for_output:
            return assumed
    return _attribute_unknown(name)


def _evaluate_condition(condition: str, env: _Env) -> tuple[bool | None, list[Unknown]]:
    """Liquid's and/or: no precedence, evaluated right to left. None: undecidable."""
    tokens = _expression_tokens(condition)
    for index, token in enumerate(tokens):
        if token in ("and", "or"):
            left, left_unknowns = _comparison(tokens[:index], env)
            right, right_unknowns = _evaluate_condition(" ".join(tokens[index + 1 :]), env)
            return _combine(token, left, right), left_unknowns + right_unknowns
    return _comparison(tokens, env)


def _combine(operator: str, left: bool | None, right: bool | None) -> bool | None:
    if operator == "and":
        if left is False or right is False:
            return False
        return True if left and right else None
    if left or right:
        return True
    return False if left is False and right is False else None


def _comparison(tokens: list[str], env: _Env) -> tuple[bool | None, list[Unknown]]:
    if len(tokens) == 1:
        value = _operand(tokens[0], env)
        if isinstance(value, Unknown):
            return None, [value]
        return value not in (None, False), []
    if len(tokens) != 3 or tokens[1] not in _COMPARISONS:
        raise LiquidError(f"cannot read condition {' '.join(tokens)!r}")
    left, right = _operand(tokens[0], env), _operand(tokens[2], env)
    unknowns = [v for v in (left, right) if isinstance(v, Unknown)]
    if unknowns:
        return None, unknowns
    return _compare(tokens[1], left, right), []


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is _OTHER or right is _OTHER:
        return operator in ("!=", "<>")
    if operator == "contains":
        return _to_text(right) in _to_text(left) if left is not None else False
    if operator in ("==", "!=", "<>"):
        a, b = _as_number(left), _as_number(right)
        equal = left == right or (a is not None and a == b)
        return equal if operator == "==" else not equal
    a, b = _as_number(left), _as_number(right)
    if a is None or b is None:
        a, b = _to_text(left), _to_text(right)
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[operator]


def _as_number(value: Any) -> float | None:
    # User attribute values arrive as strings; "5" and 5 compare as Looker users expect.
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
