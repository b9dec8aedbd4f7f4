"""The base navigation leads secondary teachers to /trung-hoc/ and subject teachers to /ky/; primary
schools see neither entry."""
import pytest

from portal.db import db
from tests import factories
from tests.secondary_helpers import thcs_class


@pytest.fixture
def setup(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thcs_class(1)
    return browser, klass.id


def test_subject_teacher_gets_the_secondary_entry_and_signing(setup):
    browser, class_id = setup
    browser.login("toan.6a")
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/trung-hoc/"' in home and ">Trung học<" in home
    assert 'href="/ky/"' in home
    page = browser.get("/trung-hoc/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f'href="/trung-hoc/lop/{class_id}"' in body and "Mở lớp 6A" in body
    assert "tong-hop" not in body  # the summary is the homeroom teacher's and the board's
    assert browser.get("/ky/").status_code == 200


def test_homeroom_teacher_links_to_the_summary(setup):
    browser, class_id = setup
    browser.login("gvcn.6a")
    body = browser.get("/trung-hoc/").get_data(as_text=True)
    assert f'href="/trung-hoc/lop/{class_id}/tong-hop"' in body


def test_teacher_without_a_class_sees_no_entry(setup):
    browser, _ = setup
    browser.login("khac.6a")
    home = browser.get("/").get_data(as_text=True)
    assert "/trung-hoc/" not in home and 'href="/ky/"' not in home
    body = browser.get("/trung-hoc/").get_data(as_text=True)
    assert "chưa được phân công" in body


def test_primary_school_has_no_secondary_entry(app, browser):
    with app.app_context(), db.connection_context():
        factories.make_school()
        teacher = factories.make_staff(full_name="Hồ Thị Thu Trang")
        factories.make_class("1A", grade=1, homeroom=teacher)
        factories.make_user("gvcn.1a", staff=teacher)
    browser.login("gvcn.1a")
    home = browser.get("/").get_data(as_text=True)
    assert "/trung-hoc/" not in home and ">Trung học<" not in home
