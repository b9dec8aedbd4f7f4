"""The signing chain: who signs which record next, in order, with their own certificate; issuance.

A record enters the chain at its first signature. The step first *claims* the record in a short write
transaction — for the first step that is also where the data is frozen, so an evaluation saved a
moment later is refused rather than silently left out — then renders and signs outside any
transaction, and finally, in one transaction, re-checks that the record is still at the step it
started from and still claimed by this step, and moves it on. A crash leaves it at its previous step
or its next one, never half-signed; a stale claim expires. Issuance adds long-term validation data.
"""
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal.db import write_tx
from portal.processes import holder_alive, holder_name
from portal.documents import render as documents
from portal.models import RecordSignature, RecordVersion, School, SchoolClass, User, YearResult
from portal.models.base import utcnow
from portal.models.school import school_levels
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.records import signers
from portal.services.records.chain_files import read_pdf, records_dir, write_new  # noqa: F401 (records_dir re-exported)
from portal.services.records.record import current_record, record_data
from portal.services.records.signers import ROLE_LABELS, holds_role  # noqa: F401 (re-exported)
from portal.services.records.timestamps import issue_with_ltv, timestamper
from portal.services.school.certificates import active, parsed, roots
from portal.services.system import audit
from portal.signing import certs, identity
from portal.signing import pdf as pdfsign

from portal.services.records import subject_signing

STAMP_LABELS = {"homeroom": "GIÁO VIÊN CHỦ NHIỆM", "principal": "HIỆU TRƯỞNG", "seal": "DẤU SỐ CỦA TRƯỜNG",
                "subject": "GIÁO VIÊN BỘ MÔN"}
CLAIM_TTL = dt.timedelta(minutes=10)


def stamp_label(user: User, role: str) -> tuple[str, str]:
    """The stamp's first lines as the form writes them: a vice-principal signs "KT. HIỆU TRƯỞNG / PHÓ HIỆU
    TRƯỞNG"; the seal names the school's tax code."""
    if role == "principal" and not user.has_role("principal"):
        return "KT. HIỆU TRƯỞNG", (user.staff.title if user.staff else "Phó Hiệu trưởng").upper()
    if role == "seal":
        school = School.current()
        return STAMP_LABELS[role], f"MST {school.tax_code}" if school.tax_code else ""
    return STAMP_LABELS[role], ""


def date_lines(pdf: bytes) -> dict:
    """The place and date of the principal's signature, for the record's date lines (in Vietnam's time)."""
    from portal.documents.render import DATE_FIELDS

    now = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=7)))
    text = f"{School.current().place_of_issue}, ngày {now.day:02d} tháng {now.month:02d} năm {now.year}"
    present = set(pdfsign.text_fields(pdf))
    return {name: text for name in DATE_FIELDS.values() if name in present}


def chain(klass: SchoolClass | None = None) -> list[str]:
    """The configured roles of a class's level (a multi-level school signs each class by its grade's level);
    without a class, the school's first level."""
    if klass is not None:
        level = klass.grade.level
    else:
        school = School.current()
        level = school_levels(school.level if school else "TH")[0]
    return app_config()["SIGNING_CHAIN"][level]


def record_roles(rv: RecordVersion) -> list[str]:
    """The chain of this record, with `subject` expanded into one slot per subject teacher (frozen in the
    record's data once it entered the chain)."""
    return subject_signing.record_roles(chain(rv.school_class), rv)


def next_role(rv: RecordVersion) -> str | None:
    """The role of the next step (`subject` for any subject teacher's slot still open)."""
    roles = record_roles(rv)
    if rv.step < len(roles) and rv.status in ("draft", "signing"):
        return subject_signing.base_role(roles[rv.step])
    return None


def wave_of(pupil, klass) -> int:
    """Two waves (HOCBA §3): a pupil who did not complete the grade at the end of the year (CHT) is
    held back from the first wave and signed in the second, after the supplementary evaluation."""
    yr = YearResult.of(pupil, klass)
    return 2 if yr is not None and yr.outcome == "CHT" else 1


@dataclass
class StepResult:
    record: RecordVersion
    role: str
    ok: bool
    message: str


def backend_for(row):
    from portal.signing.backends import Pkcs11Backend, Pkcs12Backend  # pyHanko's signers: only to sign

    cert, chain_certs = parsed(row)
    cfg = json.loads(row.backend_config or "{}")
    if row.backend == "pkcs11":
        return Pkcs11Backend(cfg["lib"], cfg["token_label"], cfg["key_label"], cert, chain_certs)
    if row.backend == "remote":  # the configured provider: generic, VNPT SmartCA or Viettel MySign
        from portal.services.records.remote_signing import backend
        return backend(cfg, cert, chain_certs)
    return Pkcs12Backend(row.key_pem_encrypted, cert, chain_certs)


def check_earlier_steps(rv: RecordVersion, pdf: bytes) -> None:
    """Every earlier step present, in order, valid, trusted, by the person the record names, and the
    embedded data still the frozen data."""
    roles = record_roles(rv)
    done = [s for s in RecordSignature.select().where(RecordSignature.record == rv).order_by(RecordSignature.id)
            if "#" not in s.role]  # rows of a withdrawn attempt keep a suffixed role
    if done and len(done) == rv.step and done[-1].pdf_sha256 == hashlib.sha256(pdf).hexdigest():
        # Byte for byte the file this portal wrote and validated at the previous step: validating the same
        # signatures again proves nothing new (revocation since then is checked when issuance fetches the
        # validation data of every signature).
        return
    try:
        reports = pdfsign.validate(pdf, roots())
    except Exception:  # a damaged file makes the PDF reader or the validator give up
        raise ServiceError("Tệp học bạ đã bị sửa đổi hoặc hỏng: chữ ký trước không hợp lệ; không thể ký tiếp.") from None
    signed = [r.role for r in reports]
    if len(signed) != rv.step or not subject_signing.same_chain(signed, roles):
        raise ServiceError("Thứ tự chữ ký trong tệp học bạ không đúng quy trình; không thể ký tiếp.")
    for r in reports:
        if not (r.intact and r.valid and r.trusted and r.bottom_line):
            raise ServiceError(f"Chữ ký của {ROLE_LABELS.get(r.role, r.role)} không hợp lệ; không thể ký tiếp.")
    embedded = pdfsign.embedded_file(pdf)
    if embedded is None or hashlib.sha256(embedded).hexdigest() != rv.data_sha256:
        raise ServiceError("Dữ liệu nhúng trong học bạ đã bị thay đổi; không thể ký tiếp.")
    known = {s.role: s.certificate.sha256 for s in RecordSignature.select().where(RecordSignature.record == rv)
             if s.certificate is not None and s.certificate.sha256}
    for r in reports:
        if r.role in known and r.cert_sha256 != known[r.role]:
            raise ServiceError(f"Chữ ký ô {ROLE_LABELS.get(r.role, r.role)} trong tệp không phải chữ ký nhà trường đã "
                               "ghi nhận; không thể ký tiếp.")


@dataclass
class Credential:
    """A signer's certificate and unlocked signer, prepared once for a batch."""

    role: str
    cert_row: object
    backend: object
    signer: object


def unlock(user: User, role: str, secret: str, at: dt.datetime | None = None,
           klass: SchoolClass | None = None) -> Credential:
    """Check that the user's certificate is theirs (or the school's seal), valid and not revoked, and
    unlock its key (passphrase or PIN) once."""
    cert_row = active(user, "organisation" if role == "seal" else "personal")
    if cert_row is None:
        raise ServiceError("Bạn chưa cài chứng thư số" + (" của tổ chức." if role == "seal" else "."))
    signers.check_certificate_for_role(user, role, cert_row, klass)
    cert, chain_certs = parsed(cert_row)
    try:
        from portal.services.records.timestamps import ensure_demo_services
        ensure_demo_services()
        certs.check(cert, chain_certs, roots(), at, check_revocation=True)
        backend = backend_for(cert_row)
        signer = backend.signer(secret)
        if cert_row.backend == "pkcs12":  # a key stored under the old wrapping is re-wrapped once unlocked
            from portal.services.school.certificates import rewrap_if_needed
            rewrap_if_needed(cert_row, secret)
        return Credential(role, cert_row, backend, signer)
    except certs.CertificateProblem as err:
        raise ServiceError(err.message) from None


def public_base_url() -> str:
    """The address printed in every record's QR code; a loopback address cannot be printed on a record."""
    url = app_config()["PUBLIC_BASE_URL"]
    host = (urlsplit(url).hostname or "").lower()
    loopback = host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")
    if loopback and not app_config().get("ALLOW_LOOPBACK_PUBLIC_URL"):
        raise ServiceError(f"Địa chỉ công khai của cổng ({url}) là địa chỉ nội bộ của máy chủ; mã QR trên học bạ sẽ "
                           "không mở được. Quản trị viên cần đặt PUBLIC_BASE_URL trước khi ký.")
    return url


def claim_alive(rv: RecordVersion) -> bool:
    """Is a signing step still working on this record? Not when the claim is older than CLAIM_TTL, nor
    when it was made on this machine by a process that no longer exists."""
    if not rv.claimed_by or rv.claimed_at is None or utcnow() - rv.claimed_at >= CLAIM_TTL:
        return False
    return holder_alive(rv.claimed_by)


def _claim(user: User, rv_id: int, token: str) -> tuple[RecordVersion, str, bool]:
    """Inside one write transaction: re-read the record, check the step is this user's, freeze the data
    on the first step, and mark the record as being signed by this step. Returns (record, role, froze)."""
    with write_tx():
        rv = RecordVersion.get_by_id(rv_id)
        klass = rv.school_class
        role = next_role(rv)
        if role is None:
            raise ServiceError("Học bạ này đã được phát hành hoặc không ở trạng thái chờ ký.")
        if not holds_role(user, role, klass):
            raise ServiceError(f"Bước tiếp theo là của {ROLE_LABELS[role]}; bạn không có quyền ký bước này cho lớp {klass.name}.")
        if claim_alive(rv):
            raise ServiceError("Học bạ này đang được ký trong một lượt ký khác; bỏ qua.")
        froze = False
        if rv.step == 0:
            data = record_data(rv, public_base_url())
            if not data["year"]["outcome"]:
                raise ServiceError("Học bạ chưa đủ kết quả cuối năm; chưa thể ký.")
            raw = documents.canonical_json(data)
            rv.data_json, rv.data_sha256 = raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()
            rv.status, rv.frozen_at, froze = "signing", utcnow(), True
        else:
            frozen_data = json.loads(rv.data_json)
            now = documents.canonical_json(record_data(rv, frozen_data["record"]["verify_url"].rsplit("/xac-thuc/", 1)[0]))
            if hashlib.sha256(now).hexdigest() != rv.data_sha256:
                raise ServiceError("Dữ liệu học bạ đã thay đổi sau khi bắt đầu ký; cần lập phiên bản đính chính.")
        frozen_signers = json.loads(rv.data_json).get("signers", {})
        if role == subject_signing.SUBJECT:  # this teacher's own field; once per record
            role = subject_signing.claim_slot(user, rv, frozen_signers)
        signers.check_expected(role, user.staff.full_name if user.staff else user.username, frozen_signers,
                               dt.date.today())
        rv.claimed_by, rv.claimed_at = token, utcnow()
        rv.save()
    return rv, role, froze


def _release(rv_id: int, token: str, unfreeze: bool) -> None:
    """A step that failed gives its claim back; a first step that froze the data thaws it (nothing signed)."""
    with write_tx():
        rv = RecordVersion.get_by_id(rv_id)
        if rv.claimed_by != token:
            return
        rv.claimed_by, rv.claimed_at = "", None
        if unfreeze and rv.step == 0:
            rv.status, rv.data_json, rv.data_sha256, rv.frozen_at = "draft", "", "", None
        rv.save()


def sign_step(user: User, rv: RecordVersion, secret: str | None = None, at: dt.datetime | None = None,
              credential: Credential | None = None) -> StepResult:
    """Apply the user's pending step to one record, or refuse with a reason; nothing is half-done."""
    token = holder_name()  # a claim whose process is gone (killed mid-batch) is recognised at once
    role_now = next_role(RecordVersion.get_by_id(rv.id))
    own = credential is None or credential.role != role_now
    if role_now is not None and not holds_role(user, role_now, rv.school_class):
        raise ServiceError(f"Bước tiếp theo là của {ROLE_LABELS[role_now]}; bạn không có quyền ký bước này cho lớp "
                           f"{rv.school_class.name}.")
    cred = unlock(user, role_now, secret or "", at, rv.school_class) if own and role_now else credential
    rv, role, froze = _claim(user, rv.id, token)
    if cred is None or cred.role != subject_signing.base_role(role):  # the record moved on between the look and the claim
        _release(rv.id, token, froze)
        raise ServiceError("Học bạ đã chuyển sang bước ký khác; hãy tải lại danh sách.")
    cert_row = cred.cert_row
    try:
        if froze:
            rendered = documents.render([json.loads(rv.data_json)])
            if rendered.sha256 != rv.data_sha256:
                raise ServiceError("Không dựng được học bạ đúng với dữ liệu đã khóa; chưa ký.")
            base = pdfsign.add_fields(rendered.pdf, {r: rendered.boxes[r] for r in record_roles(rv) if r in rendered.boxes},
                                      rendered.text_boxes)
        else:
            base = read_pdf(rv)
            check_earlier_steps(rv, base)
        label, title = stamp_label(user, subject_signing.base_role(role))
        if subject_signing.is_slot(role):
            title = subject_signing.stamp_title(role, json.loads(rv.data_json)["signers"])
        last = rv.step + 1 == len(record_roles(rv))
        stamper = timestamper()
        signed = pdfsign.sign(base, role, cred.signer, certify=rv.step == 0, signer_name=cert_row.subject,
                              title=title, label=label, reason=f"{ROLE_LABELS[role]} xác nhận học bạ",
                              location=School.current().place_of_issue, timestamper=stamper,
                              fill=date_lines(base) if role == "principal" else None)
        ltv_level, renew_by = ("B-T" if stamper else "B-B"), None
        if last and stamper is not None:
            signed, renew_by = issue_with_ltv(signed, stamper)
            ltv_level = "B-LTA"
        rel = write_new(rv, rv.step + 1, signed)
        from portal.services.records.xml_record import sign_step as sign_xml  # the XML of equal value, same step, same signer
        sign_xml(rv, role, user, cred, rel, froze)
    except ServiceError:
        _release(rv.id, token, froze)
        raise
    except Exception as err:  # a token, TSA, OCSP or remote service failing mid-signature
        _release(rv.id, token, froze)
        message = getattr(err, "message", None) or "Không ký được: lỗi thiết bị hoặc dịch vụ ký số/dấu thời gian."
        raise ServiceError(message) from None
    finally:
        if own and cred is not None:
            cred.backend.close()
    return _record_step(user, rv, role, token, cert_row, signed, rel, last, ltv_level, renew_by)


def _record_step(user, rv, role, token, cert_row, signed, rel, issued, ltv_level, renew_by) -> StepResult:
    with write_tx():
        fresh = RecordVersion.get_by_id(rv.id)
        if fresh.claimed_by != token or fresh.step != rv.step:
            raise ServiceError("Học bạ đã được ký bởi một lượt ký khác trong lúc này; chữ ký này không được ghi.")
        RecordSignature.create(record=fresh, role=role, user=user, certificate=cert_row, signer_name=cert_row.subject,
                               signer_title=user.staff.title if user.staff else "",
                               pdf_sha256=hashlib.sha256(signed).hexdigest())
        fresh.step += 1
        fresh.pdf_path = rel
        fresh.status = "issued" if issued else "signing"
        fresh.claimed_by, fresh.claimed_at = "", None
        fresh.ltv_level = ltv_level
        fresh.ltv_renew_by = renew_by
        if issued:
            fresh.issued_at = utcnow()
        fresh.save()
        audit.record("record.signed", fresh, user=user, summary=f"{ROLE_LABELS[role]} ký học bạ {fresh.pupil.full_name}",
                     role=role, serial=cert_row.serial)
        if issued:
            audit.record("record.issued", fresh, user=user, summary=f"Phát hành học bạ {fresh.record_id}")
            from portal.services.exchange.registry import queue
            queue(fresh)  # NEW, or UPDATE for a correction: the sector database hears of it in this transaction
            # A correction, once issued, supersedes every earlier version (which stays verifiable as such).
            RecordVersion.update(status="superseded", superseded_by=fresh).where(
                (RecordVersion.pupil == fresh.pupil) & (RecordVersion.school_class == fresh.school_class)
                & (RecordVersion.version < fresh.version) & (RecordVersion.status == "issued")).execute()
    return StepResult(fresh, role, True, "đã phát hành" if issued else f"đã ký ({ROLE_LABELS[role]})")


def sign_many(user: User, records: list[RecordVersion], secret: str, progress=None,
              keep: bool = True) -> list[StepResult]:
    """Sign each record with the passphrase entered once; a failing record is reported and does not
    stop the others. A wrong passphrase or an unusable certificate stops the batch before it starts, each
    record reported as failed. `progress(result)` after each record; keep=False returns nothing and holds no
    result (a signing worker's memory stays flat over a whole school)."""
    out, creds = [], {}

    def done(result: StepResult) -> None:
        if keep:
            out.append(result)
        if progress:
            progress(result)

    try:
        for i, rv in enumerate(records):
            role = next_role(RecordVersion.get_by_id(rv.id))
            try:
                if role and role not in creds:
                    creds[role] = unlock(user, role, secret, klass=rv.school_class)
                result = sign_step(user, rv, credential=creds.get(role))
            except ServiceError as err:
                done(StepResult(rv, role or "", False, err.message))
                if role and role not in creds:  # the credential itself failed: nothing else can succeed
                    for rest in records[i + 1:]:
                        done(StepResult(rest, role, False, err.message))
                    break
                continue
            done(result)
    finally:
        for cred in creds.values():
            cred.backend.close()
    return out


def frozen(pupil, klass) -> RecordVersion | None:
    """The latest version of this pupil's record, when it is in the chain or issued (its data may not
    change); an approved correction opens a new draft version, and then edits are allowed again."""
    latest = current_record(pupil, klass)
    return latest if latest is not None and latest.status in ("signing", "issued") else None


def issued_records(klass: SchoolClass) -> list[RecordVersion]:
    return list(RecordVersion.select().where((RecordVersion.school_class == klass)
                                             & (RecordVersion.status == "issued")))


def subject_of_row(cert_row) -> identity.Subject:
    cert, _chain = parsed(cert_row)
    return identity.subject_of(cert)
