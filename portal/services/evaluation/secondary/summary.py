"""The class summary of a secondary class (TT22): every number comes from portal.grading.tt22.

Per pupil: each subject's semester and year averages (scored) or results (comment), the missing
assessments (to-do: they block the average), semester and year learning levels, rèn luyện, absences,
the award, the decision before the summer, the re-test list, and the final decision after it.
Reads only: a page that shows never writes.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from portal.grading import tt22
from portal.models import GradeSubject, SchoolClass, ScoreEntry, Subject, TermConduct
from portal.services import ServiceError
from portal.services.evaluation.secondary.electives import class_subjects, opt_outs, pupil_subjects, subjects_of
from portal.services.school.years import class_roster


@dataclass
class SubjectCell:
    term1: object = None  # Decimal (scored) or "D"/"CD"; None while incomplete
    term2: object = None
    year: object = None
    retest: object = None
    missing: list = field(default_factory=list)  # ("HK1", "tx2"), …


@dataclass
class PupilSummary:
    pupil: object
    subjects: dict  # subject code → SubjectCell
    learning1: str | None = None
    learning2: str | None = None
    learning_year: str | None = None
    conduct1: str = ""
    conduct2: str = ""
    conduct_year: str | None = None
    absences: int | None = None
    award: str | None = None
    decision: str | None = None
    retests: set = field(default_factory=set)
    summer_conduct: str = ""
    final: str | None = None
    errors: list = field(default_factory=list)


def _entries(klass: SchoolClass) -> dict:
    out: dict = {}
    for e in ScoreEntry.select(ScoreEntry.pupil, ScoreEntry.subject, ScoreEntry.term, ScoreEntry.slot,
                               ScoreEntry.value).where(ScoreEntry.school_class == klass).tuples():
        pupil_id, subject_id, term, slot, value = e
        out.setdefault((pupil_id, subject_id, term), {})[slot] = value
    return out


def _conducts(klass: SchoolClass) -> dict:
    return {(c.pupil_id, c.term): c for c in TermConduct.select().where(TermConduct.school_class == klass)}


def term_value(subject: Subject, gs: GradeSubject, values: dict, term: str, missing: list):
    """A subject's semester result from its assessments, or None (and the missing ones listed)."""
    from portal.services.evaluation.secondary.entry import slots_for
    slots = slots_for(subject, gs, term)
    gaps = [s for s in slots if not values.get(s)]
    missing.extend((term, s) for s in gaps)
    if gaps:
        return None
    if subject.assessment == "score":
        n = len(slots) - 2
        return tt22.term_average([values[f"tx{i}"] for i in range(1, n + 1)], values["gk"], values["ck"],
                                 gs.periods or 35)
    return tt22.comment_term([values[s] for s in slots])


def pupil_summary(pupil, subjects, entries: dict, conducts: dict) -> PupilSummary:
    row = PupilSummary(pupil=pupil, subjects={})
    for subject, gs in subjects:
        cell = SubjectCell()
        for term in ("HK1", "HK2"):
            setattr(cell, "term" + term[-1], term_value(subject, gs, entries.get((pupil.id, subject.id, term), {}),
                                                         term, cell.missing))
        if cell.term1 is not None and cell.term2 is not None:
            cell.year = (tt22.year_average(cell.term1, cell.term2) if subject.assessment == "score"
                         else tt22.comment_year(cell.term1, cell.term2))
        cell.retest = entries.get((pupil.id, subject.id, "HE"), {}).get("rt") or None
        row.subjects[subject.code] = cell
    scored = [s for s, _ in subjects if s.assessment == "score"]
    commented = [s for s, _ in subjects if s.assessment != "score"]

    def level(attr):
        values = [getattr(row.subjects[s.code], attr) for s, _ in subjects]
        if not subjects or any(v is None for v in values):
            return None
        return tt22.learning_level({s.code: getattr(row.subjects[s.code], attr) for s in scored},
                                   {s.code: getattr(row.subjects[s.code], attr) for s in commented})

    row.learning1, row.learning2, row.learning_year = level("term1"), level("term2"), level("year")
    c1, c2, summer = conducts.get((pupil.id, "HK1")), conducts.get((pupil.id, "HK2")), conducts.get((pupil.id, "HE"))
    row.conduct1, row.conduct2 = (c1.conduct if c1 else ""), (c2.conduct if c2 else "")
    row.summer_conduct = summer.conduct if summer else ""
    if row.conduct1 and row.conduct2:
        row.conduct_year = tt22.conduct_year(row.conduct1, row.conduct2)
    if c1 and c2 and c1.absences is not None and c2.absences is not None:
        row.absences = c1.absences + c2.absences
    if row.learning_year is None or row.conduct_year is None or row.absences is None:
        return row
    year_scored = {s.code: row.subjects[s.code].year for s in scored}
    year_comments = {s.code: row.subjects[s.code].year for s in commented}
    row.award = tt22.award(row.conduct_year, row.learning_year, year_scored)
    row.decision = tt22.promotion(row.conduct_year, row.learning_year, row.absences)
    if row.decision == "kiem_tra_lai":
        row.retests = tt22.retest_subjects(year_scored, year_comments)
    if row.decision in ("len_lop", "o_lai"):
        row.final = row.decision
    elif row.decision == "ren_luyen_he" and row.summer_conduct:
        row.final = tt22.decision_after_summer(row.conduct_year, row.learning_year, row.absences,
                                               summer_conduct=row.summer_conduct)
    elif row.decision == "kiem_tra_lai":
        done = {code: row.subjects[code].retest for code in row.retests if row.subjects[code].retest}
        if done.keys() == row.retests:
            new_scored, new_comments = tt22.apply_retests(year_scored, year_comments, done)
            after = tt22.learning_level(new_scored, new_comments)
            row.final = tt22.decision_after_summer(row.conduct_year, row.learning_year, row.absences,
                                                   retest_learning=after)
    return row


def class_summary(klass: SchoolClass) -> tuple[list, list[PupilSummary]]:
    """(the class's subjects, one summary per pupil in class-list order); a fixed number of queries. A
    pupil's summary holds only the subjects they learn (electives per pupil: electives.py)."""
    subjects = class_subjects(klass)
    entries, conducts, skipped = _entries(klass), _conducts(klass), opt_outs(klass)
    return subjects, [pupil_summary(p, pupil_subjects(subjects, skipped.get(p.id)), entries, conducts)
                      for p in class_roster(klass)]


def _one(klass, pupil) -> PupilSummary:
    return pupil_summary(pupil, subjects_of(klass, pupil), _entries(klass), _conducts(klass))


def pupil_row(klass, pupil_id) -> PupilSummary | None:
    """One pupil's summary, when they are enrolled in the class; else None."""
    from portal.services.evaluation.entry import _enrolled
    try:
        pupil = _enrolled(klass, pupil_id)
    except ServiceError:
        return None
    return _one(klass, pupil)


def ensure_retest_allowed(klass, pupil, subject) -> None:
    """A re-test result only for a subject on the pupil's re-test list (Điều 14)."""
    row = _one(klass, pupil)
    if subject.code not in row.retests:
        raise ServiceError(f"Môn {subject.name} không thuộc danh sách kiểm tra lại của {pupil.full_name}.",
                           field="value")


def ensure_summer_conduct_allowed(klass, pupil) -> None:
    """Re-assessed rèn luyện only for a pupil sent to rèn luyện hè (Điều 13)."""
    row = _one(klass, pupil)
    if row.decision != "ren_luyen_he":
        raise ServiceError(f"{pupil.full_name} không thuộc diện rèn luyện trong kì nghỉ hè.", field="value")


def fmt(value) -> str:
    """A summary value as shown: "8,5", "Đ", "CĐ", "T", "K"; blank when not computed."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return tt22.format_score(value)
    return {"D": "Đ", "CD": "CĐ"}.get(value, value)
