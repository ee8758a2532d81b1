"""A warehouse relation, named the way the warehouse resolves it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Relation:
    """database.schema.name after case folding for the dialect (quoted parts keep their case).

    BigQuery's project.dataset.table maps to database.schema.name.
    """

    database: str | None
    schema: str | None
    name: str

    def __str__(self) -> str:
        return ".".join(part for part in (self.database, self.schema, self.name) if part)
