"""Signers' certificates: upload and check a PKCS#12, keep the key encrypted, warn before expiry."""
import datetime as dt
import json
from pathlib import Path

from cryptography import x509

from portal.db import write_tx
from portal.models import Certificate, User
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.appconfig import app_config
from portal.services.system import audit
from portal.signing import certs, identity


def _identity_fields(cert, purpose: str) -> dict:
    """What the certificate itself says about its holder; an organisation purpose needs an organisation
    certificate (MST in the subject), a personal purpose a personal one."""
    subject = identity.subject_of(cert)
    if purpose == "organisation" and not subject.is_organisation:
        raise ServiceError("Đây là chứng thư số cá nhân (không có mã số thuế của tổ chức trong chủ thể); dấu số của "
                           "trường phải là chứng thư số của tổ chức.", field="file")
    if purpose == "personal" and subject.is_organisation:
        raise ServiceError("Đây là chứng thư số của tổ chức; chọn loại “Chứng thư số của tổ chức” nếu đây là dấu số "
                           "của trường.", field="file")
    return {"sha256": subject.sha256, "kind": subject.kind,
            "id_number": subject.tax_code if subject.is_organisation else subject.person_id}

PURPOSES = {"personal": "Chứng thư số cá nhân", "organisation": "Chứng thư số của tổ chức (dấu số của trường)"}


def roots() -> list[x509.Certificate]:
    return certs.trust_roots(Path(app_config()["TRUST_DIR"]))


def install_p12(user: User, data: bytes, passphrase: str, purpose: str = "personal", at=None) -> Certificate:
    """Check an uploaded .p12/.pfx and keep it: the key re-encrypted under the same passphrase."""
    if purpose not in PURPOSES:
        raise ServiceError("Loại chứng thư không hợp lệ.")
    if purpose == "organisation" and not permissions.may_apply_seal(user):
        raise ServiceError("Chỉ văn thư giữ chứng thư số của tổ chức (dấu số của trường).")
    try:
        key, cert, chain = certs.load_p12(data, passphrase)
        info = certs.check(cert, chain, roots(), at, check_revocation=True)
    except certs.CertificateProblem as err:
        raise ServiceError(err.message, field="file") from None
    ident = _identity_fields(cert, purpose)
    with write_tx():
        Certificate.update(is_active=False).where(
            (Certificate.user == user) & (Certificate.purpose == purpose)).execute()
        row = Certificate.create(
            user=user, purpose=purpose, backend="pkcs12", subject=info.subject, issuer=info.issuer,
            serial=info.serial, organisation=info.organisation, not_before=info.not_before,
            not_after=info.not_after, cert_pem=info.cert_pem, chain_pem=info.chain_pem,
            key_pem_encrypted=certs.encrypt_key(key, passphrase), **ident)
        audit.record("certificate.installed", row, user=user,
                     summary=f"Cài chứng thư số {info.subject} (hết hạn {info.not_after:%d/%m/%Y})",
                     serial=info.serial, purpose=purpose)
    return row


def install_token(user: User, cert_pem: str, chain_pem: str, backend: str, config: dict,
                  purpose: str = "personal") -> Certificate:
    """A certificate whose key stays on a PKCS#11 token or with a remote signing service."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem.strip() else []
    try:
        info = certs.check(cert, chain, roots(), check_revocation=True)
    except certs.CertificateProblem as err:
        raise ServiceError(err.message) from None
    ident = _identity_fields(cert, purpose)
    with write_tx():
        Certificate.update(is_active=False).where(
            (Certificate.user == user) & (Certificate.purpose == purpose)).execute()
        row = Certificate.create(user=user, purpose=purpose, backend=backend, subject=info.subject,
                                 issuer=info.issuer, serial=info.serial, organisation=info.organisation,
                                 not_before=info.not_before, not_after=info.not_after, cert_pem=info.cert_pem,
                                 chain_pem=info.chain_pem, backend_config=json.dumps(config), **ident)
        audit.record("certificate.installed", row, user=user, summary=f"Cài chứng thư số {info.subject} ({backend})")
    return row


def install_remote(user: User, account: str, ref: str = "", purpose: str = "personal") -> Certificate:
    """A certificate held by the school's remote signing service (VNPT SmartCA, Viettel MySign): fetched from
    the service for the signer's account (SmartCA: the holder's CCCD/MST user id; MySign: the MySign user id),
    the one matching `ref` (serial number or credential id) or the only one, then checked and installed."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from portal.signing.remote import RemoteSigningError

    from portal.services.records import remote_signing
    name = remote_signing.provider()
    account = (account or "").strip()
    if name == "generic" or not account:
        raise ServiceError("Nhập tài khoản của người ký tại dịch vụ VNPT SmartCA hoặc Viettel MySign.", field="account")
    try:
        found = remote_signing.client_for({"provider": name, "account": account, "ref": ref}).certificates(account)
    except RemoteSigningError as err:
        raise ServiceError(err.message) from None
    found = [f for f in found if not ref or f[2] == ref]
    if not found:
        raise ServiceError("Dịch vụ ký số từ xa không có chứng thư số nào cho tài khoản này.", field="account")
    if len(found) > 1:
        raise ServiceError("Tài khoản có nhiều chứng thư số; chọn một (số serial hoặc mã chứng thư): "
                           + ", ".join(f[2] for f in found), field="ref")
    cert, chain, ref = found[0]
    pem = lambda c: c.public_bytes(Encoding.PEM).decode()  # noqa: E731
    return install_token(user, pem(cert), "".join(pem(c) for c in chain), "remote",
                         {"provider": name, "account": account, "ref": ref}, purpose)


def rewrap_if_needed(row: Certificate, passphrase: str, key=None) -> bool:
    """Once its owner has unlocked a key stored under the old wrapping (PBKDF2, 2,048 iterations), store it
    again under today's (scrypt + AES-256-GCM), same passphrase. `key`: the key already unlocked, if any.
    Returns True when it was re-wrapped."""
    old = row.key_pem_encrypted
    if not certs.needs_rewrap(old):
        return False
    key = key or certs.decrypt_key(old, passphrase)
    new = certs.encrypt_key(key, passphrase)
    with write_tx():  # only if nobody replaced the key meanwhile
        changed = Certificate.update(key_pem_encrypted=new).where(
            (Certificate.id == row.id) & (Certificate.key_pem_encrypted == old)).execute()
        if changed:
            audit.record("certificate.key_rewrapped", row, user=row.user,
                         summary=f"Bọc lại khóa ký {row.subject} theo chuẩn mới (scrypt, AES-256-GCM)")
    row.key_pem_encrypted = new if changed else row.key_pem_encrypted
    return bool(changed)


def active(user: User, purpose: str) -> Certificate | None:
    return (Certificate.select().where((Certificate.user == user) & (Certificate.purpose == purpose)
                                       & (Certificate.is_active == True))  # noqa: E712
            .order_by(Certificate.uploaded_at.desc()).first())


def expiring(days: int | None = None):
    """Active certificates that expire within `days` (30 by default) or already have."""
    days = days if days is not None else app_config()["CERT_EXPIRY_WARNING_DAYS"]
    limit = utcnow() + dt.timedelta(days=days)
    return Certificate.select().where((Certificate.is_active == True) & (Certificate.not_after <= limit))  # noqa: E712


def parsed(row: Certificate):
    cert = x509.load_pem_x509_certificate(row.cert_pem.encode())
    chain = x509.load_pem_x509_certificates(row.chain_pem.encode()) if row.chain_pem.strip() else []
    return cert, chain
