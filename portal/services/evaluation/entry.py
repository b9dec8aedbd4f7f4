"""Recording evaluations: one cell at a time, checked, locked or not, and every change kept.

A cell is (class, pupil, subject or quality, checkpoint, field). Before a lock a save applies at once;
after the principal locks the checkpoint, a save becomes a change request with a written reason that
the principal approves or rejects (seed 004). Permissions, locks and values are checked here, never
only in the page.
"""
from dataclasses import dataclass

from portal.db import write_tx
from portal.grading import tt27
from portal.labels import field_label
from portal.models import (
    CHECKPOINTS, ChangeRequest, Enrolment, EvaluationChange, EvaluationLock, GradeSubject, Pupil, QualityResult,
    TERMS, SchoolClass, Subject, SubjectResult, User,
)
from portal.models.base import utcnow
from portal.models.prepared import Prepared
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import results
from portal.services.records import freeze
from portal.services.system import audit
from portal.text import clean_text

MAX_COMMENT = 1000
MAX_REASON = 1000
SUPPLEMENTARY = "BS"  # đánh giá bổ sung (TT27 Điều 11 k.2): re-evaluation in the summer
ALL_CHECKPOINTS = [*CHECKPOINTS, SUPPLEMENTARY]
LOCKABLE = [*ALL_CHECKPOINTS, *TERMS]  # TT22 terms HK1, HK2, HE share the locks and change requests
FIELDS = ("level", "score", "comment")


class Locked(ServiceError):
    """The checkpoint is locked: the change needs a written reason and the principal's approval."""


@dataclass
class Saved:
    status: str  # saved | unchanged | requested
    value: object
    request: ChangeRequest | None = None
    pupil: Pupil | None = None


def _nfc(text: str) -> str:
    """NFC and nothing invisible (portal/text.py): a reason of zero-width spaces is an empty reason."""
    return clean_text(text or "")


def tested_at(klass: SchoolClass, subject: Subject, checkpoint: str, gs: GradeSubject | None = None) -> bool:
    gs = gs or GradeSubject.get_or_none((GradeSubject.grade == klass.grade_id) & (GradeSubject.subject == subject))
    if gs is None:
        return False
    if checkpoint == SUPPLEMENTARY:
        return "CN" in gs.tested_checkpoints
    return checkpoint in gs.tested_checkpoints


def parse_value(field: str, raw, *, quality: bool, tested: bool):
    """The stored value for what was typed, or a ServiceError in Vietnamese."""
    text = _nfc(str(raw if raw is not None else "")).strip()
    if field == "level":
        if not text:
            return ""
        code = text.upper().replace("D", "Đ") if quality else text.upper()
        allowed = tt27.QUALITY_LEVELS if quality else tt27.SUBJECT_LEVELS
        if code not in allowed:
            raise ServiceError("Mức đạt được không hợp lệ: chỉ nhận " + ", ".join(
                f"{k} ({v})" for k, v in allowed.items()) + ".", field="level")
        return code
    if field == "score":
        if not text:
            return None
        if not tested:
            raise ServiceError("Môn này không có bài kiểm tra định kì ở thời điểm này.", field="score")
        if not text.isdigit():
            raise ServiceError(f"Điểm “{text[:20]}” không hợp lệ: điểm là số nguyên từ 1 đến 10.", field="score")
        try:
            return tt27.check_score(int(text))
        except ValueError:
            raise ServiceError(f"Điểm {text[:20]} không hợp lệ: điểm là số nguyên từ 1 đến 10.", field="score") from None
    if field == "comment":
        if len(text) > MAX_COMMENT:
            raise ServiceError(f"Nhận xét dài {len(text)} ký tự, tối đa {MAX_COMMENT} ký tự.", field="comment")
        return text
    raise ServiceError("Trường dữ liệu không hợp lệ.")


# Run on every cell save: their SQL is written once (portal/models/prepared.py).
_LOCK = Prepared(lambda year, checkpoint, grade, klass: EvaluationLock.select().where(
    (EvaluationLock.year == year) & (EvaluationLock.checkpoint == checkpoint)
    & ((EvaluationLock.grade.is_null() & EvaluationLock.school_class.is_null())
       | (EvaluationLock.grade == grade) | (EvaluationLock.school_class == klass))).limit(1))
_ENROLLED = Prepared(lambda pupil, klass: Pupil.select().join(Enrolment).where(
    (Pupil.id == pupil) & (Enrolment.school_class == klass) & (Enrolment.status == "active")).limit(1))
_RESULT = {model: Prepared(lambda pupil, klass, checkpoint, target, m=model, column=column: m.select().where(
    (m.pupil == pupil) & (m.school_class == klass) & (m.checkpoint == checkpoint) & (column == target)).limit(1))
    for model, column in ((SubjectResult, SubjectResult.subject), (QualityResult, QualityResult.quality))}


def find_lock(klass: SchoolClass, checkpoint: str) -> EvaluationLock | None:
    """The lock covering this class at this checkpoint: school-wide, its grade, or the class itself."""
    return _LOCK.first(klass.year_id, checkpoint, klass.grade_id, klass.id)


def _result_row(model, key: dict):
    """The stored cell for this key (pupil, class, checkpoint, and the subject or the quality), or None."""
    target = key["subject"] if model is SubjectResult else key["quality"]
    return _RESULT[model].first(key["pupil"], key["school_class"], key["checkpoint"], target)


def _enrolled(klass: SchoolClass, pupil_id) -> Pupil:
    pupil = _ENROLLED.first(pupil_id, klass.id)
    if pupil is None:
        raise ServiceError("Học sinh không thuộc lớp này.")
    return pupil


def _target(klass, subject: Subject | None, quality: str | None, offered: GradeSubject | None = None):
    """The result model, its key, and (for a subject) how the grade teaches it (`offered` when the caller
    read it already)."""
    if subject is not None:
        known = offered is not None and offered.grade_id == klass.grade_id and offered.subject_id == subject.id
        gs = offered if known else GradeSubject.get_or_none((GradeSubject.grade == klass.grade_id)
                                                            & (GradeSubject.subject == subject))
        if gs is None:
            raise ServiceError("Môn học không có trong chương trình của lớp.")
        return SubjectResult, {"subject": subject}, gs
    if quality in tt27.ALL_QUALITIES or quality in tt27.QUALITY_GROUPS:
        return QualityResult, {"quality": quality}, None
    raise ServiceError("Phẩm chất, năng lực không hợp lệ.")


def ensure_supplementary_allowed(klass: SchoolClass, pupil: Pupil) -> None:
    """Only a pupil who did not complete the grade (CHT) is evaluated again in summer (TT27 Điều 11 k.2).
    Clearing a supplementary value stays possible, so a mistaken entry can be removed."""
    outcome = results.end_of_year_outcome(klass, pupil)
    if outcome == "CHT":
        return
    if not outcome:
        raise ServiceError(f"{pupil.full_name} chưa đủ kết quả cuối năm; đánh giá bổ sung chỉ dành cho học sinh "
                           "chưa hoàn thành chương trình lớp học.")
    raise ServiceError(f"{pupil.full_name} có kết quả cuối năm {tt27.OUTCOMES[outcome]} ({outcome}), đã hoàn thành "
                       "chương trình lớp học; đánh giá bổ sung chỉ dành cho học sinh Chưa hoàn thành (CHT).")


def can_edit(user: User, klass: SchoolClass, subject: Subject | None) -> bool:
    if subject is None:
        return permissions.is_homeroom_of(user, klass)
    return permissions.can_enter_subject(user, klass, subject)


def file_request(user: User, cell: dict, old: str, reason: str, what: str) -> ChangeRequest:
    """A change request for a locked cell (`cell`: the ChangeRequest fields naming it and the new value).
    The same request sent twice (a double tap, a retry after a lost answer) is one request."""
    same = ChangeRequest.get_or_none(status="pending", **cell)
    if same is not None:
        return same
    request = ChangeRequest.create(old_value=old, reason=reason, **cell)
    audit.record("evaluation.change_requested", request, user=user, summary=f"Đề nghị sửa {what}", reason=reason)
    return request


def _apply(model, key: dict, field: str, value, user, reason="", request=None, *, row):
    """Write the cell `row` (None: not stored yet) and its history line."""
    old = getattr(row, field) if row is not None else ("" if field != "score" else None)
    if row is None:
        row = model(**key)
    setattr(row, field, value)
    row.updated_at, row.updated_by = utcnow(), user
    row.save()
    EvaluationChange.create(
        pupil=key["pupil"], school_class=key["school_class"], subject=key.get("subject"),
        quality=key.get("quality", ""), checkpoint=key["checkpoint"], field=field,
        old_value="" if old is None else str(old), new_value="" if value is None else str(value),
        reason=reason, changed_by=user, request=request)
    return row


def save(user: User, klass: SchoolClass, pupil_id, checkpoint: str, field: str, raw, *,
         subject: Subject | None = None, quality: str | None = None, reason: str = "",
         offered: GradeSubject | None = None) -> Saved:
    """Save one cell, or file a change request when the checkpoint is locked."""
    if checkpoint not in ALL_CHECKPOINTS:
        raise ServiceError("Thời điểm đánh giá không hợp lệ.")
    if field not in FIELDS or (subject is None and field == "score"):
        raise ServiceError("Trường dữ liệu không hợp lệ.")
    if not can_edit(user, klass, subject):
        raise permissions.Forbidden()
    model, target, gs = _target(klass, subject, quality, offered)
    pupil = _enrolled(klass, pupil_id)
    tested = subject is not None and field == "score" and tested_at(klass, subject, checkpoint, gs)
    value = parse_value(field, raw, quality=subject is None, tested=tested)
    key = {"pupil": pupil, "school_class": klass, "checkpoint": checkpoint, **target}
    reason = _nfc(reason).strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Lý do tối đa {MAX_REASON} ký tự.", field="reason")
    with write_tx():
        # Checked here, under the write lock: a record may have entered the chain a moment ago.
        freeze.ensure_open(pupil, klass)
        row = _result_row(model, key)
        old = getattr(row, field) if row is not None else ("" if field != "score" else None)
        if old == value:
            return Saved("unchanged", value, pupil=pupil)
        if checkpoint == SUPPLEMENTARY and value not in ("", None):
            ensure_supplementary_allowed(klass, pupil)
        if find_lock(klass, checkpoint) is not None:
            if not reason:
                raise Locked("Thời điểm này đã khóa sổ. Ghi lý do để gửi đề nghị sửa đổi cho Hiệu trưởng duyệt.",
                             field="reason")
            cell = dict(pupil=pupil, school_class=klass, subject=subject, quality=quality or "", checkpoint=checkpoint,
                        field=field, new_value="" if value is None else str(value), requested_by=user)
            request = file_request(user, cell, "" if old is None else str(old), reason,
                                   f"{field_label(field).lower()} của {pupil.full_name} ({checkpoint})")
            return Saved("requested", old, request, pupil)
        _apply(model, key, field, value, user, reason, row=row)
        audit.record("evaluation.changed", pupil, user=user, summary=f"{klass.name} {checkpoint} {field_label(field).lower()}",
                     target=subject.code if subject else quality, old=old, new=value)
    return Saved("saved", value, pupil=pupil)


def decide(user: User, request: ChangeRequest, approve: bool, note: str = "") -> ChangeRequest:
    """The principal approves (the change applies) or rejects a change request."""
    if not permissions.is_board(user):
        raise permissions.Forbidden()
    with write_tx():
        request = ChangeRequest.get_by_id(request.id)  # fresh, under the write lock: decided once only
        if request.status != "pending":
            raise ServiceError("Đề nghị này đã được xử lý.")
        if approve:  # a request filed before the record entered the chain must not change it now
            freeze.ensure_open(request.pupil, request.school_class)
            if request.checkpoint == SUPPLEMENTARY and request.new_value:
                ensure_supplementary_allowed(request.school_class, request.pupil)
        request.status = "approved" if approve else "rejected"
        request.decided_by, request.decided_at, request.decision_note = user, utcnow(), _nfc(note).strip()[:MAX_REASON]
        request.save()
        if approve and request.checkpoint in TERMS:
            from portal.services.evaluation.secondary.entry import apply_request  # late: secondary builds on this module
            apply_request(request)
        elif approve:
            model = SubjectResult if request.subject_id else QualityResult
            target = {"subject": request.subject} if request.subject_id else {"quality": request.quality}
            value = request.new_value
            if request.field == "score":
                value = int(value) if value else None
            key = {"pupil": request.pupil, "school_class": request.school_class, "checkpoint": request.checkpoint,
                   **target}
            row = _result_row(model, key)
            if row is None or getattr(row, request.field) != value:  # already so: no "T → T" in the history
                _apply(model, key, request.field, value, request.requested_by, request.reason, request, row=row)
        audit.record("evaluation.change_" + request.status, request, user=user,
                     summary=f"{'Duyệt' if approve else 'Từ chối'} đề nghị sửa đổi #{request.id}")
    return request


def lock(user: User, year, checkpoint: str, grade=None, klass: SchoolClass | None = None) -> EvaluationLock:
    if not permissions.is_board(user):
        raise permissions.Forbidden()
    if checkpoint not in LOCKABLE:
        raise ServiceError("Thời điểm đánh giá không hợp lệ.")
    with write_tx():
        existing = EvaluationLock.get_or_none(year=year, checkpoint=checkpoint, grade=grade, school_class=klass)
        if existing:
            return existing
        row = EvaluationLock.create(year=year, checkpoint=checkpoint, grade=grade, school_class=klass, locked_by=user)
        scope = f"lớp {klass.name}" if klass else (f"khối {row.grade.number}" if grade else "toàn trường")
        audit.record("evaluation.locked", row, user=user, summary=f"Khóa sổ {checkpoint} — {scope}")
    return row


def unlock(user: User, row: EvaluationLock) -> None:
    if not permissions.is_board(user):
        raise permissions.Forbidden()
    with write_tx():
        audit.record("evaluation.unlocked", row, user=user, summary=f"Mở khóa {row.checkpoint}")
        row.delete_instance()
