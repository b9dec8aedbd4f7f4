"""Per-pupil access codes for parents and pupils (read-only access to issued records)."""
from peewee import DateTimeField, ForeignKeyField

from .accounts import User
from .base import BaseModel, NFCCharField, utcnow
from .people import Pupil


class AccessCode(BaseModel):
    pupil = ForeignKeyField(Pupil, backref="access_codes", on_delete="CASCADE")
    code_hash = NFCCharField(unique=True)  # HMAC of the code: the code itself is shown once, never stored
    hint = NFCCharField(default="")  # last characters, to recognise a printed slip
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
