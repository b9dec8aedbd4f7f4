"""Entry that is fast on a phone: one-tap levels, a numeric keypad, moving through the class by pupil and
by subject with the position kept, filling the common level with an undo, suggestions that never cover the
field, a to-do list that leads to the gaps, tap targets of 44 px and a label on every field."""
import pytest

from portal.db import db
from portal.models import EvaluationChange, LevelFill, SchoolClass, Subject, SubjectResult
from portal.services.school.years import class_roster
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def class_1a(subject_code="TV"):
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        subject = Subject.get(Subject.code == subject_code)
        return klass, subject, [p.id for p in class_roster(klass)]


def card_url(base, klass, pupil, cp, subject=None):
    return f"{base}/danh-gia/lop/{klass.id}/hs/{pupil}/{cp}" + (f"?mon={subject.id}" if subject else "")


def wait_idle(page):
    page.wait_for_function("() => !document.querySelector('form.cell[data-state=dirty], form.cell[data-state=saving]')")


def levels(klass, subject, cp):
    with db.connection_context():
        return {r.pupil_id: r.level for r in SubjectResult.select().where(
            (SubjectResult.school_class == klass) & (SubjectResult.subject == subject) & (SubjectResult.checkpoint == cp))}


def test_levels_are_one_tap_buttons_and_scores_use_the_numeric_keypad(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    phone.goto(card_url(live_server, klass, pupils[0], "CK1", tv))
    assert phone.locator(".pupil-card select").count() == 0
    boxes = [phone.locator(f"fieldset.seg.level input[value='{c}'] + label").bounding_box() for c in "THC"]
    assert all(b["height"] >= 44 and b["width"] >= 44 for b in boxes)
    assert phone.get_attribute("input.score", "inputmode") == "numeric"
    phone.locator("fieldset.seg.level input[value='T'] + label").tap()
    wait_idle(phone)
    assert levels(klass, tv, "CK1")[pupils[0]] == "T"


def test_fill_the_rest_with_h_then_undo_keeps_what_was_set_by_hand(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    phone.goto(card_url(live_server, klass, pupils[0], "CK1", tv))
    phone.locator("fieldset.seg.level input[value='T'] + label").tap()  # the first pupil differs
    wait_idle(phone)
    phone.locator("#fill-bar button[value='H']").tap()
    phone.wait_for_selector("text=Đã điền mức H cho")
    after = levels(klass, tv, "CK1")
    assert after[pupils[0]] == "T" and all(after[p] == "H" for p in pupils[1:])
    assert phone.url.startswith(card_url(live_server, klass, pupils[0], "CK1", tv))  # still on the same pupil

    phone.goto(card_url(live_server, klass, pupils[1], "CK1", tv))
    phone.locator("fieldset.seg.level input[value='C'] + label").tap()  # corrected after the fill
    wait_idle(phone)
    phone.get_by_role("button", name="Hoàn tác điền nhanh mức H").tap()
    phone.wait_for_selector("text=Đã hoàn tác")
    undone = levels(klass, tv, "CK1")
    assert undone[pupils[0]] == "T" and undone[pupils[1]] == "C"
    assert all(undone.get(p, "") == "" for p in pupils[2:])
    with db.connection_context():
        assert LevelFill.get().undone_at is not None
        assert EvaluationChange.select().where(EvaluationChange.reason == "Hoàn tác điền nhanh").count() == len(pupils) - 2


def test_next_pupil_keeps_the_subject_and_the_field_and_next_subject_keeps_the_pupil(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    phone.goto(card_url(live_server, klass, pupils[0], "CK1", tv))
    phone.locator("input.score").tap()
    phone.keyboard.type("9")
    phone.locator("a[rel=next]").tap()  # straight after typing: the save must not be lost
    phone.wait_for_url(card_url(live_server, klass, pupils[1], "CK1", tv))
    phone.wait_for_function("() => document.activeElement && document.activeElement.matches('input.score')")
    phone.keyboard.type("8")
    phone.locator("a[data-tab=next]").tap()
    phone.wait_for_function(f"() => location.pathname.includes('/hs/{pupils[1]}/') && !location.search.includes('mon={tv.id}')")
    assert "Tiếng Việt" not in phone.inner_text(".subject-nav .here")
    phone.locator("a[data-tab=prev]").tap()
    phone.wait_for_url(card_url(live_server, klass, pupils[1], "CK1", tv))
    with db.connection_context():
        scores = {r.pupil_id: r.score for r in SubjectResult.select().where(
            (SubjectResult.subject == tv) & (SubjectResult.checkpoint == "CK1") & (SubjectResult.school_class == klass))}
    assert scores[pupils[0]] == 9 and scores[pupils[1]] == 8


def test_a_class_subject_with_taps_counted(live_server, phone):
    """Five pupils the way a teacher works: fill the common level, fix one, score, a suggestion, next."""
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    taps = 0
    phone.goto(card_url(live_server, klass, pupils[0], "CK1", tv))
    phone.locator("#fill-bar button[value='H']").tap(); taps += 1
    phone.wait_for_selector("text=Đã điền mức H cho")
    chosen = {}
    for i, pupil in enumerate(pupils[:5]):
        if i == 2:  # this pupil differs from the common level
            phone.locator("fieldset.seg.level input[value='T'] + label").tap(); taps += 1
            wait_idle(phone)
        if i in (0, 2):
            phone.locator("input.score").tap(); taps += 1
        phone.wait_for_function("() => document.activeElement && document.activeElement.matches('input.score')")
        phone.keyboard.type(str(6 + i)); taps += 1
        chip = phone.locator(".bank-inline .chip").first
        chosen[pupil] = chip.inner_text()
        chip.tap(); taps += 1
        phone.locator("a[rel=next]").tap(); taps += 1
        phone.wait_for_url(card_url(live_server, klass, pupils[i + 1], "CK1", tv))
    assert taps == 1 + 5 * 3 + 2 + 1
    with db.connection_context():
        rows = {r.pupil_id: r for r in SubjectResult.select().where(
            (SubjectResult.subject == tv) & (SubjectResult.checkpoint == "CK1") & (SubjectResult.school_class == klass))}
    for i, pupil in enumerate(pupils[:5]):
        r = rows[pupil]
        assert (r.level, r.score, r.comment) == ("T" if i == 2 else "H", 6 + i, chosen[pupil])


def test_the_grid_suggestions_never_cover_the_comment_being_typed(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    phone.goto(f"{live_server}/danh-gia/lop/{klass.id}/mon/{tv.id}/CK1")
    for row in (0, len(pupils) - 1):
        comment = phone.locator("table.grid tbody tr").nth(row).locator("textarea.comment")
        comment.scroll_into_view_if_needed()
        comment.tap()
        phone.wait_for_selector("#bank-panel:not([hidden])")
        phone.wait_for_timeout(200)
        field = comment.bounding_box()
        panel = phone.locator("#bank-panel").bounding_box()
        assert field["y"] + field["height"] <= panel["y"] or field["y"] >= panel["y"] + panel["height"], (row, field, panel)
        assert field["y"] >= 0 and field["y"] + field["height"] <= 844


def test_card_suggestions_sit_above_the_comment_not_over_it(live_server, phone):
    login(phone, live_server, "gvcn.1a")
    klass, tv, pupils = class_1a()
    phone.goto(card_url(live_server, klass, pupils[0], "CK1", tv))
    phone.locator("fieldset.seg.level input[value='H'] + label").tap()
    phone.locator("textarea.comment").tap()
    field, panel = phone.locator("textarea.comment").bounding_box(), phone.locator(".bank-inline").bounding_box()
    assert panel["y"] + panel["height"] <= field["y"]


def test_the_to_do_list_leads_straight_to_the_first_missing_cell(live_server, phone):
    klass, tv, pupils = class_1a()
    with db.connection_context():
        for pid in pupils[:3]:  # the first three pupils are done
            SubjectResult.create(pupil=pid, school_class=klass, subject=tv, checkpoint="CK1", level="H", score=7)
    login(phone, live_server, "gvcn.1a")
    phone.locator("#todo a.todo-main", has_text="Tiếng Việt").tap()
    phone.wait_for_url(card_url(live_server, klass, pupils[3], "CK1", tv))
    assert phone.get_attribute("h1", "data-pupil") == str(pupils[3])


INTERACTIVE = """() => [...document.querySelectorAll(
  '.topbar a, .topbar button, .tabs a, .toolbar a, .toolbar button, .pupil-nav a, .subject-nav a, #fill-bar button,'
  + ' fieldset.seg label, .bank-inline button, td.actions a, td.actions button, #todo a, .class-grid a, main button')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const b = e.getBoundingClientRect(); return [e.textContent.trim().slice(0, 30), Math.round(b.width), Math.round(b.height)]; })
  .filter(([t, w, h]) => w < 44 || h < 44)"""

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !(e.getAttribute('aria-labelledby') || '').split(' ').every(id => id && document.getElementById(id)))
  .map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("who, paths", [
    ("gvcn.1a", ["/", "/lop/{k}", "/danh-gia/lop/{k}?cp=CK1", "/danh-gia/lop/{k}/hs/{p}/CK1?mon={s}",
                 "/danh-gia/lop/{k}/hs/{p}/CK1", "/danh-gia/lop/{k}/mon/{s}/CK1", "/danh-gia/lop/{k}/pcnl/CK1",
                 "/danh-gia/lop/{k}/tat-ca/CK1"]),
    ("hieutruong", ["/", "/lop/", "/lop/{k}", "/duyet/", "/duyet/tien-do", "/duyet/lich-su", "/ky/", "/hoc-ba/{p}/{y}"]),
    ("admin", ["/quan-tri/", "/quan-tri/hoc-sinh", "/quan-tri/can-bo", "/quan-tri/lop", "/quan-tri/mon-hoc"]),
], ids=["homeroom", "principal", "admin"])
def test_tap_targets_are_44_px_and_every_field_has_a_label(live_server, phone, who, paths):
    klass, tv, pupils = class_1a()
    login(phone, live_server, who)
    for path in paths:
        phone.goto(live_server + path.format(k=klass.id, p=pupils[0], s=tv.id, y=klass.year_id))
        assert phone.evaluate(INTERACTIVE) == [], path
        assert phone.evaluate(UNLABELLED) == [], path
