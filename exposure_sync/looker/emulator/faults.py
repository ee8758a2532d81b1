"""Seeded fault injection, and exact request counters and a request log.

The decision for a request depends only on (seed, method, path with its sorted query string, k)
where k counts earlier requests with that same key. Concurrent requests for different URLs (pages
of a search, different dashboards) therefore get the same fates on every run whatever the thread
scheduling, and a retried request is the next k for its URL.
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .hostile import parse_spec

FAULT_KINDS = ("429", "500", "503", "drop")
# always_fail may also answer 404: an endpoint this Looker release does not have
ALWAYS_FAIL_KINDS = (*FAULT_KINDS, "404")


@dataclass(frozen=True)
class FaultConfig:
    """How the emulator misbehaves. The default misbehaves not at all.

    - `latency_ms` (+ up to `jitter_ms`, seeded) is slept before every response.
    - `fault_rate` of requests fail with one of `kinds` (`"429"` with `Retry-After:
      retry_after_s`, `"500"`, `"503"`, `"drop"`: the connection is closed without a response).
    - `always_fail` maps a path glob (`/dashboards/7`, `/lookml_models/*/explores/orders`) to a
      kind: every matching request fails so, whatever the rate; `"404"` there plays an endpoint
      an older Looker release does not have.
    - `exempt` lists operation ids (`login`, ...) never failed by `fault_rate`.
    - `search_misses` lists dashboard ids `/dashboards/search` leaves out while `/dashboards`
      still lists them, as offset paging does when dashboards come and go during a crawl.
    - `broken_dashboards` lists dashboard ids whose content the server cannot serialize, as when
      one bad tile makes Looker answer 500: `GET /dashboards/{id}` answers 500, and so does a
      `/dashboards/search` or `/dashboards/lookml/search` page that returns one of them with its
      `dashboard_elements` (asked for in `fields`, or no `fields` at all); `fields=id,title`
      pages are served. Decided by content and URL alone, and logged as fault `"500"`.
    - `unnamed_merge_sources`: merged tiles' `result_maker.filterables` carry no model and
      explore, as on a Looker that does not fill them.
    - `lookml_search_without_elements`: `/dashboards/lookml/search` answers `dashboard_elements:
      null`, as a Looker whose LookML search does not nest them might.
    - `lookml_search_as_one_object`: `/dashboards/lookml/search` answers one `DashboardLookml`
      object (`dashboard_id`, `lookml`), as the spec declares and an older Looker might.
    - `lookml_queries_without_ids`: LookML dashboards' tiles serve their `result_maker.query`
      without an id (and `result_maker.query_id` null), so its SQL can only be asked inline.
    - `mangle` maps a path glob to a hostile answer (`garbage`, `null:dashboard_elements`,
      `stall`, `drip`...; see hostile.py): the request is answered from the content, then
      mangled, slowed or never finished. Logged as fault `"mangle <spec>"`.
    - `pdts_already_built`: generated SQL ignores `rebuild_pdts=true` and reads persistent
      derived tables' scratch tables only, as a Looker that does not honour it might.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after_s: int = 1
    always_fail: dict[str, str] = field(default_factory=dict)
    exempt: frozenset[str] = frozenset()
    search_misses: frozenset[str] = frozenset()
    broken_dashboards: frozenset[str] = frozenset()
    unnamed_merge_sources: bool = False
    lookml_search_without_elements: bool = False
    lookml_queries_without_ids: bool = False
    lookml_search_as_one_object: bool = False
    mangle: dict[str, str] = field(default_factory=dict)
    pdts_already_built: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, got {self.fault_rate}")
        bad = [k for k in self.kinds if k not in FAULT_KINDS]
        bad += [k for k in self.always_fail.values() if k not in ALWAYS_FAIL_KINDS]
        if bad or not self.kinds:
            raise ValueError(f"fault kinds must be among {ALWAYS_FAIL_KINDS}, got {bad or 'none'}")
        for spec in self.mangle.values():
            parse_spec(spec)


@dataclass(frozen=True)
class Decision:
    k: int  # how many earlier requests had the same key
    delay_s: float
    fault: str | None  # one of FAULT_KINDS, or None


@dataclass(frozen=True)
class RequestRecord:
    seq: int  # arrival order (depends on scheduling; the decision does not)
    method: str
    path: str  # without /api/4.0
    query: str  # sorted, canonical
    operation: str  # Looker operation id ("search_dashboards", ...) or "unknown"
    k: int
    fault: str | None
    status: int | None  # None: connection dropped
    duration_ms: float


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultInjector:
    """Decides each request's fate; thread-safe; `reset()` starts the sequence again."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def reset(self, config: FaultConfig | None = None) -> None:
        with self._lock:
            if config is not None:
                self.config = config
            self._seen.clear()

    def mangling(self, path: str) -> tuple[str, str | None] | None:
        """(kind, key) of the hostile answer for this path, if `mangle` names it."""
        for pattern, spec in self.config.mangle.items():
            if fnmatch.fnmatchcase(path, pattern):
                return parse_spec(spec)
        return None

    def decide(self, method: str, path: str, query: str, operation: str) -> Decision:
        key = f"{method} {path}?{query}"
        with self._lock:
            k = self._seen[key]
            self._seen[key] += 1
            cfg = self.config
        delay = cfg.latency_ms + cfg.jitter_ms * _unit(cfg.seed, "jitter", key, k)
        return Decision(k, delay / 1000.0, self._fault(cfg, key, k, path, operation))

    @staticmethod
    def _fault(cfg: FaultConfig, key: str, k: int, path: str, operation: str) -> str | None:
        for pattern, kind in cfg.always_fail.items():
            if fnmatch.fnmatchcase(path, pattern):
                return kind
        if cfg.fault_rate <= 0 or operation in cfg.exempt:
            return None
        if _unit(cfg.seed, "fault", key, k) >= cfg.fault_rate:
            return None
        return cfg.kinds[int(_unit(cfg.seed, "kind", key, k) * len(cfg.kinds))]


class RequestStats:
    """Exact per-operation counters and the request log, readable while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._log: list[RequestRecord] = []

    def record(self, **fields: object) -> None:
        with self._lock:
            rec = RequestRecord(seq=len(self._log), **fields)  # type: ignore[arg-type]
            self._log.append(rec)
            self._counts[rec.operation] += 1

    def counts(self) -> dict[str, int]:
        """Requests per Looker operation id (e.g. {"search_dashboards": 3, "login": 1})."""
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        with self._lock:
            return len(self._log)

    def log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._log.clear()


def monotonic_ms(start: float) -> float:
    return (time.monotonic() - start) * 1000.0
