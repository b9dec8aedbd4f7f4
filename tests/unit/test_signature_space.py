"""The space reserved for each PDF signature: pyHanko's estimate for a signer's first signature is reused for
the next ones (no throw-away signature each time), and a signature that would not fit is made again."""
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign.signers.pdf_signer import PdfSigningSession

from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI


def _blank_with_fields() -> bytes:
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        generic.NameObject("/Resources"): generic.DictionaryObject()}))
    out = io.BytesIO()
    writer.write(out)
    boxes = {role: (0, 50 + 110 * i, 50, 150 + 110 * i, 100) for i, role in enumerate(("homeroom", "principal"))}
    return pdfsign.add_fields(out.getvalue(), boxes)


def _sign(pdf: bytes, role: str, signer) -> bytes:
    return pdfsign.sign(pdf, role, signer, certify=False, signer_name="Nguyễn Văn A", title="", label="Ký",
                        reason="test", location="Hà Nội")


def test_a_signers_later_signatures_reuse_the_first_estimate_and_still_validate(monkeypatch):
    pki = TestPKI.create()
    who = pki.person("Nguyễn Văn A")
    signer = pdfsign.simple_signer(who.key, who.cert, [pki.intermediate.cert, pki.root.cert])
    estimates = []
    real = PdfSigningSession.estimate_signature_container_size

    async def counting(self, *a, **kw):
        estimates.append(1)
        return await real(self, *a, **kw)

    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", counting)
    monkeypatch.setattr(pdfsign, "_RESERVED", {})
    records = [_sign(_blank_with_fields(), "homeroom", signer) for _ in range(3)]
    assert len(estimates) == 1
    size = pdfsign._reserved_size(records[0])
    assert size and all(pdfsign._reserved_size(r) == size for r in records)
    for signed in records:
        (report,) = pdfsign.validate(signed, [pki.root.cert])
        assert report.intact and report.valid and report.trusted


def test_a_signature_too_big_for_the_reused_space_is_made_again_with_a_fresh_estimate(monkeypatch):
    pki = TestPKI.create()
    who = pki.person("Trần Thị B")
    signer = pdfsign.simple_signer(who.key, who.cert, [pki.intermediate.cert, pki.root.cert])
    monkeypatch.setattr(pdfsign, "_RESERVED", {})
    first = _sign(_blank_with_fields(), "homeroom", signer)
    key = pdfsign._reserve_key(signer, None, False)
    pdfsign._RESERVED[key] = 200  # far too small for a CMS with two certificates
    second = _sign(_blank_with_fields(), "homeroom", signer)
    assert pdfsign._reserved_size(second) == pdfsign._reserved_size(first)
    assert pdfsign._RESERVED[key] == pdfsign._reserved_size(first)
    (report,) = pdfsign.validate(second, [pki.root.cert])
    assert report.intact and report.valid


def test_remote_signing_never_reuses_a_size_so_it_is_never_asked_twice():
    from portal.signing.remote import RemoteSigner

    assert RemoteSigner.reuses_size_estimate is False
    assert pdfsign._reserve_key(type("Remote", (), {"signing_cert": object(), "reuses_size_estimate": False})(),
                                None, False) is None
