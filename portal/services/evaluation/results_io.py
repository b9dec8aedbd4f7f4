"""One class × subject × checkpoint as a spreadsheet: export, template, import (all or nothing)."""

from portal.db import write_tx
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.appconfig import app_config
from portal.services.evaluation import entry, results
from portal.services.records import freeze
from portal.services.school.years import class_roster
from portal.services.system import audit
from portal.services.system.tables import (
    Column, ImportReport, RowIssue, RowRefused, TableFileError, map_headers, pupil_rows, read_table, write_xlsx,
)


def columns(tested: bool) -> list[Column]:
    cols = [Column("code", "Mã học sinh", required=True), Column("full_name", "Họ và tên"),
            Column("level", "Mức đạt được", choices=("T", "H", "C"))]
    if tested:
        cols.append(Column("score", "Điểm KTĐK"))
    cols.append(Column("comment", "Nhận xét", max_len=entry.MAX_COMMENT))
    return cols


def export(klass, subject, cp) -> bytes:
    tested = entry.tested_at(klass, subject, cp)
    res = results.subject_results(klass, [cp], subject)
    rows = []
    for p in class_roster(klass):
        r = res.get((p.id, subject.id, cp))
        line = [p.code, p.full_name, r.level if r else ""]
        if tested:
            line.append(str(r.score) if r and r.score else "")
        line.append(r.comment if r else "")
        rows.append(line)
    notes = [f"{subject.name} — lớp {klass.name} — {cp} — năm học {klass.year.name}",
             "Mức: T, H hoặc C. Điểm: số nguyên 1–10. Không đổi mã học sinh. Có lỗi ở bất kỳ dòng nào thì không ghi dòng nào."]
    return write_xlsx(f"{subject.code} {klass.name} {cp}", columns(tested), rows, notes)


def import_results(user, klass, subject, cp, filename: str, data: bytes) -> ImportReport:
    """Validate every row, then write them all in one transaction; locked cells are refused with the reason."""
    if not permissions.can_enter_subject(user, klass, subject):
        raise permissions.Forbidden()
    report = ImportReport()
    tested = entry.tested_at(klass, subject, cp)
    cols = columns(tested)
    cfg = app_config()
    try:
        table = read_table(filename, data, cfg["IMPORT_MAX_ROWS"], cfg["IMPORT_MAX_UNZIPPED_BYTES"],
                           cfg["IMPORT_MAX_COLUMNS"], cfg["IMPORT_MAX_CELLS"])
        index = map_headers(table[0], cols)
    except TableFileError as err:
        report.file_error = err.message
        return report
    pupils = {p.code: p for p in class_roster(klass)}
    current = results.subject_results(klass, [cp], subject)
    locked = entry.find_lock(klass, cp) is not None
    frozen = {rv.pupil_id: rv for rv in freeze.class_records(klass)}
    for rownum, pupil, get in pupil_rows(table, index, pupils, klass.name, report):
        values = {}
        for field, label in (("level", "Mức đạt được"), ("score", "Điểm KTĐK"), ("comment", "Nhận xét")):
            if field not in index:
                continue
            try:
                values[field] = entry.parse_value(field, get(field), quality=False, tested=tested)
            except ServiceError as err:
                report.errors.append(RowIssue(rownum, label, err.message))
        old = current.get((pupil.id, subject.id, cp))
        changed = {f: v for f, v in values.items()
                   if v != (getattr(old, f) if old else (None if f == "score" else ""))}
        if changed and locked:
            report.errors.append(RowIssue(rownum, "", "Thời điểm này đã khóa sổ: thay đổi phải gửi đề nghị từng ô, có lý do, để Hiệu trưởng duyệt."))
            continue
        if changed and pupil.id in frozen:
            report.errors.append(RowIssue(rownum, "Mã học sinh", freeze.message(frozen[pupil.id])))
            continue
        if changed:
            report.rows.append((rownum, pupil, changed))
    if report.ok:
        _write(user, klass, subject, cp, report)
    return report


def _write(user, klass, subject, cp, report: ImportReport) -> None:
    """All rows in one transaction; a row refused now (its record entered the chain since the check, say)
    undoes every row and is reported like a validation error."""
    labels = {"level": "Mức đạt được", "score": "Điểm KTĐK", "comment": "Nhận xét"}
    try:
        with write_tx():
            for rownum, pupil, changed in report.rows:
                for field, value in changed.items():
                    try:
                        entry.save(user, klass, pupil.id, cp, field, "" if value is None else value,
                                        subject=subject)
                    except ServiceError as err:
                        label = "Mã học sinh" if isinstance(err, freeze.Frozen) else labels[field]
                        raise RowRefused(RowIssue(rownum, label, err.message)) from None
            audit.record("evaluation.imported", klass, user=user,
                         summary=f"Nhập {subject.name} lớp {klass.name} {cp}: {len(report.rows)} dòng")
    except RowRefused as refused:
        report.errors.append(refused.issue)
        report.rows = []
