"""The secondary học bạ (TT22 annex, TT22.md §13) of the THCS and THPT demo pupils, read back with poppler."""
import hashlib

import pytest

from portal.db import db
from portal.models import SchoolClass
from portal.services.records import record as records
from portal.services.demo.secondary import seed_secondary_demo
from portal.services.records.rendering import render_record
from portal.services.evaluation.secondary.summary import class_summary, fmt
from tests.documents_helpers import attachment, collapse, info_custom, json_of, pdf_text, pdfa3b_problems, run

def _seed(app, level, monkeypatch):
    import portal.services.demo.secondary as demo_secondary
    monkeypatch.setattr(demo_secondary, "seed_pki", lambda **kw: None)  # no certificates needed to render
    with app.app_context(), db.connection_context():
        seed_secondary_demo(level)


def _render(app, class_name, wanted, tmp_path):
    """The record of the class's first pupil for whom `wanted(row)`: (pdf path, rendered, record object, the
    summary row, the class's subjects)."""
    with app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == class_name)
        subjects, rows = class_summary(klass)
        row = next(r for r in rows if wanted(r))
        out = render_record(row.pupil, klass, "http://hocba.test")
        data = records.record_data(records.ensure_record(row.pupil, klass), "http://hocba.test")
    path = tmp_path / f"{class_name}.pdf"
    path.write_bytes(out.pdf)
    return path, out, data, row, subjects


@pytest.fixture
def thcs(app, monkeypatch):
    _seed(app, "THCS", monkeypatch)
    return app


@pytest.fixture
def thpt(app, monkeypatch):
    _seed(app, "THPT", monkeypatch)
    return app


def _check_pdf(path, out, data, row, subjects, tmp_path):
    text = collapse(pdf_text(path, "-raw"))
    assert data["schema"] == "hocba-trunghoc/1"
    assert collapse(data["pupil"]["full_name"]) in text
    # every subject's semester I, II and year results, as printed ("8,3" or "Đ"/"CĐ")
    for subject, _gs in subjects:
        cell = row.subjects[subject.code]
        line = collapse(f"{subject.name} {fmt(cell.term1)} {fmt(cell.term2)} {fmt(cell.year)}")
        assert line in text, line
    levels = {"T": "Tốt", "K": "Khá", "D": "Đạt", "CD": "Chưa đạt"}
    assert collapse(f"Cả năm {levels[row.conduct_year]} {levels[row.learning_year]} {row.absences}") in text
    assert "Kết quả rèn luyện" in text and "Kết quả học tập" in text
    # the embedded data holds the same values
    embedded = json_of(attachment(path, tmp_path))
    assert embedded == data
    assert info_custom(path)["hocbajsonsha256"] == hashlib.sha256(attachment(path, tmp_path)).hexdigest()
    year = embedded["year"]
    by_code = {s["code"]: s for s in year["subjects"]}
    for subject, _gs in subjects:
        cell = row.subjects[subject.code]
        assert (by_code[subject.code]["term1"], by_code[subject.code]["year"]) == (fmt(cell.term1), fmt(cell.year))
    assert year["conduct"]["year"] == row.conduct_year and year["learning"]["year"] == row.learning_year
    assert year["absences"]["year"] == row.absences
    assert year["decision"] == row.decision and year["final_decision"] == (row.final or "")
    # each subject teacher is named, with the subjects they sign for, and has a signature box
    teachers = embedded["signers"]["subject"]
    assert teachers and {c for t in teachers for c in t["subject_codes"]} == {s.code for s, _ in subjects}
    for t in teachers:
        assert collapse(t["name"]) in text
        assert t["slot"] in out.boxes
    assert {"homeroom", "principal", "seal"} <= out.boxes.keys()
    # fonts embedded (the packaged serif), PDF/A-3b structure
    for font in run("pdffonts", str(path)).splitlines()[2:]:
        assert font.split()[-5] == "yes" and "HocBa-Serif" in font, font
    assert pdfa3b_problems(path) == []
    return text, embedded


def test_thcs_record_of_an_excellent_pupil(thcs, tmp_path):
    path, out, data, row, subjects = _render(thcs, "6A", lambda r: r.award == "XS", tmp_path)
    assert row.award == "XS" and row.final == "len_lop"
    text, embedded = _check_pdf(path, out, data, row, subjects, tmp_path)
    assert "HỌC BẠ TRUNG HỌC CƠ SỞ" in text
    assert "- Được lên lớp" in text and "Khen thưởng: Học sinh Xuất sắc" in text
    assert embedded["year"]["awards"] == ["Học sinh Xuất sắc"]
    assert "Toán" in text and "Ngữ văn" in text


def test_thcs_final_grade_retested_pupil_completes_the_programme(thcs, tmp_path):
    path, out, data, row, subjects = _render(thcs, "9A", lambda r: r.decision == "kiem_tra_lai" and r.final, tmp_path)
    assert row.decision == "kiem_tra_lai" and row.final == "len_lop" and row.retests
    text, embedded = _check_pdf(path, out, data, row, subjects, tmp_path)
    assert "Được công nhận hoàn thành chương trình trung học cơ sở" in text
    assert embedded["year"]["retests"] == sorted(row.retests)
    for code in row.retests:  # the re-test result printed in the re-assessment column
        assert embedded["year"]["subjects"][[s["code"] for s in embedded["year"]["subjects"]].index(code)]["retest"] == "6,0"
    assert "Các môn kiểm tra, đánh giá lại:" in text


def test_thpt_record_of_a_repeating_pupil(thpt, tmp_path):
    path, out, data, row, subjects = _render(thpt, "10A", lambda r: r.final == "o_lai", tmp_path)
    assert row.final == "o_lai"
    text, embedded = _check_pdf(path, out, data, row, subjects, tmp_path)
    assert "HỌC BẠ TRUNG HỌC PHỔ THÔNG" in text
    assert "- Không được lên lớp" in text
    assert embedded["year"]["outcome"] == "o_lai" and embedded["school"]["level"] == "THPT"


def test_thpt_summer_pupil_waits_for_the_summer_before_the_chain(thpt, tmp_path):
    """A pupil sent to rèn luyện hè without a re-assessment has no final decision: nothing to sign yet."""
    with thpt.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "12A")
        _subjects, rows = class_summary(klass)
        waiting = [r for r in rows if r.decision == "ren_luyen_he" and not r.summer_conduct]
        assert waiting
        data = records.record_data(records.ensure_record(waiting[0].pupil, klass), "http://hocba.test")
    assert data["year"]["outcome"] == "" and data["year"]["decision_lines"] == ["Rèn luyện trong kì nghỉ hè"]


def test_primary_record_keeps_its_schema(app):
    from tests import factories
    from tests.documents_helpers import make_record_pupil
    with app.app_context(), db.connection_context():
        factories.make_school()
        pupil, klass, _ = make_record_pupil()
        data = records.record_data(records.ensure_record(pupil, klass), "http://hocba.test")
    assert data["schema"] == "hocba-tieuhoc/1" and "subject" not in data["signers"]


def test_thcs_record_prints_the_homeroom_teachers_lines(thcs, tmp_path):
    """TT22.md §13 item 5: certificates, competition results and the homeroom teacher's comment, on the year
    summary page, in hocba.json and in the hocba-xml/2 export (valid against its XSD)."""
    from lxml import etree

    from portal.exchange import record_xml
    from portal.models import User
    from portal.services.evaluation.secondary.remarks import save_remarks
    from portal.services.records.xml_verification import XSD

    with thcs.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "6A")
        pupil = next(r for r in class_summary(klass)[1] if r.award == "XS").pupil
        save_remarks(User.get(User.username == "gvcn.6a"), klass, pupil.id, {
            "homeroom_comment": "Chăm ngoan, tích cực phát biểu; cần rèn thêm chữ viết.",
            "certificates": "Chứng chỉ tin học IC3\nTOEFL Primary", "competitions": "Giải Nhì Toán cấp thành phố"})
    path, out, data, row, subjects = _render(thcs, "6A", lambda r: r.pupil.id == pupil.id, tmp_path)
    text, embedded = _check_pdf(path, out, data, row, subjects, tmp_path)
    assert "- Chứng chỉ (nếu có): Chứng chỉ tin học IC3; TOEFL Primary" in text
    assert "- Kết quả tham gia các cuộc thi (nếu có): Giải Nhì Toán cấp thành phố" in text
    assert "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM" in text
    assert collapse("Chăm ngoan, tích cực phát biểu; cần rèn thêm chữ viết.") in text
    year = embedded["year"]
    assert year["certificates"] == ["Chứng chỉ tin học IC3", "TOEFL Primary"]
    assert year["competitions"] == ["Giải Nhì Toán cấp thành phố"]
    assert year["homeroom_comment"] == "Chăm ngoan, tích cực phát biểu; cần rèn thêm chữ viết."

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    root = etree.fromstring(record_xml.to_xml(data))
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    assert record_xml.field(root, "nxetgvcn") == year["homeroom_comment"]
    assert record_xml.field(root, "kquathamgiacuocthi") == "Giải Nhì Toán cấp thành phố"
    assert [e.text for e in root.iter("tenchungchi")] == ["Chứng chỉ tin học IC3", "TOEFL Primary"]
    # A record object frozen before these lines existed maps to the XML it was signed as: without them.
    for key in ("certificates", "competitions", "homeroom_comment"):
        del data["year"][key]
    old = etree.fromstring(record_xml.to_xml(data))
    assert schema.validate(etree.ElementTree(old)), schema.error_log
    assert old.find(".//nxetgvcn") is None and old.find(".//thongtinsohocbasothcsthpt_chungchi") is None
