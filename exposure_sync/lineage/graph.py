"""The lineage graph: dashboards -> tiles -> queries -> views -> relations -> dbt nodes.

Nodes are tuples whose first item names the kind ("dashboard", "look", "tile", "query",
"explore", "missing_explore", "views", "view", "sql", "relation", "dbt"). Edges point from what
depends to what it depends on, so a dashboard's dependencies are its descendants and a model's
impact is its ancestors.

At query granularity a query points at the views it needs (not every join of its explore),
through one "views" node per distinct query shape (many dashboards repeat the same query); the
explore node is a leaf kept for the record. At explore granularity a query points at every view
the explore can join; the derived ones it does not use get their SQL from the explore's ad-hoc
query (views.explore_query), since Looker leaves unused joins out of the query's own SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import networkx as nx

from exposure_sync.config import Config
from exposure_sync.dbt.models import DbtNode, Manifest
from exposure_sync.lineage.dialects import UnknownDialectError, as_dialect
from exposure_sync.lineage.files import FileViews
from exposure_sync.lineage.match import RelationIndex
from exposure_sync.lineage.relation import Relation
from exposure_sync.lineage.resolve import (
    ResolveContext,
    TableResolution,
    join_table,
    relations_in_generated_sql,
    resolve_sql_table_name,
    views_needed,
)
from exposure_sync.lineage.sql import SqlParseError
from exposure_sync.lineage.views import (
    ADHOC_QUERY_PREFIX,
    INLINE_QUERY_PREFIX,
    Granularity,
    explore_query,
    inline_query_id,
    inline_request,
    is_made_up,
)
from exposure_sync.looker.models import Crawl, Dashboard, Explore, Look, Query, Tile
from exposure_sync.lookml.views import LookmlFiles

Node = tuple[str, ...]


def dashboard_node(dashboard_id: str) -> Node:
    return ("dashboard", dashboard_id)


def look_node(look_id: str) -> Node:
    return ("look", look_id)


@dataclass
class Lineage:
    """The built graph plus what the resolver wanted the user to know."""

    graph: nx.DiGraph
    notes: set[str] = field(default_factory=set)
    # queries whose views have no physical table and no generated SQL yet
    queries_needing_sql: set[str] = field(default_factory=set)
    # of those, the ones with an id of ours (explore_query's, or a query Looker gave no id):
    # their SQL comes from running them inline
    adhoc_queries: dict[str, Query] = field(default_factory=dict)
    # node (query, merge, relation) -> why its dependencies are not all known; such a dashboard
    # is not settled
    incomplete: dict[Node, str] = field(default_factory=dict)
    # connections Looker would not describe and the config does not fully replace
    failed_connections: set[str] = field(default_factory=set)
    # (model, view) of the derived tables whose inputs came from the LookML files
    derived_from_files: set[tuple[str, str]] = field(default_factory=set)
    # root -> what it reaches: a plan asks several questions of every dashboard
    _reach: dict[Node, frozenset[Node]] = field(default_factory=dict, repr=False)

    def incomplete_reason(self, root: Node) -> str | None:
        """Why the root's dependencies are not all known (None: they are)."""
        reasons = sorted(
            self.incomplete[n] for n in self._descendants(root) if n in self.incomplete
        )
        return reasons[0] if reasons else None

    def dbt_nodes(self, root: Node) -> list[DbtNode]:
        return sorted(
            (self.graph.nodes[n]["node"] for n in self._descendants(root) if n[0] == "dbt"),
            key=lambda node: node.unique_id,
        )

    def relations(self, root: Node) -> set[Relation]:
        return {
            self.graph.nodes[n]["relation"] for n in self._descendants(root) if n[0] == "relation"
        }

    def unbuilt_relations(self, root: Node) -> set[Relation]:
        """Relations the root reads that no dbt node builds."""
        return {
            self.graph.nodes[n]["relation"]
            for n in self._descendants(root)
            if n[0] == "relation"
            and not self.graph.nodes[n].get("ambiguous")  # built, by one of several nodes
            and not self.graph.nodes[n].get("unqualified")  # no schema: cannot tell
            and not any(s[0] == "dbt" for s in self.graph.successors(n))
        }

    def missing_explores(self, root: Node) -> set[str]:
        return {f"{n[1]}::{n[2]}" for n in self._descendants(root) if n[0] == "missing_explore"}

    def dashboards_depending_on(self, unique_id: str) -> set[str]:
        """Impact: which dashboards read this dbt node."""
        node = ("dbt", unique_id)
        if node not in self.graph:
            return set()
        return {n[1] for n in nx.ancestors(self.graph, node) if n[0] == "dashboard"}

    def items_using_query(self, query_id: str) -> set[Node]:
        """The dashboard and look nodes whose lineage goes through this query."""
        node = ("query", query_id)
        if node not in self.graph:
            return set()
        return {n for n in nx.ancestors(self.graph, node) if n[0] in ("dashboard", "look")}

    def _descendants(self, root: Node) -> frozenset[Node]:
        # asked only once the graph is built (build_lineage returns it complete)
        if root not in self._reach:
            reach = nx.descendants(self.graph, root) if root in self.graph else ()
            self._reach[root] = frozenset(reach)
        return self._reach[root]


class LineageBuilder:
    """Adds dashboards and looks to a graph, resolving each query down to dbt nodes.

    `manifest` may be None: the crawl uses the builder that way to learn which queries need
    Looker's generated SQL before any manifest is read.
    """

    def __init__(
        self,
        crawl: Crawl,
        config: Config,
        manifest: Manifest | None,
        lookml: LookmlFiles | None = None,
    ) -> None:
        self.crawl = crawl
        # views the LookML files define are resolved from them (no generated SQL)
        self._files = FileViews(lookml, config) if lookml is not None else None
        self.config = config
        self.manifest = manifest
        # an index folds names like its dialect, so each dialect in use gets its own
        self._indexes: dict[str, RelationIndex] = {}
        self.lineage = Lineage(nx.DiGraph())
        self._view_tables = _view_tables_by_model(crawl.explores.values())
        self._contexts: dict[tuple[str, str], ResolveContext] = {}
        # connections Looker would not describe, unless the config says all lineage needs
        self.lineage.failed_connections = {
            f.id
            for f in crawl.failures
            if f.kind == "connection" and not _configured_fully(config, f.id)
        }
        self._views_done: dict[Node, bool] = {}
        # thousands of tiles ask the same few hundred questions of an explore
        self._needed_done: dict[tuple[object, ...], frozenset[str]] = {}
        self._tables_done: dict[tuple[int, str], tuple[str | None, str]] = {}
        self._shapes: dict[tuple, Node] = {}  # query shape -> its "views" node
        self._derived: dict[Node, list[str]] = {}
        # "view" nodes resolved from the LookML files, and per "views" node the names of those
        # views (a PDT Looker had built is then no gap in a query's generated SQL)
        self._file_views: set[Node] = set()
        self._views_from_files: dict[Node, frozenset[str]] = {}
        self._sql_done: dict[tuple[object, ...], TableResolution | SqlParseError] = {}

    def add_dashboard(self, dashboard: Dashboard) -> None:
        root = dashboard_node(dashboard.id)
        self.lineage.graph.add_node(root, title=dashboard.title)
        for tile in dashboard.tiles:
            tile_key: Node = ("tile", dashboard.id, tile.id)
            self.lineage.graph.add_edge(root, tile_key)
            self._add_tile(tile_key, tile)

    def add_look(self, look: Look) -> None:
        root = look_node(look.id)
        self.lineage.graph.add_node(root, title=look.title)
        if look.query is not None:
            self._add_query(root, look.query)

    def _add_tile(self, tile_key: Node, tile: Tile) -> None:
        for parent, query in self._tile_queries(tile_key, tile):
            self._add_query(parent, query)
        if tile.merge_result_id is not None:
            self._add_merge(tile_key, tile)

    def _tile_queries(self, tile_key: Node, tile: Tile) -> Iterator[tuple[Node, Query]]:
        """A tile's own query or its look's, with the node it hangs from."""
        if tile.query is not None:
            yield tile_key, tile.query
        if tile.look_id is not None:
            look = self.crawl.looks.get(tile.look_id)
            if look is None:
                self.lineage.notes.add(
                    f"dashboard {tile_key[1]}: tile {tile.id} shows look {tile.look_id}, which "
                    "Looker does not serve (deleted, or not visible to the API user)"
                )
            elif look.query is not None:
                self.lineage.graph.add_edge(tile_key, look_node(look.id))
                yield look_node(look.id), look.query

    def _add_merge(self, tile_key: Node, tile: Tile) -> None:
        """Merged results: each source query when the merge was read, else (merged_results:
        explores) each source explore the tile names, at explore granularity."""
        merge_key: Node = ("merge", tile.merge_result_id or "")
        self.lineage.graph.add_edge(tile_key, merge_key)
        merge = self.crawl.merge_queries.get(tile.merge_result_id or "")
        if merge is not None:
            for query in merge.source_queries:
                self._add_query(merge_key, query)
            return
        if not tile.merge_sources:
            # its merge failed, or a snapshot lacks it, and the tile names no explores
            self.lineage.incomplete[merge_key] = (
                f"merged results {tile.merge_result_id}: neither its source queries nor its "
                "source explores could be read"
            )
        for ref in tile.merge_sources:
            explore = self.crawl.explores.get((ref.model, ref.explore))
            query = explore_query(explore) if explore else Query(None, ref.model, ref.explore)
            self._add_query(merge_key, query, "explore")

    def _add_query(
        self, parent: Node, query: Query, granularity: Granularity | None = None
    ) -> None:
        graph = self.lineage.graph
        if not query.id:
            # one id for the node, the SQL request and a failure of it, so they meet
            query = replace(query, id=inline_query_id(query))
        query_key: Node = ("query", query.id)
        graph.add_edge(parent, query_key)
        explore = self.crawl.explores.get((query.model, query.explore))
        if explore is None:
            graph.add_edge(query_key, ("missing_explore", query.model, query.explore))
            return
        graph.add_edge(query_key, ("explore", explore.model, explore.name))
        if explore.connection_name in self.lineage.failed_connections:
            self.lineage.incomplete[query_key] = (
                f"Looker connection {explore.connection_name} could not be read"
            )
            return
        try:
            context = self._context(explore)
        except UnknownDialectError as err:
            configured = self.config.connections.get(explore.connection_name)
            if configured is not None and configured.dialect:
                raise  # the config's own setting is wrong: a config error (exit 2)
            # Looker's dialect, not one the config named: only this connection's dashboards
            # are unknown (entries kept, exit 3), the others go on
            self.lineage.incomplete[query_key] = str(err)
            return
        granularity = granularity or self.config.granularity  # type: ignore[assignment]
        views_key, derived = self._views_of(explore, query, granularity, context)
        graph.add_edge(query_key, views_key)
        from_files = self._views_from_files[views_key]
        adhoc = bool(query.id and query.id.startswith(ADHOC_QUERY_PREFIX))
        # what Looker joins for a query run inline (ours, or one Looker gave no id): views it
        # selects, and the base view, always joins and joins on the way to them; a derived view
        # outside would be missing from its SQL
        unqueried: list[str] = []
        if adhoc:
            unqueried = sorted(set(derived) - self._needed(explore, query))
        elif query.id and query.id.startswith(INLINE_QUERY_PREFIX):
            request = inline_request(explore, query)
            # (at explore granularity the derived views it does not use come from explore_query)
            needed = self._needed(explore, query)
            unqueried = sorted(set(derived) & needed - self._needed(explore, request))
        if unqueried:
            self.lineage.incomplete[query_key] = (
                f"explore {explore.model}::{explore.name}: derived view {unqueried[0]} has no "
                "dimension or measure to ask its SQL with"
            )
        if not derived:
            return
        if adhoc or granularity == "query":
            self._add_generated_sql(query_key, query, context, explore, from_files)
            return
        # Explore granularity on a saved query: its own SQL holds only the joins it uses, so
        # the derived joins beyond those come from the explore's ad-hoc query (once per explore)
        used = self._needed(explore, query)
        if used & set(derived):
            self._add_generated_sql(query_key, query, context, explore, from_files)
        if set(derived) - used:
            self._add_query(query_key, explore_query(explore), "explore")

    def _needed(
        self, explore: Explore, query: Query, granularity: Granularity = "query"
    ) -> frozenset[str]:
        """views_needed, once per explore and query shape (the query's id does not matter)."""
        shape = (query.fields, query.filters, query.sorts, query.pivots, query.dynamic_fields)
        key = (id(explore), granularity, *shape)
        if key not in self._needed_done:
            self._needed_done[key] = frozenset(views_needed(explore, query, granularity))
        return self._needed_done[key]

    def _join_table(self, explore: Explore, alias: str) -> tuple[str | None, str]:
        """join_table, once per explore and alias."""
        key = (id(explore), alias)
        if key not in self._tables_done:
            self._tables_done[key] = join_table(explore, alias)
        return self._tables_done[key]

    def _views_of(
        self, explore: Explore, query: Query, granularity: Granularity, context: ResolveContext
    ) -> tuple[Node, list[str]]:
        """The node of the views a query needs, and its derived ones. One node per distinct
        query shape: dashboards repeat the same queries, so each is worked out once."""
        q = query
        shape = (explore.model, explore.name, granularity, q.fields, q.filters, q.sorts, q.pivots)
        shape += (q.dynamic_fields,)
        if shape not in self._shapes:
            views_key: Node = ("views", explore.model, explore.name, str(len(self._shapes)))
            self._shapes[shape] = views_key
            derived: list[str] = []
            from_files: set[str] = set()
            for alias in sorted(self._needed(explore, query, granularity)):
                sql_table_name, view_name = self._join_table(explore, alias)
                # one view may sit on different tables in different explores (a join's or an
                # explore's own sql_table_name): the table text is part of the node
                view_key: Node = ("view", explore.model, view_name, sql_table_name or "")
                self.lineage.graph.add_edge(views_key, view_key)
                if self._expand_view(view_key, sql_table_name, context, explore):
                    derived.append(alias)
                if view_key in self._file_views:
                    from_files.add(view_name)
            self._derived[views_key] = derived
            self._views_from_files[views_key] = frozenset(from_files)
        views_key = self._shapes[shape]
        return views_key, self._derived[views_key]

    def _expand_view(
        self, view_key: Node, sql_table_name: str | None, context: ResolveContext, explore: Explore
    ) -> bool:
        """Resolve a view to its relations once (thousands of queries share a few hundred
        views, and each resolution is a sqlglot parse); True when it needs generated SQL.
        The LookML files come first; Looker's metadata and generated SQL are the fallback."""
        if view_key not in self._views_done:
            where = f"view {view_key[1]}.{view_key[2]}"
            resolution = self._from_files(view_key, sql_table_name, context, explore)
            if resolution is None:
                resolution = resolve_sql_table_name(sql_table_name, context)
            else:
                self._file_views.add(view_key)
            self.lineage.notes.update(f"{where}: {note}" for note in resolution.notes)
            for relation in resolution.relations:
                self._add_relation(view_key, relation, context)
            self._views_done[view_key] = resolution.needs_generated_sql
        return self._views_done[view_key]

    def _from_files(
        self, view_key: Node, sql_table_name: str | None, context: ResolveContext, explore: Explore
    ) -> TableResolution | None:
        """The view's relations from the LookML files; None: the API path decides."""
        if self._files is None:
            return None
        found = self._files.resolve(explore, view_key[2], sql_table_name, context)
        self.lineage.notes.update(self._files.notes)
        if found is None:
            return None
        where = f"view {view_key[1]}.{view_key[2]}"
        if found.resolution.needs_generated_sql:
            why = "; ".join(found.resolution.notes) or "it cannot be rendered"
            self.lineage.notes.add(
                f"{where}: read from Looker's generated SQL, not the LookML files ({why})"
            )
            return None
        if found.view.is_derived:
            self.lineage.derived_from_files.add((view_key[1], view_key[2]))
        return found.resolution

    def _add_generated_sql(
        self,
        query_key: Node,
        query: Query,
        context: ResolveContext,
        explore: Explore,
        views_from_files: frozenset[str] = frozenset(),
    ) -> None:
        """The relations in the query's generated SQL; `views_from_files`: its views whose
        inputs the LookML files gave (their built PDTs leave no gap)."""
        query_id = query.id or ""  # _add_query gave an id-less query its inline id
        sql = self.crawl.generated_sql.get(query_id)
        if sql is None:
            self.lineage.queries_needing_sql.add(query_id)
            # no Looker id to ask /queries/{id}/run/sql with: such a query is run inline
            if query_id.startswith(INLINE_QUERY_PREFIX):
                self.lineage.adhoc_queries[query_id] = inline_request(explore, query)
            elif is_made_up(query_id):
                self.lineage.adhoc_queries[query_id] = query
            # a reason found first (a derived view it cannot join) says more
            self.lineage.incomplete.setdefault(
                query_key,
                f"no generated SQL for {_named(query)} on a derived table "
                "(its request failed, or the snapshot was crawled with another --config, "
                "--granularity or --lookml-dir: the views the LookML files define get none)",
            )
            return
        sql_key: Node = ("sql", query.id)
        self.lineage.graph.add_edge(query_key, sql_key)
        try:
            resolution = self._generated_sql_relations(sql, context, views_from_files)
        except SqlParseError as err:
            self.lineage.incomplete[query_key] = f"{_named(query)}: {err}"
            return
        self.lineage.notes.update(f"{_named(query)}: {note}" for note in resolution.notes)
        if resolution.incomplete:
            tables = ", ".join(resolution.built_pdts) or "a persistent derived table"
            self.lineage.incomplete[query_key] = (
                f"{_named(query)} reads {tables}, a persistent derived table Looker had "
                f"already built, so its inputs are unknown: {PDT_HINT}"
            )
        for relation in resolution.relations:
            self._add_relation(sql_key, relation, context)

    def _generated_sql_relations(
        self, sql: str, context: ResolveContext, views_from_files: frozenset[str]
    ) -> TableResolution:
        # many queries on one explore get the same SQL: parse each text once per context
        key = (id(context), sql, views_from_files)
        if key not in self._sql_done:
            try:
                self._sql_done[key] = relations_in_generated_sql(sql, context, views_from_files)
            except SqlParseError as err:
                self._sql_done[key] = err
        result = self._sql_done[key]
        if isinstance(result, SqlParseError):
            raise result
        return result

    def _add_relation(self, parent: Node, relation: Relation, context: ResolveContext) -> None:
        graph = self.lineage.graph
        relation_key: Node = ("relation", str(relation))
        graph.add_node(relation_key, relation=relation)
        graph.add_edge(parent, relation_key)
        if self.manifest is None:
            return
        match = self._index(context).lookup(relation)
        if match.node is not None:
            dbt_key: Node = ("dbt", match.node.unique_id)
            graph.add_node(dbt_key, node=match.node)
            graph.add_edge(relation_key, dbt_key)
        elif match.unqualified:
            graph.nodes[relation_key]["unqualified"] = True
            connection = context.connection or "<name>"
            self.lineage.incomplete[relation_key] = (
                f"table {relation} names no schema and Looker connection {connection} gives no "
                f"default schema; set connections.{connection}.schema"
            )
        elif match.ambiguous:
            graph.nodes[relation_key]["ambiguous"] = True
            names = ", ".join(sorted(n.unique_id for n in match.ambiguous))
            # a dbt node is read, we cannot tell which: keep the entry rather than guess
            self.lineage.incomplete[relation_key] = (
                f"relation {relation} matches several dbt nodes ({names}); set "
                "connections.<name>.schema, database_map or schema_map to tell them apart"
            )
            self.lineage.notes.add(
                f"relation {relation} matches several dbt nodes ({names}); "
                "set database_map/schema_map or connection defaults to tell them apart"
            )

    def _index(self, context: ResolveContext) -> RelationIndex:
        dialect = as_dialect(context.dialect)
        if dialect.name not in self._indexes:
            assert self.manifest is not None
            self._indexes[dialect.name] = RelationIndex.build(
                self.manifest, dialect, self.config.database_map, self.config.schema_map
            )
        return self._indexes[dialect.name]

    def _context(self, explore: Explore) -> ResolveContext:
        # per connection (dialect, defaults) and model (views for ${view.SQL_TABLE_NAME})
        key = (explore.connection_name, explore.model)
        if key not in self._contexts:
            context = ResolveContext.for_connection(
                self.crawl.connections.get(explore.connection_name),
                self.config,
                self._view_tables.get(explore.model, {}),
                explore.connection_name,
            )
            # Liquid's _model._name is known here (the explore and view are not: a view's
            # table is resolved once for every explore that joins it)
            self._contexts[key] = replace(context, model=explore.model)
        return self._contexts[key]


# what to do about a built PDT: the LookML files say what it reads
PDT_HINT = "pass --lookml-dir (a checkout of the LookML project) to read them from its files"


def _named(query: Query) -> str:
    """How messages name a query: Looker's id, or the explore of an ad-hoc one (its id is ours)."""
    if query.id and query.id.startswith(ADHOC_QUERY_PREFIX):
        return f"explore {query.model}::{query.explore} (all its views)"
    if not query.id or query.id.startswith(INLINE_QUERY_PREFIX):
        return f"a query on {query.model}::{query.explore} that Looker gave no id"
    return f"query {query.id}"


def _configured_fully(config: Config, connection_name: str) -> bool:
    """The config gives what lineage takes from a connection: dialect, database, schema."""
    settings = config.connections.get(connection_name)
    return bool(settings and settings.dialect and settings.database and settings.schema)


def _view_tables_by_model(explores: Iterable[Explore | None]) -> dict[str, dict[str, str | None]]:
    """Each model's view -> sql_table_name, from every explore read, for ${view.SQL_TABLE_NAME}."""
    tables: dict[str, dict[str, str | None]] = defaultdict(dict)
    for explore in explores:
        if explore is None:
            continue
        tables[explore.model].setdefault(explore.view_name, explore.sql_table_name)
        for join in explore.joins:
            tables[explore.model].setdefault(join.from_view or join.name, join.sql_table_name)
    return dict(tables)


def build_lineage(
    crawl: Crawl, config: Config, manifest: Manifest | None, lookml: LookmlFiles | None = None
) -> Lineage:
    """The whole graph; with no manifest it stops at relations (enough to find SQL to fetch).
    With the LookML files, the views they define are resolved from them."""
    builder = LineageBuilder(crawl, config, manifest, lookml)
    _add_items(builder, crawl, config)
    if lookml is not None:
        _note_files(builder.lineage, lookml, crawl)
    return builder.lineage


class _NoGraph(nx.DiGraph):
    """A graph that keeps nothing: for a pass that only wants to know which SQL to fetch."""

    def add_node(self, node_for_adding: object, **attr: object) -> None:
        pass

    def add_edge(self, u_of_edge: object, v_of_edge: object, **attr: object) -> None:
        pass


def queries_needing_sql(
    crawl: Crawl, config: Config, lookml: LookmlFiles | None = None
) -> tuple[set[str], dict[str, Query]]:
    """The queries whose generated SQL lineage needs (ids), and those of them Looker gave no id
    (run inline): the crawl's lineage pass, without building the graph (half its time)."""
    builder = LineageBuilder(crawl, config, None, lookml)
    builder.lineage.graph = _NoGraph()
    _add_items(builder, crawl, config)
    return builder.lineage.queries_needing_sql, builder.lineage.adhoc_queries


def _add_items(builder: LineageBuilder, crawl: Crawl, config: Config) -> None:
    for dashboard in crawl.dashboards:
        if not dashboard.deleted:
            builder.add_dashboard(dashboard)
    if config.include_looks:
        for look in crawl.looks.values():
            if not look.deleted:
                builder.add_look(look)


def _note_files(lineage: Lineage, lookml: LookmlFiles, crawl: Crawl) -> None:
    """What the LookML files gave, and what they could not."""
    requests = len(crawl.generated_sql) + sum(f.kind == "query" for f in crawl.failures)
    count = len(lineage.derived_from_files)
    lineage.notes.add(
        f"LookML files: {count} derived table{'s' if count != 1 else ''} read from the files, "
        f"{requests} generated-SQL request{'s' if requests != 1 else ''} to Looker"
    )
    lineage.notes.update(f"LookML files: {problem}" for problem in lookml.problems)
