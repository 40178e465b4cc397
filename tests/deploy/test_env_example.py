"""deploy/consult.env.example lists every setting consult reads, with its real default, in a form that both
systemd (EnvironmentFile=) and a shell (set -a; . FILE) read alike."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from consult import config
from tests.deploy import files

EXAMPLE = files.DEPLOY / "consult.env.example"
PACKAGE = Path(config.__file__).resolve().parent
# os.environ.get("NAME" ...), os.environ["NAME"], os.getenv("NAME" ...), _flag("NAME" ...), across line breaks.
READ = re.compile(r"""(?:environ\.get|environ\[|getenv|_flag)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")
# Read from the environment, but a command's input rather than a setting of the installation.
NOT_SETTINGS = {"CONSULT_PASSWORD"}  # flask create-user's password (else it prompts)


def settings_read() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names.update(READ.findall(path.read_text()))
    return names - NOT_SETTINGS


def test_every_setting_consult_reads_is_in_the_example():
    read = settings_read()
    assert len(read) > 30, f"the pattern found only {sorted(read)}: has the way settings are read changed?"
    text = EXAMPLE.read_text()
    listed = set(files.settings(text)) | set(files.defaults(text))
    assert read - listed == set(), "settings missing from deploy/consult.env.example"


def test_each_default_shown_is_the_real_one(monkeypatch, tmp_path):
    """With the example's settings in force, setting a commented-out default changes nothing."""
    text = EXAMPLE.read_text()
    for name in settings_read():
        monkeypatch.delenv(name, raising=False)
    for name, value in files.settings(text).items():
        monkeypatch.setenv(name, value)
    baseline = config.from_environment(tmp_path)
    shown = files.defaults(text)
    assert "CONSULT_LOGIN_RATE_LIMIT" in shown and "SESSION_COOKIE_SECURE" in shown
    wrong = {}
    for name, value in shown.items():
        monkeypatch.setenv(name, value)
        changed = {key for key, setting in config.from_environment(tmp_path).items() if baseline[key] != setting}
        if changed:
            wrong[name] = sorted(changed)
        monkeypatch.delenv(name)
    assert wrong == {}, "these defaults in deploy/consult.env.example are not consult's defaults"


def test_every_setting_appears_once():
    text = EXAMPLE.read_text()
    names = [
        line.split("=", 1)[0].lstrip("# ")
        for line in text.splitlines()
        if files.ASSIGNMENT.match(line) or files.DEFAULT.match(line)
    ]
    assert len(names) == len(set(names)), sorted(name for name in names if names.count(name) > 1)


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_a_shell_reads_the_file_as_systemd_does():
    """The README runs flask commands after `set -a; . /etc/consult/consult.env`: the same values as the units."""
    out = subprocess.run(
        ["sh", "-c", 'set -a; . "$0"; env -0', str(EXAMPLE)],
        env={"PATH": os.environ["PATH"]},
        check=True,
        capture_output=True,
    ).stdout.decode()
    shell = dict(entry.split("=", 1) for entry in out.split("\0") if "=" in entry)
    systemd = files.settings(EXAMPLE.read_text())
    assert systemd["MAIL_FROM"] == "Bundeskonferenz <beteiligung@example.org>"
    assert {name: shell.get(name) for name in systemd} == systemd
