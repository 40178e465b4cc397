"""`make check` runs ruff check, ruff format --check and mypy; all three run even when one fails, and the
target fails when any failed, naming which (issue 19, point 5). The tools here are stand-ins that log their
arguments and fail on request; CI runs the real ones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

# A stand-in for ruff or mypy: its name (ruff-check, ruff-format or mypy) and arguments go to $CHECK_LOG; it
# fails when its name is in $FAILING.
STAND_IN = """#!/bin/sh
name=$(basename "$0")
[ "$name" = ruff ] && name="ruff-$1"
echo "$name $*" >> "$CHECK_LOG"
case " $FAILING " in *" $name "*) echo "$name: 1 finding"; exit 1;; esac
exit 0
"""


def _make_check(tmp_path: Path, failing: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    for tool in ("ruff", "mypy"):
        path = venv / "bin" / tool
        path.write_text(STAND_IN)
        path.chmod(0o755)
    log = tmp_path / "ran.log"
    log.unlink(missing_ok=True)
    # -o: the virtual environment counts as installed (no pip install here).
    done = subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(ROOT), "check", f"VENV={venv}", "-o", f"{venv}/.installed"],
        env={"PATH": "/usr/bin:/bin", "CHECK_LOG": str(log), "FAILING": failing},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, log.read_text().splitlines() if log.exists() else []


def test_make_check_runs_the_three_tools_and_passes_when_they_do(tmp_path):
    done, ran = _make_check(tmp_path, "")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ran == ["ruff-check check .", "ruff-format format --check .", "mypy "]
    assert done.stdout.splitlines()[-1] == "make check: ruff check, ruff format and mypy passed"


@pytest.mark.parametrize("failing", ["ruff-check", "ruff-format", "mypy", "ruff-check mypy"])
def test_make_check_runs_all_three_fails_if_one_fails_and_names_it(tmp_path, failing):
    done, ran = _make_check(tmp_path, failing)
    assert done.returncode != 0
    assert [line.split()[0] for line in ran] == ["ruff-check", "ruff-format", "mypy"]
    assert done.stdout.splitlines()[-1] == f"make check: failed: {failing}"
