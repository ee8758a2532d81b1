"""How an exposure's `depends_on` names a dbt node: `ref(...)` or `source(...)`."""

from __future__ import annotations

import re

from exposure_sync.dbt.models import DbtNode

_INTEGER = re.compile(r"^\d+$")


def node_reference(node: DbtNode, root_project: str) -> str:
    """The `depends_on` string for `node` in an exposure of the project `root_project`.

    - sources: `source('source_name', 'table_name')` (the table's `name`, not its identifier;
      dbt resolves sources across packages, so there is no package argument);
    - nodes of another package: `ref('package', 'name')`;
    - versioned models: always pinned, `ref('name', v=2)`, even for the latest version: the
      dashboard reads that version's relation, and an unpinned ref would silently move to
      the next version when it becomes the latest (and the entry would change without any
      change in Looker).
    """
    if node.resource_type == "source":
        return f"source({_quote(node.source_name or '')}, {_quote(node.name)})"
    args = [_quote(node.name)]
    if node.package_name != root_project:
        args.insert(0, _quote(node.package_name))
    if node.version is not None:
        args.append(f"v={_version_literal(node.version)}")
    return f"ref({', '.join(args)})"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _version_literal(version: str) -> str:
    # dbt looks a pinned ref up as f"{name}.v{v}", so the literal must print exactly as the
    # version does: integers bare (v=2, as in dbt's docs), anything else quoted, since
    # v=1.10 would print as "1.1"
    return version if _INTEGER.match(version) else _quote(version)
