"""Verification verdicts for each kind of genuine and doctored học bạ (issue 6)."""
import io
import json
import shutil

import pytest

from portal.db import db
from portal.models import AuditEntry
from portal.services import corrections, signing
from portal.services.verification import verify
from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI
from tests.signing_helpers import PASS, first_records, reload, user


@pytest.fixture
def issued(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        for name in ("gvcn.1a", "hieutruong", "vanthu"):
            signing.sign_step(user(name), rv, PASS)
        return reload(rv), signing.read_pdf(reload(rv))


def verdict(app, data):
    with app.app_context(), db.connection_context():
        return verify(data)


def status_of(v, key):
    return next(c.status for c in v.checks if c.key == key)


def test_intact_issued_record_passes(demo_app, issued):
    v = verdict(demo_app, issued[1])
    assert v.status == "passed", [(c.label, c.reason) for c in v.checks if c.status != "passed"]
    assert status_of(v, "db.current") == "passed" and status_of(v, "db.data") == "passed"


def test_flipped_byte_inside_a_signed_range(demo_app, issued):
    data = bytearray(issued[1])
    i = data.find(b"/Type /Page") + 3
    data[i] ^= 0x01
    assert verdict(demo_app, bytes(data)).status == "failed"


def test_appended_update_that_changes_visible_text(demo_app, issued):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    w = IncrementalPdfFileWriter(io.BytesIO(issued[1]), strict=False)
    stream = generic.StreamObject(stream_data=b"q 1 1 1 rg 60 600 400 60 re f Q BT /F1 24 Tf 70 620 Td (GIA MAO) Tj ET")
    w.add_stream_to_page(0, w.add_object(stream))
    out = io.BytesIO()
    w.write(out)
    v = verdict(demo_app, out.getvalue())
    assert v.status == "failed"
    assert status_of(v, "sig3.changes") == "failed"


def test_signature_removed(demo_app, issued):
    data = issued[1]
    cut = data.rfind(b"%%EOF", 0, len(data) - 10)  # drop the last revision: validation data + timestamp
    cut = data.rfind(b"%%EOF", 0, cut)  # and the one before: the seal
    v = verdict(demo_app, data[:cut + 5])
    assert v.status == "failed" and status_of(v, "seal") == "failed"


def test_untrusted_ca(demo_app, issued, tmp_path):
    empty = tmp_path / "empty-trust"
    empty.mkdir()
    (empty / "other.pem").write_bytes(TestPKI.create("CA khác").root.pem())
    demo_app.config["TRUST_DIR"] = str(empty)
    v = verdict(demo_app, issued[1])
    assert v.status == "failed" and status_of(v, "sig1.trusted") == "failed"


def _sign_raw(pdf, people, pki, roles):
    for i, (role, who) in enumerate(zip(roles, people)):
        s = pdfsign.simple_signer(who.key, who.cert, [pki.intermediate.cert, pki.root.cert])
        pdf = pdfsign.sign(pdf, role, s, certify=i == 0, signer_name="x", title="x", label="x", reason="x",
                           location="x")
    return pdf


def _fresh_pdf(demo_app):
    from portal.documents import render as documents
    from portal.services.records import ensure_record, record_data
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[1]
        rendered = documents.render([record_data(ensure_record(rv.pupil, rv.school_class), "http://hocba.test")])
    return pdfsign.add_fields(rendered.pdf, rendered.boxes), rendered


def test_expired_certificate(demo_app, tmp_path):
    import datetime as dt
    pki = TestPKI.create("CA có chứng thư hết hạn")
    (tmp_path / "trust" / "exp-root.pem").write_bytes(pki.root.pem())
    old = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)
    people = [pki.person(n, not_before=old, days=365) for n in ("A", "B", "C")]
    pdf, _ = _fresh_pdf(demo_app)
    v = verdict(demo_app, _sign_raw(pdf, people, pki, ["homeroom", "principal", "seal"]))
    # Expired and nothing proves the signature came before: indeterminate, never "failed at signing time".
    assert status_of(v, "sig1.trusted") == "unknown"
    assert "hết hạn" in next(c.reason for c in v.checks if c.key == "sig1.trusted")


def test_steps_in_the_wrong_order(demo_app, tmp_path):
    pki = TestPKI.create("CA thứ tự")
    (tmp_path / "trust" / "order-root.pem").write_bytes(pki.root.pem())
    people = [pki.person(n) for n in ("A", "B", "C")]
    pdf, _ = _fresh_pdf(demo_app)
    v = verdict(demo_app, _sign_raw(pdf, people, pki, ["principal", "homeroom", "seal"]))
    assert v.status == "failed" and status_of(v, "chain") == "failed"


def test_altered_json_resigned_by_an_attacker(demo_app, issued):
    from portal.documents import render as documents
    rv, _ = issued
    data = json.loads(rv.data_json)
    data["year"]["outcome"], data["year"]["outcome_label"] = "HTXS", "Hoàn thành xuất sắc"
    forged = documents.render([data])
    attacker = TestPKI.create("Kẻ giả mạo")
    people = [attacker.person(n) for n in ("Hoàng Thị Lan", "Nguyễn Thị Thanh Hương", "Trường Tiểu học Hoa Sen")]
    pdf = _sign_raw(pdfsign.add_fields(forged.pdf, forged.boxes), people, attacker, ["homeroom", "principal", "seal"])
    v = verdict(demo_app, pdf)
    assert v.status == "failed"
    assert status_of(v, "sig1.trusted") == "failed" and status_of(v, "db.data") == "failed"
    assert status_of(v, "sig3.signer") == "failed"  # a personal certificate in the seal's field


def test_superseded_version_still_verifies_as_superseded(demo_app, issued):
    rv, old_pdf = issued
    with demo_app.app_context(), db.connection_context():
        new = corrections.open_correction(user("hieutruong"), rv, "Sai chính tả tên cha trong hồ sơ gốc")
        for name in ("gvcn.1a", "hieutruong", "vanthu"):
            signing.sign_step(user(name), new, PASS)
        assert reload(rv).status == "superseded"
    v = verdict(demo_app, old_pdf)
    assert v.status == "failed"
    reason = next(c.reason for c in v.checks if c.key == "db.current")
    assert "phiên bản 2" in reason and "Sai chính tả" in reason
    with demo_app.app_context(), db.connection_context():
        assert verify(signing.read_pdf(reload(new))).status == "passed"


@pytest.mark.parametrize("make, expected", [
    (lambda pdf: b"Hello, I am not a PDF" * 100, "không phải là PDF"),
    (lambda pdf: pdf[: len(pdf) // 3], "bị cắt cụt"),
    (lambda pdf: b"%PDF-1.7\n" + b"[" * 200000 + b"\n%%EOF", "Không đọc được"),
], ids=["not-pdf", "truncated", "deep-nesting"])
def test_hostile_or_broken_files(demo_app, issued, make, expected):
    v = verdict(demo_app, make(issued[1]))
    assert v.status == "failed"
    assert expected in " ".join(c.reason for c in v.checks)


def test_no_signatures(demo_app):
    pdf, rendered = _fresh_pdf(demo_app)
    v = verdict(demo_app, rendered.pdf)
    assert v.status == "failed" and "không có chữ ký số" in v.checks[-1].reason


def test_encrypted_pdf(demo_app, issued):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer
    w = copy_into_new_writer(PdfFileReader(io.BytesIO(issued[1]), strict=False))
    w.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    w.write(out)
    v = verdict(demo_app, out.getvalue())
    assert v.status == "failed" and "mã hóa" in v.checks[0].reason


def test_fifty_megabytes_is_refused_quickly(demo_app):
    v = verdict(demo_app, b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024))
    assert v.status == "failed" and "lớn hơn" in v.checks[0].reason


def many_fields_pdf(n: int) -> bytes:
    """A well-formed PDF (with its xref table) whose form lists n fields: the reader must visit each one
    looking for signatures, so the work really grows with n."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields ["
            + b" ".join(b"%d 0 R" % i for i in range(4, n + 4)) + b"] >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    objs += [b"<< /FT /Tx /T (f%d) >>" % i for i in range(4, n + 4)]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_many_objects_are_read_in_the_child_within_the_time_bound(demo_app):
    """20,000 form fields are really read (the verdict is "no signature", not "unreadable"), in the
    bounded child: the server process does not grow."""
    import resource
    import time
    data = many_fields_pdf(20_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    v = verdict(demo_app, data)
    elapsed = time.monotonic() - start
    assert [(c.key, c.status) for c in v.checks] == [("file", "passed"), ("signatures", "failed")]
    assert v.checks[1].reason == "Tệp không có chữ ký số nào."
    assert elapsed < demo_app.config.get("VERIFY_TIMEOUT_S", 30)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 50


def test_many_objects_past_the_time_bound_are_cut_off(demo_app):
    """Reading 100,000 fields takes several seconds; with a one-second bound the child is stopped and the
    verdict says the file is too complex, about a second later."""
    import time
    demo_app.config["VERIFY_TIMEOUT_S"] = 1
    data = many_fields_pdf(100_000)
    start = time.monotonic()
    v = verdict(demo_app, data)
    assert time.monotonic() - start < 5
    assert v.status == "failed"
    assert v.checks[0].reason == "Tệp quá phức tạp, không kiểm tra được trong thời gian cho phép."


def test_verify_command_exit_codes(demo_app, issued, tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(issued[1])
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["verify", str(good)])
    assert result.exit_code == 0 and "học bạ hợp lệ" in result.output
    result = runner.invoke(args=["verify", str(good), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "passed"
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(issued[1][:5000])
    assert runner.invoke(args=["verify", str(bad)]).exit_code == 1
    # An auditor's "will it hold in 2045?": the issued record (B-LTA) does; as of 2010 nothing existed yet.
    assert runner.invoke(args=["verify", str(good), "--at", "2045-06-30"]).exit_code == 0
    assert runner.invoke(args=["verify", str(good), "--at", "2010-01-01"]).exit_code != 0
    assert runner.invoke(args=["verify", str(good), "--at", "30/06/2045"]).exit_code == 2  # usage error


def test_verify_command_on_an_uninitialised_database_says_so_without_a_traceback(issued, tmp_path):
    from tests.conftest import make_app

    good = tmp_path / "good.pdf"
    good.write_bytes(issued[1])
    app = make_app(tmp_path / "empty.sqlite3")  # never migrated: no tables
    result = app.test_cli_runner().invoke(args=["verify", str(good)])
    assert result.exit_code == 2
    assert "chưa khởi tạo" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_audit_verify_detects_edit_and_delete(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    shutil.copy(demo_app.config["DATABASE"], tmp_path / "backup.sqlite3")
    with db.connection_context():
        victim = AuditEntry.select().order_by(AuditEntry.id)[5]
        AuditEntry.update(summary="đã bị sửa").where(AuditEntry.id == victim.id).execute()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"#{victim.id}" in result.output
    with db.connection_context():
        AuditEntry.update(summary=victim.summary).where(AuditEntry.id == victim.id).execute()
        AuditEntry.delete().where(AuditEntry.id == victim.id).execute()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"#{victim.id + 1}" in result.output
