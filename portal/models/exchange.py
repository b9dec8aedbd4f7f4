"""Packages sent to the sector database, and backups taken."""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .records import RecordVersion
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

    @classmethod
    def recent(cls, limit: int):
        return cls.select().order_by(cls.id.desc()).limit(limit)


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


# The sector database's processing statuses (EXCHANGE-NOTES: 00 not processed, 01 processed, 02 error).
REGISTRY_STATUSES = {"00": "CSDL ngành chưa xử lý", "01": "CSDL ngành đã xử lý", "02": "CSDL ngành báo lỗi"}
MESSAGE_STATES = {"pending": "Chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi"}
MESSAGE_KINDS = {"create": "Đăng ký tạo học bạ", "revoke": "Thu hồi học bạ"}


class RegistryMessage(BaseModel):
    """One message to the sector database about one record version: create (NEW / UPDATE) or revoke (CANCEL)."""
    record = ForeignKeyField(RecordVersion, backref="registry_messages", on_delete="RESTRICT")
    kind = NFCCharField()  # create | revoke
    event = NFCCharField()  # sukien: NEW | UPDATE | CANCEL
    record_ident = NFCCharField()  # madinhdanhhocba
    version = IntegerField()  # phienban
    key = NFCCharField(unique=True)  # idempotency key: one message per (record, event, version)
    state = NFCCharField(default="pending", index=True)  # pending | sent | failed
    remote_status = NFCCharField(default="")  # 00 | 01 | 02 as received
    remote_id = NFCCharField(default="")
    reason = NFCTextField(default="")
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    @classmethod
    def recent(cls, limit: int):
        return cls.select().order_by(cls.id.desc()).limit(limit)
