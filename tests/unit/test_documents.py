"""The học bạ PDF, checked with poppler's tools: text, fonts, attachment, metadata, layout, PDF/A."""
import hashlib

import pytest

from portal.db import db
from portal.services.records import record
from portal.services.records.rendering import render_record
from tests import factories
from tests.documents_helpers import (
    EVERY_DIACRITIC, NAME, attachment, collapse, info_custom, json_of, make_record_pupil, pdf_text, pdfa3b_problems, run,
)


@pytest.fixture
def rendered(app, tmp_path):
    with app.app_context(), db.connection_context():
        factories.make_school()
        pupil, klass, comments = make_record_pupil()
        out = render_record(pupil, klass, "http://hocba.test")
        data = record.record_data(record.ensure_record(pupil, klass), "http://hocba.test")
    path = tmp_path / "hocba.pdf"
    path.write_bytes(out.pdf)
    return path, out, data, comments


def body_text(path, data) -> str:
    """The text of every page without its footer, so a comment split across pages reads whole."""
    import re
    text = collapse(pdf_text(path, "-raw"))
    footer = collapse(f"{data['pupil']['full_name']} · {data['record']['id']} · Mã tra cứu: {data['record']['code']}")
    text = text.replace(footer, " ")
    return collapse(re.sub(r"Trang \d+/\d+", " ", text))


def test_text_has_the_name_and_every_comment_exactly(rendered):
    path, out, data, comments = rendered
    text = body_text(path, data)
    assert NAME in text
    for code, comment in comments.items():
        assert collapse(comment) in text, code
    assert EVERY_DIACRITIC in text


def test_every_font_is_embedded(rendered):
    path, *_ = rendered
    rows = run("pdffonts", str(path)).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        cols = row.split()
        assert cols[-5] == "yes", row  # the emb column
    assert all("HocBa-Serif" in row for row in rows)  # the packaged font, never a system fallback


def test_attachment_is_the_record_and_its_hash_is_in_the_metadata(rendered, tmp_path):
    path, out, data, _ = rendered
    embedded = attachment(path, tmp_path)
    assert json_of(embedded) == data
    assert embedded == out.data
    assert info_custom(path)["hocbajsonsha256"] == hashlib.sha256(embedded).hexdigest()
    assert info_custom(path)["hocbarecordid"] == data["record"]["id"]


def test_pdfa_3b_with_the_data_as_associated_file(rendered):
    """Every PDF/A-3B structural rule checked by documents_helpers.pdfa3b_problems, and the data is the
    associated file, related as /Data, with its MIME type."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    path, *_ = rendered
    assert pdfa3b_problems(path) == []
    with open(path, "rb") as fh:
        root = PdfFileReader(fh).root
        specs = [spec.get_object() for spec in root["/AF"]]
        data = next(s for s in specs if str(s["/F"]) == "hocba.json")
        assert str(data["/AFRelationship"]) == "/Data"
        assert str(data["/EF"]["/F"].get_object()["/Subtype"]) == "/application/json"


def _xmp_part_2(w):
    from pyhanko.pdf_utils import generic
    meta = w.root["/Metadata"].get_object()
    data = meta.data.replace(b'pdfaid:part="3"', b'pdfaid:part="2"').replace(b"<pdfaid:part>3<", b"<pdfaid:part>2<")
    assert data != meta.data
    w.root["/Metadata"] = w.add_object(generic.StreamObject(
        {generic.NameObject("/Type"): generic.NameObject("/Metadata"),
         generic.NameObject("/Subtype"): generic.NameObject("/XML")}, stream_data=data))


def _no_output_intent(w):
    from pyhanko.pdf_utils import generic
    w.root["/OutputIntents"] = generic.ArrayObject([])


def _no_af(w):
    del w.root["/AF"]


@pytest.mark.parametrize("damage, problem", [
    (_xmp_part_2, "pdfaid:part is not 3"),
    (_no_output_intent, "no /GTS_PDFA1 output intent"),
    (_no_af, "no /AF array on the catalog"),
], ids=["xmp-part", "output-intent", "af"])
def test_the_pdfa_check_can_fail(rendered, tmp_path, damage, problem):
    """The checker is not a rubber stamp: a copy changed in one place (an incremental update) is reported
    for that place."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    path, *_ = rendered
    w = IncrementalPdfFileWriter(io.BytesIO(path.read_bytes()))
    damage(w)
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    (tmp_path / "broken.pdf").write_bytes(out.getvalue())
    problems = pdfa3b_problems(tmp_path / "broken.pdf")
    assert any(problem in p for p in problems), problems


def test_every_page_has_the_code_and_page_numbers(rendered):
    path, out, data, _ = rendered
    for page in range(1, out.pages + 1):
        text = collapse(pdf_text(path, "-f", str(page), "-l", str(page)))
        assert f"Mã tra cứu: {data['record']['code']}" in text
        assert f"Trang {page}/{out.pages}" in text
        assert data["record"]["id"] in text


def test_signature_areas_for_every_role(rendered):
    path, out, *_ = rendered
    assert set(out.boxes) == {"homeroom", "principal", "seal"}
    for page, x1, y1, x2, y2 in out.boxes.values():
        assert page == out.pages - 1 and 0 < x1 < x2 < 595.3 and 0 < y1 < y2 < 841.9


def test_missing_optional_fields_are_blank_never_none(app, tmp_path):
    with app.app_context(), db.connection_context():
        factories.make_school()
        pupil, klass, _ = make_record_pupil(guardian="", hometown="")
        pupil.national_id = None
        pupil.save()
        out = render_record(pupil, klass, "http://hocba.test")
    path = tmp_path / "blank.pdf"
    path.write_bytes(out.pdf)
    text = pdf_text(path, "-layout")
    assert "None" not in text and "null" not in text
    line = next(line for line in text.splitlines() if "Người giám hộ:" in line)
    assert line.split("Người giám hộ:")[1].strip() == ""


def test_maximum_length_comment_wraps_inside_the_page(app, tmp_path):
    from portal.services.evaluation.entry import MAX_COMMENT
    long_word = "Ngoằngnghèo" * 30  # one unbroken 330-letter "word" as well
    base = ("Em tiến bộ rõ rệt trong học kì, đọc lưu loát, viết đúng chính tả; cần luyện thêm phần trình bày. " * 20)

    def comment(code):
        return (long_word + " " + base)[:MAX_COMMENT]

    with app.app_context(), db.connection_context():
        factories.make_school()
        pupil, klass, comments = make_record_pupil(comment_for=comment)
        out = render_record(pupil, klass, "http://hocba.test")
    path = tmp_path / "long.pdf"
    path.write_bytes(out.pdf)
    bbox = run("pdftotext", "-bbox", str(path), "-")
    import re
    right_edge = 595.28 - 16 * 72 / 25.4 + 1  # page width minus the right margin, 1 pt tolerance
    for xmax in (float(m) for m in re.findall(r'xMax="([\d.]+)"', bbox)):
        assert xmax <= right_edge
    assert collapse(comments["TV"]).replace(" ", "")[:200] in collapse(pdf_text(path, "-raw")).replace(" ", "")


def test_json_is_deterministic(app):
    with app.app_context(), db.connection_context():
        factories.make_school()
        pupil, klass, _ = make_record_pupil()
        first = render_record(pupil, klass, "http://hocba.test")
        second = render_record(pupil, klass, "http://hocba.test")
    assert first.data == second.data and first.sha256 == second.sha256


def test_form_sections_and_the_books_cover_and_guide(rendered):
    """TT27 Phụ lục 1: section 3 holds both năng lực chung and năng lực đặc thù; the whole book (`full`)
    starts with its cover and the guide page, a one-year record does not repeat them."""
    from portal.documents.render import html

    _, _, data, _ = rendered
    year = html([data])
    assert year.index("3. Những năng lực cốt lõi") < year.index("a) Năng lực chung") < year.index("b) Năng lực đặc thù")
    assert year.index("b) Năng lực đặc thù") < year.index("4. Đánh giá kết quả giáo dục")
    assert "HƯỚNG DẪN SỬ DỤNG HỌC BẠ" not in year and 'id="cover"' not in year
    book = html([data], full=True)
    assert book.index('id="cover"') < book.index("HƯỚNG DẪN SỬ DỤNG HỌC BẠ") < book.index('id="student-page"')
