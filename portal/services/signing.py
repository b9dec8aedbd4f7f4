"""The signing chain: who signs which record next, in order, with a valid certificate; issuance.

A record enters the chain at its first signature: its data is frozen and the PDF is rendered once,
with every role's field. Each later step first re-validates every earlier signature and the frozen
data. A step writes a new file and then, in one transaction, moves the record to its next step — a
crash leaves it at its previous step or its next one, never half-signed.
"""
import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.db import write_tx
from portal.documents import render as documents
from portal.models import Enrolment, RecordSignature, RecordVersion, School, SchoolClass, User, YearResult
from portal.models.base import utcnow
from portal.signing import certs
from portal.signing import pdf as pdfsign
from portal.signing.backends import Pkcs11Backend, Pkcs12Backend, RemoteBackend

from . import ServiceError, access, audit
from .certificates import active, parsed, roots
from .records import ensure_record, record_data

ROLE_LABELS = {"subject": "Giáo viên bộ môn", "homeroom": "Giáo viên chủ nhiệm",
               "principal": "Hiệu trưởng", "seal": "Đóng dấu số của trường"}
STAMP_LABELS = {"homeroom": "GIÁO VIÊN CHỦ NHIỆM", "principal": "BAN GIÁM HIỆU", "seal": "DẤU SỐ CỦA TRƯỜNG",
                "subject": "GIÁO VIÊN BỘ MÔN"}


def chain() -> list[str]:
    school = School.current()
    return current_app.config["SIGNING_CHAIN"][school.level if school else "TH"]


def next_role(rv: RecordVersion) -> str | None:
    roles = chain()
    return roles[rv.step] if rv.step < len(roles) and rv.status in ("draft", "signing") else None


def holds_role(user: User, role: str, klass: SchoolClass) -> bool:
    """May this user apply this step of the chain to a record of this class?"""
    if role == "homeroom":
        return access.is_homeroom_of(user, klass)
    if role == "principal":
        return user.has_role("principal") or any(r.role == "vice_principal" and r.can_sign for r in user.roles)
    if role == "seal":
        return user.has_role("clerk")
    if role == "subject":
        return access.teaches_in(user, klass)
    return False


def wave_of(pupil, klass) -> int:
    """Two waves (HOCBA §3): a pupil who did not complete the grade at the end of the year (CHT) is
    held back from the first wave and signed in the second, after the supplementary evaluation."""
    yr = YearResult.get_or_none((YearResult.pupil == pupil) & (YearResult.school_class == klass))
    return 2 if yr is not None and yr.outcome == "CHT" else 1


def ready(user: User, klass: SchoolClass, wave: int = 1) -> list[RecordVersion]:
    """The records of a class whose next step is this user's, in the wave asked for."""
    out = []
    pupils = [e.pupil for e in Enrolment.select().where(
        (Enrolment.school_class == klass) & (Enrolment.status == "active"))]
    for pupil in pupils:
        if wave_of(pupil, klass) != wave:
            continue
        rv = ensure_record(pupil, klass)
        role = next_role(rv)
        if role and holds_role(user, role, klass):
            out.append(rv)
    return out


@dataclass
class StepResult:
    record: RecordVersion
    role: str
    ok: bool
    message: str


def backend_for(row):
    cert, chain_certs = parsed(row)
    cfg = json.loads(row.backend_config or "{}")
    if row.backend == "pkcs11":
        return Pkcs11Backend(cfg["lib"], cfg["token_label"], cfg["key_label"], cert, chain_certs)
    if row.backend == "remote":
        from portal.signing.remote import RemoteSigningClient
        client = RemoteSigningClient(current_app.config["REMOTE_SIGNING_URL"],
                                     current_app.config["REMOTE_SIGNING_TIMEOUT"], cfg.get("poll_s", 1.0))
        return RemoteBackend(client, cfg["account"], cert, chain_certs)
    return Pkcs12Backend(row.key_pem_encrypted, cert, chain_certs)


def timestamper():
    """An RFC 3161 client when a TSA is configured; tests put an in-process one in the config."""
    stamper = current_app.config.get("TIMESTAMPER")
    if stamper is not None:
        return stamper
    url = current_app.config.get("TSA_URL")
    if url:
        from pyhanko.sign.timestamps import HTTPTimeStamper
        return HTTPTimeStamper(url)
    return None


def records_dir() -> Path:
    return Path(current_app.config["RECORDS_DIR"])


def read_pdf(rv: RecordVersion) -> bytes:
    return (records_dir() / rv.pdf_path).read_bytes()


def _write_new(rv: RecordVersion, step: int, data: bytes) -> str:
    rel = f"{rv.school_class.year.name}/{rv.pupil.code}-v{rv.version}-b{step}.pdf"
    target = records_dir() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".signing-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return rel


def check_earlier_steps(rv: RecordVersion, pdf: bytes) -> None:
    """Every earlier step present, in order, valid, trusted, and the embedded data still the frozen data."""
    roles = chain()[:rv.step]
    try:
        reports = pdfsign.validate(pdf, roots())
    except Exception:  # a damaged file makes the PDF reader or the validator give up
        raise ServiceError("Tệp học bạ đã bị sửa đổi hoặc hỏng: chữ ký trước không hợp lệ; không thể ký tiếp.") from None
    if [r.role for r in reports] != roles:
        raise ServiceError("Thứ tự chữ ký trong tệp học bạ không đúng quy trình; không thể ký tiếp.")
    for r in reports:
        if not (r.intact and r.valid and r.trusted and r.bottom_line):
            raise ServiceError(f"Chữ ký của {ROLE_LABELS.get(r.role, r.role)} không hợp lệ; không thể ký tiếp.")
    embedded = pdfsign.embedded_file(pdf)
    if embedded is None or hashlib.sha256(embedded).hexdigest() != rv.data_sha256:
        raise ServiceError("Dữ liệu nhúng trong học bạ đã bị thay đổi; không thể ký tiếp.")


def _freeze(rv: RecordVersion, data: dict) -> bytes:
    rendered = documents.render([data])
    rv.data_json = rendered.data.decode("utf-8")
    rv.data_sha256 = rendered.sha256
    return pdfsign.add_fields(rendered.pdf, {r: rendered.boxes[r] for r in chain() if r in rendered.boxes})


@dataclass
class Credential:
    """A signer's certificate and unlocked signer, prepared once for a batch."""

    role: str
    cert_row: object
    backend: object
    signer: object


def unlock(user: User, role: str, secret: str, at: dt.datetime | None = None) -> Credential:
    """Check the user's certificate for this role and unlock its key (passphrase or PIN) once."""
    cert_row = active(user, "organisation" if role == "seal" else "personal")
    if cert_row is None:
        raise ServiceError("Bạn chưa cài chứng thư số" + (" của tổ chức." if role == "seal" else "."))
    cert, chain_certs = parsed(cert_row)
    try:
        certs.check(cert, chain_certs, roots(), at)
        backend = backend_for(cert_row)
        return Credential(role, cert_row, backend, backend.signer(secret))
    except certs.CertificateProblem as err:
        raise ServiceError(err.message) from None


def sign_step(user: User, rv: RecordVersion, secret: str | None = None, at: dt.datetime | None = None,
              credential: Credential | None = None) -> StepResult:
    """Apply the user's pending step to one record, or refuse with a reason; nothing is half-done."""
    rv = RecordVersion.get_by_id(rv.id)  # fresh: another batch may have moved it
    klass = rv.school_class
    role = next_role(rv)
    if role is None:
        raise ServiceError("Học bạ này đã được phát hành hoặc không ở trạng thái chờ ký.")
    if not holds_role(user, role, klass):
        raise ServiceError(f"Bước tiếp theo là của {ROLE_LABELS[role]}; bạn không có quyền ký bước này cho lớp {klass.name}.")
    own = credential is None or credential.role != role
    cred = unlock(user, role, secret or "", at) if own else credential
    cert_row = cred.cert_row
    try:
        if rv.step == 0:
            current = record_data(rv, current_app.config["PUBLIC_BASE_URL"])
            if not current["year"]["outcome"]:
                raise ServiceError("Học bạ chưa đủ kết quả cuối năm; chưa thể ký.")
            base = _freeze(rv, current)
        else:
            base = read_pdf(rv)
            check_earlier_steps(rv, base)
            now = documents.canonical_json(record_data(rv, current_app.config["PUBLIC_BASE_URL"]))
            if hashlib.sha256(now).hexdigest() != rv.data_sha256:
                raise ServiceError("Dữ liệu học bạ đã thay đổi sau khi bắt đầu ký; cần lập phiên bản đính chính.")
        title = user.staff.title if user.staff else ROLE_LABELS[role]
        signed = pdfsign.sign(base, role, cred.signer, certify=rv.step == 0, signer_name=cert_row.subject,
                              title=title, label=STAMP_LABELS[role], reason=f"{ROLE_LABELS[role]} xác nhận học bạ",
                              location=School.current().place_of_issue, timestamper=timestamper())
    except ServiceError:
        raise
    except Exception as err:  # a token or remote service failing mid-signature
        message = getattr(err, "message", None) or "Không ký được: lỗi thiết bị hoặc dịch vụ ký số."
        raise ServiceError(message) from None
    finally:
        if own:
            cred.backend.close()
    rel = _write_new(rv, rv.step + 1, signed)
    issued = rv.step + 1 == len(chain())
    with write_tx():
        RecordSignature.create(record=rv, role=role, user=user, certificate=cert_row, signer_name=cert_row.subject,
                               signer_title=user.staff.title if user.staff else "",
                               pdf_sha256=hashlib.sha256(signed).hexdigest())
        rv.step += 1
        rv.pdf_path = rel
        rv.status = "issued" if issued else "signing"
        rv.frozen_at = rv.frozen_at or utcnow()
        if issued:
            rv.issued_at = utcnow()
        rv.save()
        audit.record("record.signed", rv, user=user, summary=f"{ROLE_LABELS[role]} ký học bạ {rv.pupil.full_name}",
                     role=role, serial=cert_row.serial)
        if issued:
            audit.record("record.issued", rv, user=user, summary=f"Phát hành học bạ {rv.record_id}")
            # A correction, once issued, supersedes every earlier version (which stays verifiable as such).
            RecordVersion.update(status="superseded", superseded_by=rv).where(
                (RecordVersion.pupil == rv.pupil) & (RecordVersion.school_class == rv.school_class)
                & (RecordVersion.version < rv.version) & (RecordVersion.status == "issued")).execute()
    return StepResult(rv, role, True, "đã phát hành" if issued else f"đã ký ({ROLE_LABELS[role]})")


def sign_many(user: User, records: list[RecordVersion], secret: str, progress=None) -> list[StepResult]:
    """Sign each record with the passphrase entered once; a failing record is reported and does not
    stop the others. A wrong passphrase or an unusable certificate stops the batch before it starts."""
    out, creds = [], {}
    try:
        for rv in records:
            role = next_role(RecordVersion.get_by_id(rv.id))
            try:
                if role and role not in creds:
                    creds[role] = unlock(user, role, secret)
                out.append(sign_step(user, rv, credential=creds.get(role)))
            except ServiceError as err:
                out.append(StepResult(rv, role or "", False, err.message))
                if role and role not in creds:  # the credential itself failed: nothing else can succeed
                    out += [StepResult(r, role, False, err.message) for r in records[len(out):]]
                    break
            if progress:
                progress(out[-1])
    finally:
        for cred in creds.values():
            cred.backend.close()
    return out


def frozen(pupil, klass) -> RecordVersion | None:
    """The latest version of this pupil's record, when it is in the chain or issued (its data may not
    change); an approved correction opens a new draft version, and then edits are allowed again."""
    latest = (RecordVersion.select().where((RecordVersion.pupil == pupil) & (RecordVersion.school_class == klass))
              .order_by(RecordVersion.version.desc()).first())
    return latest if latest is not None and latest.status in ("signing", "issued") else None


def issued_records(klass: SchoolClass) -> list[RecordVersion]:
    return list(RecordVersion.select().where((RecordVersion.school_class == klass)
                                             & (RecordVersion.status == "issued")))


def batch_scope(user: User, scope: str, wave: int) -> list[RecordVersion]:
    """The records in `scope` ("class:<id>", "grade:<n>", "all") whose next step is this user's."""
    from portal.models import Grade

    from .school import current_year
    year = current_year()
    classes = SchoolClass.select().join(Grade).where(SchoolClass.year == year)
    kind, _, value = scope.partition(":")
    if kind == "class" and value.isdigit():
        classes = classes.where(SchoolClass.id == int(value))
    elif kind == "grade" and value.isdigit():
        classes = classes.where(Grade.number == int(value))
    elif kind != "all":
        raise ServiceError("Phạm vi ký không hợp lệ.")
    records = []
    for klass in classes:
        records += ready(user, klass, wave)
    return records


def start_batch(user: User, scope: str, wave: int, secret: str):
    """Create a signing job for everything ready in scope and hand it to the background worker."""
    from portal import jobs
    from portal.models import SigningJob

    if wave not in (1, 2):
        raise ServiceError("Đợt ký không hợp lệ.")
    if not secret:
        raise ServiceError("Vui lòng nhập passphrase / mã PIN.", field="secret")
    records = batch_scope(user, scope, wave)
    if not records:
        raise ServiceError("Không có học bạ nào đang chờ bạn ký trong phạm vi này.")
    role = next_role(records[0])
    unlock(user, role, secret).backend.close()  # a wrong passphrase is said now, not per record
    with write_tx():
        job = SigningJob.create(user=user, role=role, scope=scope, wave=wave, total=len(records),
                                record_ids=json.dumps([r.id for r in records]))
        audit.record("signing.batch_started", job, user=user, summary=f"Ký đồng loạt {len(records)} học bạ ({scope})")
    jobs.enqueue(job.id, secret)
    return job
