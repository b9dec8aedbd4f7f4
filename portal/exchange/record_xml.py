"""The one module that maps the record object (docs/hocba-json.md) to the học bạ XML, format `hocba-xml/2`.

Field names follow the sector database's data dictionary as ../shared/EXCHANGE-NOTES.md gives it
(unofficial); the element layout and signature placement follow the vendors' signed XML (NEAC rule:
every signature outside the element it references). The official schema of QĐ 3016/QĐ-BGDĐT could
not be read: when it is published, this module and docs/hocba-xml-2.xsd change, and FORMAT with them.

Glossary (English → the XML):
  the data, signed by the principal and the seal   DU_LIEU_HOC_BA  Id="data"
  the record information, signed by the homeroom   THONG_TIN_HOC_BA Id="thongtinhocba"
  one subject's results, signed by its teacher     DIEM_TONG_KET   Id="diem-<n>"
  where each role's signature goes                 ROLES below
  personal identification number of a signer      soddcn… (soddcngvcn, soddcngiamhieu, soddcngvbm)
  the school's tax code (organisation seal)        masothue
  the homeroom teacher's comment (secondary)       nxetgvcn
  competition results / certificates (secondary)   kquathamgiacuocthi / the _chungchi table
"""
from lxml import etree

from portal.text import clean_text

FORMAT = "hocba-xml/2"
ROOT = "HOC_BA"
DATA_ID, INFO_ID = "data", "thongtinhocba"
SIGNATURES, SUBJECT_SIGNATURES, ISSUANCE = "DANH_SACH_THONG_TIN_KY", "DANH_SACH_GVBM", "PHAT_HANH_HOC_BA"
# role → (the container path under the root, the element each signature gets wrapped in, what it references)
ROLES = {
    "subject": (f"{SIGNATURES}/{SUBJECT_SIGNATURES}", "GVBM", "subject"),
    "homeroom": (SIGNATURES, "GVCN", INFO_ID),
    "principal": (ISSUANCE, "CBQL", DATA_ID),
    "seal": (ISSUANCE, "KY_PHAT_HANH", DATA_ID),
}
# The record-object schemas this mapping knows (docs/hocba-json.md): primary and secondary.
PRIMARY, SECONDARY = "hocba-tieuhoc/1", "hocba-trunghoc/1"
SCHEMAS = {PRIMARY, SECONDARY}
LEVEL_TABLES = {"TH": "thongtinsohocbasotieuhoc"}  # secondary: thongtinsohocbasothcsthpt
SECONDARY_TABLE = "thongtinsohocbasothcsthpt"
STATUS_VALID = "1"  # trangthaithongtinhocba: 1 có hiệu lực, 2 thu hồi (revocation is a registry message)


def _text(parent, name, value):
    # The same cleaning as the PDF's data (portal.text): a NUL or Word's soft line break cannot be in XML.
    el = etree.SubElement(parent, name)
    el.text = "" if value is None else clean_text(str(value))
    return el


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _fields(parent, pairs):
    for name, value in pairs:
        _text(parent, name, value)


def _subject_row(parent, n: int, s: dict):
    row = etree.SubElement(parent, "DIEM_TONG_KET", Id=f"diem-{n}")
    teacher = s.get("teacher") or {}
    _fields(row, (("mamonhoc", s["ministry_code"]), ("mamonnoibo", s["code"]), ("tenmonhoc", s["name"]),
                  ("loaimonhoc", s["kind"]), ("mucdatduoc", s["level"]),
                  ("diemktdk", "" if s["score"] is None else s["score"]), ("cokiemtra", _flag(s["tested"])),
                  ("nxetmonhoc", s["comment"]), ("gvbm", teacher.get("name", "")),
                  ("soddcngvbm", teacher.get("national_id", ""))))


def _secondary_subject_row(parent, n: int, s: dict, teachers: list[dict]):
    row = etree.SubElement(parent, "DIEM_TONG_KET", Id=f"diem-{n}")
    teacher = next((t for t in teachers if s["code"] in (t.get("subject_codes") or [])), {})
    _fields(row, (("mamonhoc", s["ministry_code"]), ("mamonnoibo", s["code"]), ("tenmonhoc", s["name"]),
                  ("loaimonhoc", s["kind"]), ("hinhthucdanhgia", s["assessment"]), ("diemhocky1", s["term1"]),
                  ("diemhocky2", s["term2"]), ("diemcanam", s["year"]), ("diemkttralai", s["retest"]),
                  ("nxethocky1", s["comments"].get("HK1", "")), ("nxetmonhoc", s["comment"]),
                  ("gvbm", teacher.get("name", "")), ("soddcngvbm", teacher.get("national_id", ""))))


def _homeroom_lines(year: dict):
    """The homeroom teacher's competition results and comment (the dictionary's kquathamgiacuocthi,
    nxetgvcn); absent from a record object frozen before they were recorded, and then from its XML."""
    if "homeroom_comment" not in year:
        return ()
    return (("kquathamgiacuocthi", "\n".join(year["competitions"])), ("nxetgvcn", year["homeroom_comment"]))


def _year_fields(record: dict):
    """The year's result: TT27 (primary) or TT22 (secondary) fields."""
    year = record["year"]
    if record["schema"] == SECONDARY:
        conduct, learning, absences = year["conduct"], year["learning"], year["absences"]
        return (
            ("hocky1", learning["HK1"]), ("hocky2", learning["HK2"]), ("canam", learning["year"]),
            ("kqhoctaplai", learning["summer"]), ("renluyenhocky1", conduct["HK1"]),
            ("renluyenhocky2", conduct["HK2"]), ("renluyencanam", conduct["year"]), ("renluyenlai", conduct["summer"]),
            ("sobuoinghihocky1", "" if absences["HK1"] is None else absences["HK1"]),
            ("sobuoinghihocky2", "" if absences["HK2"] is None else absences["HK2"]),
            ("sobuoinghi", "" if absences["year"] is None else absences["year"]),
            ("monkiemtralai", " ".join(year["retests"])), ("quyetdinh", year["decision"]),
            ("quyetdinhcuoi", year["final_decision"]), ("duoclenlop", _flag(year["final_decision"] == "len_lop")),
            ("ndungduoclenlop", "\n".join(year["decision_lines"])), ("makhenthuong", year["award"]),
            ("ndungkhenthuong", "\n".join(year["awards"])), *_homeroom_lines(year))
    completion = " ".join(year["completion"])
    return (
        ("ketquagiaoduc", year["outcome"]), ("tenketquagiaoduc", year["outcome_label"]),
        ("ketquasaudanhgiabosung", year["supplementary_outcome"]), ("quyetdinhlenlop", year["decision"]),
        ("dahthanhctrinhlophoc", _flag("Hoàn thành chương trình lớp" in completion)),
        ("dahthanhctrinhtieuhoc", _flag("Hoàn thành chương trình tiểu học" in completion)),
        ("duoclenlop", _flag(bool(year["completion"]) and year["decision"] != "repeat")),
        ("ndunghoanthanh", "\n".join(year["completion"])), ("ndungkhenthuong", "\n".join(year["awards"])))


def data_element(record: dict) -> etree._Element:
    """DU_LIEU_HOC_BA: everything the record object holds, in the dictionary's names."""
    school, pupil, year, signers = record["school"], record["pupil"], record["year"], record["signers"]
    secondary = record["schema"] == SECONDARY
    table = SECONDARY_TABLE if secondary else LEVEL_TABLES.get(school["level"], SECONDARY_TABLE)
    data = etree.Element("DU_LIEU_HOC_BA", Id=DATA_ID)
    info = etree.SubElement(data, "THONG_TIN_HOC_BA", Id=INFO_ID)
    main = etree.SubElement(info, table)
    homeroom = signers.get("homeroom") or {}
    _fields(main, (
        ("madinhdanhhocba", record["record"]["id"]), ("phienbanthongtinhocba", record["record"]["version"]),
        ("matracuu", record["record"]["code"]), ("duongdanxacthuc", record["record"]["verify_url"]),
        ("trangthaithongtinhocba", STATUS_VALID), ("luocdodulieu", record["schema"]),
        ("masogd", school["department"]), ("coquanquanly", school["authority"]), ("tinh", school["province"]),
        ("matruong", school["code"]), ("tentruong", school["name"]), ("macaphoc", school["level"]),
        ("namhoc", year["name"]), ("makhoi", year["grade"]), ("tenlop", year["class"]),
        ("mahocsinh", pupil["code"]), ("hovaten", pupil["full_name"]), ("sodinhdanh", pupil["national_id"]),
        ("gioitinh", pupil["gender_code"]), ("tengioitinh", pupil["gender"]),
        ("ngaythangnamsinh", pupil["born_on"] or ""), ("dantoc", pupil["ethnicity"]),
        ("quoctich", pupil["nationality"]), ("noisinh", pupil["birthplace"]), ("quequan", pupil["hometown"]),
        ("noiohiennay", pupil["address"]), ("hotencha", pupil["father_name"]), ("hotenme", pupil["mother_name"]),
        ("hotennguoigiamho", pupil["guardian_name"]), ("sosodangbo", pupil["registry_number"]),
        *_year_fields(record),
        ("tengvcn", homeroom.get("name", "")), ("soddcngvcn", homeroom.get("national_id", "")),
        ("chucvugvcn", homeroom.get("title", "")), ("donvigvcn", homeroom.get("school", "")),
    ))
    scores = etree.SubElement(info, f"{table}_bangdiem")
    for n, s in enumerate(year["subjects"], start=1):
        if secondary:
            _secondary_subject_row(scores, n, s, signers.get("subject") or [])
        else:
            _subject_row(scores, n, s)
    qualities = etree.SubElement(info, f"{table}_phamchatnangluc")
    for group, item in ({} if secondary else year["qualities"]).items():
        grp = etree.SubElement(qualities, "nhom", ma=group)
        _text(grp, "ten", item["label"])
        for it in item["items"]:
            _fields(etree.SubElement(grp, "chitieu"), (("ma", it["code"]), ("ten", it["name"]),
                                                       ("mucdatduoc", it["level"])))
        _text(grp, "nhanxet", item["comment"])
    history = etree.SubElement(info, f"{table}_quatrinhhoctap")
    for h in record["history"]:
        _fields(etree.SubElement(history, "quatrinh"), (
            ("namhoc", h["year"]), ("tenlop", h["class"]), ("tentruong", h["school"]),
            ("sosodangbo", h["registry_number"]), ("ngaynhaphoc", h["entered_on"] or "")))
    if secondary and "certificates" in year:  # the dictionary's _chungchi table: one row a certificate
        certificates = etree.SubElement(info, f"{table}_chungchi")
        for name in year["certificates"]:
            _text(etree.SubElement(certificates, "chungchi"), "tenchungchi", name)
    issue = etree.SubElement(data, "THONG_TIN_PHAT_HANH")
    principal, seal = signers.get("principal") or {}, signers.get("seal") or {}
    _fields(issue, (
        ("tengiamhieu", principal.get("name", "")), ("soddcngiamhieu", principal.get("national_id", "")),
        ("chucvugiamhieu", principal.get("title", "")), ("donvigiamhieu", principal.get("school", "")),
    ))
    deputies = etree.SubElement(issue, "DANH_SACH_UY_QUYEN")
    for d in principal.get("deputies", []):
        _fields(etree.SubElement(deputies, "UY_QUYEN"), (
            ("hovaten", d["name"]), ("soddcn", d.get("national_id", "")), ("chucvu", d["title"]),
            ("tungay", d["authorised_from"]), ("denngay", d["authorised_to"]), ("nguoiuyquyen", d["authorised_by"])))
    _fields(issue, (("tendonvi", seal.get("organisation") or seal.get("name", "")),
                    ("masothue", seal.get("tax_code", "")), ("diadanhphathanh", school["place_of_issue"])))
    return data


def to_xml(record: dict) -> bytes:
    """The unsigned XML of one record (UTF-8): the data, then the empty places for each role's signature."""
    root = etree.Element(ROOT, phienbandinhdang=FORMAT)
    root.append(data_element(record))
    signatures = etree.SubElement(root, SIGNATURES)
    etree.SubElement(signatures, SUBJECT_SIGNATURES)
    etree.SubElement(root, ISSUANCE)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def container(root, role: str):
    """The element a role's signatures go into (created on demand for the subject list)."""
    return root.find(ROLES[role][0])


def subject_ids_for(root, national_id: str, name: str) -> list[str]:
    """The subject elements a teacher signs: those naming them (by identification number, else by name)."""
    out = []
    for row in root.iter("DIEM_TONG_KET"):
        number, teacher = row.findtext("soddcngvbm") or "", row.findtext("gvbm") or ""
        if (number and number == national_id) or (not number and teacher and _same(teacher, name)):
            out.append(row.get("Id"))
    return out


def _same(a: str, b: str) -> bool:
    import unicodedata
    return unicodedata.normalize("NFC", a).casefold().split() == unicodedata.normalize("NFC", b or "").casefold().split()


def data_c14n(root) -> bytes:
    """The data element's canonical bytes: what two XMLs (or an XML and a PDF's data) are compared by."""
    el = root.find("DU_LIEU_HOC_BA")
    return b"" if el is None else etree.tostring(el, method="c14n", exclusive=True)


def expected_data_c14n(record: dict) -> bytes:
    return etree.tostring(data_element(record), method="c14n", exclusive=True)


def field(root, name: str) -> str:
    """A field of the record information or issuance part, by its dictionary name."""
    el = root.find(f"DU_LIEU_HOC_BA//{name}")
    return (el.text or "") if el is not None else ""
