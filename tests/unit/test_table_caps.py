"""Hostile spreadsheets (issue 11 item 7): sizes are checked while streaming, before openpyxl loads the
sheet, so a small file declaring or holding millions of cells is refused fast and in little memory."""
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from portal.services.system.tables import TableFileError, read_table

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_REL = REL + "/worksheet"
STRINGS_REL = REL + "/sharedStrings"


def workbook_zip(sheet_xml: bytes, shared_strings: bytes | None = None, extra_sheets=()) -> bytes:
    """A minimal .xlsx written by hand, so nothing (openpyxl included) limits what it holds."""
    sheets = [sheet_xml, *extra_sheets]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
            + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
               'officedocument.spreadsheetml.sharedStrings+xml"/>' if shared_strings else "")
            + "</Types>"))
        zf.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        zf.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            + "".join(f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets)))
            + "</sheets></workbook>"))
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{SHEET_REL}" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(sheets)))
        if shared_strings:
            rels += f'<Relationship Id="rId99" Type="{STRINGS_REL}" Target="sharedStrings.xml"/>'
        zf.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rels}</Relationships>'))
        for i, xml in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        if shared_strings:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
    return buf.getvalue()


def sheet(rows_xml: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}<sheetData>{rows_xml}</sheetData></worksheet>'.encode()


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = '<row r="1">' + inline("A1", "Mã học sinh") + inline("B1", "Họ và tên") + "</row>"


def one_huge_row(cells=2_000_000) -> bytes:
    """~2 million numeric cells in one row, no cell references (they are optional): ~32 MB of XML."""
    body = b"<c><v>1</v></c>" * cells
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData><row r="2">'.encode()
    return workbook_zip(head + body + b"</row></sheetData></worksheet>")


def test_crafted_file_is_small():
    assert len(one_huge_row()) < 400_000


MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    sys.path.insert(0, {root!r})
    from portal.services.system.tables import TableFileError, read_table
    data = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    try:
        read_table("kq.xlsx", data, 5000, 64 * 1024 * 1024, 100, 200_000)
        message = None
    except TableFileError as err:
        message = err.message
    print(json.dumps({{"seconds": time.monotonic() - start, "message": message,
                      "grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}}))
""")


def test_one_row_of_two_million_cells_is_refused_fast_in_little_memory(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(one_huge_row())
    out = subprocess.run([sys.executable, "-c", MEASURE.format(root=str(ROOT)), str(path)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["message"] == "Tệp có quá nhiều cột (tối đa 100 cột). Vui lòng dùng tệp mẫu và xóa các cột thừa."
    assert result["seconds"] < 2, result
    assert result["grew_mb"] < 150, result


def test_styled_empty_cells_count_against_the_cell_cap():
    """Cells holding no value do not widen the table, but they are still cells to parse."""
    data = workbook_zip(sheet(HEADER + '<row r="2">' + '<c s="1"/>' * 300 + "</row>"))
    with pytest.raises(TableFileError, match=r"quá nhiều ô dữ liệu \(tối đa 200 ô\)"):
        read_table("x.xlsx", data, 100, 10**8, 100, 200)


def test_a_value_far_to_the_right_is_refused_by_its_column():
    data = workbook_zip(sheet(HEADER + '<row r="2">' + inline("A2", "HS1") + inline("ZZ2", "x") + "</row>"))
    with pytest.raises(TableFileError, match="quá nhiều cột"):
        read_table("x.xlsx", data, 100, 10**8, 100, 10_000)


def test_too_many_rows_while_streaming():
    rows = "".join(f'<row r="{i}">' + inline(f"A{i}", f"HS{i}") + "</row>" for i in range(2, 40))
    with pytest.raises(TableFileError, match=r"quá nhiều dòng \(tối đa 10 dòng"):
        read_table("x.xlsx", workbook_zip(sheet(HEADER + rows)), 10, 10**8, 100, 10_000)


def test_cells_of_every_sheet_count():
    """openpyxl measures every worksheet while loading, so a second sheet is a bomb too."""
    big = sheet('<row r="1">' + "<c><v>1</v></c>" * 50 + "</row>" + "".join(
        f'<row r="{i}">' + "<c><v>1</v></c>" * 50 + "</row>" for i in range(2, 200)))
    data = workbook_zip(sheet(HEADER + '<row r="2">' + inline("A2", "HS1") + "</row>"), extra_sheets=[big])
    with pytest.raises(TableFileError, match="quá nhiều ô dữ liệu"):
        read_table("x.xlsx", data, 100, 10**8, 100, 5_000)


def test_shared_strings_beyond_the_cell_cap_are_refused():
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">' + "<si><t>a</t></si>" * 3000
               + "</sst>").encode()
    data = workbook_zip(sheet(HEADER + '<row r="2">' + inline("A2", "HS1") + "</row>"), shared_strings=strings)
    with pytest.raises(TableFileError, match="quá nhiều ô dữ liệu"):
        read_table("x.xlsx", data, 100, 10**8, 100, 1_000)


def test_a_declared_dimension_is_not_trusted_either_way():
    """A sheet declaring the whole grid but holding two columns reads as two columns (openpyxl alone
    would pad every row to 16,384 values)."""
    rows = '<row r="2">' + inline("A2", "HS000001") + inline("B2", "Nguyễn Văn An") + "</row>"
    table = read_table("x.xlsx", workbook_zip(sheet(HEADER + rows, dimension="A1:XFD1048576")), 100, 10**8, 100, 10_000)
    assert table == [["Mã học sinh", "Họ và tên"], ["HS000001", "Nguyễn Văn An"]]


def test_entity_declarations_are_refused_as_not_a_workbook():
    bomb = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row>'
            "</sheetData></worksheet>").encode()
    with pytest.raises(TableFileError, match="không phải là tệp Excel .xlsx hợp lệ"):
        read_table("x.xlsx", workbook_zip(bomb), 100, 10**8, 100, 10_000)


def test_csv_with_millions_of_fields_is_refused_before_parsing():
    data = ("Mã học sinh,Họ và tên\nHS1," + "," * 2_000_000 + "x\n").encode()
    with pytest.raises(TableFileError, match="quá nhiều ô dữ liệu"):
        read_table("x.csv", data, 5000, 10**8, 100, 200_000)


def test_csv_too_wide_is_refused():
    data = ("Mã học sinh,Họ và tên\n" + ",".join(["x"] * 150) + "\n").encode()
    with pytest.raises(TableFileError, match=r"quá nhiều cột \(tối đa 100 cột\)"):
        read_table("x.csv", data, 5000, 10**8, 100, 200_000)


def test_both_imports_refuse_the_crafted_file_with_a_422(demo_app):
    from tests.conftest import Browser
    from tests.routes.test_imports import upload as upload_list
    from tests.routes.test_results_excel import ids, upload as upload_results
    data = one_huge_row()
    admin, teacher = Browser(demo_app.test_client()), Browser(demo_app.test_client())
    admin.login("admin")
    resp = upload_list(admin, data, "ds.xlsx")
    assert resp.status_code == 422 and "Tệp có quá nhiều cột (tối đa 100 cột)" in resp.get_data(as_text=True)
    teacher.login("gvcn.5a")
    resp = upload_results(teacher, *ids(), "CK1", data)
    assert resp.status_code == 422 and "Tệp có quá nhiều cột (tối đa 100 cột)" in resp.get_data(as_text=True)
