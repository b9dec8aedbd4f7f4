"""The audit trail: keyed (HMAC over every column), serialised under concurrency, anchored outside the DB.

Each tampering test does what someone with write access to the SQLite file but not to the key could do,
then checks that `verify` names it.
"""
import multiprocessing
import threading
from pathlib import Path

import pytest

from portal.db import db, write_tx
from portal.models import AuditEntry, LoginAttempt
from portal.models.base import utcnow
from portal.services.system import audit, keys
from portal.services.system.audit_check import parse_head, verify, write_anchor
from tests import factories
from tests.conftest import make_app


def messages(report):
    return [p.message for p in report.problems]


@pytest.fixture
def trail(app):
    """An app context with ten entries by a real user from a real address."""
    with app.app_context(), db.connection_context():
        factories.make_school()
        user = factories.make_user("co.lan", {"homeroom": False})
        address = audit.client_address.set("10.0.0.7")  # what the web layer does for each request
        for i in range(10):
            audit.record("test.event", summary=f"sự kiện {i}", user=user, n=i)
        audit.client_address.reset(address)
        assert verify().ok
        yield app


def entries():
    return list(AuditEntry.select().order_by(AuditEntry.id))


def test_new_trail_starts_with_a_seal_naming_the_key_and_ids_are_consecutive(trail):
    rows = entries()
    assert rows[0].action == audit.SEAL_ACTION
    assert keys.fingerprint(audit.key()) in rows[0].data
    assert [e.id for e in rows] == list(range(1, len(rows) + 1))
    assert all(e.prev_hash == p.hash for p, e in zip(rows, rows[1:]))
    assert rows[-1].ip == "10.0.0.7" and rows[-1].user_id is not None


def test_key_file_is_outside_the_database_and_private(trail):
    path = Path(trail.config["SECRETS_DIR"]) / "audit.key"
    assert path.exists() and len(path.read_bytes()) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_rewritten_row_with_every_later_hash_recomputed_without_the_key_is_found(trail):
    rows = entries()
    victim = rows[5]
    forged_key = b"the attacker does not have the key"
    prev = rows[4].hash
    for e in rows[5:]:  # rewrite one row, then re-chain everything after it as a forger would
        if e.id == victim.id:
            e.summary = "đã bị sửa"
        e.prev_hash = prev
        e.hash = audit.keyed_hash(forged_key, e)
        AuditEntry.update(summary=e.summary, prev_hash=e.prev_hash, hash=e.hash).where(AuditEntry.id == e.id).execute()
        prev = e.hash
    report = verify()
    assert not report.ok
    assert report.problems[0].entry_id == victim.id
    assert f"Mục #{victim.id}" in report.problems[0].message and "đã bị sửa" in report.problems[0].message


@pytest.mark.parametrize("column, value", [("ip", "203.0.113.9"), ("user_id", None), ("at", "2020-01-01 00:00:00"),
                                           ("data", '{"n":99}')], ids=["ip", "user_id", "time", "details"])
def test_edited_column_is_found(trail, column, value):
    victim = entries()[4]
    AuditEntry.update({getattr(AuditEntry, column): value}).where(AuditEntry.id == victim.id).execute()
    report = verify()
    assert [p.entry_id for p in report.problems] == [victim.id]
    assert "đã bị sửa" in report.problems[0].message


def test_deleted_middle_rows_are_named(trail):
    rows = entries()
    AuditEntry.delete().where(AuditEntry.id.in_([rows[3].id, rows[4].id])).execute()
    report = verify()
    assert f"Mục #{rows[3].id}–#{rows[4].id} đã bị xóa" in messages(report)[0]


def test_truncated_tail_is_found_against_the_anchor_log(trail):
    anchor = write_anchor("sao lưu thử")
    assert anchor.id == entries()[-1].id and verify().ok
    AuditEntry.delete().where(AuditEntry.id > anchor.id - 3).execute()
    report = verify()
    assert len(report.problems) == 1
    assert f"Nhật ký bị cắt cụt: kết thúc ở mục #{anchor.id - 3}" in report.problems[0].message
    assert f"mục #{anchor.id}" in report.problems[0].message and "sao lưu thử" in report.problems[0].message


def test_truncated_and_rewritten_tail_is_found_against_a_noted_head(trail):
    head = audit.anchor_text(audit.head())
    last = audit.head()
    AuditEntry.delete().where(AuditEntry.id == last.id).execute()
    report = verify([parse_head(head)])
    assert "Nhật ký bị cắt cụt" in messages(report)[0]
    # the forger appends a row with the same id (they cannot make its HMAC right, nor the noted hash)
    AuditEntry(id=last.id, at=last.at, username="ai đó", action=last.action, summary="khác", data="{}",
               prev_hash=last.prev_hash, hash="0" * 64).save(force_insert=True)
    report = verify([parse_head(head)])
    assert any(f"Mục #{last.id} khác với mốc nhập tay" in m for m in messages(report))


def test_trail_downgraded_to_unkeyed_hashes_is_refused(trail):
    """Deleting the seal and re-chaining everything the old unkeyed way is not an intact trail."""
    prev = ""
    for e in entries():
        if e.action == audit.SEAL_ACTION:
            AuditEntry.delete().where(AuditEntry.id == e.id).execute()
            continue
        e.prev_hash, e.hash = prev, audit.legacy_hash(prev, e)
        AuditEntry.update(prev_hash=e.prev_hash, hash=e.hash).where(AuditEntry.id == e.id).execute()
        prev = e.hash
    assert "chưa được niêm phong" in messages(verify())[0]


def test_another_key_is_named_as_such(trail):
    (Path(trail.config["SECRETS_DIR"]) / "audit.key").write_bytes(b"k" * 32)
    report = verify()
    assert len(report.problems) == 1
    assert "không phải khóa đã niêm phong" in report.problems[0].message


def test_missing_key_is_reported_and_not_created_by_verify(trail):
    path = Path(trail.config["SECRETS_DIR"]) / "audit.key"
    path.unlink()
    assert "Không tìm thấy khóa nhật ký" in messages(verify())[0]
    assert not path.exists()


def legacy_rows(n, fork_at=None):
    """Rows as the portal wrote them before the key (unkeyed SHA-256, not covering ip or user)."""
    prev = ""
    for i in range(n):
        e = AuditEntry(at=utcnow(), username="cu", action="old.event", summary=f"cũ {i}", data="{}",
                       ip="10.0.0.1", prev_hash=prev if i != fork_at else "")
        e.hash = audit.legacy_hash(e.prev_hash, e)
        e.save()
        prev = e.hash


def test_trail_from_before_the_key_is_sealed_by_the_first_append_and_then_protected(app):
    with app.test_request_context(), db.connection_context():
        legacy_rows(5)
        audit.record("new.event", user=None, summary="sau khi có khóa")
        rows = entries()
        assert rows[5].action == audit.SEAL_ACTION and '"entries":5' in rows[5].data
        assert verify().ok
        # the old hashes never covered the address: the seal's digest does
        AuditEntry.update(ip="198.51.100.1").where(AuditEntry.id == 2).execute()
        assert "trước khi có khóa (trước mục #6) đã bị sửa" in messages(verify())[0]


def test_forked_legacy_trail_is_sealed_with_a_note_not_reported_as_new_tampering(app):
    with app.test_request_context(), db.connection_context():
        legacy_rows(6, fork_at=3)  # what the old concurrent appends left behind
        assert audit.seal_if_needed().id == 7
        assert audit.seal_if_needed() is None
        report = verify()
        assert report.ok and "đã hỏng từ mục #4" in report.notes[0]


def test_cli_verify_reports_intact_tampered_and_bad_head(trail):
    runner = trail.test_cli_runner()
    head = audit.anchor_text(audit.head())
    ok = runner.invoke(args=["audit", "verify", "--head", head])
    assert ok.exit_code == 0 and f"đầu chuỗi {head}" in ok.output and "đã đối chiếu 1 mốc" in ok.output
    assert runner.invoke(args=["audit", "verify", "--head", "abc"]).exit_code == 2
    AuditEntry.delete().where(AuditEntry.id == audit.head().id).execute()
    result = runner.invoke(args=["audit", "verify", "--head", head])
    assert result.exit_code == 1 and "bị cắt cụt" in result.output


def test_db_upgrade_seals_an_old_trail(app):
    with app.app_context(), db.connection_context():
        legacy_rows(3)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert "Đã niêm phong nhật ký kiểm toán bằng khóa (mục #4)" in result.output
    with app.app_context(), db.connection_context():
        assert verify().ok


# --- concurrency ------------------------------------------------------------------------------------

def append_many(n: int, tag: str) -> None:
    """Half the appends ride on a write ("a save"), half stand alone ("a download")."""
    for i in range(n):
        if i % 2:
            with write_tx():
                LoginAttempt.create(username=f"{tag}-{i}", ip="10.1.1.1")
                audit.record("test.save", user=None, summary=f"{tag} lưu {i}", username=tag)
        else:
            audit.record("test.download", user=None, summary=f"{tag} tải {i}", username=tag)


def _thread_worker(app, n, tag, errors):
    try:
        with app.app_context(), db.connection_context():
            append_many(n, tag)
    except Exception as err:  # reported by the test, not swallowed
        errors.append(repr(err))


def test_many_threads_appending_keep_one_chain(app):
    errors = []
    threads = [threading.Thread(target=_thread_worker, args=(app, 30, f"t{k}", errors)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context(), db.connection_context():
        report = verify()
        assert report.ok, messages(report)
        assert AuditEntry.select().where(AuditEntry.action.startswith("test.")).count() == 8 * 30
        assert LoginAttempt.select().count() == 8 * 15


def _process_worker(db_path: str, n: int, tag: str) -> None:
    app = make_app(db_path)
    errors = []
    threads = [threading.Thread(target=_thread_worker, args=(app, n, f"{tag}.{k}", errors)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{tag}: {errors}")


def test_several_processes_with_threads_appending_keep_one_chain(app, tmp_path):
    db_path = app.config["DATABASE"]
    # No key yet: the processes race to create it too, and must all end up with the same one.
    assert not (tmp_path / "secrets" / "audit.key").exists()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(db_path, 20, f"p{k}")) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with app.app_context(), db.connection_context():
        report = verify()
        assert report.ok, messages(report)
        assert AuditEntry.select().where(AuditEntry.action.startswith("test.")).count() == 4 * 3 * 20


def test_an_append_inside_a_write_transaction_opens_no_savepoint_and_falls_with_the_change(trail):
    """The entry is part of the caller's transaction: no savepoint of its own (two round trips a save), and
    a change whose transaction fails leaves neither the change nor its entry."""
    statements = []
    real = db.execute_sql

    def counting(sql, params=None, *a, **kw):
        statements.append(sql)
        return real(sql, params, *a, **kw)

    before = AuditEntry.select().count()
    db.execute_sql = counting
    try:
        with write_tx():
            audit.record("kiem_thu.mot", user=None, summary="trong giao dịch")
        with pytest.raises(RuntimeError):
            with write_tx():
                audit.record("kiem_thu.hai", user=None, summary="giao dịch hỏng")
                raise RuntimeError("the change fails after its entry")
    finally:
        db.execute_sql = real
    assert not any("SAVEPOINT" in s.upper() for s in statements), statements
    assert AuditEntry.select().count() == before + 1
    assert not AuditEntry.select().where(AuditEntry.action == "kiem_thu.hai").exists()
    assert verify().ok
