"""The học bạ record object: assembled once from the database, then rendered to pages and to JSON.

The same dict feeds the visible PDF and the embedded hocba.json (docs/hocba-json.md), so what a
verifier reads in the data is what the pages show.
"""
import secrets

from portal.db import write_tx
from portal.grading import tt27
from portal.models import (
    Enrolment, Pupil, QualityResult, RecordVersion, School, SchoolClass, SchoolYear, SubjectResult,
    YearResult,
)

from portal.services import ServiceError
from portal.services.records import secondary_record
from portal.services.evaluation.results import grade_subjects, outcomes
from portal.services.records.signers import expected_signers

SCHEMA = "hocba-tieuhoc/1"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    """What a person typed → the stored form (case, separators and look-alike letters forgiven)."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    raw = raw.translate(str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"}))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 10 else raw


def find_pupil_year(pupil_code: str, year_name: str) -> tuple[Pupil, SchoolClass]:
    """The pupil and their class in that school year, or a ServiceError saying which part is wrong."""
    pupil = Pupil.get_or_none(Pupil.code == (pupil_code or "").strip())
    if pupil is None:
        raise ServiceError(f"Không tìm thấy học sinh có mã {pupil_code}.")
    year = SchoolYear.get_or_none(SchoolYear.name == (year_name or "").strip())
    if year is None:
        raise ServiceError(f"Không có năm học {year_name}.")
    klass = SchoolClass.of_pupil(pupil, year)
    if klass is None:
        raise ServiceError(f"Học sinh {pupil.full_name} ({pupil.code}) không có học bạ năm học {year.name}.")
    return pupil, klass


def current_record(pupil, klass) -> RecordVersion | None:
    return RecordVersion.latest_for(pupil, klass)


def ensure_record(pupil, klass) -> RecordVersion:
    """The latest version of this pupil's record for the year; a first draft is created if none."""
    rv = current_record(pupil, klass)
    if rv is not None:
        return rv
    with write_tx():
        code = new_code()
        while RecordVersion.select().where(RecordVersion.code == code).exists():
            code = new_code()
        return RecordVersion.create(pupil=pupil, school_class=klass, version=1, code=code)


def _date(d):
    return d.isoformat() if d else None


def record_data(rv: RecordVersion, public_base_url: str) -> dict:
    """The record object (schema hocba-tieuhoc/1): everything the pages show, as plain data."""
    pupil, klass = rv.pupil, rv.school_class
    if secondary_record.is_secondary(klass):  # THCS / THPT (TT22): schema hocba-trunghoc/1
        return secondary_record.record_data(rv, public_base_url, expected_signers(klass, School.current(), pupil=pupil))
    year = klass.year
    school = School.current()
    infos = grade_subjects(klass)
    sres = {(r.pupil_id, r.subject_id, r.checkpoint): r for r in SubjectResult.select().where(
        (SubjectResult.school_class == klass) & (SubjectResult.pupil == pupil) & SubjectResult.checkpoint.in_(["CN", "BS"]))}
    qres = {(r.pupil_id, r.quality, r.checkpoint): r for r in QualityResult.select().where(
        (QualityResult.school_class == klass) & (QualityResult.pupil == pupil) & QualityResult.checkpoint.in_(["CN", "BS"]))}
    subjects = []
    for info in infos:
        r = sres.get((pupil.id, info.subject.id, "CN"))
        if info.is_optional and r is None:
            continue
        subjects.append({
            "code": info.subject.code, "ministry_code": info.subject.ministry_code or info.subject.code,
            "name": info.subject.name, "kind": info.subject.kind,
            "level": (r.level if r else "") or "", "score": r.score if r and "CN" in info.tested else None,
            "tested": "CN" in info.tested, "comment": (r.comment if r else "") or "",
        })
    qualities = {}
    for group, (label, items) in tt27.QUALITY_GROUPS.items():
        comment = qres.get((pupil.id, group, "CN"))
        qualities[group] = {
            "label": label,
            "items": [{"code": code, "name": name, "level": (qres[(pupil.id, code, "CN")].level
                                                            if (pupil.id, code, "CN") in qres else "")}
                      for code, name in items.items()],
            "comment": comment.comment if comment else "",
        }
    outcome, supplementary = outcomes(klass, pupil, infos, sres, qres)
    yr = YearResult.of(pupil, klass)
    final = supplementary or outcome
    completion = tt27.completion_texts(final, klass.grade.number) if final else []
    decision = yr.decision if yr else ""
    if final == "CHT" and decision == "promote":
        completion = [f"Được lên lớp {klass.grade.number + 1} theo quyết định của Hiệu trưởng"]
    elif final == "CHT" and decision == "repeat":
        completion = [f"Ở lại lớp {klass.grade.number}"]
    history = [{"year": e.year_name, "class": e.class_name, "school": e.school_name,
                "registry_number": e.registry_number, "entered_on": _date(e.entered_on)}
               for e in pupil.enrolments.order_by(Enrolment.year_name, Enrolment.id)]
    return {
        "schema": SCHEMA,
        "record": {"id": rv.record_id, "version": rv.version, "code": rv.code,
                   "verify_url": f"{public_base_url.rstrip('/')}/xac-thuc/{rv.code}"},
        "school": {"name": school.name, "code": school.code, "level": school.level, "department": school.department,
                   "authority": school.authority, "province": school.province, "place_of_issue": school.place_of_issue},
        "pupil": {"code": pupil.code, "full_name": pupil.full_name, "gender": pupil.gender_label,
                  "gender_code": pupil.gender, "born_on": _date(pupil.born_on), "ethnicity": pupil.ethnicity,
                  "nationality": pupil.nationality, "birthplace": pupil.birthplace, "hometown": pupil.hometown,
                  "address": pupil.address, "father_name": pupil.father_name, "mother_name": pupil.mother_name,
                  "guardian_name": pupil.guardian_name, "national_id": pupil.national_id or "",
                  "registry_number": pupil.registry_number},
        "history": history,
        "year": {
            "name": year.name, "class": klass.name, "grade": klass.grade.number,
            "subjects": subjects, "qualities": qualities,
            "outcome": outcome, "outcome_label": tt27.OUTCOMES.get(outcome, ""),
            "supplementary_outcome": supplementary, "decision": decision,
            "awards": [a for a in (yr.awards.splitlines() if yr else []) if a.strip()],
            "completion": completion,
        },
        "signers": expected_signers(klass, school),
    }
