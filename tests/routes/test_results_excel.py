"""One class × subject × checkpoint through Excel: export, edit, import all or nothing; locks respected."""
import io

import openpyxl
import pytest

from portal.db import db
from portal.models import SchoolClass, Subject, SubjectResult
from tests.routes.test_imports import upload as _upload


def ids(name="5A", code="TOAN"):
    with db.connection_context():
        return SchoolClass.get(SchoolClass.name == name).id, Subject.get(Subject.code == code).id


def upload(browser, k, s, cp, data):
    token = browser.token(f"/danh-gia/excel/lop/{k}/mon/{s}/{cp}/nhap")
    return browser.client.post(f"/danh-gia/excel/lop/{k}/mon/{s}/{cp}/nhap",
                               data={"csrf_token": token, "file": (io.BytesIO(data), "kq.xlsx")},
                               content_type="multipart/form-data")


def workbook(browser, k, s, cp):
    resp = browser.get(f"/danh-gia/excel/lop/{k}/mon/{s}/{cp}.xlsx")
    assert resp.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(resp.data))


def data_rows(ws):
    return [row for row in ws.iter_rows(min_row=2) if row[0].value]


def save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def gv(demo_browser):
    demo_browser.login("gvcn.5a")
    return demo_browser


def test_round_trip_applies_changes(gv):
    k, s = ids()
    wb = workbook(gv, k, s, "CK1")
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:5] == ["Mã học sinh *", "Họ và tên", "Mức đạt được", "Điểm KTĐK", "Nhận xét"]
    for row in data_rows(ws):
        row[2].value, row[3].value, row[4].value = "H", "7", "Em làm bài cẩn thận hơn."
    resp = upload(gv, k, s, "CK1", save(wb))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    with db.connection_context():
        rows = SubjectResult.select().where((SubjectResult.school_class == k) & (SubjectResult.subject == s)
                                            & (SubjectResult.checkpoint == "CK1"))
        assert rows.count() == len(data_rows(ws)) and {(r.level, r.score) for r in rows} == {("H", 7)}


@pytest.mark.parametrize("mutate, message", [
    (lambda ws: setattr(ws["D2"], "value", "11"), "số nguyên từ 1 đến 10"),
    (lambda ws: setattr(ws["C3"], "value", "X"), "Mức đạt được không hợp lệ"),
    (lambda ws: setattr(ws["A4"], "value", "KHONGCO"), "không thuộc lớp 5A"),
    (lambda ws: setattr(ws["A5"], "value", ws["A2"].value), "Trùng với dòng 2"),
], ids=["score-11", "bad-level", "unknown-pupil", "duplicate-row"])
def test_one_bad_row_writes_nothing(gv, mutate, message):
    k, s = ids()
    wb = workbook(gv, k, s, "CK1")
    ws = wb.worksheets[0]
    for row in data_rows(ws):
        row[2].value = "T"
    mutate(ws)
    resp = upload(gv, k, s, "CK1", save(wb))
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    with db.connection_context():
        assert not SubjectResult.select().where((SubjectResult.school_class == k) & (SubjectResult.checkpoint == "CK1")
                                                & (SubjectResult.subject == s)).exists()


def test_locked_cells_are_refused_with_the_reason(demo_browser):
    k, s = ids()
    demo_browser.login("hieutruong")
    demo_browser.post("/duyet/khoa", {"checkpoint": "CN"})
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    wb = workbook(demo_browser, k, s, "CN")
    wb.worksheets[0]["C2"].value = "C" if wb.worksheets[0]["C2"].value != "C" else "T"
    resp = upload(demo_browser, k, s, "CN", save(wb))
    assert resp.status_code == 422 and "đã khóa sổ" in resp.get_data(as_text=True)
    unchanged = workbook(demo_browser, k, s, "CN")  # an unchanged file is accepted even when locked
    assert upload(demo_browser, k, s, "CN", save(unchanged)).status_code == 200


def test_other_teacher_cannot_export_or_import(demo_browser):
    k, s = ids()
    demo_browser.login("gvcn.1a")
    assert demo_browser.get(f"/danh-gia/excel/lop/{k}/mon/{s}/CK1.xlsx").status_code == 403
    assert demo_browser.get(f"/danh-gia/excel/lop/{k}/mon/{s}/CK1/nhap").status_code == 403


def test_not_an_xlsx(gv):
    k, s = ids()
    resp = upload(gv, k, s, "CK1", b"not a spreadsheet")
    assert resp.status_code == 422 and "không phải là tệp Excel" in resp.get_data(as_text=True)


_ = _upload
