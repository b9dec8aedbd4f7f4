"""A small X.509 PKI for the demo school and the tests: root → intermediate → signers, and a TSA.

Real schools use the national root CA and the Government Cipher Committee CA; this only exists so
that everything can be signed and validated for real without them. Like the real ones, its
certificates name where revocation is published (CRL distribution points, OCSP) and its subjects
carry the identifiers Vietnamese CAs put there: `UID=CCCD:<12 digits>` for a person, `UID=MST:<tax
code>` for an organisation (EXCHANGE-NOTES). `responder.py` serves the CRLs, OCSP and timestamps.
"""
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

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

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes) -> "Issued":
        return cls(serialization.load_pem_private_key(key_pem, None), x509.load_pem_x509_certificate(cert_pem))


def name(cn: str, org: str | None = None, uid: str | None = None, country: str = "VN") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if org:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if uid:
        parts.append(x509.NameAttribute(NameOID.USER_ID, uid))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


_name = name  # older imports


def _key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def issue(subject: x509.Name, issuer: Issued | None, *, ca=False, path_length=None, not_before=None, days=3650,
          digital_signature=True, non_repudiation=True, extended=None, key=None, crl_url=None,
          ocsp_url=None) -> Issued:
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
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]),
            critical=False)
    signer_key = issuer.key if issuer else key
    return Issued(key, builder.sign(signer_key, hashes.SHA256()))


@dataclass
class TestPKI:
    """Root → intermediate; with `base_url`, every certificate below the root names the CRL and OCSP
    addresses that `responder.py` serves under that URL (the root's CRL covers the intermediate)."""

    __test__ = False  # not a pytest test class

    root: Issued
    intermediate: Issued
    base_url: str = ""
    revoked: dict = field(default_factory=dict)  # serial (hex) → ISO time of revocation
    tsa_cert: Issued | None = None

    @classmethod
    def create(cls, name_="Học bạ số — CA thử nghiệm", base_url: str = "") -> "TestPKI":
        base = base_url.rstrip("/")
        root = issue(name(f"{name_} (gốc)", "Học bạ số"), None, ca=True, days=40 * 365)
        inter = issue(name(f"{name_} (trung gian)", "Học bạ số"), root, ca=True, path_length=0, days=30 * 365,
                      crl_url=f"{base}/crl/root.crl" if base else None)
        pki = cls(root, inter, base)
        if base:
            pki.tsa_cert = pki.tsa()
        return pki

    def _urls(self) -> dict:
        if not self.base_url:
            return {}
        return {"crl_url": f"{self.base_url}/crl/intermediate.crl", "ocsp_url": f"{self.base_url}/ocsp"}

    def person(self, full_name: str, org: str | None = None, national_id: str | None = None, **kw) -> Issued:
        uid = f"CCCD:{national_id}" if national_id else None
        return issue(name(full_name, org, uid), self.intermediate, **{**self._urls(), **kw})

    def organisation(self, org_name: str, tax_code: str, **kw) -> Issued:
        """An organisation certificate (the school's seal): its subject names the organisation and its MST."""
        return issue(name(org_name, org_name, f"MST:{tax_code}"), self.intermediate, **{**self._urls(), **kw})

    def tsa(self) -> Issued:
        return issue(name("Học bạ số — TSA thử nghiệm", "Học bạ số"), self.intermediate,
                     non_repudiation=False, extended=[ExtendedKeyUsageOID.TIME_STAMPING], **self._urls())

    def revoke(self, cert: x509.Certificate, at: dt.datetime | None = None) -> None:
        at = at or dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        self.revoked[format(cert.serial_number, "x")] = at.replace(microsecond=0).isoformat()

    def p12(self, who: Issued, passphrase: str, friendly: str = "hocba") -> bytes:
        return pkcs12.serialize_key_and_certificates(
            friendly.encode(), who.key, who.cert, [self.intermediate.cert, self.root.cert],
            serialization.BestAvailableEncryption(passphrase.encode()))

    # The responder reads the PKI from a folder (it may run in another process than the one that made it).
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        parts = {"root": self.root, "intermediate": self.intermediate}
        if self.tsa_cert:
            parts["tsa"] = self.tsa_cert
        for label, issued in parts.items():
            (folder / f"{label}.pem").write_bytes(issued.pem())
            key_file = folder / f"{label}.key"
            key_file.write_bytes(issued.key_pem())
            key_file.chmod(0o600)
        self.save_revocations(folder)
        (folder / "pki.json").write_text(json.dumps({"base_url": self.base_url}), encoding="utf-8")

    def save_revocations(self, folder: Path) -> None:
        target = Path(folder) / "revoked.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.revoked, indent=1), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, folder: Path) -> "TestPKI":
        folder = Path(folder)

        def part(label):
            if not (folder / f"{label}.pem").exists():
                return None
            return Issued.from_pem((folder / f"{label}.pem").read_bytes(), (folder / f"{label}.key").read_bytes())

        meta = json.loads((folder / "pki.json").read_text(encoding="utf-8"))
        revoked_file = folder / "revoked.json"
        revoked = json.loads(revoked_file.read_text(encoding="utf-8")) if revoked_file.exists() else {}
        return cls(part("root"), part("intermediate"), meta.get("base_url", ""), revoked, part("tsa"))
