"""The defects a new user met on a phone and a desktop (issue 14, items 1–9), each driven in a real browser."""
import re

import pytest

from portal.db import db
from portal.models import (
    ChangeRequest, CommentTemplate, EvaluationChange, SchoolClass, Subject, SubjectResult, User,
)
from portal.services.evaluation import entry
from portal.services.school.years import class_roster
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def ids(class_name="1A", subject_code="TV"):
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == class_name)
        subject = Subject.get(Subject.code == subject_code)
        first = class_roster(klass)[0]
        return klass.id, subject.id, first.id


def card(base, klass, pupil, cp, subject=None):
    return f"{base}/danh-gia/lop/{klass}/hs/{pupil}/{cp}" + (f"?mon={subject}" if subject else "")


def wait_saved(page, selector):
    page.wait_for_function(
        "sel => { const f = document.querySelector(sel); return f && f.dataset.state === 'saved' && f.querySelector('.state').textContent.includes('✓'); }",
        arg=selector)


def pick(page, code, within="body"):
    page.locator(f"{within} fieldset.seg.level input[value='{code}'] + label").first.tap()


def console_errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    return errors


def test_1_labels_stay_on_the_qualities_card_after_each_save(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, _, pupil = ids()
    phone.goto(card(live_server, klass, pupil, "CK1"))
    names = ["Yêu nước", "Nhân ái", "Chăm chỉ"]
    for i, name in enumerate(names):
        cell = phone.locator(f"form.cell:has(legend:text-is('{name}'))")
        cell.locator("input[value='T'] + label").tap()
        wait_saved(phone, f"#{cell.get_attribute('id')}")
    legends = phone.locator(".pupil-card legend").all_inner_texts()
    assert legends[:5] == ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]
    assert len(legends) == 15 and all(t.strip() for t in legends)


def test_2_one_tap_on_send_request_files_one_request(live_server, phone):
    klass, tv, pupil = ids()
    with live_server.app.app_context(), db.connection_context():
        entry.lock(User.get(User.username == "hieutruong"), SchoolClass.get_by_id(klass).year, "CK1",
                        klass=SchoolClass.get_by_id(klass))
    login(phone, live_server, "gvcn.1a")
    phone.goto(card(live_server, klass, pupil, "CK1", tv))
    pick(phone, "C")
    phone.wait_for_selector("form.cell[data-state=locked] textarea[name=reason]")
    phone.fill("form.cell[data-state=locked] textarea[name=reason]", "Em làm bài kiểm tra lại")
    phone.get_by_role("button", name="Gửi đề nghị").tap()
    phone.wait_for_selector("form.cell[data-state=requested]")
    phone.wait_for_timeout(1500)  # a second request would have arrived by now
    with db.connection_context():
        requests = list(ChangeRequest.select().where(ChangeRequest.pupil == pupil))
        assert [(r.field, r.new_value) for r in requests] == [("level", "C")]
        board = User.get(User.username == "hieutruong")
    with live_server.app.app_context(), db.connection_context():
        for r in requests:
            entry.decide(board, r, approve=True)
        lines = list(EvaluationChange.select().where((EvaluationChange.pupil == pupil)
                                                     & EvaluationChange.request.is_null(False)))
        assert [(c.old_value, c.new_value) for c in lines] == [("", "C")]


def _saves(pupil, subject, field="score", cp="CK1"):
    with db.connection_context():
        return EvaluationChange.select().where((EvaluationChange.pupil == pupil) & (EvaluationChange.subject == subject)
                                               & (EvaluationChange.field == field)
                                               & (EvaluationChange.checkpoint == cp)).count()


def test_3_enter_on_the_last_row_of_the_desktop_grid_saves_once_without_reloading(live_server, desktop):
    login(desktop, live_server, "gvcn.1a")
    klass, tv, _ = ids()
    desktop.goto(f"{live_server}/danh-gia/lop/{klass}/mon/{tv}/CK1")
    desktop.evaluate("window.__stillHere = true")
    last = desktop.locator("table.grid tbody tr").last
    pupil = int(last.get_attribute("data-pupil"))
    score = last.locator("input.score")
    score.click()
    desktop.keyboard.type("7")
    desktop.keyboard.press("Enter")
    wait_saved(desktop, f"tr[data-pupil='{pupil}'] form.cell:has(input.score)")
    desktop.wait_for_timeout(800)
    assert desktop.evaluate("window.__stillHere === true"), "the page was reloaded"
    assert desktop.evaluate("window.scrollY") > 300, "the page jumped to the top"
    assert _saves(pupil, tv) == 1


def test_3_enter_in_the_phone_score_field_moves_on_and_saves_once(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupil = ids()
    phone.goto(card(live_server, klass, pupil, "CK1", tv))
    phone.evaluate("window.__stillHere = true")
    phone.locator("input.score").tap()
    phone.keyboard.type("6")
    phone.keyboard.press("Enter")
    wait_saved(phone, "form.cell:has(input.score)")
    phone.wait_for_timeout(800)
    assert phone.evaluate("window.__stillHere === true"), "the page was reloaded"
    assert phone.evaluate("document.activeElement.matches('textarea.comment')")  # Go moves to the comment
    assert _saves(pupil, tv) == 1


def test_4_save_as_my_comment_keeps_it_with_the_name_as_placeholder(live_server, phone):
    errors = console_errors(phone)
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupil = ids()
    phone.goto(card(live_server, klass, pupil, "CK1", tv))
    given = phone.get_attribute("h1", "data-given")
    pick(phone, "H")
    comment = phone.locator("textarea.comment")
    comment.tap()
    comment.fill(f"{given} đọc to, rõ ràng; cần luyện viết chữ hoa.")
    phone.get_by_role("button", name="Lưu làm mẫu").tap()
    phone.wait_for_selector(".bank-msg:text('Đã lưu vào ngân hàng nhận xét của bạn.')")
    assert errors == []
    with db.connection_context():
        mine = CommentTemplate.get(CommentTemplate.owner == User.get(User.username == "gvcn.1a").id)
        assert (mine.text, mine.level, mine.subject_id) == ("{ten} đọc to, rõ ràng; cần luyện viết chữ hoa.", "H", tv)
    assert phone.locator(".bank-inline .chip").first.inner_text().startswith(given)  # offered at once


def test_6_favicon_is_served_to_everyone_and_never_asks_to_log_in(live_server, phone):
    statuses = []
    phone.on("response", lambda r: statuses.append((r.url, r.status)))
    phone.goto(f"{live_server}/login")
    icon = phone.get_attribute("link[rel=icon]", "href")
    assert phone.request.get(live_server + icon).status == 200
    ico = phone.request.get(f"{live_server}/favicon.ico", max_redirects=0)
    assert ico.status == 200 and ico.headers["content-type"].startswith("image/")
    phone.goto(f"{live_server}/xac-thuc/")
    assert "Vui lòng đăng nhập" not in phone.inner_text("body")
    login(phone, live_server, "gvcn.1a")
    assert phone.request.get(f"{live_server}/favicon.ico").status == 200
    assert not [u for u, s in statuses if s >= 400 or (300 <= s < 400 and "login" not in u)]


WORDS_SPLIT = """() => {
  const broken = [];
  for (const td of document.querySelectorAll('table.roster td.name')) {
    const text = td.firstChild;
    let at = 0;
    for (const word of text.textContent.trim().split(/\\s+/)) {
      const start = text.textContent.indexOf(word, at); at = start + word.length;
      const r = document.createRange(); r.setStart(text, start); r.setEnd(text, start + word.length);
      const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
      if (tops.size > 1) broken.push(word);
    }
  }
  return broken;
}"""


def test_7_names_on_the_class_page_are_never_broken_inside_a_word(live_server, phone):
    login(phone, live_server, "hieutruong")
    klass, _, _ = ids()
    phone.goto(f"{live_server}/lop/{klass}")
    assert phone.locator("table.roster td.name").count() >= 30
    assert phone.evaluate(WORDS_SPLIT) == []
    right = phone.evaluate("Math.max(...[...document.querySelectorAll('table.roster td, table.roster a')].map(e => e.getBoundingClientRect().right))")
    assert right <= 390


ENGLISH = re.compile(r"\b(level|score|comment|login\.ok|login\.failed|failed|passed|Passphrase|TOAN|HDTN|TNXH)\b")


def test_8_no_english_or_unaccented_words_where_people_read(live_server, desktop):
    klass, tv, pupil = ids("5A")
    with live_server.app.app_context(), db.connection_context():
        board = User.get(User.username == "hieutruong")
        k = SchoolClass.get_by_id(klass)
        entry.lock(board, k.year, "CN", klass=k)
        row = SubjectResult.get(pupil=pupil, subject=tv, checkpoint="CN", school_class=klass)
        teacher = User.get(User.username == "gvcn.5a")
        saved = entry.save(teacher, k, pupil, "CN", "level", "C" if row.level != "C" else "H", subject=Subject.get_by_id(tv),
                                reason="Chấm lại")
        entry.save(teacher, k, pupil, "CN", "comment", "Em cần cố gắng hơn.", subject=Subject.get_by_id(tv),
                        reason="Bổ sung nhận xét")
        entry.decide(board, saved.request, approve=True)
    login(desktop, live_server, "hieutruong")
    pages = ["/duyet/", "/duyet/lich-su", "/duyet/nhat-ky", f"/danh-gia/lop/{klass}/tat-ca/CN", f"/tong-hop/lop/{klass}/CN",
             "/ky/", "/ky/chung-thu"]
    for path in pages:
        desktop.goto(live_server + path)
        text = desktop.inner_text("main")
        assert not ENGLISH.findall(text), (path, ENGLISH.findall(text)[:5])
    desktop.goto(f"{live_server}/danh-gia/lop/{klass}/tat-ca/CN")
    assert "Toán" in desktop.inner_text("table.grid thead") and "HĐTN" in desktop.inner_text("table.grid thead")
    desktop.goto(f"{live_server}/duyet/nhat-ky")
    assert "Đăng nhập" in desktop.inner_text("#audit-table")


def test_9_tapping_a_score_selects_it_so_typing_replaces_it(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupil = ids()
    phone.goto(card(live_server, klass, pupil, "CN", tv))
    score = phone.locator("input.score")
    old = score.input_value()
    assert old  # the demo has end-of-year scores
    new = "7" if old != "7" else "6"
    score.tap()
    phone.keyboard.type(new)
    assert score.input_value() == new
    phone.locator("textarea.comment").tap()
    wait_saved(phone, "form.cell:has(input.score)")
    with db.connection_context():
        assert SubjectResult.get(pupil=pupil, subject=tv, checkpoint="CN", school_class=klass).score == int(new)
