"""The Looker API 4.0 emulator: a threaded HTTP server on 127.0.0.1 that looker-sdk talks to.

    with EmulatorServer(load_instance()) as server:
        os.environ.update(server.env())          # LOOKERSDK_* for looker_sdk.init40()
        ...
        server.stats.counts()                     # {"search_dashboards": 2, ...}
        server.set_faults(FaultConfig(fault_rate=0.2, seed=7))

Looker behaviour kept, and choices where it is undocumented (those that help a client least):
- `POST /login` takes form-encoded (or query) `client_id`/`client_secret`; bad credentials get
  404 `Not found`, as in Looker. Tokens are accepted as `Authorization: token X` or `Bearer X`
  and expire after `token_lifetime_s`; without a valid one every call gets 401.
- Unknown ids and paths get 404 with Looker's body `{"message": "Not found",
  "documentation_url": ...}`. The documentation URL deliberately does not have the `/r/err/`
  form: looker-sdk would try to download error docs from the internet for those.
- Search endpoints: `deleted` defaults to false; strings match case-insensitively with `%`/`_`
  wildcards; ids take comma lists; `IS NULL`/`NOT NULL`; `filter_or`; `sorts`; `limit`/`offset`
  or `page`/`per_page`. Without `sorts` results come in id order.
- `/dashboards/search` lists user-defined dashboards only; `/dashboards/lookml/search` LookML
  ones only (never deleted), as full Dashboards like `/dashboards/{id}`; `/dashboards` lists every
  non-deleted one, LookML dashboards included, as DashboardBase (no elements).
- `/queries/{id}/run/sql` answers text/plain SQL (see sql.py); other formats get 400, and a
  query on an explore that is gone gets 404. `/queries/models/{m}/views/{v}/run/sql` does the
  same for a query given in the URL (`fields`, `f[field]=value`, `sorts`, `pivots`, `limit`);
  there `fields` names the query's fields, not the response's. `POST /queries/run/sql`
  (run_inline_query) does the same for a query given as a JSON body.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, TextIO, TypeVar
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from . import hostile
from . import resources as res
from .content import DashboardSpec, QuerySpec
from .faults import FaultConfig, FaultInjector, RequestStats, monotonic_ms
from .fields import FieldsSyntaxError, FieldTree, parse_fields, select
from .instance import Instance, load_instance
from .sql import UnknownExploreError, generate_sql

API_PREFIX = "/api/4.0"
DOC_URL = "https://cloud.google.com/looker/docs/reference/looker-api/latest"


T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Unserializable(Exception):
    """The reply would include content the server cannot serialize (a broken dashboard): Looker
    answers 500, and the request log records it as fault "500"."""


def not_found() -> ApiError:
    return ApiError(404, "Not found")


@dataclass
class Reply:
    status: int
    body: Any  # JSON-able, or str for text/plain
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None  # set when content, not the seeded injector, made it fail


@dataclass
class Call:
    params: dict[str, str]
    args: tuple[str, ...]
    form: dict[str, str]
    body: bytes = b""  # the raw request body (a JSON body for POSTs other than login)


Handler = Callable[["EmulatorServer", Call], Reply]
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []
# operations whose `fields` parameter names query fields, not the response keys to keep
QUERY_FIELDS_OPERATIONS = frozenset({"run_url_encoded_query"})


def route(method: str, template: str, operation: str) -> Callable[[Handler], Handler]:
    """Register a handler; `{x}` in the template is one path segment, passed unquoted."""
    pattern = re.compile("^" + re.sub(r"\{\w+\}", "([^/]+)", template) + "$")

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, pattern, operation, fn))
        return fn

    return register


def match_route(method: str, path: str) -> tuple[str, Handler | None, tuple[str, ...]]:
    for m, pattern, operation, fn in ROUTES:
        hit = pattern.match(path)
        if hit and m == method:
            return operation, fn, tuple(unquote(g) for g in hit.groups())
    return "unknown", None, ()


class EmulatorServer:
    """A running emulator. `start()`/`stop()` or use it as a context manager."""

    def __init__(
        self,
        instance: Instance | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
        token_lifetime_s: float = 3600.0,
        client_id: str | None = None,
        client_secret: str | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.log = log  # where the one-line error reports go (None: stderr)
        self.instance = instance if instance is not None else load_instance()
        self.host, self.port = host, port
        self.faults = FaultInjector(faults)
        self.stats = RequestStats()
        self.token_lifetime_s = token_lifetime_s
        self.client_id = client_id or secrets.token_hex(10)
        self.client_secret = client_secret or secrets.token_hex(12)
        self._tokens: dict[str, float] = {}
        self._token_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.stopping = threading.Event()  # ends the waits of hostile answers (hostile.py)
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        self.stopping.clear()
        handler = type("Handler", (_RequestHandler,), {"emulator": self})
        self._httpd = _Httpd((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to one interval
            name=f"looker-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The LOOKERSDK_* variables that point looker-sdk at this server."""
        return {
            "LOOKERSDK_BASE_URL": self.base_url,
            "LOOKERSDK_CLIENT_ID": self.client_id,
            "LOOKERSDK_CLIENT_SECRET": self.client_secret,
            "LOOKERSDK_VERIFY_SSL": "false",
        }

    # --- test controls -------------------------------------------------------------------------

    def set_faults(self, config: FaultConfig | None = None) -> None:
        """New fault settings (None: none); the per-URL sequences start again."""
        self.faults.reset(config or FaultConfig())

    def expire_tokens(self) -> None:
        """Make every token issued so far expired, as if its lifetime had passed."""
        with self._token_lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def add_dashboard(self, item: dict[str, Any]) -> str:
        """Add a dashboard given in content.yml's shape; returns its id."""
        with self.instance.lock:
            return self.instance.builder().add_dashboard(item).id

    def update_dashboard(self, dashboard_id: str, **changes: Any) -> None:
        """Change attributes (title, deleted, folder_id, ...) of a dashboard."""
        with self.instance.lock:
            dash = self.instance.content.dashboards[dashboard_id]
            for key, value in changes.items():
                if not hasattr(dash, key) or key in ("id", "tiles"):
                    raise AttributeError(f"dashboards have no settable {key!r}")
                setattr(dash, key, value)

    def delete_dashboard(self, dashboard_id: str, *, hard: bool = False) -> None:
        """Soft-delete (Looker's trash), or remove entirely so that it answers 404."""
        with self.instance.lock:
            if hard:
                del self.instance.content.dashboards[dashboard_id]
            else:
                self.instance.content.dashboards[dashboard_id].deleted = True

    # --- auth ----------------------------------------------------------------------------------

    def _login(self, client_id: str, client_secret: str) -> dict[str, Any]:
        # as bytes: compare_digest refuses str with non-ASCII characters, and any client may
        # send any credentials
        ok_id = secrets.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = secrets.compare_digest(client_secret.encode(), self.client_secret.encode())
        if not (ok_id and ok_secret):
            raise not_found()
        token = secrets.token_urlsafe(30)
        with self._token_lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime_s
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime_s),
            "refresh_token": None,
        }

    def _authorized(self, header: str | None) -> str | None:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token:
            return None
        with self._token_lock:
            expires = self._tokens.get(token.strip())
        return token.strip() if expires is not None and expires > time.monotonic() else None

    def _logout(self, token: str) -> None:
        with self._token_lock:
            self._tokens.pop(token, None)


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line on stderr instead of socketserver's traceback: a client that hangs up
        mid-answer (timeouts do) is ordinary, and a server error still says what it was."""
        err = sys.exc_info()[1]
        client = ":".join(map(str, client_address)) if client_address else "a client"
        if isinstance(err, ConnectionError | TimeoutError):
            what = f"{client} disconnected before its answer was sent ({type(err).__name__})"
        else:
            what = f"error answering {client}: {type(err).__name__}: {err}"
        emulator = getattr(self.RequestHandlerClass, "emulator", None)
        log = (emulator.log if emulator else None) or sys.stderr
        print(f"looker emulator: {what}", file=log, flush=True)


class _RequestHandler(BaseHTTPRequestHandler):
    emulator: EmulatorServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server_version = "LookerEmulator/4.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the request log is in `EmulatorServer.stats`."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        start = time.monotonic()
        url = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True  # the body cannot be skipped
            self._send(_error(400, "Content-Length must be a number"))
            return
        raw_body = self.rfile.read(length) if length > 0 else b""
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        operation, handler, args, path = _resolve(method, url.path)
        query = urlencode(sorted(params.items()))
        decision = self.emulator.faults.decide(method, path, query, operation)
        if decision.delay_s > 0:
            time.sleep(decision.delay_s)
        reply: Reply | None = None  # None: drop the connection
        fault = decision.fault
        mangle = self.emulator.faults.mangling(path) if fault is None else None
        if fault is None:
            call = Call(params, args, _form(raw_body, self.headers.get("Content-Type")), raw_body)
            reply = self._dispatch(operation, handler, call)
            fault = reply.fault
            if mangle is not None:
                reply = _mangled(reply, *mangle)
                fault = f"mangle {':'.join(filter(None, mangle))}"
        elif fault != "drop":
            reply = self._fault_reply(fault)
        # Recorded before the answer goes out: once a client has its answer, the counters
        # already include the request.
        self.emulator.stats.record(
            method=method,
            path=path,
            query=query,
            operation=operation,
            k=decision.k,
            fault=fault,
            status=reply.status if reply else None,
            duration_ms=monotonic_ms(start),
        )
        if reply is None:
            self._drop()
        elif mangle is not None and mangle[0] in hostile.TIME_KINDS:
            self._misbehave(mangle[0], reply)
        else:
            self._send(reply)

    def _misbehave(self, kind: str, reply: Reply) -> None:
        head, payload = _serialized(reply, self.server_version, framed=kind != "huge")
        self.close_connection = True
        writer = hostile.Misbehaviour(self.wfile.write, self.emulator.stopping)
        writer.send(kind, head, payload)

    def _dispatch(self, operation: str, handler: Handler | None, call: Call) -> Reply:
        emulator = self.emulator
        try:
            if handler is None:
                raise not_found()
            if operation != "login":
                token = emulator._authorized(self.headers.get("Authorization"))
                if token is None:
                    raise ApiError(401, "Requires authentication.")
                call.form["_token"] = token
            tree = _response_fields(operation, call.params)
            with emulator.instance.lock:
                reply = handler(emulator, call)
            if tree is not None and reply.content_type == "application/json":
                reply.body = select(reply.body, tree)
            return reply
        except FieldsSyntaxError as err:
            return _error(400, str(err))
        except ApiError as err:
            return _error(err.status, err.message)
        except Unserializable:
            reply = self._fault_reply("500")
            reply.fault = "500"
            return reply

    def _fault_reply(self, fault: str) -> Reply:
        if fault == "429":
            after = str(self.emulator.faults.config.retry_after_s)
            return Reply(429, _error_body("Too Many Requests"), headers=(("Retry-After", after),))
        message = {
            "404": "Not found",
            "500": "Internal Server Error",
            "503": "Service Unavailable",
        }[fault]
        return Reply(int(fault), _error_body(message))

    def _send(self, reply: Reply) -> None:
        payload = _payload(reply)
        self.send_response(reply.status)
        # JSON is UTF-8 by definition; text says no charset, which is what helps a client
        # least (HTTP's old default for text/* is ISO-8859-1, and requests follows it)
        charset = "; charset=utf-8" if reply.content_type == "application/json" else ""
        self.send_header("Content-Type", f"{reply.content_type}{charset}")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.status != 204:
            self.wfile.write(payload)

    def _drop(self) -> None:
        """Close the connection without a response, as a dying load balancer does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _payload(reply: Reply) -> bytes:
    if isinstance(reply.body, bytes):  # a hostile answer, as is
        return reply.body
    if reply.content_type == "application/json":
        return json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
    return str(reply.body).encode("utf-8")


def _serialized(reply: Reply, server: str, *, framed: bool) -> tuple[bytes, bytes]:
    """Status line and headers, and the body, as bytes; unframed: no Content-Length, the
    body ends when the connection closes."""
    payload = _payload(reply)
    lines = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}", f"Server: {server}"]
    lines.append(f"Content-Type: {reply.content_type}")
    lines.append(f"Content-Length: {len(payload)}" if framed else "Connection: close")
    lines += [f"{name}: {value}" for name, value in reply.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), payload


def _mangled(reply: Reply, kind: str, key: str | None) -> Reply:
    """The reply as a hostile endpoint sends it; only successful answers are mangled."""
    if reply.status != 200:
        return reply
    if kind in hostile.BODY_KINDS:
        body, content_type = hostile.BODIES[kind]
        return Reply(200, body, content_type=content_type, headers=reply.headers)
    if kind in hostile.JSON_KINDS and reply.content_type == "application/json":
        return Reply(200, hostile.mangle_json(reply.body, kind, key), headers=reply.headers)
    return reply


def _resolve(method: str, full_path: str) -> tuple[str, Handler | None, tuple[str, ...], str]:
    """(operation, handler, path arguments, path without the API prefix)."""
    if full_path in ("/api/login", "/api/logout"):  # looker-sdk's AuthSession.logout() uses these
        path = full_path[len("/api") :]
    elif full_path.startswith(API_PREFIX + "/"):
        path = full_path[len(API_PREFIX) :]
    else:
        return "unknown", None, (), full_path
    return (*match_route(method, path), path)


def _response_fields(operation: str, params: dict[str, str]) -> FieldTree | None:
    """The `fields=` selector of the response, or None to send it whole."""
    if operation in QUERY_FIELDS_OPERATIONS or not params.get("fields"):
        return None
    return parse_fields(params["fields"])


def _form(body: bytes, content_type: str | None) -> dict[str, str]:
    if body and "x-www-form-urlencoded" in (content_type or ""):
        text = body.decode("utf-8", errors="replace")  # bad bytes: credentials that fail
        return {k: v[-1] for k, v in parse_qs(text).items()}
    return {}


def _error_body(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": DOC_URL}


def _error(status: int, message: str) -> Reply:
    return Reply(status, _error_body(message))


def _found(value: T | None) -> T:
    """The looked-up item, or Looker's 404 when there is none."""
    if value is None:
        raise not_found()
    return value


def ok(body: Any) -> Reply:
    return Reply(200, body)


# --- search ----------------------------------------------------------------------------------


def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)


def _matches(value: Any, wanted: str, kind: str) -> bool:
    if wanted.upper() in ("IS NULL", "NOT NULL"):
        return (value is None) == (wanted.upper() == "IS NULL")
    if value is None:
        return False
    if kind == "bool":
        return bool(value) == (wanted.lower() == "true")
    if kind == "id":
        return str(value) in {w.strip() for w in wanted.split(",")}
    return bool(_like(wanted).match(str(value)))


def search(items: Iterable[Any], params: dict[str, str], spec: dict[str, str]) -> list[Any]:
    """Looker search semantics over records (see the module docstring)."""
    wanted = {k: v for k, v in params.items() if k in spec and k != "deleted"}
    deleted = params.get("deleted", "false").lower() == "true"
    any_of = params.get("filter_or", "").lower() == "true"
    out = []
    for item in items:
        if getattr(item, "deleted", False) != deleted:
            continue
        hits = [_matches(getattr(item, k, None), v, spec[k]) for k, v in wanted.items()]
        if not hits or (any(hits) if any_of else all(hits)):
            out.append(item)
    return page(sort(out, params.get("sorts")), params)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    text = str(value)
    return (1, int(text)) if text.isdigit() else (2, text.lower())


def sort(items: list[Any], sorts: str | None) -> list[Any]:
    keys = [s.split() for s in (sorts or "id").split(",") if s.strip()]
    for key in reversed(keys):
        desc = len(key) > 1 and key[1].lower() == "desc"
        items = sorted(items, key=lambda i, k=key[0]: _sort_key(getattr(i, k, None)), reverse=desc)
    return items


def page(items: list[Any], params: dict[str, str]) -> list[Any]:
    try:
        if params.get("limit") or params.get("offset"):
            offset = int(params.get("offset") or 0)
            limit = int(params["limit"]) if params.get("limit") else None
            return items[offset : offset + limit if limit is not None else None]
        if params.get("per_page"):
            per_page = int(params["per_page"])
            first = (int(params.get("page") or 1) - 1) * per_page
            return items[first : first + per_page]
    except ValueError:
        raise ApiError(400, "limit, offset, page and per_page must be integers") from None
    return items


DASHBOARD_SEARCH = {
    "id": "id",
    "title": "str",
    "description": "str",
    "folder_id": "id",
    "user_id": "id",
    "view_count": "id",
    "certified": "bool",
}
# search_lookml_dashboards's query parameters in the spec (`title` is the LookML name: see
# _lookml_row)
LOOKML_DASHBOARD_SEARCH = {
    "folder_id": "id",
    "title": "str",
    "content_favorite_id": "id",
}
LOOK_SEARCH = {
    "id": "id",
    "title": "str",
    "description": "str",
    "folder_id": "id",
    "user_id": "id",
    "view_count": "id",
    "query_id": "id",
}


# --- handlers --------------------------------------------------------------------------------


@route("POST", "/login", "login")
def _login(s: EmulatorServer, c: Call) -> Reply:
    client_id = c.form.get("client_id") or c.params.get("client_id") or ""
    secret = c.form.get("client_secret") or c.params.get("client_secret") or ""
    return ok(s._login(client_id, secret))


@route("DELETE", "/logout", "logout")
def _logout(s: EmulatorServer, c: Call) -> Reply:
    s._logout(c.form["_token"])
    return Reply(204, "", content_type="text/plain")


def _content(s: EmulatorServer) -> Any:
    return s.instance.content


@route("GET", "/dashboards", "all_dashboards")
def _all_dashboards(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    dashboards = sort([d for d in content.dashboards.values() if not d.deleted], None)
    return ok([res.dashboard_base(content, d) for d in dashboards])


def _check_serializable(
    s: EmulatorServer, dashboards: list[DashboardSpec], params: dict[str, str]
) -> None:
    """Raise Unserializable when a reply would carry a broken dashboard's elements: Looker
    fails while serializing the tiles, so a page without them is served."""
    broken = s.faults.config.broken_dashboards
    if not broken or not any(d.id in broken for d in dashboards):
        return
    if not params.get("fields") or "dashboard_elements" in parse_fields(params["fields"]):
        raise Unserializable()


def _dashboard_page(s: EmulatorServer, c: Call, dashboards: list[DashboardSpec]) -> Reply:
    _check_serializable(s, dashboards, c.params)
    return ok([_served_dashboard(s, d) for d in dashboards])


def _served_dashboard(s: EmulatorServer, d: DashboardSpec) -> dict[str, Any]:
    body = res.dashboard(_content(s), d)
    if s.faults.config.unnamed_merge_sources:
        for element in body["dashboard_elements"]:
            for filterable in (element.get("result_maker") or {}).get("filterables") or ():
                if element.get("merge_result_id"):
                    filterable["model"] = filterable["view"] = None
    if s.faults.config.lookml_queries_without_ids and d.is_lookml:
        for element in body["dashboard_elements"]:
            result_maker = element.get("result_maker") or {}
            if result_maker.get("query"):
                result_maker["query"]["id"] = result_maker["query_id"] = None
    return body


@route("GET", "/dashboards/search", "search_dashboards")
def _search_dashboards(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    misses = s.faults.config.search_misses
    user_defined = (
        d for d in content.dashboards.values() if not d.is_lookml and d.id not in misses
    )
    return _dashboard_page(s, c, search(user_defined, c.params, DASHBOARD_SEARCH))


# Registered before /dashboards/{dashboard_id} so that the literal path wins, whatever the
# patterns (today `{dashboard_id}` is one segment, so they cannot meet anyway).
@route("GET", "/dashboards/lookml/search", "search_lookml_dashboards")
def _search_lookml_dashboards(s: EmulatorServer, c: Call) -> Reply:
    # The operation has no `deleted` parameter: a trashed LookML dashboard is never listed.
    dashboards = _content(s).dashboards.values()
    rows = (_lookml_row(d) for d in dashboards if d.is_lookml and not d.deleted)
    params = {k: v for k, v in c.params.items() if k != "deleted"}
    found = search(rows, params, LOOKML_DASHBOARD_SEARCH)
    if s.faults.config.lookml_search_as_one_object:
        first = found[0].dashboard.id if found else None
        return ok({"dashboard_id": first, "lookml": "- dashboard: ..."})
    reply = _dashboard_page(s, c, [row.dashboard for row in found])
    if s.faults.config.lookml_search_without_elements:
        for body in reply.body:
            body["dashboard_elements"] = None
    return reply


def _lookml_row(d: DashboardSpec) -> SimpleNamespace:
    """What the LookML search filters and sorts on. Looker matches and sorts `title` on the
    dashboard's LookML name (`shop_overview`), not its display title, as looker-sdk's docs of
    search_lookml_dashboards say."""
    name = d.id.partition("::")[2]
    return SimpleNamespace(id=d.id, title=name, folder_id=d.folder_id, dashboard=d)


def _dashboard(s: EmulatorServer, dashboard_id: str) -> Any:
    return _found(_content(s).dashboards.get(dashboard_id))


@route("GET", "/dashboards/{dashboard_id}", "dashboard")
def _get_dashboard(s: EmulatorServer, c: Call) -> Reply:
    dash = _dashboard(s, c.args[0])
    if dash.id in s.faults.config.broken_dashboards:
        raise Unserializable()  # whatever `fields` asks for: the least a client can get
    return ok(_served_dashboard(s, dash))


@route("GET", "/dashboards/{dashboard_id}/dashboard_elements", "dashboard_dashboard_elements")
def _dashboard_elements(s: EmulatorServer, c: Call) -> Reply:
    dash = _dashboard(s, c.args[0])
    return ok([res.element(_content(s), t) for t in dash.tiles])


@route("GET", "/looks", "all_looks")
def _all_looks(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    looks = sort([lk for lk in content.looks.values() if not lk.deleted], None)
    return ok([res.look(content, lk) for lk in looks])


@route("GET", "/looks/search", "search_looks")
def _search_looks(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    return ok(
        [res.look(content, lk) for lk in search(content.looks.values(), c.params, LOOK_SEARCH)]
    )


@route("GET", "/looks/{look_id}", "look")
def _get_look(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    look = _found(content.looks.get(c.args[0]))
    return ok(res.look_with_query(content, look))


def _query(s: EmulatorServer, query_id: str) -> Any:
    query = _found(_content(s).queries.get(query_id))
    return query


@route("GET", "/queries/{query_id}", "query")
def _get_query(s: EmulatorServer, c: Call) -> Reply:
    return ok(res.query(_query(s, c.args[0])))


def _sql_reply(s: EmulatorServer, query: QuerySpec, result_format: str, c: Call) -> Reply:
    if result_format != "sql":
        raise ApiError(400, f"The emulator only runs result_format sql, not {result_format}")
    inst = s.instance
    try:
        sql = generate_sql(
            inst.resolve,
            inst.project,
            inst.content.user_attributes,
            query,
            rebuild_pdts=c.params.get("rebuild_pdts", "").lower() == "true"
            and not s.faults.config.pdts_already_built,
        )
    except UnknownExploreError:
        raise not_found() from None
    return Reply(200, sql, content_type="text/plain")


@route("GET", "/queries/{query_id}/run/{result_format}", "run_query")
def _run_query(s: EmulatorServer, c: Call) -> Reply:
    return _sql_reply(s, _query(s, c.args[0]), c.args[1], c)


_URL_FILTER = re.compile(r"^f\[(.+)\]$")


def _list_param(params: dict[str, str], name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def _url_sort(term: str) -> str:
    """`orders.count desc 0` -> `orders.count desc`: Looker's explore URLs may end a sort with a
    number; the emulator keeps only the field and its direction."""
    name, *rest = term.split()
    return f"{name} desc" if "desc" in (w.lower() for w in rest) else name


def url_query(model: str, explore: str, params: dict[str, str]) -> QuerySpec:
    """A transient query from run_url_encoded_query's URL; it is not added to the content."""
    filters = {m.group(1): v for k, v in params.items() if (m := _URL_FILTER.match(k))}
    return QuerySpec(
        "adhoc",
        model,
        explore,
        _list_param(params, "fields"),
        filters,
        [_url_sort(term) for term in _list_param(params, "sorts")],
        _list_param(params, "pivots"),
        params.get("dynamic_fields") or None,
        params.get("limit") or None,
    )


@route(
    "GET",
    "/queries/models/{model_name}/views/{view_name}/run/{result_format}",
    "run_url_encoded_query",
)
def _run_url_encoded_query(s: EmulatorServer, c: Call) -> Reply:
    model, explore, result_format = c.args
    if s.instance.resolve(model, explore) is None:
        raise not_found()
    return _sql_reply(s, url_query(model, explore, c.params), result_format, c)


@route("POST", "/queries/run/{result_format}", "run_inline_query")
def _run_inline_query(s: EmulatorServer, c: Call) -> Reply:
    """A query given as a JSON WriteQuery body (model, view, fields, filters, sorts, pivots,
    dynamic_fields, limit); like run_url_encoded_query, it is not added to the content."""
    try:
        body = json.loads(c.body.decode("utf-8")) if c.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("model") or not body.get("view"):
        raise ApiError(422, "Validation Failed: the body must be a query with model and view")
    model, explore = str(body["model"]), str(body["view"])
    if s.instance.resolve(model, explore) is None:
        raise not_found()
    filters = body.get("filters") if isinstance(body.get("filters"), dict) else {}
    query = QuerySpec(
        "adhoc",
        model,
        explore,
        [str(f) for f in body.get("fields") or []],
        {str(k): str(v) for k, v in filters.items()},
        [_url_sort(str(term)) for term in body.get("sorts") or []],
        [str(f) for f in body.get("pivots") or []],
        body.get("dynamic_fields") or None,
        str(body["limit"]) if body.get("limit") else None,
    )
    return _sql_reply(s, query, c.args[0], c)


@route("GET", "/merge_queries/{merge_query_id}", "merge_query")
def _merge_query(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    merge = _found(content.merges.get(c.args[0]))
    return ok(res.merge_query(content, merge))


@route("GET", "/lookml_models", "all_lookml_models")
def _all_models(s: EmulatorServer, c: Call) -> Reply:
    project = s.instance.project
    models = [res.lookml_model(m, project.name) for m in project.models.values()]
    return ok(page(models, c.params))


@route("GET", "/lookml_models/{lookml_model_name}", "lookml_model")
def _model(s: EmulatorServer, c: Call) -> Reply:
    project = s.instance.project
    model = _found(project.models.get(c.args[0]))
    return ok(res.lookml_model(model, project.name))


@route("GET", "/lookml_models/{lookml_model_name}/explores/{explore_name}", "lookml_model_explore")
def _explore(s: EmulatorServer, c: Call) -> Reply:
    body = _found(s.instance.explore_json(c.args[0], c.args[1]))
    return ok(body)


@route("GET", "/folders", "all_folders")
def _all_folders(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    return ok([res.folder_base(content, f) for f in sort(list(content.folders.values()), None)])


@route("GET", "/folders/{folder_id}", "folder")
def _folder(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    folder = _found(content.folders.get(c.args[0]))
    return ok(res.folder_full(content, folder))


@route("GET", "/users", "all_users")
def _all_users(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    users = list(content.users.values())
    if c.params.get("ids"):
        wanted = {i.strip(" []\"'") for i in c.params["ids"].split(",")}
        users = [u for u in users if u.id in wanted]
    return ok([res.user(content, u) for u in page(sort(users, c.params.get("sorts")), c.params)])


@route("GET", "/users/{user_id}", "user")
def _user(s: EmulatorServer, c: Call) -> Reply:
    content = _content(s)
    user = _found(content.users.get(c.args[0]))
    return ok(res.user(content, user))


@route("GET", "/connections", "all_connections")
def _all_connections(s: EmulatorServer, c: Call) -> Reply:
    return ok([res.connection(conn) for conn in _content(s).connections.values()])


@route("GET", "/connections/{connection_name}", "connection")
def _connection(s: EmulatorServer, c: Call) -> Reply:
    conn = _found(_content(s).connections.get(c.args[0]))
    return ok(res.connection(conn))
