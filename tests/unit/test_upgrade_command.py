"""`make upgrade` and `flask db upgrade`: a backup by the code that matches the database before anything
changes, then the migrations all or none, reported in Vietnamese."""
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

import portal.db
from portal.db import db, migration_runner

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(*args) -> list[str]:
    if not shutil.which("make"):
        pytest.fail("make is missing")
    done = subprocess.run(["make", "-n", "upgrade", "UPGRADE_BACKUP=/tmp/x.backup", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _index(lines, fragment) -> int:
    return next(i for i, line in enumerate(lines) if fragment in line)


def test_make_upgrade_backs_up_before_new_code_and_migrates_after_installing_it():
    lines = _dry_run()
    backup = _index(lines, "flask --app portal backup /tmp/x.backup")
    pull = _index(lines, "git pull --ff-only")
    install = _index(lines, "pip install -q -e .")
    migrate = _index(lines, "flask --app portal db upgrade")
    doctor = _index(lines, "flask --app portal doctor")
    assert backup < pull < install < migrate < doctor


def test_make_upgrade_without_pull_still_backs_up_first():
    lines = _dry_run("PULL=0")
    assert not any("git pull" in line for line in lines)
    assert _index(lines, "flask --app portal backup") < _index(lines, "flask --app portal db upgrade")


def test_db_upgrade_command_applies_what_is_pending(demo_app):
    with db.connection_context():
        reverted = migration_runner().down()
    result = demo_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and f"applied: {reverted[0]}" in result.output
    again = demo_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "phiên bản mới nhất" in again.output


def test_db_upgrade_command_reports_a_failed_migration_and_keeps_the_database(demo_app, tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    shutil.copytree(portal.db.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "0099_breaks.py").write_text(
        "def up(migrator, db):\n    db.execute_sql('DROP TABLE pupil')\n    raise ValueError('bad data')\n\n"
        "def down(migrator, db):\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(portal.db, "MIGRATIONS_DIR", folder)
    result = demo_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "thất bại ở bước 0099_breaks" in result.output and "giữ nguyên" in result.output
    con = sqlite3.connect(demo_app.config["DATABASE"])
    pupils = con.execute("SELECT count(*) FROM pupil").fetchone()[0]
    con.close()
    assert pupils > 300  # the demo school's pupils are all still there
