"""A small X.509 PKI for the demo school and the tests: root → intermediate → signers, and a TSA.

Real schools use the national root CA and the Government Cipher Committee CA; this only exists so
that everything can be signed and validated for real without them.
"""
import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, org: str | None = None, country: str = "VN") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if org:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


def _key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def issue(subject: x509.Name, issuer: Issued | None, *, ca=False, path_length=None, not_before=None, days=3650,
          digital_signature=True, non_repudiation=True, extended=None, key=None) -> Issued:
    key = key or _key()
    now = dt.datetime.now(dt.timezone.utc)
    not_before = not_before or now - dt.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if ca:
        usage = dict(digital_signature=True, content_commitment=False, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=digital_signature, content_commitment=non_repudiation, key_cert_sign=False,
                     crl_sign=False)
    builder = builder.add_extension(x509.KeyUsage(key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, encipher_only=False, decipher_only=False,
                                                  **usage), critical=True)
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=True)
    signer_key = issuer.key if issuer else key
    return Issued(key, builder.sign(signer_key, hashes.SHA256()))


@dataclass
class TestPKI:
    root: Issued
    intermediate: Issued

    @classmethod
    def create(cls, name="Học bạ số — CA thử nghiệm") -> "TestPKI":
        root = issue(_name(f"{name} (gốc)", "Học bạ số"), None, ca=True, days=7300)
        inter = issue(_name(f"{name} (trung gian)", "Học bạ số"), root, ca=True, path_length=0, days=5475)
        return cls(root, inter)

    def person(self, full_name: str, org: str | None = None, **kw) -> Issued:
        return issue(_name(full_name, org), self.intermediate, **kw)

    def tsa(self) -> Issued:
        return issue(_name("Học bạ số — TSA thử nghiệm", "Học bạ số"), self.intermediate,
                     non_repudiation=False, extended=[ExtendedKeyUsageOID.TIME_STAMPING])

    def p12(self, who: Issued, passphrase: str, friendly: str = "hocba") -> bytes:
        return pkcs12.serialize_key_and_certificates(
            friendly.encode(), who.key, who.cert, [self.intermediate.cert, self.root.cert],
            serialization.BestAvailableEncryption(passphrase.encode()))
