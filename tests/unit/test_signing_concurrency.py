"""The chain under concurrent use (issue 11): two batches over the same records, the page that lists
what is ready, batches whose worker died, the CLI."""
import os
import threading

from portal.db import db
from portal.models import RecordSignature, RecordVersion, SchoolClass, SigningJob
from portal.services.records import batches, chain
from tests.signing_helpers import PASS, reload, user


def cli_env(app) -> dict:
    """The environment for `flask --app portal …` in a child process pointing at this test's instance."""
    import os

    from tests.conftest import DEMO_PKI

    cfg = app.config
    return {**os.environ, "HOCBA_DATABASE": cfg["DATABASE"], "HOCBA_TRUST_DIR": cfg["TRUST_DIR"],
            "HOCBA_RECORDS_DIR": cfg["RECORDS_DIR"], "HOCBA_HUEY_FILE": cfg["HUEY_FILE"],
            "HOCBA_DEMO_PKI_DIR": str(DEMO_PKI["dir"]), "HOCBA_DEMO_PKI_PORT": str(DEMO_PKI["port"]),
            "HOCBA_PUBLIC_BASE_URL": cfg["PUBLIC_BASE_URL"], "HOCBA_SECRET_KEY": "test-secret",
            **{f"HOCBA_{k}": str(cfg[k]) for k in ("SECRETS_DIR", "AUDIT_ANCHOR_FILE") if cfg.get(k)}}


def test_two_batches_over_the_same_records_never_double_sign_nor_crash(demo_app):
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        records = batches.ready(user("gvcn.1a"), klass)[:6]
    results, errors = {}, []

    def run(name):
        try:
            with demo_app.app_context(), db.connection_context():
                results[name] = chain.sign_many(user("gvcn.1a"), records, PASS)
        except Exception as err:  # a traceback here is the bug this test guards against
            errors.append(repr(err))

    threads = [threading.Thread(target=run, args=(n,)) for n in ("tab", "cli")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with demo_app.app_context(), db.connection_context():
        for rv in records:
            assert RecordSignature.select().where(RecordSignature.record == rv.id).count() == 1
            assert reload(rv).step == 1 and reload(rv).claimed_by == ""
    ok = [r for rs in results.values() for r in rs if r.ok]
    skipped = [r for rs in results.values() for r in rs if not r.ok]
    assert len(ok) == len(records) and len(skipped) == len(records)
    assert all("lượt ký khác" in r.message or "bước ký khác" in r.message or "không ở trạng thái" in r.message
               or "không có quyền" in r.message for r in skipped), [r.message for r in skipped]


def test_signing_page_counts_without_writing(demo_app, demo_browser):
    demo_browser.login("hieutruong")
    with demo_app.app_context(), db.connection_context():
        before = RecordVersion.select().count()
    statements = []
    orig = db.execute_sql

    def counting(sql, params=None, *a, **kw):
        statements.append(sql)
        return orig(sql, params, *a, **kw)

    db.execute_sql = counting
    try:
        page = demo_browser.get("/ky/")
    finally:
        db.execute_sql = orig
    assert page.status_code == 200
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [] and len(statements) < 120, len(statements)
    with demo_app.app_context(), db.connection_context():
        assert RecordVersion.select().count() == before


def test_a_batch_whose_worker_stopped_shows_interrupted_and_offers_to_resume(demo_app, demo_browser):
    import datetime as dt

    from portal.models.base import utcnow

    with demo_app.app_context(), db.connection_context():
        job = SigningJob.create(user=user("gvcn.1a"), role="homeroom", scope="class:1", wave=1, total=27, done=4,
                                status="running", heartbeat_at=utcnow() - dt.timedelta(minutes=10))
    demo_browser.login("gvcn.1a")
    page = demo_browser.get(f"/ky/viec/{job.id}").get_data(as_text=True)
    assert "bị gián đoạn" in page and "Ký tiếp" in page and "đang ký" not in page
    with demo_app.app_context(), db.connection_context():
        assert SigningJob.get_by_id(job.id).status == "running"  # showing it did not write


def test_sign_cli_refuses_a_user_without_a_role_in_the_class(demo_app, tmp_path):
    secret = tmp_path / "pass"
    secret.write_text(PASS)
    result = demo_app.test_cli_runner().invoke(
        args=["sign", "--user", "gvcn.1a", "--class", "5A", "--passphrase-file", str(secret)])
    assert result.exit_code == 1 and "gvcn.1a không có quyền ký lớp 5A" in result.output


def test_sign_cli_without_passphrase_and_without_a_terminal_names_the_option(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["sign", "--user", "gvcn.1a", "--class", "1A"], input="")
    assert result.exit_code == 2 and "--passphrase-file" in result.output


def test_real_huey_worker_signs_a_batch_keeping_the_passphrase_out_of_its_storage(tmp_path, demo_template):
    """Not immediate mode: the job goes through huey's SQLite queue to a worker thread (the demo's web
    process); only copies sealed to the worker's key travel, so the passphrase reaches neither the queue's file
    nor the database; a job whose copies were sealed to a worker that is gone ends as interrupted."""
    import shutil
    import time

    from portal import jobs
    from portal.services.records import handover
    from tests.conftest import make_app

    path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, path)
    shutil.copytree(demo_template.parent / "trust", tmp_path / "trust")
    app = make_app(path, HUEY_IMMEDIATE=False)
    try:
        with app.app_context(), db.connection_context():
            klass = SchoolClass.get(SchoolClass.name == "1A")
            job = batches.start_batch(user("gvcn.1a"), f"class:{klass.id}", 1, PASS, queue=jobs.signing_queue)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and SigningJob.get_by_id(job.id).status != "finished":
                time.sleep(0.5)
            done = SigningJob.get_by_id(job.id)
            assert done.status == "finished" and done.done == done.total > 20 and done.failed == 0
            assert done.heartbeat_at is not None and done.worker == handover.this_worker() != ""
            for stored in (tmp_path / "huey.sqlite3", path, path.with_name(path.name + "-wal")):
                assert not stored.exists() or PASS.encode() not in stored.read_bytes(), stored
            # Copies sealed to a worker that no longer runs (as after a restart): nobody can open them.
            lost = SigningJob.create(user=user("gvcn.1a"), role="homeroom", scope=f"class:{klass.id}", wave=1,
                                     record_ids="[]")
            sealed = handover.seal(lost.id, PASS)
            jobs._task(lost.id, {"gone-host:1:abc": next(iter(sealed.values()))})
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and SigningJob.get_by_id(lost.id).status != "interrupted":
                time.sleep(0.2)
            assert SigningJob.get_by_id(lost.id).effective_status == "interrupted"
    finally:
        jobs.stop_workers()
        db.close()


def test_editors_saving_while_the_cli_signs_never_break_the_frozen_data(demo_app, tmp_path):
    """Issue 11 #2a: three teachers keep saving comments while `flask sign` (another process) signs the
    class. Each save lands before its pupil's record is frozen or is refused after; so every signed
    record still matches its frozen data and the principal's step signs all of them."""
    import subprocess
    import sys
    import time

    from portal.models import Subject
    from portal.services.evaluation import entry
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupils = [rv.pupil_id for rv in batches.ready(user("gvcn.1a"), klass)]
        subject = Subject.get(Subject.code == "TV")
    secret = tmp_path / "pass"
    secret.write_text(PASS)
    env = cli_env(demo_app)
    signer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "sign", "--user", "gvcn.1a",
                               "--class", "1A", "--passphrase-file", str(secret)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    saved, refused, errors = [], [], []

    def editor(n):
        i = 0
        while signer.poll() is None and i < 400:
            pid = pupils[(i * 7 + n) % len(pupils)]
            i += 1
            try:
                with demo_app.app_context(), db.connection_context():
                    entry.save(user("gvcn.1a"), klass, pid, "CN", "comment", f"Nhận xét {n}-{i}", subject=subject)
                saved.append(pid)
            except Exception as err:  # noqa: BLE001 - sorted below
                (refused if "ký" in str(getattr(err, "message", err)) else errors).append(repr(err))
            time.sleep(0.02)

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    out, err = signer.communicate(timeout=600)
    for t in threads:
        t.join()
    assert signer.returncode == 0, err[-2000:]
    assert out.count("OK ") == len(pupils)
    assert errors == [] and saved and refused  # both kinds happened: the race was real
    with demo_app.app_context(), db.connection_context():
        results = chain.sign_many(user("hieutruong"), [RecordVersion.get_by_id(r.id) for r in
                                                        RecordVersion.select().where(RecordVersion.school_class == klass)
                                                        if r.step == 1], PASS)
    assert len(results) == len(pupils) and all(r.ok for r in results), [r.message for r in results if not r.ok][:3]


def test_a_batch_runs_on_several_processes_and_signs_each_record_once(demo_app):
    import os

    from portal.services.records.parallel import sign_parallel

    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        records = batches.ready(user("gvcn.1a"), klass)[:6]
        done = sign_parallel(user("gvcn.1a"), records, PASS, workers=2)
        assert sorted(d.record_id for d in done) == sorted(r.id for r in records)
        assert all(d.ok for d in done), [d.message for d in done if not d.ok]
        pids = {d.pid for d in done}
        assert len(pids) == 2 and os.getpid() not in pids  # two worker processes, not this one
        for rv in records:
            assert RecordSignature.select().where(RecordSignature.record == rv.id).count() == 1
            assert reload(rv).step == 1 and reload(rv).claimed_by == ""


def test_the_next_batch_reuses_the_warm_worker_processes_until_they_idle_out(demo_app):
    import time

    from portal.services.records import parallel

    with demo_app.app_context(), db.connection_context():
        first = parallel.sign_parallel(user("gvcn.1a"), batches.ready(user("gvcn.1a"), SchoolClass.get(
            SchoolClass.name == "1A"))[:4], PASS, workers=2)
        second = parallel.sign_parallel(user("gvcn.1b"), batches.ready(user("gvcn.1b"), SchoolClass.get(
            SchoolClass.name == "1B"))[:4], PASS, workers=2)
        assert all(d.ok for d in first + second), [d.message for d in first + second if not d.ok]
        assert {d.pid for d in second} == {d.pid for d in first} and len({d.pid for d in first}) == 2
        demo_app.config["SIGNING_POOL_IDLE_S"] = 0.5  # new settings: a new pool, closed half a second after
        third = parallel.sign_parallel(user("gvcn.2a"), batches.ready(user("gvcn.2a"), SchoolClass.get(
            SchoolClass.name == "2A"))[:2], PASS, workers=2)
        assert all(d.ok for d in third) and not {d.pid for d in third} & {d.pid for d in first}
        for pid in {d.pid for d in first}:  # the old pool's processes have exited
            assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()
        deadline = time.monotonic() + 10
        while parallel._pool is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert parallel._pool is None
        for pid in {d.pid for d in third}:
            assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()


def test_cli_batch_killed_mid_way_finishes_when_run_again_without_double_signing(demo_app, tmp_path):
    """kill -9 of the signing processes in the middle of a class; the same command run again signs the
    rest, every record is signed once and verifies."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from portal.services.records.verification import verify

    secret = tmp_path / "pass"
    secret.write_text(PASS)
    env = cli_env(demo_app)
    cmd = [sys.executable, "-m", "flask", "--app", "portal", "sign", "--user", "gvcn.1a", "--class", "1A",
           "--passphrase-file", str(secret), "--workers", "2"]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and RecordVersion.select().where(
                (RecordVersion.school_class == klass) & (RecordVersion.step == 1)).count() < 4:
            time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # the command and its worker processes, mid-batch
    first.wait(timeout=30)
    with demo_app.app_context(), db.connection_context():
        signed_before = RecordVersion.select().where((RecordVersion.school_class == klass) & (RecordVersion.step == 1)).count()
        total = len(batches.pending(user("gvcn.1a"), klass)) + signed_before
    assert 4 <= signed_before < total
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:] + "\n".join(l for l in again.stdout.splitlines() if not l.startswith("OK"))
    with demo_app.app_context(), db.connection_context():
        rows = list(RecordVersion.select().where(RecordVersion.school_class == klass))
        assert len(rows) == total and all(r.step == 1 and r.claimed_by == "" for r in rows)
        for rv in rows:
            assert RecordSignature.select().where(RecordSignature.record == rv).count() == 1
        # The kill left no half-written step: the principal's step validates every first signature.
        results = chain.sign_many(user("hieutruong"), rows[:3], PASS)
        assert all(r.ok for r in results), [r.message for r in results]
        for rv in rows[:3]:  # mid-chain: valid signatures, only the missing seal is reported
            checks = {c.key: c.status for c in verify(chain.read_pdf(reload(rv))).checks}
            assert checks["sig1.intact"] == checks["sig2.intact"] == checks["sig1.signer"] == "passed"


def test_a_claim_by_a_killed_but_not_yet_reaped_process_is_not_alive():
    import socket
    import subprocess
    import time

    from portal.models.base import utcnow
    from portal.services.records.chain import claim_alive

    gone = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and b") Z" not in open(f"/proc/{gone.pid}/stat", "rb").read():
        time.sleep(0.05)  # exited; not waited for, so a zombie
    try:
        claim = type("Claim", (), {"claimed_by": f"{socket.gethostname()}:{gone.pid}:abc", "claimed_at": utcnow()})()
        assert claim_alive(claim) is False
        claim.claimed_by = f"{socket.gethostname()}:{os.getpid()}:abc"  # this process: alive
        assert claim_alive(claim) is True
    finally:
        gone.wait()


def test_a_wrong_passphrase_reports_every_record_of_the_batch_as_failed_and_signs_none(demo_app):
    with demo_app.app_context(), db.connection_context():
        records = batches.ready(user("gvcn.1a"), SchoolClass.get(SchoolClass.name == "1A"))[:3]
        reported = []
        kept = chain.sign_many(user("gvcn.1a"), records, "sai-mat-khau", progress=reported.append, keep=False)
        assert kept == []  # keep=False: a worker holds no result
        assert [r.record.id for r in reported] == [r.id for r in records]  # each one, the last included
        assert all(not r.ok and r.message for r in reported)
        assert not RecordSignature.select().where(RecordSignature.record.in_([r.id for r in records])).exists()
        again = chain.sign_many(user("gvcn.1a"), records, "sai-mat-khau")
        assert [r.record.id for r in again] == [r.id for r in records] and not any(r.ok for r in again)
