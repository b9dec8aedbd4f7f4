"""The server's own certificate authority for a LAN-only school (Caddy's internal CA, `tls internal`):
its root certificate offered to teachers' phones, with the fingerprint they compare before trusting it.

Only a CA certificate is ever served from SERVER_CA_FILE: a file holding a private key, or a certificate
that is not a CA, is refused, so a wrong path in the configuration cannot publish a secret.
"""
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import segno
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from portal.services import ServiceError
from portal.services.appconfig import app_config

DOWNLOAD_NAME = "hocba-may-chu-ca.crt"


@dataclass(frozen=True)
class ServerCA:
    der: bytes
    name: str
    not_after: object  # datetime, UTC
    fingerprint: str  # SHA-256 of the DER certificate, "AB:CD:…" as phones show it


def configured() -> bool:
    return bool(app_config().get("SERVER_CA_FILE"))


def load() -> ServerCA | None:
    """The configured CA root; None when none is configured (a school with a public certificate)."""
    path = app_config().get("SERVER_CA_FILE") or ""
    return read(path) if path else None


def read(path: str) -> ServerCA:
    """A CA certificate file (PEM or DER), or a ServiceError saying why it cannot be offered to phones."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise ServiceError(f"Không đọc được tệp chứng chỉ gốc của máy chủ ({path}). Quản trị viên cần chép chứng "
                           "chỉ gốc của Caddy vào đó (xem hướng dẫn triển khai).") from None
    if b"PRIVATE KEY" in data:
        raise ServiceError("Tệp cấu hình ở SERVER_CA_FILE chứa khóa bí mật: không bao giờ được công bố. "
                           "Chỉ dùng tệp root.crt (chứng chỉ), không dùng root.key.")
    try:
        cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN CERTIFICATE-----" in data
                else x509.load_der_x509_certificate(data))
    except ValueError:
        raise ServiceError(f"Tệp {path} không phải là chứng chỉ X.509.") from None
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise ServiceError(f"Tệp {path} không phải là chứng chỉ gốc (CA): cần root.crt của Caddy.")
    der = cert.public_bytes(serialization.Encoding.DER)
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ServerCA(der=der, name=names[0].value if names else cert.subject.rfc4514_string(),
                    not_after=cert.not_valid_after_utc,
                    fingerprint=":".join(digest[i:i + 2] for i in range(0, len(digest), 2)))


def download_url(public_base_url: str, path: str) -> str:
    """Where a phone fetches the CA: over plain HTTP on the usual port when the portal is on HTTPS, since
    the phone does not trust the server's certificate yet (Caddy serves this one path over HTTP)."""
    parts = urlsplit(public_base_url)
    netloc = parts.netloc if parts.scheme == "http" else (parts.hostname if ":" not in (parts.hostname or "")
                                                          else f"[{parts.hostname}]")
    return f"http://{netloc}{path}"


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)
