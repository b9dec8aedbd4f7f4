"""A homeroom teacher enters evaluations on a phone: level, score, a comment from the bank; saved for real."""
import re

import pytest

from portal.db import db
from portal.models import SchoolClass, Subject, SubjectResult
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def first_pupil_card(base, phone):
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        tv = Subject.get(Subject.code == "TV")
    phone.goto(f"{base}/danh-gia/lop/{klass.id}/mon/{tv.id}/CK1")
    phone.click("text=Nhập từng học sinh")
    phone.wait_for_url(re.compile(r".*/hs/\d+/CK1\?mon=\d+$"))
    return klass, tv


def pick(page, code, nth=0):
    """Tap a one-tap level button on the phone card."""
    page.locator(f"fieldset.seg.level input[value='{code}'] + label").nth(nth).tap()


def checked_level(page, nth=0):
    return page.locator("fieldset.seg.level").nth(nth).locator("input:checked").get_attribute("value")


def wait_saved(page, selector):
    page.wait_for_function(
        "sel => { const f = document.querySelector(sel); return f && f.dataset.state === 'saved' && f.querySelector('.state').textContent.includes('✓'); }",
        arg=selector)


def test_phone_entry_with_comment_bank_survives_reload(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv = first_pupil_card(live_server, phone)
    name = phone.inner_text("h1")
    given = name.split()[-1]
    pick(phone, "H")
    wait_saved(phone, "form.cell:has(fieldset.seg)")
    phone.fill("input.score", "8")
    phone.locator("input.score").blur()
    wait_saved(phone, "form.cell:has(input.score)")
    phone.locator("textarea.comment").focus()
    chip = phone.locator(".bank-inline .chip").first
    chip.wait_for()
    suggestion = chip.inner_text()
    assert given in suggestion and "{ten}" not in suggestion
    assert "mức H" in phone.inner_text(".bank-inline .bank-for")  # suggestions follow the level just chosen
    chip.tap()
    wait_saved(phone, "form.cell:has(textarea.comment)")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    phone.reload()
    assert checked_level(phone) == "H"
    assert phone.locator("input.score").input_value() == "8"
    assert phone.locator("textarea.comment").input_value() == suggestion
    pupil_id = int(re.search(r"/hs/(\d+)/", phone.url).group(1))
    with db.connection_context():
        row = SubjectResult.get(pupil=pupil_id, subject=tv, checkpoint="CK1", school_class=klass)
        assert (row.level, row.score, row.comment) == ("H", 8, suggestion)

    phone.click("a[rel=next]")
    phone.wait_for_function(f"() => !location.pathname.includes('/hs/{pupil_id}/')")
    assert phone.inner_text("h1") != name


def test_bad_score_shows_a_message_in_the_cell(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    first_pupil_card(live_server, phone)
    phone.fill("input.score", "11")
    phone.locator("input.score").blur()
    phone.wait_for_selector("form.cell[data-state=error] >> text=số nguyên từ 1 đến 10")
    assert phone.locator("input.score").input_value() == "11"  # what was typed stays for correction


def test_lost_connection_keeps_the_value_and_retries(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv = first_pupil_card(live_server, phone)
    pupil_id = int(re.search(r"/hs/(\d+)/", phone.url).group(1))
    phone.context.set_offline(True)
    pick(phone, "C")
    phone.wait_for_selector("form.cell[data-state=unsaved]")
    assert "mất kết nối" in phone.inner_text("form.cell[data-state=unsaved] .state")
    phone.context.set_offline(False)
    wait_saved(phone, "form.cell:has(fieldset.seg)")
    with db.connection_context():
        assert SubjectResult.get(pupil=pupil_id, subject=tv, checkpoint="CK1", school_class=klass).level == "C"


def test_desktop_grid_keyboard(live_server, chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, "gvcn.1a")
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        tv = Subject.get(Subject.code == "TV")
    page.goto(f"{live_server}/danh-gia/lop/{klass.id}/mon/{tv.id}/CK1")
    first = page.locator("table.grid tbody tr").nth(0).locator("select.level")
    first.focus()
    page.keyboard.press("t")  # typing the code picks it
    page.keyboard.press("ArrowDown")
    second = page.locator("table.grid tbody tr").nth(1).locator("select.level")
    assert second.evaluate("el => el === document.activeElement")
    page.keyboard.press("h")
    wait_saved(page, "table.grid tbody tr:nth-child(2) form.cell:has(select.level)")
    wait_saved(page, "table.grid tbody tr:nth-child(1) form.cell:has(select.level)")
    page.reload()
    assert first.input_value() == "T" and second.input_value() == "H"
    context.close()
