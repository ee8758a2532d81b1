"""One generated exposure: what ends up in exposures.yml."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Owner:
    name: str | None
    email: str | None


@dataclass(frozen=True)
class ExposureEntry:
    name: str
    label: str
    type: str  # "dashboard" | "analysis"
    url: str
    owner: Owner
    maturity: str  # "high" | "medium" | "low"
    description: str  # already Jinja-safe
    depends_on: tuple[str, ...]  # sorted, unique: "ref('x')", "source('s', 't')"
    tags: tuple[str, ...] = ("looker",)
    meta: dict = field(default_factory=dict, hash=False, compare=False)
