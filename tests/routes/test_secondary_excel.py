"""One subject's scores of a semester through Excel (TT22): export, edit, import all or nothing, with
each row's errors in Vietnamese; locks and permissions respected."""
import io

import openpyxl
import pytest

from portal.db import db
from portal.models import EvaluationLock, ScoreEntry
from tests.secondary_helpers import subject, thcs_class


@pytest.fixture
def setup(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thcs_class(3)
        ids = dict(k=klass.id, toan=subject("TOAN").id, nv=subject("NV").id, gdtc=subject("GDTC").id)
    browser.login("toan.6a")
    return browser, ids


def base(ids, term="HK1", s="toan"):
    return f"/trung-hoc/lop/{ids['k']}/mon/{ids[s]}/{term}"


def workbook(browser, ids, term="HK1"):
    resp = browser.get(base(ids, term) + ".xlsx")
    assert resp.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(resp.data))


def rows(ws):
    return [row for row in ws.iter_rows(min_row=2) if row[0].value]


def upload(browser, ids, wb, term="HK1"):
    buf = io.BytesIO()
    wb.save(buf)
    url = base(ids, term) + "/nhap"
    return browser.client.post(url, data={"csrf_token": browser.token(url), "file": (io.BytesIO(buf.getvalue()), "diem.xlsx")},
                               content_type="multipart/form-data")


def stored(ids):
    with db.connection_context():
        return {(e.pupil_id, e.slot): e.value for e in ScoreEntry.select().where(
            (ScoreEntry.school_class == ids["k"]) & (ScoreEntry.subject == ids["toan"]) & (ScoreEntry.term == "HK1"))}


def test_round_trip_writes_every_score(setup):
    browser, ids = setup
    assert "Nhập/xuất Excel" in browser.get(base(ids)).get_data(as_text=True)
    ws = workbook(browser, ids).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Mã học sinh *", "Họ và tên"] and header[-3:] == ["Giữa kì", "Cuối kì", "Nhận xét"]
    assert "ĐĐGtx 4" in header  # Toán: 140 periods a year, four regular assessments
    wb = ws.parent
    for row in rows(ws):
        for cell in row[2:-1]:
            cell.value = "8,5"
        row[-1].value = "Tiến bộ rõ, cần trình bày cẩn thận hơn."
    resp = upload(browser, ids, wb)
    assert resp.status_code == 200 and "Đã nhập 3 dòng có thay đổi." in resp.get_data(as_text=True)
    values = stored(ids)
    assert len(values) == 3 * 7 and {v for (_, slot), v in values.items() if slot != "nx"} == {"8.5"}
    again = workbook(browser, ids).worksheets[0]
    assert rows(again)[0][2].value == "8,5"


def test_one_bad_row_writes_nothing_and_names_the_row(setup):
    browser, ids = setup
    ws = workbook(browser, ids).worksheets[0]
    data = rows(ws)
    for row in data:
        row[2].value = "7"
    data[1][3].value = "11"
    data[2][0].value = "KHONGCO"
    resp = upload(browser, ids, ws.parent)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Chưa ghi dữ liệu nào." in body
    assert "nằm ngoài thang điểm 10" in body and "“KHONGCO” không thuộc lớp 6A." in body
    assert ">3</td><td>ĐĐGtx 2</td>" in body and ">4</td><td>Mã học sinh</td>" in body
    assert stored(ids) == {}


def test_locked_semester_refuses_the_file(setup):
    browser, ids = setup
    with db.connection_context():
        from portal.models import SchoolClass, User
        klass = SchoolClass.get_by_id(ids["k"])
        EvaluationLock.create(year=klass.year, school_class=klass, checkpoint="HK1",
                              locked_by=User.get(User.username == "ht"))
    ws = workbook(browser, ids).worksheets[0]
    rows(ws)[0][2].value = "6"
    resp = upload(browser, ids, ws.parent)
    assert resp.status_code == 422 and "Học kì này đã khóa sổ" in resp.get_data(as_text=True)
    assert stored(ids) == {}


def test_only_the_subject_teacher_and_no_summer_file(setup, app):
    browser, ids = setup
    assert browser.get(base(ids, s="nv") + ".xlsx").status_code == 403
    assert browser.get(base(ids, term="HE") + "/nhap").status_code == 404
    assert browser.get(base(ids, term="XX") + ".xlsx").status_code == 404
    resp = browser.client.post(base(ids) + "/nhap", data={"csrf_token": browser.token(base(ids) + "/nhap")},
                               content_type="multipart/form-data")
    assert resp.status_code == 422 and "Vui lòng chọn tệp." in resp.get_data(as_text=True)
