"""The record's XML in the signing chain: built from the frozen record object at the first step, signed by
every role in the same step as the PDF (with the same unlocked signer), kept next to the step's PDF.

The XML of a step lives at the PDF's path with `.xml` for `.pdf` (`…-v1-b2.xml` beside `…-v1-b2.pdf`), so
the step's single write of `pdf_path` in `_record_step` moves both files on together. A record that
entered the chain before the XML was signed in it has no XML: its later steps sign the PDF only, and a
package seals an XML for it (services/packaging.py).
"""
import asyncio
import datetime as dt
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from lxml import etree

from portal.exchange import record_xml
from portal.signing import xmldsig

from portal.services import ServiceError
from portal.services.records.chain_files import records_dir
from portal.services.records.rendering import write_atomically


def xml_rel(pdf_rel: str) -> str:
    return pdf_rel[:-4] + ".xml" if pdf_rel.endswith(".pdf") else ""


def read_xml(rv) -> bytes | None:
    """The record's current XML (the one beside its current PDF), or None when it has none."""
    rel = xml_rel(rv.pdf_path or "")
    path = records_dir() / rel if rel else None
    return path.read_bytes() if path is not None and path.is_file() else None


def raw_signer(signer):
    """XML-DSig's SignatureValue from the pyHanko signer the PDF step unlocked: PKCS#12, token or remote."""
    from pyhanko.sign.signers import SimpleSigner

    if isinstance(signer, SimpleSigner):
        # pyHanko's SimpleSigner parses its DER key again, with RSA's full consistency check, on every raw
        # signature (≈ 70 ms, measured: bench xml_step). The key was checked when it was installed and
        # unlocked; parse it once per unlocked signer and sign with it directly.
        key = getattr(signer, "_hocba_xml_key", None)
        if key is None:
            key = serialization.load_der_private_key(signer.signing_key.dump(), None,
                                                     unsafe_skip_rsa_key_validation=True)
            signer._hocba_xml_key = key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return lambda data: key.sign(data, ec.ECDSA(hashes.SHA256()))
        return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def sign_raw(data: bytes) -> bytes:
        return asyncio.run(signer.async_sign_raw(data, "sha256"))
    return sign_raw


def _check_earlier(root, record: dict) -> None:
    if record_xml.data_c14n(root) != record_xml.expected_data_c14n(record):
        raise ServiceError("Dữ liệu trong tệp XML của học bạ khác dữ liệu đã khóa; không thể ký tiếp.")
    for sig in xmldsig.signatures(root):
        if not xmldsig.verify(root, sig).ok:
            raise ServiceError("Tệp XML của học bạ đã bị sửa đổi: chữ ký trước không hợp lệ; không thể ký tiếp.")


def sign_role(xml: bytes, role: str, sign_raw, cert, chain, national_id: str = "", name: str = "",
              at: dt.datetime | None = None) -> bytes:
    """Add this role's signature(s) to the XML: one per subject the teacher is named for, else one."""
    root = xmldsig.parse(xml)
    path, wrapper_tag, target = record_xml.ROLES[role]
    refs = record_xml.subject_ids_for(root, national_id, name) if role == "subject" else [target]
    at = at or dt.datetime.now(dt.timezone.utc)
    for ref in refs:
        wrapper = etree.SubElement(root.find(path), wrapper_tag)
        sig_id = f"sig-{role}-{ref}" if role == "subject" else f"sig-{role}"
        xmldsig.sign(root, wrapper, [ref], sig_id, sign_raw, cert, chain, at)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def sign_step(rv, role: str, user, cred, pdf_rel: str, froze: bool) -> None:
    """The chain step's XML signature, with the signer of the step's PDF signature; written beside its PDF."""
    record = json.loads(rv.data_json)
    if record.get("schema") not in record_xml.SCHEMAS:  # no XML mapping for this record object yet: PDF only
        return
    if froze:
        xml = record_xml.to_xml(record)
    else:
        xml = read_xml(rv)
        if xml is None:  # entered the chain before XML signing: the PDF alone continues
            return
        try:
            _check_earlier(xmldsig.parse(xml), record)
        except (etree.XMLSyntaxError, ValueError):
            raise ServiceError("Tệp XML của học bạ bị hỏng; không thể ký tiếp.") from None
    staff = getattr(user, "staff", None)
    backend = cred.backend
    from portal.services.records.subject_signing import base_role  # a subject teacher's slot (subject_3) signs as `subject`
    signed = sign_role(xml, base_role(role), raw_signer(cred.signer), backend.cert, list(backend.chain),
                       national_id=(staff.national_id or "") if staff else "", name=staff.full_name if staff else "")
    write_atomically(str(records_dir() / xml_rel(pdf_rel)), signed)


def issued_xml(rv, key=None, cert=None) -> bytes:
    """The XML that goes with an issued PDF: the one signed in the chain. A record issued before the chain
    signed XML has none: its XML is built from the frozen data and sealed now with the school's
    organisation key (`key`, `cert`), so a package still carries the pair."""
    xml = read_xml(rv)
    if xml is not None:
        return xml
    if key is None:
        raise ServiceError(f"Học bạ {rv.pupil.code} chưa có tệp XML đã ký; cần chứng thư số của tổ chức để ký.")
    from portal.models import Certificate

    from portal.services.school.certificates import parsed
    row = Certificate.get_or_none(Certificate.serial == format(cert.serial_number, "x"))
    chain = parsed(row)[1] if row is not None else []
    return sign_role(record_xml.to_xml(json.loads(rv.data_json)), "seal",
                     lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()), cert, chain,
                     at=rv.issued_at.replace(tzinfo=dt.timezone.utc) if rv.issued_at else None)


def signed_xml(rv) -> tuple[bytes, str]:
    """One issued (or since superseded) version's signed XML and its download name; the caller has already
    checked the reader may see this record, exactly as for its PDF."""
    if rv.status not in ("issued", "superseded") or not rv.pdf_path:
        raise ServiceError("Phiên bản này chưa được phát hành.")
    xml = read_xml(rv)
    if xml is None:
        raise ServiceError("Học bạ này được phát hành trước khi tệp XML được ký cùng quy trình với tệp PDF; "
                           "tệp XML của nó có trong gói dữ liệu gửi CSDL ngành (lệnh package).")
    return xml, f"hoc-ba-{rv.pupil.code}-{rv.school_class.year.name}-v{rv.version}-da-ky.xml"


def log_download(user, rv, xml: bytes, who: str = "") -> None:
    """The audit line for a download of the XML (as for the PDF: which file, and its hash); `who` names a
    download by someone not signed in (user None), the family."""
    import hashlib

    from portal.db import write_tx

    from portal.services.system import audit
    with write_tx():
        audit.record("record.downloaded", rv, user=user, summary=f"{who or 'Tải'} học bạ XML đã ký {rv.pupil.full_name} "
                     f"{rv.school_class.year.name}", sha256=hashlib.sha256(xml).hexdigest(),
                     **({"username": "phụ huynh"} if who else {}))
