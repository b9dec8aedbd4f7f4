"""Importing pupils and staff: hostile files are refused with row-by-row Vietnamese errors; all or nothing."""
import io
import os

import openpyxl
import pytest

from portal.db import db
from portal.models import Pupil, Staff, User
from portal.services.school.imports import PUPIL_COLUMNS, STAFF_COLUMNS

HEADER = [c.label for c in PUPIL_COLUMNS]


def row(code="HS900001", name="Nguyễn Thị Ánh Tuyết", gender="Nữ", born="12/03/2019", klass="2A",
        nid="031319000123", **kw):
    values = {"code": code, "full_name": name, "gender": gender, "born_on": born, "school_class": klass,
              "ethnicity": "Kinh", "nationality": "Việt Nam", "birthplace": "Hải Phòng", "hometown": "Hải Dương",
              "address": "Số 1 Lạch Tray", "father_name": "Nguyễn Văn Ba", "mother_name": "Trần Thị Bốn",
              "guardian_name": "", "national_id": nid, "registry_number": "15/2025", **kw}
    return [values[c.key] for c in PUPIL_COLUMNS]


def xlsx(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    import csv
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(browser, data: bytes, filename: str, slug="hoc-sinh"):
    token = browser.token(f"/quan-tri/nhap/{slug}")
    return browser.client.post(f"/quan-tri/nhap/{slug}", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data")


@pytest.fixture
def admin(demo_browser):
    demo_browser.login("admin")
    return demo_browser


def pupil_count():
    with db.connection_context():
        return Pupil.select().count()


def test_valid_xlsx_imports_every_row(admin):
    before = pupil_count()
    resp = upload(admin, xlsx([row(), row(code="HS900002", name="Lê Văn Đức", gender="Nam", nid="031219000124")]),
                  "ds.xlsx")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200, text[:2000]
    assert "2 mới" in text
    assert pupil_count() == before + 2
    with db.connection_context():
        p = Pupil.get(Pupil.code == "HS900001")
        assert p.full_name == "Nguyễn Thị Ánh Tuyết" and p.review_note == ""


def test_valid_csv_imports(admin):
    resp = upload(admin, csv_bytes([row()]), "ds.csv")
    assert resp.status_code == 200 and "1 mới" in resp.get_data(as_text=True)


@pytest.mark.parametrize("rows, expected", [
    ([row(born="31/02/2019")], "Ngày 31/02/2019 không tồn tại"),
    ([row(born="2019-03-12x")], "ngày/tháng/năm"),
    ([row(born="12/03/2099")], "tương lai"),
    ([row(), row(name="Trùng Mã")], "Trùng mã học sinh với dòng 3"),
    ([row(), row(code="HS900009")], "Trùng mã định danh với dòng 3"),
    ([row(name="")], "Thiếu họ và tên"),
    ([row(gender="Khác")], "ghi Nam hoặc Nữ"),
    ([row(klass="9Z")], "Không có lớp “9Z”"),
    ([row(nid="12345")], "đúng 12 chữ số"),
    ([row(name="A" * 300)], "Dài quá 120 ký tự"),
], ids=["impossible-date", "bad-date", "future-date", "duplicate-code", "duplicate-id", "missing-name",
        "bad-gender", "unknown-class", "short-id", "too-long"])
def test_bad_rows_are_reported_and_nothing_written(admin, rows, expected):
    before = pupil_count()
    good_first = [row(code="HS800001", nid="031219000555", gender="Nam", name="Trần Văn Tốt")]
    resp = upload(admin, xlsx(good_first + rows), "ds.xlsx")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Chưa ghi dữ liệu nào" in text
    assert expected in text
    assert pupil_count() == before


def test_existing_national_id_of_another_pupil_is_refused(admin):
    with db.connection_context():
        taken = Pupil.select().first().national_id
    resp = upload(admin, xlsx([row(nid=taken)]), "ds.xlsx")
    assert resp.status_code == 422 and "đã thuộc về học sinh" in resp.get_data(as_text=True)


def test_id_mismatch_is_flagged_for_review_not_rejected(admin):
    # 031219… says a boy born in 2019; the row says a girl born in 2019 → flagged.
    resp = upload(admin, xlsx([row(nid="031219000777")]), "ds.xlsx")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Cần rà soát" in text
    with db.connection_context():
        assert "giới tính" in Pupil.get(Pupil.code == "HS900001").review_note


def test_excel_number_that_lost_its_leading_zero_is_restored(admin):
    data = row()
    data[[c.key for c in PUPIL_COLUMNS].index("national_id")] = 31319000123  # a number cell
    resp = upload(admin, xlsx([data]), "ds.xlsx")
    assert resp.status_code == 200
    with db.connection_context():
        assert Pupil.get(Pupil.code == "HS900001").national_id == "031319000123"


def test_reimport_updates_instead_of_duplicating(admin):
    upload(admin, xlsx([row()]), "ds.xlsx")
    before = pupil_count()
    resp = upload(admin, xlsx([row(name="Nguyễn Thị Ánh Tuyết Mới")]), "ds.xlsx")
    assert "1 cập nhật" in resp.get_data(as_text=True)
    assert pupil_count() == before


@pytest.mark.parametrize("data, filename, expected", [
    (xlsx([row()], header=["Mã học sinh", "Tên"]), "ds.xlsx", "Tệp thiếu cột bắt buộc"),
    (xlsx([]), "ds.xlsx", "không có dòng dữ liệu"),
    (b"", "ds.xlsx", "Tệp tải lên đang trống"),
    (b"%PDF-1.7 this is not a spreadsheet" * 100, "ds.xlsx", "không phải là tệp Excel .xlsx hợp lệ"),
    (b"PK\x03\x04garbage-zip" * 50, "ds.xlsx", "không phải là tệp Excel .xlsx hợp lệ"),
    (csv_bytes([row()], encoding="utf-16"), "ds.csv", "UTF-8"),
    (b"anything", "ds.xls", ".xls cũ không được hỗ trợ"),
    (b"anything", "ds.pdf", "Chỉ nhận tệp .xlsx hoặc .csv"),
], ids=["wrong-columns", "header-only", "empty-file", "pdf-renamed-xlsx", "corrupt-zip", "utf16-csv",
        "legacy-xls", "wrong-extension"])
def test_hostile_files_get_a_clear_message(admin, data, filename, expected):
    before = pupil_count()
    resp = upload(admin, data, filename)
    assert resp.status_code == 422
    assert expected in resp.get_data(as_text=True)
    assert pupil_count() == before


def test_zip_bomb_is_refused_before_parsing(admin):
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (80 * 1024 * 1024))
    resp = upload(admin, buf.getvalue(), "bomb.xlsx")
    assert resp.status_code == 422 and "quá lớn" in resp.get_data(as_text=True)


def test_20_mb_upload_is_refused_with_a_message(admin):
    resp = upload(admin, os.urandom(20 * 1024 * 1024), "big.xlsx")
    assert resp.status_code == 413
    assert "Tệp tải lên quá lớn" in resp.get_data(as_text=True)


def test_too_many_rows(admin, demo_app):
    demo_app.config["IMPORT_MAX_ROWS"] = 10
    resp = upload(admin, xlsx([row(code=f"HS7{i:05d}", nid="") for i in range(12)]), "ds.xlsx")
    assert resp.status_code == 422 and "quá nhiều dòng" in resp.get_data(as_text=True)


def test_template_and_export_round_trip(admin):
    template = admin.get("/quan-tri/mau/hoc-sinh.xlsx")
    assert template.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert [c.value.rstrip(" *") for c in ws[1]] == HEADER
    exported = admin.get("/quan-tri/xuat/hoc-sinh.xlsx")
    before = pupil_count()
    resp = upload(admin, exported.data, "xuat.xlsx")  # re-importing the export changes nothing
    assert resp.status_code == 200, resp.get_data(as_text=True)[:3000]
    assert f"0 mới, {before} cập nhật" in resp.get_data(as_text=True)
    assert pupil_count() == before


def test_staff_import_creates_accounts_with_temporary_passwords(admin):
    header = [c.label for c in STAFF_COLUMNS]
    rows = [["GV900", "Phạm Thị Hồng Nhung", "Nữ", "01/02/1990", "Giáo viên", "0912345678", "nhung@example.vn",
             "gv.nhung", "Giáo viên chủ nhiệm", ""],
            ["GV901", "Trần Quốc Việt", "Nam", "", "Phó Hiệu trưởng", "", "", "pht.viet", "Phó Hiệu trưởng", "Có"]]
    resp = upload(admin, xlsx(rows, header=header), "cb.xlsx", slug="can-bo")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200, text[:2000]
    assert "gv.nhung" in text and "Mật khẩu tạm" in text
    with db.connection_context():
        user = User.get(User.username == "pht.viet")
        assert user.must_change_password
        assert [(r.role, r.can_sign) for r in user.roles] == [("vice_principal", True)]


def test_staff_import_rejects_taken_username_and_bad_role(admin):
    header = [c.label for c in STAFF_COLUMNS]
    rows = [["GV900", "Người Mới", "Nam", "", "Giáo viên", "", "", "gvcn.1a", "", ""],
            ["GV901", "Người Khác", "Nam", "", "Giáo viên", "", "", "gv.khac", "Thủ quỹ", ""]]
    with db.connection_context():
        before = Staff.select().count()
    resp = upload(admin, xlsx(rows, header=header), "cb.xlsx", slug="can-bo")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "đã được người khác sử dụng" in text and "Vai trò “thủ quỹ” không hợp lệ" in text
    with db.connection_context():
        assert Staff.select().count() == before
