"""Reading and writing spreadsheets (.xlsx with openpyxl, .csv in UTF-8) safely.

An uploaded file is untrusted: a renamed non-xlsx, a zip bomb, a million rows, a legacy encoding.
Each gets a clear Vietnamese message before anything is parsed in full.
"""
import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.services import ServiceError
from portal.services.system import xlsx_scan
from portal.text import clean_text, clean_words


class TableFileError(ServiceError):
    pass


@dataclass
class Column:
    key: str
    label: str
    required: bool = False
    kind: str = "text"  # text | date | gender | bool | digits
    max_len: int = 255
    choices: tuple = ()
    aliases: tuple = ()


@dataclass
class RowIssue:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: list = field(default_factory=list)  # (row number, clean dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors


class RowRefused(Exception):
    """A row refused while an import writes (all rows in one transaction): the whole import is undone and the
    row's issue reported like a validation error."""

    def __init__(self, issue: RowIssue):
        self.issue = issue


def normalise_header(text) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).strip().casefold()
    text = text.split("(")[0].replace("*", "").strip()
    return " ".join(text.split())


def read_table(filename: str, data: bytes, max_rows: int, max_unzipped: int, max_columns: int = 100,
               max_cells: int = 200_000) -> list[list]:
    """The first sheet (or the CSV) as rows of cell values, header first; trailing blank rows dropped.
    Rows, columns and cells are capped before anything is loaded in full."""
    name = (filename or "").lower()
    if not data:
        raise TableFileError("Tệp tải lên đang trống.")
    caps = xlsx_scan.Caps(rows=max_rows, columns=max_columns, cells=max_cells)
    if name.endswith(".xls"):
        raise TableFileError("Định dạng .xls cũ không được hỗ trợ. Vui lòng mở tệp bằng Excel và lưu lại dạng .xlsx.")
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data, caps, max_unzipped)
    elif name.endswith(".csv"):
        rows = _read_csv(data, caps)
    else:
        raise TableFileError("Chỉ nhận tệp .xlsx hoặc .csv.")
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise TableFileError("Tệp không có dòng dữ liệu nào (chỉ có tiêu đề hoặc trống).")
    return rows


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes, caps, max_unzipped: int) -> list[list]:
    bad = "Tệp không phải là tệp Excel .xlsx hợp lệ (có thể là tệp khác được đổi tên). Vui lòng dùng tệp mẫu."
    buf = io.BytesIO(data)
    if not zipfile.is_zipfile(buf):
        raise TableFileError(bad)
    try:
        with zipfile.ZipFile(buf) as zf:
            if sum(i.file_size for i in zf.infolist()) > max_unzipped:
                raise TableFileError("Nội dung tệp Excel quá lớn. Vui lòng chia nhỏ danh sách.")
            size = xlsx_scan.measure(zf, caps)
        wb = openpyxl.load_workbook(buf, read_only=True, data_only=True)
    except TableFileError:
        raise
    except xlsx_scan.TooLarge as err:
        raise TableFileError(err.message) from None
    except Exception:  # openpyxl and zipfile raise many kinds on malformed parts
        raise TableFileError(bad) from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the declared size is not trusted: rows are as wide as the widest value
        rows = []
        for row in ws.iter_rows(values_only=True, max_col=max(size.columns, 1)):
            if len(rows) > caps.rows:
                raise TableFileError(f"Tệp có quá nhiều dòng (tối đa {caps.rows} dòng dữ liệu).")
            rows.append(list(row))
        return rows
    except TableFileError:
        raise
    except Exception:
        raise TableFileError(bad) from None
    finally:
        wb.close()


def _read_csv(data: bytes, caps) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableFileError("Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: “CSV UTF-8”).") from None
    if "\x00" in text:
        raise TableFileError("Tệp CSV chứa ký tự không hợp lệ.")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    too_many = TableFileError(f"Tệp có quá nhiều ô dữ liệu (tối đa {caps.cells:,} ô).".replace(",", ".")
                              + " Vui lòng chia nhỏ tệp hoặc xóa các dòng, cột thừa.")
    # Each field but the last of a line ends with a delimiter: an upper bound, counted before parsing.
    if text.count(dialect.delimiter) > caps.cells:
        raise too_many
    rows, cells = [], 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) > caps.rows:
                raise TableFileError(f"Tệp có quá nhiều dòng (tối đa {caps.rows} dòng dữ liệu).")
            while row and not row[-1].strip():
                row.pop()  # trailing empty fields (a spreadsheet's empty columns) are no columns
            if len(row) > caps.columns:
                raise TableFileError(f"Tệp có quá nhiều cột (tối đa {caps.columns} cột). "
                                     "Vui lòng dùng tệp mẫu và xóa các cột thừa.")
            cells += len(row)
            if cells > caps.cells:
                raise too_many
            rows.append(row)
    except csv.Error:
        raise TableFileError("Không đọc được tệp CSV: định dạng không hợp lệ.") from None
    return rows


def map_headers(header: list, columns: list[Column]) -> dict[str, int]:
    """Column key → index; raises with every missing required column named."""
    labels = {normalise_header(c.label): c.key for c in columns}
    for c in columns:
        for alias in c.aliases:
            labels[normalise_header(alias)] = c.key
    found = {}
    for i, cell in enumerate(header):
        key = labels.get(normalise_header(cell))
        if key and key not in found:
            found[key] = i
    missing = [c.label for c in columns if c.required and c.key not in found]
    if missing:
        raise TableFileError("Tệp thiếu cột bắt buộc: " + ", ".join(missing) + ". Vui lòng dùng tệp mẫu.")
    return found


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    return clean_words(str(value))


# A spreadsheet reads a cell typed with one of these first as a formula (formula injection, OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE = str.maketrans({ch: " " for ch in "[]:*?/\\"})


def pupil_rows(table: list[list], index: dict[str, int], pupils: dict, class_name: str, report: ImportReport):
    """The data rows of a class's sheet, one per pupil: (row number, pupil, get(column key) → text). Blank rows
    are skipped; a code not in the class or met twice is reported on its row and skipped."""
    seen: dict = {}
    for rownum, raw in enumerate(table[1:], start=2):
        if all(v is None or not str(v).strip() for v in raw):
            continue

        def get(key, raw=raw):
            return cell_text(raw[index[key]]) if key in index and index[key] < len(raw) else ""

        code = get("code")
        pupil = pupils.get(code)
        if pupil is None:
            report.errors.append(RowIssue(rownum, "Mã học sinh", f"“{code}” không thuộc lớp {class_name}."))
            continue
        if code in seen:
            report.errors.append(RowIssue(rownum, "Mã học sinh", f"Trùng với dòng {seen[code]}."))
            continue
        seen[code] = rownum
        yield rownum, pupil, get


def export_value(value):
    """A value as an exported cell holds it: text cleaned (openpyxl refuses control characters, and
    records stored before text was cleaned at the door may hold some)."""
    return clean_text(value) if isinstance(value, str) else value


def append_row(ws, values) -> None:
    """Append a row whose text always stays text: "=HYPERLINK(…)" typed as a name is shown, never run."""
    raw = list(values)
    ws.append([export_value(v) for v in raw])
    for cell, original in zip(ws[ws.max_row], raw):
        if isinstance(original, str) and (original.startswith(FORMULA_START)
                                          or str(cell.value).startswith(FORMULA_START)):
            cell.data_type = "s"
            cell.quotePrefix = True  # and stays text when someone edits the cell in Excel


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: none of []:*?/\\, at most 31 characters."""
    return " ".join(clean_text(text, multiline=False).translate(_BAD_TITLE).split())[:31] or "Sheet"


def write_xlsx(sheet_title_text: str, columns: list[Column], rows: list[list], notes: list[str] | None = None) -> bytes:
    """A workbook whose first sheet has the header and rows; text columns stay text (no lost zeros)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet_title_text)
    append_row(ws, [c.label + (" *" if c.required else "") for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        append_row(ws, row)
    # Text columns stay text for the rows a user will fill (Excel would drop a national id's leading 0).
    last = max(len(rows) + 1, 1000)
    for i, c in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(40, len(c.label) + 6))
        if c.kind in ("text", "digits", "date"):
            for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
                cell.number_format = "@"
        if c.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=not c.required)
            dv.error = "Vui lòng chọn một giá trị trong danh sách."
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "A2"
    if notes:
        guide = wb.create_sheet("Hướng dẫn")
        for line in notes:
            append_row(guide, [line])
        guide.column_dimensions["A"].width = 110
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
