"""What exposure-sync knows about a Looker instance, as small typed records.

The crawler decodes Looker's JSON into these; everything downstream (lineage, exposures,
snapshots) reads only these, never the SDK's models or raw dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    id: str
    display_name: str | None
    email: str | None
    is_disabled: bool = False


@dataclass(frozen=True)
class Folder:
    id: str
    name: str
    parent_id: str | None
    is_personal: bool = False  # personal folder or below one
    # Looker answered 404: the API user cannot see it. A folder path ends below it.
    hidden: bool = False


@dataclass(frozen=True)
class Connection:
    name: str
    dialect: str  # Looker's dialect_name, e.g. "snowflake", "bigquery_standard_sql", "duckdb"
    database: str | None = None
    schema: str | None = None
    scratch_schema: str | None = None  # Looker's tmp_db_name: where it builds PDTs


@dataclass(frozen=True)
class Query:
    """The part of a Looker query that decides lineage."""

    id: str | None
    model: str
    explore: str  # Looker calls it `view`
    fields: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()  # the filtered field names (keys of `filters`)
    sorts: tuple[str, ...] = ()  # field names, without " desc"
    pivots: tuple[str, ...] = ()
    dynamic_fields: str | None = None  # Looker's JSON string, as served


@dataclass(frozen=True)
class Look:
    id: str
    title: str
    query: Query | None
    folder_id: str | None = None
    user_id: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class ExploreRef:
    model: str
    explore: str


@dataclass(frozen=True)
class Tile:
    """A dashboard element. At most one of query / look_id / merge_result_id is set."""

    id: str
    type: str  # "vis", "text", "button", ...
    title: str | None = None
    query: Query | None = None
    look_id: str | None = None
    merge_result_id: str | None = None
    # a merged-results tile's source explores, in source order, as the dashboard itself tells
    # (`result_maker.filterables`): enough for explore-level lineage without reading the merge
    merge_sources: tuple[ExploreRef, ...] = ()


@dataclass(frozen=True)
class MergeQuery:
    id: str
    source_queries: tuple[Query, ...]


@dataclass(frozen=True)
class Dashboard:
    id: str  # numeric string, or "model::name" for LookML dashboards
    title: str
    description: str | None = None
    folder_id: str | None = None
    user_id: str | None = None
    deleted: bool = False
    certified: bool = False  # certification_metadata.certification_status == "certified"
    view_count: int | None = None  # only for maturity rules on usage
    tiles: tuple[Tile, ...] = ()

    @property
    def is_lookml(self) -> bool:
        return "::" in self.id


@dataclass(frozen=True)
class ExploreJoin:
    name: str  # the alias fields are prefixed with
    from_view: str | None = None  # LookML `from:`; None means the join's name
    sql_table_name: str | None = None  # as served (may hold @{..}, Liquid, ${..}); None: derived
    sql_on: str | None = None
    foreign_key: str | None = None
    required_joins: tuple[str, ...] = ()
    dependent_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExploreField:
    name: str  # "view.field" as used in queries
    view: str  # the alias (join name or explore name)
    original_view: str | None = None
    sql: str | None = None
    kind: str = "dimension"  # or "measure", "filter", "parameter"


@dataclass(frozen=True)
class Explore:
    model: str
    name: str
    view_name: str  # the base view (after `from:`)
    connection_name: str
    sql_table_name: str | None  # None: the base view is a derived table
    joins: tuple[ExploreJoin, ...] = ()
    fields: tuple[ExploreField, ...] = ()
    always_join: tuple[str, ...] = ()
    # the LookML project the explore comes from (ties it to a checkout of that project's files)
    project_name: str | None = None


# What a CrawlFailure can be about; a snapshot naming anything else was edited or damaged.
FAILURE_KINDS = ("connection", "dashboard", "explore", "look", "query")


@dataclass
class CrawlFailure:
    """Something Looker would not give us; the dashboard keeps its previous entry."""

    kind: str  # "dashboard", "explore", "look", ...
    id: str
    reason: str


@dataclass
class Crawl:
    """Everything read from Looker in one run: what snapshots save and `--from-snapshot` loads."""

    base_url: str
    # every dashboard Looker lists, soft-deleted ones too (deleted=True, tiles not fetched)
    dashboards: list[Dashboard] = field(default_factory=list)
    looks: dict[str, Look] = field(default_factory=dict)
    merge_queries: dict[str, MergeQuery] = field(default_factory=dict)
    # (model, explore) -> Explore, or None when Looker says it does not exist
    explores: dict[tuple[str, str], Explore | None] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    folders: dict[str, Folder] = field(default_factory=dict)
    # query id -> SQL Looker generated for it (asked only for queries on derived tables)
    generated_sql: dict[str, str] = field(default_factory=dict)
    failures: list[CrawlFailure] = field(default_factory=list)
