"""A LookML checkout holding something that is not a regular file where a LookML file should
be (a named pipe; a symlink to a device, which git can store): that file is a problem the report
names and its views fall back to generated SQL; reading never blocks or grows without bound."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FALLBACK = Path(__file__).resolve().parent.parent / "fixtures" / "lookml" / "fallback"
READ = (
    "import json, sys; from pathlib import Path; "
    "from exposure_sync.lookml.views import load_lookml_files; "
    "files = load_lookml_files(Path(sys.argv[1]), {}); "
    "print(json.dumps(files.problems))"
)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_special_file_is_a_problem_not_a_hang(tmp_path: Path, kind: str) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(FALLBACK / "checkout", checkout)
    odd = checkout / "views" / "odd.view.lkml"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    # in a child process: without the check it would block (or fill memory) until the timeout
    result = subprocess.run(
        [sys.executable, "-c", READ, str(checkout)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    problems = json.loads(result.stdout)
    assert any(str(odd) in p and "regular file" in p for p in problems), problems
