"""What the secondary entry screens show: a class × subject × term grid, a conduct grid, one pupil."""
from dataclasses import dataclass

from portal.models import TERMS, Pupil, SchoolClass, ScoreEntry, Subject, TermConduct, User
from portal.services.accounts import permissions
from portal.services.evaluation.entry import find_lock
from portal.services.records import freeze
from portal.services.evaluation.secondary.electives import subject_roster
from portal.services.school.years import class_roster
from portal.services.evaluation.secondary.entry import (
    CONDUCT_FIELDS, SLOT_LABELS, can_enter, display, grade_subject, slots_for,
)


@dataclass
class Cell:
    """One secondary cell: `target` is s<subject id> for an assessment, c for rèn luyện / absences."""

    class_id: int
    pupil_id: int
    term: str
    target: str
    slot: str
    text: str = ""
    state: str = "saved"
    message: str = ""
    reason: str = ""
    editable: bool = True
    makeup: str = ""
    makeup_reason: str = ""

    @property
    def dom_id(self):
        return f"k-{self.pupil_id}-{self.target}-{self.slot}"

    @property
    def header(self):
        return f"h-{self.target}-{self.slot}"

    @property
    def label(self):
        return SLOT_LABELS.get(self.slot) or CONDUCT_FIELDS.get(self.slot, self.slot)

    @property
    def kind(self):
        return "comment" if self.slot == "nx" else ("level" if self.slot == "conduct" else "score")


def _frozen_ids(klass) -> set:
    return {rv.pupil_id for rv in freeze.class_records(klass)}


def score_grid(user: User, klass: SchoolClass, subject: Subject, term: str) -> dict:
    """The grid: one row per pupil who learns the subject, every assessment column of the term and the
    comment; a fixed number of queries whatever the class size."""
    gs = grade_subject(klass, subject)
    slots = slots_for(subject, gs, term) + ([] if term == "HE" else ["nx"])
    editable = can_enter(user, klass, subject)
    entries = {(e.pupil_id, e.slot): e for e in ScoreEntry.select().where(
        (ScoreEntry.school_class == klass) & (ScoreEntry.subject == subject) & (ScoreEntry.term == term))}
    frozen = _frozen_ids(klass)
    rows, todo = [], 0
    for pupil in subject_roster(klass, subject):  # a pupil who does not learn this elective is not listed
        cells = []
        for slot in slots:
            e = entries.get((pupil.id, slot))
            cells.append(Cell(klass.id, pupil.id, term, f"s{subject.id}", slot, display(subject, slot, e.value if e else ""),
                              editable=editable and pupil.id not in frozen, makeup=e.makeup if e else "",
                              makeup_reason=e.makeup_reason if e else ""))
        missing = [c.label for c in cells if c.slot not in ("nx", "rt") and not c.text]
        todo += len(missing)
        rows.append((pupil, cells, missing))
    return dict(klass=klass, subject=subject, term=term, terms=TERMS, slots=slots, labels=SLOT_LABELS, rows=rows,
                todo=todo, lock=find_lock(klass, term), periods=gs.periods, editable=editable)


def conduct_grid(user: User, klass: SchoolClass, term: str) -> dict:
    fields = ["conduct"] if term == "HE" else ["conduct", "absences"]
    rows_by = {r.pupil_id: r for r in TermConduct.select().where(
        (TermConduct.school_class == klass) & (TermConduct.term == term))}
    editable, frozen = permissions.is_homeroom_of(user, klass), _frozen_ids(klass)
    rows = []
    for pupil in class_roster(klass):
        r = rows_by.get(pupil.id)
        cells = [Cell(klass.id, pupil.id, term, "c", f, conduct_text(f, getattr(r, f) if r else None),
                      editable=editable and pupil.id not in frozen) for f in fields]
        rows.append((pupil, cells, []))
    return dict(klass=klass, term=term, terms=TERMS, slots=fields, labels=CONDUCT_FIELDS, rows=rows,
                lock=find_lock(klass, term), editable=editable)


def conduct_text(field: str, value) -> str:
    if value is None or value == "":
        return ""
    return {"D": "Đ", "CD": "CĐ"}.get(value, value) if field == "conduct" else str(value)


def cell_after_save(klass, pupil_id, term, target, slot, text, subject: Subject | None, **state) -> Cell:
    if subject is not None and state.get("state") in ("saved", None):
        text = display(subject, slot, text)
    elif subject is None and state.get("state") in ("saved", None):
        text = conduct_text(slot, text)
    return Cell(klass.id, pupil_id, term, target, slot, "" if text is None else str(text), **state)


def pupil_card(user: User, klass: SchoolClass, subject: Subject, term: str, pupil_id) -> dict | None:
    """One pupil at a time (phone): the term's cells of one subject, with previous / next."""
    ctx = score_grid(user, klass, subject, term)
    ids = [p.id for p, _, _ in ctx["rows"]]
    if pupil_id not in ids:
        return None
    i = ids.index(pupil_id)
    pupil, cells, missing = ctx["rows"][i]
    return dict(ctx, pupil=pupil, cells=cells, missing=missing, prev_id=ids[i - 1] if i else None,
                next_id=ids[i + 1] if i + 1 < len(ids) else None, position=i + 1, total=len(ids))


def teacher_subjects(user: User, klass: SchoolClass) -> list[Subject]:
    """The subjects this user enters for this class (secondary: the assignments)."""
    from portal.models import TeachingAssignment
    if not user.staff_id:
        return []
    return list(Subject.select().join(TeachingAssignment).where(
        (TeachingAssignment.staff == user.staff_id) & (TeachingAssignment.school_class == klass))
        .order_by(Subject.sort_order))


__all__ = ["Cell", "score_grid", "conduct_grid", "cell_after_save", "pupil_card", "teacher_subjects", "Pupil"]
