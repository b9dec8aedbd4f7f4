"""Subject teachers in the signing chain of a secondary record: real certificates (the THPT demo's own
test PKI), pyHanko validation, the verification page's checks."""
import shutil

import pytest

from portal.db import db
from portal.models import RecordSignature, SchoolClass
from portal.services import ServiceError
from portal.services.records import batches
from portal.services.school import certificates
from portal.services.records import signers
from portal.services.records import chain as signing
from portal.services.records import verification
from portal.services.evaluation.secondary.summary import class_summary
from portal.signing import pdf as pdfsign
from tests.conftest import checkpoint, make_app
from tests.signing_helpers import PASS, reload, user


@pytest.fixture(scope="module")
def thpt_template(tmp_path_factory):
    """The THPT demo seeded once, with a PKI (folder and port) of its own: the session's shared demo PKI
    must stay as the primary tests expect it."""
    from portal.db import upgrade
    from portal.services.demo.secondary import seed_secondary_demo
    from portal.signing.responder import free_port

    base = tmp_path_factory.mktemp("thpt")
    pki = {"DEMO_PKI_DIR": str(base / "demo-pki"), "DEMO_PKI_PORT": free_port()}
    app = make_app(base / "demo.sqlite3", **pki)
    upgrade()
    with app.app_context(), db.connection_context():
        seed_secondary_demo("THPT")
    db.close()
    checkpoint(base / "demo.sqlite3")
    return base, pki


@pytest.fixture
def thpt_app(tmp_path, thpt_template):
    base, pki = thpt_template
    shutil.copy(base / "demo.sqlite3", tmp_path / "portal.sqlite3")
    for folder in ("trust", "secrets"):
        shutil.copytree(base / folder, tmp_path / folder)
    app = make_app(tmp_path / "portal.sqlite3", ALLOW_LOOPBACK_PUBLIC_URL=True, **pki)
    yield app
    if not db.is_closed():
        db.close()


def _ready_record(klass_name="12A"):
    """A record whose year is decided (lên lớp), as a draft."""
    from portal.services.records.record import ensure_record
    klass = SchoolClass.get(SchoolClass.name == klass_name)
    _subjects, rows = class_summary(klass)
    row = next(r for r in rows if r.final == "len_lop" and r.decision == "len_lop")
    return ensure_record(row.pupil, klass)


def _subject_users(rv) -> list:
    import json
    data = json.loads(reload(rv).data_json)
    from portal.models import Staff, User
    return [User.get(User.staff == Staff.get(Staff.code == t["staff_code"])) for t in data["signers"]["subject"]]


def test_subject_teachers_sign_once_each_in_any_order_before_the_homeroom(thpt_app, monkeypatch):
    with thpt_app.app_context(), db.connection_context():
        rv = _ready_record()
        # The homeroom teacher cannot open the chain: the subject teachers sign first.
        with pytest.raises(ServiceError, match="Bước tiếp theo là của Giáo viên bộ môn"):
            signing.sign_step(user("gvcn.12a"), rv, PASS)
        first = user("gv.toan")
        signing.sign_step(first, rv, PASS)
        rv = reload(rv)
        # Every field exists before the first signature: one per subject teacher, homeroom, principal, seal.
        teachers = _subject_users(rv)
        assert len(teachers) >= 10
        from pyhanko.pdf_utils.reader import PdfFileReader
        import io
        reader = PdfFileReader(io.BytesIO(signing.read_pdf(rv)), strict=False)
        names = {str(f.get_object()["/T"]) for f in reader.root["/AcroForm"]["/Fields"]}
        assert {f"Sig_subject_{k}" for k in range(1, len(teachers) + 1)} | {"Sig_homeroom", "Sig_principal", "Sig_seal"} <= names
        # Once per record, whatever the number of subjects taught.
        with pytest.raises(ServiceError, match="Bạn đã ký học bạ này"):
            signing.sign_step(first, rv, PASS)
        # The rest in reverse order; the earlier signatures are not validated again (the file is the one
        # the previous step wrote and recorded).
        calls = []
        real = pdfsign.validate
        monkeypatch.setattr(pdfsign, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
        for teacher in reversed([t for t in teachers if t.id != first.id]):
            assert signing.next_role(reload(rv)) == "subject"
            signing.sign_step(teacher, reload(rv), PASS)
        assert calls == []
        assert signing.next_role(reload(rv)) == "homeroom"
        for name in ("gvcn.12a", "hieutruong", "vanthu"):
            signing.sign_step(user(name), reload(rv), PASS)
        rv = reload(rv)
        assert rv.status == "issued" and rv.step == len(teachers) + 3
        pdf = signing.read_pdf(rv)
        reports = pdfsign.validate(pdf, certificates.roots())
        assert [r.role for r in reports][-3:] == ["homeroom", "principal", "seal"]
        assert sorted(r.role for r in reports[:-3]) == sorted(f"subject_{k}" for k in range(1, len(teachers) + 1))
        assert all(r.intact and r.valid and r.trusted and r.bottom_line for r in reports)
        slots = {s.role: s.user.username for s in RecordSignature.select().where(RecordSignature.record == rv)}
        assert slots[reports[0].role] == "gv.toan"
        verdict = verification.verify(pdf)
        failed = [(c.key, c.reason) for c in verdict.checks if c.status == "failed"]
        assert failed == [] and verdict.status == "passed", failed
        chain = next(c for c in verdict.checks if c.key == "chain")
        assert "Giáo viên bộ môn" in chain.reason and "Đóng dấu số của trường" in chain.reason
        # The XML of equal value (issue 16): every subject teacher signed each subject naming them, each
        # signature outside its DIEM_TONG_KET; the pair verifies; a package carries it.
        from portal.services.exchange import packaging
        from portal.services.records.xml_record import read_xml
        from portal.services.records.xml_verification import verify_pair
        from portal.signing import xmldsig
        xml = read_xml(rv)
        root = xmldsig.parse(xml)
        named = [r.get("Id") for r in root.iter("DIEM_TONG_KET") if r.findtext("soddcngvbm")]
        subject_sigs = [s for s in xmldsig.signatures(root) if s.getparent().tag == "GVBM"]
        assert len(named) >= len(teachers) and sorted(xmldsig.verify(root, s).refs[0] for s in subject_sigs) == sorted(named)
        pair = verify_pair(pdf, xml)
        assert pair.status == "passed", [(c.key, c.reason) for c in pair.checks if c.status != "passed"]
        import io
        import zipfile
        package = zipfile.ZipFile(io.BytesIO(packaging.build(rv.school_class, 1, None, None)))
        assert package.read(f"{rv.pupil.code}.xml") == xml


def test_subject_role_is_bound_to_a_teacher_of_the_class(thpt_app):
    with thpt_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "12A")
        homeroom = user("gvcn.10a")  # has a certificate, teaches no subject
        cert_row = certificates.active(homeroom, "personal")
        with pytest.raises(ServiceError, match="không được phân công dạy môn nào ở lớp 12A"):
            signers.check_certificate_for_role(homeroom, "subject", cert_row, klass)
        teacher = user("gv.toan")
        signers.check_certificate_for_role(teacher, "subject", certificates.active(teacher, "personal"), klass)


def test_pending_and_batch_for_a_subject_teacher(thpt_app):
    with thpt_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "12A")
        _subjects, rows = class_summary(klass)
        summer = [r for r in rows if r.decision in ("ren_luyen_he", "kiem_tra_lai")]
        first_wave = len(rows) - len(summer)
        assert summer and any(r.final for r in summer) and not all(r.final for r in summer)
        maths, literature, homeroom = user("gv.toan"), user("gv.nv"), user("gvcn.12a")
        # Wave 1: the year decided before the summer; wave 2: after rèn luyện hè or re-tests.
        assert len(batches.pending(maths, klass, 1)) == first_wave
        assert len(batches.pending(maths, klass, 2)) == len(summer)
        assert batches.pending(homeroom, klass) == []
        records = batches.ready(maths, klass, 1)
        seen = []
        results = signing.sign_many(maths, records, PASS, progress=seen.append)
        assert len(seen) == len(records) == first_wave and all(r.ok for r in results)
        assert batches.pending(maths, klass, 1) == []
        assert len([p for p in batches.pending(literature, klass, 1) if p.record.step == 1]) == first_wave
        assert batches.pending(homeroom, klass) == []
        # The second wave: a pupil whose summer results are not in yet is reported, the others signed.
        results = signing.sign_many(maths, batches.ready(maths, klass, 2), PASS)
        assert sum(r.ok for r in results) == sum(1 for r in summer if r.final)
        assert all("chưa đủ kết quả" in r.message for r in results if not r.ok)


def test_cli_sign_for_a_subject_teacher(thpt_app, tmp_path):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS)
    result = thpt_app.test_cli_runner().invoke(
        args=["sign", "--user", "gv.vl", "--class", "10A", "--passphrase-file", str(secret)])
    assert "OK \t" in result.output and "Giáo viên bộ môn" in result.output, result.output
    with thpt_app.app_context(), db.connection_context():
        signed = RecordSignature.select().where(RecordSignature.user == user("gv.vl")).count()
    assert signed == result.output.count("OK \t")


def test_web_batch_for_a_subject_teacher_with_progress(thpt_app):
    from portal.models import SigningJob
    from tests.conftest import Browser

    browser = Browser(thpt_app.test_client())
    browser.login("gv.hh")
    page = browser.get("/ky/").get_data(as_text=True)
    assert "Học bạ đang chờ bạn ký" in page and "10A" in page and "12A" in page
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "10A")
        decided = sum(1 for r in class_summary(klass)[1] if r.decision not in ("ren_luyen_he", "kiem_tra_lai"))
    resp = browser.post("/ky/", {"scope": f"class:{klass.id}", "wave": "1", "secret": PASS}, form_page="/ky/")
    assert resp.status_code == 303
    progress = browser.get(resp.headers["Location"], headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert progress.status_code == 200 and "hoàn tất" in progress.get_data(as_text=True)
    with db.connection_context():
        job = SigningJob.get()
        assert job.done == job.total == decided and job.failed == 0
        assert RecordSignature.select().where(RecordSignature.user == user("gv.hh")).count() == decided
