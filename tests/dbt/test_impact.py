"""`exposure-sync impact` on greenery: a real failing `dbt build`, selections, a changed project.

The manifest is greenery's from real `dbt parse`; the run results are those of a real `dbt build`
of greenery whose warehouse lost a column and gained a session that checks out without a cart
(tests/fixtures/run_results/regenerate.py). The expected dashboards come from the exposure
YAML files themselves, not from the code under test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from exposure_sync.cli import cli
from exposure_sync.dbt.impact import failed_nodes, impact, modified_nodes, selected_nodes
from exposure_sync.dbt.impact_report import render
from exposure_sync.dbt.manifest import load_manifest
from exposure_sync.dbt.run_results import load_run_results
from tests.conftest import DBT, GREENERY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAILED_BUILD = FIXTURES / "run_results" / "greenery_failed_build.json"
JAFFLE_V12 = FIXTURES / "dbt-manifests" / "jaffle_shop_v12_dbt-1.11.json"
_REF = re.compile(r"ref\('([^']+)'\)")


def greenery_exposures() -> dict[str, dict]:
    """name -> {"models": the models it refs, "owner": ...}, from the project's YAML files."""
    found = {}
    for path in sorted((GREENERY / "models" / "exposures").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["exposures"]:
            models = {m for ref in entry["depends_on"] for m in _REF.findall(ref)}
            found[entry["name"]] = {"models": models, "owner": entry["owner"], "url": entry["url"]}
    return found


def reading(*models: str) -> set[str]:
    return {name for name, e in greenery_exposures().items() if e["models"] & set(models)}


def run_impact(*args: str) -> Result:
    return CliRunner().invoke(cli, ["impact", *args])


def touched(result: Result) -> dict[str, dict]:
    assert result.stderr == "", result.stderr
    return {e["name"]: e for e in json.loads(result.stdout)["exposures"]}


# -- run results of a real failing build ------------------------------------------------------


def test_failing_test_on_the_funnel_names_the_funnel_dashboards_and_owners(
    greenery_manifest: Path,
) -> None:
    manifest = load_manifest(greenery_manifest)
    causes = failed_nodes(manifest, load_run_results(FAILED_BUILD), FAILED_BUILD)
    funnel_test = [c for c in causes if c.name == "assert_funnel_narrows"]
    assert [(c.status, c.tests) for c in funnel_test] == [
        ("fail", ("model.greenery.fact_sessions_funnel",))
    ]
    result = impact(manifest, "run_results", funnel_test)
    names = {t.exposure.name for t in result.exposures}
    # fact_sessions_funnel feeds no other model: its dashboards are the ones that ref it
    assert names == reading("fact_sessions_funnel")
    assert "product_funnel_dashboard" in names  # hand-written
    assert len(names) >= 5  # and generated ones
    expected = greenery_exposures()
    for exposure in (t.exposure for t in result.exposures):
        owner = expected[exposure.name]["owner"]
        assert (exposure.owner_name, exposure.owner_email) == (owner["name"], owner["email"])
        assert exposure.url == expected[exposure.name]["url"]


def test_run_results_error_fail_and_skipped(greenery_manifest: Path) -> None:
    result = run_impact(
        "--manifest", str(greenery_manifest), "--run-results", str(FAILED_BUILD), "--format", "json"
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    statuses = {node["name"]: node["status"] for node in report["nodes"]}
    # skipped tests are not causes: they were skipped because stg_greenery__users errored
    assert statuses == {
        "stg_greenery__users": "error",
        "assert_funnel_narrows": "fail",
        "dim_users": "skipped",
        "fact_user_orders": "skipped",
    }
    exposures = touched(result)
    users_side = reading("stg_greenery__users", "dim_users", "fact_user_orders")
    assert set(exposures) == users_side | reading("fact_sessions_funnel")
    # a dashboard on fact_orders alone is untouched: its relationships test to dim_users was
    # only skipped, and fact_orders was built
    assert "orders_overview_2" not in exposures and reading("fact_orders") - set(exposures)
    # top_customers_55 reads dim_users, fact_orders and fact_user_orders: worst first
    assert [(n["name"], n["status"]) for n in exposures["top_customers_55"]["nodes"]] == [
        ("stg_greenery__users", "error"),
        ("dim_users", "skipped"),
        ("fact_user_orders", "skipped"),
    ]


def test_skipped_model_alone_touches_its_dashboards(
    greenery_manifest: Path, tmp_path: Path
) -> None:
    raw = json.loads(FAILED_BUILD.read_text(encoding="utf-8"))
    raw["results"] = [r for r in raw["results"] if r["unique_id"] == "model.greenery.dim_users"]
    assert [r["status"] for r in raw["results"]] == ["skipped"]
    only_skipped = tmp_path / "run_results.json"
    only_skipped.write_text(json.dumps(raw), encoding="utf-8")
    result = run_impact(
        "--manifest", str(greenery_manifest), "--run-results", str(only_skipped), "--format", "json"
    )
    assert result.exit_code == 1
    assert set(touched(result)) == reading("dim_users", "fact_user_orders")


def test_a_warning_counts(greenery_manifest: Path, tmp_path: Path) -> None:
    # what dbt writes for a failing test configured with severity: warn
    raw = json.loads(FAILED_BUILD.read_text(encoding="utf-8"))
    for entry in raw["results"]:
        if entry["status"] == "fail":
            entry["status"] = "warn"
        elif entry["status"] in ("error", "skipped"):
            entry["status"] = "success"
    warned = tmp_path / "run_results.json"
    warned.write_text(json.dumps(raw), encoding="utf-8")
    result = run_impact(
        "--manifest", str(greenery_manifest), "--run-results", str(warned), "--format", "json"
    )
    assert result.exit_code == 1
    assert [(n["name"], n["status"]) for n in json.loads(result.stdout)["nodes"]] == [
        ("assert_funnel_narrows", "warn")
    ]
    assert set(touched(result)) == reading("fact_sessions_funnel")


def test_a_unit_test_stands_for_the_model_it_tests() -> None:
    manifest = load_manifest(JAFFLE_V12)
    unit = "unit_test.jaffle_shop.stg_locations.test_does_location_opened_at_trunc_to_date"
    assert [c.tests for c in selected_nodes(manifest, [unit])] == [
        ("model.jaffle_shop.stg_locations",)
    ]


def test_a_run_without_failures_touches_nothing(greenery_manifest: Path, tmp_path: Path) -> None:
    raw = json.loads(FAILED_BUILD.read_text(encoding="utf-8"))
    raw["results"] = [r for r in raw["results"] if r["status"] in ("success", "pass")]
    passed = tmp_path / "run_results.json"
    passed.write_text(json.dumps(raw), encoding="utf-8")
    result = run_impact("--manifest", str(greenery_manifest), "--run-results", str(passed))
    assert (result.exit_code, result.stdout) == (0, "No failed nodes: no dashboards touched.\n")


# -- --select -------------------------------------------------------------------------------


def test_select_by_name_and_unique_id(greenery_manifest: Path) -> None:
    by_name = run_impact(
        "--manifest", str(greenery_manifest), "--select", "fact_sessions_funnel", "--format", "json"
    )
    assert by_name.exit_code == 1
    assert set(touched(by_name)) == reading("fact_sessions_funnel")
    # several names: space-separated in one value, or after --select as dbt takes them
    several = run_impact(
        "--manifest", str(greenery_manifest), "--format", "json",
        "--select", "model.greenery.dim_products seed.greenery.inventory_weeks", "fact_page_views",
    )  # fmt: skip
    assert several.exit_code == 1
    expected = reading("dim_products", "inventory_weeks", "fact_page_views")
    assert expected and set(touched(several)) == expected


def test_select_a_source_reaches_every_model_built_on_it(greenery_manifest: Path) -> None:
    manifest = load_manifest(greenery_manifest)
    causes = selected_nodes(manifest, ["source.greenery.greenery.promos"])
    names = {t.exposure.name for t in impact(manifest, "select", causes).exposures}
    # promos -> stg_greenery__promos -> fact_orders -> fact_user_orders
    assert names == reading("stg_greenery__promos", "fact_orders", "fact_user_orders")
    # as `dbt ls --output name` prints it
    assert selected_nodes(manifest, ["greenery.promos"]) == causes


def test_select_versions_of_a_model() -> None:
    manifest = load_manifest(FIXTURES / "manifests" / "v12_duckdb_edge_cases.json")
    every = [c.unique_id for c in selected_nodes(manifest, ["dim_customers"])]
    assert every == ["model.shop.dim_customers.v1", "model.shop.dim_customers.v2"]
    pinned = selected_nodes(manifest, ["dim_customers.v2"])
    assert [c.unique_id for c in pinned] == ["model.shop.dim_customers.v2"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("fact_sesions_funnel", "did you mean fact_sessions_funnel?"),
        (
            "fact_sessions_funnel+",
            "not dbt selection syntax; expand it with dbt: --select $(dbt ls",
        ),
        ("tag:looker", "not dbt selection syntax"),
        ("nothing_like_it", "give node names (fact_orders) or unique ids"),
    ],
)
def test_select_an_unknown_name_says_what_to_give(
    greenery_manifest: Path, name: str, hint: str
) -> None:
    result = run_impact("--manifest", str(greenery_manifest), "--select", name)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --select {name}: "), lines
    assert hint in lines[0], lines[0]


def test_select_a_node_without_exposures_downstream_exits_0(greenery_manifest: Path) -> None:
    # an analysis reads models; nothing reads an analysis
    result = run_impact("--manifest", str(greenery_manifest), "--select", "funnel_conversion")
    assert (result.exit_code, result.stdout) == (
        0,
        "1 node selected; no exposure downstream of it.\n\n  selected analysis funnel_conversion\n",
    )


def test_a_relationships_test_stands_for_the_model_it_is_defined_on(
    greenery_manifest: Path,
) -> None:
    manifest = load_manifest(greenery_manifest)
    name = "relationships_fact_sessions_funnel_user_id__user_id__ref_dim_users_"
    causes = selected_nodes(manifest, [name])
    assert [c.tests for c in causes] == [("model.greenery.fact_sessions_funnel",)]
    names = {t.exposure.name for t in impact(manifest, "select", causes).exposures}
    # orphan user ids show in the funnel, not in dim_users' own dashboards
    assert names == reading("fact_sessions_funnel")


# -- --state --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def changed_greenery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manifest of a copy of greenery with four changes, parsed by real dbt against
    another schema (as a developer's target): fact_sessions_funnel's SQL, dim_products'
    materialization (config only), the macro int_session_events and fact_sessions_funnel call,
    and a new model nothing reads yet."""
    workdir = tmp_path_factory.mktemp("changed_greenery")
    project = workdir / "greenery"
    shutil.copytree(GREENERY, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    funnel = project / "models" / "marts" / "product" / "fact_sessions_funnel.sql"
    funnel.write_text(
        funnel.read_text(encoding="utf-8").replace(
            "    products_viewed,", "    products_viewed,\n    products_viewed > 1 as browsed,"
        ),
        encoding="utf-8",
    )
    core = project / "models" / "marts" / "core" / "_core__models.yml"
    text = core.read_text(encoding="utf-8")
    assert "  - name: dim_products\n" in text
    core.write_text(
        text.replace(
            "  - name: dim_products\n", "  - name: dim_products\n    config: {materialized: view}\n"
        ),
        encoding="utf-8",
    )
    macro = project / "macros" / "event_types.sql"
    text = macro.read_text(encoding="utf-8")
    assert "{% macro event_type_columns() %}\n" in text
    macro.write_text(
        text.replace(
            "{% macro event_type_columns() %}\n",
            "{% macro event_type_columns() %}\n    {# the funnel's steps, in order #}\n",
        ),
        encoding="utf-8",
    )
    new_model = project / "models" / "marts" / "product" / "fact_product_views_daily.sql"
    new_model.write_text("select viewed_on, count(*) as views\nfrom {{ ref('fact_page_views') }}\n"
                         "group by viewed_on\n", encoding="utf-8")  # fmt: skip
    env = {**os.environ, "GREENERY_DUCKDB": str(workdir / "g.duckdb"), "GREENERY_SCHEMA": "dbt_dev"}
    parsed = subprocess.run(
        [DBT, "parse", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    return workdir / "target" / "manifest.json"


def test_state_finds_body_config_and_new_nodes(
    greenery_manifest: Path, changed_greenery: Path
) -> None:
    manifest, state = load_manifest(changed_greenery), load_manifest(greenery_manifest)
    assert manifest.graph["model.greenery.dim_products"].unrendered_config
    causes = {c.name: (c.status, c.message) for c in modified_nodes(manifest, state, Path("x"))}
    # another schema renders every relation elsewhere; only what the project changed counts
    assert causes == {
        "fact_sessions_funnel": ("modified", "body changed"),
        "dim_products": ("modified", "configuration changed"),
        "int_session_events": ("modified", "macro changed: macro.greenery.event_type_columns"),
        "fact_product_views_daily": ("new", "not in the state manifest"),
    }


def test_state_names_the_dashboards_of_changed_models(
    greenery_manifest: Path, changed_greenery: Path
) -> None:
    result = run_impact(
        "--manifest", str(changed_greenery), "--state", str(greenery_manifest), "--format", "json"
    )
    assert result.exit_code == 1
    assert set(touched(result)) == reading("fact_sessions_funnel", "dim_products")


def test_same_manifest_as_state_touches_nothing(greenery_manifest: Path) -> None:
    result = run_impact("--manifest", str(greenery_manifest), "--state", str(greenery_manifest))
    assert (result.exit_code, result.stdout) == (0, "No changed nodes: no dashboards touched.\n")


# -- formats --------------------------------------------------------------------------------


def test_text_format(greenery_manifest: Path) -> None:
    result = run_impact("--manifest", str(greenery_manifest), "--run-results", str(FAILED_BUILD))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"4 nodes failed; {len(touched_by_build(greenery_manifest))} exposures downstream."
    )
    assert (
        '  error    model stg_greenery__users: Binder Error: Referenced column "phone_number" '
        "not found in FROM clause!" in lines
    )
    assert "  fail     test assert_funnel_narrows (on fact_sessions_funnel): Got 1 result, " \
        "configured to fail if != 0" in lines  # fmt: skip
    block = lines[lines.index("product_funnel_dashboard: Product funnel") :][:4]
    assert block[1:] == [
        "  owner: Anique Jones <anique@greenery.example>",
        "  url:   http://localhost:9999/dashboards/1",
        "  by:    assert_funnel_narrows (fail)",
    ]


def test_markdown_format_is_a_table_for_a_pull_request(greenery_manifest: Path) -> None:
    result = run_impact(
        "--manifest", str(greenery_manifest), "--select", "fact_sessions_funnel",
        "--format", "markdown",
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("**exposure-sync impact**: 1 node selected; ")
    assert "| Dashboard | Owner | Because of |" in lines
    row = (
        "| [Product funnel](http://localhost:9999/dashboards/1) `product_funnel_dashboard` | "
        "[Anique Jones](mailto:anique@greenery.example) | `fact_sessions_funnel` selected |"
    )
    assert row in lines
    rows = [line for line in lines if line.startswith("| [")]
    assert len(rows) == len(reading("fact_sessions_funnel"))


def test_markdown_stays_within_a_comment(greenery_manifest: Path) -> None:
    manifest = load_manifest(greenery_manifest)
    causes = failed_nodes(manifest, load_run_results(FAILED_BUILD), FAILED_BUILD)
    result = impact(manifest, "run_results", causes)
    lines = render(result, "markdown", markdown_rows=3).splitlines()
    assert len([line for line in lines if line.startswith("| [")]) == 3
    more = len(result.exposures) - 3
    assert f"… and {more} more exposures (`--format text` or `json` lists them all)." in lines
    assert "… and 1 more node (`--format text` or `json` lists them all)." in lines
    assert "more" not in render(result, "markdown")


def test_json_is_deterministic(greenery_manifest: Path) -> None:
    args = ("--manifest", str(greenery_manifest), "--run-results", str(FAILED_BUILD))
    first, second = run_impact(*args, "--format", "json"), run_impact(*args, "--format", "json")
    assert first.stdout == second.stdout
    names = [e["name"] for e in json.loads(first.stdout)["exposures"]]
    assert names == sorted(names)


def touched_by_build(manifest: Path) -> set[str]:
    return reading("stg_greenery__users", "dim_users", "fact_user_orders", "fact_sessions_funnel")


# -- bad input: one line, exit 2 ------------------------------------------------------------


def bad(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_missing_run_results(greenery_manifest: Path, tmp_path: Path) -> None:
    missing = tmp_path / "run_results.json"
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(missing)),
        str(missing),
        "not found",
    )


def test_run_results_a_fifo_is_refused_not_waited_on(greenery_manifest: Path, tmp_path: Path):
    fifo = tmp_path / "run_results.json"
    os.mkfifo(fifo)
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(fifo)),
        str(fifo),
        "named pipe",
    )


@pytest.mark.parametrize("option", ["--manifest", "--state"])
def test_an_empty_path_says_so(greenery_manifest: Path, option: str) -> None:
    args = {"--manifest": str(greenery_manifest), "--state": str(greenery_manifest)}
    bad(run_impact(*[part for k, v in {**args, option: ""}.items() for part in (k, v)]), "empty")


def test_run_results_not_json(greenery_manifest: Path) -> None:
    corrupt = FIXTURES / "manifests" / "bad_corrupt.json"
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(corrupt)),
        str(corrupt),
        "not valid JSON",
    )


def test_a_manifest_passed_as_run_results(greenery_manifest: Path) -> None:
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(greenery_manifest)),
        "is a dbt manifest file, not run results",
    )


def test_run_results_of_another_project(greenery_manifest: Path) -> None:
    # greenery's run against jaffle_shop's manifest (both real)
    bad(
        run_impact("--manifest", str(JAFFLE_V12), "--run-results", str(FAILED_BUILD)),
        str(FAILED_BUILD),
        "results of the project 'greenery', the manifest is 'jaffle_shop'",
    )


def test_run_results_of_another_version_of_the_project(
    greenery_manifest: Path, tmp_path: Path
) -> None:
    raw = json.loads(FAILED_BUILD.read_text(encoding="utf-8"))
    raw["results"][0]["unique_id"] = "model.greenery.fact_renamed_since"
    newer = tmp_path / "run_results.json"
    newer.write_text(json.dumps(raw), encoding="utf-8")
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(newer)),
        "1 of", "model.greenery.fact_renamed_since",
    )  # fmt: skip


def test_state_of_another_project(greenery_manifest: Path) -> None:
    bad(
        run_impact("--manifest", str(greenery_manifest), "--state", str(JAFFLE_V12)),
        "--state", "'jaffle_shop', not 'greenery'",
    )  # fmt: skip


def test_unknown_selected_name(greenery_manifest: Path) -> None:
    bad(
        run_impact("--manifest", str(greenery_manifest), "--select", "fact_no_such_model"),
        "--select fact_no_such_model",
    )


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--select", "fact_orders", "--state", "STATE"),
        ("fact_orders",),
    ],
    ids=["none", "two", "name-without-select"],
)
def test_exactly_one_source_of_nodes(greenery_manifest: Path, args: tuple[str, ...]) -> None:
    args = tuple(str(greenery_manifest) if a == "STATE" else a for a in args)
    bad(run_impact("--manifest", str(greenery_manifest), *args))


def test_missing_manifest(tmp_path: Path) -> None:
    missing = tmp_path / "manifest.json"
    bad(run_impact("--manifest", str(missing), "--select", "x"), str(missing))


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda raw: raw.update(results={}), "'results' is not a list"),
        (lambda raw: raw["results"][3].pop("unique_id"), "results[3] has no unique_id"),
        (lambda raw: raw["results"][3].update(status=None), "has no status"),
        (lambda raw: raw.pop("metadata"), "not a dbt run_results.json"),
        (lambda raw: raw["results"].__setitem__(0, "model.x"), "results[0] is not an object"),
    ],
    ids=["results-object", "no-unique-id", "no-status", "no-metadata", "string-result"],
)
def test_run_results_of_the_wrong_shape(
    greenery_manifest: Path, tmp_path: Path, edit, fragment: str
) -> None:
    raw = json.loads(FAILED_BUILD.read_text(encoding="utf-8"))
    edit(raw)
    broken = tmp_path / "run_results.json"
    broken.write_text(json.dumps(raw), encoding="utf-8")
    bad(
        run_impact("--manifest", str(greenery_manifest), "--run-results", str(broken)),
        str(broken),
        fragment,
    )


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_run_results_must_be_a_regular_file(
    greenery_manifest: Path, tmp_path: Path, kind: str
) -> None:
    """A named pipe would block the reader forever, /dev/zero would fill memory: one line,
    exit 2 (a run that blocks fails on the timeout here instead of hanging)."""
    given = tmp_path / "run_results.json"
    if kind == "fifo":
        os.mkfifo(given)
    else:
        given = Path("/dev/zero")
    exposure_sync = str(Path(DBT).parent / "exposure-sync")
    args = ["impact", "--manifest", str(greenery_manifest), "--run-results", str(given)]
    result = subprocess.run(
        [exposure_sync, *args], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and str(given) in result.stderr, result.stderr
    assert "regular file" in result.stderr
