"""Append to the hash-chained audit trail.

Each entry's hash covers its content and the previous entry's hash, so an edited or deleted entry
breaks the chain from that point on.
"""
import hashlib
import json

from flask import has_request_context, request
from flask_login import current_user

from portal.models import AuditEntry
from portal.models.base import utcnow


def _canonical(entry_fields: dict) -> str:
    return json.dumps(entry_fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, at, username: str, action: str, object_type: str, object_id: str,
               summary: str, data: str) -> str:
    payload = _canonical({
        "prev": prev_hash, "at": at.isoformat(timespec="microseconds"), "user": username,
        "action": action, "type": object_type, "id": object_id, "summary": summary, "data": data,
    })
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(action: str, obj=None, summary: str = "", user=None, **data) -> AuditEntry:
    """Append one entry; call inside the transaction of the change it describes."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    username = data.pop("username", None) or (user.username if user else "")
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else ""
    ip = request.remote_addr or "" if has_request_context() else ""
    last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
    prev_hash = last.hash if last else ""
    at = utcnow()
    payload = _canonical(data)
    digest = entry_hash(prev_hash, at, username, action, object_type, object_id, summary, payload)
    return AuditEntry.create(
        at=at, user=user, username=username, action=action, object_type=object_type,
        object_id=object_id, summary=summary, data=payload, ip=ip, prev_hash=prev_hash, hash=digest,
    )


def verify_chain():
    """Return the first entry whose hash or link is wrong, or None when the chain is intact."""
    prev = ""
    for e in AuditEntry.select().order_by(AuditEntry.id):
        expected = entry_hash(prev, e.at, e.username, e.action, e.object_type, e.object_id, e.summary, e.data)
        if e.prev_hash != prev or e.hash != expected:
            return e
        prev = e.hash
    return None
