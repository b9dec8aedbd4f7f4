"""The one database handle, initialised by the app factory, and the migration runner.

SQLite in WAL mode so readers never wait for the writer; foreign keys on (SQLite defaults to off);
a busy timeout so concurrent writers queue instead of failing with "database is locked".
"""
from pathlib import Path

from playhouse.migrations import Runner
from playhouse.pool import PooledSqliteDatabase

# Pooled: opening a SQLite connection runs the pragmas, and closing the last one checkpoints the WAL;
# doing both on every request cost more than the request itself.
db = PooledSqliteDatabase(None, max_connections=64, stale_timeout=600, timeout=30)

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -16000,
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def write_tx():
    """A write transaction that takes SQLite's write lock at BEGIN.

    A deferred transaction that reads first and writes later can fail with "database is locked"
    when another writer got there in between (the busy timeout cannot help an upgrade deadlock);
    BEGIN IMMEDIATE makes writers queue instead. Nested calls become savepoints.
    """
    return db.atomic("IMMEDIATE")


def init_db(path: str) -> None:
    """Point the shared handle at a SQLite file."""
    if db.database is not None:  # re-pointing (tests, tools): drop connections to the old file
        if not db.is_closed():
            db.close()
        db.close_all()
    # A pooled connection moves between server threads (one at a time), so sqlite3's same-thread
    # check must be off; the pool never shares a connection between two threads at once.
    db.init(path, pragmas=PRAGMAS, check_same_thread=False)


def migration_runner(directory: Path = MIGRATIONS_DIR) -> Runner:
    return Runner(db, str(directory))


def upgrade() -> list[str]:
    """Apply every pending migration in order; returns their names."""
    with db.connection_context():
        return migration_runner().up()


def is_empty() -> bool:
    """True when no school has been set up yet."""
    from portal.models import School  # local: db.py is imported by the models

    with db.connection_context():
        return not School.table_exists() or School.select().count() == 0


def init_app(app) -> None:
    init_db(app.config["DATABASE"])

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            db.close()
