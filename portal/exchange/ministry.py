"""The one module that maps our record object (docs/hocba-json.md) to the ministry's data-dictionary names.

HOCBA.md §6 [P]: `thongtinsohocbasotieuhoc` with the per-subject list (`_dsbangdiem`, `mamonhoc`) and the
school history (`_quatrinhhoctap`). The official format decision (QĐ 3016/QĐ-BGDĐT) could not be read,
so this is format `hocba-xml-tieuhoc/1`, versioned, with its XSD in docs/; when the official schema is
published only this module and the XSD change.
"""
from lxml import etree

from portal.text import clean_text

FORMAT = "hocba-xml-tieuhoc/1"
ROOT = "thongtinsohocbasotieuhoc"


def _text(parent, name, value):
    # Cleaned again here: records stored before text was cleaned at the door may hold a NUL or Word's
    # soft line break, which XML cannot carry. The same cleaning on both sides keeps a transfer's XML
    # equal to the one rebuilt from its PDF.
    el = etree.SubElement(parent, name)
    el.text = "" if value is None else clean_text(str(value))
    return el


def _flag(value: bool) -> str:
    return "1" if value else "0"


def to_xml(record: dict, status: str, issued_on: str, pdf_sha256: str) -> bytes:
    """The XML of one issued record (UTF-8), ready to be validated against the XSD and signed."""
    school, pupil, year = record["school"], record["pupil"], record["year"]
    completion = " ".join(year["completion"])
    root = etree.Element(ROOT, phienbandinhdang=FORMAT)
    for name, value in (
        ("madinhdanhhocba", record["record"]["id"]), ("phienban", record["record"]["version"]),
        ("trangthaithongtinhocba", status), ("masogd", school["department"]), ("matruong", school["code"]),
        ("tentruong", school["name"]), ("macaphoc", school["level"]), ("namhoc", year["name"]),
        ("makhoi", year["grade"]), ("tenlop", year["class"]), ("mahocsinh", pupil["code"]),
        ("hovaten", pupil["full_name"]), ("gioitinh", pupil["gender_code"]), ("ngaysinh", pupil["born_on"]),
        ("dantoc", pupil["ethnicity"]), ("quoctich", pupil["nationality"]), ("noisinh", pupil["birthplace"]),
        ("quequan", pupil["hometown"]), ("noiohiennay", pupil["address"]), ("hotencha", pupil["father_name"]),
        ("hotenme", pupil["mother_name"]), ("hotennguoigiamho", pupil["guardian_name"]),
        ("madinhdanhcanhan", pupil["national_id"]), ("sodangbo", pupil["registry_number"]),
        ("ketquagiaoduc", year["outcome"]), ("ketquasaudanhgiabosung", year["supplementary_outcome"]),
        ("dahthanhctrinhlophoc", _flag("Hoàn thành chương trình lớp" in completion)),
        ("dahthanhctrinhtieuhoc", _flag("Hoàn thành chương trình tiểu học" in completion)),
        ("duoclenlop", _flag(bool(year["completion"]) and year["decision"] != "repeat")),
        ("khenthuong", "; ".join(year["awards"])),
        ("giaovienchunhiem", record["signers"]["homeroom"]["name"]),
        ("hieutruong", record["signers"]["principal"]["name"]),
        ("chucvugiamhieu", record["signers"]["principal"]["title"]),
        ("diadanhphathanh", school["place_of_issue"]), ("ngayphathanh", issued_on),
        ("sha256banthehien", pdf_sha256),
    ):
        _text(root, name, value)
    scores = etree.SubElement(root, f"{ROOT}_dsbangdiem")
    for s in year["subjects"]:
        row = etree.SubElement(scores, "bangdiem")
        _text(row, "mamonhoc", s["ministry_code"])
        _text(row, "tenmonhoc", s["name"])
        _text(row, "mucdatduoc", s["level"])
        _text(row, "diemktdk", s["score"] if s["score"] is not None else "")
        _text(row, "nhanxet", s["comment"])
    qualities = etree.SubElement(root, f"{ROOT}_dsphamchatnangluc")
    for group, data in year["qualities"].items():
        grp = etree.SubElement(qualities, "nhom", ma=group)
        for item in data["items"]:
            row = etree.SubElement(grp, "chitieu")
            _text(row, "ma", item["code"])
            _text(row, "ten", item["name"])
            _text(row, "mucdatduoc", item["level"])
        _text(grp, "nhanxet", data["comment"])
    history = etree.SubElement(root, f"{ROOT}_quatrinhhoctap")
    for h in record["history"]:
        row = etree.SubElement(history, "namhoc")
        _text(row, "tennamhoc", h["year"])
        _text(row, "tenlop", h["class"])
        _text(row, "tentruong", h["school"])
        _text(row, "sodangbo", h["registry_number"])
        _text(row, "ngaynhaphoc", h["entered_on"] or "")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
