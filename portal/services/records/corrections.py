"""Corrections after issuance (HOCBA §7): never an edit — a new version with a written reason, approved by
the principal, whose chain runs again; when it is issued, the old version becomes "superseded"."""
from portal.db import write_tx
from portal.models import RecordVersion
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records.record import new_code
from portal.services.system import audit
from portal.text import clean_text


def open_correction(user, rv: RecordVersion, reason: str) -> RecordVersion:
    """The principal approves a correction of an issued record: a new draft version opens."""
    if not permissions.may_sign_as_principal(user):
        raise permissions.Forbidden()
    reason = clean_text(reason or "").strip()
    if len(reason) < 10:
        raise ServiceError("Cần ghi rõ lý do đính chính (ít nhất 10 ký tự).", field="reason")
    if rv.status != "issued":
        raise ServiceError("Chỉ đính chính học bạ đã phát hành; học bạ chưa phát hành được sửa theo quy trình thường.")
    latest = RecordVersion.latest_for(rv.pupil, rv.school_class)
    if latest.id != rv.id:
        raise ServiceError(f"Đã có phiên bản {latest.version} đang đính chính.")
    with write_tx():
        new = RecordVersion.create(pupil=rv.pupil, school_class=rv.school_class, version=rv.version + 1,
                                   code=new_code(), correction_reason=reason[:1000], wave=rv.wave)
        audit.record("record.correction_opened", new, user=user,
                     summary=f"Đính chính học bạ {rv.record_id}: {reason[:200]}")
    return new


def request_correction(user, rv: RecordVersion, what: str, reason: str, evidence: str):
    """The homeroom teacher (or the board) asks for a correction of an issued record."""
    from portal.models import CorrectionRequest
    if not permissions.is_homeroom_or_board(user, rv.school_class):
        raise permissions.Forbidden()
    what, reason, evidence = (clean_text(t or "").strip() for t in (what, reason, evidence))
    if not what or len(reason) < 10:
        raise ServiceError("Cần ghi nội dung cần đính chính và lý do (ít nhất 10 ký tự).", field="reason")
    if rv.status != "issued":
        raise ServiceError("Chỉ đề nghị đính chính học bạ đã phát hành.")
    with write_tx():
        req = CorrectionRequest.create(record=rv, requested_by=user, what=what[:1000], reason=reason[:1000],
                                       evidence=evidence[:1000])
        audit.record("record.correction_requested", req, user=user,
                     summary=f"Đề nghị đính chính học bạ {rv.record_id}: {what[:100]}")
    return req


def decide_correction(user, req, approve: bool, note: str = ""):
    """The principal approves (a new version opens) or rejects a correction request."""
    from portal.models.base import utcnow
    if req.status != "pending":
        raise ServiceError("Đề nghị này đã được xử lý.")
    with write_tx():
        if approve:
            text = f"{req.what} — {req.reason}" + (f" (minh chứng: {req.evidence})" if req.evidence else "")
            req.new_version = open_correction(user, req.record, text)
        elif not permissions.may_sign_as_principal(user):
            raise permissions.Forbidden()
        req.status = "approved" if approve else "rejected"
        req.decided_by, req.decided_at, req.decision_note = user, utcnow(), clean_text(note or "").strip()[:1000]
        req.save()
        audit.record(f"record.correction_{req.status}", req, user=user,
                     summary=f"{'Duyệt' if approve else 'Từ chối'} đề nghị đính chính #{req.id}")
    return req
