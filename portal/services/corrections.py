"""Corrections after issuance (HOCBA §7): never an edit — a new version with a written reason, approved by
the principal, whose chain runs again; when it is issued, the old version becomes "superseded"."""
from portal.db import write_tx
from portal.models import RecordVersion

from . import ServiceError, access, audit
from .records import new_code


def open_correction(user, rv: RecordVersion, reason: str) -> RecordVersion:
    """The principal approves a correction of an issued record: a new draft version opens."""
    if not (user.has_role("principal") or any(r.role == "vice_principal" and r.can_sign for r in user.roles)):
        raise access.Forbidden()
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ServiceError("Cần ghi rõ lý do đính chính (ít nhất 10 ký tự).", field="reason")
    if rv.status != "issued":
        raise ServiceError("Chỉ đính chính học bạ đã phát hành; học bạ chưa phát hành được sửa theo quy trình thường.")
    latest = (RecordVersion.select().where((RecordVersion.pupil == rv.pupil)
                                           & (RecordVersion.school_class == rv.school_class))
              .order_by(RecordVersion.version.desc()).first())
    if latest.id != rv.id:
        raise ServiceError(f"Đã có phiên bản {latest.version} đang đính chính.")
    with write_tx():
        new = RecordVersion.create(pupil=rv.pupil, school_class=rv.school_class, version=rv.version + 1,
                                   code=new_code(), correction_reason=reason[:1000], wave=rv.wave)
        audit.record("record.correction_opened", new, user=user,
                     summary=f"Đính chính học bạ {rv.record_id}: {reason[:200]}")
    return new
