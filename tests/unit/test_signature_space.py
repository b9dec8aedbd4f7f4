"""The space reserved for each PDF signature: pyHanko's estimate for a signer's first signature is reused for
the next ones (no throw-away signature each time), and a signature that would not fit is made again."""
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign.signers.pdf_signer import PdfSigningSession

from portal.signing import pdf as pdfsign
from portal.signing import space
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
    monkeypatch.setattr(space, "RESERVED", {})
    records = [_sign(_blank_with_fields(), "homeroom", signer) for _ in range(3)]
    assert len(estimates) == 1
    size = space.reserved_size(records[0])
    assert size and all(space.reserved_size(r) == size for r in records)
    for signed in records:
        (report,) = pdfsign.validate(signed, [pki.root.cert])
        assert report.intact and report.valid and report.trusted


def test_a_signature_too_big_for_the_reused_space_is_made_again_with_a_fresh_estimate(monkeypatch):
    pki = TestPKI.create()
    who = pki.person("Trần Thị B")
    signer = pdfsign.simple_signer(who.key, who.cert, [pki.intermediate.cert, pki.root.cert])
    monkeypatch.setattr(space, "RESERVED", {})
    first = _sign(_blank_with_fields(), "homeroom", signer)
    key = space.key(signer, None, False)
    space.RESERVED[key] = 200  # far too small for a CMS with two certificates
    second = _sign(_blank_with_fields(), "homeroom", signer)
    assert space.reserved_size(second) == space.reserved_size(first)
    assert space.RESERVED[key] == space.reserved_size(first)
    (report,) = pdfsign.validate(second, [pki.root.cert])
    assert report.intact and report.valid


def test_remote_signing_never_reuses_a_size_so_it_is_never_asked_twice():
    from portal.signing.remote import RemoteSigner

    assert RemoteSigner.reuses_size_estimate is False
    assert space.key(type("Remote", (), {"signing_cert": object(), "reuses_size_estimate": False})(),
                                None, False) is None


def test_later_stamps_embed_the_font_program_made_for_the_first_and_still_read_as_text(monkeypatch, tmp_path):
    import subprocess

    from fontTools import subset

    from portal.signing import stamp_font

    pki = TestPKI.create()
    who = pki.person("Phạm Thị Hồng Nhung")
    signer = pdfsign.simple_signer(who.key, who.cert, [pki.intermediate.cert, pki.root.cert])
    monkeypatch.setattr(stamp_font, "_programs", {})
    subsets = []
    real = subset.Subsetter.subset
    monkeypatch.setattr(subset.Subsetter, "subset", lambda self, font: subsets.append(1) or real(self, font))
    signed = []
    for minute in (7, 8, 59):  # the signing time's digits differ from stamp to stamp
        monkeypatch.setattr(pdfsign, "stamp_text", lambda label, name, title, when=None, m=minute:
                            f"{label}\n{name}\nKý số: 05/12/2026 10:{m:02d}")
        signed.append(_sign(_blank_with_fields(), "homeroom", signer))
    assert len(subsets) == 1
    for pdf, minute in zip(signed, (7, 8, 59)):
        path = tmp_path / f"{minute}.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "NotoSerif" in fonts and " yes yes yes " in fonts  # embedded, subset, with ToUnicode
        (report,) = pdfsign.validate(pdf, [pki.root.cert])
        assert report.intact and report.valid
    for pdf, minute in zip(signed, (7, 8, 59)):
        text, drawn = _stamp_text_and_glyphs_drawn(pdf, "Sig_homeroom")
        assert "Nguyễn Văn A" in text and f"Ký số: 05/12/2026 10:{minute:02d}" in text
        assert drawn  # every glyph the stamp shows has an outline in the font program embedded with it


def _stamp_text_and_glyphs_drawn(pdf: bytes, field: str) -> tuple[str, bool]:
    """The stamp's text decoded through its font's ToUnicode map, and whether each non-space glyph it uses
    has an outline in the embedded (subset) font program."""
    import re

    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    sig = next(f.get_object() for f in reader.root["/AcroForm"]["/Fields"] if f.get_object().get("/T") == field)
    text, drawn = [], True

    def walk(xobject):
        nonlocal drawn
        resources = xobject.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().data.decode("ascii")
            to_uni = {int(a, 16): bytes.fromhex(u).decode("utf-16-be")
                      for a, u in re.findall(r"^<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>$", cmap, re.M)}
            for a, targets in re.findall(r"^<([0-9A-Fa-f]{4})> <[0-9A-Fa-f]{4}> \[(.*?)\]$", cmap, re.M):
                for i, u in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", targets)):
                    to_uni[int(a, 16) + i] = bytes.fromhex(u).decode("utf-16-be")
            program = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile2"].get_object().data
            glyf = TTFont(io.BytesIO(program))["glyf"]
            order = TTFont(io.BytesIO(program)).getGlyphOrder()
            for line in re.findall(r"<([0-9A-Fa-f]+)>\s*Tj|\[(.*?)\]\s*TJ", xobject.data.decode("latin-1")):
                hexes = [line[0]] if line[0] else re.findall(r"<([0-9A-Fa-f]+)>", line[1])
                cids = [int(h[i:i + 4], 16) for h in hexes for i in range(0, len(h), 4)]
                text.append("".join(to_uni.get(c, "?") for c in cids))
                drawn &= all(glyf[order[c]].numberOfContours != 0 for c in cids if to_uni.get(c, " ") != " ")
        for inner in resources.get("/XObject", {}).values():
            walk(inner.get_object())

    walk(sig["/AP"]["/N"].get_object())
    return "\n".join(text), drawn
