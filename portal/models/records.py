"""The học bạ as a document: one pupil, one school year, one version.

Glossary: record = học bạ của một năm học; version = phiên bản (a correction is a new version, never an
edit, HOCBA.md §7); verification code = mã tra cứu printed with the QR code; issued = phát hành.
"""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from .accounts import User
from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .prepared import Prepared
from .people import Pupil
from .school import SchoolClass

RECORD_STATUSES = {
    "draft": "Bản nháp",
    "signing": "Đang ký",
    "issued": "Đã phát hành",
    "superseded": "Đã được thay thế",
    "revoked": "Đã thu hồi",
}


class RecordVersion(BaseModel):
    pupil = ForeignKeyField(Pupil, backref="records", on_delete="RESTRICT")
    school_class = ForeignKeyField(SchoolClass, backref="records", on_delete="RESTRICT")
    version = IntegerField(default=1)
    code = NFCCharField(unique=True)  # verification code, e.g. 7KQ2-M9XD-4T
    status = NFCCharField(default="draft", index=True)
    data_sha256 = NFCCharField(default="")  # of the embedded hocba.json, once frozen
    created_at = DateTimeField(default=utcnow)
    issued_at = DateTimeField(null=True)
    superseded_by = ForeignKeyField("self", null=True, on_delete="SET NULL")
    correction_reason = NFCTextField(default="")
    # Frozen when the record enters the signing chain: the data and the file being signed.
    data_json = NFCTextField(default="", verbatim=True)  # hashed (data_sha256): stored byte for byte
    pdf_path = NFCCharField(default="")  # relative to RECORDS_DIR
    step = IntegerField(default=0)  # how many steps of the chain are done
    wave = IntegerField(default=1)  # 1: end of year; 2: after the summer supplementary evaluation
    frozen_at = DateTimeField(null=True)
    ltv_level = NFCCharField(default="")  # PAdES level of the issued file: B-B, B-T or B-LTA
    ltv_renew_by = DateTimeField(null=True)  # the archive timestamp must be renewed before this
    claimed_by = NFCCharField(default="")  # a signing step working on this record (token), if any
    claimed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("pupil", "school_class", "version"), True),)

    @property
    def record_id(self) -> str:
        """madinhdanhhocba: stable, human-readable, unique per school."""
        return f"{self.school_class.year.school.code}-{self.school_class.year.name}-{self.pupil.code}-v{self.version}"

    @classmethod
    def latest_for(cls, pupil, klass):
        """The newest version of this pupil's record for the class's year, or None."""
        return _LATEST.first(pupil, klass)

class CorrectionRequest(BaseModel):
    """A request to correct an issued record: what, why, with what evidence; the principal decides."""

    record = ForeignKeyField(RecordVersion, backref="correction_requests", on_delete="RESTRICT")
    requested_by = ForeignKeyField(User, on_delete="RESTRICT")
    what = NFCTextField()
    reason = NFCTextField()
    evidence = NFCTextField(default="")
    status = NFCCharField(default="pending", index=True)  # pending | approved | rejected
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decision_note = NFCTextField(default="")
    new_version = ForeignKeyField(RecordVersion, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def pending(cls):
        """Correction requests awaiting the principal, in the order they came."""
        return cls.select().where(cls.status == "pending").order_by(cls.id)


_LATEST = Prepared(lambda pupil, klass: RecordVersion.select()
                   .where((RecordVersion.pupil == pupil) & (RecordVersion.school_class == klass))
                   .order_by(RecordVersion.version.desc()).limit(1))
