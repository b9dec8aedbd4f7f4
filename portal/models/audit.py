"""The audit trail: append-only, each entry chained to the previous one by its hash."""
from peewee import DateTimeField, ForeignKeyField

from .accounts import User
from .base import BaseModel, NFCCharField, NFCTextField, utcnow


class AuditEntry(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    username = NFCCharField(default="")
    action = NFCCharField(index=True)
    object_type = NFCCharField(default="")
    object_id = NFCCharField(default="")
    summary = NFCTextField(default="")
    data = NFCTextField(default="{}")  # canonical JSON
    ip = NFCCharField(default="")
    prev_hash = NFCCharField(default="")
    hash = NFCCharField(unique=True)

    @classmethod
    def search(cls, limit: int, username="", action="", text="", since=None, until=None):
        """Entries newest first: by one user name, of actions starting with `action`, whose summary
        contains `text` (a pupil's name, a class), between two datetimes."""
        q = cls.select().order_by(cls.id.desc())
        if username:
            q = q.where(cls.username == username)
        if action:
            q = q.where(cls.action.startswith(action))
        if text:
            q = q.where(cls.summary.contains(text))
        if since is not None:
            q = q.where(cls.at >= since)
        if until is not None:
            q = q.where(cls.at <= until)
        return q.limit(limit)

    @classmethod
    def action_groups(cls) -> list[str]:
        """The first word of every action in the trail ("record" of "record.signed"), sorted."""
        return sorted({a.split(".")[0] for (a,) in cls.select(cls.action).distinct().tuples()})
