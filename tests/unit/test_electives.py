"""THPT electives per pupil: a pupil learns a subset of the electives taught in their class (default: all
of them). A subject they do not learn is not in its grid, not missing in the summary, not in the learning
level (TT22 Điều 9 k.2) nor in the record, and its teacher does not sign their record."""
import pytest

from portal.db import db
from portal.models import ElectiveOptOut, GradeSubject, RecordVersion, ScoreEntry
from portal.services import ServiceError
from portal.services.accounts.permissions import Forbidden
from portal.services.evaluation.secondary import electives
from portal.services.evaluation.secondary.entry import save_score
from portal.services.evaluation.secondary.grid import score_grid
from portal.services.evaluation.secondary.summary import class_summary
from portal.services.records import batches
from portal.services.records import record as records
from portal.services.records.freeze import Frozen
from portal.services.records.record import new_code
from tests.secondary_helpers import THPT_ELECTIVES, fill_pupil, subject, thpt_class


@pytest.fixture
def thpt(app):
    with app.app_context(), db.connection_context():
        klass, users, kids = thpt_class(3)
        yield klass, users, kids


def _all_but(klass, kids, **skip):
    """The (pupil id, subject id) pairs learnt when kid i skips the subject codes in skip[f"k{i}"]."""
    pairs = set()
    for i, kid in enumerate(kids):
        for s, _gs in electives.class_electives(klass):
            if s.code not in skip.get(f"k{i}", ()):
                pairs.add((kid.id, s.id))
    return pairs


def test_by_default_every_pupil_learns_every_elective_of_the_class(thpt):
    klass, users, kids = thpt
    codes = {s.code for s, _ in electives.class_electives(klass)}
    assert codes == set(THPT_ELECTIVES)
    for kid in kids:
        assert {s.code for s, _ in electives.subjects_of(klass, kid)} >= codes
    table = electives.electives_table(klass)
    assert all(all(learnt.values()) for _pupil, learnt in table["rows"])
    # five electives against the programme's four: said, not refused
    assert table["required"] == 4 and len(table["warnings"]) == 3 and "học 5 môn lựa chọn" in table["warnings"][0]


def test_a_pupil_without_an_elective_is_not_in_its_grid_nor_counted_missing(thpt):
    klass, users, kids = thpt
    changed = electives.save_electives(users["admin"], klass, _all_but(klass, kids, k0=("DL",), k1=("TIN",)))
    assert [p.id for p in changed] == [kids[0].id, kids[1].id]
    dl, tin = subject("DL", "THPT"), subject("TIN", "THPT")
    assert [p.id for p, _cells, _missing in score_grid(users["DL"], klass, dl, "HK1")["rows"]] == [kids[1].id, kids[2].id]
    assert [p.id for p, _cells, _missing in score_grid(users["TIN"], klass, tin, "HK1")["rows"]] == [kids[0].id, kids[2].id]
    with pytest.raises(ServiceError, match="không học môn Địa lí"):
        save_score(users["DL"], klass, kids[0].id, dl, "HK1", "tx1", "8")
    assert save_score(users["DL"], klass, kids[1].id, dl, "HK1", "tx1", "8").status == "saved"
    assert electives.electives_table(klass)["warnings"] == [f"{kids[2].full_name} học 5 môn lựa chọn (chương trình: 4 môn)."]


def test_the_summary_and_the_learning_level_take_the_pupils_own_subjects(thpt):
    klass, users, kids = thpt
    electives.save_electives(users["admin"], klass, _all_but(klass, kids, k0=("DL",)))
    fill_pupil(klass, kids[0], "8.0")  # every subject kid 0 learns, none in Địa lí
    _subjects, rows = class_summary(klass)
    row = rows[[r.pupil.id for r in rows].index(kids[0].id)]
    assert "DL" not in row.subjects and "TIN" in row.subjects
    assert not any(c.missing for c in row.subjects.values())
    assert row.learning_year == "T" and row.final == "len_lop"


def test_the_record_has_the_pupils_subjects_and_their_teachers_only(thpt):
    klass, users, kids = thpt
    electives.save_electives(users["admin"], klass, _all_but(klass, kids, k0=("DL",)))
    data = records.record_data(records.ensure_record(kids[0], klass), "http://hocba.test")
    codes = [s["code"] for s in data["year"]["subjects"]]
    assert "DL" not in codes and "TIN" in codes
    teachers = {c for t in data["signers"]["subject"] for c in t["subject_codes"]}
    assert teachers == {"TOAN", "VL", "HH", "SH", "TIN"}
    other = records.record_data(records.ensure_record(kids[1], klass), "http://hocba.test")
    assert "DL" in [s["code"] for s in other["year"]["subjects"]]
    # the Địa lí teacher has kid 1's and kid 2's records to sign, not kid 0's
    waiting = {item.pupil for w in (1, 2) for item in batches.pending(users["DL"], klass, w)}
    assert waiting == {kids[1].id, kids[2].id}
    assert kids[0].id in {item.pupil for w in (1, 2) for item in batches.pending(users["TIN"], klass, w)}


def test_only_the_administrator_sets_electives_and_not_once_the_record_is_signed(thpt):
    klass, users, kids = thpt
    with pytest.raises(Forbidden):
        electives.save_electives(users["gvcn"], klass, _all_but(klass, kids, k0=("DL",)))
    RecordVersion.create(pupil=kids[0], school_class=klass, code=new_code(), status="signing", step=1)
    with pytest.raises(Frozen):
        electives.save_electives(users["admin"], klass, _all_but(klass, kids, k0=("DL",)))
    assert not ElectiveOptOut.select().exists()
    # back to the default: the opt-out goes, the scores entered meanwhile stay
    electives.save_electives(users["admin"], klass, _all_but(klass, kids, k1=("DL",)))
    assert ElectiveOptOut.select().count() == 1
    ScoreEntry.create(pupil=kids[1], school_class=klass, subject=subject("DL", "THPT"), term="HK1", slot="tx1", value="7.0")
    electives.save_electives(users["admin"], klass, _all_but(klass, kids))
    assert not ElectiveOptOut.select().exists() and ScoreEntry.select().count() == 1


def test_a_subject_made_compulsory_is_learnt_by_everyone_again(thpt):
    klass, users, kids = thpt
    electives.save_electives(users["admin"], klass, _all_but(klass, kids, k0=("DL",)))
    dl = subject("DL", "THPT")
    assert "DL" not in {s.code for s, _ in electives.subjects_of(klass, kids[0])}
    GradeSubject.update(is_optional=False).where((GradeSubject.subject == dl) & (GradeSubject.grade == klass.grade_id)).execute()
    assert "DL" in {s.code for s, _ in electives.subjects_of(klass, kids[0])}
    assert kids[0].id in [p.id for p in electives.subject_roster(klass, dl)]
    assert electives.opt_outs(klass) == {} and electives.learns(klass, kids[0], dl)
