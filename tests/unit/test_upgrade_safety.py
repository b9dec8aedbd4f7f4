"""Upgrades: every pending migration or none, foreign keys checked before commit, and older code refusing a
database that a newer version already migrated."""
import shutil
import sqlite3

import pytest

from portal.db import MIGRATIONS_DIR, MigrationFailed, SchemaTooNew, db, init_db, migration_names, upgrade
from tests.conftest import make_app

ADD_COLUMN = '''
from peewee import CharField

def up(migrator, db):
    migrator.migrate(migrator.add_column('school', 'motto', CharField(default='')))

def down(migrator, db):
    migrator.migrate(migrator.drop_column('school', 'motto'))
'''

CREATE_TABLE_THEN_FAIL = '''
def up(migrator, db):
    db.execute_sql('CREATE TABLE half_done (id INTEGER PRIMARY KEY)')
    db.execute_sql("UPDATE school SET name = 'overwritten'")
    raise RuntimeError('disk on fire')

def down(migrator, db):
    pass
'''

ORPHAN_ROWS = '''
def up(migrator, db):
    db.execute_sql('DELETE FROM school')

def down(migrator, db):
    pass
'''


def _migrations(tmp_path, **extra) -> str:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name, body in extra.items():
        (folder / f"{name}.py").write_text(body, encoding="utf-8")
    return folder


def _dump(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def school_db(tmp_path):
    """A migrated database holding a school with a year (rows that reference it)."""
    path = tmp_path / "portal.sqlite3"
    init_db(str(path))
    upgrade()
    from portal.models import School, SchoolYear
    import datetime as dt
    with db.connection_context():
        school = School.create(name="Trường Tiểu học Sen Hồng", code="31009999", level="TH")
        SchoolYear.create(school=school, name="2026-2027", starts_on=dt.date(2026, 9, 5),
                          ends_on=dt.date(2027, 5, 31), is_current=True)
    yield path
    db.close_all()


def test_failing_migration_after_a_good_one_leaves_database_byte_for_byte_as_before(school_db, tmp_path):
    folder = _migrations(tmp_path, **{"0098_add_motto": ADD_COLUMN, "0099_fails": CREATE_TABLE_THEN_FAIL})
    before = _dump(school_db)
    with pytest.raises(MigrationFailed) as caught:
        upgrade(folder)
    assert caught.value.name == "0099_fails"
    assert "giữ nguyên" in str(caught.value) and "0099_fails" in str(caught.value)
    assert _dump(school_db) == before  # neither 0098's column nor 0099's table or update survived
    with db.connection_context():
        assert migration_names(folder) == (["0098_add_motto", "0099_fails"], [])


def test_pending_migrations_are_applied_and_recorded_together(school_db, tmp_path):
    folder = _migrations(tmp_path, **{"0098_add_motto": ADD_COLUMN})
    assert upgrade(folder) == ["0098_add_motto"]
    con = sqlite3.connect(school_db)
    columns = [r[1] for r in con.execute("PRAGMA table_info(school)")]
    names = [r[0] for r in con.execute("SELECT name FROM schema_migration")]
    con.close()
    assert "motto" in columns and "0098_add_motto" in names
    assert upgrade(folder) == []


def test_migration_leaving_orphan_rows_is_refused_by_the_foreign_key_check(school_db, tmp_path):
    folder = _migrations(tmp_path, **{"0098_orphans": ORPHAN_ROWS})
    before = _dump(school_db)
    with pytest.raises(MigrationFailed, match="không còn tồn tại"):
        upgrade(folder)
    assert _dump(school_db) == before


def test_foreign_keys_are_enforced_again_after_an_upgrade_and_after_a_failed_one(school_db, tmp_path):
    upgrade(_migrations(tmp_path, **{"0098_add_motto": ADD_COLUMN}))
    with db.connection_context():
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(MigrationFailed):
        upgrade(_migrations(other, **{"0098_add_motto": ADD_COLUMN, "0099_fails": CREATE_TABLE_THEN_FAIL}))
    with db.connection_context():
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_older_code_refuses_to_start_on_a_database_migrated_by_newer_code(school_db):
    con = sqlite3.connect(school_db)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('0042_from_the_future', '2031-01-01')")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew) as caught:
        make_app(school_db)
    message = str(caught.value)
    assert "0042_from_the_future" in message and "phiên bản Học bạ số mới hơn" in message
    with pytest.raises(SchemaTooNew):
        upgrade()  # nor does it run its own migrations over it


def test_older_schema_still_starts_so_it_can_be_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    init_db(str(path))
    with db.connection_context():
        from portal.db import migration_runner
        migration_runner().up(target="0001_initial")
    db.close_all()
    app = make_app(path)
    with app.app_context(), db.connection_context():
        pending, unknown = migration_names()
    assert pending and pending[0] == "0002_evaluation" and unknown == []
    assert upgrade() == pending
