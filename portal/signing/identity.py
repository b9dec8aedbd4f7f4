"""Who a certificate names: a person (CCCD) or an organisation (MST), and whether that is who a role expects.

Vietnamese CAs put the holder's identifier in the subject's UID attribute: `CCCD:<12 digits>` (or the
older `CMND:`/passport `HC:`) for a person, `MST:<tax code>` for an organisation (EXCHANGE-NOTES). An
organisation certificate is one that names an MST and no person; nothing else can be a school's seal.
Names are compared after NFC normalisation, case folding and collapsing spaces (docs/signer-binding.md).
"""
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

PERSONAL_PREFIXES = ("CCCD", "CMND", "HC", "CMT")
ORGANISATION_PREFIXES = ("MST",)


def norm(text: str | None) -> str:
    """The form two names are compared in: NFC, case-folded, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip().casefold()


def same_name(a: str | None, b: str | None) -> bool:
    return bool(norm(a)) and norm(a) == norm(b)


@dataclass
class Subject:
    common_name: str
    organisation: str
    ids: dict = field(default_factory=dict)  # prefix → number, e.g. {"CCCD": "001..."}
    sha256: str = ""

    @property
    def is_organisation(self) -> bool:
        return any(p in self.ids for p in ORGANISATION_PREFIXES) and not any(p in self.ids for p in PERSONAL_PREFIXES)

    @property
    def kind(self) -> str:
        return "organisation" if self.is_organisation else "personal"

    @property
    def person_id(self) -> str:
        return next((self.ids[p] for p in PERSONAL_PREFIXES if p in self.ids), "")

    @property
    def tax_code(self) -> str:
        return self.ids.get("MST", "")

    def as_dict(self) -> dict:
        return {"common_name": self.common_name, "organisation": self.organisation, "ids": dict(self.ids),
                "sha256": self.sha256, "kind": self.kind}

    @classmethod
    def from_dict(cls, d: dict) -> "Subject":
        return cls(d.get("common_name", ""), d.get("organisation", ""), dict(d.get("ids") or {}), d.get("sha256", ""))


def _ids(values: list[str]) -> dict:
    out = {}
    for value in values:
        prefix, sep, number = value.partition(":")
        if sep and prefix.strip().upper() in PERSONAL_PREFIXES + ORGANISATION_PREFIXES:
            out[prefix.strip().upper()] = number.strip()
    return out


def subject_of(cert) -> Subject:
    """Read a certificate (cryptography's or asn1crypto's) into a Subject."""
    if not isinstance(cert, x509.Certificate):
        cert = x509.load_der_x509_certificate(cert.dump())
    attrs = cert.subject

    def values(oid):
        return [a.value for a in attrs.get_attributes_for_oid(oid)]

    cn, org = values(NameOID.COMMON_NAME), values(NameOID.ORGANIZATION_NAME)
    der = cert.public_bytes(serialization.Encoding.DER)
    return Subject(unicodedata.normalize("NFC", cn[0] if cn else ""),
                   unicodedata.normalize("NFC", org[0] if org else ""),
                   _ids(values(NameOID.USER_ID)), hashlib.sha256(der).hexdigest())


def fingerprint(cert) -> str:
    return subject_of(cert).sha256


def person_problem(subject: Subject, name: str, school: str, national_id: str = "") -> str:
    """Why this certificate is not the person's own (empty when it is). Messages are Vietnamese."""
    if subject.is_organisation:
        return f"là chứng thư số của tổ chức ({subject.common_name}), không phải của cá nhân {name}"
    if not same_name(subject.common_name, name):
        return f"là của {subject.common_name or 'người không rõ tên'}, không phải của {name}"
    if national_id and subject.person_id and subject.person_id != national_id:
        return f"ghi số định danh khác với số định danh của {name}"
    if subject.organisation and school and not same_name(subject.organisation, school):
        return f"thuộc tổ chức {subject.organisation}, không phải {school}"
    return ""


def organisation_problem(subject: Subject, school: str, tax_code: str = "") -> str:
    """Why this certificate is not the school's organisation certificate (empty when it is)."""
    if not subject.is_organisation:
        return (f"là chứng thư số cá nhân của {subject.common_name}; dấu số của trường phải là chứng thư số "
                "của tổ chức (có mã số thuế)")
    if not (same_name(subject.organisation, school) or same_name(subject.common_name, school)):
        return f"là của tổ chức {subject.organisation or subject.common_name}, không phải {school}"
    if tax_code and subject.tax_code != tax_code:
        return f"ghi mã số thuế {subject.tax_code}, khác mã số thuế của {school}"
    return ""
