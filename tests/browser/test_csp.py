"""The pages as the browser runs them under the portal's Content-Security-Policy: no violation on any page
of any role, with htmx saving a cell, the comment bank, boosted navigation and the document preview."""
import re

import pytest

from portal.db import db
from portal.models import Enrolment, Pupil, SchoolClass, Subject
from tests.browser.conftest import login, watch_csp

pytestmark = pytest.mark.browser


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def visit_all(page, base, paths):
    for path in paths:
        resp = page.goto(base + path)
        assert resp.status < 400, (path, resp.status)
        page.wait_for_load_state("networkidle")


def test_the_watcher_sees_a_violation(live_server, desktop):
    """The check can fail: an inline script is refused and reported."""
    violations = watch_csp(desktop)
    desktop.goto(f"{live_server}/login")
    desktop.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; "
                     "document.head.appendChild(s); }")
    desktop.wait_for_timeout(300)
    assert violations and "script-src" in violations[0]
    assert desktop.evaluate("() => window.x") is None


def test_public_pages(live_server, desktop):
    violations = watch_csp(desktop)
    visit_all(desktop, live_server, ["/login", "/xac-thuc/", "/phu-huynh/"])
    desktop.fill("input[name=code]", "SAI0-SAI0-SAI0")
    desktop.click("button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert violations == []


def test_teacher_pages_grid_save_and_comment_bank(live_server, desktop):
    violations = watch_csp(desktop)
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        tv = Subject.get(Subject.code == "TV")
        pupil = Pupil.select().join(Enrolment).where(Enrolment.school_class == klass).first()
    login(desktop, live_server, "gvcn.1a")
    visit_all(desktop, live_server, ["/", "/lop/", f"/lop/{klass.id}", f"/tong-hop/lop/{klass.id}/CK1",
                                     f"/hoc-ba/{pupil.id}/{klass.year_id}", "/password"])
    desktop.goto(f"{live_server}/danh-gia/lop/{klass.id}/mon/{tv.id}/CK1")
    cell = desktop.locator("form.cell:has(select.level)").first
    cell.locator("select.level").select_option("T")
    desktop.wait_for_function("() => document.querySelector('form.cell[data-state=saved]') !== null")
    desktop.locator("textarea.comment").first.focus()
    desktop.locator("#bank-panel .chip").first.wait_for()
    desktop.click("a[href='/lop/']")  # boosted navigation swaps the body
    desktop.wait_for_url(re.compile(r".*/lop/$"))
    assert violations == []


def test_board_and_admin_pages(live_server, desktop):
    violations = watch_csp(desktop)
    login(desktop, live_server, "hieutruong")
    visit_all(desktop, live_server, ["/duyet/", "/duyet/nhat-ky", "/duyet/lich-su", "/duyet/tien-do", "/ky/",
                                     "/ky/chung-thu"])
    desktop.click("form[action='/logout'] button")
    desktop.wait_for_url(re.compile(r".*/login$"))
    login(desktop, live_server, "admin")
    visit_all(desktop, live_server, ["/quan-tri/", "/quan-tri/truong", "/quan-tri/nam-hoc", "/quan-tri/lop",
                                     "/quan-tri/mon-hoc", "/quan-tri/can-bo", "/quan-tri/hoc-sinh",
                                     "/quan-tri/nhap/hoc-sinh"])
    assert violations == []
