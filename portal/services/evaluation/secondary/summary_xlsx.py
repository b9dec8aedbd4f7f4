"""The secondary class summary as a workbook (bảng tổng hợp kết quả học tập và rèn luyện); formula-safe
through tables.append_row."""
import io

import openpyxl
from openpyxl.styles import Alignment, Font

from portal.grading import tt22
from portal.services.evaluation.secondary.remarks import class_remarks, lines
from portal.services.evaluation.secondary.summary import class_summary, fmt
from portal.services.system import audit
from portal.services.system.tables import append_row, sheet_title


def summary_workbook(klass) -> bytes:
    subjects, rows = class_summary(klass)
    remarks = class_remarks(klass)  # the homeroom teacher's year lines, one query
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(f"Lớp {klass.name}")
    append_row(ws, [f"BẢNG TỔNG HỢP KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN — LỚP {klass.name} — NĂM HỌC {klass.year.name}"])
    header = ["STT", "Mã học sinh", "Họ và tên"]
    for subject, _ in subjects:
        header += [f"{subject.name} HKI", f"{subject.name} HKII", f"{subject.name} CN"]
    header += ["Học tập HKI", "Học tập HKII", "Học tập CN", "Rèn luyện HKI", "Rèn luyện HKII", "Rèn luyện CN",
               "Số buổi nghỉ", "Danh hiệu", "Quyết định", "Môn kiểm tra lại", "Sau hè", "Chứng chỉ",
               "Kết quả tham gia các cuộc thi", "Nhận xét của giáo viên chủ nhiệm"]
    append_row(ws, header)
    for i, r in enumerate(rows, start=1):
        line = [i, r.pupil.code, r.pupil.full_name]
        for subject, _ in subjects:
            c = r.subjects.get(subject.code)  # None: an elective this pupil does not learn
            line += [fmt(c.term1), fmt(c.term2), fmt(c.year)] if c else ["Không học", "", ""]
        line += [fmt(r.learning1), fmt(r.learning2), fmt(r.learning_year), fmt(r.conduct1), fmt(r.conduct2),
                 fmt(r.conduct_year), r.absences, tt22.AWARDS.get(r.award, ""),
                 tt22.DECISIONS.get(r.decision, ""), ", ".join(sorted(r.retests)), tt22.DECISIONS.get(r.final, "")]
        remark = remarks.get(r.pupil.id)
        line += ["; ".join(lines(remark.certificates)), "; ".join(lines(remark.competitions)),
                 remark.homeroom_comment] if remark else ["", "", ""]
        append_row(ws, line)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["C"].width = 28
    ws.freeze_panes = "D3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_summary(user, klass) -> bytes:
    """The secondary class summary as a spreadsheet; the export is written to the audit trail."""
    data = summary_workbook(klass)
    audit.record("export.summary", klass, user=user, summary=f"Xuất bảng tổng hợp THCS/THPT lớp {klass.name}")
    return data
