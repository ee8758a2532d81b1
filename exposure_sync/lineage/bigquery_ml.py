"""BigQuery ML functions: `ML.<NAME>(MODEL m [, TABLE t | (query) | STRUCT(..)] ..)`.

sqlglot parses a few of them (ML.PREDICT, ML.FORECAST, ML.GENERATE_*) and fails on the others
(ML.EVALUATE, ML.ROC_CURVE, ML.TRAINING_INFO, ..), which LookML for BigQuery ML uses in derived
tables. We read BigQuery with a dialect that parses every one of them the same way: the model is
not a relation; the table or query it is applied to is.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

# BigQuery ML's table functions (ML.PREDICT and friends keep sqlglot's own parsers).
ML_FUNCTIONS = (
    "ADVANCED_WEIGHTS", "ARIMA_COEFFICIENTS", "ARIMA_EVALUATE", "CENTROIDS", "CONFUSION_MATRIX",
    "DETECT_ANOMALIES", "EVALUATE", "EXPLAIN_FORECAST", "EXPLAIN_PREDICT", "FEATURE_IMPORTANCE",
    "FEATURE_INFO", "GLOBAL_EXPLAIN", "HOLIDAY_INFO", "PRINCIPAL_COMPONENT_INFO",
    "PRINCIPAL_COMPONENTS", "RECOMMEND", "RECONSTRUCTION_LOSS", "ROC_CURVE", "TRAINING_INFO",
    "TRIAL_INFO", "WEIGHTS", "UNDERSTAND_TEXT", "PROCESS_DOCUMENT", "TRANSCRIBE",
    "ANNOTATE_IMAGE",
)  # fmt: skip

# sqlglot's own ML expressions whose `this` is the model (absent ones: older sqlglot)
_SQLGLOT_ML = tuple(
    cls
    for name in ("Predict", "MLForecast", "MLTranslate", "GenerateEmbedding", "GenerateText",
                 "GenerateTable", "GenerateBool", "GenerateInt", "GenerateDouble")
    if isinstance(cls := getattr(exp, name, None), type)
)  # fmt: skip


# sqlglot 30 made Func a mixin beside Expression; before, Func was an Expression itself
_FUNC_BASES: tuple[type, ...] = (
    (exp.Func,) if issubclass(exp.Func, exp.Expression) else (exp.Expression, exp.Func)
)


class MLFunction(*_FUNC_BASES):  # type: ignore[misc]
    """ML.<name>(MODEL this, expressions..): `this` is the model, never a relation."""

    arg_types = {"this": True, "expressions": False, "name": False}


def _ml_parser(name: str) -> Any:
    def parse(self: Any) -> exp.Expression:
        if not self._match_text_seq("MODEL"):
            # a function of one's own that happens to share the name: read it as any call
            args = self._parse_csv(self._parse_lambda)
            return exp.Anonymous(this=name, expressions=args)
        model = self._parse_table_parts()
        args: list[exp.Expression] = []
        while self._match(TokenType.COMMA):
            if self._match(TokenType.TABLE):
                args.append(self._parse_table_parts())
            elif self._match(TokenType.L_PAREN, advance=False):
                args.append(self._parse_table())  # (SELECT ..) reads what its FROM reads
            else:
                args.append(self._parse_lambda())  # STRUCT(..), a threshold, name => value
        return MLFunction(this=model, expressions=args, name=name)

    return parse


class _LookerBigQuery(BigQuery):
    class Parser(BigQuery.Parser):
        FUNCTION_PARSERS = {
            **BigQuery.Parser.FUNCTION_PARSERS,
            **{name: _ml_parser(name) for name in ML_FUNCTIONS},
        }


@cache
def sqlglot_reader(name: str) -> str | Dialect:
    """What to hand sqlglot's `read=` for a sqlglot dialect name."""
    return _LookerBigQuery() if name == "bigquery" else name


def ml_model_tables(statement: exp.Expression) -> Iterator[exp.Table]:
    """The model names of the BigQuery ML calls in `statement`."""
    for call in statement.find_all(MLFunction, *_SQLGLOT_ML):
        if isinstance(call.this, exp.Table):
            yield call.this
