"""Messages to the sector database (CSDL ngành): "Đăng ký tạo học bạ" (create) and "Thu hồi học bạ" (revoke),
each naming the record (madinhdanhhocba), its version (phienban) and the event (sukien NEW / UPDATE / CANCEL);
the sector database answers with a processing status 00 not processed / 01 processed / 02 error
(../shared/EXCHANGE-NOTES.md, inferred from a front-end of the central system; no public upload API).

Protocol, shaped like the package sending in sending.py (same endpoint, token, retries, idempotency):
  POST {PACKAGE_ENDPOINT}/messages  JSON below, `Idempotency-Key`, `Authorization: Bearer` → 202 {"id", "trangthai"}
  GET  {PACKAGE_ENDPOINT}/messages/{id} → {"trangthai": "00" | "01" | "02", "mota"?}
# UNCONFIRMED: the endpoint paths, the JSON envelope and the names "loaithongdiep", "trangthai", "mota" are
# ours; the record fields use the data dictionary's names (madinhdanhhocba, phienban, sukien, idbanghi,
# matruong, namhoc, mahocsinh, thoigiancapnhat). Only this module knows them.
"""
import json
import time

from portal.db import write_tx
from portal.models import MESSAGE_KINDS, REGISTRY_STATUSES, RecordVersion, RegistryMessage
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.exchange.sending import RETRIES, _request, deliver
from portal.services.system import audit


def _event_for(rv: RecordVersion) -> tuple[str, str] | None:
    if rv.status == "revoked":
        return "revoke", "CANCEL"
    if rv.status in ("issued", "superseded"):
        # A correction is a new version of the same pupil's record for the same class (signing.py marks the
        # older one superseded): announced as an UPDATE with the raised version.
        earlier = RecordVersion.select().where((RecordVersion.pupil == rv.pupil)
                                               & (RecordVersion.school_class == rv.school_class)
                                               & (RecordVersion.version < rv.version)).exists()
        return "create", "UPDATE" if earlier else "NEW"
    return None


def queue(rv: RecordVersion, username: str = "system") -> RegistryMessage | None:
    """Queue the message this record version calls for (issued → NEW/UPDATE, revoked → CANCEL); once only."""
    what = _event_for(rv)
    if what is None:
        return None
    kind, event = what
    key = f"{rv.record_id}:{event}:{rv.version}"
    existing = RegistryMessage.get_or_none(RegistryMessage.key == key)
    if existing:
        return existing
    with write_tx():
        msg = RegistryMessage.create(record=rv, kind=kind, event=event, record_ident=rv.record_id,
                                     version=rv.version, key=key)
        audit.record("registry.queued", msg, user=None, username=username,
                     summary=f"Chờ gửi CSDL ngành: {MESSAGE_KINDS[kind]} {rv.record_id} ({event}, phiên bản {rv.version})")
    return msg


def collect() -> list[RegistryMessage]:
    """Queue what is not yet announced: issued records (and the superseded versions they replaced, so the
    NEW precedes the UPDATE) without a create message, revoked ones without a CANCEL."""
    announced = {m.key for m in RegistryMessage.select(RegistryMessage.key)}
    out = []
    rows = RecordVersion.select().where(RecordVersion.status.in_(("issued", "superseded", "revoked")))
    for rv in rows.order_by(RecordVersion.version, RecordVersion.id):
        what = _event_for(rv)
        if what and f"{rv.record_id}:{what[1]}:{rv.version}" not in announced:
            out.append(queue(rv))
    return out


def _payload(msg: RegistryMessage) -> dict:
    rv = msg.record
    return {"loaithongdiep": msg.kind, "madinhdanhhocba": msg.record_ident, "phienban": msg.version,
            "sukien": msg.event, "idbanghi": msg.key, "matruong": rv.school_class.year.school.code,
            "namhoc": rv.school_class.year.name, "mahocsinh": rv.pupil.code,
            "thoigiancapnhat": msg.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _endpoint() -> str:
    endpoint = app_config()["PACKAGE_ENDPOINT"].rstrip("/")
    if not endpoint:
        raise ServiceError("Chưa cấu hình địa chỉ tiếp nhận của CSDL ngành (PACKAGE_ENDPOINT); chưa gửi được thông điệp.")
    return endpoint


def send(msg: RegistryMessage, sleep=time.sleep) -> RegistryMessage:
    headers = {"Content-Type": "application/json", "Idempotency-Key": msg.key,
               "Authorization": f"Bearer {app_config()['PACKAGE_TOKEN']}"}
    outcome, body, attempts, last = deliver(f"{_endpoint()}/messages", json.dumps(_payload(msg)).encode(), headers,
                                            sleep)
    msg.attempts += attempts
    if outcome == "sent":
        msg.state, msg.remote_id, msg.reason = "sent", str(body.get("id", "")), ""
        msg.remote_status = str(body.get("trangthai", "00"))
    elif outcome == "rejected":
        msg.state, msg.reason = "failed", f"Bị từ chối khi gửi ({last})."
    else:
        msg.state, msg.reason = "failed", f"Gửi thất bại sau {RETRIES} lần ({last})."
    msg.updated_at = utcnow()
    with write_tx():
        msg.save()
        audit.record("registry.sent", msg, user=None, username="system", attempts=msg.attempts,
                     summary=f"{MESSAGE_KINDS[msg.kind]} {msg.record_ident} ({msg.event}): "
                             + ("đã gửi" if msg.state == "sent" else "gửi lỗi"))
    return msg


def refresh(msg: RegistryMessage) -> RegistryMessage:
    """Ask the sector database what became of a sent message; its status is kept as received."""
    if msg.state != "sent" or not msg.remote_id:
        return msg
    try:
        _, body = _request("GET", f"{_endpoint()}/messages/{msg.remote_id}",
                           headers={"Authorization": f"Bearer {app_config()['PACKAGE_TOKEN']}"})
    except (OSError, ValueError):
        return msg
    status = str(body.get("trangthai", ""))
    if status in REGISTRY_STATUSES and status != msg.remote_status:
        with write_tx():
            msg.remote_status, msg.reason, msg.updated_at = status, str(body.get("mota", ""))[:500], utcnow()
            msg.save()
            audit.record("registry.status", msg, user=None, username="system",
                         summary=f"{msg.record_ident} ({msg.event}): {REGISTRY_STATUSES[status].lower()}")
    return msg


def send_pending(sleep=time.sleep) -> list[RegistryMessage]:
    collect()
    pending = RegistryMessage.select().where(RegistryMessage.state.in_(("pending", "failed")))
    return [send(m, sleep) for m in pending.order_by(RegistryMessage.id)]


def resend(user, msg: RegistryMessage, sleep=time.sleep) -> RegistryMessage:
    """The administrator sends a failed message (or one the sector database reported in error, 02) again."""
    if not (msg.state == "failed" or msg.remote_status == "02"):
        raise ServiceError("Chỉ gửi lại thông điệp gửi lỗi hoặc bị CSDL ngành báo lỗi.")
    with write_tx():
        msg.state, msg.remote_status = "pending", ""
        msg.save()
        audit.record("registry.resend", msg, user=user, summary=f"Gửi lại thông điệp {msg.record_ident} ({msg.event})")
    return send(msg, sleep)
