"""Secondary (TT22) services: cells, make-up, locks, change requests, frozen records, the class summary
against hand-computed numbers."""
from decimal import Decimal

import pytest

from portal.db import db
from portal.models import ChangeRequest, EvaluationChange, ScoreEntry, TermConduct
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import entry
from portal.services.evaluation.secondary import entry as secondary
from portal.services.evaluation.secondary.summary import class_summary
from portal.services.records import freeze
from tests.factories import assign
from tests.secondary_helpers import fill_pupil, subject, thcs_class


@pytest.fixture
def ctx(app):
    with app.app_context(), db.connection_context(), app.test_request_context():
        yield app


def test_score_with_comma_is_stored_half_up_and_history_kept(ctx):
    klass, u, kids = thcs_class(1)
    toan = subject("TOAN")
    saved = secondary.save_score(u["toan"], klass, kids[0].id, toan, "HK1", "tx1", "8,25")
    assert saved.status == "saved" and saved.value == "8.3"
    change = EvaluationChange.get(EvaluationChange.checkpoint == "HK1")
    assert (change.field, change.old_value, change.new_value) == ("tx1", "", "8.3")


def test_a_score_above_ten_is_refused_in_vietnamese(ctx):
    klass, u, kids = thcs_class(1)
    with pytest.raises(ServiceError) as err:
        secondary.save_score(u["toan"], klass, kids[0].id, subject("TOAN"), "HK1", "gk", "11")
    assert "nằm ngoài thang điểm 10" in err.value.message


def test_toan_140_periods_has_four_regular_columns_and_gdcd_35_two(ctx):
    klass, u, kids = thcs_class(1)
    toan, gdcd = subject("TOAN"), subject("GDCD")
    assert secondary.slots_for(toan, secondary.grade_subject(klass, toan)) == ["tx1", "tx2", "tx3", "tx4", "gk", "ck"]
    assert secondary.slots_for(gdcd, secondary.grade_subject(klass, gdcd)) == ["tx1", "tx2", "gk", "ck"]
    with pytest.raises(ServiceError):  # tx3 does not exist for a 35-period subject
        secondary.save_score(u["toan"], klass, kids[0].id, toan, "HK1", "tx5", "7")


def test_only_the_assigned_subject_teacher_enters_scores(ctx):
    klass, u, kids = thcs_class(1)
    for who in ("gvcn", "other", "board"):
        with pytest.raises(permissions.Forbidden):
            secondary.save_score(u[who], klass, kids[0].id, subject("TOAN"), "HK1", "tx1", "8")
    with pytest.raises(permissions.Forbidden):  # the maths teacher does not teach Ngữ văn
        secondary.save_score(u["toan"], klass, kids[0].id, subject("NV"), "HK1", "tx1", "8")
    with pytest.raises(permissions.Forbidden):  # rèn luyện is the homeroom teacher's
        secondary.save_conduct(u["toan"], klass, kids[0].id, "HK1", "conduct", "T")


def test_locked_term_files_a_change_request_the_principal_approves(ctx):
    klass, u, kids = thcs_class(1)
    toan = subject("TOAN")
    secondary.save_score(u["toan"], klass, kids[0].id, toan, "HK1", "ck", "6")
    entry.lock(u["board"], klass.year, "HK1")
    with pytest.raises(entry.Locked):
        secondary.save_score(u["toan"], klass, kids[0].id, toan, "HK1", "ck", "7")
    saved = secondary.save_score(u["toan"], klass, kids[0].id, toan, "HK1", "ck", "7", reason="Chấm phúc khảo")
    assert saved.status == "requested"
    assert ScoreEntry.get(slot="ck").value == "6.0"
    entry.decide(u["board"], ChangeRequest.get_by_id(saved.request.id), True)
    assert ScoreEntry.get(slot="ck").value == "7.0"
    last = EvaluationChange.select().order_by(EvaluationChange.id.desc()).first()
    assert (last.old_value, last.new_value, last.reason) == ("6.0", "7.0", "Chấm phúc khảo")


def test_locked_conduct_change_request_applies_the_absences(ctx):
    klass, u, kids = thcs_class(1)
    secondary.save_conduct(u["gvcn"], klass, kids[0].id, "HK2", "absences", "3")
    entry.lock(u["board"], klass.year, "HK2", klass=klass)
    saved = secondary.save_conduct(u["gvcn"], klass, kids[0].id, "HK2", "absences", "5", reason="Sổ điểm danh")
    entry.decide(u["board"], saved.request, True)
    assert TermConduct.get(term="HK2").absences == 5


def test_a_frozen_record_refuses_a_score(ctx, monkeypatch):
    klass, u, kids = thcs_class(1)

    def frozen(pupil, k):
        raise freeze.Frozen("Học bạ của X đang trong quy trình ký; dữ liệu đã khóa.")
    monkeypatch.setattr(freeze, "ensure_open", frozen)
    with pytest.raises(freeze.Frozen):
        secondary.save_score(u["toan"], klass, kids[0].id, subject("TOAN"), "HK1", "tx1", "8")
    assert not ScoreEntry.select().exists()


def test_makeup_missing_needs_a_reason_and_records_zero(ctx):
    klass, u, kids = thcs_class(1)
    toan = subject("TOAN")
    with pytest.raises(ServiceError) as err:
        secondary.save_makeup(u["toan"], klass, kids[0].id, toan, "HK1", "gk", "khong")
    assert err.value.message == "Ghi lý do học sinh không kiểm tra bù."
    row = secondary.save_makeup(u["toan"], klass, kids[0].id, toan, "HK1", "gk", "khong", reason="Bỏ kiểm tra bù")
    assert (row.value, row.makeup, row.makeup_reason) == ("0.0", "khong", "Bỏ kiểm tra bù")


def test_term_and_year_average_of_toan_by_hand(ctx):
    """HK I: (8+7+9+6 + 2·7 + 3·8)/9 = 68/9 = 7,56 → 7,6; HK II: (4·9 + 2·8 + 3·10)/9 = 82/9 → 9,1;
    year (7,6 + 2·9,1)/3 = 25,8/3 = 8,6."""
    klass, u, kids = thcs_class(1)
    toan, p = subject("TOAN"), kids[0]
    for term, values in (("HK1", dict(tx1="8", tx2="7", tx3="9", tx4="6", gk="7", ck="8")),
                         ("HK2", dict(tx1="9", tx2="9", tx3="9", tx4="9", gk="8", ck="10"))):
        for slot, v in values.items():
            secondary.save_score(u["toan"], klass, p.id, toan, term, slot, v)
    _, rows = class_summary(klass)
    cell = rows[0].subjects["TOAN"]
    assert (cell.term1, cell.term2, cell.year) == (Decimal("7.6"), Decimal("9.1"), Decimal("8.6"))
    assert rows[0].learning_year is None  # the other subjects are missing: no level yet
    assert ("HK1", "tx1") in rows[0].subjects["NV"].missing


def test_class_summary_outcomes_by_hand(ctx):
    """THCS 6A: 8 scored + 4 comment subjects.
    A: all 9,5, conduct T/T → Tốt, XS, lên lớp.  B: one subject 3,0, the rest 7,0 → CĐ raised by k.3 to Đ, lên lớp.
    C: two subjects 3,0 → CĐ, kiểm tra lại those two.  D: conduct CĐ/CĐ → rèn luyện hè.
    E: 30 + 20 absences = 50 > 45 → ở lại."""
    klass, u, kids = thcs_class(5)
    a, b, c, d, e = kids
    fill_pupil(klass, a, "9.5")
    fill_pupil(klass, b, "7.0", {"TOAN": "3.0"})
    fill_pupil(klass, c, "7.0", {"TOAN": "3.0", "NV": "3.0"})
    fill_pupil(klass, d, "7.0", conduct=("CD", "CD"))
    fill_pupil(klass, e, "7.0", absences=(30, 20))
    subjects, rows = class_summary(klass)
    assert len(subjects) == 12
    got = {r.pupil.id: (r.learning_year, r.conduct_year, r.award, r.decision, r.retests) for r in rows}
    assert got[a.id] == ("T", "T", "XS", "len_lop", set())
    assert got[b.id] == ("D", "T", None, "len_lop", set())
    assert got[c.id] == ("CD", "T", None, "kiem_tra_lai", {"TOAN", "NV"})
    assert got[d.id] == ("K", "CD", None, "ren_luyen_he", set())
    assert got[e.id][3] == "o_lai"


def test_summer_retests_then_final_decision(ctx):
    klass, u, kids = thcs_class(1)
    c = kids[0]
    fill_pupil(klass, c, "7.0", {"TOAN": "3.0"} | {"NV": "3.0"})
    assign(u["toan"].staff, klass, "GDCD")
    with pytest.raises(ServiceError):  # Ngữ văn is on the list, GDCD is not
        secondary.save_score(u["toan"], klass, c.id, subject("GDCD"), "HE", "rt", "6")
    secondary.save_score(u["toan"], klass, c.id, subject("TOAN"), "HE", "rt", "6")
    _, rows = class_summary(klass)
    assert rows[0].final is None  # Ngữ văn not re-tested yet
    ScoreEntry.create(pupil=c, school_class=klass, subject=subject("NV"), term="HE", slot="rt", value="5.5")
    _, rows = class_summary(klass)
    assert rows[0].final == "len_lop"


def test_summer_conduct_only_for_ren_luyen_he(ctx):
    klass, u, kids = thcs_class(2)
    fill_pupil(klass, kids[0], "7.0")
    fill_pupil(klass, kids[1], "7.0", conduct=("CD", "CD"))
    with pytest.raises(ServiceError):
        secondary.save_conduct(u["gvcn"], klass, kids[0].id, "HE", "conduct", "D")
    secondary.save_conduct(u["gvcn"], klass, kids[1].id, "HE", "conduct", "Đ")
    _, rows = class_summary(klass)
    assert {r.pupil.id: r.final for r in rows}[kids[1].id] == "len_lop"
