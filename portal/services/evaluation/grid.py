"""What the entry screens show: cells for a class × subject × checkpoint, the qualities, one pupil."""
from dataclasses import dataclass

from portal.grading import tt27
from portal.services.accounts import permissions
from portal.services.evaluation import comments, entry, results
from portal.services.school.years import class_roster


@dataclass
class CellView:
    dom_id: str
    class_id: int
    pupil_id: int
    checkpoint: str
    field: str
    value: object
    subject_id: int | None = None
    quality: str = ""
    state: str = "saved"
    message: str = ""
    reason: str = ""
    label: str = ""
    editable: bool = True
    group: str = ""  # quality group (pc, nlc, nldt) for quality cells

    @property
    def target(self):
        return f"s{self.subject_id}" if self.subject_id else f"q{self.quality}"

    @property
    def kind(self):
        return "subject" if self.subject_id else "quality"

    @property
    def options(self):
        return tt27.SUBJECT_LEVELS if self.subject_id else tt27.QUALITY_LEVELS

    @property
    def text(self):
        return "" if self.value is None else str(self.value)

    @property
    def header(self):
        """The id of the column header naming this cell in a grid (with the pupil's name: its label)."""
        return f"h-{self.target}-{self.field}"


def _dom_id(pupil_id, target, field):
    return f"c-{pupil_id}-{target}-{field}"


SUBJECT_FIELD_LABELS = {"level": "Mức đạt được", "score": "Điểm KTĐK", "comment": "Nhận xét"}


def cell_label(field: str, quality: str | None = None) -> str:
    """What a cell is called on screen: the same words when the page is drawn and after each save."""
    if not quality:
        return SUBJECT_FIELD_LABELS.get(field, field)
    if quality in tt27.QUALITY_GROUPS:
        return f"Nhận xét — {tt27.QUALITY_GROUPS[quality][0].lower()}"
    return tt27.ALL_QUALITIES.get(quality, quality)


def quality_group_of(quality: str) -> str:
    if quality in tt27.QUALITY_GROUPS:
        return quality
    return next((g for g, (_, items) in tt27.QUALITY_GROUPS.items() if quality in items), "")


def cell_view(klass, cp, pupil, field, value, *, subject=None, quality=None, state="saved", message="",
              reason="", editable=True) -> CellView:
    target = f"s{subject.id}" if subject is not None else f"q{quality}"
    return CellView(_dom_id(pupil.id if pupil else 0, target, field), klass.id, pupil.id if pupil else 0, cp, field,
                    value, subject_id=subject.id if subject else None, quality=quality or "", state=state,
                    message=message, reason=reason, label=cell_label(field, None if subject else quality),
                    editable=editable, group="" if subject is not None else quality_group_of(quality or ""))


def class_pupils(klass, cp):
    """The pupils entered at this checkpoint, in roster order (the summer checkpoint: only CHT pupils)."""
    pupils = class_roster(klass)
    if cp == entry.SUPPLEMENTARY:  # only the pupils who did not complete the grade
        _, rows, _ = results.class_summary(klass, "CN")
        cht = {r.pupil.id for r in rows if r.outcome == "CHT"}
        pupils = [p for p in pupils if p.id in cht]
    return pupils


def _subject_cells(klass, cp, subject, pupil, res, tested):
    r = res.get((pupil.id, subject.id, cp))
    cells = [cell_view(klass, cp, pupil, "level", r.level if r else "", subject=subject)]
    if tested:
        cells.append(cell_view(klass, cp, pupil, "score", r.score if r else None, subject=subject))
    cells.append(cell_view(klass, cp, pupil, "comment", r.comment if r else "", subject=subject))
    return cells


def _quality_cells(klass, cp, pupil, res):
    cells = []
    for group, (_, items) in tt27.QUALITY_GROUPS.items():
        for code in items:
            r = res.get((pupil.id, code, cp))
            cells.append(cell_view(klass, cp, pupil, "level", r.level if r else "", quality=code))
        r = res.get((pupil.id, group, cp))
        cells.append(cell_view(klass, cp, pupil, "comment", r.comment if r else "", quality=group))
    return cells


def grid_context(user, klass, cp, subject=None, all_subjects=False) -> dict:
    pupils = class_pupils(klass, cp)
    ctx = {"klass": klass, "cp": cp, "pupils": pupils, "lock": entry.find_lock(klass, cp), "subject": subject}
    if all_subjects:
        infos = results.grade_subjects(klass)
        res = results.subject_results(klass, [cp])
        cols = []
        for info in infos:
            editable = permissions.can_enter_subject(user, klass, info.subject)
            cols.append((info, cp in info.tested or (cp == "BS" and "CN" in info.tested), editable))
        rows = []
        for p in pupils:
            cells = []
            for info, tested, editable in cols:
                r = res.get((p.id, info.subject.id, cp))
                cells.append(cell_view(klass, cp, p, "level", r.level if r else "", subject=info.subject,
                                       editable=editable))
                if tested:
                    cells.append(cell_view(klass, cp, p, "score", r.score if r else None, subject=info.subject,
                                           editable=editable))
            rows.append((p, cells))
        ctx.update(columns=cols, rows=rows)
        return ctx
    if subject is not None:
        tested = entry.tested_at(klass, subject, cp)
        res = results.subject_results(klass, [cp], subject)
        rows = [(p, _subject_cells(klass, cp, subject, p, res, tested)) for p in pupils]
        levels = {p.id: cells[0].value for p, cells in rows}
        texts = {p.id: cells[-1].value for p, cells in rows}
        ctx.update(rows=rows, tested=tested, bank=comments.bank_for(user, subject),
                   warnings=comments.comment_warnings(pupils, levels, texts))
        return ctx
    res = results.quality_results(klass, [cp])
    rows = [(p, _quality_cells(klass, cp, p, res)) for p in pupils]
    ctx.update(rows=rows, groups=tt27.QUALITY_GROUPS,
               bank={g: comments.bank_for(user, None, g) for g in tt27.QUALITY_GROUPS})
    return ctx


def entry_tabs(user, klass) -> list:
    """What this user enters for a pupil of this class, in the order a teacher works: the subjects in
    curriculum order, then (for the homeroom teacher) the qualities and competencies, as None."""
    tabs = [info.subject for info in results.grade_subjects(klass) if permissions.can_enter_subject(user, klass, info.subject)]
    if permissions.is_homeroom_of(user, klass):
        tabs.append(None)
    return tabs


def pupil_context(user, klass, cp, pupil_id, subject=None) -> dict | None:
    pupils = class_pupils(klass, cp)
    ids = [p.id for p in pupils]
    if pupil_id not in ids:
        return None
    i = ids.index(pupil_id)
    pupil = pupils[i]
    if subject is not None:
        tested = entry.tested_at(klass, subject, cp)
        cells = _subject_cells(klass, cp, subject, pupil, results.subject_results(klass, [cp], subject), tested)
        bank = comments.bank_for(user, subject)
    else:
        cells = _quality_cells(klass, cp, pupil, results.quality_results(klass, [cp]))
        bank = {g: comments.bank_for(user, None, g) for g in tt27.QUALITY_GROUPS}
    tabs = entry_tabs(user, klass)
    here = tabs.index(subject) if subject in tabs else -1
    return {"klass": klass, "cp": cp, "pupil": pupil, "cells": cells, "subject": subject, "bank": bank,
            "index": i, "count": len(ids), "prev_id": ids[i - 1] if i > 0 else None,
            "next_id": ids[i + 1] if i + 1 < len(ids) else None, "lock": entry.find_lock(klass, cp),
            "prev_tab": tabs[here - 1] if here > 0 else False, "next_tab": tabs[here + 1] if 0 <= here < len(tabs) - 1 else False,
            "tabs": tabs}
