"""From a LookML `sql_table_name` (as Looker serves it) or Looker's generated SQL to relations.

Looker serves `sql_table_name` as written: `@{constants}`, Liquid and `${view.SQL_TABLE_NAME}`
left in. We substitute them from configuration; whatever we cannot substitute is left to the SQL
Looker generates for the query (`needs_generated_sql`), which Looker renders itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

import lkml

from exposure_sync.config import Config, ConnectionDefaults
from exposure_sync.errors import BadInputError
from exposure_sync.files import LOOKML_MANIFEST_MAX_BYTES, read_input
from exposure_sync.lineage import liquid
from exposure_sync.lineage.dialects import SqlDialect, as_dialect, get_dialect
from exposure_sync.lineage.relation import Relation
from exposure_sync.lineage.sql import SqlParseError, reads_in_sql, relations_in_sql
from exposure_sync.lineage.views import join_table, views_needed
from exposure_sync.looker.models import Connection

__all__ = [
    "ResolveContext",
    "TableResolution",
    "is_built_pdt",
    "join_table",
    "relations_in_generated_sql",
    "resolve_derived_sql",
    "resolve_sql_table_name",
    "views_needed",
]

# Looker names persistent derived tables LR_<hash>_<view> (LR$ on older releases, LC_ while
# building) in the connection's scratch schema (its tmp_db_name). The hash holds digits, so a
# table of one's own called lr_predictions is not mistaken for one.
SCRATCH_TABLE = re.compile(r"^L[RC][_$](?=[0-9A-Z]*[0-9])[0-9A-Z]{5,}_", re.I)

_CONSTANT = re.compile(r"@\{\s*(\w+)\s*\}")
_VIEW_TABLE = re.compile(r"\$\{\s*(\w+)\.SQL_TABLE_NAME\s*\}", re.I)
_PLACEHOLDER = "exposure_sync_view_ref_{}"
_PLACEHOLDER_NAME = re.compile(r"^exposure_sync_view_ref_(\d+)$", re.I)
_PLACEHOLDER_INSIDE = re.compile(r"exposure_sync_view_ref_(\d+)", re.I)
_LEGACY_BIGQUERY = re.compile(r"^\[([^\[\]:]+):([^\[\]]+)\]$")
_MAX_CONSTANT_DEPTH = 10

# view name -> its sql_table_name as served (None: a derived table or unknown view)
ViewTables = Mapping[str, str | None] | Callable[[str], str | None]
# ${view.SQL_TABLE_NAME} from the LookML files: (view, views on the way) -> its relations, or
# None when the files do not define that view
ViewResolver = Callable[[str, tuple[str, ...]], "TableResolution | None"]
# ${SQL_TABLE_NAME} in a PDT's own sql_create / create_process: the table being built
_SELF_TABLE = re.compile(r"\$\{\s*SQL_TABLE_NAME\s*\}", re.I)
_SELF_PLACEHOLDER = "exposure_sync_self_table"


@dataclass(frozen=True)
class TableResolution:
    """What a view's table resolves to from metadata alone.

    `needs_generated_sql`: metadata is not enough (a derived table, or something we could not
    substitute); the relations then come from the SQL Looker generates for the query, and
    `relations` holds only what could be resolved.
    """

    relations: frozenset[Relation] = frozenset()
    needs_generated_sql: bool = False
    notes: tuple[str, ...] = ()
    # generated SQL only: some inputs are unknown (it reads a PDT Looker had already built)
    incomplete: bool = False
    # generated SQL only: the scratch tables of those PDTs, to name them in the report
    built_pdts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolveContext:
    dialect: str | SqlDialect  # Looker's dialect_name, or a resolved SqlDialect
    default_database: str | None = None
    default_schema: str | None = None
    constants: Mapping[str, str] = field(default_factory=dict)
    user_attributes: Mapping[str, str] = field(default_factory=dict)
    view_tables: ViewTables | None = None  # for ${view.SQL_TABLE_NAME}
    # Liquid `_model._name`, `_explore._name`, `_view._name` when known
    model: str | None = None
    explore: str | None = None
    view: str | None = None
    # the Looker connection (for messages) and its scratch schema, where Looker builds PDTs
    # (None: unknown, then a PDT is told by its name alone)
    connection: str | None = None
    scratch_schema: str | None = None
    # views the LookML files define resolve through this before view_tables
    view_resolver: ViewResolver | None = None
    # LookML parameters (`{% parameter %}`, `._parameter_value`): name -> values to try
    parameters: Mapping[str, liquid.ParameterValues] = field(default_factory=dict)

    @classmethod
    def for_connection(
        cls,
        connection: Connection | None,
        config: Config,
        view_tables: ViewTables | None = None,
        connection_name: str | None = None,
    ) -> ResolveContext:
        """A connection's context: the configuration's `connections.<name>` settings win over
        what Looker reports. Raises BadInputError when no known dialect results."""
        name = connection_name or (connection.name if connection else None)
        override = config.connections.get(name or "") or ConnectionDefaults()
        looker = connection or Connection(name or "", "")
        dialect = get_dialect(override.dialect or looker.dialect, name)
        return cls(
            dialect=dialect,
            default_database=override.database or looker.database,
            # no schema named: the one the warehouse reads unqualified names from by default
            default_schema=override.schema or looker.schema or dialect.default_schema,
            constants=configured_constants(config),
            user_attributes=config.user_attributes,
            view_tables=view_tables,
            connection=name,
            scratch_schema=looker.scratch_schema,
        )


def configured_constants(config: Config) -> dict[str, str]:
    """`constants` from the configuration over those of its `lookml_manifest`."""
    from_manifest = lookml_constants(config.lookml_manifest) if config.lookml_manifest else {}
    return {**from_manifest, **config.constants}


@cache
def lookml_constants(path: str) -> dict[str, str]:
    """The `constant:` values of a LookML manifest.lkml; raises BadInputError."""
    try:
        text = read_input(path, "lookml_manifest", LOOKML_MANIFEST_MAX_BYTES).decode("utf-8")
        parsed = lkml.load(text)
    except FileNotFoundError:
        raise BadInputError(
            f"{path}: cannot read the LookML manifest (not found); check lookml_manifest"
        ) from None
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: the LookML manifest is not UTF-8 text") from None
    except OSError as err:
        raise BadInputError(f"{path}: cannot read the LookML manifest ({err.strerror})") from None
    except SyntaxError as err:
        raise BadInputError(f"{path}: not a valid LookML manifest ({err})") from None
    return {
        str(c["name"]): str(c.get("value", ""))
        for c in parsed.get("constants") or ()
        if isinstance(c, dict) and "name" in c
    }


def resolve_sql_table_name(
    text: str | None, ctx: ResolveContext, seen: tuple[str, ...] = ()
) -> TableResolution:
    """The relations behind a view's `sql_table_name` (None: a derived table); `seen`: the
    views whose ${x.SQL_TABLE_NAME} led here (default: the context's view)."""
    return _resolve(text, ctx, seen=seen or ((ctx.view,) if ctx.view else ()))


def resolve_derived_sql(
    text: str, ctx: ResolveContext, seen: tuple[str, ...] = ()
) -> TableResolution:
    """The relations a derived table's SQL as written in LookML reads (`sql`, `sql_create`, a
    `create_process` step): constants, parameters and Liquid rendered, `${x.SQL_TABLE_NAME}`
    resolved through the context, the table the SQL builds itself left out."""
    return _resolve(text, ctx, seen or ((ctx.view,) if ctx.view else ()), statement=True)


def relations_in_generated_sql(
    sql: str, ctx: ResolveContext, views_known: Collection[str] = ()
) -> TableResolution:
    """The relations a Looker-generated query reads (`/queries/{id}/run/sql`).

    PDTs built by the SQL itself resolve to their inputs. A scratch table the SQL only reads
    (the PDT was already built) has unknown inputs: it is left out and named in a note, unless
    it is the table of one of `views_known` (views whose inputs the LookML files gave).
    Raises SqlParseError (whatever went wrong in sqlglot), UnrenderedTemplateError included.
    """
    dialect = as_dialect(ctx.dialect)
    reads = reads_in_sql(sql, dialect, ctx.default_database, ctx.default_schema)
    relations = set(reads.tables)
    # a BigQuery ML model built as a PDT is no relation, but its inputs are unknown all the same
    scratch = {r for r in reads.tables | reads.models if is_built_pdt(r, ctx.scratch_schema)}
    unknown = sorted(r for r in scratch if not _table_of_any(r, views_known))
    notes = tuple(
        f"the query reads persistent derived table {r}, which Looker had already built; "
        "its inputs are not in the generated SQL"
        for r in unknown
    )
    built = tuple(str(r) for r in unknown)
    return TableResolution(
        frozenset(relations - scratch), False, notes, incomplete=bool(unknown), built_pdts=built
    )


def _table_of_any(scratch: Relation, views: Collection[str]) -> bool:
    """A PDT's scratch table ends with its view's name (LR_<hash>_<view>)."""
    name = scratch.name.lower()
    return any(name.endswith("_" + view.lower()) for view in views)


def is_built_pdt(relation: Relation, scratch_schema: str | None) -> bool:
    """A table Looker built for a persistent derived table: a PDT name (LR_<hash>_<view>) in
    the connection's scratch schema. Any other table there is a user's table like any other."""
    if not SCRATCH_TABLE.match(relation.name):
        return False
    if not scratch_schema:
        return True  # Looker did not say where it builds PDTs: the name alone tells
    # Looker may quote the schema or not; a scratch schema differing only in case is no table
    # of one's own
    return (relation.schema or "").lower() == scratch_schema.lower()


# --- sql_table_name -------------------------------------------------------------------------


def _resolve(
    text: str | None, ctx: ResolveContext, seen: tuple[str, ...], statement: bool = False
) -> TableResolution:
    if text is None:
        return TableResolution(needs_generated_sql=True)
    text, unresolved = _substitute_constants(text, ctx.constants)
    if unresolved:
        return TableResolution(needs_generated_sql=True, notes=tuple(unresolved))
    result = TableResolution()
    for expanded in liquid.expand_parameters(text, ctx.parameters):
        rendering = liquid.render(expanded, ctx.user_attributes, _liquid_variables(ctx))
        result = _merge(
            result,
            TableResolution(
                needs_generated_sql=bool(rendering.unresolved) or not rendering.variants,
                notes=tuple(rendering.notes + rendering.unresolved),
            ),
        )
        for variant in rendering.variants:
            result = _merge(result, _resolve_rendered(variant, ctx, seen, statement))
    return result


def _substitute_constants(text: str, constants: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace @{name}; constants may use other constants, so repeat a few times."""
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in constants:
            return str(constants[name])
        if name not in missing:
            missing.append(name)
        return match.group(0)

    for _ in range(_MAX_CONSTANT_DEPTH):
        substituted = _CONSTANT.sub(value, text)
        if substituted == text or missing:
            break
        text = substituted
    notes = [
        f"LookML constant {name!r} is not configured (set constants.{name}, "
        "or lookml_manifest to read it from manifest.lkml)"
        for name in missing
    ]
    return text, notes


def _liquid_variables(ctx: ResolveContext) -> dict[str, str]:
    known = {
        "_model._name": ctx.model,
        "_explore._name": ctx.explore,
        "_view._name": ctx.view,
        "_dialect._name": as_dialect(ctx.dialect).name,
    }
    return {name: value for name, value in known.items() if value is not None}


def _resolve_rendered(
    text: str, ctx: ResolveContext, seen: tuple[str, ...], statement: bool = False
) -> TableResolution:
    """A rendered table expression, e.g. `db.schema.t AS t` or `${other.SQL_TABLE_NAME}`; with
    `statement`, a derived table's SQL (one or more statements)."""
    text = text.strip().rstrip(";").strip()
    what = "derived table SQL" if statement else "sql_table_name"
    if not text:
        return TableResolution(needs_generated_sql=True, notes=(f"{what} renders empty",))
    dialect = as_dialect(ctx.dialect)
    text = _legacy_bigquery(text) if dialect.name in ("bigquery", "bigquery_legacy_sql") else text
    views: list[str] = []
    text = _VIEW_TABLE.sub(lambda m: _placeholder(m.group(1), views), text)
    text = _SELF_TABLE.sub(_SELF_PLACEHOLDER, text) if statement else text
    try:
        # A table name parses as a FROM clause: aliases, quoting and subqueries come out right.
        sql = text if statement else f"SELECT * FROM {text}"
        relations = relations_in_sql(sql, dialect, ctx.default_database, ctx.default_schema)
    except SqlParseError as err:
        shown = " ".join(text.split())[:80]
        note = f"cannot parse {what} {shown!r} as {dialect.name}: {err.detail}"
        return TableResolution(needs_generated_sql=True, notes=(note,))
    relations = {r for r in relations if r.name.lower() != _SELF_PLACEHOLDER}
    return _replace_placeholders(relations, views, ctx, seen)


def _placeholder(view: str, views: list[str]) -> str:
    views.append(view)
    return _PLACEHOLDER.format(len(views) - 1)


def _replace_placeholders(
    relations: set[Relation], views: list[str], ctx: ResolveContext, seen: tuple[str, ...]
) -> TableResolution:
    result = TableResolution()
    for relation in relations:
        match = _PLACEHOLDER_NAME.match(relation.name)
        if match and _unqualified(relation, ctx):
            result = _merge(result, _resolve_view(views[int(match.group(1))], ctx, seen))
        elif inside := _PLACEHOLDER_INSIDE.search(str(relation)):
            # `${v.SQL_TABLE_NAME}_v2`, `archive.${v.SQL_TABLE_NAME}`: part of a longer name,
            # which only Looker's rendering can tell
            view = views[int(inside.group(1))]
            note = f"${{{view}.SQL_TABLE_NAME}} is part of a longer name; left to Looker's SQL"
            result = _merge(result, TableResolution(needs_generated_sql=True, notes=(note,)))
        else:
            result = _merge(result, TableResolution(frozenset({relation})))
    return result


def _unqualified(relation: Relation, ctx: ResolveContext) -> bool:
    """Written without database or schema: both are the connection's defaults."""
    dialect = as_dialect(ctx.dialect)
    defaults = (ctx.default_database, ctx.default_schema)
    folded = tuple(dialect.fold(part) if part else None for part in defaults)
    return (relation.database, relation.schema) == folded


def _resolve_view(view: str, ctx: ResolveContext, seen: tuple[str, ...]) -> TableResolution:
    """${view.SQL_TABLE_NAME}: that view's own sql_table_name, resolved the same way."""
    if view in seen:
        chain = " -> ".join((*seen, view))
        return TableResolution(needs_generated_sql=True, notes=(f"circular reference {chain}",))
    if ctx.view_resolver is not None:
        from_files = ctx.view_resolver(view, (*seen, view))
        if from_files is not None:
            return from_files
    known, text = _view_table(ctx.view_tables, view)
    if not known:
        note = f"${{{view}.SQL_TABLE_NAME}}: view {view!r} is not known"
        return TableResolution(needs_generated_sql=True, notes=(note,))
    return _resolve(text, replace(ctx, view=view), (*seen, view))


def _view_table(view_tables: ViewTables | None, view: str) -> tuple[bool, str | None]:
    if view_tables is None:
        return False, None
    if callable(view_tables):
        text = view_tables(view)
        return True, text  # None: derived (or unknown): the generated SQL will tell
    if view in view_tables:
        return True, view_tables[view]
    return False, None


def _legacy_bigquery(text: str) -> str:
    # Legacy SQL's [project:dataset.table] is `project.dataset.table` in standard SQL.
    match = _LEGACY_BIGQUERY.match(text)
    return f"`{match.group(1)}.{match.group(2)}`" if match else text


def _merge(a: TableResolution, b: TableResolution) -> TableResolution:
    notes = tuple(dict.fromkeys(a.notes + b.notes))
    return TableResolution(
        a.relations | b.relations, a.needs_generated_sql or b.needs_generated_sql, notes
    )
