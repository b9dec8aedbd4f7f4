"""Control and invisible characters (issue 11 item 8): every stored text is cleaned at the door, a text
made only of invisible characters is empty, and records stored before the fix still export to XML."""
import io
import zipfile

import pytest
from lxml import etree

from portal.db import db
from portal.models import (
    AuditEntry, CommentTemplate, EvaluationLock, Pupil, School, SchoolClass, Staff, Subject, SubjectResult, User, YearResult,
)
from portal.services import ServiceError
from portal.services.evaluation import comments, results_io, entry as evaluation
from portal.services.records import corrections
from portal.services.school import imports, people
from portal.services.system import audit, audit_check
from portal.text import clean_line, clean_text, clean_words

DIRTY = "\x00\x0b"  # a NUL and Word's soft line break, as pasted
ZWSP = "\u200b"


@pytest.mark.parametrize("raw, expected", [
    ("Em đọc" + DIRTY + "tốt", "Em đọc\ntốt"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("a\tb", "a b"),
    (ZWSP, ""),
    ("\u200c\u200d\u2060\ufeff", ""),
    ("An\u202eng", "Anng"),  # a right-to-left override would make the name read differently
    ("x\x7f\x80\x9fy", "xy"),
    ("x\x85y\u2028z", "x\ny\nz"),
    ("Nguye\u0302\u0303n", "Nguyễn"),  # decomposed input becomes NFC
    ("dòng 1\ndòng 2", "dòng 1\ndòng 2"),
], ids=["nul-and-vt", "crlf-cr", "tab", "zwsp", "zero-width-family", "bidi-override", "del-c1", "nel-ls",
        "nfd", "newline-kept"])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_single_line_and_names():
    assert clean_line("  Hải\x0bPhòng\t ") == "Hải Phòng"
    assert clean_words(" Nguyễn\x00  Văn" + ZWSP + "\n An ") == "Nguyễn Văn An"


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), db.connection_context(), demo_app.test_request_context():
        yield demo_app


def user(name):
    return User.get(User.username == name)


def first_pupil(klass_name="1A"):
    klass = SchoolClass.get(SchoolClass.name == klass_name)
    return klass, klass.enrolments.first().pupil


def test_text_columns_store_clean_text_whatever_the_caller(ctx):
    klass, pupil = first_pupil()
    row = SubjectResult.get(pupil=pupil, school_class=klass, checkpoint="CN", subject=Subject.get(code="TV"))
    row.comment = "Em viết" + DIRTY + "đẹp" + ZWSP
    row.save()
    assert SubjectResult.get_by_id(row.id).comment == "Em viết\nđẹp"
    pupil.full_name = "Trần\x0bThị" + ZWSP + " Mai"
    pupil.save()
    assert Pupil.get_by_id(pupil.id).full_name == "Trần Thị Mai"  # one line: the break became a space


def test_comment_cell_is_cleaned_and_the_audit_chain_still_verifies(ctx):
    klass, pupil = first_pupil("5A")
    tv = Subject.get(code="TV")
    saved = evaluation.save(user("gvcn.5a"), klass, pupil.id, "CK1", "comment", "Em đọc" + DIRTY + "tốt" + ZWSP,
                            subject=tv)
    assert saved.value == "Em đọc\ntốt"
    assert SubjectResult.get(pupil=pupil, school_class=klass, checkpoint="CK1", subject=tv).comment == "Em đọc\ntốt"
    assert audit_check.verify().ok


def test_a_reason_of_invisible_characters_is_empty(ctx):
    klass, pupil = first_pupil("5A")
    EvaluationLock.create(year=klass.year, checkpoint="CK1", locked_by=user("hieutruong"))
    with pytest.raises(evaluation.Locked, match="Ghi lý do"):
        evaluation.save(user("gvcn.5a"), klass, pupil.id, "CK1", "comment", "Nhận xét mới", subject=Subject.get(code="TV"),
                        reason=ZWSP + DIRTY)
    saved = evaluation.save(user("gvcn.5a"), klass, pupil.id, "CK1", "comment", "Nhận xét mới",
                            subject=Subject.get(code="TV"), reason="Sửa" + DIRTY + "lỗi")
    assert saved.request.reason == "Sửa\nlỗi"


def test_correction_texts_are_cleaned_before_their_length_is_checked(ctx):
    from tests.signing_helpers import first_records
    from portal.models import RecordVersion
    rv = first_records("1A", n=1)[0]
    RecordVersion.update(status="issued").where(RecordVersion.id == rv.id).execute()
    rv = RecordVersion.get_by_id(rv.id)
    with pytest.raises(ServiceError, match="ít nhất 10 ký tự"):
        corrections.request_correction(user("gvcn.1a"), rv, "Điểm Toán", ZWSP * 12, "")
    with pytest.raises(ServiceError, match="ít nhất 10 ký tự"):
        corrections.open_correction(user("hieutruong"), rv, DIRTY * 6 + ZWSP)
    req = corrections.request_correction(user("gvcn.1a"), rv, "Điểm\x00 Toán", "Nhập nhầm" + DIRTY + "điểm", ZWSP)
    assert (req.what, req.reason, req.evidence) == ("Điểm Toán", "Nhập nhầm\nđiểm", "")


def test_comment_bank_refuses_an_invisible_comment(ctx):
    with pytest.raises(ServiceError, match="Nhận xét trống"):
        comments.save_own(user("gvcn.1a"), Subject.get(code="TV"), "T", ZWSP + DIRTY)
    row = comments.save_own(user("gvcn.1a"), Subject.get(code="TV"), "T", "Em {ten}" + DIRTY + "chăm")
    assert CommentTemplate.get_by_id(row.id).text == "Em {ten}\nchăm"


def test_pupil_and_staff_names_are_cleaned(ctx):
    klass, pupil = first_pupil()
    data = {f: getattr(pupil, f) for f in people.PUPIL_FIELDS}
    saved = people.save_pupil(user("admin"), None, {**data, "code": "HS990001", "national_id": None,
                                     "full_name": "Lê" + DIRTY + "Văn" + ZWSP + " Bình",
                                     "address": "Số 5\x0bLạch Tray"}, klass, School.current())
    again = Pupil.get_by_id(saved.id)
    assert (again.full_name, again.address) == ("Lê Văn Bình", "Số 5 Lạch Tray")
    staff = Staff.select().first()
    people.save_staff(user("admin"), staff, {**{f: getattr(staff, f) for f in people.STAFF_FIELDS},
                              "title": "Giáo" + ZWSP + " viên\x00"}, None, {})
    assert Staff.get_by_id(staff.id).title == "Giáo viên"


def test_pupil_form_field_of_only_invisible_characters_is_missing(demo_app, demo_browser):
    demo_browser.login("admin")
    page = "/quan-tri/hoc-sinh/moi"
    with demo_app.app_context(), db.connection_context():
        klass_id = SchoolClass.get(SchoolClass.name == "1A").id
    resp = demo_browser.post(page, {"code": "HS990002", "full_name": ZWSP + DIRTY, "gender": "1", "born_on": "01/02/2019",
                                    "school_class": str(klass_id), "ethnicity": "Kinh", "nationality": "Việt Nam",
                                    "birthplace": "Hải Phòng"}, form_page=page)
    assert resp.status_code == 422
    assert "Vui lòng nhập thông tin này." in resp.get_data(as_text=True)
    with demo_app.app_context(), db.connection_context():
        assert not Pupil.select().where(Pupil.code == "HS990002").exists()


def test_imports_clean_every_cell(ctx):
    """A CSV can carry what an .xlsx cannot (openpyxl refuses a NUL): soft breaks, C0 controls, zero-width."""
    import csv
    klass, pupil = first_pupil()
    row = ["HS990003", "Đỗ\x01\x0bMinh" + ZWSP + " Khôi", "Nam", "01/02/2019", "1A", "Kinh", "Việt Nam",
           "Hải" + ZWSP + "Phòng", "", "Số 7\x0bCát Cụt", "", "", "", "", ""]
    buf = io.StringIO()
    csv.writer(buf).writerows([[c.label for c in imports.PUPIL_COLUMNS], row])
    report = imports.validate_pupils("ds.csv", buf.getvalue().encode("utf-8"), klass.year)
    assert report.ok, report.errors
    imports.apply_pupils(user("admin"), report, School.current())
    new = Pupil.get(Pupil.code == "HS990003")
    assert (new.full_name, new.birthplace, new.address) == ("Đỗ Minh Khôi", "HảiPhòng", "Số 7 Cát Cụt")
    tv = Subject.get(code="TV")
    buf = io.StringIO()
    csv.writer(buf).writerows([[c.label for c in results_io.columns(True)],
                               [pupil.code, "", "T", 9, "Giỏi\x0blắm\x1f" + ZWSP]])
    report = results_io.import_results(user("gvcn.1a"), klass, tv, "CK1", "kq.csv", buf.getvalue().encode("utf-8"))
    assert report.ok, report.errors
    assert SubjectResult.get(pupil=pupil, school_class=klass, checkpoint="CK1", subject=tv).comment == "Giỏi lắm"


def test_principal_decision_note_is_cleaned(ctx):
    from portal.services.evaluation import results
    klass = SchoolClass.get(SchoolClass.name == "1A")
    yr = YearResult.select().where((YearResult.school_class == klass) & (YearResult.outcome == "CHT")).first()
    pupil = yr.pupil
    tv = Subject.get(code="TV")
    SubjectResult.create(pupil=pupil, school_class=klass, subject=tv, checkpoint="BS", level="C")
    try:
        results.decide_promotion(user("hieutruong"), klass, pupil, "repeat", "Họp" + DIRTY + "hội đồng" + ZWSP)
    except ServiceError as err:  # the demo pupil may complete after BS: the note path is then unreachable
        pytest.skip(err.message)
    assert YearResult.get_by_id(yr.id).decision_note == "Họp\nhội đồng"


def test_audit_trail_keeps_what_it_hashed(ctx):
    """The audit trail is the one table stored verbatim: rewriting it would break its own chain."""
    entry = audit.record("test.raw", user=None, summary="thô" + DIRTY)
    assert AuditEntry.get_by_id(entry.id).summary == "thô" + DIRTY
    assert audit_check.verify().ok


def test_records_stored_before_the_fix_still_package_and_transfer(demo_app, tmp_path):
    """A comment holding a NUL and a soft line break was saved (raw, as before this fix), signed and issued:
    `package` and `transfer-export` write valid XML, and the receiving school's check still agrees."""
    from tests.signing_helpers import first_records
    from tests.routes.test_parents import issue_and_sign
    from tests.unit.test_transfer import receiving_school
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        row = SubjectResult.get(pupil=rv.pupil, school_class=rv.school_class, checkpoint="CN",
                                subject=Subject.get(code="TV"))
        db.execute_sql("UPDATE subject_result SET comment = ? WHERE id = ?", ("Em đọc" + DIRTY + "tốt", row.id))
        assert SubjectResult.get_by_id(row.id).comment == "Em đọc" + DIRTY + "tốt"
    rv = issue_and_sign(demo_app)
    code = rv.pupil.code
    (tmp_path / "pp").write_text("demo1234")
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["package", "--class", "1A", "--out", str(tmp_path / "p.zip"),
                                 "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    doc = etree.parse(io.BytesIO(zipfile.ZipFile(tmp_path / "p.zip").read(f"{code}.xml")))
    assert "Em đọc\ntốt" in [e.text for e in doc.iter("nxetmonhoc")]  # a subject comment (hocba-xml/2)
    result = runner.invoke(args=["transfer-export", "--pupil", code, "--out", str(tmp_path / "t.zip"),
                                 "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    new = receiving_school(tmp_path, demo_app)
    result = new.test_cli_runner().invoke(args=["transfer-import", str(tmp_path / "t.zip"), "--class", "2C"])
    assert result.exit_code == 0, result.output
