"""Điền nhanh (fill the empty levels of a class) and its undo: only empty cells, refusals, what undo keeps."""
import json

import pytest

from portal.db import db
from portal.models import EvaluationChange, LevelFill, QualityResult, SchoolClass, Subject, SubjectResult, User
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import entry, fill
from portal.services.records import chain
from portal.services.school.years import class_roster
from tests.signing_helpers import PASS, first_records


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        yield klass, Subject.get(Subject.code == "TV"), User.get(User.username == "gvcn.1a"), class_roster(klass)


def levels(klass, subject, cp="CK1"):
    return {r.pupil_id: r.level for r in SubjectResult.select().where(
        (SubjectResult.school_class == klass) & (SubjectResult.subject == subject) & (SubjectResult.checkpoint == cp))}


def test_fill_sets_only_empty_cells_and_logs_each(ctx):
    klass, tv, teacher, pupils = ctx
    entry.save(teacher, klass, pupils[0].id, "CK1", "level", "T", subject=tv)
    entry.save(teacher, klass, pupils[1].id, "CK1", "score", "7", subject=tv)  # a row without a level
    done = fill.fill_levels(teacher, klass, "CK1", "H", subject=tv)
    got = levels(klass, tv)
    assert got[pupils[0].id] == "T" and all(got[p.id] == "H" for p in pupils[1:])
    assert SubjectResult.get(pupil=pupils[1].id, subject=tv, checkpoint="CK1").score == 7  # the score stays
    assert len(json.loads(done.cells)) == len(pupils) - 1
    assert EvaluationChange.select().where(EvaluationChange.reason.startswith("Điền nhanh mức H")).count() == len(pupils) - 1
    assert fill.fill_state(teacher, klass, "CK1", tv).empty == 0


def test_fill_the_qualities_of_the_whole_class(ctx):
    klass, _, teacher, pupils = ctx
    done = fill.fill_levels(teacher, klass, "CK1", "Đ")
    assert len(json.loads(done.cells)) == len(pupils) * 15
    assert {r.level for r in QualityResult.select().where((QualityResult.school_class == klass)
                                                           & (QualityResult.checkpoint == "CK1"))} == {"Đ"}


@pytest.mark.parametrize("who, level, cp, message", [
    ("gvcn.1a", "Đ", "CK1", "Mức không hợp lệ"),
    ("gvcn.1a", "", "CK1", "Mức không hợp lệ"),
    ("gvcn.1a", "H", "XX", "Thời điểm đánh giá không hợp lệ"),
    ("gvcn.1a", "H", "GK1", "Không còn ô nào trống"),  # the demo has every GK1 level
], ids=["quality level for a subject", "empty level", "unknown checkpoint", "nothing to fill"])
def test_fill_refusals_say_why_and_change_nothing(ctx, who, level, cp, message):
    klass, tv, _, _ = ctx
    before = EvaluationChange.select().count()
    with pytest.raises(ServiceError, match=message):
        fill.fill_levels(User.get(User.username == who), klass, cp, level, subject=tv)
    assert EvaluationChange.select().count() == before and LevelFill.select().count() == 0


def test_only_the_teacher_of_the_subject_may_fill(ctx):
    klass, tv, _, _ = ctx
    with pytest.raises(permissions.Forbidden):
        fill.fill_levels(User.get(User.username == "gv.tienganh"), klass, "CK1", "H", subject=tv)
    with pytest.raises(permissions.Forbidden):
        fill.fill_levels(User.get(User.username == "gvcn.1b"), klass, "CK1", "H")


def test_no_fill_after_the_lock(ctx):
    klass, tv, teacher, _ = ctx
    entry.lock(User.get(User.username == "hieutruong"), klass.year, "CK1", klass=klass)
    with pytest.raises(ServiceError, match="khóa sổ"):
        fill.fill_levels(teacher, klass, "CK1", "H", subject=tv)
    assert fill.fill_state(teacher, klass, "CK1", tv) is None


def test_undo_clears_what_the_fill_set_and_keeps_later_changes(ctx):
    klass, tv, teacher, pupils = ctx
    done = fill.fill_levels(teacher, klass, "CK1", "H", subject=tv)
    entry.save(teacher, klass, pupils[3].id, "CK1", "level", "C", subject=tv)
    with pytest.raises(permissions.Forbidden):
        fill.undo_fill(User.get(User.username == "hieutruong"), done)  # only who filled undoes
    result = fill.undo_fill(teacher, done)
    assert (result.cleared, result.kept) == (len(pupils) - 1, 1)
    got = levels(klass, tv)
    assert got[pupils[3].id] == "C" and all(got[p.id] == "" for p in pupils if p.id != pupils[3].id)
    with pytest.raises(ServiceError, match="đã được hoàn tác"):
        fill.undo_fill(teacher, done)


def test_records_in_the_signing_chain_are_skipped(ctx, demo_app):
    klass, _, teacher, pupils = ctx
    rv = first_records("1A", n=1)[0]
    chain.sign_step(teacher, rv, PASS)  # frozen from the first signature
    QualityResult.delete().where((QualityResult.school_class == klass) & (QualityResult.checkpoint == "CN")).execute()
    done = fill.fill_levels(teacher, klass, "CN", "T")
    assert rv.pupil_id not in {pid for pid, _ in json.loads(done.cells)}
    assert not QualityResult.select().where((QualityResult.pupil == rv.pupil_id) & (QualityResult.checkpoint == "CN")).exists()
