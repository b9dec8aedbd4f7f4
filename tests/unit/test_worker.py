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
    """Batch signing keeps its passphrase in the web process: a worker that took its tasks could not sign."""
    demo_app.config["HUEY_IMMEDIATE"] = False
    background = make_huey(demo_app)
    signing = SqliteHuey("hocba", filename=demo_app.config["HUEY_FILE"])  # as portal/jobs.py names it
    signing.enqueue(signing.task(name="run_signing_job")(lambda job_id: None).s(1))
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
