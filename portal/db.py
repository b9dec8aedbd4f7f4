"""The one database handle, initialised by the app factory, and the migration runner.

SQLite by default: WAL mode so readers never wait for the writer; foreign keys on (SQLite defaults to off);
a busy timeout so concurrent writers queue instead of failing with "database is locked".

PostgreSQL when DATABASE_URL is postgresql://… (a district hosting many schools, web processes and workers
on several machines): the same guarantees, see write_tx().
"""
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import unquote, urlsplit

from peewee import DatabaseProxy, PostgresqlDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

# A proxy: the app factory points it at SQLite or PostgreSQL. Pooled either way: opening a SQLite connection
# runs the pragmas, and closing the last one checkpoints the WAL; doing both on every request cost more
# than the request itself (a PostgreSQL connection is dearer still).
class _Handle(DatabaseProxy):
    """A proxy that also forwards attribute assignment (tests wrap db.execute_sql to count statements)."""
    __slots__ = ()

    def __setattr__(self, attr, value):
        if attr in ("obj", "_callbacks", "_Model"):
            object.__setattr__(self, attr, value)
        else:
            setattr(self.obj, attr, value)


db = _Handle()

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -16000,
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


# pg_advisory_xact_lock keys (any two constants the portal owns): every write transaction, and the audit chain.
WRITE_LOCK = 0x48_6F_63_42  # "HocB"
AUDIT_CHAIN_LOCK = 0x48_6F_63_41


def is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


_write_lock_held: ContextVar[bool] = ContextVar("hocba_write_lock_held", default=False)
_lock_on_begin: ContextVar[int | None] = ContextVar("hocba_lock_on_begin", default=None)


class PortalPostgres(PooledPostgresqlDatabase):
    """Peewee's pooled PostgreSQL whose BEGIN can take an advisory lock in the same round trip: every write
    transaction starts by queueing for the write lock, and one trip fewer per save counts on a busy server."""

    def begin(self, isolation_level=None):
        key = _lock_on_begin.get()
        if key is None:
            return super().begin(isolation_level)
        level = isolation_level or self._isolation_level
        begin = f"BEGIN TRANSACTION ISOLATION LEVEL {self._adapter.isolation_level_str(level)}" if level else "BEGIN"
        self.execute_sql(f"{begin}; SELECT pg_advisory_xact_lock(%s)", (key,))


@contextmanager
def _locking_begin(key: int | None):
    token = _lock_on_begin.set(key)
    try:
        yield
    finally:
        _lock_on_begin.reset(token)


@contextmanager
def write_tx():
    """A write transaction that holds the database's write lock from its first statement.

    SQLite: BEGIN IMMEDIATE. A deferred transaction that reads first and writes later can fail with
    "database is locked" when another writer got there in between (the busy timeout cannot help an upgrade
    deadlock); BEGIN IMMEDIATE makes writers queue instead.

    PostgreSQL: a READ COMMITTED transaction that first takes a transaction-level advisory lock shared by
    every write transaction, so writers queue exactly as on SQLite and a check re-done inside the
    transaction still holds when it commits (readers never wait). Nested calls become savepoints.
    """
    if _write_lock_held.get():  # nested: a savepoint inside the write transaction that holds the lock
        with db.atomic() as tx:
            yield tx
        return
    if is_postgres():
        begins = not db.in_transaction()  # inside a plain transaction the lock is its own statement
        with _locking_begin(WRITE_LOCK if begins else None), db.atomic() as tx:
            if not begins:
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            held = _write_lock_held.set(True)
            try:
                yield tx
            finally:
                _write_lock_held.reset(held)
    else:
        outermost = not db.in_transaction()
        with db.atomic("IMMEDIATE") as tx:
            held = _write_lock_held.set(True) if outermost else None  # nested in a deferred one: not held
            try:
                yield tx
            finally:
                if held is not None:
                    _write_lock_held.reset(held)


@contextmanager
def in_write_tx():
    """The caller's write transaction when one is open — no savepoint, so a failure here rolls all of it
    back (an audit entry never goes missing from a change that stays) — else a write transaction of its own."""
    if _write_lock_held.get():
        yield
    else:
        with write_tx():
            yield


def lock(key: int) -> None:
    """PostgreSQL: hold an advisory lock until the current transaction ends (SQLite's write lock already
    serialises every writer: nothing to do)."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (key,))


def is_database_url(value: str) -> bool:
    return str(value).startswith(("postgresql://", "postgres://"))


def postgres_from_url(url: str) -> PortalPostgres:
    """postgresql://user:password@host:port/name?host=/socket/dir (libpq's URL, the password never logged)."""
    parts = urlsplit(url)
    params = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    kwargs = {k: unquote(v) for k, v in params.items()}
    if parts.hostname:
        kwargs.setdefault("host", unquote(parts.hostname))
    if parts.port:
        kwargs["port"] = parts.port
    if parts.username:
        kwargs["user"] = unquote(parts.username)
    if parts.password:
        kwargs["password"] = unquote(parts.password)
    return PortalPostgres(unquote(parts.path.lstrip("/")), max_connections=64, stale_timeout=600, timeout=30,
                          **kwargs)


def init_db(path: str) -> None:
    """Point the shared handle at a SQLite file, or at PostgreSQL for a postgresql:// URL."""
    if db.obj is not None:  # re-pointing (tests, tools): drop connections to the old database
        if not db.is_closed():
            db.close()
        db.close_all()
    if is_database_url(path):
        db.initialize(postgres_from_url(str(path)))
        return
    # A pooled connection moves between server threads (one at a time), so sqlite3's same-thread
    # check must be off; the pool never shares a connection between two threads at once.
    db.initialize(PooledSqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False,
                                       max_connections=64, stale_timeout=600, timeout=30))


def migration_runner(directory: Path | None = None) -> Runner:
    return Runner(db, str(directory or MIGRATIONS_DIR))


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the portal than this one."""


class MigrationFailed(RuntimeError):
    """A migration failed; the database was left exactly as it was before the upgrade."""

    def __init__(self, name: str, cause: BaseException):
        super().__init__(f"Nâng cấp cơ sở dữ liệu thất bại ở bước {name} ({type(cause).__name__}: {cause}). "
                         "Cơ sở dữ liệu được giữ nguyên như trước khi nâng cấp; không bước nào được áp dụng.")
        self.name = name


def migration_names(directory: Path | None = None) -> tuple[list[str], list[str]]:
    """(pending, unknown): migrations of this code not applied yet, and applied ones this code does not have."""
    rows = migration_runner(directory).status()
    return ([m.name for m in rows if m.path is not None and not m.applied],
            [m.name for m in rows if m.path is None])


def upgrade(directory: Path | None = None) -> list[str]:
    """Apply every pending migration in order, all of them in ONE transaction; returns their names.

    Either every pending migration is applied or none is: a failure in the third of three leaves the
    database as it was before the first (MigrationFailed names the step). Migrations therefore must not
    need to run outside a transaction (SQLite's DDL is transactional). Foreign-key enforcement is off
    for the duration (SQLite ignores that pragma inside a transaction, and rebuilding a table with it on
    would cascade deletes); the result is checked with foreign_key_check before it is committed.
    """
    with db.connection_context():
        pending, unknown = migration_names(directory)
        if unknown:
            raise SchemaTooNew(schema_too_new_message(unknown))
        if not pending:
            return []
        runner = migration_runner(directory)
        if is_postgres():  # transactional DDL, foreign keys checked as each statement runs
            with write_tx():
                for name in pending:
                    try:
                        runner.up(target=name)
                    except Exception as err:
                        raise MigrationFailed(name, err) from err
            return pending
        enforced = db.pragma("foreign_keys")
        db.pragma("foreign_keys", 0)
        try:
            with db.atomic("IMMEDIATE"):
                for name in pending:
                    try:
                        runner.up(target=name)
                    except Exception as err:
                        raise MigrationFailed(name, err) from err
                broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise MigrationFailed(pending[-1], RuntimeError(
                        f"{len(broken)} dòng tham chiếu tới dữ liệu không còn tồn tại (bảng {broken[0][0]})"))
        finally:
            db.pragma("foreign_keys", enforced)
        return pending


def schema_too_new_message(unknown: list[str]) -> str:
    return (f"Cơ sở dữ liệu {db.database} đã được nâng cấp bởi một phiên bản Học bạ số mới hơn phiên bản đang "
            f"chạy (các bước lạ với phiên bản này: {', '.join(unknown)}). Không khởi động để tránh làm hỏng dữ "
            "liệu: hãy cài lại phiên bản mới hơn, hoặc khôi phục bản sao lưu tạo trước khi nâng cấp.")


def refuse_newer_schema(directory: Path | None = None) -> None:
    """Raise SchemaTooNew when the database holds migrations this code does not know (older code)."""
    with db.connection_context():
        _, unknown = migration_names(directory)
    if unknown:
        raise SchemaTooNew(schema_too_new_message(unknown))


def init_app(app) -> None:
    init_db(app.config.get("DATABASE_URL") or app.config["DATABASE"])
    refuse_newer_schema()

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            db.close()
