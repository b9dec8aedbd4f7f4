"""The class summary as a workbook, laid out like the paper bảng tổng hợp."""
import io

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.grading import tt27
from portal.models import CHECKPOINTS
from portal.services.evaluation import results
from portal.services.system import audit
from portal.services.system.tables import append_row, sheet_title


def summary_workbook(klass, cp: str) -> bytes:
    subjects, rows, counts = results.class_summary(klass, cp)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(f"Lớp {klass.name} {cp}")
    append_row(ws, [f"BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC — LỚP {klass.name} — NĂM HỌC {klass.year.name}"])
    append_row(ws, [CHECKPOINTS.get(cp, "Đánh giá bổ sung")])
    header = ["STT", "Mã học sinh", "Họ và tên"]
    for info in subjects:
        header.append(info.subject.name)
        if cp in info.tested:
            header.append(f"{info.subject.name} (điểm)")
    header += list(tt27.ALL_QUALITIES.values())
    if cp == "CN":
        header += ["Kết quả", "Khen thưởng", "Sau đánh giá bổ sung"]
    append_row(ws, header)
    for i, r in enumerate(rows, start=1):
        line = [i, r.pupil.code, r.pupil.full_name]
        for info in subjects:
            line.append(r.levels.get(info.subject.code, ""))
            if cp in info.tested:
                line.append(r.scores.get(info.subject.code))
        line += [r.qualities.get(q, "") for q in tt27.ALL_QUALITIES]
        if cp == "CN":
            line += [r.outcome, r.year.awards if r.year else "", r.supplementary]
        append_row(ws, line)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["C"].width = 28
    for col in range(4, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 9
    ws.freeze_panes = "D4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_summary(user, klass, cp: str) -> bytes:
    """The class summary of a checkpoint as a spreadsheet; the export is written to the audit trail."""
    data = summary_workbook(klass, cp)
    audit.record("export.summary", klass, user=user, summary=f"Xuất bảng tổng hợp lớp {klass.name} {cp}")
    return data
