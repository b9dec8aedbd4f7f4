"""The signing chain for real: demo PKI, pyHanko and poppler's pdfsig both check every signature."""
import datetime as dt
import hashlib
import io

import pytest

from portal.db import db
from portal.models import Certificate, RecordSignature, SubjectResult
from portal.services import ServiceError
from portal.services.records import batches, chain
from portal.services.school import certificates
from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI
from tests.signing_helpers import PASS, first_records, nss_db, pdfsig, reload, user


def full_chain(rv):
    for name in ("gvcn.1a", "hieutruong", "vanthu"):
        chain.sign_step(user(name), rv, PASS)
    return reload(rv)


def test_issued_record_passes_pyhanko_and_pdfsig(demo_app, tmp_path):
    with demo_app.app_context(), db.connection_context():
        rv = full_chain(first_records()[0])
        assert rv.status == "issued" and rv.step == 3 and rv.issued_at
        pdf = chain.read_pdf(rv)
        reports = pdfsign.validate(pdf, certificates.roots())
        assert [r.role for r in reports] == ["homeroom", "principal", "seal"]
        assert all(r.intact and r.valid and r.trusted and r.bottom_line for r in reports)
        assert reports[0].certified and not reports[1].certified
        # Issuance appends the validation data and a document timestamp (B-LTA) after the seal.
        assert reports[-1].coverage == "ENTIRE_REVISION" and reports[-1].modification == "LTA_UPDATES"
        assert rv.ltv_level == "B-LTA" and rv.ltv_renew_by is not None
        # The renewal date comes from the document timestamp's certificate, read from the last update
        # directly; it agrees with a full reader's, and a file ending in a signature has no such token.
        from pyhanko.pdf_utils.reader import PdfFileReader

        from portal.signing import ltv

        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        stamp, seal = reader.embedded_timestamp_signatures[-1], reader.embedded_regular_signatures[-1]
        assert ltv.last_timestamp_expiry(pdf) == stamp.signer_cert["tbs_certificate"]["validity"]["not_after"].native
        assert ltv._last_timestamp_token(pdf) is not None
        _, _, start, length = (int(v) for v in seal.sig_object["/ByteRange"])
        assert ltv._last_timestamp_token(pdf[:start + length]) is None  # the file as the seal left it
        assert all(r.coverage == "ENTIRE_REVISION" and r.modification == "FORM_FILLING" for r in reports[:-1])
        assert hashlib.sha256(pdfsign.embedded_file(pdf)).hexdigest() == rv.data_sha256
        titles = {s.role: s.signer_title for s in RecordSignature.select().where(RecordSignature.record == rv)}
        assert titles["principal"] == "Hiệu trưởng"
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    out = pdfsig(path, nss_db(tmp_path, demo_app.config["TRUST_DIR"]))
    roles, stamp = out.split("Signature #4")  # poppler lists the document timestamp but does not verify it
    assert roles.count("Signature is Valid.") == 3
    # NSS asks the demo PKI's OCSP responder; it accepts the first answer of a run and reports the later
    # ones as "Unknown issue" (a poppler/NSS quirk with this responder, not seen with pyHanko or OpenSSL).
    assert roles.split("Signature #2")[0].count("Certificate is Trusted.") == 1
    assert "Revoked" not in roles and "Not Trusted" not in roles
    assert "Timestamp_1" in stamp and "Total document signed" in stamp


@pytest.mark.parametrize("first_signer, message", [
    ("hieutruong", "Bước tiếp theo là của Giáo viên chủ nhiệm"),
    ("vanthu", "Bước tiếp theo là của Giáo viên chủ nhiệm"),
    ("gvcn.5a", "Bước tiếp theo là của Giáo viên chủ nhiệm"),  # a homeroom teacher, but of another class
    ("gv.tienganh", "Bước tiếp theo là của Giáo viên chủ nhiệm"),
], ids=["principal-first", "seal-first", "other-homeroom", "subject-teacher"])
def test_out_of_order_or_without_the_role_is_refused(demo_app, first_signer, message):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        with pytest.raises(ServiceError, match=message):
            chain.sign_step(user(first_signer), rv, PASS)
        assert reload(rv).step == 0 and reload(rv).pdf_path == ""


def test_seal_before_principal_is_refused(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, PASS)
        with pytest.raises(ServiceError, match="Bước tiếp theo là của Hiệu trưởng"):
            chain.sign_step(user("vanthu"), rv, PASS)
        chain.sign_step(user("phohieutruong"), rv, PASS)  # authorised vice-principal
        assert reload(rv).step == 2


def test_wrong_passphrase_signs_nothing(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        with pytest.raises(ServiceError, match="Mật khẩu"):
            chain.sign_step(user("gvcn.1a"), rv, "sai-mat-khau")
        assert reload(rv).step == 0 and not RecordSignature.select().exists()


def test_expired_certificate_at_signing_time(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * 30)
        with pytest.raises(ServiceError, match="hết hạn"):
            chain.sign_step(user("gvcn.1a"), rv, PASS, at=later)
        assert reload(rv).step == 0


def test_data_changed_after_entering_the_chain(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, PASS)
        row = SubjectResult.get(pupil=rv.pupil, school_class=rv.school_class, checkpoint="CN", subject=1)
        SubjectResult.update(comment=row.comment + " (sửa lén)").where(SubjectResult.id == row.id).execute()
        with pytest.raises(ServiceError, match="đã thay đổi sau khi bắt đầu ký"):
            chain.sign_step(user("hieutruong"), rv, PASS)
        assert reload(rv).step == 1


def test_tampered_file_between_steps(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, PASS)
        path = chain.records_dir() / reload(rv).pdf_path
        data = bytearray(path.read_bytes())
        i = data.find(b"/Contents <") + 40
        data[i] = ord("0") if data[i] != ord("0") else ord("1")
        path.write_bytes(bytes(data))
        with pytest.raises(ServiceError, match="không hợp lệ"):
            chain.sign_step(user("hieutruong"), rv, PASS)
        assert reload(rv).step == 1


def test_issued_record_cannot_be_signed_again_or_edited(demo_app):
    from portal.services.evaluation import entry
    with demo_app.app_context(), db.connection_context():
        rv = full_chain(first_records()[0])
        with pytest.raises(ServiceError, match="đã được phát hành"):
            chain.sign_step(user("vanthu"), rv, PASS)
        subject = SubjectResult.get(pupil=rv.pupil, checkpoint="CN").subject
        with demo_app.test_request_context():
            with pytest.raises(ServiceError, match="đề nghị đính chính"):
                entry.save(user("gvcn.1a"), rv.school_class, rv.pupil.id, "CN", "comment", "Sửa sau phát hành",
                                subject=subject)


def test_waves_hold_back_pupils_awaiting_supplementary_evaluation(demo_app):
    from portal.models import SchoolClass, YearResult
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        cht = {y.pupil_id for y in YearResult.select().where((YearResult.school_class == klass) & (YearResult.outcome == "CHT"))}
        assert cht, "the demo has CHT pupils in 1A"
        wave1 = {rv.pupil_id for rv in batches.ready(user("gvcn.1a"), klass, 1)}
        wave2 = {rv.pupil_id for rv in batches.ready(user("gvcn.1a"), klass, 2)}
        assert not (wave1 & cht) and wave2 == cht


def test_batch_reports_each_failure_without_stopping(demo_app):
    with demo_app.app_context(), db.connection_context():
        a, b = first_records(n=2)
        chain.sign_step(user("gvcn.1a"), a, PASS)
        chain.sign_step(user("gvcn.1a"), b, PASS)
        path = chain.records_dir() / reload(a).pdf_path  # break one record
        path.write_bytes(path.read_bytes()[:-500])
        results = chain.sign_many(user("hieutruong"), [a, b], PASS)
        assert [r.ok for r in results] == [False, True]
        assert reload(a).step == 1 and reload(b).step == 2


def test_timestamp_from_a_local_tsa(demo_app, tmp_path):
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    pki = TestPKI.create("TSA thử nghiệm")
    tsa = pki.tsa()
    trust = demo_app.config["TRUST_DIR"]
    (__import__("pathlib").Path(trust) / "tsa-root.pem").write_bytes(pki.root.pem())
    key = keys.PrivateKeyInfo.load(tsa.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    demo_app.config["TIMESTAMPER"] = DummyTimeStamper(
        tsa_cert=pdfsign.to_asn1(tsa.cert), tsa_key=key,
        certs_to_embed=[pdfsign.to_asn1(pki.intermediate.cert), pdfsign.to_asn1(pki.root.cert)])
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, PASS)
        report = pdfsign.validate(chain.read_pdf(reload(rv)), certificates.roots())[0]
        assert report.timestamped and report.bottom_line


# --- certificate upload: each bad file refused with a clear message, nothing stored ---

def _upload(demo_app, data, passphrase, purpose="personal", who="gvcn.1b"):
    with demo_app.app_context(), db.connection_context():
        before = Certificate.select().count()
        try:
            certificates.install_p12(user(who), data, passphrase, purpose)
        except ServiceError as err:
            assert Certificate.select().count() == before
            return err.message
        return None


@pytest.fixture(scope="module")
def other_pki():
    return TestPKI.create("CA lạ")


def demo_pki(demo_app):
    """A signer issued by the demo's own intermediate is not available (its key is not kept), so tests
    build a trusted chain by adding a fresh root to a copy of the trust folder."""
    return None


def test_upload_checks(demo_app, tmp_path, other_pki):
    trust = tmp_path / "own-trust"
    trust.mkdir()
    pki = TestPKI.create("CA tin cậy")
    (trust / "ok.pem").write_bytes(pki.root.pem())
    demo_app.config["TRUST_DIR"] = str(trust)
    good = pki.p12(pki.person("Bùi Thị Hằng"), PASS)
    assert _upload(demo_app, good, PASS) is None
    assert "Mật khẩu" in _upload(demo_app, good, "sai")
    assert "không phải là chứng thư số PKCS#12" in _upload(demo_app, b"not a p12 at all", PASS)
    assert "không phải là chứng thư số PKCS#12" in _upload(demo_app, good[:200], PASS)
    assert "trống" in _upload(demo_app, b"", PASS)
    assert "tổ chức chứng thực tin cậy" in _upload(demo_app, other_pki.p12(other_pki.person("Người Lạ"), PASS), PASS)
    expired = pki.person("Hết Hạn", not_before=dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc), days=365)
    assert "hết hạn" in _upload(demo_app, pki.p12(expired, PASS), PASS)
    future = pki.person("Chưa Hiệu Lực", not_before=dt.datetime(2040, 1, 1, tzinfo=dt.timezone.utc))
    assert "chưa có hiệu lực" in _upload(demo_app, pki.p12(future, PASS), PASS)
    no_usage = pki.person("Không Ký", digital_signature=False, non_repudiation=False)
    assert "digitalSignature" in _upload(demo_app, pki.p12(no_usage, PASS), PASS)
    assert "văn thư" in _upload(demo_app, good, PASS, purpose="organisation")


def test_key_is_stored_encrypted_never_in_clear(demo_app):
    with demo_app.app_context(), db.connection_context():
        row = certificates.active(user("gvcn.1a"), "personal")
        assert row.key_pem_encrypted.startswith("-----BEGIN HOCBA ENCRYPTED PRIVATE KEY-----")  # scrypt + AES-GCM
        assert "PRIVATE KEY-----\n" in row.key_pem_encrypted and "BEGIN PRIVATE KEY" not in row.key_pem_encrypted
