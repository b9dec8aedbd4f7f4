"""The học bạ as PDF/A-3b: pages laid out on TT27 Phụ lục 1, with the record's data attached.

Pure: takes record objects (dicts, see docs/hocba-json.md), returns bytes. The fonts ship with the
package (static/fonts) so a record renders the same on any machine.
"""
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent / "static" / "fonts"
SIGNATURE_ROLES = ("homeroom", "principal", "seal")
# The secondary (TT22) học bạ has its own pages; its subject teachers sign fields subject_1 … subject_n.
TEMPLATES = {"hocba-trunghoc/1": "hocba_trunghoc.html"}
# Lines the principal's step fills in (place and date of the principal's signature): element id → field.
DATE_FIELDS = {"date-principal": "Date_principal", "date-profile": "Date_profile"}
PX_TO_PT = 0.75  # CSS px → PDF points

_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, finalize=lambda v: "" if v is None else v,
                   trim_blocks=True, lstrip_blocks=True)
_fonts = None  # one FontConfiguration for the process: re-creating it per render costs time


def _weasyprint():
    """WeasyPrint loads Pango when imported (≈ 1 s): only processes that render pay for it."""
    global _fonts
    from weasyprint import HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    if _fonts is None:
        _fonts = FontConfiguration()
    return HTML, Attachment, _fonts


def _nfc(obj):
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _nfc(v) for k, v in obj.items()}
    return obj


def canonical_json(data) -> bytes:
    """The bytes embedded as hocba.json: NFC, sorted keys, UTF-8 — the same record gives the same bytes."""
    return json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _vn_date(iso: str | None) -> str:
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _css_string(text: str) -> Markup:
    """A CSS string literal for a margin box; safe inside <style> (no quote, backslash or '<' escapes it)."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=0.55, unit="mm", border=1)


_env.filters["vndate"] = _vn_date
_env.filters["css_string"] = _css_string


@dataclass
class Rendered:
    pdf: bytes
    data: bytes
    sha256: str
    pages: int
    # role → (page index, x1, y1, x2, y2) in PDF points, origin bottom-left: where each signature goes
    boxes: dict = field(default_factory=dict)
    text_boxes: dict = field(default_factory=dict)  # field name → (page index, x1, y1, x2, y2) of a date line


def html(records: list[dict], font_url: str | None = None, full: bool = False) -> str:
    """The HTML of one year's record (or the whole book when `full`)."""
    font_url = font_url or FONTS.as_uri()
    first = records[0]
    return _env.get_template(TEMPLATES.get(first.get("schema"), "hocba.html")).render(
        records=records, first=first, font_url=font_url, full=full,
        qr=_qr(first["record"]["verify_url"]))


def _find_boxes(document, ids):
    found = {}

    def walk(box, page_index, page_height):
        element = getattr(box, "element", None)
        if element is not None and element.get("id") in ids and element.get("id") not in found:
            x, y = box.border_box_x(), box.border_box_y()
            w, h = box.border_width(), box.border_height()
            found[element.get("id")] = (page_index, round(x * PX_TO_PT, 2), round((page_height - y - h) * PX_TO_PT, 2),
                                        round((x + w) * PX_TO_PT, 2), round((page_height - y) * PX_TO_PT, 2))
        for child in getattr(box, "children", []) or []:
            walk(child, page_index, page_height)

    for index, page in enumerate(document.pages):
        walk(page._page_box, index, page.height)
    return found


def render(records: list[dict], full: bool = False) -> Rendered:
    """PDF/A-3b of the records, `hocba.json` attached (a list when `full`), its SHA-256 in the metadata."""
    payload = records if full else records[0]
    data = canonical_json(payload)
    digest = hashlib.sha256(data).hexdigest()
    source = html(records, full=full).replace("__HOCBA_JSON_SHA256__", digest)
    HTML, Attachment, fonts = _weasyprint()
    document = HTML(string=source, base_url=str(HERE)).render(font_config=fonts)
    roles = [*SIGNATURE_ROLES, *(s["slot"] for s in records[-1].get("signers", {}).get("subject", []))]
    boxes = _find_boxes(document, {f"sig-{role}" for role in roles} | set(DATE_FIELDS))
    pdf = document.write_pdf(
        pdf_variant="pdf/a-3b", custom_metadata=True,
        attachments=[Attachment(string=data.decode("utf-8"), name="hocba.json", relationship="Data",
                                description=f"Dữ liệu học bạ ({records[0].get('schema', 'hocba-tieuhoc/1')})")])
    return Rendered(pdf=pdf, data=data, sha256=digest, pages=len(document.pages),
                    boxes={k.removeprefix("sig-"): v for k, v in boxes.items() if k.startswith("sig-")},
                    text_boxes={DATE_FIELDS[k]: v for k, v in boxes.items() if k in DATE_FIELDS})
