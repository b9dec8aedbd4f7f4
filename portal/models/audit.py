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
