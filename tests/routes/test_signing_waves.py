"""The signing page (/ky/) names each wave and each step the way the class's level has them: a secondary
class's second wave waits for the summer re-tests and rèn luyện (TT22 Điều 13–14), not for the primary
supplementary evaluation (TT27 Điều 11); a teacher sees which step of the chain waits for them."""
import re

import pytest

from portal.db import db
from portal.models import Grade, RecordVersion, SchoolClass
from portal.services.records.batches import wave_labels
from portal.services.records.record import new_code
from tests import factories
from tests.secondary_helpers import fill_pupil, thcs_class

SECONDARY_WAVE_2 = "Đợt 2 — sau kiểm tra, đánh giá lại hoặc rèn luyện trong kì nghỉ hè"


def _cell(page: str, wave: int) -> str:
    m = re.search(rf'<td data-wave="{wave}">(.*?)</td>', page, re.S)
    assert m, page
    return re.sub(r"<[^>]+>", " ", m.group(1))


@pytest.fixture
def thcs(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thcs_class(3)
        fill_pupil(klass, kids[0], "8.0")
        fill_pupil(klass, kids[1], "8.0")
        fill_pupil(klass, kids[2], "8.0", conduct=("CD", "CD"))  # rèn luyện hè: the second wave
        # The first pupil's record has passed the subject teacher's step: it waits for the homeroom.
        RecordVersion.create(pupil=kids[0], school_class=klass, code=new_code(), status="signing", step=1)
    return browser


def test_secondary_waves_and_the_subject_teachers_step(thcs):
    thcs.login("toan.6a")
    page = thcs.get("/ky/").get_data(as_text=True)
    assert SECONDARY_WAVE_2 in page and "đánh giá bổ sung" not in page
    assert f'<option value="2">{SECONDARY_WAVE_2}</option>' in page
    assert " ".join(_cell(page, 1).split()) == "1 Giáo viên bộ môn: 1"
    assert " ".join(_cell(page, 2).split()) == "1 Giáo viên bộ môn: 1"


def test_the_homeroom_teacher_sees_their_own_step(thcs):
    thcs.login("gvcn.6a")
    page = thcs.get("/ky/").get_data(as_text=True)
    assert SECONDARY_WAVE_2 in page
    assert " ".join(_cell(page, 1).split()) == "1 Giáo viên chủ nhiệm: 1"
    assert " ".join(_cell(page, 2).split()) == "0"


def test_primary_keeps_the_supplementary_evaluation_wave(demo_browser):
    demo_browser.login("gvcn.1a")
    page = demo_browser.get("/ky/").get_data(as_text=True)
    assert "Đợt 2 — sau đánh giá bổ sung" in page and "rèn luyện trong kì nghỉ hè" not in page
    assert "Giáo viên chủ nhiệm: " in _cell(page, 1)


def test_a_school_with_both_levels_names_both_second_waves(app):
    with app.app_context(), db.connection_context():
        primary = factories.make_class("1A", grade=1)
        grade6, _ = Grade.get_or_create(number=6, defaults={"level": "THCS"})  # a primary school has no grade 6
        secondary = SchoolClass.create(year=primary.year, grade=grade6, name="6A")
        assert wave_labels([primary])[2] == "Đợt 2 — sau đánh giá bổ sung"
        assert wave_labels([secondary])[2] == SECONDARY_WAVE_2
        both = wave_labels([primary, secondary])[2]
        assert "đánh giá bổ sung (tiểu học)" in both and "rèn luyện trong kì nghỉ hè (trung học)" in both
