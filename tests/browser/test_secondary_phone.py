"""A THCS subject teacher enters scores on a phone, one pupil at a time (TT22): the score saves itself on
leaving the field and is there after a reload; a score off the scale is refused in Vietnamese and what
was typed stays in the field, so the teacher can correct it. The homeroom teacher writes the year lines."""
import re

import pytest

from portal.db import db, upgrade
from portal.models import SchoolClass, ScoreEntry, Subject
from portal.services.evaluation.secondary.electives import subject_roster
from tests.browser.conftest import login, serve_copy
from tests.conftest import checkpoint, make_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def thcs_template(tmp_path_factory):
    """The THCS demo school (`flask --app portal demo --level THCS`) seeded once, without its PKI: nothing
    here signs."""
    import portal.services.demo.secondary as demo_secondary

    path = tmp_path_factory.mktemp("thcs") / "demo.sqlite3"
    app = make_app(path)
    upgrade()
    with pytest.MonkeyPatch.context() as mp, app.app_context(), db.connection_context():
        mp.setattr(demo_secondary, "seed_pki", lambda **kw: None)
        demo_secondary.seed_secondary_demo("THCS")
    db.close()
    checkpoint(path)
    return path


@pytest.fixture
def thcs_server(tmp_path, thcs_template):
    yield from serve_copy(thcs_template, tmp_path)
    if not db.is_closed():
        db.close()


def maths_6a():
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "6A")
        toan = Subject.get((Subject.code == "TOAN") & (Subject.level == "THCS"))
        return klass, toan, [p.id for p in subject_roster(klass, toan)]


def stored(klass, subject, pupil_id, slot, term="HK1"):
    with db.connection_context():
        row = ScoreEntry.get_or_none((ScoreEntry.school_class == klass) & (ScoreEntry.subject == subject)
                                     & (ScoreEntry.pupil == pupil_id) & (ScoreEntry.term == term)
                                     & (ScoreEntry.slot == slot))
        return row.value if row else None


def wait_state(page, selector, state):
    page.wait_for_function("([sel, state]) => { const f = document.querySelector(sel); return f && f.dataset.state === state; }",
                           arg=[selector, state])


def test_subject_teacher_enters_a_score_on_the_phone_card(thcs_server, phone):
    login(phone, thcs_server, "gv.toan")
    klass, toan, pupils = maths_6a()
    # From the class grid to the first pupil's card, the way a teacher gets there.
    phone.goto(f"{thcs_server}/trung-hoc/lop/{klass.id}/mon/{toan.id}/HK1")
    phone.locator("a.button", has_text="Nhập từng học sinh").tap()
    phone.wait_for_url(re.compile(rf".*/trung-hoc/lop/{klass.id}/mon/{toan.id}/HK1/hs/{pupils[0]}$"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    cell = f"#k-{pupils[0]}-s{toan.id}-tx1"
    field = phone.locator(f"{cell} input.score")
    assert field.get_attribute("inputmode") == "decimal"
    before = stored(klass, toan, pupils[0], "tx1")

    new = "9,5" if before != "9.5" else "8,5"
    field.tap()
    field.fill(new)
    field.blur()  # leaving the field saves it: no button
    wait_state(phone, cell, "saved")
    assert "✓" in phone.inner_text(f"{cell} .state")
    assert stored(klass, toan, pupils[0], "tx1") == new.replace(",", ".")
    phone.reload()
    assert phone.locator(f"{cell} input.score").input_value() == new

    # Off the 10-point scale: refused in Vietnamese, the typed text kept, nothing stored.
    field = phone.locator(f"{cell} input.score")
    field.tap()
    field.fill("12")
    field.blur()
    wait_state(phone, cell, "error")
    assert "nằm ngoài thang điểm 10" in phone.inner_text(f"{cell} .state")
    assert phone.locator(f"{cell} input.score").input_value() == "12"
    assert stored(klass, toan, pupils[0], "tx1") == new.replace(",", ".")
    # Corrected in place, it saves.
    field = phone.locator(f"{cell} input.score")
    field.fill("7")
    field.blur()
    wait_state(phone, cell, "saved")
    assert stored(klass, toan, pupils[0], "tx1") == "7.0"
    phone.reload()
    assert phone.locator(f"{cell} input.score").input_value() == "7,0"


def test_next_pupil_on_the_card_keeps_the_subject_and_term(thcs_server, phone):
    login(phone, thcs_server, "gv.toan")
    klass, toan, pupils = maths_6a()
    phone.goto(f"{thcs_server}/trung-hoc/lop/{klass.id}/mon/{toan.id}/HK1/hs/{pupils[0]}")
    phone.locator(".pupil-card nav a.button", has_text="Sau").tap()
    phone.wait_for_url(f"{thcs_server}/trung-hoc/lop/{klass.id}/mon/{toan.id}/HK1/hs/{pupils[1]}")
    cell = f"#k-{pupils[1]}-s{toan.id}-gk"
    field = phone.locator(f"{cell} input.score")
    field.tap()
    field.fill("6.5")
    field.blur()
    wait_state(phone, cell, "saved")
    assert stored(klass, toan, pupils[1], "gk") == "6.5"


def test_homeroom_teacher_writes_the_year_comment_under_the_summary(thcs_server, phone):
    """The year lines' form (one per pupil under the class summary) saves in place and survives a reload."""
    from portal.models import YearRemark

    login(phone, thcs_server, "gvcn.6a")
    klass, _toan, pupils = maths_6a()
    phone.goto(f"{thcs_server}/trung-hoc/lop/{klass.id}/tong-hop#remarks")
    form = phone.locator(f"#remark-{pupils[0]}")
    form.locator("textarea[name$='homeroom_comment']").fill("Chăm ngoan, tích cực phát biểu.")
    form.locator("textarea[name$='certificates']").fill("Chứng chỉ tin học IC3")
    form.get_by_role("button", name="Lưu").tap()
    phone.wait_for_function(f"() => document.querySelector('#remark-{pupils[0]} .state').textContent.includes('Đã lưu.')")
    assert phone.locator("form.remark").count() == len(pupils)  # swapped in place, not nested
    with db.connection_context():
        row = YearRemark.get(YearRemark.pupil == pupils[0])
    assert (row.homeroom_comment, row.certificates) == ("Chăm ngoan, tích cực phát biểu.", "Chứng chỉ tin học IC3")
    phone.reload()
    assert phone.locator(f"#remark-{pupils[0]} textarea[name$='homeroom_comment']").input_value() == \
        "Chăm ngoan, tích cực phát biểu."
