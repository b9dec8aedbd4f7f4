"""The same data layer on a real PostgreSQL and the job queue on a real Redis (issue 13, "growing past one
machine"): migrations up and down, schema == models, cell saves and audit appends under concurrency, and a
batch signed through a Redis queue whose records still verify."""
import re
import shutil
import threading
import time

import pytest
from playhouse.schema_diff import diff_models

from portal.db import db, init_db, is_postgres, migration_runner, upgrade
from portal.models import ALL_MODELS
from tests.conftest import make_app
from tests.servers import Postgres, Redis

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    db.close_all() if db.obj is not None else None
    server.stop()


@pytest.fixture(scope="module")
def redis_server():
    server = Redis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pg_demo(postgres, demo_template, tmp_path_factory):
    """The demo school seeded once into a PostgreSQL database used as a template; (name, base folder)."""
    from portal.services.demo.primary import seed_demo

    from portal.signing.responder import free_port

    name = postgres.create_database()
    base = tmp_path_factory.mktemp("pg-demo")
    # Its own demo PKI (folder and port): the session's shared one must stay as the SQLite copies expect it.
    pki = {"DEMO_PKI_DIR": str(base / "demo-pki"), "DEMO_PKI_PORT": free_port()}
    app = make_app(base / "unused.sqlite3", DATABASE_URL=postgres.url(name), **pki)
    upgrade()
    with app.app_context(), db.connection_context():
        seed_demo()
    db.close_all()
    return name, base, pki


@pytest.fixture
def pg_demo_app(postgres, pg_demo, tmp_path):
    name, base, pki = pg_demo
    shutil.copytree(base / "trust", tmp_path / "trust")
    shutil.copytree(base / "secrets", tmp_path / "secrets")
    app = make_app(tmp_path / "unused.sqlite3", DATABASE_URL=postgres.url(postgres.create_database(template=name)),
                   **pki)
    assert is_postgres()
    yield app
    db.close_all()


def _pg_schema():
    tables = {r[0] for r in db.execute_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema='public' AND table_name != 'schema_migration'")}
    cols = sorted(db.execute_sql(
        "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length, column_default "
        "FROM information_schema.columns WHERE table_schema='public' AND table_name != 'schema_migration'"))
    # index names differ by path (a migrator's add_column names them table_column), as on SQLite: compared
    # by table, uniqueness and columns
    idx = sorted((t, re.sub(r"INDEX \S+ ON", "INDEX ON", d)) for t, d in db.execute_sql(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname='public' AND tablename != 'schema_migration'"))
    fks = sorted(db.execute_sql(
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'"))
    return tables, cols, idx, fks


def test_migrations_build_the_models_schema_and_go_down_and_up_again_on_postgres(postgres):
    migrated, declared = postgres.create_database(), postgres.create_database()
    init_db(postgres.url(declared))
    with db.connection_context():
        db.create_tables(ALL_MODELS)
        want = _pg_schema()
    init_db(postgres.url(migrated))
    names = [m.name for m in migration_runner().migrations()]
    assert upgrade() == names
    with db.connection_context():
        assert not diff_models(db, ALL_MODELS), "models differ from the migrated PostgreSQL schema"
        got = _pg_schema()
        for part, mine, theirs in zip(("tables", "columns", "indexes", "foreign keys"), got, want):
            assert set(mine) ^ set(theirs) == set(), f"{part} differ (migrated ^ declared)"
        assert "pupil" in want[0]
        for name in reversed(names):
            assert migration_runner().down() == [name]
        assert _pg_schema()[0] == set(), "every down() together removes every table"
    assert upgrade() == names
    with db.connection_context():
        assert _pg_schema() == want
    db.close_all()


def _in_threads(app, fn, n):
    errors, barrier = [], threading.Barrier(n)

    def run(i):
        try:
            with app.app_context(), db.connection_context():
                barrier.wait(30)
                fn(i)
        except Exception as err:  # noqa: BLE001 - reported by the test
            errors.append(repr(err))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_concurrent_cell_saves_and_audit_appends_keep_every_change_and_an_intact_chain_on_postgres(pg_demo_app):
    from portal.models import AuditEntry, Enrolment, EvaluationChange, SchoolClass, Subject, SubjectResult
    from portal.services.evaluation import entry
    from portal.services.system import audit, audit_check
    from tests.signing_helpers import user

    with pg_demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupils = [e.pupil_id for e in Enrolment.select().where(Enrolment.school_class == klass).order_by(Enrolment.id)][:6]
        subject = Subject.get(Subject.code == "TV")
        changes_before, audit_before = EvaluationChange.select().count(), AuditEntry.select().count()
    saves_per_thread, threads = 5, 12

    def save(i):
        teacher = user("gvcn.1a")
        for k in range(saves_per_thread):
            # two threads per pupil: the same cell written concurrently, the last write wins whole
            entry.save(teacher, klass, pupils[i % len(pupils)], "CN", "comment", f"Nhận xét {i}-{k}",
                            subject=subject)
        audit.record("kiem_thu", user=None, summary=f"luồng {i}")

    assert _in_threads(pg_demo_app, save, threads) == []
    with pg_demo_app.app_context(), db.connection_context():
        for p in pupils:
            comment = SubjectResult.get(pupil=p, school_class=klass, checkpoint="CN", subject=subject).comment
            assert comment.startswith("Nhận xét ") and comment.endswith(f"-{saves_per_thread - 1}")
        assert EvaluationChange.select().count() - changes_before == threads * saves_per_thread
        assert AuditEntry.select().where(AuditEntry.action == "kiem_thu").count() == threads
        assert AuditEntry.select().count() > audit_before + threads
        report = audit_check.verify()
        assert report.ok and report.total == AuditEntry.select().count(), report.problems
    result = pg_demo_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_batch_signed_through_a_redis_queue_on_postgres_verifies_and_the_passphrase_stays_out_of_redis(
        postgres, pg_demo, redis_server, tmp_path):
    import redis
    from huey import RedisHuey

    from portal import jobs
    from portal.models import RecordVersion, SchoolClass, SigningJob
    from portal.services.records import batches
    from portal.services.records.chain import read_pdf
    from portal.services.records.verification import verify
    from tests.signing_helpers import PASS, reload, user

    name, base, pki = pg_demo
    shutil.copytree(base / "trust", tmp_path / "trust")
    shutil.copytree(base / "secrets", tmp_path / "secrets")
    app = make_app(tmp_path / "unused.sqlite3", DATABASE_URL=postgres.url(postgres.create_database(template=name)),
                   HUEY_IMMEDIATE=False, HUEY_REDIS_URL=redis_server.url, **pki)
    assert isinstance(jobs.huey, RedisHuey) and not (tmp_path / "huey.sqlite3").exists()
    try:
        with app.app_context(), db.connection_context():
            klass = SchoolClass.get(SchoolClass.name == "1A")
            ready = batches.ready(user("gvcn.1a"), klass)
            job = batches.start_batch(user("gvcn.1a"), f"class:{klass.id}", 1, PASS, queue=jobs.signing_queue)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and SigningJob.get_by_id(job.id).status != "finished":
                time.sleep(0.5)
            done = SigningJob.get_by_id(job.id)
            assert done.status == "finished" and done.done == done.total == len(ready) > 0 and done.failed == 0
            rv = reload(RecordVersion.get_by_id(ready[0].id))
            assert rv.step == 1
            verdict = verify(read_pdf(rv))  # one step of three: the homeroom signature holds, not issued yet
            sig = {c.key: c.status for c in verdict.checks if c.key.startswith("sig1.")}
            assert sig and set(sig.values()) == {"passed"}, verdict.checks
            failed = {c.key for c in verdict.checks if c.status == "failed"}
            assert failed and all(k.startswith(("chain", "seal", "db.")) for k in failed), failed
        r = redis.Redis.from_url(redis_server.url)
        stored = b"".join(r.dump(k) or b"" for k in r.keys("*"))
        assert PASS.encode() not in stored
    finally:
        jobs.stop_workers()
        db.close_all()


def test_the_background_worker_queue_runs_a_job_through_redis(redis_server, app):
    from huey import RedisHuey

    from portal import worker

    app.config.update(HUEY_REDIS_URL=redis_server.url, HUEY_IMMEDIATE=False)
    huey = worker.make_huey(app)
    assert isinstance(huey, RedisHuey)
    answer = huey.task()(lambda x: x * 2)(21)
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.scheduler.start()
    for _, w in consumer.worker_threads:
        w.start()
    try:
        assert answer.get(blocking=True, timeout=30) == 42
    finally:
        consumer.stop(graceful=True)


def test_a_nested_write_transaction_takes_the_write_lock_once_and_still_rolls_back_alone_on_postgres(pg_demo_app):
    from portal.db import write_tx
    from portal.models import SchoolClass

    with pg_demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        statements = []
        real = db.execute_sql

        def counting(sql, params=None, *a, **kw):
            statements.append(sql)
            return real(sql, params, *a, **kw)

        db.execute_sql = counting
        try:
            with write_tx():
                SchoolClass.update(note="ngoài").where(SchoolClass.id == klass.id).execute()
                with pytest.raises(RuntimeError):
                    with write_tx():
                        SchoolClass.update(note="trong").where(SchoolClass.id == klass.id).execute()
                        raise RuntimeError("the inner part fails")
                with write_tx():
                    pass
        finally:
            db.execute_sql = real
        assert sum("pg_advisory_xact_lock" in s for s in statements) == 1
        assert statements[0] == "BEGIN; SELECT pg_advisory_xact_lock(%s)"  # taken with BEGIN, one round trip
        assert SchoolClass.get_by_id(klass.id).note == "ngoài"  # the inner savepoint rolled back, the outer kept
        with write_tx():  # a new transaction takes the lock again
            statements.clear()
            db.execute_sql = counting
            try:
                with write_tx():
                    pass
            finally:
                db.execute_sql = real
        assert not any("pg_advisory_xact_lock" in s for s in statements)


def _holds_write_lock() -> bool:
    from portal.db import WRITE_LOCK

    return db.execute_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                          "AND granted AND classid = 0 AND objid = %s", (WRITE_LOCK,)).fetchone()[0] == 1


def test_a_write_transaction_holds_the_write_lock_from_begin_also_inside_a_plain_transaction(pg_demo_app):
    from portal.db import write_tx

    with pg_demo_app.app_context(), db.connection_context():
        assert not _holds_write_lock()
        with write_tx():
            assert _holds_write_lock()
        assert not _holds_write_lock()  # released with the transaction
        with db.atomic():  # a plain transaction first: the write transaction inside still takes the lock
            assert not _holds_write_lock()
            with write_tx():
                assert _holds_write_lock()
