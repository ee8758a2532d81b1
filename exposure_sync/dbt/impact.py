"""Which exposures (dashboards, and whose) a failure or a change in the dbt project touches.

Causes come from one of three places: a run's results (nodes that errored, failed, warned or
were skipped), a selection by name, or a comparison with another manifest (as dbt's
`state:modified`). Each cause touches every exposure downstream of it in the manifest's DAG,
generated and hand-written alike. A test (or unit test) has nothing downstream: it stands for
the node it is defined on (`attached_node`; a relationships test also depends on the model it
points to, but orphans show in its own model) or, without one (singular tests, dbt < 1.5), the
nodes it reads (`depends_on`); so a failing test on a model touches that model's dashboards.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from exposure_sync.dbt.models import GraphNode, Manifest, ManifestExposure
from exposure_sync.dbt.run_results import NodeResult
from exposure_sync.errors import BadInputError

# statuses of a run that make a node a cause, worst first; then the other kinds of cause
PROBLEM_STATUSES = ("error", "fail", "warn", "skipped")
_CAUSE_ORDER = {status: i for i, status in enumerate((*PROBLEM_STATUSES, "new", "modified"))}
_TESTS = frozenset({"test", "unit_test"})
# on-run-start/end hooks appear in run results but are not nodes of the manifest's DAG
_HOOK_PREFIX = "operation."


@dataclass(frozen=True)
class Cause:
    """A node that failed, was selected or changed."""

    unique_id: str
    name: str
    resource_type: str
    status: str  # error | fail | warn | skipped (a run) ; selected ; new | modified (state)
    message: str | None = None  # dbt's message (a run), or what changed (state)
    tests: tuple[str, ...] = ()  # a test's: the unique ids of the nodes it stands for


@dataclass(frozen=True)
class TouchedExposure:
    """An exposure downstream of at least one cause."""

    exposure: ManifestExposure
    causes: tuple[Cause, ...]  # worst first


@dataclass(frozen=True)
class Impact:
    mode: str  # "run_results" | "select" | "state"
    causes: tuple[Cause, ...]
    exposures: tuple[TouchedExposure, ...]  # by name


# -- causes -------------------------------------------------------------------------------


def failed_nodes(manifest: Manifest, results: Sequence[NodeResult], where: Path) -> list[Cause]:
    """The nodes of a run that errored, failed, warned or were skipped.

    Exposures in the results (dbt 1.10+ lists them, skipped when something upstream failed)
    are what is touched, not causes. A skipped test is no cause either: dbt skips a test when
    a node it reads failed or was skipped, and that node is a cause already (a relationships
    test on fact_orders skipped for dim_users says nothing about fact_orders).
    `where`: the run results' file, for errors.
    """
    _check_same_project(manifest, results, where)
    causes = []
    for result in results:
        node = manifest.graph.get(result.unique_id)
        if node is None or node.resource_type == "exposure":
            continue
        if result.status == "skipped" and node.resource_type in _TESTS:
            continue
        if result.status in PROBLEM_STATUSES:
            causes.append(_cause(node, result.status, result.message))
    return _sorted(causes)


def _not_found_hint(name: str, index: Mapping[str, object]) -> str:
    """What to give instead: dbt's selector syntax is not read; a near miss is named."""
    if any(char in name for char in "+*:@ "):
        return (
            "node names only, not dbt selection syntax; expand it with dbt: "
            f'--select $(dbt ls --select "{name}" --output name)'
        )
    close = difflib.get_close_matches(name, sorted(index), n=1, cutoff=0.8)
    if close:
        return f"no node of that name in the manifest; did you mean {close[0]}?"
    return (
        "no node of that name or unique id in the manifest; "
        "give node names (fact_orders) or unique ids (model.my_project.fact_orders)"
    )


def selected_nodes(manifest: Manifest, names: Iterable[str]) -> list[Cause]:
    """The nodes named by unique id, by name (every node of that name: all versions of a
    model), or as `dbt ls --output name` prints them (`source_name.table`, `model.v2`)."""
    index: dict[str, list[GraphNode]] = {}
    for node in manifest.graph.values():
        for name in {node.name, _search_name(node)}:
            index.setdefault(name, []).append(node)
    causes: dict[str, Cause] = {}
    for name in names:
        found = [manifest.graph[name]] if name in manifest.graph else index.get(name, [])
        if not found:
            raise BadInputError(f"--select {name}: {_not_found_hint(name, index)}")
        causes.update((node.unique_id, _cause(node, "selected")) for node in found)
    return _sorted(causes.values())


def _search_name(node: GraphNode) -> str:
    """dbt's search name: what follows the package in the unique id of a source
    (`source.pkg.src.table` -> `src.table`) or a versioned model (`name.v2`); else the name."""
    if node.resource_type in ("source", "model"):
        return node.unique_id.split(".", 2)[-1]
    return node.name


def modified_nodes(manifest: Manifest, state: Manifest, where: Path) -> list[Cause]:
    """The nodes new in `manifest` or changed since `state`, as dbt's `state:modified` sees
    their body (file checksum), their configuration as written (unrendered config, which also
    holds database, schema and alias) and the macros they call. Exposures are what is
    touched, never causes. `where`: the state manifest's file, for errors."""
    if state.project_name != manifest.project_name:
        raise BadInputError(
            f"--state {where}: a manifest of the project '{state.project_name}', not "
            f"'{manifest.project_name}'; pass a manifest of the same project (e.g. production's)"
        )
    macros = _ChangedMacros(manifest, state)
    causes = []
    for node in manifest.graph.values():
        if node.resource_type == "exposure":
            continue
        change = _change(node, state.graph.get(node.unique_id), macros)
        if change:
            causes.append(_cause(node, *change))
    return _sorted(causes)


def _change(
    node: GraphNode, before: GraphNode | None, macros: _ChangedMacros
) -> tuple[str, str] | None:
    if before is None:
        return "new", "not in the state manifest"
    if node.checksum != before.checksum:
        return "modified", "body changed"
    if node.unrendered_config != before.unrendered_config:
        return "modified", "configuration changed"
    changed = macros.reached_from(node.macros)
    if changed:
        return "modified", f"macro changed: {changed}"
    return None


class _ChangedMacros:
    """state:modified.macros: a node calling a macro (directly or through other macros) whose
    SQL changed or that is new."""

    def __init__(self, manifest: Manifest, state: Manifest) -> None:
        self._macros = manifest.macros
        self._changed = {
            uid
            for uid, macro in manifest.macros.items()
            if uid not in state.macros or state.macros[uid].digest != macro.digest
        }
        self._memo: dict[str, str | None] = {}

    def reached_from(self, macros: Iterable[str]) -> str | None:
        """The first changed macro `macros` call, by unique id; None when none changed."""
        return next(filter(None, map(self._reached, macros)), None)

    def _reached(self, uid: str) -> str | None:
        if uid not in self._memo:
            self._memo[uid] = None  # a macro calling itself back ends here
            macro = self._macros.get(uid)
            found = uid if uid in self._changed else None
            if found is None and macro is not None:
                found = self.reached_from(macro.depends_on)
            self._memo[uid] = found
        return self._memo[uid]


def _cause(node: GraphNode, status: str, message: str | None = None) -> Cause:
    tests: tuple[str, ...] = ()
    if node.resource_type in _TESTS:
        tests = (node.attached_node,) if node.attached_node else node.depends_on
    return Cause(node.unique_id, node.name, node.resource_type, status, message, tests)


def _sorted(causes: Iterable[Cause]) -> list[Cause]:
    return sorted(
        causes, key=lambda c: (_CAUSE_ORDER.get(c.status, len(_CAUSE_ORDER)), c.unique_id)
    )


def _check_same_project(manifest: Manifest, results: Sequence[NodeResult], where: Path) -> None:
    """Results naming nodes the manifest lacks come from another project or another version of
    it: what is downstream of them cannot be told, so refuse rather than answer "nothing"."""
    ids = [r.unique_id for r in results if not r.unique_id.startswith(_HOOK_PREFIX)]
    unknown = sorted(uid for uid in ids if uid not in manifest.graph)
    if not unknown:
        return
    packages = sorted({uid.split(".")[1] for uid in unknown if uid.count(".") >= 2})
    if packages and manifest.project_name not in packages and len(unknown) == len(ids):
        project = ", ".join(packages)
        what = f"results of the project '{project}', the manifest is '{manifest.project_name}'"
    else:
        what = f"{len(unknown)} of {len(ids)} results name nodes the manifest lacks"
        what += f" (e.g. {unknown[0]})"
    raise BadInputError(
        f"{where}: {what}; pass the manifest.json of the same project and run "
        "(target/ after `dbt build`)"
    )


# -- what the causes touch ------------------------------------------------------------------


def impact(manifest: Manifest, mode: str, causes: Sequence[Cause]) -> Impact:
    """Every exposure downstream of a cause, with the causes upstream of it."""
    dag = _dag(manifest)
    reached: dict[str, list[Cause]] = {}
    for cause in causes:
        for uid in _downstream(dag, cause.tests or (cause.unique_id,)):
            if manifest.graph[uid].resource_type == "exposure":
                reached.setdefault(uid, []).append(cause)
    details = {exposure.unique_id: exposure for exposure in manifest.exposures}
    touched = [
        TouchedExposure(details[uid], tuple(_sorted(found)))
        for uid, found in reached.items()
        if uid in details
    ]
    touched.sort(key=lambda t: (t.exposure.name, t.exposure.unique_id))
    return Impact(mode, tuple(causes), tuple(touched))


def _dag(manifest: Manifest) -> nx.DiGraph:
    dag = nx.DiGraph()
    dag.add_nodes_from(manifest.graph)
    dag.add_edges_from(
        (parent, node.unique_id)
        for node in manifest.graph.values()
        for parent in node.depends_on
        if parent in manifest.graph
    )
    return dag


def _downstream(dag: nx.DiGraph, starts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for start in starts:
        if start in dag and start not in found:
            found |= nx.descendants(dag, start) | {start}
    return found
