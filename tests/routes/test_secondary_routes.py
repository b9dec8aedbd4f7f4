"""Secondary routes: a subject teacher only their class × subject; the homeroom teacher rèn luyện and the
summary; the board the summary; the .xlsx export."""
import io

import openpyxl
import pytest

from portal.db import db
from portal.models import ScoreEntry
from tests.secondary_helpers import fill_pupil, subject, thcs_class


@pytest.fixture
def setup(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thcs_class(2)
        ids = dict(klass=klass.id, toan=subject("TOAN").id, nv=subject("NV").id, kids=[k.id for k in kids])
        fill_pupil(klass, kids[1], "9.5")
    return browser, ids


def test_subject_teacher_sees_and_saves_their_grid_only(setup):
    browser, ids = setup
    browser.login("toan.6a")
    page = browser.get(f"/trung-hoc/lop/{ids['klass']}/mon/{ids['toan']}/HK1")
    assert page.status_code == 200 and "ĐĐGtx 4" in page.get_data(as_text=True)
    assert browser.get(f"/trung-hoc/lop/{ids['klass']}/mon/{ids['nv']}/HK1").status_code == 403
    url = f"/trung-hoc/o/{ids['klass']}/{ids['kids'][0]}/HK1/s{ids['toan']}/tx1"
    resp = browser.post(url, {"value": "8,5"}, form_page=f"/trung-hoc/lop/{ids['klass']}", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'value="8,5"' in resp.get_data(as_text=True)
    resp = browser.post(url, {"value": "12"}, form_page=f"/trung-hoc/lop/{ids['klass']}", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "nằm ngoài thang điểm 10" in body and 'value="12"' in body
    nv_url = f"/trung-hoc/o/{ids['klass']}/{ids['kids'][0]}/HK1/s{ids['nv']}/tx1"
    resp = browser.post(nv_url, {"value": "8"}, form_page=f"/trung-hoc/lop/{ids['klass']}")
    assert resp.status_code == 403


def test_homeroom_enters_conduct_and_sees_the_summary(setup):
    browser, ids = setup
    browser.login("gvcn.6a")
    assert browser.get(f"/trung-hoc/lop/{ids['klass']}/ren-luyen/HK1").status_code == 200
    resp = browser.post(f"/trung-hoc/o/{ids['klass']}/{ids['kids'][0]}/HK1/c/conduct", {"value": "Đ"},
                        form_page=f"/trung-hoc/lop/{ids['klass']}", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'value="Đ"' in resp.get_data(as_text=True)
    page = browser.get(f"/trung-hoc/lop/{ids['klass']}/tong-hop").get_data(as_text=True)
    assert "Học sinh Xuất sắc" in page and "Được lên lớp" in page
    assert browser.get(f"/trung-hoc/lop/{ids['klass']}/mon/{ids['toan']}/HK1").status_code == 200  # may look


def test_subject_teacher_may_not_open_the_summary_or_conduct(setup):
    browser, ids = setup
    browser.login("toan.6a")
    assert browser.get(f"/trung-hoc/lop/{ids['klass']}/tong-hop").status_code == 403
    assert browser.get(f"/trung-hoc/lop/{ids['klass']}/ren-luyen/HK1").status_code == 403


def test_board_exports_the_summary_formula_safe(setup, app):
    browser, ids = setup
    with app.app_context(), db.connection_context():
        from portal.models import Pupil, YearRemark
        Pupil.update(full_name="=HYPERLINK(\"x\")").where(Pupil.id == ids["kids"][0]).execute()
        YearRemark.create(pupil=ids["kids"][1], school_class=ids["klass"], homeroom_comment="Chăm ngoan, tiến bộ rõ.",
                          certificates="Tin học IC3\nTiếng Anh A2", competitions="=1+1 Giải Ba Toán cấp huyện")
    browser.login("ht")
    resp = browser.get(f"/trung-hoc/lop/{ids['klass']}/tong-hop.xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Học sinh Xuất sắc" in values
    name = next(c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("x")')
    assert name.data_type == "s"  # shown as text, never a formula
    header = [c.value for c in ws[2]]
    tail = header[-3:]
    assert tail == ["Chứng chỉ", "Kết quả tham gia các cuộc thi", "Nhận xét của giáo viên chủ nhiệm"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    with app.app_context(), db.connection_context():
        from portal.models import Pupil
        second = Pupil.get_by_id(ids["kids"][1]).full_name
    certs, contests, comment = rows[second][-3:]
    assert certs == "Tin học IC3; Tiếng Anh A2" and comment == "Chăm ngoan, tiến bộ rõ."
    assert contests.endswith("Giải Ba Toán cấp huyện")
    cell = next(c for row in ws.iter_rows() for c in row if c.value == contests)
    assert cell.data_type == "s"  # a typed "=" stays text


def test_no_js_cell_post_redirects_back(setup, app):
    browser, ids = setup
    browser.login("toan.6a")
    resp = browser.post(f"/trung-hoc/o/{ids['klass']}/{ids['kids'][0]}/HK2/s{ids['toan']}/gk", {"value": "7.5"},
                        form_page=f"/trung-hoc/lop/{ids['klass']}")
    assert resp.status_code == 303
    with app.app_context(), db.connection_context():
        assert ScoreEntry.get(term="HK2", slot="gk", pupil=ids["kids"][0]).value == "7.5"
