"""Parents' and pupils' read-only access: a per-pupil code the school prints or sends."""
import hashlib
import hmac
import secrets

from flask import current_app

from portal.db import write_tx
from portal.models import AccessCode, Pupil, RecordVersion
from portal.models.base import utcnow

from . import ServiceError, access, audit
from .records import CODE_ALPHABET


def _hash(code: str) -> str:
    norm = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(current_app.config["SECRET_KEY"].encode(), norm.encode(), hashlib.sha256).hexdigest()


def may_manage(user, pupil: Pupil) -> bool:
    classes = [e.school_class for e in pupil.enrolments if e.school_class_id and e.status == "active"]
    return access.is_admin(user) or access.is_board(user) or any(access.is_homeroom_of(user, k) for k in classes)


def issue(user, pupil: Pupil) -> str:
    """A new code for this pupil (any earlier one is revoked); shown once, stored only as a hash."""
    if not may_manage(user, pupil):
        raise access.Forbidden()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    with write_tx():
        AccessCode.update(revoked_at=utcnow()).where((AccessCode.pupil == pupil) & AccessCode.revoked_at.is_null()).execute()
        AccessCode.create(pupil=pupil, code_hash=_hash(code), hint=raw[-3:], created_by=user)
        audit.record("parent_code.issued", pupil, user=user, summary=f"Cấp mã tra cứu cho phụ huynh {pupil.full_name}")
    return code


def revoke(user, pupil: Pupil) -> int:
    if not may_manage(user, pupil):
        raise access.Forbidden()
    with write_tx():
        n = AccessCode.update(revoked_at=utcnow()).where((AccessCode.pupil == pupil) & AccessCode.revoked_at.is_null()).execute()
        audit.record("parent_code.revoked", pupil, user=user, summary=f"Thu hồi mã phụ huynh {pupil.full_name}")
    return n


def pupil_for(code: str) -> Pupil:
    row = AccessCode.get_or_none((AccessCode.code_hash == _hash(code or "")) & AccessCode.revoked_at.is_null())
    if row is None:
        raise ServiceError("Mã tra cứu không đúng hoặc đã bị thu hồi.")
    return row.pupil


def issued_records(pupil: Pupil) -> list[RecordVersion]:
    return list(RecordVersion.select().where((RecordVersion.pupil == pupil) & (RecordVersion.status == "issued"))
                .order_by(RecordVersion.id))
