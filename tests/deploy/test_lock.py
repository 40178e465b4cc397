"""The lock files (requirements/base.txt for a server, requirements/dev.txt for development, tests and checks)
pin every package to one version with its hashes, agree with each other, and stay within pyproject.toml's
ranges: a range changed without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "requirements" / "base.txt"
DEV = ROOT / "requirements" / "dev.txt"
# `name==version` or, with the extras a dependency asks for, `name[extra,…]==version` (see `make lock`).
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9._,-]+\])?==(?P<version>[^\s\\;]+)")


def pins(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes), from a pip-compile --generate-hashes file."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match["name"])
            assert current not in found, f"{path.name}: {current} pinned twice"
            found[current] = (match["version"], 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            assert line.startswith("    "), f"{path.name}: unexpected line {line!r}"
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("path", [BASE, DEV], ids=["base", "dev"])
def test_every_package_is_pinned_with_hashes_and_no_index(path):
    text = path.read_text()
    found = pins(path)
    assert len(found) > 20
    assert [name for name, (_, hashes) in found.items() if hashes == 0] == []
    # The index is the installing machine's pip configuration (a mirror here, PyPI elsewhere), never the file's.
    assert not re.search(r"^\s*(-i|--index-url|--extra-index-url|--find-links|-f)\b", text, re.MULTILINE)
    assert "file://" not in text
    assert "#    make lock" in text, "regenerate with `make lock`, not by hand"


def test_the_server_lock_is_the_development_lock_without_the_extras():
    base, dev = pins(BASE), pins(DEV)
    assert {name: version for name, (version, _) in base.items()} == {
        name: dev[name][0] for name in base if name in dev
    }
    assert set(base) <= set(dev)
    for tool in ("pytest", "playwright", "ruff", "mypy"):
        assert tool in dev and tool not in base


@pytest.mark.parametrize("path, groups", [(BASE, ()), (DEV, ("test", "check"))], ids=["base", "dev"])
def test_each_pin_is_within_pyproject_ranges(path, groups):
    found = pins(path)
    wanted = [Requirement(line) for line in project()["dependencies"]]
    for group in groups:
        wanted += [Requirement(line) for line in project()["optional-dependencies"][group]]
    outside = {}
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        version = found.get(name, (None, 0))[0]
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            outside[str(requirement)] = version
    assert outside == {}, "pinned outside pyproject.toml's range (or missing): run `make lock`"
