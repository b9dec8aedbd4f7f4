"""Detached XML-DSig signatures over elements named by their `Id`, placed outside those elements (NEAC rule).

Why not a library: endesive (dropped as a dependency) signs XAdES-BES enveloped over the whole document,
one signature; the environment has the xmlsec1 command-line tool but no signxml or python-xmlsec; and the
signature value must come from the same signer the PDF step has unlocked (a PKCS#12 key, a token or a remote service,
all behind pyHanko's `Signer.async_sign_raw`). So the signing is done here with lxml's exclusive
canonicalisation and a caller-supplied `sign_raw(bytes) -> bytes`; tests cross-check every signature
with xmlsec1. Verification accepts only what this module writes: exclusive C14N, SHA-256, RSA or ECDSA
with SHA-256, same-document references to a unique `Id`, and one signed property (the signing time).
Keys come in as arguments; nothing here reads the app's configuration.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
TIME_TAG = "thoigianky"  # the signed property: when the signer signed (claimed by the signer, not a timestamp)


def _q(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def parse(data: bytes):
    """Parse untrusted XML: no DTD, no entities, no network (an ID declared by a DTD could redirect a reference)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=False)
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.doctype:
        raise ValueError("doctype")
    return root


def c14n(el) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


def elements_by_id(root, ident: str) -> list:
    return root.xpath("//*[@Id=$v]", v=ident)


def _digest(el) -> str:
    return base64.b64encode(hashlib.sha256(c14n(el)).digest()).decode()


def _reference(parent, uri: str, target) -> None:
    ref = etree.SubElement(parent, _q("Reference"), URI=f"#{uri}")
    transforms = etree.SubElement(ref, _q("Transforms"))
    etree.SubElement(transforms, _q("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(ref, _q("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(ref, _q("DigestValue")).text = _digest(target)


def sign(root, wrapper, ref_ids: list[str], sig_id: str, sign_raw, cert: x509.Certificate,
         chain: list[x509.Certificate], signed_at: dt.datetime):
    """Append one signature (referencing each of `ref_ids` and its own signing time) inside `wrapper`,
    an element already placed in `root` outside what it references. `sign_raw` signs the canonical
    SignedInfo with SHA-256 (RSA PKCS#1 v1.5, or ECDSA returning DER)."""
    is_ec = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    sig = etree.SubElement(wrapper, _q("Signature"), Id=sig_id, nsmap={"ds": DS})
    info = etree.SubElement(sig, _q("SignedInfo"))
    etree.SubElement(info, _q("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(info, _q("SignatureMethod"), Algorithm=ECDSA_SHA256 if is_ec else RSA_SHA256)
    value = etree.SubElement(sig, _q("SignatureValue"))
    key_info = etree.SubElement(sig, _q("KeyInfo"))
    data = etree.SubElement(key_info, _q("X509Data"))
    for c in [cert, *chain]:
        etree.SubElement(data, _q("X509Certificate")).text = base64.b64encode(
            c.public_bytes(serialization.Encoding.DER)).decode()
    obj = etree.SubElement(sig, _q("Object"))
    props = etree.SubElement(obj, _q("SignatureProperties"), Id=f"{sig_id}-time")
    prop = etree.SubElement(props, _q("SignatureProperty"), Target=f"#{sig_id}")
    etree.SubElement(prop, TIME_TAG).text = signed_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for ident in ref_ids:
        targets = elements_by_id(root, ident)
        if len(targets) != 1:
            raise ValueError(f"reference {ident}")
        _reference(info, ident, targets[0])
    _reference(info, f"{sig_id}-time", props)
    raw = sign_raw(c14n(info))
    if is_ec:  # XML-DSig wants r‖s, not the DER sequence a CMS signer returns
        r, s = decode_dss_signature(raw)
        size = (cert.public_key().curve.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    value.text = base64.b64encode(raw).decode()
    return sig


@dataclass
class Checked:
    """What one signature proves: `ok` when every reference and the value check; `problem` says why not."""

    sig_id: str
    ok: bool
    problem: str = ""
    refs: list[str] = field(default_factory=list)  # the Ids it references, its own signing time excluded
    cert: x509.Certificate | None = None
    chain: list[x509.Certificate] = field(default_factory=list)
    signed_at: dt.datetime | None = None


def _fail(sig_id, problem, **kw) -> Checked:
    return Checked(sig_id, False, problem, **kw)


def verify(root, sig) -> Checked:
    """Check one ds:Signature of the document: algorithms, every reference's digest, the value."""
    sig_id = sig.get("Id") or ""
    try:
        certs = [x509.load_der_x509_certificate(base64.b64decode(e.text or ""))
                 for e in sig.findall(f"{_q('KeyInfo')}/{_q('X509Data')}/{_q('X509Certificate')}")]
    except ValueError:
        certs = []
    if not certs:
        return _fail(sig_id, "không có chứng thư số của người ký")
    cert, chain = certs[0], certs[1:]
    info = sig.find(_q("SignedInfo"))
    if info is None or [c.tag for c in info][:2] != [_q("CanonicalizationMethod"), _q("SignatureMethod")]:
        return _fail(sig_id, "thiếu phần thông tin được ký", cert=cert, chain=chain)
    if info[0].get("Algorithm") != EXC_C14N or len(info[0]):
        return _fail(sig_id, "dùng cách chuẩn hóa không được chấp nhận", cert=cert, chain=chain)
    method = info[1].get("Algorithm")
    if method not in (RSA_SHA256, ECDSA_SHA256) or len(info[1]):
        return _fail(sig_id, "dùng thuật toán ký không được chấp nhận", cert=cert, chain=chain)
    refs, signed_at = [], None
    for ref in info[2:]:
        uri = ref.get("URI") or ""
        if ref.tag != _q("Reference") or not uri.startswith("#") or len(uri) < 2:
            return _fail(sig_id, "tham chiếu không hợp lệ", cert=cert, chain=chain)
        parts = list(ref)
        transforms = parts[0] if parts and parts[0].tag == _q("Transforms") else None
        if transforms is not None and ([t.get("Algorithm") for t in transforms] != [EXC_C14N]
                                       or any(len(t) for t in transforms)):
            return _fail(sig_id, "tham chiếu dùng phép biến đổi không được chấp nhận", cert=cert, chain=chain)
        rest = parts[1:] if transforms is not None else parts
        if [p.tag for p in rest] != [_q("DigestMethod"), _q("DigestValue")] or rest[0].get("Algorithm") != SHA256:
            return _fail(sig_id, "tham chiếu không dùng SHA-256", cert=cert, chain=chain)
        targets = elements_by_id(root, uri[1:])
        if len(targets) != 1:
            return _fail(sig_id, f"phần tử “{uri[1:]}” mà chữ ký tham chiếu "
                         + ("không còn trong tệp" if not targets else "bị lặp lại trong tệp"), cert=cert, chain=chain)
        if _digest(targets[0]) != (rest[1].text or "").strip():
            return _fail(sig_id, "nội dung được ký đã bị thay đổi sau khi ký", cert=cert, chain=chain)
        if targets[0].tag == _q("SignatureProperties"):
            if targets[0].getparent() is None or targets[0].getparent().getparent() is not sig:
                return _fail(sig_id, "thời điểm ký không thuộc chữ ký này", cert=cert, chain=chain)
            signed_at = _time(targets[0].findtext(f"{_q('SignatureProperty')}/{TIME_TAG}"))
        else:
            refs.append(uri[1:])
    value = sig.find(_q("SignatureValue"))
    try:
        raw = base64.b64decode((value.text or "") if value is not None else "", validate=False)
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey) and method == RSA_SHA256:
            key.verify(raw, c14n(info), padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey) and method == ECDSA_SHA256:
            half = len(raw) // 2
            der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
            key.verify(der, c14n(info), ec.ECDSA(hashes.SHA256()))
        else:
            return _fail(sig_id, "khóa của chứng thư không khớp thuật toán ký", cert=cert, chain=chain)
    except (InvalidSignature, ValueError):
        return _fail(sig_id, "giá trị chữ ký không khớp với chứng thư số", cert=cert, chain=chain)
    return Checked(sig_id, True, "", refs, cert, chain, signed_at)


def _time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def signatures(root) -> list:
    return root.iter(_q("Signature"))
