"""Append to the audit trail: a chain of entries, each sealed with an HMAC under a key kept outside the
database (services/system/keys.py).

Every entry's HMAC covers all of its columns (id, time, user id and name, action, object, summary,
details, address) and the previous entry's hash, so rewriting a row, editing its address or user,
deleting or inserting rows cannot be hidden by recomputing hashes without the key. Ids are consecutive.
Each append reads the chain head and inserts inside one write transaction (a savepoint when the caller
already holds one), so concurrent writers — threads, processes, the batch worker — queue instead of forking
the chain. Checking the chain and its anchors is audit_check.py.

Who acted is an argument of every append (`user=None` for the system, the CLI, a parent or an anonymous
visitor). Where from is `client_address`, set by the web layer for the request it serves (portal/auth.py).

Chains from before the key: the first keyed append first writes an `audit.key_introduced` entry that
records a digest of every earlier row (all columns) and whether their old unkeyed chain was intact;
from then on those rows cannot change unnoticed either.
"""
import hashlib
import hmac
import json
from contextvars import ContextVar

from portal.db import AUDIT_CHAIN_LOCK, in_write_tx, lock, write_tx
from portal.models import AuditEntry
from portal.models.prepared import Prepared
from portal.models.base import utcnow
from portal.services.system import keys

SEAL_ACTION = "audit.key_introduced"
TEXT_FIELDS = ("username", "action", "object_type", "object_id", "summary", "data", "ip")

# The address of the client whose request is being served, empty outside a request (the CLI, the worker).
# The web layer sets it once per request rather than every route handing it to every use case: the trail is
# the only reader, and the use cases stay free of the request.
client_address: ContextVar[str] = ContextVar("client_address", default="")


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _stored(field: str, value: str) -> str:
    """A text value as the column stores it (the model's normalisation): the form the key signs."""
    return AuditEntry._meta.fields[field].db_value(value)


def content(e: AuditEntry) -> dict:
    """Every column of an entry but its own hash, in the form the HMAC covers."""
    return {"id": e.id, "at": e.at.isoformat(timespec="microseconds"), "user_id": e.user_id,
            "username": e.username, "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "summary": e.summary, "data": e.data, "ip": e.ip, "prev": e.prev_hash}


def keyed_hash(key: bytes, e: AuditEntry) -> str:
    return hmac.new(key, _canonical(content(e)).encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, e: AuditEntry) -> str:
    """The unkeyed SHA-256 of entries written before the key existed (no id, user id or address)."""
    payload = _canonical({
        "prev": prev_hash, "at": e.at.isoformat(timespec="microseconds"), "user": e.username,
        "action": e.action, "type": e.object_type, "id": e.object_id, "summary": e.summary, "data": e.data,
    })
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class LegacyScan:
    """Walks the entries before the key: their unkeyed chain, and a digest of every column of every row."""

    def __init__(self):
        self.digest = hashlib.sha256()
        self.count = 0
        self.first_bad = None
        self.last = None

    def add(self, e: AuditEntry) -> None:
        expected_prev = self.last.hash if self.last else ""
        if self.first_bad is None and (e.prev_hash != expected_prev or e.hash != legacy_hash(expected_prev, e)):
            self.first_bad = e.id
        self.digest.update(_canonical({**content(e), "hash": e.hash}).encode("utf-8") + b"\n")
        self.count += 1
        self.last = e

    def summary(self) -> dict:
        return {"entries": self.count, "digest": self.digest.hexdigest(),
                "head": {"id": self.last.id, "hash": self.last.hash} if self.last else None,
                "intact": self.first_bad is None, "first_bad": self.first_bad}


_HEAD = Prepared(lambda: AuditEntry.select().order_by(AuditEntry.id.desc()).limit(1))  # on every audited write


def head() -> AuditEntry | None:
    return _HEAD.first()


def key(create: bool = True) -> bytes | None:
    return keys.get("audit", create=create)


def _append(secret: bytes, last: AuditEntry | None, **fields) -> AuditEntry:
    for name in TEXT_FIELDS:
        fields[name] = _stored(name, fields.get(name, ""))
    entry = AuditEntry(id=(last.id + 1) if last else 1, at=utcnow(), prev_hash=last.hash if last else "", **fields)
    entry.hash = keyed_hash(secret, entry)
    entry.save(force_insert=True)
    return entry


def _seal(secret: bytes, last: AuditEntry | None) -> AuditEntry:
    """The first keyed entry: names the key, and fixes every earlier (unkeyed) row by a digest."""
    scan = LegacyScan()
    for e in AuditEntry.select().order_by(AuditEntry.id).iterator():
        scan.add(e)
    legacy = scan.summary()
    summary = "Bắt đầu nhật ký có khóa"
    if legacy["entries"]:
        summary += f"; {legacy['entries']} mục ghi trước khi có khóa được niêm phong"
    if not legacy["intact"]:
        summary += f" (chuỗi cũ đã hỏng từ mục #{legacy['first_bad']})"
    return _append(secret, last, user=None, username="system", action=SEAL_ACTION, summary=summary,
                   data=_canonical({"key_id": keys.fingerprint(secret), "legacy": legacy}))


def _keyed(secret: bytes, entry: AuditEntry | None) -> bool:
    """Does the head carry this key's hash? Keyed entries only follow the seal, so then the chain is sealed
    (known without a query; a legacy, foreign-key or tampered head falls back to looking for the seal)."""
    return entry is not None and hmac.compare_digest(keyed_hash(secret, entry), entry.hash or "")


def is_sealed() -> bool:
    return AuditEntry.select().where(AuditEntry.action == SEAL_ACTION).exists()


def seal_if_needed() -> AuditEntry | None:
    """Seal a chain written before the key existed (no-op for an empty or already sealed chain)."""
    with write_tx():
        lock(AUDIT_CHAIN_LOCK)
        last = head()
        if last is None or is_sealed():
            return None
        return _seal(key(), last)


def record(action: str, obj=None, summary: str = "", *, user, **data) -> AuditEntry:
    """Append one entry by `user` (None: nobody signed in). Inside the caller's write transaction when there
    is one (then it commits or rolls back with the change it describes); otherwise in a write transaction of
    its own."""
    username = data.pop("username", None) or (user.username if user else "")
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else ""
    ip = client_address.get()
    secret = key()
    # Inside the caller's write transaction (or one of its own): it holds the database's write lock (SQLite's
    # BEGIN IMMEDIATE, PostgreSQL's advisory write lock), so the head cannot move under us.
    with in_write_tx():
        last = head()
        if not _keyed(secret, last) and not is_sealed():
            last = _seal(secret, last)
        return _append(secret, last, user=user, username=username, action=action, object_type=object_type,
                       object_id=object_id, summary=summary, data=_canonical(data), ip=ip)


def anchor_text(entry: AuditEntry | None) -> str:
    """The head as a person notes it down: `ID:first 12 hex digits`."""
    return f"{entry.id}:{entry.hash[:12]}" if entry else ""
