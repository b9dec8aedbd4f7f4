"""Reading and checking a signer's certificate: PKCS#12 contents, dates, key usage, chain to the anchors.

Errors carry Vietnamese messages meant for the person who uploaded the file.
"""
import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError, ValidationError


class CertificateProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CertInfo:
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    organisation: str
    cert_pem: str
    chain_pem: str
    anchor: str = ""


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return attrs[0].value if attrs else name.rfc4514_string()


def _org(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_NAME)
    return attrs[0].value if attrs else ""


def load_p12(data: bytes, passphrase: str):
    """(private key, certificate, chain) from a .p12/.pfx, or a CertificateProblem saying why not."""
    if not data:
        raise CertificateProblem("Tệp chứng thư số trống.")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8"))
    except ValueError as err:
        text = str(err).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise CertificateProblem("Mật khẩu (passphrase) của tệp chứng thư số không đúng.") from None
        raise CertificateProblem("Tệp không phải là chứng thư số PKCS#12 (.p12/.pfx) hợp lệ hoặc đã bị hỏng.") from None
    except Exception:
        raise CertificateProblem("Tệp không phải là chứng thư số PKCS#12 (.p12/.pfx) hợp lệ hoặc đã bị hỏng.") from None
    if key is None or cert is None:
        raise CertificateProblem("Tệp PKCS#12 không chứa khóa bí mật và chứng thư của người ký.")
    return key, cert, list(chain or [])


def trust_roots(trust_dir: Path) -> list[x509.Certificate]:
    roots = []
    for path in sorted(Path(trust_dir).glob("*.pem")) + sorted(Path(trust_dir).glob("*.crt")):
        roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return roots


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def check(cert: x509.Certificate, chain: list[x509.Certificate], roots: list[x509.Certificate],
          at: dt.datetime | None = None, check_revocation: bool = False) -> CertInfo:
    """Refuse a certificate that cannot sign a học bạ now: dates, key usage, chain to a trust anchor, and
    with `check_revocation` its status at the CA (OCSP/CRL named in it; an unreachable CA is tolerated
    here — issuance later requires the validation data)."""
    at = at or dt.datetime.now(dt.timezone.utc)
    if at < cert.not_valid_before_utc:
        raise CertificateProblem(f"Chứng thư số chưa có hiệu lực (từ {cert.not_valid_before_utc:%d/%m/%Y}).")
    if at > cert.not_valid_after_utc:
        raise CertificateProblem(f"Chứng thư số đã hết hạn ngày {cert.not_valid_after_utc:%d/%m/%Y}.")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise CertificateProblem("Chứng thư số không có mục đích sử dụng “chữ ký số” (digitalSignature).")
    if not roots:
        raise CertificateProblem("Chưa cấu hình chứng thư gốc tin cậy (thư mục instance/trust/).")
    # Revocation can only be asked about now; a check "as of" another moment stays offline.
    fetch = check_revocation and abs(at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)
    context = ValidationContext(trust_roots=[_asn1(r) for r in roots], other_certs=[_asn1(c) for c in chain],
                                allow_fetching=bool(fetch), revocation_mode="soft-fail",
                                moment=None if fetch else at)
    validator = CertificateValidator(_asn1(cert), validation_context=context)
    try:
        path = asyncio.run(_validate_and_release(validator, context))
    except RevokedError:
        raise CertificateProblem("Chứng thư số đã bị tổ chức chứng thực thu hồi; không thể dùng để ký.") from None
    except (PathBuildingError, PathValidationError, ValidationError):
        raise CertificateProblem("Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy "
                                 "(không nối được tới chứng thư gốc trong instance/trust/).") from None
    try:
        anchor = path.trust_anchor.authority.name.human_friendly
    except AttributeError:
        anchor = ""
    return CertInfo(subject=_cn(cert.subject), issuer=_cn(cert.issuer), serial=format(cert.serial_number, "x"),
                    not_before=cert.not_valid_before_utc.replace(tzinfo=None),
                    not_after=cert.not_valid_after_utc.replace(tzinfo=None), organisation=_org(cert.subject),
                    cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                    chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain),
                    anchor=anchor)


async def _validate_and_release(validator, context):
    try:
        return await validator.async_validate_usage(key_usage=set())
    finally:
        await context.aclose()  # the HTTP session pyHanko opened for OCSP/CRL lives in this event loop


def encrypt_key(key, passphrase: str) -> str:
    """The private key as PKCS#8 PEM encrypted under the signer's passphrase (never stored in clear)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase.encode("utf-8"))).decode()


def decrypt_key(pem: str, passphrase: str):
    try:
        return serialization.load_pem_private_key(pem.encode(), passphrase.encode("utf-8"))
    except (ValueError, TypeError):
        raise CertificateProblem("Mật khẩu (passphrase) của khóa ký không đúng.") from None
