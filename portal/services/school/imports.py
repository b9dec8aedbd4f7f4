"""Importing and exporting the pupil and staff lists: validate every row, then write all or nothing."""
import datetime as dt
import re

from portal.db import write_tx
from portal.forms import parse_vn_date
from portal.models import ROLES, Pupil, SchoolClass, Staff, User
from portal.models.base import nfc
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.school.identity import findings
from portal.services.school.people import frozen_refusal, pupil_list, roles_of, save_pupil, save_staff
from portal.services.system import audit
from portal.services.system.collation import name_key
from portal.services.system.tables import (
    Column, ImportReport, RowIssue, TableFileError, cell_text, map_headers, read_table, write_xlsx,
)

GENDER_WORDS = {"nam": 1, "1": 1, "male": 1, "m": 1, "nữ": 2, "nu": 2, "2": 2, "female": 2, "f": 2}
YES = {"có", "co", "x", "1", "yes", "true"}

PUPIL_COLUMNS = [
    Column("code", "Mã học sinh", required=True, kind="digits", max_len=30),
    Column("full_name", "Họ và tên", required=True, max_len=120),
    Column("gender", "Giới tính", required=True, kind="gender", choices=("Nam", "Nữ")),
    Column("born_on", "Ngày sinh", required=True, kind="date"),
    Column("school_class", "Lớp", required=True, max_len=20),
    Column("ethnicity", "Dân tộc", required=True, max_len=60),
    Column("nationality", "Quốc tịch", required=True, max_len=60),
    Column("birthplace", "Nơi sinh", required=True),
    Column("hometown", "Quê quán"),
    Column("address", "Nơi ở hiện nay", aliases=("Địa chỉ",)),
    Column("father_name", "Họ tên cha", max_len=120),
    Column("mother_name", "Họ tên mẹ", max_len=120),
    Column("guardian_name", "Họ tên người giám hộ", max_len=120),
    Column("national_id", "Mã định danh cá nhân", kind="digits", max_len=12, aliases=("Mã định danh", "Số định danh cá nhân")),
    Column("registry_number", "Số đăng bộ", max_len=30),
]
STAFF_COLUMNS = [
    Column("code", "Mã cán bộ", required=True, max_len=30),
    Column("full_name", "Họ và tên", required=True, max_len=120),
    Column("gender", "Giới tính", kind="gender", choices=("Nam", "Nữ")),
    Column("born_on", "Ngày sinh", kind="date"),
    Column("title", "Chức vụ", required=True, max_len=120),
    Column("phone", "Điện thoại", max_len=30),
    Column("email", "Thư điện tử", max_len=120, aliases=("Email",)),
    Column("username", "Tên đăng nhập", max_len=60),
    Column("roles", "Vai trò", max_len=255),
    Column("can_sign", "Được ủy quyền ký", kind="bool", choices=("Có", "Không")),
]
PUPIL_NOTES = [
    "Hướng dẫn nhập danh sách học sinh",
    "• Các cột có dấu * là bắt buộc. Không đổi tên, không xóa cột tiêu đề.",
    "• Ngày sinh theo dạng ngày/tháng/năm, ví dụ 05/09/2019.",
    "• Giới tính: Nam hoặc Nữ. Lớp: tên lớp của năm học hiện tại, ví dụ 1A.",
    "• Mã định danh cá nhân: 12 chữ số. Nếu không khớp với ngày sinh/giới tính, học sinh được đánh dấu “Cần rà soát”.",
    "• Mã học sinh đã có: thông tin sẽ được cập nhật. Nếu có bất kỳ dòng lỗi nào, không dòng nào được ghi.",
]
STAFF_NOTES = [
    "Hướng dẫn nhập danh sách cán bộ, giáo viên",
    "• Các cột có dấu * là bắt buộc.",
    "• Vai trò: một hoặc nhiều trong: " + ", ".join(ROLES.values()) + " (ngăn cách bằng dấu phẩy).",
    "• Có tên đăng nhập: hệ thống tạo tài khoản với mật khẩu tạm, người dùng phải đổi ở lần đăng nhập đầu.",
]
ROLE_BY_WORD = {nfc(label).casefold(): code for code, label in ROLES.items()} | {code: code for code in ROLES}


def _limits():
    cfg = app_config()
    return cfg["IMPORT_MAX_ROWS"], cfg["IMPORT_MAX_UNZIPPED_BYTES"], cfg["IMPORT_MAX_COLUMNS"], cfg["IMPORT_MAX_CELLS"]


def _parse_cells(columns, index, raw_row, rownum, report) -> dict | None:
    values, ok = {}, True
    for col in columns:
        i = index.get(col.key)
        raw = raw_row[i] if i is not None and i < len(raw_row) else None
        text = cell_text(raw)
        if not text:
            if col.required:
                report.errors.append(RowIssue(rownum, col.label, f"Thiếu {col.label.lower()}."))
                ok = False
            values[col.key] = None if col.kind in ("date", "gender") else ""
            continue
        if len(text) > col.max_len:
            report.errors.append(RowIssue(rownum, col.label, f"Dài quá {col.max_len} ký tự."))
            ok = False
            continue
        if col.kind == "date":
            if isinstance(raw, (dt.datetime, dt.date)):
                values[col.key] = raw.date() if isinstance(raw, dt.datetime) else raw
            else:
                try:
                    values[col.key] = parse_vn_date(text)
                except ValueError as err:
                    report.errors.append(RowIssue(rownum, col.label, f"“{text}”: {err}"))
                    ok = False
                    continue
            if values[col.key] > dt.date.today():
                report.errors.append(RowIssue(rownum, col.label, "Ngày không được ở tương lai."))
                ok = False
        elif col.kind == "gender":
            gender = GENDER_WORDS.get(text.casefold())
            if gender is None:
                report.errors.append(RowIssue(rownum, col.label, f"“{text}” không hợp lệ: ghi Nam hoặc Nữ."))
                ok = False
            values[col.key] = gender
        elif col.kind == "bool":
            values[col.key] = text.casefold() in YES
        elif col.kind == "digits" and col.key == "national_id":
            # Excel turns 031220123456 into the number 31220123456; every province code starts with 0.
            if isinstance(raw, (int, float)) and len(text) == 11:
                text = "0" + text
            if not re.fullmatch(r"\d{12}", text):
                report.errors.append(RowIssue(rownum, col.label, f"“{text}”: mã định danh phải gồm đúng 12 chữ số."))
                ok = False
            values[col.key] = text
        else:
            values[col.key] = text
    return values if ok else None


def _rows(filename, data, columns, report):
    try:
        table = read_table(filename, data, *_limits())
        index = map_headers(table[0], columns)
    except TableFileError as err:
        report.file_error = err.message
        return []
    out = []
    for offset, raw in enumerate(table[1:], start=2):
        if all(v is None or not str(v).strip() for v in raw):
            continue
        out.append((offset, raw))
    return [(n, raw, index) for n, raw in out]


def validate_pupils(filename: str, data: bytes, year) -> ImportReport:
    report = ImportReport()
    classes = {c.name.upper(): c for c in SchoolClass.select().where(SchoolClass.year == year)}
    seen_codes, seen_ids = {}, {}
    for rownum, raw, index in _rows(filename, data, PUPIL_COLUMNS, report):
        values = _parse_cells(PUPIL_COLUMNS, index, raw, rownum, report)
        if values is None:
            continue
        klass = classes.get(values["school_class"].upper())
        if klass is None:
            report.errors.append(RowIssue(rownum, "Lớp", f"Không có lớp “{values['school_class']}” trong năm học {year.name}."))
            continue
        values["school_class"] = klass
        code = values["code"]
        if code in seen_codes:
            report.errors.append(RowIssue(rownum, "Mã học sinh", f"Trùng mã học sinh với dòng {seen_codes[code]}."))
            continue
        seen_codes[code] = rownum
        nid = values["national_id"]
        if nid:
            if nid in seen_ids:
                report.errors.append(RowIssue(rownum, "Mã định danh cá nhân", f"Trùng mã định danh với dòng {seen_ids[nid]}."))
                continue
            seen_ids[nid] = rownum
            other = Pupil.get_or_none(Pupil.national_id == nid)
            if other is not None and other.code != code:
                report.errors.append(RowIssue(rownum, "Mã định danh cá nhân", f"Mã định danh đã thuộc về học sinh {other.code}."))
                continue
            for finding in findings(nid, values["born_on"], values["gender"]):
                report.warnings.append(RowIssue(rownum, "Mã định danh cá nhân", finding + " Học sinh sẽ được đánh dấu cần rà soát."))
        else:
            report.warnings.append(RowIssue(rownum, "Mã định danh cá nhân", "Thiếu mã định danh; học sinh sẽ được đánh dấu cần rà soát."))
        existing = Pupil.get_or_none(Pupil.code == code)
        refusal = frozen_refusal(existing, values, klass) if existing is not None else None
        if refusal:
            report.errors.append(RowIssue(rownum, "Mã học sinh", refusal))
            continue
        report.rows.append((rownum, values))
    return report


def apply_pupils(admin, report: ImportReport, school) -> dict:
    """Write every validated row in one transaction; a refusal on any row writes nothing."""
    if not report.ok:
        raise ServiceError("Tệp còn lỗi, chưa ghi dữ liệu nào.")
    created = updated = 0
    with write_tx():
        for rownum, values in report.rows:
            klass = values.pop("school_class")
            existing = Pupil.get_or_none(Pupil.code == values["code"])
            try:
                save_pupil(admin, existing, values, klass, school)
            except ServiceError as err:
                raise ServiceError(f"Dòng {rownum}: {err.message}") from None
            created += existing is None
            updated += existing is not None
        audit.record("pupil.imported", user=admin, summary=f"Nhập danh sách học sinh: {created} mới, {updated} cập nhật",
                     created=created, updated=updated)
    return {"created": created, "updated": updated}


def validate_staff(filename: str, data: bytes) -> ImportReport:
    report = ImportReport()
    seen_codes, seen_users = {}, {}
    for rownum, raw, index in _rows(filename, data, STAFF_COLUMNS, report):
        values = _parse_cells(STAFF_COLUMNS, index, raw, rownum, report)
        if values is None:
            continue
        if values["code"] in seen_codes:
            report.errors.append(RowIssue(rownum, "Mã cán bộ", f"Trùng mã cán bộ với dòng {seen_codes[values['code']]}."))
            continue
        seen_codes[values["code"]] = rownum
        username = values["username"].lower()
        if username:
            if not re.fullmatch(r"[a-z0-9._-]{3,60}", username):
                report.errors.append(RowIssue(rownum, "Tên đăng nhập", "Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang (3–60 ký tự)."))
                continue
            if username in seen_users:
                report.errors.append(RowIssue(rownum, "Tên đăng nhập", f"Trùng tên đăng nhập với dòng {seen_users[username]}."))
                continue
            seen_users[username] = rownum
            owner = User.get_or_none(User.username == username)
            if owner is not None and (owner.staff is None or owner.staff.code != values["code"]):
                report.errors.append(RowIssue(rownum, "Tên đăng nhập", "Tên đăng nhập đã được người khác sử dụng."))
                continue
        roles = {}
        for word in re.split(r"[,;]", values["roles"]):
            word = word.strip().casefold()
            if not word:
                continue
            code = ROLE_BY_WORD.get(word)
            if code is None:
                report.errors.append(RowIssue(rownum, "Vai trò", f"Vai trò “{word}” không hợp lệ."))
                roles = None
                break
            roles[code] = bool(values["can_sign"]) and code == "vice_principal"
        if roles is None:
            continue
        values["username"], values["roles"] = username, roles
        values["gender"] = values["gender"] or 0
        report.rows.append((rownum, values))
    return report


def apply_staff(admin, report: ImportReport) -> dict:
    """Write every staff row; returns counts and the temporary passwords of new accounts (shown once)."""
    if not report.ok:
        raise ServiceError("Tệp còn lỗi, chưa ghi dữ liệu nào.")
    created = updated = 0
    passwords = []
    with write_tx():
        for rownum, values in report.rows:
            existing = Staff.get_or_none(Staff.code == values["code"])
            username, roles = values.pop("username"), values.pop("roles")
            values.pop("can_sign", None)
            try:
                staff, password = save_staff(admin, existing, values, username, roles)
            except ServiceError as err:
                raise ServiceError(f"Dòng {rownum}: {err.message}") from None
            if password:
                passwords.append((staff.full_name, username, password))
            created += existing is None
            updated += existing is not None
        audit.record("staff.imported", user=admin, summary=f"Nhập danh sách cán bộ: {created} mới, {updated} cập nhật",
                     created=created, updated=updated)
    return {"created": created, "updated": updated, "passwords": passwords}


def template(kind: str) -> bytes:
    if kind == "pupils":
        return write_xlsx("Danh sách học sinh", PUPIL_COLUMNS, [], PUPIL_NOTES)
    return write_xlsx("Danh sách cán bộ", STAFF_COLUMNS, [], STAFF_NOTES)


def export_pupils(year) -> bytes:
    pupils = pupil_list(year)
    rows = [[p.code, p.full_name, p.gender_label, p.born_on.strftime("%d/%m/%Y"), p.enrolment.school_class.name,
             p.ethnicity, p.nationality, p.birthplace, p.hometown, p.address, p.father_name, p.mother_name,
             p.guardian_name, p.national_id or "", p.registry_number] for p in pupils]
    return write_xlsx("Danh sách học sinh", PUPIL_COLUMNS, rows)


def export_staff() -> bytes:
    rows = []
    for s in sorted(Staff.select(), key=lambda s: name_key(s.full_name)):
        username, roles = roles_of(s)
        rows.append([s.code, s.full_name, {1: "Nam", 2: "Nữ"}.get(s.gender, ""),
                     s.born_on.strftime("%d/%m/%Y") if s.born_on else "", s.title, s.phone, s.email, username,
                     ", ".join(ROLES[r] for r in roles), "Có" if any(roles.values()) else ""])
    return write_xlsx("Danh sách cán bộ", STAFF_COLUMNS, rows)


def export_list(user, kind: str, year) -> tuple[bytes, str]:
    """The pupils of a year or the staff as a spreadsheet and its file name; the export is audited."""
    if kind == "pupils":
        data, name = export_pupils(year), f"danh-sach-hoc-sinh-{year.name}.xlsx"
    else:
        data, name = export_staff(), "danh-sach-can-bo.xlsx"
    audit.record("export.list", user=user, summary=f"Xuất {name}", kind=kind)
    return data, name
