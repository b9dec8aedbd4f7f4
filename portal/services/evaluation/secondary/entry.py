"""Recording secondary (TT22) assessments and rèn luyện, one cell at a time, like the primary cells.

A score cell is (class, pupil, subject, term, slot); a conduct cell is (class, pupil, term, field).
Subject teachers enter only the classes × subjects they are assigned; the homeroom teacher enters rèn
luyện and absences. After the principal locks a term (the shared EvaluationLock with HK1/HK2/HE), a
save becomes a change request (the shared ChangeRequest); every change is kept (EvaluationChange).
Values are parsed by the grading module (tt22.parse_score); nothing here computes a rule.
"""
from dataclasses import dataclass

from portal.db import write_tx
from portal.grading import tt22
from portal.models import (
    TERMS, ChangeRequest, EvaluationChange, GradeSubject, Pupil, SchoolClass, ScoreEntry, Subject, TermConduct, User,
)
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation.entry import MAX_COMMENT, MAX_REASON, Locked, _enrolled, file_request, find_lock
from portal.services.evaluation.secondary import electives, remarks
from portal.services.records import freeze
from portal.services.system import audit
from portal.text import clean_text

SLOT_LABELS = {"tx1": "ĐĐGtx 1", "tx2": "ĐĐGtx 2", "tx3": "ĐĐGtx 3", "tx4": "ĐĐGtx 4", "gk": "Giữa kì",
               "ck": "Cuối kì", "nx": "Nhận xét", "rt": "Kiểm tra lại"}
CONDUCT_FIELDS = {"conduct": "Rèn luyện", "absences": "Số buổi nghỉ"}
MAX_ABSENCES = 365


@dataclass
class Saved:
    status: str  # saved | unchanged | requested
    value: object
    request: ChangeRequest | None = None
    pupil: Pupil | None = None


def grade_subject(klass: SchoolClass, subject: Subject) -> GradeSubject:
    gs = GradeSubject.get_or_none((GradeSubject.grade == klass.grade_id) & (GradeSubject.subject == subject))
    if gs is None:
        raise ServiceError("Môn học không có trong chương trình của lớp.")
    return gs


def slots_for(subject: Subject, gs: GradeSubject, term: str = "HK1") -> list[str]:
    """The assessment columns of a term: ĐĐGtx (count from the periods a year), giữa kì, cuối kì; the
    summer has the re-test only."""
    if term == "HE":
        return ["rt"]
    count = tt22.regular_count(gs.periods or 35) if subject.assessment == "score" else 2  # Điều 6 k.2 a
    return [f"tx{i}" for i in range(1, count + 1)] + ["gk", "ck"]


def parse_value(subject: Subject, slot: str, raw) -> str:
    """The stored text for what was typed: "8.5" for a score, "D"/"CD" for a result, the comment."""
    text = clean_text(str(raw if raw is not None else "")).strip()
    if slot == "nx":
        if len(text) > MAX_COMMENT:
            raise ServiceError(f"Nhận xét dài {len(text)} ký tự, tối đa {MAX_COMMENT} ký tự.", field="value")
        return text
    if not text:
        return ""
    if subject.assessment == "score":
        try:
            return str(tt22.parse_score(text))
        except ValueError as err:
            raise ServiceError(str(err), field="value") from None
    code = text.upper().replace("Đ", "D").replace(" ", "")
    code = {"DAT": "D", "CHUADAT": "CD", "CHƯADAT": "CD"}.get(code, code)
    if code not in tt22.COMMENT_RESULTS:
        raise ServiceError(f"Kết quả “{text[:20]}” không hợp lệ: chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).", field="value")
    return code


def display(subject: Subject | None, slot: str, value: str) -> str:
    """How a stored value is shown: "8,5", "Đ", "CĐ"."""
    if not value or slot == "nx":
        return value or ""
    if subject is not None and subject.assessment == "score":
        return tt22.format_score(value)
    return {"D": "Đ", "CD": "CĐ"}.get(value, value)


def can_enter(user: User, klass: SchoolClass, subject: Subject) -> bool:
    return permissions.can_enter_scores(user, klass, subject)


def _reason(reason: str) -> str:
    reason = clean_text(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Lý do tối đa {MAX_REASON} ký tự.", field="reason")
    return reason


def _history(pupil, klass, subject, term, field, old, new, user, reason="", request=None):
    EvaluationChange.create(pupil=pupil, school_class=klass, subject=subject, quality="", checkpoint=term,
                            field=field, old_value=old or "", new_value=new or "", reason=reason, changed_by=user,
                            request=request)


def _request(user, pupil, klass, subject, term, field, old, new, reason) -> Saved:
    if not reason:
        raise Locked("Học kì này đã khóa sổ. Ghi lý do để gửi đề nghị sửa đổi cho Hiệu trưởng duyệt.", field="reason")
    cell = dict(pupil=pupil, school_class=klass, subject=subject, quality="", checkpoint=term, field=field,
                new_value=new, requested_by=user)
    request = file_request(user, cell, old or "", reason, f"{SLOT_LABELS.get(field, CONDUCT_FIELDS.get(field, field)).lower()} "
                                                          f"của {pupil.full_name} ({term})")
    return Saved("requested", old, request, pupil)


def _check_term(term: str) -> None:
    if term not in TERMS:
        raise ServiceError("Học kì không hợp lệ.")


def save_score(user: User, klass: SchoolClass, pupil_id, subject: Subject, term: str, slot: str, raw, *,
               reason: str = "") -> Saved:
    """Save one assessment (or the comment), or file a change request when the term is locked."""
    _check_term(term)
    if not can_enter(user, klass, subject):
        raise permissions.Forbidden()
    gs = grade_subject(klass, subject)
    if slot not in (*slots_for(subject, gs, term), *(("nx",) if term != "HE" else ())):
        raise ServiceError("Cột đánh giá không hợp lệ.")
    pupil = _enrolled(klass, pupil_id)
    electives.ensure_learns(klass, pupil, subject)
    value, reason = parse_value(subject, slot, raw), _reason(reason)
    key = dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot=slot)
    with write_tx():
        freeze.ensure_open(pupil, klass)  # under the write lock: the record may have entered the chain
        row = ScoreEntry.get_or_none(**key)
        old = row.value if row else ""
        if old == value:
            return Saved("unchanged", value, pupil=pupil)
        if term == "HE" and value:
            from portal.services.evaluation.secondary.summary import ensure_retest_allowed
            ensure_retest_allowed(klass, pupil, subject)
        if find_lock(klass, term) is not None:
            return _request(user, pupil, klass, subject, term, slot, old, value, reason)
        _apply_score(key, value, user, reason, row=row)
        audit.record("evaluation.changed", pupil, user=user, summary=f"{klass.name} {term} {SLOT_LABELS[slot]}",
                     target=subject.code, old=old, new=value)
    return Saved("saved", value, pupil=pupil)


def _apply_score(key, value, user, reason="", request=None, row=None, makeup=None, makeup_reason=None):
    row = row or ScoreEntry.get_or_none(**key) or ScoreEntry(**key)
    old = row.value if row.id else ""
    row.value, row.updated_at, row.updated_by = value, utcnow(), user
    if makeup is not None:
        row.makeup, row.makeup_reason = makeup, makeup_reason or ""
    elif not value:
        row.makeup, row.makeup_reason = "", ""
    row.save()
    _history(key["pupil"], key["school_class"], key["subject"], key["term"], key["slot"], old, value, user, reason,
             request)
    return row


def save_makeup(user: User, klass: SchoolClass, pupil_id, subject: Subject, term: str, slot: str, kind: str,
                raw="", reason: str = "") -> ScoreEntry:
    """A missed assessment (Điều 6 k.4, 7 k.4): `bu` records the make-up score; `khong` records 0 (or Chưa
    đạt) with the written reason. Not after the term is locked (then a change request on the cell)."""
    _check_term(term)
    if not can_enter(user, klass, subject):
        raise permissions.Forbidden()
    gs = grade_subject(klass, subject)
    if term == "HE" or slot not in slots_for(subject, gs, term):
        raise ServiceError("Cột đánh giá không hợp lệ.")
    pupil, reason = _enrolled(klass, pupil_id), _reason(reason)
    electives.ensure_learns(klass, pupil, subject)
    if kind == "bu":
        value = parse_value(subject, slot, raw)
        if not value:
            raise ServiceError("Nhập điểm (hoặc kết quả) bài kiểm tra bù.", field="value")
    elif kind == "khong":
        if not reason:
            raise ServiceError("Ghi lý do học sinh không kiểm tra bù.", field="reason")
        value = "0.0" if subject.assessment == "score" else "CD"
    else:
        raise ServiceError("Chọn “Kiểm tra bù” hoặc “Không kiểm tra bù”.")
    key = dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot=slot)
    with write_tx():
        freeze.ensure_open(pupil, klass)
        if find_lock(klass, term) is not None:
            raise Locked("Học kì này đã khóa sổ: sửa ô điểm kèm lý do để gửi đề nghị cho Hiệu trưởng duyệt.")
        row = _apply_score(key, value, user, reason or "Kiểm tra bù", makeup=kind, makeup_reason=reason)
        audit.record("evaluation.makeup", pupil, user=user, target=subject.code, new=value, reason=reason,
                     summary=f"{klass.name} {term} {SLOT_LABELS[slot]}: {'kiểm tra bù' if kind == 'bu' else 'không kiểm tra bù'}")
    return row


def parse_conduct(field: str, raw):
    text = clean_text(str(raw if raw is not None else "")).strip()
    if field == "conduct":
        if not text:
            return ""
        code = text.upper().replace("Đ", "D").replace(" ", "")
        if code not in tt22.LEVELS:
            raise ServiceError("Mức rèn luyện không hợp lệ: chỉ nhận T (Tốt), K (Khá), Đ (Đạt), CĐ (Chưa đạt).",
                               field="value")
        return code
    if field == "absences":
        if not text:
            return None
        if not text.isdigit() or int(text) > MAX_ABSENCES:
            raise ServiceError(f"Số buổi nghỉ “{text[:20]}” không hợp lệ: nhập số nguyên từ 0 đến {MAX_ABSENCES}.",
                               field="value")
        return int(text)
    raise ServiceError("Trường dữ liệu không hợp lệ.")


def save_conduct(user: User, klass: SchoolClass, pupil_id, term: str, field: str, raw, *, reason: str = "") -> Saved:
    """Rèn luyện or absences of a semester (the summer: the re-assessed rèn luyện), by the homeroom teacher."""
    _check_term(term)
    if not permissions.is_homeroom_of(user, klass):
        raise permissions.Forbidden()
    if term == "HE" and field != "conduct":
        raise ServiceError("Trường dữ liệu không hợp lệ.")
    value, reason = parse_conduct(field, raw), _reason(reason)
    pupil = _enrolled(klass, pupil_id)
    with write_tx():
        freeze.ensure_open(pupil, klass)
        row = TermConduct.get_or_none(pupil=pupil, school_class=klass, term=term)
        old = getattr(row, field) if row else ("" if field == "conduct" else None)
        if old == value:
            return Saved("unchanged", value, pupil=pupil)
        if term == "HE" and value:
            from portal.services.evaluation.secondary.summary import ensure_summer_conduct_allowed
            ensure_summer_conduct_allowed(klass, pupil)
        text = lambda v: "" if v is None else str(v)  # noqa: E731
        if find_lock(klass, term) is not None:
            return _request(user, pupil, klass, None, term, field, text(old), text(value), reason)
        _apply_conduct(pupil, klass, term, field, value, user, reason, row=row)
        audit.record("evaluation.changed", pupil, user=user, summary=f"{klass.name} {term} {CONDUCT_FIELDS[field].lower()}",
                     old=old, new=value)
    return Saved("saved", value, pupil=pupil)


def _apply_conduct(pupil, klass, term, field, value, user, reason="", request=None, row=None):
    row = row or TermConduct.get_or_none(pupil=pupil, school_class=klass, term=term) or TermConduct(
        pupil=pupil, school_class=klass, term=term)
    old = getattr(row, field) if row.id else None
    setattr(row, field, value)
    row.updated_at, row.updated_by = utcnow(), user
    row.save()
    _history(pupil, klass, None, term, field, "" if old is None else str(old), "" if value is None else str(value),
             user, reason, request)


def apply_request(request: ChangeRequest) -> None:
    """An approved change request of a secondary cell (called by evaluation.decide, inside its transaction)."""
    value = request.new_value
    if request.field in remarks.FIELDS:
        remarks.apply_request(request)
        return
    if request.subject_id:
        key = dict(pupil=request.pupil, school_class=request.school_class, subject=request.subject,
                   term=request.checkpoint, slot=request.field)
        row = ScoreEntry.get_or_none(**key)
        if row is None or row.value != value:
            _apply_score(key, value, request.requested_by, request.reason, request, row=row)
        return
    parsed = (int(value) if value else None) if request.field == "absences" else value
    row = TermConduct.get_or_none(pupil=request.pupil, school_class=request.school_class, term=request.checkpoint)
    if row is None or getattr(row, request.field) != parsed:
        _apply_conduct(request.pupil, request.school_class, request.checkpoint, request.field, parsed,
                       request.requested_by, request.reason, request, row=row)
