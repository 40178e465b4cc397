"""Reading the files of deploy/ the way systemd reads them: an EnvironmentFile's settings, a unit's command lines."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# The README defines this in the admin's shell to run flask commands with the installation's settings; the walk
# (tests/deploy/test_walk.py) runs it.
README_FUNCTION = (
    "consult() { (cd /srv/consult && set -a && . /etc/consult/consult.env && "
    'exec .venv/bin/flask --app consult "$@"); }'
)
ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
# "# NAME=default": a setting left at its default, shown in the example file.
DEFAULT = re.compile(r"^#\s(?P<assignment>[A-Z_][A-Z0-9_]*=.*)$")


def _value(raw: str) -> str:
    """One value as systemd's EnvironmentFile takes it: outer double or single quotes removed."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def settings(text: str) -> dict[str, str]:
    """The settings an EnvironmentFile sets (comment lines start with # or ;)."""
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        match = ASSIGNMENT.match(line)
        assert match, f"not a KEY=value line: {line!r}"
        found[match["key"]] = _value(match["value"])
    return found


def defaults(text: str) -> dict[str, str]:
    """The settings shown commented out at their default ("# NAME=value")."""
    found = {}
    for line in text.splitlines():
        match = DEFAULT.match(line.strip())
        if match:
            assignment = ASSIGNMENT.match(match["assignment"])
            found[assignment["key"]] = _value(assignment["value"])
    return found


def unit_values(path: Path, key: str) -> list[str]:
    """Every value of `key` in a unit file's [Service] section, in order."""
    section, values = None, []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and line.startswith(f"{key}="):
            values.append(line[len(key) + 1 :])
    return values


def unit_command(path: Path, key: str) -> list[str]:
    """The one command line of `key` (ExecStart, ExecStartPre) split into its words as systemd splits them."""
    values = unit_values(path, key)
    assert len(values) == 1, f"{path.name}: expected one {key}=, found {len(values)}"
    return shlex.split(values[0])


def unit_environment(path: Path) -> dict[str, str]:
    """The unit's own Environment= settings (several NAME=value words per line)."""
    found = {}
    for value in unit_values(path, "Environment"):
        for word in shlex.split(value):
            key, _, setting = word.partition("=")
            found[key] = setting
    return found
