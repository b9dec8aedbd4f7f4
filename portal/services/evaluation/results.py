"""Reading a class's evaluations: the grid, the summary, outcomes, completeness, the current checkpoint.

Every reader loads a class in a fixed number of queries, whatever its size.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from portal.db import write_tx
from portal.grading import tt27
from portal.models import (
    CHECKPOINTS, CalendarDate, GradeSubject, QualityResult, SchoolClass, Subject, SubjectResult, YearResult,
)
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records import freeze
from portal.services.school.years import class_roster
from portal.services.system import audit
from portal.text import clean_text

CHECKPOINT_ORDER = list(CHECKPOINTS)


@dataclass
class GradeSubjectInfo:
    subject: Subject
    is_optional: bool
    tested: list[str]


def grade_subjects(klass: SchoolClass) -> list[GradeSubjectInfo]:
    rows = (GradeSubject.select(GradeSubject, Subject).join(Subject)
            .where(GradeSubject.grade == klass.grade_id).order_by(Subject.sort_order))
    return [GradeSubjectInfo(gs.subject, gs.is_optional, gs.tested_checkpoints) for gs in rows]


def subject_results(klass: SchoolClass, checkpoints, subject=None) -> dict:
    """(pupil id, subject id, checkpoint) → SubjectResult, in one query."""
    q = SubjectResult.select().where((SubjectResult.school_class == klass) & SubjectResult.checkpoint.in_(list(checkpoints)))
    if subject is not None:
        q = q.where(SubjectResult.subject == subject)
    return {(r.pupil_id, r.subject_id, r.checkpoint): r for r in q}


def quality_results(klass: SchoolClass, checkpoints) -> dict:
    q = QualityResult.select().where((QualityResult.school_class == klass) & QualityResult.checkpoint.in_(list(checkpoints)))
    return {(r.pupil_id, r.quality, r.checkpoint): r for r in q}


def current_checkpoint(klass_or_year, today: dt.date | None = None) -> str:
    """The first checkpoint whose entry deadline has not passed; CN after the last one."""
    year_id = getattr(klass_or_year, "year_id", None) or klass_or_year.id
    today = today or dt.date.today()
    deadlines = {c.kind[6:]: c.on for c in CalendarDate.select().where(
        (CalendarDate.year == year_id) & CalendarDate.kind.startswith("entry_") & CalendarDate.grade.is_null())}
    for cp in CHECKPOINT_ORDER:
        if cp in deadlines and today <= deadlines[cp]:
            return cp
    return "CN"


def deadline(klass: SchoolClass, checkpoint: str) -> dt.date | None:
    row = CalendarDate.get_or_none((CalendarDate.year == klass.year_id) & (CalendarDate.kind == f"entry_{checkpoint}")
                                   & (CalendarDate.grade.is_null()))
    return row.on if row else None


def end_of_year_inputs(klass, pupil, subjects, sres, qres, checkpoint="CN"):
    """The dicts year_outcome takes, or None while anything is missing. BS values override CN ones."""
    levels, scores, qualities = {}, {}, {}
    for info in subjects:
        key = (pupil.id, info.subject.id)
        row = sres.get((*key, "BS")) if checkpoint == "BS" else None
        base = sres.get((*key, "CN"))
        level = (row.level if row and row.level else None) or (base.level if base else "")
        if not level:
            if info.is_optional and base is None:
                continue  # an optional subject the pupil does not take
            return None
        levels[info.subject.code] = level
        if "CN" in info.tested:
            score = (row.score if row and row.score else None) or (base.score if base else None)
            if score is None:
                return None
            scores[info.subject.code] = score
    for code in tt27.ALL_QUALITIES:
        row = qres.get((pupil.id, code, "BS")) if checkpoint == "BS" else None
        base = qres.get((pupil.id, code, "CN"))
        level = (row.level if row and row.level else None) or (base.level if base else "")
        if not level:
            return None
        qualities[code] = level
    return levels, scores, qualities


def outcomes(klass, pupil, subjects, sres, qres) -> tuple[str, str]:
    """(end-of-year outcome, outcome after the supplementary evaluation) — '' while values are missing.
    The second is computed only for a CHT pupil who has supplementary (BS) values."""
    inputs = end_of_year_inputs(klass, pupil, subjects, sres, qres)
    outcome = tt27.year_outcome(*inputs) if inputs else ""
    if outcome != "CHT":
        return outcome, ""
    has_bs = any(k[0] == pupil.id and k[2] == "BS" for k in list(sres) + list(qres))
    bs = end_of_year_inputs(klass, pupil, subjects, sres, qres, "BS") if has_bs else None
    return outcome, tt27.year_outcome(*bs) if bs else ""


def end_of_year_outcome(klass, pupil) -> str:
    """One pupil's end-of-year outcome from the CN values ('' while any is missing), in a few queries."""
    subjects = grade_subjects(klass)
    sres = {(r.pupil_id, r.subject_id, r.checkpoint): r for r in SubjectResult.select().where(
        (SubjectResult.school_class == klass) & (SubjectResult.pupil == pupil) & (SubjectResult.checkpoint == "CN"))}
    qres = {(r.pupil_id, r.quality, r.checkpoint): r for r in QualityResult.select().where(
        (QualityResult.school_class == klass) & (QualityResult.pupil == pupil) & (QualityResult.checkpoint == "CN"))}
    inputs = end_of_year_inputs(klass, pupil, subjects, sres, qres)
    return tt27.year_outcome(*inputs) if inputs else ""


@dataclass
class SummaryRow:
    pupil: object
    levels: dict = field(default_factory=dict)  # subject code → level
    scores: dict = field(default_factory=dict)
    qualities: dict = field(default_factory=dict)
    outcome: str = ""
    supplementary: str = ""
    year: YearResult | None = None


def class_summary(klass: SchoolClass, checkpoint: str):
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp at a checkpoint (outcome at CN)."""
    pupils = class_roster(klass)
    subjects = grade_subjects(klass)
    cps = [checkpoint] + (["CN", "BS"] if checkpoint == "CN" else [])
    sres, qres = subject_results(klass, cps), quality_results(klass, cps)
    years = {y.pupil_id: y for y in YearResult.select().where(YearResult.school_class == klass)}
    rows, counts = [], defaultdict(lambda: defaultdict(int))
    for p in pupils:
        row = SummaryRow(p, year=years.get(p.id))
        for info in subjects:
            r = sres.get((p.id, info.subject.id, checkpoint))
            row.levels[info.subject.code] = r.level if r else ""
            row.scores[info.subject.code] = r.score if r else None
            counts[info.subject.code][row.levels[info.subject.code] or "—"] += 1
        for code in tt27.ALL_QUALITIES:
            r = qres.get((p.id, code, checkpoint))
            row.qualities[code] = r.level if r else ""
            counts[code][row.qualities[code] or "—"] += 1
        if checkpoint == "CN":
            row.outcome, row.supplementary = outcomes(klass, p, subjects, sres, qres)
            counts["outcome"][row.outcome or "—"] += 1
        rows.append(row)
    return subjects, rows, counts


@dataclass
class Missing:
    label: str
    levels: int
    scores: int
    comments: int
    total: int
    subject: Subject | None = None
    first_missing: int | None = None  # the first pupil (roster order) with a level or score missing

    @property
    def done(self) -> bool:
        return self.levels == 0 and self.scores == 0


def completeness(klass: SchoolClass, checkpoint: str, user=None) -> list[Missing]:
    """What is still missing at a checkpoint, per subject (and the qualities), for this class."""
    pupils = class_roster(klass)
    ids = [p.id for p in pupils]
    sres, qres = subject_results(klass, [checkpoint]), quality_results(klass, [checkpoint])
    out = []
    for info in grade_subjects(klass):
        if info.is_optional:
            continue
        if user is not None and not permissions.can_enter_subject(user, klass, info.subject) and not permissions.sees_whole_school(user):
            continue
        rows = [sres.get((pid, info.subject.id, checkpoint)) for pid in ids]
        tested = checkpoint in info.tested
        gaps = [pid for pid, r in zip(ids, rows) if not (r and r.level) or (tested and not (r and r.score))]
        out.append(Missing(info.subject.name, sum(1 for r in rows if not (r and r.level)),
                           sum(1 for r in rows if not (r and r.score)) if tested else 0,
                           sum(1 for r in rows if not (r and r.comment)), len(ids), info.subject,
                           gaps[0] if gaps else None))
    if user is None or permissions.is_homeroom_of(user, klass) or permissions.sees_whole_school(user):
        gaps = [pid for pid in ids for q in tt27.ALL_QUALITIES
                if not (qres.get((pid, q, checkpoint)) and qres[(pid, q, checkpoint)].level)]
        out.append(Missing("Phẩm chất, năng lực", len(gaps), 0, 0, len(ids) * len(tt27.ALL_QUALITIES),
                           first_missing=gaps[0] if gaps else None))
    return out


def finalize_outcomes(user, klass: SchoolClass) -> dict[str, int]:
    """Store each pupil's end-of-year outcome (and award suggestions) once every value is in."""
    if not (permissions.is_homeroom_of(user, klass) or permissions.is_board(user)):
        raise permissions.Forbidden()
    tally = defaultdict(int)
    with write_tx():
        subjects, rows, _ = class_summary(klass, "CN")
        incomplete = [r.pupil.full_name for r in rows if not r.outcome]
        if incomplete:
            raise ServiceError(f"Còn {len(incomplete)} học sinh chưa đủ kết quả cuối năm, ví dụ: {', '.join(incomplete[:3])}.")
        frozen = {rv.pupil_id for rv in freeze.class_records(klass)}
        for r in rows:
            if r.pupil.id in frozen:  # its outcome is already on the record being signed; nothing may change
                tally[r.outcome] += 1
                continue
            year, _ = YearResult.get_or_create(pupil=r.pupil, school_class=klass)
            year.outcome = r.outcome
            if not year.awards:
                year.awards = "\n".join(tt27.award_suggestions(r.outcome))
            year.updated_at = utcnow()
            year.save()
            tally[r.outcome] += 1
        audit.record("evaluation.finalized", klass, user=user, summary=f"Chốt kết quả cuối năm lớp {klass.name}",
                     tally=dict(tally))
    return dict(tally)


def decide_promotion(user, klass: SchoolClass, pupil, decision: str, note: str = "") -> YearResult:
    """The principal's lên lớp / ở lại lớp decision for a pupil still CHT after supplementary evaluation."""
    if not permissions.is_board(user):
        raise permissions.Forbidden()
    if decision not in ("promote", "repeat"):
        raise ServiceError("Quyết định không hợp lệ.")
    with write_tx():
        freeze.ensure_open(pupil, klass)
        subjects, rows, _ = class_summary(klass, "CN")
        row = next((r for r in rows if r.pupil.id == pupil.id), None)
        if row is None or row.outcome != "CHT":
            raise ServiceError("Chỉ quyết định cho học sinh chưa hoàn thành chương trình lớp học.")
        if not row.supplementary:
            raise ServiceError("Học sinh chưa có kết quả đánh giá bổ sung.")
        if tt27.after_supplementary(row.supplementary) == "completed":
            raise ServiceError("Sau đánh giá bổ sung học sinh đã hoàn thành; không cần quyết định.")
        year, _ = YearResult.get_or_create(pupil=pupil, school_class=klass)
        year.outcome, year.supplementary_outcome = "CHT", row.supplementary
        year.decision, year.decision_note = decision, clean_text(note or "").strip()[:1000]
        year.decided_by, year.decided_at = user, utcnow()
        year.save()
        audit.record("evaluation.promotion_decided", year, user=user,
                     summary=f"{'Lên lớp' if decision == 'promote' else 'Ở lại lớp'}: {pupil.full_name}")
    return year
