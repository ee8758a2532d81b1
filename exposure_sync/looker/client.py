"""A thin, retrying Looker API 4.0 client that reads responses as plain JSON.

looker-sdk supplies the settings (LOOKERSDK_* variables or a looker.ini), the login and the HTTP
session. Responses are not deserialised into the SDK's models: cattrs is ~20x slower than
json.loads on large dashboard searches, and the SDK's error path drops the HTTP status (and may
fetch error documentation from the internet), so requests go through our own transport that keeps
status and headers.
"""

from __future__ import annotations

import configparser
import email.utils
import json
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

import looker_sdk
import requests
from looker_sdk import error as sdk_error
from looker_sdk.rtl import api_settings, auth_token, requests_transport, serialize, transport
from looker_sdk.sdk import constants as sdk_constants

from exposure_sync.config import Config
from exposure_sync.errors import BadInputError, LookerError
from exposure_sync.files import LOOKER_INI_MAX_BYTES, read_input
from exposure_sync.looker.transport import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    AnswerTooSlow,
    Deadline,
    WatchedAdapter,
    fetch,
)

API_VERSION = "4.0"
DEFAULT_TIMEOUT = 60  # seconds for one whole answer, when neither config nor LOOKERSDK_ say
MAX_TIMEOUT = 3600
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After would stall a nightly job for too long
_ENV = "LOOKERSDK"


class LookerRequestError(LookerError):
    """One request kept failing or was refused; the crawl may record it and go on."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(LookerRequestError):
    """Looker answered 404: the thing does not exist (or is not visible to the API user)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


class BadAnswer(Exception):
    """An answer that is not what we asked for (not JSON, lacking a key, a wrong type...):
    the request failed, and is retried."""


Check = Callable[[Any], "str | None"]
T = TypeVar("T")


class LookerAuthError(LookerError):
    """Looker refused the credentials: nothing else can work, so the run stops."""


class Reply(transport.Response):
    """transport.Response plus what the SDK's transport throws away."""

    def __init__(
        self,
        ok: bool,
        value: bytes,
        encoding: str = "utf-8",
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        failure: str | None = None,
        deadline_passed: bool = False,
    ) -> None:
        super().__init__(ok, value, transport.ResponseMode.STRING, encoding)
        self.status = status  # None: no HTTP answer (connection error, timeout)
        self.headers = headers or {}
        self.failure = failure  # why there was no HTTP answer, without the URL
        self.deadline_passed = deadline_passed  # not sent: the whole read's deadline passed


class _Transport(requests_transport.RequestsTransport):
    """RequestsTransport that keeps status, headers and the connection error, and counts; each
    answer must arrive whole within `timeout` seconds and before the `deadline`."""

    def __init__(
        self,
        settings: transport.PTransportSettings,
        session: requests.Session,
        timeout: float,
        deadline: Deadline,
    ):
        super().__init__(settings, session)
        self.timeout = timeout
        self.deadline = deadline
        self.count = 0
        self._lock = threading.Lock()
        self._local = threading.local()  # the last reply of this thread, for login failures

    @property
    def last_reply(self) -> Reply | None:
        return getattr(self._local, "reply", None)

    def request(
        self,
        method: transport.HttpMethod,
        path: str,
        query_params: MutableMapping[str, str] | None = None,
        body: bytes | None = None,
        authenticator: transport.TAuthenticator = None,
        transport_options: transport.TransportOptions | None = None,
    ) -> Reply:
        options = transport_options or {}
        headers = dict(authenticator(options)) if authenticator else {}
        headers.update(options.get("headers") or {})
        with self._lock:
            self.count += 1
        reply = self._send(method, path, query_params, body, headers)
        self._local.reply = reply
        return reply

    def _send(
        self,
        method: transport.HttpMethod,
        url: str,
        query_params: MutableMapping[str, str] | None,
        body: bytes | None,
        headers: dict[str, str],
    ) -> Reply:
        budget = min(self.timeout, self.deadline.remaining())
        if budget <= 0:
            return Reply(False, b"", failure=self.deadline_message(), deadline_passed=True)
        try:
            resp, content = fetch(
                self.session,
                budget,
                method=method.name,
                url=url,
                auth=requests_transport.NullAuth(),
                params=query_params,
                data=body,
                headers=headers,
            )
        except AnswerTooSlow:
            return Reply(False, b"", failure=self._too_slow(budget))
        except AnswerTooLarge:
            too_large = f"an answer larger than {MAX_ANSWER_BYTES // 2**20} MB"
            return Reply(False, b"", failure=too_large)
        except (requests.RequestException, OSError) as exc:
            return Reply(False, b"", failure=_describe(exc, self.settings.verify_ssl))
        return Reply(
            resp.ok,
            content,
            encoding=_charset(resp.headers.get("Content-Type")),
            status=resp.status_code,
            headers=resp.headers,  # case-insensitive
        )

    def _too_slow(self, budget: float) -> str:
        """Which limit the answer ran into, and the setting that moves it."""
        if budget < self.timeout:
            return f"no complete answer before {self.deadline_message()}"
        return f"no complete answer within {budget:.0f} s (config `timeout`)"

    def deadline_message(self) -> str:
        return (
            f"the deadline ({self.deadline.seconds:g} s for the whole read, config `deadline` "
            "or --deadline) passed"
        )


def _describe(exc: requests.RequestException, verify_ssl: bool = True) -> str:
    # requests' messages embed the URL and urllib3 internals; say what happened instead
    if isinstance(exc, requests.exceptions.SSLError):
        if not verify_ssl:  # certificates are not checked, so the handshake itself failed
            return "TLS handshake failed (does the port speak plain HTTP? then use http://)"
        return "TLS error (set LOOKERSDK_VERIFY_SSL=false for a self-signed certificate)"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out (`timeout` in the config sets the limit)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection failed"
    return type(exc).__name__


class LookerClient:
    """GET requests against Looker API 4.0, with login, retries and a request counter.

    Thread-safe: the crawler shares one client across its worker threads.
    """

    def __init__(
        self,
        looker_ini: str | Path | None = None,
        section: str | None = None,
        *,
        retries: int = 5,
        concurrency: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> None:
        """timeout: seconds for each whole answer (None: LOOKERSDK_TIMEOUT, else 60);
        deadline: seconds from now for everything this client reads (None: no deadline)."""
        self._ini = str(looker_ini) if looker_ini is not None else None
        self._section = section
        settings, sdk_timeout = _load_settings(self._ini, section)
        self.base_url = _public_url(settings.base_url)
        self.retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._random = random.Random()
        sdk = looker_sdk.init40(config_settings=settings)
        self._deadline = Deadline(deadline)
        self._transport = _Transport(
            settings,
            sdk.transport.session,  # type: ignore[attr-defined]
            timeout or sdk_timeout or DEFAULT_TIMEOUT,
            self._deadline,
        )
        # a pool as large as the crawler's so worker threads do not queue for connections;
        # its connections obey each request's time budget (transport.py)
        adapter = WatchedAdapter(pool_maxsize=max(10, concurrency))
        self._transport.session.mount("http://", adapter)
        self._transport.session.mount("https://", adapter)
        self._auth = sdk.auth
        self._auth.transport = self._transport
        self._api = settings.base_url.rstrip("/") + f"/api/{API_VERSION}"
        self._auth_lock = threading.Lock()

    @classmethod
    def from_config(
        cls, config: Config, looker_ini: str | Path | None = None, section: str | None = None
    ) -> LookerClient:
        """A client with the retries, pool size, timeout and deadline of a Config; the
        deadline starts now."""
        return cls(
            looker_ini,
            section,
            retries=config.retries,
            concurrency=config.concurrency,
            timeout=config.timeout,
            deadline=config.deadline,
        )

    def __repr__(self) -> str:
        return f"LookerClient(base_url={self.base_url!r})"

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, logins and retries included."""
        return self._transport.count

    def close(self) -> None:
        self._transport.session.close()

    def login(self) -> None:
        """Log in now (the first request does it anyway), so bad settings fail early."""
        self._auth_header()

    def get_json(self, path: str, *, expect: Check | None = None, **params: Any) -> Any:
        """GET /api/4.0{path} and parse the JSON answer. Raises NotFound on 404.

        `expect(value)` says what the answer lacks of what we asked for (None: nothing); an
        answer that is not JSON or lacks something is a failed request, retried like a 5xx.
        """
        return self._request(
            transport.HttpMethod.GET, path, params, read=lambda reply: _json(reply, expect)
        )

    def get_text(self, path: str, **params: Any) -> str:
        """GET /api/4.0{path} and return the body as text (e.g. /queries/{id}/run/sql); an
        empty or HTML body is a failed request."""
        return self._request(transport.HttpMethod.GET, path, params, read=_sql_text)

    def post_text(self, path: str, body: Mapping[str, Any], **params: Any) -> str:
        """POST a JSON body to /api/4.0{path} and return the answer as text (as get_text). Only
        for requests that read, such as running an inline query for its SQL: they are retried
        like GETs."""
        data = json.dumps(body).encode("utf-8")
        return self._request(transport.HttpMethod.POST, path, params, data, read=_sql_text)

    # -- requests -------------------------------------------------------------------------

    def _request(
        self,
        method: transport.HttpMethod,
        path: str,
        params: Mapping[str, Any],
        body: bytes | None = None,
        *,
        read: Callable[[Reply], T],
    ) -> T:
        url = self._api + path
        query = _query_params(params)
        attempt, relogged = 0, False
        while True:
            token, headers = self._auth_header()
            if body is not None:
                headers = {**headers, "Content-Type": "application/json"}
            reply = self._transport.request(
                method,
                url,
                query_params=query,
                body=body,
                transport_options={"headers": headers},
            )
            if reply.ok:
                try:
                    return read(reply)
                except BadAnswer as err:
                    reply.failure = str(err)  # retried like a 5xx: the next answer may be whole
            elif reply.status == 401 and not relogged:
                # the session expired or was revoked: log in again, once per request
                relogged = True
                self._drop_token(token)
                continue
            elif reply.status is not None and reply.status not in RETRY_STATUSES:
                raise _refusal(path, reply, method.name)
            self._before_retry(path, reply, attempt, method.name)
            attempt += 1

    def _before_retry(self, path: str, reply: Reply, attempt: int, method: str) -> None:
        """Wait before the next attempt, or give up: out of retries, or the wait would end
        past the deadline (a long Retry-After then fails now, not at the deadline)."""
        if reply.deadline_passed:
            raise LookerRequestError(f"{method} {path} not sent: {reply.failure}")
        if attempt >= self.retries:
            raise _gave_up(path, reply, attempt + 1, method)
        delay = self._delay(attempt, reply)
        if delay >= self._deadline.remaining():
            raise _gave_up(path, reply, attempt + 1, method, f"; {self._past_deadline(delay)}")
        self._sleep(delay)

    def _past_deadline(self, delay: float) -> str:
        return (
            f"waiting {delay:.0f} s more would pass the deadline "
            f"({self._deadline.seconds:g} s for the whole read, config `deadline` or --deadline)"
        )

    def _delay(self, attempt: int, reply: Reply) -> float:
        """Exponential backoff with full jitter; never less than a Retry-After."""
        delay = self._random.uniform(0, min(self._max_backoff, self._backoff * 2**attempt))
        retry_after = _retry_after(reply.headers.get("Retry-After"))
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay

    # -- login ----------------------------------------------------------------------------

    def _auth_header(self) -> tuple[str, dict[str, str]]:
        with self._auth_lock:
            if not self._auth.is_authenticated:
                self._login()
            token = self._auth.token.access_token
        return token, {"Authorization": f"Bearer {token}"}

    def _drop_token(self, used: str) -> None:
        with self._auth_lock:
            # another thread may already have logged in again after the same 401
            if self._auth.token.access_token == used:
                self._auth.token = auth_token.AuthToken()

    def _login(self) -> None:
        for attempt in range(self.retries + 1):
            if self._deadline.passed:
                raise LookerError(
                    f"Looker did not let us log in at {self.base_url} before "
                    f"{self._transport.deadline_message()}"
                )
            try:
                self._auth.authenticate({})
                return
            except sdk_error.SDKError:
                reply = self._transport.last_reply
            except (serialize.DeserializeError, UnicodeError):
                # a 200 that is not a Looker token (nor text): the URL points at something else
                raise LookerError(
                    f"{self.base_url} did not answer like a Looker API; check LOOKERSDK_BASE_URL"
                ) from None
            if reply is None or reply.status not in (*RETRY_STATUSES, None):
                raise LookerAuthError(self._refused_message(reply))
            if attempt < self.retries:
                delay = self._delay(attempt, reply)
                if delay >= self._deadline.remaining():
                    raise LookerError(f"{self._login_failed(reply)}; {self._past_deadline(delay)}")
                self._sleep(delay)
        raise LookerError(self._login_failed(reply))

    def _login_failed(self, reply: Reply | None) -> str:
        if reply is not None and reply.status is None:
            return (
                f"Looker is unreachable at {self.base_url}: {reply.failure}; "
                f"check {_ENV}_BASE_URL and the network"
            )
        status = reply.status if reply is not None else None
        return f"Looker kept failing to log in at {self.base_url} (HTTP {status})"

    def _refused_message(self, reply: Reply | None) -> str:
        where = f" or client_id/client_secret in {self._ini}" if self._ini else ""
        status = f" (HTTP {reply.status})" if reply is not None and reply.status else ""
        return (
            f"Looker refused the credentials ({_ENV}_CLIENT_ID/{_ENV}_CLIENT_SECRET{where}) "
            f"at {self.base_url}{status}; check them"
        )


def _query_params(params: Mapping[str, Any]) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            query[key] = ",".join(str(v) for v in value)  # Looker's "simple" array style
        else:
            query[key] = str(value)
    return query


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _looker_message(reply: Reply) -> str:
    try:
        message = json.loads(reply.value.decode(reply.encoding)).get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {' '.join(str(message).split())[:200]}" if message else ""


def _json(reply: Reply, expect: Check | None) -> Any:
    try:
        value = json.loads(reply.value.decode(reply.encoding))
    except (ValueError, LookupError):  # LookupError: a charset Python does not know
        raise BadAnswer(_not_json(reply)) from None
    problem = expect(value) if expect is not None else None
    if problem:
        raise BadAnswer(problem)
    return value


def _not_json(reply: Reply) -> str:
    if not reply.value.strip():
        return "an empty body, not JSON"
    if _looks_like_html(reply):
        return "an HTML page, not JSON"
    return "a body that is not JSON"


def _looks_like_html(reply: Reply) -> bool:
    content_type = (reply.headers.get("Content-Type") or "").lower()
    start = reply.value.lstrip()[:15].lower()
    return "html" in content_type or start.startswith((b"<!doctype", b"<html"))


def _sql_text(reply: Reply) -> str:
    """Generated SQL; an empty body or an HTML page is not SQL Looker generated."""
    try:
        text = reply.value.decode(reply.encoding)
    except (UnicodeDecodeError, LookupError):
        raise BadAnswer(f"text that is not {reply.encoding}") from None
    if not text.strip():
        raise BadAnswer("an empty body, not SQL")
    if _looks_like_html(reply):
        raise BadAnswer("an HTML page, not SQL")
    return text


def _charset(content_type: str | None) -> str:
    """The charset the answer names, else UTF-8: Looker writes UTF-8, and requests' own guess
    for text/* without a charset (ISO-8859-1, per an old RFC) would garble non-ASCII SQL."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip(' "'):
            return value.strip(' "')
    return "utf-8"


def _refusal(path: str, reply: Reply, method: str = "GET") -> LookerRequestError:
    if reply.status == 404:
        return NotFound(f"Looker has no {path} (HTTP 404)")
    again = " even after logging in again" if reply.status == 401 else ""
    return LookerRequestError(
        f"Looker refused {method} {path} (HTTP {reply.status}){again}{_looker_message(reply)}",
        reply.status,
    )


def _gave_up(
    path: str, reply: Reply, attempts: int, method: str = "GET", more: str = ""
) -> LookerRequestError:
    if reply.ok:  # an answer that lacked what we asked for
        why = f"answered {reply.failure}"
    else:
        why = reply.failure if reply.status is None else f"HTTP {reply.status}"
    return LookerRequestError(
        f"Looker kept failing {method} {path} ({why}) after {attempts} "
        f"attempt{'s' if attempts != 1 else ''}{more}",
        reply.status,
    )


# -- settings ---------------------------------------------------------------------------------


def _load_settings(
    ini: str | None, section: str | None
) -> tuple[api_settings.ApiSettings, int | None]:
    """The SDK's own settings (env overrides ini), turned into one-line errors, and the
    timeout they name (None when they name none: the SDK's own default, 120 s, is not ours)."""
    filename = ini if ini is not None else "looker.ini"
    try:
        # a FIFO or device would block or fill memory in the SDK's reader: refuse it first
        read_input(filename, "looker.ini", LOOKER_INI_MAX_BYTES)
    except FileNotFoundError:
        pass  # the SDK's own message below (or LOOKERSDK_* variables alone)
    except OSError as err:
        raise BadInputError(f"{filename}: cannot read looker.ini ({err.strerror})") from None
    try:
        settings = api_settings.ApiSettings(
            filename=ini if ini is not None else "looker.ini",
            section=section,
            sdk_version=sdk_constants.sdk_version,
            env_prefix=_ENV,
        )
        values = settings.read_config()
    except FileNotFoundError:
        raise BadInputError(f"{ini}: looker.ini not found; pass an existing --looker-ini") from None
    except configparser.NoSectionError:
        raise BadInputError(
            f"{ini or 'looker.ini'}: no section [{section}]; pass --section with an existing one"
        ) from None
    except IndexError:  # the SDK takes the first section and there is none
        raise BadInputError(f"{ini or 'looker.ini'}: has no [section] with settings") from None
    except configparser.Error as err:
        # the parser's message quotes the offending line, which may hold a secret
        raise BadInputError(
            f"{ini or 'looker.ini'}: not a valid looker.ini{_ini_line(err)}"
        ) from None
    except TypeError:
        raise BadInputError(f"{_ENV}_VERIFY_SSL must be true or false") from None
    except ValueError:
        raise BadInputError(f"{_ENV}_TIMEOUT must be a whole number of seconds") from None
    _require(values, ini)
    timeout = settings.timeout if values.get("timeout") else None
    if timeout is not None and not 1 <= timeout <= MAX_TIMEOUT:
        raise BadInputError(f"{_ENV}_TIMEOUT must be between 1 and {MAX_TIMEOUT} seconds")
    return settings, timeout


def _ini_line(err: configparser.Error) -> str:
    errors = getattr(err, "errors", None)  # ParsingError: [(lineno, line), ...]
    line = errors[0][0] if errors else getattr(err, "lineno", None)
    return f" (line {line})" if line else ""


def _require(values: Mapping[str, str], ini: str | None) -> None:
    for key in ("base_url", "client_id", "client_secret"):
        if values.get(key):
            continue
        var = f"{_ENV}_{key.upper()}"
        if ini:
            raise BadInputError(f"{var} is not set and {ini} has no {key}; set one of them")
        raise BadInputError(f"{var} is not set; export it or pass --looker-ini")
    parts = urllib.parse.urlsplit(values["base_url"])
    if parts.scheme not in ("http", "https"):
        raise BadInputError(
            f"{_ENV}_BASE_URL must start with https:// or http:// "
            f"(got {_public_url(values['base_url'])})"
        )
    try:
        port_ok = parts.port != 0
    except ValueError:  # a port that is not a number, or out of range
        port_ok = False
    if not parts.hostname or not port_ok:
        raise BadInputError(
            f"{_ENV}_BASE_URL is not a valid URL (got {_public_url(values['base_url'])}); "
            "e.g. https://company.looker.com:19999"
        )
    if re.search(r"/api(/[\d.]+)?/?$", parts.path):
        # a common paste: looker-sdk adds /api/4.0 itself, and Looker would answer 404
        raise BadInputError(
            f"{_ENV}_BASE_URL must not end with /api or /api/4.0 "
            f"(got {_public_url(values['base_url'])}); give the host, e.g. "
            "https://company.looker.com:19999"
        )


def _public_url(url: str) -> str:
    """The base URL without any user:password@ part, fit for messages and snapshots."""
    parts = urllib.parse.urlsplit(url.rstrip("/"))
    if "@" not in parts.netloc:
        return url.rstrip("/")
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=host))
