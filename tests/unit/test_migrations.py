"""The schema built by the numbered migrations is exactly the schema the models declare."""
import sqlite3

from playhouse.schema_diff import diff_models

from portal.db import db, init_db, migration_runner, upgrade
from portal.models import ALL_MODELS


def _schema(path):
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migration'")}
    out = {}
    for t in sorted(tables):
        cols = [tuple(r[1:]) for r in con.execute(f'PRAGMA table_info("{t}")')]
        fks = sorted(tuple(r[2:]) for r in con.execute(f'PRAGMA foreign_key_list("{t}")'))
        idx = sorted((r[2], tuple(c[2] for c in con.execute(f'PRAGMA index_info("{r[1]}")')))
                     for r in con.execute(f'PRAGMA index_list("{t}")'))
        out[t] = (cols, fks, idx)
    con.close()
    return out


def test_migrated_schema_equals_models(tmp_path):
    migrated, declared = tmp_path / "migrated.sqlite3", tmp_path / "declared.sqlite3"
    init_db(str(migrated))
    assert upgrade()  # something was applied
    with db.connection_context():
        assert not diff_models(db, ALL_MODELS), "models changed without a migration"
    db.close()
    init_db(str(declared))
    with db.connection_context():
        db.create_tables(ALL_MODELS)
    db.close()
    assert _schema(migrated) == _schema(declared)


def test_upgrade_is_idempotent_and_each_down_restores_the_schema_before_it(tmp_path):
    """Applied one at a time, then reverted one at a time: after each down() the schema is exactly the
    one that migration started from (the empty file for the first)."""
    path = tmp_path / "db.sqlite3"
    init_db(str(path))
    names = [m.name for m in migration_runner().migrations()]
    assert names, "no migrations found"
    before = [_schema(path)]
    with db.connection_context():
        for name in names:
            assert migration_runner().up(target=name) == [name]
            before.append(_schema(path))
    assert before[0] == {} and "pupil" in before[1], "the snapshots see what the migrations wrote"
    assert upgrade() == []
    with db.connection_context():
        for i in range(len(names), 0, -1):
            assert migration_runner().down() == [names[i - 1]]
            assert _schema(path) == before[i - 1], f"down() of {names[i - 1]} left the schema changed"
    assert upgrade() == names
    assert _schema(path) == before[-1]
    db.close()


def test_sqlite_pragmas(app):
    with db.connection_context():
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
