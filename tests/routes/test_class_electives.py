"""The administrator's page of a class's electives per pupil (Quản trị > Lớp > Môn lựa chọn của từng học sinh),
and what the homeroom teacher's summary shows for an elective a pupil does not learn."""
import re

import pytest

from portal.db import db
from portal.models import ElectiveOptOut, RecordVersion
from portal.services.records.record import new_code
from tests.secondary_helpers import fill_pupil, subject, thpt_class


@pytest.fixture
def setup(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thpt_class(2)
        ids = {code: subject(code, "THPT").id for code in ("DL", "TIN", "TOAN")}
    return browser, klass, kids, ids


def _learns_all_but(page, unticked):
    """The ticked checkbox values of a page, less those in `unticked`."""
    return [v for v in re.findall(r'name="learns" value="([0-9-]+)"[^>]*checked', page) if v not in unticked]


def test_the_administrator_ticks_the_electives_each_pupil_learns(setup):
    browser, klass, kids, ids = setup
    browser.login("quantri")
    assert f'/quan-tri/lop/{klass.id}/mon-lua-chon' in browser.get(f"/quan-tri/lop/{klass.id}").get_data(as_text=True)
    url = f"/quan-tri/lop/{klass.id}/mon-lua-chon"
    page = browser.get(url).get_data(as_text=True)
    assert "Môn lựa chọn của từng học sinh" in page and "Địa lí" in page and "Toán" not in page.split("<table")[1]
    assert page.count(" checked") == 2 * 5  # by default every pupil learns every elective taught to the class
    assert "học 5 môn lựa chọn (chương trình: 4 môn)" in page
    resp = browser.post(url, {"learns": _learns_all_but(page, {f"{kids[0].id}-{ids['DL']}"})}, form_page=url)
    assert resp.status_code == 303
    with db.connection_context():
        assert [(o.pupil_id, o.subject_id) for o in ElectiveOptOut.select()] == [(kids[0].id, ids["DL"])]
    page = browser.get(url).get_data(as_text=True)
    assert "Đã lưu môn lựa chọn của 1 học sinh." in page and page.count(" checked") == 2 * 5 - 1
    assert f"{kids[0].full_name} học 5" not in page


def test_a_signed_record_keeps_its_electives(setup, app):
    browser, klass, kids, ids = setup
    with app.app_context(), db.connection_context():
        RecordVersion.create(pupil=kids[0], school_class=klass, code=new_code(), status="signing", step=1)
    browser.login("quantri")
    url = f"/quan-tri/lop/{klass.id}/mon-lua-chon"
    page = browser.get(url).get_data(as_text=True)
    resp = browser.post(url, {"learns": _learns_all_but(page, {f"{kids[0].id}-{ids['DL']}"})}, form_page=url)
    assert resp.status_code == 422 and "dữ liệu đã khóa" in resp.get_data(as_text=True)
    with db.connection_context():
        assert not ElectiveOptOut.select().exists()


@pytest.mark.parametrize("who", ["gvcn.10a", "ht", "gv.dl"])
def test_only_the_administrator_opens_the_page(setup, who):
    browser, klass, kids, ids = setup
    browser.login(who)
    url = f"/quan-tri/lop/{klass.id}/mon-lua-chon"
    assert browser.get(url).status_code == 403
    assert browser.post(url, {"learns": []}, form_page="/").status_code == 403


def test_the_summary_says_which_elective_a_pupil_does_not_learn(setup, app):
    browser, klass, kids, ids = setup
    with app.app_context(), db.connection_context():
        ElectiveOptOut.create(pupil=kids[0], school_class=klass, subject=ids["DL"])
        fill_pupil(klass, kids[0], "8.0")
    browser.login("gvcn.10a")
    page = browser.get(f"/trung-hoc/lop/{klass.id}/tong-hop").get_data(as_text=True)
    row = page.split(f'data-pupil="{kids[0].id}"')[1].split("</tr>")[0]
    assert row.count("Không học") == 1 and "Học sinh Giỏi" in row
    xlsx = browser.get(f"/trung-hoc/lop/{klass.id}/tong-hop.xlsx")
    assert xlsx.status_code == 200
