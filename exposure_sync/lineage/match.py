"""Match warehouse relations (what Looker reads) to the dbt nodes that build or declare them.

Both sides are named as the warehouse stores them, folded by the same `SqlDialect.fold`
(dialects.py). A dbt name is an identifier: quoted where its `relation_name` shows quotes, else
as the adapter quotes by default. `Relation`s from the resolver are already folded, so `lookup`
never folds them again; it only compares them the way the warehouse compares names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from exposure_sync.dbt.models import DbtNode, Manifest
from exposure_sync.lineage.dialects import CaseRule, SqlDialect, as_dialect
from exposure_sync.lineage.relation import Relation

_Key = tuple[str | None, str | None, str]

# Catalogs that keep the case a quoted name was created with but find it whatever the case
# (Redshift unless enable_case_sensitive_identifier is on, which it is not by default).
_CASE_INSENSITIVE_ENGINES = frozenset({"duckdb", "redshift"})
_QUOTES = '"`'  # dbt quotes with backticks on BigQuery/Spark/Databricks, else double quotes


@dataclass(frozen=True)
class MatchResult:
    """The dbt node behind a relation; None with `ambiguous` set when several remain, and with
    `unqualified` set for a relation without a schema (nothing to tell where it lives)."""

    node: DbtNode | None
    ambiguous: tuple[DbtNode, ...] = ()
    unqualified: bool = False


class RelationIndex:
    """Enabled, non-ephemeral dbt nodes by the relation they name."""

    def __init__(
        self,
        dialect: SqlDialect,
        entries: Iterable[tuple[_Key, DbtNode]],
        database_map: Mapping[str, str],
        schema_map: Mapping[str, str],
    ) -> None:
        self.dialect = dialect
        self._by_name: dict[str, list[tuple[_Key, DbtNode]]] = defaultdict(list)
        for key, node in entries:
            self._by_name[key[2]].append((key, node))
        self._database_map = dict(database_map)
        self._schema_map = dict(schema_map)

    @classmethod
    def build(
        cls,
        manifest: Manifest,
        dialect: str | SqlDialect | None = None,
        database_map: Mapping[str, str] | None = None,
        schema_map: Mapping[str, str] | None = None,
    ) -> RelationIndex:
        """Index `manifest` for relations of `dialect` (default: the manifest's adapter).

        The maps translate Looker's names to the manifest's (config `database_map`,
        `schema_map`); their names are written like SQL identifiers: unquoted ones fold.
        Raises BadInputError for an unknown dialect (see dialects.get_dialect).
        """
        resolved = as_dialect(dialect if dialect is not None else manifest.adapter_type or "")
        entries = [(_node_key(node, resolved), node) for node in manifest.nodes if _matchable(node)]
        return cls(
            resolved,
            entries,
            _name_map(database_map or {}, resolved, is_database=True),
            _name_map(schema_map or {}, resolved, is_database=False),
        )

    def lookup(self, relation: Relation) -> MatchResult:
        """The node for `relation` (already folded for the dialect), after the mapping.

        The unmapped name is tried when the mapped one finds nothing, so one configuration
        serves both a development manifest and a production one. A relation without a schema
        (its connection named no default one) matches nothing: by name alone it could be any
        schema's table.
        """
        if relation.schema is None:
            return MatchResult(None, unqualified=True)
        mapped = self._mapped(relation)
        result = self._find(mapped)
        if result.node is None and not result.ambiguous and mapped != relation:
            result = self._find(relation)
        return result

    def _mapped(self, relation: Relation) -> Relation:
        database, schema = relation.database, relation.schema
        if database is not None:
            database = self._database_map.get(_compare(database, self.dialect, True), database)
        if schema is not None:
            schema = self._schema_map.get(_compare(schema, self.dialect, False), schema)
        return Relation(database, schema, relation.name)

    def _find(self, relation: Relation) -> MatchResult:
        wanted = _compare_key((relation.database, relation.schema, relation.name), self.dialect)
        scored = [
            (score, key, node)
            for key, node in self._by_name.get(wanted[2], ())
            if (score := _agreement(wanted, key)) is not None
        ]
        if not scored:
            return MatchResult(None)
        best = max(score for score, _, _ in scored)
        groups: dict[_Key, list[DbtNode]] = defaultdict(list)
        for score, key, node in scored:
            if score == best:
                groups[key].append(node)
        return _decide(groups)


def _decide(groups: dict[_Key, list[DbtNode]]) -> MatchResult:
    """One relation: its node. Several relations (parts missing) or nodes: ambiguous."""
    if len(groups) == 1:
        nodes = _prefer_builders(next(iter(groups.values())))
        if len(nodes) == 1:
            return MatchResult(nodes[0])
    else:
        nodes = [node for group in groups.values() for node in group]
    return MatchResult(None, tuple(sorted(nodes, key=lambda node: node.unique_id)))


def _prefer_builders(nodes: list[DbtNode]) -> list[DbtNode]:
    # A seed (or model) and a source declared on its table name the same relation (jaffle_shop
    # does this). The node that builds it is upstream of the dashboard in dbt's graph; the
    # source is only a name for it. Two builders of one relation is a dbt error: ambiguous.
    builders = [node for node in nodes if node.resource_type != "source"]
    return builders or nodes


def _agreement(wanted: _Key, key: _Key) -> int | None:
    """How many of database/schema both sides give and agree on; None if one disagrees.

    A database missing on either side (the connection names none; the adapter has none) is no
    evidence either way, so full agreement outranks it. (`lookup` never gets here without a
    schema.)
    """
    score = 0
    for want, have in zip(wanted[:2], key[:2], strict=True):
        if want is None or have is None:
            continue
        if want != have:
            return None
        score += 1
    return score


# -- names on the dbt side ---------------------------------------------------------------


def _matchable(node: DbtNode) -> bool:
    # an ephemeral model is a CTE inside its children: no relation in the warehouse
    return node.enabled and node.materialized != "ephemeral"


def _node_key(node: DbtNode, dialect: SqlDialect) -> _Key:
    """The node's relation as the warehouse names it, in comparison form."""
    # dbt-snowflake (and other adapters of upper-case warehouses) do not quote by default;
    # dbt-postgres, -redshift, -duckdb, -bigquery do. Only matters without relation_name.
    quoted = dialect.case is not CaseRule.UPPER
    database = None if node.database is None else dialect.fold(node.database, quoted)
    schema = None if node.schema is None else dialect.fold(node.schema, quoted)
    name = dialect.fold(node.identifier, quoted)
    parsed = _split_relation_name(node.relation_name, dialect) if node.relation_name else None
    if parsed:
        # relation_name is what dbt renders into SQL, quotes included: it wins over the
        # fields; a shorter one (no database on this adapter) keeps the fields' first parts
        resolved = [dialect.fold(text, was_quoted) for text, was_quoted in parsed]
        name = resolved[-1]
        schema = resolved[-2] if len(resolved) > 1 else schema
        database = resolved[-3] if len(resolved) > 2 else database
    return _compare_key((database, schema, name), dialect)


def _split_relation_name(text: str, dialect: SqlDialect) -> list[tuple[str, bool]] | None:
    """`"db"."schema".name` -> [(db, True), (schema, True), (name, False)]; None if odd."""
    parts: list[tuple[str, bool]] = []
    rest = text.strip()
    if rest.endswith("."):
        return None
    while rest:
        part, quoted, rest = _next_part(rest.lstrip())
        if part is None:
            return None
        # BigQuery accepts `project.dataset.table` as one quoted name
        pieces = part.split(".") if quoted and dialect.sqlglot == "bigquery" else [part]
        parts.extend((piece, quoted) for piece in pieces)
    if not 1 <= len(parts) <= 3 or any(not piece for piece, _ in parts):
        return None
    return parts


def _next_part(text: str) -> tuple[str | None, bool, str]:
    """The first dotted part of `text`, whether it was quoted, and what follows the dot."""
    if not text or text[0] not in _QUOTES:
        part, _, rest = text.partition(".")
        if any(quote in part for quote in _QUOTES) or not part.strip():
            return None, False, ""
        return part.strip(), False, rest
    quote, end = text[0], 1
    chars: list[str] = []
    while end < len(text):
        if text[end] == quote:
            if text[end + 1 : end + 2] != quote:
                break
            end += 1  # a doubled quote is a literal quote character
        chars.append(text[end])
        end += 1
    else:
        return None, True, ""  # unbalanced quote
    rest = text[end + 1 :].lstrip()
    if rest and not rest.startswith("."):
        return None, True, ""
    return "".join(chars), True, rest[1:]


# -- comparison ------------------------------------------------------------------------------


def _compare(part: str, dialect: SqlDialect, is_database: bool) -> str:
    """The form in which the warehouse compares an already folded name."""
    if dialect.case is CaseRule.INSENSITIVE or dialect.sqlglot in _CASE_INSENSITIVE_ENGINES:
        return part.lower()
    if is_database and dialect.sqlglot == "bigquery":
        return part.lower()  # project ids are case-insensitive; datasets and tables are not
    return part


def _compare_key(key: _Key, dialect: SqlDialect) -> _Key:
    database, schema, name = key
    return (
        None if database is None else _compare(database, dialect, True),
        None if schema is None else _compare(schema, dialect, False),
        _compare(name, dialect, False),
    )


def _name_map(names: Mapping[str, str], dialect: SqlDialect, is_database: bool) -> dict[str, str]:
    """Config names are SQL identifiers: `analytics` folds, `'"Analytics"'` keeps its case."""
    return {
        _compare(_config_name(looker, dialect), dialect, is_database): _config_name(dbt, dialect)
        for looker, dbt in names.items()
    }


def _config_name(text: str, dialect: SqlDialect) -> str:
    parsed = _split_relation_name(text, dialect)
    if parsed is None or len(parsed) != 1:
        return dialect.fold(text.strip())
    name, quoted = parsed[0]
    return dialect.fold(name, quoted)
