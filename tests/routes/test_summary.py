"""Class summary, finalising the year, the supplementary evaluation and the principal's decision."""
import io

import openpyxl
import pytest

from portal.db import db
from portal.grading import tt27
from portal.models import Pupil, SchoolClass, Subject, SubjectResult, QualityResult, YearResult
from portal.services.evaluation import results
from tests.routes.test_evaluation import cell_url, post_cell


def klass(name="5A"):
    with db.connection_context():
        return SchoolClass.get(SchoolClass.name == name)


def test_summary_outcomes_follow_tt27(demo_app):
    with demo_app.app_context(), db.connection_context():
        k = klass()
        subjects, rows, counts = results.class_summary(k, "CN")
        assert len(rows) == k.enrolments.count()
        for row in rows:
            stored = YearResult.get(pupil=row.pupil, school_class=k)
            assert row.outcome == stored.outcome  # the demo's outcomes were computed by the same rule
            levels = {s.subject.code: row.levels[s.subject.code] for s in subjects if not s.is_optional}
            scores = {s.subject.code: row.scores[s.subject.code] for s in subjects if "CN" in s.tested}
            assert row.outcome == tt27.year_outcome(levels, scores, row.qualities)


def test_demo_has_every_outcome(demo_app):
    with db.connection_context():
        outcomes = {y.outcome for y in YearResult.select()}
    assert outcomes == {"HTXS", "HTT", "HT", "CHT"}


def test_summary_page_and_xlsx(demo_browser):
    demo_browser.login("gvcn.5a")
    k = klass()
    page = demo_browser.get(f"/tong-hop/lop/{k.id}/CN").get_data(as_text=True)
    assert "Bảng tổng hợp kết quả đánh giá giáo dục" in page and "Hoàn thành xuất sắc" in page
    resp = demo_browser.get(f"/tong-hop/lop/{k.id}/CN.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    assert "LỚP 5A" in ws["A1"].value
    assert ws.max_row == 3 + k.enrolments.count()


def test_other_teacher_cannot_see_the_summary(demo_browser):
    demo_browser.login("gvcn.1a")
    assert demo_browser.get(f"/tong-hop/lop/{klass().id}/CN").status_code == 403


def test_finalize_refuses_incomplete_and_stores_outcomes(demo_browser):
    demo_browser.login("gvcn.5a")
    k = klass()
    with db.connection_context():
        victim = SubjectResult.select().where((SubjectResult.school_class == k) & (SubjectResult.checkpoint == "CN")).first()
        victim.level = ""
        victim.save()
    demo_browser.post(f"/danh-gia/lop/{k.id}/chot")
    page = demo_browser.get(f"/tong-hop/lop/{k.id}/CN").get_data(as_text=True)
    assert "chưa đủ kết quả cuối năm" in page
    with db.connection_context():
        victim.level = "T"
        victim.save()
    demo_browser.post(f"/danh-gia/lop/{k.id}/chot")
    assert "Đã chốt kết quả cuối năm" in demo_browser.get(f"/tong-hop/lop/{k.id}/CN").get_data(as_text=True)


def _cht_pupil(k):
    with db.connection_context():
        subjects, rows, _ = results.class_summary(k, "CN")
        # a pupil whose shortfalls are all in subjects the homeroom teacher enters (not NN1, THCN)
        other = {"NN1", "THCN"}

        def homeroom_only(r):
            return all(r.levels.get(c) != "C" and (r.scores.get(c) or 10) >= 5 for c in other)
        return next(r for r in rows if r.outcome == "CHT" and homeroom_only(r)), subjects


def _supplement(browser, k, row, subjects, good):
    """Re-evaluate every failing subject and quality at BS."""
    for info in subjects:
        code = info.subject.code
        if row.levels.get(code) == "C":
            post_cell(browser, cell_url(k.id, row.pupil.id, "BS", f"s{info.subject.id}", "level"), "H" if good else "C")
        if "CN" in info.tested and (row.scores.get(code) or 10) < 5:
            post_cell(browser, cell_url(k.id, row.pupil.id, "BS", f"s{info.subject.id}", "score"), "6" if good else "4")
    for q, level in row.qualities.items():
        if level == "C":
            post_cell(browser, cell_url(k.id, row.pupil.id, "BS", f"q{q}", "level"), "Đ" if good else "C")


def test_supplementary_evaluation_completes_the_grade(demo_browser, demo_app):
    k = klass()
    row, subjects = _cht_pupil(k)
    demo_browser.login("gvcn.5a")
    bs_page = demo_browser.get(f"/danh-gia/lop/{k.id}/mon/{subjects[0].subject.id}/BS").get_data(as_text=True)
    assert row.pupil.full_name in bs_page
    _supplement(demo_browser, k, row, subjects, good=True)
    with demo_app.app_context(), db.connection_context():
        after = next(r for r in results.class_summary(k, "CN")[1] if r.pupil.id == row.pupil.id)
        assert after.outcome == "CHT" and after.supplementary in ("HT", "HTT", "HTXS")


def test_still_cht_after_supplementary_needs_the_principals_decision(demo_browser):
    k = klass()
    row, subjects = _cht_pupil(k)
    demo_browser.login("gvcn.5a")
    _supplement(demo_browser, k, row, subjects, good=False)
    url = f"/tong-hop/lop/{k.id}/quyet-dinh/{row.pupil.id}"
    assert demo_browser.post(url, {"decision": "promote"}).status_code == 403  # the teacher cannot decide
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    bad = demo_browser.post(url, {"decision": "maybe"})
    assert bad.status_code == 422 and "Quyết định không hợp lệ" in bad.get_data(as_text=True)
    ok = demo_browser.post(url, {"decision": "repeat", "note": "Theo đề nghị của giáo viên chủ nhiệm"})
    assert ok.status_code == 200 and "Ở lại lớp" in ok.get_data(as_text=True)
    with db.connection_context():
        year = YearResult.get(pupil=row.pupil.id, school_class=k)
        assert year.decision == "repeat" and year.supplementary_outcome == "CHT"


def test_decision_refused_for_a_pupil_who_completed(demo_browser):
    k = klass()
    with db.connection_context():
        done = YearResult.get((YearResult.school_class == k) & (YearResult.outcome == "HTT"))
    demo_browser.login("hieutruong")
    resp = demo_browser.post(f"/tong-hop/lop/{k.id}/quyet-dinh/{done.pupil_id}", {"decision": "promote"})
    assert resp.status_code == 422 and "chưa hoàn thành" in resp.get_data(as_text=True)
