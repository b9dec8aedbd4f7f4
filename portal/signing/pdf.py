"""Signing and validating the học bạ PDF with pyHanko.

Every role's signature field is created before the first signature: a certification signature that
allows only form filling (DocMDP level 2) forbids adding fields later. Each role then signs its own
field by incremental update. Validation reports, per signature, what a person needs to know.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from . import identity, space

FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSerif-Regular.ttf"
STAMP_FONT_SIZE = 7  # Noto Serif has 1000 units per em, so the stamp width comes out right (SIGNING-NOTES)


def field_name(role: str) -> str:
    return f"Sig_{role}"


def add_fields(pdf: bytes, boxes: dict[str, tuple], text_boxes: dict[str, tuple] | None = None) -> bytes:
    """One empty signature field per role, at the box the layout reserved for it; and the PDF/A metadata
    made consistent before the first signature freezes it: the Info dictionary's Producer equal to the
    XMP's (pyHanko rewrites the XMP producer on every update), each associated file listed once in /AF."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for role, (page, x1, y1, x2, y2) in boxes.items():
        fields.append_signature_field(writer, fields.SigFieldSpec(field_name(role), on_page=page, box=(x1, y1, x2, y2)))
    for name, box in (text_boxes or {}).items():
        _add_text_field(writer, name, box)
    _tidy_pdfa(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_text_field(writer, name: str, box: tuple) -> None:
    """An empty text field (e.g. the date line the principal's step fills in: form filling, which the
    certification signature allows); printed, not editable by hand in a viewer."""
    from pyhanko.pdf_utils import generic

    page_ix, x1, y1, x2, y2 = box
    page_ref, _ = writer.find_page_for_modification(page_ix)
    widget = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
        generic.NameObject("/FT"): generic.NameObject("/Tx"),
        generic.NameObject("/T"): generic.TextStringObject(name),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (x1, y1, x2, y2)]),
        generic.NameObject("/F"): generic.NumberObject(4),  # print
        generic.NameObject("/Ff"): generic.NumberObject(1),  # read-only in viewers; the portal fills it
        generic.NameObject("/P"): page_ref,
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 0 Tf 0 g"),
        generic.NameObject("/V"): generic.TextStringObject(""),
    })
    ref = writer.add_object(widget)
    form = writer.root["/AcroForm"].get_object()
    form["/Fields"].append(ref)
    writer.update_container(form["/Fields"] if isinstance(form.raw_get("/Fields"), generic.IndirectObject) else form)
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if annots is None:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([ref])
        writer.update_container(page)
    else:
        annots.append(ref)
        writer.update_container(annots if isinstance(page.raw_get("/Annots"), generic.IndirectObject) else page)


def _fill_text_field(writer, name: str, text: str, drawn: dict | None = None) -> None:
    """Set a text field's value and draw it (white behind, the stamp font), in the writer's next revision."""
    from pyhanko.pdf_utils import generic, layout
    from pyhanko.stamp import TextStamp

    for ref in writer.root["/AcroForm"].get_object()["/Fields"]:
        field = ref.get_object()
        if field.get("/T") != name:
            continue
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        w, h = x2 - x1, y2 - y1
        drawn = {} if drawn is None else drawn
        key = (text, round(w), round(h))
        if key not in drawn:  # the same line on two pages: one drawing, one font subset
            drawn[key] = TextStamp(writer, _date_style(), text_params={"text": text},
                                   box=layout.BoxConstraints(width=w, height=h)).register()
        inner = drawn[key]
        appearance = generic.StreamObject({
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject([generic.FloatObject(v) for v in (0, 0, w, h)]),
            generic.NameObject("/Resources"): generic.DictionaryObject({
                generic.NameObject("/XObject"): generic.DictionaryObject({generic.NameObject("/D0"): inner})}),
        }, stream_data=b"q 1 1 1 rg 0 0 %.2f %.2f re f Q /D0 Do" % (w, h))
        field[generic.NameObject("/V")] = generic.TextStringObject(text)
        field[generic.NameObject("/AP")] = generic.DictionaryObject({generic.NameObject("/N"): writer.add_object(appearance)})
        writer.update_container(field)
        return
    raise ValueError(f"no text field {name}")


_DATE_STYLE = None


def _date_style():
    from pyhanko.pdf_utils.text import TextBoxStyle

    from .stamp_font import KeptSubsetFactory  # signing only: fontTools and HarfBuzz stay out of verification
    from pyhanko.stamp import TextStampStyle

    global _DATE_STYLE
    if _DATE_STYLE is None:
        from pyhanko.pdf_utils import layout

        size = 11  # as the form's own line (print size)
        tight = layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MID,
                                           y_align=layout.AxisAlignment.ALIGN_MID, margins=layout.Margins(0, 0, 0, 0))
        _DATE_STYLE = TextStampStyle(
            stamp_text="%(text)s", border_width=0, inner_content_layout=tight,
            text_box_style=TextBoxStyle(font=KeptSubsetFactory(str(STAMP_FONT), font_size=size),
                                        font_size=size, border_width=0,
                                        box_layout_rule=layout.SimpleBoxLayoutRule(
                                            x_align=layout.AxisAlignment.ALIGN_MID,
                                            y_align=layout.AxisAlignment.ALIGN_MID, margins=layout.Margins(0, 0, 0, 0))))
    return _DATE_STYLE


def _tidy_pdfa(writer) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    if writer._info is not None:
        info = writer._info.get_object()
        info[generic.NameObject("/Producer")] = generic.TextStringObject(VENDOR)
        writer.mark_update(writer._info)
    files = writer.root.get("/AF")
    if files is not None:
        seen, unique = set(), generic.ArrayObject()
        for ref in files:
            key = (ref.idnum, ref.generation) if isinstance(ref, generic.IndirectObject) else id(ref)
            if key not in seen:
                seen.add(key)
                unique.append(ref)
        if len(unique) != len(files):
            writer.root[generic.NameObject("/AF")] = unique
            writer.update_root()


# The stamp font: Noto Serif (1000 units per em, SIGNING-NOTES) cut down once to the Vietnamese and Latin
# letters, digits and punctuation a stamp can hold (static/fonts/README.md): pyHanko loads and subsets
# the font for every signature, and a 110 KB font costs a fraction of the 590 KB one.
STAMP_FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSerif-Stamp.ttf"
VN = dt.timezone(dt.timedelta(hours=7))
_STAMP_STYLE = None


def _stamp_style():
    """One style for the process; the text comes from the parameters of each signature."""
    from pyhanko.pdf_utils.text import TextBoxStyle

    from .stamp_font import KeptSubsetFactory
    from pyhanko.stamp import TextStampStyle

    global _STAMP_STYLE
    if _STAMP_STYLE is None:
        _STAMP_STYLE = TextStampStyle(
            stamp_text="%(text)s",
            text_box_style=TextBoxStyle(font=KeptSubsetFactory(str(STAMP_FONT), font_size=STAMP_FONT_SIZE),
                                        font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 3),
            border_width=1)
    return _STAMP_STYLE


def stamp_text(label: str, signer_name: str, title: str, when: dt.datetime | None = None) -> str:
    """What a stamp says, in short lines that stay legible at print size: the role as the form names it,
    who signed, and when in Vietnam's time."""
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(VN)
    lines = [label, signer_name] + ([title] if title else []) + [f"Ký số: {when:%d/%m/%Y %H:%M}"]
    return "\n".join(lines)


def sign(pdf: bytes, role: str, signer, *, certify: bool, signer_name: str, title: str,
         label: str, reason: str, location: str, timestamper=None, fill: dict | None = None) -> bytes:
    """Sign the role's field by incremental update; the first signature of the chain certifies. `fill`:
    text fields this step fills in the same revision (the principal's date line)."""
    from pyhanko.sign import signers  # signing only: the verifier does not load the signer's machinery
    from pyhanko.sign.general import SigningError

    def attempt(reserved: int | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        drawn: dict = {}
        for name, text in (fill or {}).items():
            _fill_text_field(writer, name, text, drawn)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name(role), certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS if certify else None,
            subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location, name=signer_name,
            md_algorithm="sha256")
        pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, stamp_style=_stamp_style())
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserved,
                            appearance_text_params={"text": stamp_text(label, signer_name, title)})
        return out.getvalue()

    key = space.key(signer, timestamper, certify)
    reserved = space.RESERVED.get(key) if key else None
    try:
        signed = attempt(reserved)
    except SigningError as err:
        if reserved is None or "larger than expected" not in str(err):
            raise
        space.RESERVED.pop(key, None)  # this signature came out bigger: estimate afresh
        reserved, signed = None, attempt(None)
    if key and reserved is None:
        found = space.reserved_size(signed)
        if found:
            space.RESERVED[key] = found
    return signed


def text_fields(pdf: bytes) -> list[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    form = reader.root.get("/AcroForm")
    if form is None:
        return []
    fields_ = form.get_object().get("/Fields", [])
    return [str(f.get_object().get("/T")) for f in fields_.get_object() if f.get_object().get("/FT") == "/Tx"]


def simple_signer(key, cert, chain):
    """A pyHanko signer from a cryptography private key and certificates held by the portal."""
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    store = SimpleCertificateStore.from_certs([to_asn1(c) for c in chain])
    signer = _kept_key_signer_class()(signing_cert=to_asn1(cert),
                                      signing_key=load_private_key_from_pemder_data(pem, None), cert_registry=store)
    signer._hocba_xml_key = key  # the XML signature (services/records/xml_record.py) signs with the same object
    return signer


_KEPT_KEY_SIGNER = None


def _kept_key_signer_class():
    """pyHanko's SimpleSigner re-parses its DER key, with RSA's full consistency check, for every raw signature
    (≈ 30 ms each, several per PDF signature). This one signs RSA PKCS#1 v1.5 and ECDSA with the key object
    it was built from (checked when installed and unlocked); other mechanisms go through pyHanko."""
    global _KEPT_KEY_SIGNER
    if _KEPT_KEY_SIGNER is None:
        from pyhanko.sign.general import get_pyca_cryptography_hash
        from pyhanko.sign.signers import SimpleSigner

        from .rawsign import sign_with_key

        class KeptKeySigner(SimpleSigner):
            def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                key = getattr(self, "_hocba_xml_key", None)
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
                try:
                    name = mechanism.signature_algo
                except ValueError:
                    name = mechanism["algorithm"].native
                signed = sign_with_key(key, name, data, get_pyca_cryptography_hash(digest_algorithm))
                return signed if signed is not None else super().sign_raw(data, digest_algorithm)

        _KEPT_KEY_SIGNER = KeptKeySigner
    return _KEPT_KEY_SIGNER


def to_asn1(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class SignatureReport:
    field: str
    role: str
    signer: str
    signed_at: object
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification: str
    docmdp_ok: bool | None
    bottom_line: bool
    certified: bool
    timestamped: bool
    issuer: str = ""
    problems: list[str] = field(default_factory=list)
    cert_sha256: str = ""
    subject: dict = field(default_factory=dict)  # identity.Subject.as_dict() of the signer's certificate
    timestamp_at: object = None  # the signature timestamp's time, when it has one
    cert_not_after: object = None
    revoked_at: object = None  # when the CA says the certificate was revoked (None: not revoked or not known)


def validation_context(roots, moment=None, fetch=False) -> ValidationContext:
    # Tolerant of missing revocation data (long-term validation in ltv.py is the strict one); with `fetch`
    # it asks the CA (OCSP/CRL named in the certificate) and a revoked certificate is not trusted.
    return ValidationContext(trust_roots=[to_asn1(r) for r in roots], allow_fetching=fetch,
                             revocation_mode="soft-fail", moment=moment)


async def _validate(pdf: bytes, roots, moment=None, fetch=False) -> list[SignatureReport]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    reports = []
    for sig in reader.embedded_regular_signatures:
        vc = validation_context(roots, moment, fetch)
        try:
            status = await async_validate_pdf_signature(sig, signer_validation_context=vc, ts_validation_context=vc)
        finally:
            await vc.aclose()
        reports.append(report_from_status(sig, status))
    return reports


def report_from_status(sig, status) -> SignatureReport:
    """What a person needs to know of one signature, from pyHanko's status (classic or AdES)."""
    name = sig.field_name or ""
    cert = status.signing_cert
    subj = identity.subject_of(cert) if cert else None
    return SignatureReport(
            field=name, role=name.removeprefix("Sig_"),
            signer=cert.subject.native.get("common_name", "") if cert else "",
            issuer=cert.issuer.native.get("common_name", "") if cert else "",
            signed_at=status.signer_reported_dt, intact=status.intact, valid=status.valid, trusted=status.trusted,
            coverage=status.coverage.name if status.coverage else "",
            modification=status.modification_level.name if status.modification_level else "",
            docmdp_ok=status.docmdp_ok, bottom_line=status.bottom_line,
            certified=sig.docmdp_level is not None,
            timestamped=status.timestamp_validity is not None,
            timestamp_at=status.timestamp_validity.timestamp if status.timestamp_validity is not None else None,
            cert_sha256=subj.sha256 if subj else "", subject=subj.as_dict() if subj else {},
            cert_not_after=cert["tbs_certificate"]["validity"]["not_after"].native if cert else None,
            revoked_at=status.revocation_details.revocation_date if status.revocation_details else None)


def validate(pdf: bytes, roots, moment=None, fetch=False) -> list[SignatureReport]:
    """Validate every embedded signature, in signing order (at `moment`, now by default)."""
    return asyncio.run(_validate(pdf, roots, moment, fetch))


def signed_roles(pdf: bytes) -> list[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [(s.field_name or "").removeprefix("Sig_") for s in reader.embedded_regular_signatures]


def embedded_file(pdf: bytes, name: str = "hocba.json", reader: PdfFileReader | None = None) -> bytes | None:
    """The bytes of an embedded file (PDF/A-3 associated file) as the latest revision has it."""
    reader = reader or PdfFileReader(io.BytesIO(pdf), strict=False)
    root = reader.root
    names = root.get("/Names")
    if names is None or "/EmbeddedFiles" not in names:
        return None
    tree = names["/EmbeddedFiles"]
    pairs = list(tree.get("/Names", []))
    for kid in tree.get("/Kids", []):
        pairs += list(kid.get_object().get("/Names", []))
    for i in range(0, len(pairs), 2):
        if str(pairs[i]) == name:
            spec = pairs[i + 1].get_object()
            return spec["/EF"]["/F"].get_object().data
    return None
