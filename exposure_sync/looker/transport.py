"""HTTP answers with a wall-clock limit: the whole answer (connect, headers, body) within a
time budget, and the whole read of Looker within a deadline.

requests' and urllib3's timeouts bound each socket operation, not the answer: a server that
sends one byte a second never times out. So each request runs under a watch: a timer that, when
the budget is spent, shuts the connection's socket down, which ends whatever read is blocked on
it. The connection classes register themselves with the watch of the thread that sends on them;
one watchdog thread keeps every watch's time.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

# an answer larger than this is not one Looker sends for what we ask (a page of 100 dashboards
# with their tiles is a few MB): reading on would only fill the memory
MAX_ANSWER_BYTES = 64 * 2**20
_CHUNK = 64 * 1024

_current = threading.local()  # the watch of the request this thread is sending


class Deadline:
    """The end of the whole read of Looker; `seconds` None: no end."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._end = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0.0


class AnswerTooSlow(Exception):
    """The whole answer did not arrive within its budget."""


class AnswerTooLarge(Exception):
    """The answer grew past MAX_ANSWER_BYTES."""


class Watch:
    """Shuts down the sockets a request used once its budget is spent."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.fired = False
        self._done = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Watch:
        _current.watch = self
        _WATCHDOG.schedule(time.monotonic() + self.budget, self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        _current.watch = None

    def add(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:  # the budget ran out while the connection was being taken from the pool
            _shut(connection)

    def fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


class _Watchdog:
    """One thread for every watch (a timer thread per request would cost ~0.1 ms each)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Watch]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, when: float, watch: Watch) -> None:
        with self._cond:
            heapq.heappush(self._due, (when, id(watch), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="looker-watchdog")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due:
                    self._cond.wait()
                when, _, watch = self._due[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._due)
            watch.fire()  # outside the lock: shutting a socket down may take a moment


_WATCHDOG = _Watchdog()


def _shut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    # the plain socket's shutdown, also for TLS: it wakes a reader blocked in another thread
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _register(connection: HTTPConnection) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedTlsPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections obey the watch of the request that uses them."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # behind an HTTP(S) proxy (HTTPS_PROXY) too; a SOCKS proxy keeps its own pools
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is ProxyManager:
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


_WATCHED_POOLS = {"http": _WatchedPool, "https": _WatchedTlsPool}


def fetch(
    session: requests.Session, budget: float, **request: Any
) -> tuple[requests.Response, bytes]:
    """One request whose whole answer must arrive within `budget` seconds.

    Raises AnswerTooSlow, AnswerTooLarge, or requests' own errors (connection refused...).
    """
    with Watch(budget) as watch:
        try:
            response = session.request(**request, timeout=budget, stream=True)
            try:
                return response, _body(response, watch)
            finally:
                response.close()
        except (requests.RequestException, OSError) as err:
            # requests' own timeout (one socket operation) may beat the watch by a hair
            if watch.fired or isinstance(err, requests.Timeout):
                raise AnswerTooSlow() from err
            raise


def _body(response: requests.Response, watch: Watch) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        if watch.fired:
            raise AnswerTooSlow()
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge()
        chunks.append(chunk)
    if watch.fired:
        raise AnswerTooSlow()
    return b"".join(chunks)
