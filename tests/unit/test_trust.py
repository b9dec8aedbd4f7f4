"""Forgeries fail, who signed is checked, genuine records outlive their certificates (issue 10).

Each case builds a real file — signed with pyHanko by real certificates of the demo PKI, timestamped
and given validation data by its local CRL/OCSP/TSA service — and checks the verdict the portal's
verification gives (and, where it says something, poppler's pdfsig)."""
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pyhanko.sign.timestamps import HTTPTimeStamper

from portal.db import db
from portal.documents import render as documents
from portal.models import SigningAuthorisation
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.records import chain as signing
from portal.services.records.verification import verify
from portal.services.school import certificates
from portal.signing import certs, ltv
from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI
from tests.conftest import DEMO_PKI
from tests.signing_helpers import PASS, first_records, nss_db, pdfsig, reload, user

YEARS_15 = dt.timedelta(days=365 * 15)


def demo_key(username):
    """The demo signer's key and certificate, as a forger holding that person's .p12 would have them."""
    key, cert, chain = certs.load_p12((Path(DEMO_PKI["dir"]) / f"{username}.p12").read_bytes(), PASS)
    return pdfsign.simple_signer(key, cert, chain)


def tsa():
    pki = json.loads((Path(DEMO_PKI["dir"]) / "pki.json").read_text())
    return HTTPTimeStamper(pki["base_url"] + "/tsa")


def issue(rv, names=("gvcn.1a", "hieutruong", "vanthu")):
    for name in names:
        signing.sign_step(user(name), rv, PASS)
    return reload(rv)


@pytest.fixture
def issued(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = issue(first_records()[0])
        return rv, signing.read_pdf(rv)


def forge(data: dict, signers: list, ltv_data=False) -> bytes:
    """Render `data` and sign the three fields with the given pyHanko signers (timestamped, like a careful
    forger would); optionally add validation data and a document timestamp too."""
    rendered = documents.render([data])
    pdf = pdfsign.add_fields(rendered.pdf, rendered.boxes)
    for i, (role, signer) in enumerate(zip(["homeroom", "principal", "seal"], signers)):
        pdf = pdfsign.sign(pdf, role, signer, certify=i == 0, signer_name="x", title="x", label="x", reason="x",
                           location="x", timestamper=tsa())
    if ltv_data:
        pdf = ltv.add_ltv(pdf, certificates.roots(), tsa())
    return pdf


def check(app, pdf, at=None):
    with app.app_context(), db.connection_context():
        return verify(pdf, at=at)


def status(v, key):
    return next(c.status for c in v.checks if c.key == key)


def reason(v, key):
    return next(c.reason for c in v.checks if c.key == key)


def test_genuine_issued_record_passes_with_timestamps_and_validation_data(demo_app, issued, tmp_path):
    rv, pdf = issued
    v = check(demo_app, pdf)
    assert v.status == "passed", [(c.key, c.reason) for c in v.checks if c.status != "passed"]
    assert rv.ltv_level == "B-LTA"
    assert "dấu thời gian" in reason(v, "sig1.trusted")
    assert status(v, "sig1.signer") == status(v, "signers.distinct") == status(v, "db.signers") == "passed"


def test_every_role_signed_by_one_homeroom_teacher_fails(demo_app, issued):
    rv, _ = issued
    teacher = demo_key("gvcn.1a")
    with demo_app.app_context(), db.connection_context():
        pdf = forge(json.loads(rv.data_json), [teacher, teacher, teacher])
    v = check(demo_app, pdf)
    assert v.status == "failed"
    assert status(v, "sig1.signer") == "passed"
    assert "không phải hiệu trưởng" in reason(v, "sig2.signer") and "Hoàng Thị Lan" in reason(v, "sig2.signer")
    assert "chứng thư số cá nhân" in reason(v, "sig3.signer")
    assert "ký cả ô" in reason(v, "signers.distinct")


def test_another_class_teacher_signing_every_role_with_edited_data_and_invented_code_fails(demo_app, issued):
    rv, _ = issued
    other = demo_key("gvcn.5a")
    data = json.loads(rv.data_json)
    data["year"]["outcome"], data["year"]["outcome_label"] = "HTXS", "Hoàn thành xuất sắc"
    data["record"]["code"] = "ZZZZ-ZZZZ-ZZ"
    with demo_app.app_context(), db.connection_context():
        pdf = forge(data, [other, other, other])
    v = check(demo_app, pdf)
    assert v.status == "failed"
    assert "Võ Thị Thu Trang" in reason(v, "sig1.signer")
    assert "Trường không phát hành học bạ này" in reason(v, "db.issued")


def test_seal_signed_with_a_personal_certificate_fails(demo_app, issued):
    rv, _ = issued
    with demo_app.app_context(), db.connection_context():
        pdf = forge(json.loads(rv.data_json), [demo_key("gvcn.1a"), demo_key("hieutruong"), demo_key("phohieutruong")])
    v = check(demo_app, pdf)
    assert v.status == "failed" and status(v, "sig3.signer") == "failed"
    assert status(v, "sig1.signer") == status(v, "sig2.signer") == "passed"


def test_principal_field_signed_by_vice_principal_without_authorisation_fails(demo_app):
    with demo_app.app_context(), db.connection_context():
        SigningAuthorisation.update(revoked_at=utcnow()).execute()
        rv = first_records()[0]
        signing.sign_step(user("gvcn.1a"), rv, PASS)  # freezes data naming no deputy
        with pytest.raises(ServiceError, match="Bước tiếp theo là của Hiệu trưởng"):
            signing.sign_step(user("phohieutruong"), rv, PASS)  # and the service refuses him
        data = json.loads(reload(rv).data_json)
        assert data["signers"]["principal"]["deputies"] == []
        pdf = forge(data, [demo_key("gvcn.1a"), demo_key("phohieutruong"), demo_key("vanthu")])
    v = check(demo_app, pdf)
    assert v.status == "failed"
    assert "không phải hiệu trưởng, cũng không phải phó hiệu trưởng được ủy quyền" in reason(v, "sig2.signer")


def test_principal_field_signed_by_authorised_vice_principal_passes(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = issue(first_records()[0], ("gvcn.1a", "phohieutruong", "vanthu"))
        deputies = json.loads(rv.data_json)["signers"]["principal"]["deputies"]
        assert [d["name"] for d in deputies] == ["Trần Văn Đức"]
        pdf = signing.read_pdf(rv)
    v = check(demo_app, pdf)
    assert v.status == "passed", [(c.key, c.reason) for c in v.checks if c.status != "passed"]


def test_signing_service_refuses_a_certificate_that_is_not_the_signers_own(demo_app):
    """gvcn.1a installs the principal's certificate as her own: refused before the file is touched."""
    with demo_app.app_context(), db.connection_context():
        p12 = (Path(DEMO_PKI["dir"]) / "hieutruong.p12").read_bytes()
        certificates.install_p12(user("gvcn.1a"), p12, PASS, "personal")
        rv = first_records()[0]
        with pytest.raises(ServiceError, match="là của Nguyễn Thị Thanh Hương, không phải của Hoàng Thị Lan"):
            signing.sign_step(user("gvcn.1a"), rv, PASS)
        assert reload(rv).step == 0 and reload(rv).status == "draft"


def test_uploading_a_personal_certificate_as_the_seal_is_refused(demo_app):
    with demo_app.app_context(), db.connection_context():
        p12 = (Path(DEMO_PKI["dir"]) / "hieutruong.p12").read_bytes()
        with pytest.raises(ServiceError, match="chứng thư số cá nhân"):
            certificates.install_p12(user("vanthu"), p12, PASS, "organisation")


@pytest.fixture
def demo_pki_revocations():
    """Revocations made by a test are undone afterwards (the demo PKI is shared by the session)."""
    folder = Path(DEMO_PKI["dir"])
    before = (folder / "revoked.json").read_text()
    yield TestPKI.load(folder), folder
    (folder / "revoked.json").write_text(before)


def test_certificate_revoked_before_signing_fails(demo_app, issued, demo_pki_revocations):
    pki, folder = demo_pki_revocations
    rv, _ = issued
    with demo_app.app_context(), db.connection_context():
        lan = pki.person("Hoàng Thị Lan", "Trường Tiểu học Hoa Sen", user("gvcn.1a").staff.national_id)
        pki.revoke(lan.cert, dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
        pki.save_revocations(folder)
        stolen = pdfsign.simple_signer(lan.key, lan.cert, [pki.intermediate.cert, pki.root.cert])
        pdf = forge(json.loads(rv.data_json), [stolen, demo_key("hieutruong"), demo_key("vanthu")])
        with pytest.raises(Exception):  # and no validation data can be had for it
            ltv.add_ltv(pdf, certificates.roots(), tsa())
    v = check(demo_app, pdf)
    assert v.status == "failed" and status(v, "sig1.trusted") == "failed"
    assert "thu hồi trước khi ký" in reason(v, "sig1.trusted")


def test_the_signing_service_refuses_a_revoked_certificate(demo_app, demo_pki_revocations):
    pki, folder = demo_pki_revocations
    with demo_app.app_context(), db.connection_context():
        row = certificates.active(user("gvcn.1a"), "personal")
        pki.revoke(certificates.parsed(row)[0])
        pki.save_revocations(folder)
        rv = first_records()[0]
        with pytest.raises(ServiceError, match="thu hồi"):
            signing.sign_step(user("gvcn.1a"), rv, PASS)
        assert reload(rv).status == "draft"


def test_certificate_revoked_after_a_timestamped_signature_still_passes(demo_app, issued, demo_pki_revocations):
    pki, folder = demo_pki_revocations
    rv, pdf = issued
    with demo_app.app_context(), db.connection_context():
        pki.revoke(certificates.parsed(certificates.active(user("gvcn.1a"), "personal"))[0])
        pki.save_revocations(folder)
    v = check(demo_app, pdf)
    assert v.status == "passed", [(c.key, c.reason) for c in v.checks if c.status != "passed"]


def test_fifteen_years_on_lta_passes_and_bb_is_indeterminate(demo_app):
    later = dt.datetime.now(dt.timezone.utc) + YEARS_15
    with demo_app.app_context(), db.connection_context():
        a, b = first_records(n=2)
        lta = signing.read_pdf(issue(a))
        demo_app.config["TIMESTAMPER"] = False  # no TSA: PAdES B-B
        bb_rv = issue(b)
        assert bb_rv.ltv_level == "B-B"
        bb = signing.read_pdf(bb_rv)
    assert check(demo_app, lta, at=later).status == "passed"
    v = check(demo_app, bb, at=later)
    assert v.status == "indeterminate" and v.exit_code == 2
    assert "hết hạn" in reason(v, "sig1.trusted") and "thu hồi trước khi ký" not in reason(v, "sig1.trusted")
    assert check(demo_app, bb).status == "passed"  # today its certificates are valid


def test_appended_validation_data_and_document_timestamp_pass(demo_app, issued, tmp_path):
    _, pdf = issued
    with demo_app.app_context(), db.connection_context():
        renewed = ltv.renew(pdf, certificates.roots(), tsa())
    v = check(demo_app, renewed)
    assert v.status == "passed", [(c.key, c.reason) for c in v.checks if c.status != "passed"]
    path = tmp_path / "renewed.pdf"
    path.write_bytes(renewed)
    out = pdfsig(path, nss_db(tmp_path, demo_app.config["TRUST_DIR"]))
    assert out.count("Signature is Valid.") == 3 and "Timestamp_2" in out


def test_appended_annotation_fails(demo_app, issued, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _, pdf = issued
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    annot = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 50, 80, 80)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Đã sửa điểm"),
    }))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    page[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    v = check(demo_app, out.getvalue())
    assert v.status == "failed" and status(v, "sig3.changes") == "failed"
    path = tmp_path / "annotated.pdf"
    path.write_bytes(out.getvalue())
    # pdfsig still calls each signature valid; only the coverage line hints at the change.
    assert pdfsig(path, nss_db(tmp_path, demo_app.config["TRUST_DIR"])).count("Signature is Valid.") == 3


def test_issued_file_keeps_pdfa_metadata_consistent(issued, tmp_path):
    """PDF/A after signing: Info's Producer equals the XMP's, and /AF lists hocba.json once."""
    import re
    import subprocess

    from pyhanko.pdf_utils.reader import PdfFileReader

    _, pdf = issued
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout
    producer = re.search(r"^Producer:\s+(.*)$", info, re.M).group(1)
    assert f'pdf:Producer="{producer}"' in xmp
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    files = PdfFileReader(io.BytesIO(pdf), strict=False).root["/AF"]
    assert len(files) == 1 and files[0].get_object()["/F"] == "hocba.json"


def test_loopback_public_address_cannot_enter_a_record_into_the_chain(demo_app):
    demo_app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        with pytest.raises(ServiceError, match="PUBLIC_BASE_URL"):
            signing.sign_step(user("gvcn.1a"), rv, PASS)
        assert reload(rv).status == "draft" and reload(rv).step == 0


def test_changing_the_public_address_does_not_block_records_in_the_chain(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        signing.sign_step(user("gvcn.1a"), rv, PASS)
        demo_app.config["PUBLIC_BASE_URL"] = "https://hocba.truong-moi.edu.vn"
        for name in ("hieutruong", "vanthu"):
            signing.sign_step(user(name), rv, PASS)
        rv = reload(rv)
        assert rv.status == "issued"
        assert json.loads(rv.data_json)["record"]["verify_url"].startswith("http://hocba.test/xac-thuc/")


def test_archive_timestamps_due_for_renewal_are_listed_and_renewed(demo_app, issued):
    from portal.models import AuditEntry
    from portal.services.records import timestamps

    rv, before = issued
    with demo_app.app_context(), db.connection_context():
        assert list(timestamps.due_for_renewal()) == []  # the demo TSA certificate lasts ten years
        demo_app.config["LTV_RENEW_MARGIN_DAYS"] = 365 * 11  # as if it expired within the margin
        from portal.models import RecordVersion
        RecordVersion.update(ltv_renew_by=utcnow() - dt.timedelta(days=1)).where(RecordVersion.id == rv.id).execute()
        assert [r.id for r in timestamps.due_for_renewal()] == [rv.id]
        assert timestamps.renew_due() == (1, 0)
        renewed = reload(rv)
        after = signing.read_pdf(renewed)
        assert after.startswith(before) and len(after) > len(before)  # an incremental update, nothing rewritten
        assert AuditEntry.select().where(AuditEntry.action == "record.ltv_renewed").count() == 1
    assert check(demo_app, after).status == "passed"


def test_stamps_name_the_role_as_the_form_does_in_vietnam_time(demo_app, issued, tmp_path):
    import subprocess

    rv, pdf = issued
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "GIÁO VIÊN CHỦ NHIỆM" in text and "HIỆU TRƯỞNG" in text and "DẤU SỐ CỦA TRƯỜNG" in text
    assert "MST 0201234567" in text
    vn = (rv.issued_at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(hours=7)).strftime("%d/%m/%Y")
    assert f"Ký số: {vn}" in text


def test_the_principals_step_fills_the_date_lines_with_place_and_date(demo_app, issued, tmp_path):
    import subprocess

    rv, pdf = issued
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    signed_on = rv.issued_at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(hours=7)  # same day as the principal
    line = f"Hải Phòng, ngày {signed_on.day:02d} tháng {signed_on.month:02d} năm {signed_on.year}"
    assert text.count(line) == 2  # the student page and the year page
    # Filling them is form filling, which the homeroom teacher's certification allows.
    v = check(demo_app, pdf)
    assert v.status == "passed" and not [c for c in v.checks if c.key.endswith(".changes")]
