"""Read everything the lineage needs from Looker into one `Crawl`, with as few calls as we can.

Calls (see docs/how-it-works.md, "API calls"): dashboards come with their tiles, queries and looks
in search pages (`/dashboards/search`, and `/dashboards/lookml/search` for LookML dashboards);
beyond the searches only explores need calls of their own, each distinct one fetched once, and
merged results (`/merge_queries/{id}` and each source query), unless `merged_results: explores`
takes their source explores from the tiles themselves (`result_maker.filterables`).

Failure policy: a request about one dashboard's content that keeps failing becomes a
CrawlFailure and the crawl goes on (the dashboard keeps its previous entry): a search page that
keeps failing is read again dashboard by dashboard so that one broken dashboard does not take
its page with it. A listing the whole run depends on (the light listings, users, folders) that
keeps failing raises LookerError (exit 3).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import replace
from itertools import chain
from typing import Any, Protocol, TextIO, TypeVar
from urllib.parse import quote

from exposure_sync.config import Config
from exposure_sync.looker import answers
from exposure_sync.looker.answers import Shape
from exposure_sync.looker.client import LookerClient, LookerRequestError, NotFound
from exposure_sync.looker.decode import explore_from_json, query_from_json
from exposure_sync.looker.decode_content import (
    connection_from_json,
    dashboard_from_json,
    folder_from_json,
    id_sort_key,
    look_from_json,
    looks_in_dashboard,
    merge_query_from_json,
    merge_source_query_ids,
    user_from_json,
)
from exposure_sync.looker.models import (
    Connection,
    Crawl,
    CrawlFailure,
    Dashboard,
    Explore,
    Folder,
    Look,
    MergeQuery,
    Query,
    User,
)

PAGE_SIZE = 100
USER_CHUNK = 100  # ids per /users call; keeps the URL well under common limits

# the `fields=` of a dashboard search page (bench/ asks the same); every `fields=` comes from the
# shape its answer is checked against (answers.py)
DASHBOARD_FIELDS = answers.DASHBOARD.fields

# a dashboard search row as Looker served it, or the tile-less record of one that failed
Row = dict[str, Any] | Dashboard

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Progress(Protocol):
    def update(self, stage: str, done: int, total: int | None) -> None: ...

    def finish(self) -> None: ...


class SilentProgress:
    def update(self, stage: str, done: int, total: int | None) -> None:
        pass

    def finish(self) -> None:
        pass


class TerminalProgress:
    """One self-overwriting line on a terminal: `explores  [#######.....]  14/20`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._shown = False

    def update(self, stage: str, done: int, total: int | None) -> None:
        if total:
            filled = 20 * done // total
            line = f"Looker: {stage:<18} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total}"
        else:
            line = f"Looker: {stage:<18} {done}"
        with self._lock:
            self._stream.write(f"\r\033[K{line}")
            self._stream.flush()
            self._shown = True

    def finish(self) -> None:
        with self._lock:
            if self._shown:
                self._stream.write("\r\033[K")
                self._stream.flush()
            self._shown = False


def auto_progress(stream: TextIO | None = None) -> Progress:
    """A progress bar when the stream (stderr) is a terminal; nothing otherwise (CI, pipes)."""
    stream = stream or sys.stderr
    return TerminalProgress(stream) if stream.isatty() else SilentProgress()


def crawl(
    client: LookerClient,
    config: Config,
    progress: Progress | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> Crawl:
    """Everything about the instance's dashboards that lineage and entries need.

    progress None: a bar on stderr when it is a terminal.
    """
    bar = progress or auto_progress()
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="looker")
    try:
        return _Crawler(client, config, pool, bar, page_size).run()
    finally:
        # on a fatal error, do not wait for queued requests that no one will read
        pool.shutdown(wait=True, cancel_futures=True)
        bar.finish()


def fetch_generated_sql(
    client: LookerClient,
    query_ids: Iterable[str],
    *,
    adhoc: Mapping[str, Query] | None = None,
    concurrency: int = 8,
    failures: list[CrawlFailure] | None = None,
) -> dict[str, str]:
    """query id -> the SQL Looker generates for it, one call each: `/queries/{id}/run/sql`, or
    for a query with an id of ours (`adhoc`, keyed by that id) run inline (`/queries/run/sql`).

    A query that keeps failing is appended to `failures` as CrawlFailure(kind="query");
    without a `failures` list its error is raised.
    """
    adhoc = adhoc or {}
    ids = sorted(set(query_ids), key=id_sort_key)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="looker-sql") as pool:
        results = _fetch_each(
            pool,
            ids,
            lambda qid: _generated_sql(client, qid, adhoc.get(qid)),
        )
    sql: dict[str, str] = {}
    for qid, result in results.items():
        if isinstance(result, LookerRequestError):
            if failures is None:
                raise result
            failures.append(CrawlFailure("query", qid, str(result)))
        else:
            sql[qid] = result
    return sql


def _generated_sql(client: LookerClient, query_id: str, adhoc: Query | None) -> str:
    # rebuild_pdts: Looker then writes the CREATE statements of persistent derived tables, so
    # their inputs are in the SQL instead of only their scratch table
    if adhoc is None:
        path = f"/queries/{quote(query_id, safe='')}/run/sql"
        return client.get_text(path, rebuild_pdts="true")
    return client.post_text("/queries/run/sql", inline_body(adhoc), rebuild_pdts="true")


def inline_body(query: Query) -> dict[str, Any]:
    """The body of run_inline_query (chosen over the URL-encoded GET: only it documents
    rebuild_pdts), for a query lineage prepared to run (views.inline_request)."""
    body: dict[str, Any] = {
        "model": query.model,
        "view": query.explore,
        "fields": list(query.fields),
    }
    if query.sorts:
        body["sorts"] = list(query.sorts)
    if query.pivots:
        body["pivots"] = list(query.pivots)
    if query.dynamic_fields:
        body["dynamic_fields"] = query.dynamic_fields
    return body


def _fetch_each(
    pool: ThreadPoolExecutor,
    items: Iterable[K],
    fetch: Callable[[K], V],
    on_done: Callable[[int, int], None] | None = None,
) -> dict[K, V | LookerRequestError]:
    """fetch(item) for each item on the pool; a request that kept failing becomes its value.

    Other errors (credentials, a bug) propagate: they would fail every other request too.
    """
    futures: dict[Future[V], K] = {pool.submit(fetch, item): item for item in items}
    results: dict[K, V | LookerRequestError] = {}
    for done, future in enumerate(as_completed(futures), 1):
        try:
            results[futures[future]] = future.result()
        except LookerRequestError as err:
            results[futures[future]] = err
        if on_done:
            on_done(done, len(futures))
    return results


class _Crawler:
    def __init__(
        self,
        client: LookerClient,
        config: Config,
        pool: ThreadPoolExecutor,
        progress: Progress,
        page_size: int,
    ) -> None:
        self.client = client
        self.config = config
        self.pool = pool
        self.progress = progress
        self.page_size = page_size
        self.failures: list[CrawlFailure] = []
        self.tile_looks: list[Look] = []  # looks that came nested in dashboard tiles
        self.queries: dict[str, Query] = {}  # every query met so far, so none is asked twice

    def run(self) -> Crawl:
        self.client.login()  # bad settings fail here, before any work is queued
        listings = self._start_listings()
        dashboards = self._dashboards(listings)
        looks = self._looks(listings["looks"].result())
        looks.update(self._looks_not_served(dashboards, looks))
        merges = self._merge_queries(dashboards)
        explores = self._explores(dashboards, looks, merges)
        return Crawl(
            base_url=self.client.base_url,
            dashboards=sorted(dashboards.values(), key=lambda d: id_sort_key(d.id)),
            looks=_sorted_dict(looks),
            merge_queries=_sorted_dict(merges),
            explores=dict(sorted(explores.items())),
            connections=_sorted_dict(self._connections(explores)),
            users=_sorted_dict(self._users(dashboards, looks)),
            folders=_sorted_dict(self._folders(dashboards, looks, listings["folders"].result())),
            failures=sorted(self.failures, key=lambda f: (f.kind, id_sort_key(f.id), f.reason)),
        )

    def _fail(self, kind: str, item_id: str, reason: str) -> None:
        self.failures.append(CrawlFailure(kind, item_id, reason))

    # -- listings: independent of each other, so they run side by side ------------------------

    def _start_listings(self) -> dict[str, Future[Any]]:
        submit = self.pool.submit
        listed = submit(self._listing, "/dashboards", answers.DASHBOARD_ROW)
        return {
            "live": submit(
                self._dashboard_pages,
                "/dashboards/search",
                answers.DASHBOARD,
                "dashboards",
                listed,
                deleted="false",
            ),
            "lookml": submit(self._lookml_pages),
            "deleted": submit(
                self._pages, "/dashboards/search", answers.DASHBOARD_ROW, None, deleted="true"
            ),
            "all": listed,
            "looks": submit(self._standalone_looks),
            "folders": submit(self._listing, "/folders", answers.FOLDER),
        }

    def _listing(self, path: str, shape: Shape, **params: Any) -> list[dict[str, Any]]:
        return self.client.get_json(path, fields=shape.fields, expect=answers.rows(shape), **params)

    def _one(self, path: str, shape: Shape, asked_id: str | None = None) -> dict[str, Any]:
        """GET one object; with `asked_id`, an answer about another one is not an answer."""
        check = answers.one(shape, asked_id)
        return self.client.get_json(path, fields=shape.fields, expect=check)

    def _pages(
        self, path: str, shape: Shape, stage: str | None, **params: Any
    ) -> list[dict[str, Any]]:
        """Every row of a paged search, in pages of `page_size` ordered by id."""
        rows: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self._page(path, shape, offset, **params)
            new = {str(row["id"]): row for row in page if str(row["id"]) not in rows}
            rows.update(new)
            offset += len(page)
            if stage:
                self.progress.update(stage, len(rows), None)
            # a short page ends the search; so does one with nothing new (offset ignored)
            if len(page) < self.page_size or not new:
                return list(rows.values())

    def _page(self, path: str, shape: Shape, offset: int, **params: Any) -> list[dict[str, Any]]:
        return self._listing(path, shape, limit=self.page_size, offset=offset, sorts="id", **params)

    def _dashboard_pages(
        self,
        path: str,
        shape: Shape,
        stage: str,
        listed: Future[Any] | None = None,
        **params: Any,
    ) -> list[Row]:
        """Dashboards with their tiles, page by page; a page that keeps failing is read again
        as a light page (ids and titles) and then one dashboard at a time. Failures are kept
        only when the whole listing succeeds: a caller that falls back reads them again.
        When `/dashboards` (`listed`) tells how many there are, the pages that holds are read
        side by side (the rest, if dashboards came meanwhile, one after the other)."""
        rows: dict[str, Row] = {}
        failures: list[CrawlFailure] = []
        offset = 0
        # the known pages, then one page after another from where they end (until a short
        # page); the lambda reads `offset` as it is at each call
        after = iter(lambda: self._dashboard_page(path, shape, offset, failures, **params), None)
        for page in chain(self._known_pages(path, shape, listed, failures, **params), after):
            new = {_row_id(row): row for row in page if _row_id(row) not in rows}
            rows.update(new)
            offset += len(page)
            self.progress.update(stage, len(rows), None)
            if len(page) < self.page_size or not new:
                self.failures.extend(failures)
                return list(rows.values())

    def _dashboard_page(
        self, path: str, shape: Shape, offset: int, failures: list[CrawlFailure], **params: Any
    ) -> list[Row]:
        try:
            return self._page(path, shape, offset, **params)
        except NotFound:
            raise
        except LookerRequestError:
            return self._page_one_by_one(path, offset, failures, **params)

    def _known_pages(
        self,
        path: str,
        shape: Shape,
        listed: Future[Any] | None,
        failures: list[CrawlFailure],
        **params: Any,
    ) -> list[list[Row]]:
        """The pages `/dashboards` says the search holds, read side by side on the pool (this
        task waits for them: fine with two workers or more, as no other task waits). Nothing
        when the count is unknown or there is one worker."""
        if listed is None or self.config.concurrency < 2:
            return []
        try:
            count = sum("::" not in str(row["id"]) for row in listed.result())
        except Exception:  # noqa: BLE001 - `_dashboards` reports it; page one by one here
            return []
        pages = count // self.page_size + 1
        per_page: list[list[CrawlFailure]] = [[] for _ in range(pages)]
        futures = [
            self.pool.submit(
                self._dashboard_page, path, shape, k * self.page_size, per_page[k], **params
            )
            for k in range(pages)
        ]
        read = [future.result() for future in futures]
        failures.extend(f for page_failures in per_page for f in page_failures)
        return read

    def _page_one_by_one(
        self, path: str, offset: int, failures: list[CrawlFailure], **params: Any
    ) -> list[Row]:
        """The rows of a failed page, fetched each on its own (sequentially: this runs on a pool
        thread, and it is the rare path). A dashboard that fails alone becomes a record without
        tiles (listed, so not gone) plus a failure, so its previous entry stays."""
        rows: list[Row] = []
        for row in self._page(path, answers.DASHBOARD_ROW, offset, **params):
            dashboard_id = str(row["id"])
            try:
                rows.append(self._get_dashboard(dashboard_id))
            except LookerRequestError as err:
                failures.append(CrawlFailure("dashboard", dashboard_id, str(err)))
                rows.append(Dashboard(id=dashboard_id, title=row.get("title") or ""))
        return rows

    def _get_dashboard(self, dashboard_id: str) -> Any:
        # LookML dashboards' ids are model::name
        shape = answers.LOOKML_DASHBOARD if "::" in dashboard_id else answers.DASHBOARD
        return self._one(f"/dashboards/{quote(dashboard_id, safe='')}", shape, dashboard_id)

    def _lookml_pages(self) -> list[Row] | None:
        """LookML dashboards with their tiles, from their own search; None on a Looker that
        predates `/dashboards/lookml/search` or fails it (they are then read one by one)."""
        try:
            return self._dashboard_pages(
                "/dashboards/lookml/search", answers.LOOKML_SEARCH_ROW, "LookML dashboards"
            )
        except LookerRequestError:
            return None

    def _standalone_looks(self) -> list[dict[str, Any]]:
        if not self.config.include_looks:
            return []
        return self._pages("/looks/search", answers.LOOK_ROW, "looks", deleted="false")

    # -- dashboards ----------------------------------------------------------------------------

    def _dashboards(self, listings: dict[str, Future[Any]]) -> dict[str, Dashboard]:
        listed = {str(row["id"]): row.get("title") or "" for row in listings["all"].result()}
        lookml_rows = listings["lookml"].result()
        if lookml_rows is None:
            lookml_rows = self._lookml_one_by_one({i: t for i, t in listed.items() if "::" in i})
        else:
            lookml_rows = self._complete(lookml_rows)
        found = self._decode_dashboards([*listings["live"].result(), *lookml_rows])
        for row in listings["deleted"].result():
            dashboard_id = str(row["id"])
            if dashboard_id not in found:
                found[dashboard_id] = Dashboard(
                    id=dashboard_id, title=row.get("title") or "", deleted=True
                )
        # Offset paging misses rows when dashboards come or go meanwhile; one that /dashboards
        # lists but the search did not is not gone: it fails, so its previous entry stays.
        for dashboard_id in sorted(listed.keys() - found.keys(), key=id_sort_key):
            self._fail("dashboard", dashboard_id, "listed by /dashboards but not by the search")
            found[dashboard_id] = Dashboard(id=dashboard_id, title=listed[dashboard_id])
        self._remember_queries(found.values())
        return found

    def _complete(self, rows: list[Row]) -> list[Row]:
        """A search answer without dashboard_elements (absent or null: not what we asked for)
        is not a dashboard without tiles (those come as []): read those one by one rather
        than lose their entries."""
        tileless = {
            str(row["id"]): row.get("title") or ""
            for row in rows
            if isinstance(row, dict) and row.get("dashboard_elements") is None
        }
        if not tileless:
            return rows
        kept = [row for row in rows if _row_id(row) not in tileless]
        return kept + self._lookml_one_by_one(tileless)

    def _decode_dashboards(self, rows: list[Row]) -> dict[str, Dashboard]:
        found = {}
        for row in rows:
            if isinstance(row, Dashboard):  # one that failed: already a record without tiles
                found[row.id] = row
                continue
            found[str(row["id"])] = dashboard_from_json(row)
            self.tile_looks.extend(looks_in_dashboard(row))
        return found

    def _remember_queries(self, dashboards: Iterable[Dashboard]) -> None:
        tile_queries = [tile.query for d in dashboards for tile in d.tiles]
        for query in [*tile_queries, *(look.query for look in self.tile_looks)]:
            if query is not None and query.id:
                self.queries[query.id] = query

    def _lookml_one_by_one(self, titles: dict[str, str]) -> list[Row]:
        """Older Lookers have no LookML dashboard search: one call each, for their tiles."""
        results = _fetch_each(
            self.pool, sorted(titles), self._get_dashboard, self._tick("LookML dashboards")
        )
        rows: list[Row] = []
        for did, result in results.items():
            if isinstance(result, LookerRequestError):
                self._fail("dashboard", did, str(result))
                rows.append(Dashboard(id=did, title=titles[did]))
            else:
                rows.append(result)
        return rows

    def _tick(self, stage: str) -> Callable[[int, int], None]:
        return lambda done, total: self.progress.update(stage, done, total)

    # -- looks, merged results, explores --------------------------------------------------------

    def _looks(self, rows: list[dict[str, Any]]) -> dict[str, Look]:
        """Looks on dashboard tiles (they came with their query) and, when configured, the
        standalone ones from /looks/search, whose query is one more call each."""
        looks = {look.id: look for look in self.tile_looks}
        rows = [row for row in rows if str(row["id"]) not in looks]
        queries = self._queries(
            {str(row["query_id"]) for row in rows if row.get("query_id")}, "look queries"
        )
        for row in rows:
            look = look_from_json(row)
            query = queries.get(str(row.get("query_id")))
            if isinstance(query, LookerRequestError):
                self._fail("look", look.id, f"query {row['query_id']}: {query}")
            looks[look.id] = replace(look, query=query) if isinstance(query, Query) else look
        return looks

    def _looks_not_served(
        self, dashboards: dict[str, Dashboard], looks: dict[str, Look]
    ) -> dict[str, Look]:
        """Looks that tiles show but whose `look` came null: asked on their own, one call
        each (rare). 404: Looker does not serve it (lineage notes it); a failure fails the
        dashboards showing it, rather than read as a tile without dependencies."""
        wanted = _dependents(dashboards, lambda tile: tile.look_id)
        missing = sorted(wanted.keys() - looks.keys(), key=id_sort_key)
        results = _fetch_each(
            self.pool,
            missing,
            lambda lid: look_from_json(
                self._one(f"/looks/{quote(lid, safe='')}", answers.LOOK, lid)
            ),
            self._tick("looks"),
        )
        found: dict[str, Look] = {}
        for look_id, result in results.items():
            if isinstance(result, Look):
                found[look_id] = result
            elif not isinstance(result, NotFound):
                self._fail("look", look_id, str(result))
                for dashboard_id in sorted(wanted[look_id], key=id_sort_key):
                    self._fail("dashboard", dashboard_id, f"look {look_id}: {result}")
        return found

    def _queries(self, ids: Iterable[str], stage: str) -> dict[str, Query | LookerRequestError]:
        """Queries by id: those met already, and one call for each of the others."""
        fetched = _fetch_each(
            self.pool,
            sorted(set(ids) - set(self.queries), key=id_sort_key),
            lambda qid: query_from_json(
                self._one(f"/queries/{quote(qid, safe='')}", answers.QUERY, qid)
            ),
            self._tick(stage),
        )
        self.queries.update((k, v) for k, v in fetched.items() if isinstance(v, Query))
        return {**{qid: self.queries[qid] for qid in ids if qid in self.queries}, **fetched}

    def _merge_queries(self, dashboards: dict[str, Dashboard]) -> dict[str, MergeQuery]:
        """Merges and their source queries: every one, or with merged_results: explores only
        those whose tile does not name its source explores."""
        every = self.config.merged_results == "queries"
        dependents = _dependents(
            dashboards,
            lambda tile: tile.merge_result_id if every or not tile.merge_sources else None,
        )
        merges = _fetch_each(
            self.pool,
            sorted(dependents, key=id_sort_key),
            lambda mid: self._one(f"/merge_queries/{quote(mid, safe='')}", answers.MERGE, mid),
            self._tick("merged results"),
        )
        query_ids = {
            qid for m in merges.values() if isinstance(m, dict) for qid in merge_source_query_ids(m)
        }
        queries = self._queries(query_ids, "merged queries")
        return self._complete_merges(merges, queries, dependents)

    def _complete_merges(
        self,
        merges: dict[str, Any],
        queries: dict[str, Query | LookerRequestError],
        dependents: dict[str, set[str]],
    ) -> dict[str, MergeQuery]:
        good: dict[str, MergeQuery] = {}
        for mid, merge in merges.items():
            errors = [merge] if isinstance(merge, LookerRequestError) else []
            errors += [
                queries[qid]
                for qid in merge_source_query_ids(merge if isinstance(merge, dict) else {})
                if isinstance(queries[qid], LookerRequestError)
            ]
            if errors:
                for did in dependents[mid]:
                    self._fail("dashboard", did, f"merged results {mid}: {errors[0]}")
            else:
                good[mid] = merge_query_from_json(merge, queries)  # type: ignore[arg-type]
        return good

    def _explores(
        self,
        dashboards: dict[str, Dashboard],
        looks: dict[str, Look],
        merges: dict[str, MergeQuery],
    ) -> dict[tuple[str, str], Explore | None]:
        dependents = _explore_dependents(dashboards, looks, merges)
        results = _fetch_each(
            self.pool,
            sorted(dependents),
            lambda key: self._one(
                f"/lookml_models/{quote(key[0], safe='')}/explores/{quote(key[1], safe='')}",
                answers.EXPLORE,
            ),
            self._tick("explores"),
        )
        explores: dict[tuple[str, str], Explore | None] = {}
        for key, result in results.items():
            if isinstance(result, NotFound):
                explores[key] = None  # the explore no longer exists: lineage reports it
            elif isinstance(result, LookerRequestError):
                self._explore_failed(key, str(result), dependents[key])
            else:
                explores[key] = explore_from_json(result)
        return explores

    def _explore_failed(self, key: tuple[str, str], reason: str, dependents: set[str]) -> None:
        self._fail("explore", f"{key[0]}::{key[1]}", reason)
        for dependent in dependents:
            kind, item_id = dependent.split(":", 1)
            self._fail(kind, item_id, f"explore {key[0]}::{key[1]}: {reason}")

    # -- connections, users, folders ------------------------------------------------------------

    def _connections(
        self, explores: dict[tuple[str, str], Explore | None]
    ) -> dict[str, Connection]:
        names = sorted({e.connection_name for e in explores.values() if e and e.connection_name})
        results = _fetch_each(
            self.pool,
            names,
            lambda name: self._one(f"/connections/{quote(name, safe='')}", answers.CONNECTION),
            self._tick("connections"),
        )
        connections = {}
        for name, result in results.items():
            if isinstance(result, LookerRequestError):
                # not fatal: config `connections:` may supply the dialect; lineage decides
                self._fail("connection", name, str(result))
            else:
                connections[name] = connection_from_json(result)
        return connections

    def _users(self, dashboards: dict[str, Dashboard], looks: dict[str, Look]) -> dict[str, User]:
        ids = sorted(
            {d.user_id for d in dashboards.values() if d.user_id and not d.deleted}
            | {look.user_id for look in looks.values() if look.user_id},
            key=id_sort_key,
        )
        chunks = [tuple(ids[i : i + USER_CHUNK]) for i in range(0, len(ids), USER_CHUNK)]
        results = _fetch_each(
            self.pool,
            chunks,
            self._users_by_ids,
            self._tick("users"),
        )
        users: dict[str, User] = {}
        for result in results.values():
            if isinstance(result, LookerRequestError):
                raise result  # owners would silently fall back to the default owner
            users.update((u.id, u) for u in map(user_from_json, result))
        return users

    def _users_by_ids(self, ids: tuple[str, ...]) -> list[dict[str, Any]]:
        """Users by id; an answer with users we did not ask for is not an answer (a user we
        asked for and did not get is unknown: deleted users are not listed)."""
        asked = set(ids)
        rows_check = answers.rows(answers.USER)

        def check(value: Any) -> str | None:
            problem = rows_check(value)
            strangers = problem is None and {str(row["id"]) for row in value} - asked
            return problem or (f"users not asked for: {sorted(strangers)}" if strangers else None)

        return self.client.get_json("/users", fields=answers.USER.fields, expect=check, ids=ids)

    def _folders(
        self,
        dashboards: dict[str, Dashboard],
        looks: dict[str, Look],
        rows: list[dict[str, Any]],
    ) -> dict[str, Folder]:
        folders = {f.id: f for f in map(folder_from_json, rows)}
        wanted = {d.folder_id for d in dashboards.values() if d.folder_id and not d.deleted}
        wanted |= {look.folder_id for look in looks.values() if look.folder_id}
        tried: set[str] = set()
        while missing := _missing_folders(folders, wanted) - tried:
            # the API user may not see a parent in /folders; ask for it by id (404: unknown)
            tried |= missing
            results = _fetch_each(
                self.pool,
                sorted(missing, key=id_sort_key),
                lambda fid: self._one(f"/folders/{quote(fid, safe='')}", answers.FOLDER, fid),
            )
            for fid, result in results.items():
                if isinstance(result, NotFound):  # a definite answer, unlike a failure
                    folders[fid] = Folder(fid, "", None, hidden=True)
                    continue
                if isinstance(result, LookerRequestError):
                    raise result
                folder = folder_from_json(result)
                folders[folder.id] = folder
        return folders


def _row_id(row: Row) -> str:
    return row.id if isinstance(row, Dashboard) else str(row["id"])


def _sorted_dict(items: dict[str, V]) -> dict[str, V]:
    return {key: items[key] for key in sorted(items, key=id_sort_key)}


def _dependents(
    dashboards: dict[str, Dashboard], pick: Callable[[Any], str | None]
) -> dict[str, set[str]]:
    """value picked from a tile -> ids of the live dashboards with such a tile."""
    users: dict[str, set[str]] = {}
    for dashboard in dashboards.values():
        for tile in dashboard.tiles if not dashboard.deleted else ():
            value = pick(tile)
            if value:
                users.setdefault(value, set()).add(dashboard.id)
    return users


def _explore_dependents(
    dashboards: dict[str, Dashboard],
    looks: dict[str, Look],
    merges: dict[str, MergeQuery],
) -> dict[tuple[str, str], set[str]]:
    """(model, explore) -> "dashboard:<id>" / "look:<id>" for everything that queries it."""
    dependents: dict[tuple[str, str], set[str]] = {}

    def add(query: Query | None, dashboard_ids: Iterable[str], look_id: str | None = None) -> None:
        if query is None or not (query.model and query.explore):
            return
        found = dependents.setdefault((query.model, query.explore), set())
        found.update(f"dashboard:{did}" for did in dashboard_ids)
        if look_id:
            found.add(f"look:{look_id}")

    on_looks = _dependents(dashboards, lambda tile: tile.look_id)
    on_merges = _dependents(dashboards, lambda tile: tile.merge_result_id)
    for dashboard in dashboards.values():
        for tile in dashboard.tiles if not dashboard.deleted else ():
            add(tile.query, [dashboard.id])
    for look in looks.values():
        add(look.query, on_looks.get(look.id, ()), look.id)
    for merge in merges.values():
        for query in merge.source_queries:
            add(query, on_merges.get(merge.id, ()))
    for dashboard in dashboards.values():
        for tile in dashboard.tiles if not dashboard.deleted else ():
            if tile.merge_result_id and tile.merge_result_id not in merges:
                # merge not read (merged_results: explores) or failed: the tile's explores
                for ref in tile.merge_sources:
                    add(Query(None, ref.model, ref.explore), [dashboard.id])
    return dependents


def _missing_folders(folders: dict[str, Folder], wanted: set[str]) -> set[str]:
    """Folders wanted, or ancestors of them, that we have no record of."""
    missing: set[str] = set()
    for folder_id in wanted:
        current: str | None = folder_id
        seen: set[str] = set()
        while current and current not in seen:
            seen.add(current)
            if current not in folders:
                missing.add(current)
                break
            current = folders[current].parent_id
    return missing
