"""The deletion guard: a run that would remove many entries at once removes none.

A Looker that answers with less than it has (an empty list, a search that lost its tiles)
looks exactly like dashboards being deleted. Removing a handful is everyday life; removing a
large share of the file at once is far more often a broken answer than a real clean-up, so
it needs to be asked for (`--allow-removals`), as DataHub's stateful ingestion refuses a
soft-delete beyond its `fail_safe_threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RemovalLimit:
    """How many entries one run may remove: up to `entries`, or up to `percent` of the file's
    entries when that is more. `percent=None` makes `entries` an absolute limit.

    The default trips when a run removes more than 5 entries *and* more than 10% of the file:
    a small file may lose 5 entries, a file of 200 entries 20.
    """

    entries: int = 5
    percent: float | None = 10.0

    def allows(self, removed: int, total: int) -> bool:
        if removed <= self.entries:
            return True
        return self.percent is not None and removed * 100 <= self.percent * total

    def describe(self, total: int) -> str:
        """The limit in words, for the report: 'at most 5, or 10% of 51 entries'."""
        if self.percent is None:
            return f"at most {self.entries}"
        return f"at most {self.entries}, or {self.percent:g}% of {total} entries"
