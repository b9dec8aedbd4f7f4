"""The background worker (`python -m portal.worker`): its schedule, its own queue (never the signing one),
its jobs, and the process systemd starts and stops."""
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from huey import SqliteHuey

from portal.db import db
from portal.models import BackupRun, PackageSubmission, SchoolClass
from portal.services.exchange import scheduled, sending
from portal.worker import QUEUE, make_huey
from tests.package_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


def _due(huey, when: dt.datetime) -> set[str]:
    return {task.name for task in huey.read_periodic(when)}


def test_schedule_in_local_time_backup_at_night_renewal_after_it(demo_app):
    demo_app.config.update(HUEY_IMMEDIATE=False, BACKUP_HOUR=2, RENEW_HOUR=3)
    huey = make_huey(demo_app)
    assert huey.utc is False  # a crontab hour is the school's clock, not UTC (02:00 UTC is 09:00 in Vietnam)
    assert _due(huey, dt.datetime(2027, 5, 20, 2, 0)) == {"heartbeat", "nightly_backup", "resend_packages"}
    assert _due(huey, dt.datetime(2027, 5, 20, 3, 30)) == {"heartbeat", "renew_timestamps", "resend_packages"}
    assert _due(huey, dt.datetime(2027, 5, 20, 10, 45)) == {"heartbeat", "resend_packages"}
    assert _due(huey, dt.datetime(2027, 5, 20, 10, 7)) == {"heartbeat"}


def test_background_queue_never_sees_the_signing_queue(demo_app):
    """The scheduled jobs and batch signing are separate queues: a long nightly backup never holds up a batch."""
    demo_app.config["HUEY_IMMEDIATE"] = False
    background = make_huey(demo_app)
    signing = SqliteHuey("hocba", filename=demo_app.config["HUEY_FILE"])  # as portal/jobs.py names it
    signing.enqueue(signing.task(name="run_signing_job")(lambda job_id, sealed: None).s(1, {}))
    assert QUEUE != "hocba" and signing.pending_count() == 1
    assert background.pending_count() == 0 and background.dequeue() is None


def test_nightly_backup_job_records_the_backup_doctor_reads(demo_app, tmp_path):
    demo_app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    with demo_app.app_context(), db.connection_context():
        path = scheduled.nightly_backup()
        last = BackupRun.select().order_by(BackupRun.id.desc()).first()
    assert Path(path).exists() and last.path == path


def test_package_that_failed_to_send_is_sent_again_then_its_status_fetched(demo_app):
    from tests.unit.test_sending_backups import package_bytes
    receiver = Receiver(fail_first=10)
    try:
        demo_app.config.update(PACKAGE_ENDPOINT=receiver.url, PACKAGE_TOKEN="bi-mat")
        klass, data = package_bytes(demo_app)
        with demo_app.app_context(), db.connection_context():
            sub = sending.send(sending.prepare(klass, 1, data), sleep=lambda s: None)
            assert sub.status == "prepared" and sub.attempts == sending.RETRIES  # the receiver was down
            receiver.fail_first = 0
            counts = scheduled.resend_packages()
            sub = PackageSubmission.get_by_id(sub.id)
    finally:
        receiver.close()
    assert counts == {"resent": 1, "refreshed": 1}
    assert sub.status == "accepted" and len(receiver.packages) == 1


def test_without_an_endpoint_nothing_is_sent(demo_app):
    demo_app.config["PACKAGE_ENDPOINT"] = ""
    with demo_app.app_context(), db.connection_context():
        assert scheduled.resend_packages() == {"resent": 0, "refreshed": 0}


def test_worker_process_beats_and_stops_cleanly_on_sigterm(tmp_path, demo_template):
    db_path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, db_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCBA_")}
    env.update(HOCBA_INSTANCE_PATH=str(tmp_path / "instance"), HOCBA_DATABASE=str(db_path),
               HOCBA_HUEY_FILE=str(tmp_path / "huey.sqlite3"), HOCBA_TRUST_DIR=str(tmp_path / "trust"))
    heartbeat = tmp_path / "worker.heartbeat"
    proc = subprocess.Popen([sys.executable, "-m", "portal.worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not heartbeat.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert heartbeat.exists(), "the worker never beat"
        time.sleep(1)
        assert proc.poll() is None, "the worker exited on its own"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Tiến trình nền đã chạy" in text and "Received SIGTERM" in text


def test_worker_refuses_a_database_from_newer_code_with_the_reason(tmp_path, demo_template):
    import sqlite3
    db_path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, db_path)
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('0077_newer', '2031-01-01')")
    con.commit()
    con.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCBA_")}
    env.update(HOCBA_INSTANCE_PATH=str(tmp_path / "instance"), HOCBA_DATABASE=str(db_path),
               HOCBA_HUEY_FILE=str(tmp_path / "huey.sqlite3"))
    done = subprocess.run([sys.executable, "-m", "portal.worker"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "0077_newer" in done.stderr and "mới hơn" in done.stderr and "Traceback" not in done.stderr


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "portal.worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_signing_worker(proc, known: set[str], timeout: float = 60) -> str:
    from portal.models import SigningWorker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        fresh = {w.name for w in SigningWorker.live()} - known
        if fresh:
            return fresh.pop()
        time.sleep(0.2)
    raise AssertionError(f"no signing worker registered: {proc.stdout.read().decode('utf-8', 'replace')[-2000:]}"
                         if proc.poll() is not None else "no signing worker registered in time")


def test_worker_killed_mid_batch_then_restarted_the_batch_finishes_signed_once_and_verified(tmp_path, demo_template):
    """Issue 13: the web process (this test) starts a batch; the worker process signs it on 2 processes and is
    killed with SIGKILL mid-batch. The batch shows as interrupted at once; the restarted worker cannot open
    what was sealed to the old one; the signer enters the passphrase again and the rest is signed. Every
    record is signed exactly once, verifies, and the passphrase was never written to the queue or the
    database."""
    from portal import jobs
    from portal.models import RecordSignature, RecordVersion, SigningJob
    from portal.services.records import batches, chain
    from portal.services.records.verification import verify
    from tests.conftest import make_app
    from tests.signing_helpers import PASS, reload, user
    from tests.unit.test_signing_concurrency import cli_env

    path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, path)
    shutil.copytree(demo_template.parent / "trust", tmp_path / "trust")
    shutil.copytree(demo_template.parent / "secrets", tmp_path / "secrets")
    app = make_app(path, HUEY_IMMEDIATE=False, SEPARATE_WORKER=True)
    env = {**cli_env(app), "HOCBA_INSTANCE_PATH": str(tmp_path / "instance"), "HOCBA_SEPARATE_WORKER": "true",
           "HOCBA_SIGNING_WORKERS": "2", "HOCBA_HUEY_IMMEDIATE": "false"}
    first = _start_worker(env)
    second = None
    try:
        with app.app_context(), db.connection_context():
            killed = _wait_for_signing_worker(first, set())
            klass = SchoolClass.get(SchoolClass.name == "1A")
            job = batches.start_batch(user("gvcn.1a"), f"class:{klass.id}", 1, PASS, queue=jobs.signing_queue)
            at_step_1 = RecordVersion.select().where((RecordVersion.school_class == klass) & (RecordVersion.step == 1))
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and at_step_1.count() < 4:
                time.sleep(0.2)
            os.killpg(first.pid, signal.SIGKILL)  # the worker and its signing processes, mid-batch
            first.wait(timeout=30)
            row = SigningJob.get_by_id(job.id)
            assert row.worker == killed and row.status == "running"
            assert row.effective_status == "interrupted"  # its process is gone: said at once, not minutes later
            signed_before = at_step_1.count()
            assert 4 <= signed_before < job.total

            second = _start_worker(env)
            _wait_for_signing_worker(second, {killed})
            again = batches.start_batch(user("gvcn.1a"), f"class:{klass.id}", 1, PASS, queue=jobs.signing_queue)
            assert again.total == job.total - signed_before
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and SigningJob.get_by_id(again.id).status not in ("finished", "interrupted"):
                time.sleep(0.5)
            done = SigningJob.get_by_id(again.id)
            assert done.status == "finished" and done.done == done.total and done.failed == 0, done.errors

            rows = list(RecordVersion.select().where(RecordVersion.school_class == klass))
            assert len(rows) == job.total and all(r.step == 1 and r.claimed_by == "" for r in rows)
            for rv in rows:
                assert RecordSignature.select().where(RecordSignature.record == rv).count() == 1
            results = chain.sign_many(user("hieutruong"), rows[:2], PASS)
            assert all(r.ok for r in results), [r.message for r in results]
            for rv in rows[:2]:
                checks = {c.key: c.status for c in verify(chain.read_pdf(reload(rv))).checks}
                assert checks["sig1.intact"] == checks["sig2.intact"] == checks["sig1.signer"] == "passed"
        for stored in (tmp_path / "huey.sqlite3", path, path.with_name(path.name + "-wal")):
            assert not stored.exists() or PASS.encode() not in stored.read_bytes(), stored
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        db.close()


def test_on_a_shared_redis_each_portal_has_its_own_queues_and_all_its_processes_share_them():
    from portal.jobs import installation_tag

    school_a = {"DATABASE_URL": "postgresql://hocba:mat-khau-1@db.so-gd.vn:5432/thpt_a"}
    same_a = {"DATABASE_URL": "postgresql://hocba:mat-khau-moi@db.so-gd.vn:5432/thpt_a"}  # password rotated
    school_b = {"DATABASE_URL": "postgresql://hocba:mat-khau-1@db.so-gd.vn:5432/thpt_b"}
    assert installation_tag(school_a) == installation_tag(same_a) != installation_tag(school_b)
    assert installation_tag({"DATABASE": "/srv/a/portal.sqlite3"}) != installation_tag({"DATABASE": "/srv/b/portal.sqlite3"})
    assert installation_tag({**school_a, "HUEY_QUEUE_TAG": "thpt-a"}) == "thpt-a"
    assert "mat-khau" not in installation_tag(school_a)
