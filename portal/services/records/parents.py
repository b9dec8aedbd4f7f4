"""Parents' and pupils' read-only access: a per-pupil code the school prints or sends.

Codes are stored as an HMAC under the access-code key (services/system/keys.py: instance/secrets/access-codes.key
or ACCESS_CODE_KEY), which travels inside encrypted backups so printed codes keep working after a restore
on a new machine. Portals from before that key hashed codes under SECRET_KEY: where codes exist when the
key file is first created, it is created holding that same secret, so every printed code keeps working.
A parent's session holds the code's row, checked on every page: revoking or reissuing the code ends it.
"""
import hashlib
import hmac
import secrets

from portal.db import write_tx
from portal.models import AccessCode, Pupil, RecordVersion
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.appconfig import app_config
from portal.services.records.record import CODE_ALPHABET
from portal.services.system import audit, keys


def _initial_key() -> bytes | None:
    """The key that hashed the codes already printed (SECRET_KEY before the key file existed); None → random."""
    return app_config()["SECRET_KEY"].encode() if AccessCode.select().exists() else None


def _hash(code: str) -> str:
    norm = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(keys.get("access_codes", initial=_initial_key), norm.encode(), hashlib.sha256).hexdigest()


def may_manage(user, pupil: Pupil) -> bool:
    classes = [e.school_class for e in pupil.enrolments if e.school_class_id and e.status == "active"]
    return permissions.is_admin(user) or permissions.is_board(user) or any(permissions.is_homeroom_of(user, k) for k in classes)


def issue(user, pupil: Pupil) -> str:
    """A new code for this pupil (any earlier one is revoked); shown once, stored only as a hash."""
    if not may_manage(user, pupil):
        raise permissions.Forbidden()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    with write_tx():
        AccessCode.update(revoked_at=utcnow()).where((AccessCode.pupil == pupil) & AccessCode.revoked_at.is_null()).execute()
        AccessCode.create(pupil=pupil, code_hash=_hash(code), hint=raw[-3:], created_by=user)
        audit.record("parent_code.issued", pupil, user=user, summary=f"Cấp mã tra cứu cho phụ huynh {pupil.full_name}")
    return code


def revoke(user, pupil: Pupil) -> int:
    if not may_manage(user, pupil):
        raise permissions.Forbidden()
    with write_tx():
        n = AccessCode.update(revoked_at=utcnow()).where((AccessCode.pupil == pupil) & AccessCode.revoked_at.is_null()).execute()
        audit.record("parent_code.revoked", pupil, user=user, summary=f"Thu hồi mã phụ huynh {pupil.full_name}")
    return n


REVOKED = "Mã tra cứu đã bị thu hồi hoặc thay bằng mã mới. Vui lòng nhập mã nhà trường vừa cung cấp."


def sign_in(code: str) -> AccessCode:
    """The live code row for what the parent typed; its id is what their session keeps."""
    row = AccessCode.get_or_none((AccessCode.code_hash == _hash(code or "")) & AccessCode.revoked_at.is_null())
    if row is None:
        audit.record("parent_code.failed", user=None, summary="Nhập sai mã tra cứu phụ huynh", username="phụ huynh")
        raise ServiceError("Mã tra cứu không đúng hoặc đã bị thu hồi.")
    return row


def session_pupil(code_id) -> Pupil | None:
    """The pupil a parent's session reaches, while the code it was opened with is still live."""
    if not isinstance(code_id, int):
        return None
    row = AccessCode.get_or_none((AccessCode.id == code_id) & AccessCode.revoked_at.is_null())
    return row.pupil if row else None


def issued_records(pupil: Pupil) -> list[RecordVersion]:
    return list(RecordVersion.select().where((RecordVersion.pupil == pupil) & (RecordVersion.status == "issued"))
                .order_by(RecordVersion.id))


def issued_for_family(record_id: int, code_id) -> RecordVersion | None:
    """An issued record of the pupil the family's session reaches, or None (never another pupil's)."""
    rv = RecordVersion.get_or_none((RecordVersion.id == record_id) & (RecordVersion.status == "issued"))
    pupil = session_pupil(code_id)
    return rv if rv is not None and pupil is not None and rv.pupil_id == pupil.id else None


def family_pdf(rv: RecordVersion) -> bytes:
    """The issued PDF a family downloads; the download is written to the audit trail."""
    from portal.services.records.chain_files import read_pdf

    data = read_pdf(rv)
    audit.record("record.downloaded", rv, user=None, summary=f"Phụ huynh tải học bạ {rv.record_id}", username="phụ huynh")
    return data
