"""The warehouse relations a piece of SQL reads, found with sqlglot (never with regexes).

CTE names are not tables; tables created or written by the SQL itself (a PDT's
`CREATE TABLE looker_scratch.LR_.. AS SELECT ..`) are intermediate: what counts is what they read.
Function names (BigQuery `CREATE TEMP FUNCTION f`) and ML models (`ML.PREDICT(MODEL m, ..)`) are
not tables either. Whatever goes wrong while reading one text is a SqlParseError for that text,
never a crash of the run; SQL still holding LookML or Liquid is refused before parsing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from exposure_sync.errors import ExposureSyncError
from exposure_sync.lineage.bigquery_ml import ml_model_tables, sqlglot_reader
from exposure_sync.lineage.dialects import SqlDialect, as_dialect
from exposure_sync.lineage.relation import Relation

# Tokens a dotted table name is made of.
_NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER)
# Dialects where `alias.column` in FROM can read a row's own array or SUPER value
_PATH_DIALECTS = frozenset({"bigquery", "redshift"})
_STRING_TOKENS = frozenset(
    getattr(TokenType, name)
    for name in ("STRING", "NATIONAL_STRING", "RAW_STRING", "BYTE_STRING", "HEREDOC_STRING",
                 "UNICODE_STRING", "BIT_STRING", "HEX_STRING")
    if hasattr(TokenType, name)
)  # fmt: skip
_QUERY_START = (TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN)

# What Looker substitutes before the SQL reaches the warehouse: @{constant}, ${view.field} and
# Liquid's {{ output }} and {% tag %} (an unclosed one runs to the end of the text).
_TEMPLATE = re.compile(r"[@$]\{[^{}\n]*\}?|\{\{.*?(?:\}\}|\Z)|\{%.*?(?:%\}|\Z)", re.S)
_TEMPLATE_STARTS = ("@{", "${", "{{", "{%")
_SHOWN_TEMPLATES = 3


class SqlParseError(ExposureSyncError):
    """SQL sqlglot cannot parse in the connection's dialect. `str()` is one line for users."""

    def __init__(self, dialect: str, detail: str, sql: str) -> None:
        self.dialect = dialect
        self.detail = detail
        self.sql = sql
        snippet = " ".join(sql.split())[:80]
        super().__init__(f"cannot parse SQL as {dialect}: {detail} (SQL starts: {snippet!r})")


class UnrenderedTemplateError(SqlParseError):
    """SQL that still holds LookML substitutions or Liquid (`@{c}`, `${v.x}`, `{{ }}`, `{% %}`).

    Never parsed: sqlglot would read `@{c}` inside backquotes as a table name, and BigQuery's
    parser drops `${..}` silently. `templates` are the markers found, in order.
    """

    def __init__(self, dialect: str, templates: tuple[str, ...], sql: str) -> None:
        self.templates = templates
        shown = ", ".join(templates[:_SHOWN_TEMPLATES])
        more = len(templates) - _SHOWN_TEMPLATES
        shown += f" and {more} more" if more > 0 else ""
        super().__init__(
            dialect, f"it still holds LookML or Liquid Looker did not render: {shown}", sql
        )


@dataclass(frozen=True)
class SqlReads:
    """What one SQL text reads: relations, and the BigQuery ML models it applies (not
    relations, but a model Looker built as a PDT has inputs the SQL does not show)."""

    tables: frozenset[Relation]
    models: frozenset[Relation] = frozenset()


def relations_in_sql(
    sql: str,
    dialect: str | SqlDialect,
    default_database: str | None = None,
    default_schema: str | None = None,
) -> set[Relation]:
    """Every relation `sql` reads, excluding CTEs and tables the SQL creates itself.

    `dialect` is Looker's dialect_name (or a SqlDialect). Missing database/schema parts come from
    the defaults; names are case-folded the way the dialect stores them. Raises SqlParseError.
    """
    return set(reads_in_sql(sql, dialect, default_database, default_schema).tables)


def reads_in_sql(
    sql: str,
    dialect: str | SqlDialect,
    default_database: str | None = None,
    default_schema: str | None = None,
) -> SqlReads:
    """The relations and ML models `sql` reads (see relations_in_sql); raises SqlParseError."""
    dia = as_dialect(dialect)

    def relation(table: exp.Table) -> Relation:
        return table_relation(table, dia, default_database, default_schema)

    with _one_text_fails_alone(sql, dia):
        statements = parse_statements(sql, dia)
        read = {relation(t) for t in _read_tables(statements, dia, sql)}
        models = {relation(t) for s in statements for t in ml_model_tables(s)}
        created = {relation(t) for t in _written_tables(statements)}
    return SqlReads(frozenset(read - created), frozenset(models - created))


def parse_statements(sql: str, dialect: str | SqlDialect) -> list[exp.Expression]:
    """The statements of `sql` (separated by `;`); raises SqlParseError (UnrenderedTemplateError
    for SQL still holding LookML or Liquid), whatever sqlglot itself raised."""
    dia = as_dialect(dialect)
    templates = unrendered_templates(sql, dia)
    if templates:
        raise UnrenderedTemplateError(dia.name, templates, sql)
    with _one_text_fails_alone(sql, dia):
        try:
            with _quiet_sqlglot():
                parsed = sqlglot.parse(sql, read=sqlglot_reader(dia.sqlglot))
        except SqlglotError as err:
            raise SqlParseError(dia.name, _describe(err), sql) from err
        return [_salvage(statement, dia) for statement in parsed if statement is not None]


def unrendered_templates(sql: str, dialect: str | SqlDialect) -> tuple[str, ...]:
    """The LookML substitutions and Liquid left in `sql`, outside string literals and comments
    (a user's filter value may well read '{{x}}'; a comment reads nothing)."""
    if not any(start in sql for start in _TEMPLATE_STARTS):
        return ()
    code = _code_only(sql, as_dialect(dialect))
    found = (" ".join(sql[m.start() : m.end()].split())[:60] for m in _TEMPLATE.finditer(code))
    return tuple(dict.fromkeys(found))


def _code_only(sql: str, dialect: SqlDialect) -> str:
    """`sql` with string literals and comments blanked out; as is when it does not tokenize."""
    try:
        tokens = Dialect.get_or_raise(dialect.sqlglot or None).tokenize(sql)
    except Exception:  # noqa: BLE001 - an odd text is searched whole rather than not at all
        return sql
    kept = [" "] * len(sql)
    for token in tokens:
        if token.token_type not in _STRING_TOKENS:
            kept[token.start : token.end + 1] = sql[token.start : token.end + 1]
    return "".join(kept)


@contextmanager
def _one_text_fails_alone(sql: str, dialect: SqlDialect) -> Iterator[None]:
    """Any exception sqlglot raises on one text (AttributeError, IndexError, RecursionError on
    deep nesting, ..: bugs on odd input) is that text's SqlParseError, never the run's crash."""
    try:
        yield
    except SqlParseError:
        raise
    except Exception as err:  # noqa: BLE001 - see the docstring
        detail = f"sqlglot failed on it ({type(err).__name__}: {_first_line(err)})"
        raise SqlParseError(dialect.name, detail, sql) from err


def table_relation(
    table: exp.Table,
    dialect: str | SqlDialect,
    default_database: str | None = None,
    default_schema: str | None = None,
) -> Relation:
    """The folded database.schema.name of a parsed table reference."""
    dia = as_dialect(dialect)
    # Four-part names (SQL Server's server.db.schema.table): the server is not part of a relation.
    parts = [_fold(part, dia) for part in table.parts][-3:]
    name = parts[-1]
    if len(parts) == 1 and dia.is_catalog_table(name):
        default_schema = "pg_catalog"  # searched before the search path, whatever it is
    schema = parts[-2] if len(parts) >= 2 else _fold_default(default_schema, dia)
    database = parts[-3] if len(parts) >= 3 else _fold_default(default_database, dia)
    return Relation(database, schema, name)


def _read_tables(
    statements: list[exp.Expression], dialect: SqlDialect, sql: str
) -> Iterator[exp.Table]:
    paths = dialect.sqlglot in _PATH_DIALECTS
    for statement in statements:
        if isinstance(statement, exp.Drop | exp.Alter | exp.Command):
            # DROP and ALTER read nothing; a Command is SQL sqlglot only keeps as text (SET, ..)
            continue
        not_read = {id(t) for t in _targets(statement)} | {id(t) for t in _not_tables(statement)}
        for table in statement.find_all(exp.Table):
            if id(table) in not_read or not _is_named_table(table) or _is_cte_reference(table):
                continue
            if paths and _is_row_path(table):
                continue
            if any(not part.name.strip() for part in table.parts):
                # `` ` .region-us.x` ``: a constant or attribute rendered blank; no table has
                # that name, and dropping it would read as "reads nothing"
                shown = table.sql(dialect=sqlglot_reader(dialect.sqlglot))
                raise SqlParseError(dialect.name, f"table name {shown} has a blank part", sql)
            yield table


def _is_row_path(table: exp.Table) -> bool:
    """`alias.items` in FROM where `alias` is a table of the query around it: BigQuery's
    correlated UNNEST of an array column (`FROM s.hits` inside a subquery on sessions AS s,
    `JOIN s.hits`), Redshift's PartiQL navigation of a SUPER column. A row's value, no table."""
    if table.args.get("catalog") or not isinstance(table.args.get("db"), exp.Identifier):
        return False
    head = table.args["db"].name.lower()
    child: exp.Expression = table
    node = table.parent
    while node is not None:
        if isinstance(node, exp.Select) and any(
            source.alias_or_name.lower() == head for source in _sources_in_scope(node, child)
        ):
            return True
        child, node = node, node.parent
    return False


def _sources_in_scope(select: exp.Select, child: exp.Expression) -> Iterator[exp.Expression]:
    """The FROM and JOIN items of `select` that `child` (on the way up from a table) sees: in
    FROM or a JOIN, only the items left of it (as the engines resolve names); elsewhere all."""
    from_ = select.args.get("from_") or select.args.get("from")  # sqlglot >= 30: "from_"
    if child is from_:
        return
    if isinstance(from_, exp.From):
        yield from_.this
    for join in select.args.get("joins") or ():
        if join is child:
            return
        yield join.this


def _not_tables(statement: exp.Expression) -> Iterator[exp.Table]:
    """Names sqlglot keeps as tables that are not relations: a function's name (`CREATE TEMP
    FUNCTION f`, whose body still counts), and BigQuery ML models (`ML.PREDICT(MODEL m, ..)`)."""
    for function in statement.find_all(exp.UserDefinedFunction):
        if isinstance(function.this, exp.Table):
            yield function.this
    yield from ml_model_tables(statement)


def _written_tables(statements: list[exp.Expression]) -> Iterator[exp.Table]:
    for statement in statements:
        yield from _targets(statement)


def _targets(statement: exp.Expression) -> Iterator[exp.Table]:
    """Tables a statement creates or writes: CREATE .. AS, INSERT INTO, SELECT .. INTO."""
    if isinstance(statement, exp.Create | exp.Insert):
        target = statement.this
        # CREATE TABLE t (col INT) and INSERT INTO t (col) wrap the table in a Schema.
        if isinstance(target, exp.Schema):
            target = target.this
        if isinstance(target, exp.Table):
            yield target
    for into in statement.find_all(exp.Into):
        if isinstance(into.this, exp.Table):
            yield into.this
    if isinstance(statement, exp.Alter) and isinstance(statement.this, exp.Table):
        yield statement.this
        yield from _renamed(statement.this, statement)


def _renamed(table: exp.Table, alter: exp.Alter) -> Iterator[exp.Table]:
    """ALTER TABLE s.tmp RENAME TO final: `final` lands in the schema of `s.tmp`."""
    for action in alter.args.get("actions") or ():
        if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
            new = action.this.copy()
            for part in ("db", "catalog"):
                if not new.args.get(part) and table.args.get(part):
                    new.set(part, table.args[part].copy())
            yield new


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning for SQL it keeps as a Command; we handle those, users need not
    see them."""
    logger = logging.getLogger("sqlglot")
    quiet = logging.Filter("sqlglot.quiet")  # matches no record name: drops everything
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _salvage(statement: exp.Expression, dialect: SqlDialect) -> exp.Expression:
    """`CREATE TABLE t <options sqlglot does not know> AS <query>` comes back as a Command
    (Redshift's INTERLEAVED SORTKEY, for one). Rebuild it as CREATE t AS <query> from tokens."""
    if not isinstance(statement, exp.Command) or statement.name.upper() != "CREATE":
        return statement
    text = f"CREATE {statement.expression}" if isinstance(statement.expression, str) else ""
    tokens = Dialect.get_or_raise(dialect.sqlglot).tokenize(text) if text else []
    target = _created_name(tokens, dialect)
    body = _query_after_as(tokens, text, dialect)
    if target is None or body is None:
        return statement
    return exp.Create(this=target, kind="TABLE", expression=body)


def _created_name(tokens: list[Token], dialect: SqlDialect) -> exp.Table | None:
    """The dotted name right after TABLE (and IF NOT EXISTS)."""
    index = next((i for i, t in enumerate(tokens) if t.token_type == TokenType.TABLE), None)
    if index is None:
        return None
    index += 1
    while index < len(tokens) and tokens[index].text.upper() in ("IF", "NOT", "EXISTS"):
        index += 1
    parts: list[exp.Identifier] = []
    # name (. name)*: stop at the first word that does not follow a dot (DISTKEY, USING, AS)
    while index < len(tokens) and tokens[index].token_type in _NAME_TOKENS:
        token = tokens[index]
        parts.append(exp.to_identifier(token.text, quoted=token.token_type == TokenType.IDENTIFIER))
        if index + 1 >= len(tokens) or tokens[index + 1].token_type != TokenType.DOT:
            break
        index += 2
    if not parts:
        return None
    try:
        name = ".".join(part.sql(dialect=dialect.sqlglot) for part in parts)
        return exp.to_table(name, dialect=dialect.sqlglot)
    except SqlglotError:
        return None


def _query_after_as(tokens: list[Token], text: str, dialect: SqlDialect) -> exp.Expression | None:
    """The query after the first top-level `AS` that starts one."""
    depth = 0
    for index, token in enumerate(tokens[:-1]):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        starts_query = tokens[index + 1].token_type in _QUERY_START
        if depth == 0 and token.token_type == TokenType.ALIAS and starts_query:
            try:
                with _quiet_sqlglot():
                    reader = sqlglot_reader(dialect.sqlglot)
                    return sqlglot.parse_one(text[token.end + 1 :], read=reader)
            except SqlglotError:
                return None
    return None


def _is_named_table(table: exp.Table) -> bool:
    # Table functions (generate_series, TABLE(FLATTEN(..)), read_parquet) are not relations.
    parts = table.parts
    return bool(parts) and all(isinstance(p, exp.Identifier) for p in parts)


def _is_cte_reference(table: exp.Table) -> bool:
    """An unqualified name that a WITH clause around it defines."""
    if table.args.get("db") or table.args.get("catalog"):
        return False
    name = table.name.lower()
    node: exp.Expression | None = table.parent
    while node is not None:
        with_ = node.args.get("with_") or node.args.get("with")
        if isinstance(with_, exp.With) and any(
            cte.alias_or_name.lower() == name for cte in with_.expressions
        ):
            return True
        node = node.parent
    return False


def _fold(part: exp.Expression, dialect: SqlDialect) -> str:
    quoted = isinstance(part, exp.Identifier) and bool(part.args.get("quoted"))
    return dialect.fold(part.name, quoted)


def _fold_default(value: str | None, dialect: SqlDialect) -> str | None:
    # Connection defaults are plain settings, resolved like unquoted identifiers.
    return dialect.fold(value) if value else None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:120] if text else "no message"


def _describe(err: SqlglotError) -> str:
    """One short line: sqlglot's first error without its token dump, and where it happened."""
    errors = getattr(err, "errors", None)
    if errors:
        first = errors[0]
        description = str(first.get("description", "")).split(" but got <Token")[0]
        return f"{description} at line {first.get('line')}, column {first.get('col')}"
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
