"""Building a record whose text exercises every Vietnamese letter, and reading PDFs with real tools."""
import datetime as dt
import json
import subprocess
import unicodedata

from portal.grading import tt27
from portal.models import QualityResult, Subject, SubjectResult
from tests import factories

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang, huyền, sắc, hỏi, ngã, nặng
ALL_LETTERS = " ".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES if v + t)
EVERY_DIACRITIC = f"{ALL_LETTERS} {ALL_LETTERS.upper()} đ Đ"
NAME = "Đặng Thị Ngọc Ẩn Ưởng"


def make_record_pupil(comment_for=None, guardian="", hometown=""):
    """A grade-5 pupil with complete end-of-year results; `comment_for(code)` gives each subject's comment."""
    teacher = factories.make_staff(full_name="Hồ Thị Thu Trang")
    klass = factories.make_class("5A", grade=5, homeroom=teacher)
    pupil = factories.make_pupil(klass, code="HS555555", full_name=NAME, gender=2, born_on=dt.date(2016, 2, 29),
                                 national_id="031316000123", birthplace="Hải Phòng", guardian_name=guardian,
                                 hometown=hometown, father_name="Đặng Văn Lưỡng", mother_name="Vũ Thị Ỷ")
    comments = {}
    for gs in klass.grade.subjects:
        code = gs.subject.code
        comments[code] = comment_for(code) if comment_for else f"Nhận xét môn {gs.subject.name}: {EVERY_DIACRITIC}"
        SubjectResult.create(pupil=pupil, school_class=klass, subject=gs.subject, checkpoint="CN", level="T",
                             score=9 if "CN" in gs.tested_checkpoints else None, comment=comments[code])
    for code in tt27.ALL_QUALITIES:
        QualityResult.create(pupil=pupil, school_class=klass, quality=code, checkpoint="CN", level="T")
    for group in tt27.QUALITY_GROUPS:
        comments[group] = f"Nhóm {group}: {EVERY_DIACRITIC}"
        QualityResult.create(pupil=pupil, school_class=klass, quality=group, checkpoint="CN", comment=comments[group])
    return pupil, klass, comments


def run(*cmd) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(path, *args) -> str:
    return run("pdftotext", "-enc", "UTF-8", *args, str(path), "-")


def collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def attachment(path, tmp_path) -> bytes:
    out = tmp_path / "hocba-detached.json"
    run("pdfdetach", "-savefile", "hocba.json", "-o", str(out), str(path))
    return out.read_bytes()


def info_custom(path) -> dict:
    lines = run("pdfinfo", "-custom", str(path)).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def json_of(data: bytes):
    return json.loads(data.decode("utf-8"))


_ = Subject


XMP_NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
          "dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/",
          "xmp": "http://ns.adobe.com/xap/1.0/"}


def _xmp_value(root, ns: str, name: str) -> str | None:
    """A property of any rdf:Description, written as an attribute or as an element (simple or rdf:Alt/Seq)."""
    key = f"{{{XMP_NS[ns]}}}{name}"
    for desc in root.iter(f"{{{XMP_NS['rdf']}}}Description"):
        if key in desc.attrib:
            return desc.attrib[key]
        el = desc.find(key)
        if el is not None:
            li = el.find(f".//{{{XMP_NS['rdf']}}}li")
            return (li.text if li is not None else el.text) or ""
    return None


def pdfa3b_problems(path) -> list[str]:
    """The structure ISO 19005-3 level B asks for, checked one rule at a time (no veraPDF on this machine):
    header, trailer ID and no encryption, XMP declaring part 3 / conformance B and agreeing
    with the Info dictionary, an sRGB output intent with a real ICC profile, every font embedded, no
    JavaScript, and associated files (/AF) that are proper embedded files. Clause numbers are ISO 19005-3's
    as veraPDF's PDF/A-3B profile cites them."""
    import re

    from lxml import etree
    from pyhanko.pdf_utils.reader import PdfFileReader

    problems = []
    raw = open(path, "rb").read()
    lines = raw.split(b"\n", 2)
    if not (lines[0].startswith(b"%PDF-1.") and lines[1][:1] == b"%" and sum(b > 127 for b in lines[1][1:5]) == 4):
        problems.append("header: %PDF-1.n then a comment of four bytes above 127 (6.1.2)")
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh)
        trailer = reader.trailer
        if "/Encrypt" in trailer:
            problems.append("encrypted (6.1.3)")
        if "/ID" not in trailer or len(trailer["/ID"]) != 2:
            problems.append("trailer /ID missing (6.1.3)")
        root = reader.root
        # XMP (6.6.2.1, 6.6.4): a Metadata stream, well-formed, declaring PDF/A-3B.
        meta = root.get("/Metadata")
        xmp = None
        if meta is None:
            problems.append("no XMP metadata stream (6.6.2.1)")
        else:
            meta = meta.get_object()
            header = re.search(rb"<\?xpacket begin=[^>]*\?>", meta.data)
            if header is None:
                problems.append("XMP without its xpacket header")
            elif b"bytes=" in header.group(0) or b"encoding=" in header.group(0):
                problems.append("xpacket header with a bytes or encoding attribute (6.6.2.1)")
            if str(meta.get("/Type")) != "/Metadata" or str(meta.get("/Subtype")) != "/XML":
                problems.append("Metadata stream without /Type /Metadata /Subtype /XML")
            try:
                xmp = etree.fromstring(meta.data)
            except etree.XMLSyntaxError as err:
                problems.append(f"XMP is not XML: {err}")
        if xmp is not None:
            if _xmp_value(xmp, "pdfaid", "part") != "3":
                problems.append("pdfaid:part is not 3")
            if _xmp_value(xmp, "pdfaid", "conformance") != "B":
                problems.append("pdfaid:conformance is not B")
            info = trailer["/Info"].get_object() if "/Info" in trailer else {}
            for key, ns, name in (("/Title", "dc", "title"), ("/Author", "dc", "creator"),
                                  ("/Producer", "pdf", "Producer"), ("/Creator", "xmp", "CreatorTool")):
                if key in info and str(info[key]) != _xmp_value(xmp, ns, name):
                    problems.append(f"Info {key} {str(info[key])!r} differs from XMP {ns}:{name} (6.6.3)")
        # Output intent (6.2.3): GTS_PDFA1 with an embedded ICC profile.
        intents = [i.get_object() for i in root.get("/OutputIntents", [])]
        pdfa = [i for i in intents if str(i.get("/S")) == "/GTS_PDFA1"]
        if not pdfa:
            problems.append("no /GTS_PDFA1 output intent (6.2.3)")
        for intent in pdfa:
            profile = intent.get("/DestOutputProfile")
            if profile is None:
                problems.append("output intent without DestOutputProfile")
                continue
            profile = profile.get_object()
            icc = profile.data
            if icc[36:40] != b"acsp":
                problems.append("DestOutputProfile is not an ICC profile")
            elif {b"RGB ": 3, b"GRAY": 1, b"CMYK": 4}.get(icc[16:20]) != int(profile.get("/N", 0)):
                problems.append("ICC colour space and /N disagree")
            if "/OutputConditionIdentifier" not in intent:
                problems.append("output intent without OutputConditionIdentifier")
        # No JavaScript, no automatic actions (6.6.1).
        names = root.get("/Names")
        if names is not None and "/JavaScript" in names.get_object():
            problems.append("document-level JavaScript")
        if "/AA" in root or ("/OpenAction" in root and "/JS" in str(root["/OpenAction"])):
            problems.append("automatic actions on the catalog (6.5.2)")
        stack = [root["/Pages"].get_object()]
        while stack:
            node = stack.pop()
            if "/Kids" in node:
                stack += [k.get_object() for k in node["/Kids"]]
            elif "/AA" in node:
                problems.append("automatic actions on a page (6.5.2)")
        # Associated files (6.8): each a file specification with /F, /UF, /AFRelationship and an embedded
        # file stream carrying its MIME type and modification date; also listed in EmbeddedFiles.
        af = root.get("/AF")
        if af is None:
            problems.append("no /AF array on the catalog (6.8)")
        embedded_names = []
        if names is not None and "/EmbeddedFiles" in names.get_object():
            tree = names.get_object()["/EmbeddedFiles"].get_object()
            kids = tree.get("/Names", [])
            embedded_names = [str(kids[i]) for i in range(0, len(kids), 2)]
        for spec in af or []:
            spec = spec.get_object()
            for key in ("/F", "/UF", "/AFRelationship", "/EF"):
                if key not in spec:
                    problems.append(f"associated file without {key}")
            ef = spec.get("/EF")
            stream = ef.get_object().get("/F").get_object() if ef is not None and "/F" in ef.get_object() else None
            if stream is None or "/Subtype" not in stream:
                problems.append("embedded file without its MIME type (/Subtype)")
            elif "/Params" not in stream or "/ModDate" not in stream["/Params"].get_object():
                problems.append("embedded file without /Params /ModDate")
            if "/F" in spec and str(spec["/F"]) not in embedded_names:
                problems.append(f"associated file {spec['/F']} not in the EmbeddedFiles name tree")
    for row in run("pdffonts", str(path)).splitlines()[2:]:
        if row.split()[-5] != "yes":
            problems.append(f"font not embedded (6.2.11.4): {row}")
    return problems
