"""One class × subject × semester of secondary (TT22) assessments as a spreadsheet: export (the template
with the current values) and import, all or nothing, with each row's errors in Vietnamese.

The file is read by services/system/tables.py (streamed and measured by xlsx_scan before openpyxl opens it);
each value is parsed by services/evaluation/secondary/entry.parse_value (so tt22.parse_score), and written by the same
cell save as the grid, in one transaction.
"""

from portal.db import write_tx
from portal.services import Forbidden, ServiceError
from portal.services.accounts import permissions
from portal.services.appconfig import app_config
from portal.services.evaluation.entry import find_lock
from portal.services.evaluation.secondary import entry as secondary
from portal.services.records import freeze
from portal.services.evaluation.secondary.electives import subject_roster
from portal.services.system import audit
from portal.services.system.tables import (
    Column, ImportReport, RowIssue, RowRefused, TableFileError, map_headers, pupil_rows, read_table, write_xlsx,
)

TERMS = ("HK1", "HK2")


def _slots(klass, subject, term) -> list[str]:
    return [*secondary.slots_for(subject, secondary.grade_subject(klass, subject), term), "nx"]


def columns(klass, subject, term) -> list[Column]:
    cols = [Column("code", "Mã học sinh", required=True), Column("full_name", "Họ và tên")]
    return cols + [Column(slot, secondary.SLOT_LABELS[slot], max_len=secondary.MAX_COMMENT if slot == "nx" else 20)
                   for slot in _slots(klass, subject, term)]


def _check(user, klass, subject, term) -> None:
    if term not in TERMS:
        raise ServiceError("Chỉ nhập từ tệp cho Học kì I hoặc Học kì II.")
    if not secondary.can_enter(user, klass, subject):
        raise Forbidden()


def _current(klass, subject, term) -> dict:
    from portal.models import ScoreEntry
    rows = ScoreEntry.select().where((ScoreEntry.school_class == klass) & (ScoreEntry.subject == subject)
                                     & (ScoreEntry.term == term))
    return {(r.pupil_id, r.slot): r.value for r in rows}


def export(user, klass, subject, term) -> bytes:
    """The class's sheet for this subject and semester, with what is already entered."""
    _check(user, klass, subject, term)
    slots, current = _slots(klass, subject, term), _current(klass, subject, term)
    rows = [[p.code, p.full_name, *(secondary.display(subject, s, current.get((p.id, s), "")) for s in slots)]
            for p in subject_roster(klass, subject)]
    kind = ("Điểm: thang 10, một chữ số thập phân, ví dụ 8,5." if subject.assessment == "score"
            else "Kết quả: Đ (Đạt) hoặc CĐ (Chưa đạt).")
    notes = [f"{subject.name} — lớp {klass.name} — {term} — năm học {klass.year.name}",
             f"{kind} Ô trống: chưa đánh giá (không xóa giá trị đã có). Không đổi mã học sinh. "
             "Có lỗi ở bất kỳ dòng nào thì không ghi dòng nào."]
    return write_xlsx(f"{subject.code} {klass.name} {term}", columns(klass, subject, term), rows, notes)


def import_scores(user, klass, subject, term, filename: str, data: bytes) -> ImportReport:
    """Validate every row, then write every changed cell in one transaction; nothing is written when a
    row has an error. A blank cell leaves the stored value as it is."""
    _check(user, klass, subject, term)
    report, cols = ImportReport(), columns(klass, subject, term)
    cfg = app_config()
    try:
        table = read_table(filename, data, cfg["IMPORT_MAX_ROWS"], cfg["IMPORT_MAX_UNZIPPED_BYTES"],
                           cfg["IMPORT_MAX_COLUMNS"], cfg["IMPORT_MAX_CELLS"])
        index = map_headers(table[0], cols)
    except TableFileError as err:
        report.file_error = err.message
        return report
    pupils, current = {p.code: p for p in subject_roster(klass, subject)}, _current(klass, subject, term)
    locked = find_lock(klass, term) is not None
    frozen = {rv.pupil_id: rv for rv in freeze.class_records(klass)}
    for rownum, pupil, get in pupil_rows(table, index, pupils, klass.name, report):
        changed = {}
        for col in cols[2:]:
            if col.key not in index or not get(col.key):
                continue
            try:
                value = secondary.parse_value(subject, col.key, get(col.key))
            except ServiceError as err:
                report.errors.append(RowIssue(rownum, col.label, err.message))
                continue
            if value != current.get((pupil.id, col.key), ""):
                changed[col.key] = value
        if changed and locked:
            report.errors.append(RowIssue(rownum, "", "Học kì này đã khóa sổ: thay đổi phải gửi đề nghị từng ô, có "
                                                      "lý do, để Hiệu trưởng duyệt."))
        elif changed and pupil.id in frozen:
            report.errors.append(RowIssue(rownum, "Mã học sinh", freeze.message(frozen[pupil.id])))
        elif changed:
            report.rows.append((rownum, pupil, changed))
    if report.ok:
        _write(user, klass, subject, term, report)
    return report


def _write(user, klass, subject, term, report: ImportReport) -> None:
    """Every row in one transaction; a row refused now (its record entered the chain since the check, the
    semester locked) undoes them all and is reported like a validation error."""
    try:
        with write_tx():
            for rownum, pupil, changed in report.rows:
                for slot, value in changed.items():
                    try:
                        saved = secondary.save_score(user, klass, pupil.id, subject, term, slot, value)
                    except ServiceError as err:
                        raise RowRefused(RowIssue(rownum, secondary.SLOT_LABELS[slot], err.message)) from None
                    if saved.status == "requested":
                        raise RowRefused(RowIssue(rownum, "", "Học kì này vừa khóa sổ; không ghi dòng nào."))
            audit.record("evaluation.imported", klass, user=user,
                         summary=f"Nhập {subject.name} lớp {klass.name} {term}: {len(report.rows)} dòng")
    except RowRefused as refused:
        report.errors.append(refused.issue)
        report.rows = []
