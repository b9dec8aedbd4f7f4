"""The homeroom teacher's year lines of a secondary record (TT22 annex, TT22.md §13 item 5; Điều 20 k.4 a):
the comment on the pupil's rèn luyện and học tập ("Nhận xét của giáo viên chủ nhiệm"), the certificates
("Chứng chỉ") and the competition results ("Kết quả tham gia các cuộc thi"), one pupil at a time.

Written like the other homeroom entries (rèn luyện, absences: secondary/entry.py): only the class's
homeroom teacher (or the administrator); never once the pupil's record is in the signing chain; after the
principal locks Học kì II — the semester that closes the year — a change becomes a change request for the
principal (the shared ChangeRequest, checkpoint HK2); every change is kept (EvaluationChange).
"""
from dataclasses import dataclass

from portal.db import write_tx
from portal.models import ChangeRequest, EvaluationChange, SchoolClass, User, YearRemark
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation.entry import MAX_COMMENT, MAX_REASON, Locked, _enrolled, file_request, find_lock
from portal.services.records import freeze
from portal.services.system import audit
from portal.text import clean_text

# field → (its label on the page and in the history, the most characters it may hold)
FIELDS = {
    "homeroom_comment": ("Nhận xét của giáo viên chủ nhiệm", MAX_COMMENT),
    "certificates": ("Chứng chỉ", 500),
    "competitions": ("Kết quả tham gia các cuộc thi", 500),
}
LISTS = ("certificates", "competitions")  # one item a line, as printed
TERM = "HK2"  # the lock that closes the year covers these lines


@dataclass
class SavedRemark:
    status: str  # saved | unchanged | requested
    remark: YearRemark | None
    requests: list


def class_remarks(klass: SchoolClass) -> dict[int, YearRemark]:
    """pupil id → their year lines in this class (one query)."""
    return {r.pupil_id: r for r in YearRemark.select().where(YearRemark.school_class == klass)}


def remark_of(klass, pupil) -> YearRemark | None:
    return YearRemark.get_or_none((YearRemark.school_class == klass) & (YearRemark.pupil == pupil))


def lines(text: str) -> list[str]:
    """A list field as its items: one a line, blank lines dropped."""
    return [line for line in (text or "").splitlines() if line.strip()]


def parse(field: str, raw) -> str:
    """What is stored for what was typed: cleaned text; a list field one trimmed item a line."""
    label, limit = FIELDS[field]
    text = clean_text(str(raw if raw is not None else "")).strip()
    if field in LISTS:
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(text) > limit:
        raise ServiceError(f"{label} dài {len(text)} ký tự, tối đa {limit} ký tự.", field=field)
    return text


def _reason(reason: str) -> str:
    reason = clean_text(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Lý do tối đa {MAX_REASON} ký tự.", field="reason")
    return reason


def save_remarks(user: User, klass: SchoolClass, pupil_id, data: dict, *, reason: str = "") -> SavedRemark:
    """Save the pupil's year lines that changed (keys of FIELDS in `data`), or, after Học kì II is
    locked, file one change request per changed line (a reason is then required)."""
    if not permissions.may_write_year_remarks(user, klass):
        raise permissions.Forbidden()
    values = {field: parse(field, data[field]) for field in FIELDS if field in data}
    reason = _reason(reason)
    pupil = _enrolled(klass, pupil_id)
    with write_tx():
        freeze.ensure_open(pupil, klass)  # under the write lock: the record may have entered the chain
        row = remark_of(klass, pupil)
        changed = {f: v for f, v in values.items() if v != (getattr(row, f) if row else "")}
        if not changed:
            return SavedRemark("unchanged", row, [])
        if find_lock(klass, TERM) is not None:
            if not reason:
                raise Locked("Học kì II đã khóa sổ. Ghi lý do để gửi đề nghị sửa đổi cho Hiệu trưởng duyệt.",
                             field="reason")
            return SavedRemark("requested", row, [_request(user, pupil, klass, f, getattr(row, f) if row else "",
                                                           v, reason) for f, v in changed.items()])
        row = _apply(pupil, klass, changed, user, reason, row=row)
        audit.record("evaluation.changed", pupil, user=user, summary=f"{klass.name} cả năm: "
                     + ", ".join(FIELDS[f][0].lower() for f in changed))
    return SavedRemark("saved", row, [])


def _request(user, pupil, klass, field, old, new, reason) -> ChangeRequest:
    cell = dict(pupil=pupil, school_class=klass, subject=None, quality="", checkpoint=TERM, field=field,
                new_value=new, requested_by=user)
    return file_request(user, cell, old or "", reason, f"{FIELDS[field][0].lower()} của {pupil.full_name}")


def _apply(pupil, klass, changed: dict, user, reason="", request=None, row=None) -> YearRemark:
    row = row or remark_of(klass, pupil) or YearRemark(pupil=pupil, school_class=klass)
    for field, value in changed.items():
        old = getattr(row, field) if row.id else ""
        setattr(row, field, value)
        EvaluationChange.create(pupil=pupil, school_class=klass, subject=None, quality="", checkpoint=TERM,
                                field=field, old_value=old or "", new_value=value, reason=reason, changed_by=user,
                                request=request)
    row.updated_at, row.updated_by = utcnow(), user
    row.save()
    return row


def apply_request(request: ChangeRequest) -> None:
    """An approved change request of a year line (called by evaluation.decide, inside its transaction)."""
    row = remark_of(request.school_class, request.pupil)
    if row is None or getattr(row, request.field) != request.new_value:
        _apply(request.pupil, request.school_class, {request.field: request.new_value}, request.requested_by,
               request.reason, request, row=row)
