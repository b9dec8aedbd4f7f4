"""Packages sent to the sector database, and backups taken."""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .school import SchoolClass

SUBMISSION_STATUSES = {"prepared": "Đã đóng gói", "sent": "Đã gửi", "accepted": "Được tiếp nhận",
                       "rejected": "Bị từ chối"}


class PackageSubmission(BaseModel):
    school_class = ForeignKeyField(SchoolClass, null=True, on_delete="SET NULL")
    wave = IntegerField(default=1)
    path = NFCCharField()
    sha256 = NFCCharField(index=True)  # also the idempotency key
    status = NFCCharField(default="prepared")
    remote_id = NFCCharField(default="")
    reason = NFCTextField(default="")
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class BackupRun(BaseModel):
    path = NFCCharField()
    size = IntegerField(default=0)
    encrypted = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow, index=True)
    # The copy off the machine (BACKUP_COPY_DIR / BACKUP_COPY_RSYNC): when it succeeded, where it went,
    # and why it failed (empty when it succeeded or was never tried).
    copied_at = DateTimeField(null=True)
    copy_target = NFCCharField(default="")
    copy_error = NFCTextField(default="")
