"""The record object of a secondary pupil-year (schema hocba-trunghoc/1, TT22 annex, TT22.md §13).

`records.record_data` hands a THCS or THPT class's record to `record_data` here. Every number comes from
the class summary (services/secondary_summary.py, itself built on portal.grading.tt22); this module only
arranges it as the học bạ shows it: each subject's semester I / II / year averages (or Đ / CĐ), the
re-test result, the subject teacher's comments and name, rèn luyện and học tập per semester and year,
absences, the summer re-assessment, the decision, awards, the homeroom teacher's comment, certificates and
competition results, and the expected signers.
Glossary: conduct = rèn luyện, learning = học tập, re-test = kiểm tra lại, summer = kì nghỉ hè.
"""
from decimal import Decimal

from portal.grading import tt22
from portal.models import Enrolment, School, ScoreEntry, TeachingAssignment, TermConduct

from portal.services.evaluation.secondary.remarks import lines, remark_of
from portal.services.evaluation.secondary.electives import subjects_of
from portal.services.evaluation.secondary.summary import _one

SCHEMA = "hocba-trunghoc/1"
SECONDARY_LEVELS = ("THCS", "THPT")
LEVEL_NAMES = {"THCS": "TRUNG HỌC CƠ SỞ", "THPT": "TRUNG HỌC PHỔ THÔNG"}


def is_secondary(klass) -> bool:
    return klass.grade.level in SECONDARY_LEVELS


def _show(value) -> str:
    """"8,5" for a score, "Đ"/"CĐ" for a comment result, "" when not computed."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal) or any(ch.isdigit() for ch in str(value)):
        return tt22.format_score(value)
    return {"D": "Đ", "CD": "CĐ"}.get(value, value)


def _comments(klass, pupil) -> dict:
    rows = ScoreEntry.select(ScoreEntry.subject, ScoreEntry.term, ScoreEntry.value).where(
        (ScoreEntry.school_class == klass) & (ScoreEntry.pupil == pupil) & (ScoreEntry.slot == "nx"))
    return {(r.subject_id, r.term): r.value for r in rows}


def subject_teachers(klass) -> dict:
    """subject id → the names of the teachers assigned to it in this class (sorted)."""
    out: dict = {}
    for t in (TeachingAssignment.select(TeachingAssignment.subject, TeachingAssignment.staff)
              .where(TeachingAssignment.school_class == klass).order_by(TeachingAssignment.id)):
        out.setdefault(t.subject_id, []).append(t.staff.full_name)
    return out


def _after_summer(row, subjects) -> str:
    """Học tập after the re-tests (Điều 14), when every re-test is recorded; else ""."""
    if row.decision != "kiem_tra_lai" or not row.retests:
        return ""
    done = {code: row.subjects[code].retest for code in row.retests if row.subjects[code].retest}
    if done.keys() != row.retests:
        return ""
    scored = {s.code: row.subjects[s.code].year for s, _ in subjects if s.assessment == "score"}
    comments = {s.code: row.subjects[s.code].year for s, _ in subjects if s.assessment != "score"}
    new_scored, new_comments = tt22.apply_retests(scored, comments, done)
    return tt22.learning_level(new_scored, new_comments)


def decision_lines(row, grade: int) -> list[str]:
    """The decision as the summary page writes it (TT22.md §13 item 5; Điều 12–14)."""
    lines = []
    final = row.final
    if final == "len_lop":
        after_summer = row.decision in ("ren_luyen_he", "kiem_tra_lai")
        lines.append("Được lên lớp sau khi kiểm tra, đánh giá lại môn học hoặc rèn luyện trong kì nghỉ hè"
                     if after_summer else "Được lên lớp")
    elif final == "o_lai":
        lines.append("Không được lên lớp")
    elif final == "cho_hieu_truong":
        lines.append(tt22.DECISIONS["cho_hieu_truong"])
    elif row.decision in ("ren_luyen_he", "kiem_tra_lai"):
        lines.append(tt22.DECISIONS[row.decision])
    if final in ("len_lop", "o_lai"):
        text = tt22.completion_text(grade, final == "len_lop")
        if text:  # the last grade of the level: completion replaces lên lớp
            lines = [text]
    return lines


def year_block(klass, pupil) -> dict:
    """The `year` part of a secondary record object."""
    subjects = subjects_of(klass, pupil)  # the compulsory subjects and the pupil's own electives
    row = _one(klass, pupil)
    comments, teachers = _comments(klass, pupil), subject_teachers(klass)
    items = []
    for subject, gs in subjects:
        cell = row.subjects[subject.code]
        c1, c2 = comments.get((subject.id, "HK1"), ""), comments.get((subject.id, "HK2"), "")
        items.append({
            "code": subject.code, "ministry_code": subject.ministry_code or subject.code, "name": subject.name,
            "kind": subject.kind, "assessment": "score" if subject.assessment == "score" else "comment",
            "term1": _show(cell.term1), "term2": _show(cell.term2), "year": _show(cell.year),
            "retest": _show(cell.retest) if subject.code in row.retests else "",
            "comments": {"HK1": c1, "HK2": c2}, "comment": c2 or c1,
            "teachers": teachers.get(subject.id, []),
        })
    absences = {}
    for term in ("HK1", "HK2"):
        c = _conduct(klass, pupil, term)
        absences[term] = c.absences if c is not None else None
    grade = klass.grade.number
    remark = remark_of(klass, pupil)
    return {
        "name": klass.year.name, "class": klass.name, "grade": grade, "level": klass.grade.level,
        "subjects": items,
        "conduct": {"HK1": row.conduct1 or "", "HK2": row.conduct2 or "", "year": row.conduct_year or "",
                    "summer": row.summer_conduct or ""},
        "learning": {"HK1": row.learning1 or "", "HK2": row.learning2 or "", "year": row.learning_year or "",
                     "summer": _after_summer(row, subjects)},
        "absences": {**absences, "year": row.absences},
        "award": row.award or "", "awards": [tt22.AWARDS[row.award]] if row.award else [],
        "decision": row.decision or "", "decision_label": tt22.DECISIONS.get(row.decision or "", ""),
        "retests": sorted(row.retests),
        "final_decision": row.final or "", "decision_lines": decision_lines(row, grade),
        # The homeroom teacher's lines (services/evaluation/secondary/remarks.py)
        "certificates": lines(remark.certificates) if remark else [],
        "competitions": lines(remark.competitions) if remark else [],
        "homeroom_comment": remark.homeroom_comment if remark else "",
        # What the chain waits for: the year's final decision (after the summer when there is one).
        "outcome": row.final or "",
    }


def _conduct(klass, pupil, term):
    return TermConduct.get_or_none((TermConduct.school_class == klass) & (TermConduct.pupil == pupil)
                                   & (TermConduct.term == term))


def record_data(rv, public_base_url: str, signers: dict) -> dict:
    """The record object (schema hocba-trunghoc/1) of a secondary pupil-year; docs/hocba-json.md."""
    pupil, klass = rv.pupil, rv.school_class
    school = School.current()
    history = [{"year": e.year_name, "class": e.class_name, "school": e.school_name,
                "registry_number": e.registry_number, "entered_on": e.entered_on.isoformat() if e.entered_on else None}
               for e in pupil.enrolments.order_by(Enrolment.year_name, Enrolment.id)]
    return {
        "schema": SCHEMA,
        "record": {"id": rv.record_id, "version": rv.version, "code": rv.code,
                   "verify_url": f"{public_base_url.rstrip('/')}/xac-thuc/{rv.code}"},
        "school": {"name": school.name, "code": school.code, "level": klass.grade.level,
                   "department": school.department, "authority": school.authority, "province": school.province,
                   "place_of_issue": school.place_of_issue},
        "pupil": {"code": pupil.code, "full_name": pupil.full_name, "gender": pupil.gender_label,
                  "gender_code": pupil.gender, "born_on": pupil.born_on.isoformat() if pupil.born_on else None,
                  "ethnicity": pupil.ethnicity, "nationality": pupil.nationality, "birthplace": pupil.birthplace,
                  "hometown": pupil.hometown, "address": pupil.address, "father_name": pupil.father_name,
                  "mother_name": pupil.mother_name, "guardian_name": pupil.guardian_name,
                  "national_id": pupil.national_id or "", "registry_number": pupil.registry_number},
        "history": history,
        "year": year_block(klass, pupil),
        "signers": signers,
    }
