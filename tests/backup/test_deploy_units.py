"""deploy/consult-backup.service and .timer: valid for systemd, the same conventions as the other units, and a
command line that `flask backup` accepts."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from consult import ROOT, create_app
from consult.extensions import db
from tests.conftest import TEST_CONFIG

DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  (systemd's keys are case-sensitive)
    parser.read(DEPLOY / name)
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_units_apart_from_the_binary_path():
    folder = Path(tempfile.mkdtemp(prefix="consult-units-"))
    try:
        for name in ("consult-backup.service", "consult-backup.timer"):
            text = (DEPLOY / name).read_text().replace("/srv/consult/.venv/bin/flask", "/bin/true")
            (folder / name).write_text(text)
        result = subprocess.run(
            ["systemd-analyze", "verify", "consult-backup.service", "consult-backup.timer"],
            cwd=folder,
            capture_output=True,
            text=True,
            env={"SYSTEMD_LOG_LEVEL": "warning"},
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # systemd only warns (exit status 0) about an unknown key or a bad value: any output is a finding.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_the_backup_unit_runs_like_the_scheduled_work():
    backup, scheduled = _unit("consult-backup.service")["Service"], _unit("consult-scheduled.service")["Service"]
    for key in ("User", "Group", "WorkingDirectory", "EnvironmentFile", "Type"):
        assert backup[key] == scheduled[key], key
    assert _unit("consult-backup.timer")["Timer"]["Unit"] == "consult-backup.service"


def test_the_units_command_line_is_one_flask_backup_accepts(monkeypatch):
    command = shlex.split(_unit("consult-backup.service")["Service"]["ExecStart"])
    assert command[1:3] == ["--app", "consult"] and command[3] == "backup"
    folder = Path(tempfile.mkdtemp(prefix="consult-unit-backup-"))
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
            "BACKUP_DIR": str(folder / "backups"),
        }
    )
    try:
        with app.app_context():
            db.create_all()
            from flask_migrate import stamp

            stamp()
            db.session.remove()
        result = app.test_cli_runner().invoke(args=command[3:])
        written = [path.name for path in (folder / "backups").iterdir()]
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    assert result.exit_code == 0, result.output
    assert len(written) == 1 and written[0].startswith("consult-") and written[0].endswith(".sqlite3")
