"""Certificates, signatures and batch signing jobs.

Glossary: certificate = chứng thư số; organisation certificate = chứng thư số của tổ chức (the school's
seal, applied by the clerk); signature = chữ ký số; batch = ký đồng loạt.
"""
from peewee import BooleanField, DateField, DateTimeField, ForeignKeyField, IntegerField

from .accounts import User
from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .records import RecordVersion
from ..processes import holder_alive

BACKENDS = {"pkcs12": "Tệp PKCS#12 lưu trên cổng", "pkcs11": "USB token / HSM (PKCS#11)", "remote": "Ký số từ xa"}


class Certificate(BaseModel):
    user = ForeignKeyField(User, backref="certificates", on_delete="CASCADE")
    purpose = NFCCharField(default="personal")  # personal | organisation (the school's seal)
    backend = NFCCharField(default="pkcs12")
    subject = NFCCharField()
    issuer = NFCCharField()
    serial = NFCCharField()
    organisation = NFCCharField(default="")
    not_before = DateTimeField()
    not_after = DateTimeField()
    cert_pem = NFCTextField()
    chain_pem = NFCTextField(default="")
    # PKCS#8, encrypted under the signer's passphrase; empty for tokens and remote signing.
    key_pem_encrypted = NFCTextField(default="")
    backend_config = NFCTextField(default="{}")  # token label / key label, or the remote provider's user id
    is_active = BooleanField(default=True)
    uploaded_at = DateTimeField(default=utcnow)
    sha256 = NFCCharField(default="")  # of the DER certificate
    kind = NFCCharField(default="personal")  # what the certificate itself says: personal | organisation
    id_number = NFCCharField(default="")  # CCCD of a person, MST of an organisation, from the subject

    @classmethod
    def active_of(cls, user):
        """The user's certificates still in use."""
        return cls.select().where((cls.user == user) & (cls.is_active == True))  # noqa: E712

    @classmethod
    def organisation_by_id(cls, cert_id):
        """The organisation certificate (a seal) with this id, or None."""
        return cls.get_or_none((cls.id == cert_id) & (cls.purpose == "organisation"))


class RecordSignature(BaseModel):
    """One step of the chain applied to one record version."""

    record = ForeignKeyField(RecordVersion, backref="signatures", on_delete="RESTRICT")
    role = NFCCharField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    certificate = ForeignKeyField(Certificate, null=True, on_delete="SET NULL")
    signer_name = NFCCharField()
    signer_title = NFCCharField(default="")  # chucvugiamhieu for the board member
    signed_at = DateTimeField(default=utcnow)
    pdf_sha256 = NFCCharField(default="")  # of the file after this step

    class Meta:
        indexes = ((("record", "role"), True),)


class SigningAuthorisation(BaseModel):
    """A vice-principal authorised by the principal to sign records in the principal's place (ủy quyền)."""

    user = ForeignKeyField(User, backref="signing_authorisations", on_delete="CASCADE")
    granted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    starts_on = DateField()
    ends_on = DateField()
    reason = NFCTextField(default="")
    revoked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def valid_for(cls, user, on):
        """The authorisation that lets `user` sign as principal on date `on`, if any."""
        return (cls.select().where((cls.user == user) & (cls.starts_on <= on) & (cls.ends_on >= on)
                                   & cls.revoked_at.is_null()).order_by(cls.ends_on.desc()).first())


class SigningJob(BaseModel):
    """A batch: one user's pending step for many records, run in the background with progress."""

    user = ForeignKeyField(User, backref="signing_jobs", on_delete="CASCADE")
    role = NFCCharField()
    scope = NFCCharField()  # what was asked: "class:12", "grade:5", "all"
    wave = IntegerField(default=1)
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    failed = IntegerField(default=0)
    status = NFCCharField(default="queued")  # queued | running | finished | interrupted
    record_ids = NFCTextField(default="[]")
    errors = NFCTextField(default="[]")
    created_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)  # the worker writes it after each record
    worker_pid = IntegerField(default=0)
    worker = NFCCharField(default="")  # the signing worker running it (host:pid:random)

    HEARTBEAT_STALE_S = 120

    @classmethod
    def recent_of(cls, user, limit: int):
        """The user's latest batches, newest first."""
        return cls.select().where(cls.user == user).order_by(cls.id.desc()).limit(limit)

    @classmethod
    def of_user(cls, user, job_id):
        """The user's own batch with this id, or None (another signer's batch is not theirs to watch)."""
        return cls.get_or_none((cls.id == job_id) & (cls.user == user))

    @property
    def effective_status(self) -> str:
        """What the job really is: a "running" job whose worker stopped beating, or whose worker process on
        this machine is gone (killed mid-batch), is interrupted."""
        import datetime as dt

        if self.status not in ("queued", "running"):
            return self.status
        stale = utcnow() - (self.heartbeat_at or self.created_at) > dt.timedelta(seconds=self.HEARTBEAT_STALE_S)
        if self.status == "queued":  # waiting its turn behind another batch while a signing worker lives
            return "interrupted" if stale and not SigningWorker.live() else "queued"
        if stale or (self.worker and not holder_alive(self.worker)):
            return "interrupted"
        return self.status


class SigningWorker(BaseModel):
    """A process that signs batches (hocba-worker; in the demo, the web process) and the public half of the
    key it made at start: a batch's passphrase is sealed to it (services/records/handover.py). The private
    half never leaves that process's memory."""

    name = NFCCharField(unique=True)  # host:pid:random (portal/processes.py)
    public_key = NFCCharField()  # X25519, raw, hex
    started_at = DateTimeField(default=utcnow)
    beat_at = DateTimeField(default=utcnow)

    LIVE_S = 60  # a worker that has not beaten for this long is taken as gone
    SKEW_S = 60  # nor is one whose last beat is further in the future than clocks drift

    @classmethod
    def live(cls) -> list["SigningWorker"]:
        """Workers that beat lately and, on this machine, still run."""
        import datetime as dt

        now = utcnow()
        rows = cls.select().where((cls.beat_at >= now - dt.timedelta(seconds=cls.LIVE_S))
                                  & (cls.beat_at <= now + dt.timedelta(seconds=cls.SKEW_S))).order_by(cls.id)
        return [w for w in rows if holder_alive(w.name)]
