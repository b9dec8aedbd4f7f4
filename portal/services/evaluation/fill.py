"""Điền nhanh: give every pupil of a class who has no level yet the same level, then correct the few who
differ — most of a class shares one level, and one tap beats thirty-five. Undoable.

A fill touches only empty cells, never one a teacher already set; it is refused once the checkpoint is
locked (each change then needs its own reason) and skips the pupils whose record is in the signing chain.
Each cell it sets is a line in the history, like any save; the undo clears exactly those cells that still
hold the filled level.
"""
import json
from dataclasses import dataclass

from portal.db import write_tx
from portal.grading import tt27
from portal.models import EvaluationChange, LevelFill, QualityResult, SubjectResult
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import entry
from portal.services.evaluation.grid import class_pupils
from portal.services.system import audit

FILL_REASON = "Điền nhanh mức {level} cho các ô còn trống"
UNDO_REASON = "Hoàn tác điền nhanh"


@dataclass
class UndoResult:
    cleared: int
    kept: int  # changed by someone since the fill: left as they are


def _check(user, klass, checkpoint: str, subject) -> None:
    if checkpoint not in entry.ALL_CHECKPOINTS:
        raise ServiceError("Thời điểm đánh giá không hợp lệ.")
    if not entry.can_edit(user, klass, subject):
        raise permissions.Forbidden()
    if entry.find_lock(klass, checkpoint) is not None:
        raise ServiceError("Thời điểm này đã khóa sổ: không điền nhanh được; mỗi thay đổi cần lý do riêng và "
                           "được Hiệu trưởng duyệt.")


def _targets(subject):
    """(model, the codes of one pupil's cells) — one subject level, or every quality and competency."""
    if subject is not None:
        return SubjectResult, [""]
    return QualityResult, list(tt27.ALL_QUALITIES)


def _key(klass, checkpoint, subject, pupil_id, code):
    key = {"pupil": pupil_id, "school_class": klass, "checkpoint": checkpoint}
    return {**key, "subject": subject} if subject is not None else {**key, "quality": code}


def _write(model, key, level, user, reason, row):
    old = row.level if row is not None else ""
    if row is None:
        row = model(**key)
    row.level, row.updated_at, row.updated_by = level, utcnow(), user
    row.save()
    EvaluationChange.create(pupil=key["pupil"], school_class=key["school_class"], subject=key.get("subject"),
                            quality=key.get("quality", ""), checkpoint=key["checkpoint"], field="level",
                            old_value=old, new_value=level, reason=reason, changed_by=user)


def empty_count(klass, checkpoint: str, subject=None) -> int:
    """How many cells a fill would set now."""
    model, codes = _targets(subject)
    ids = [p.id for p in class_pupils(klass, checkpoint)]
    q = model.select().where((model.school_class == klass) & (model.checkpoint == checkpoint)
                             & model.pupil.in_(ids) & (model.level != ""))
    q = q.where(model.subject == subject) if subject is not None else q.where(model.quality.in_(codes))
    return len(ids) * len(codes) - q.count()


def fill_levels(user, klass, checkpoint: str, level: str, subject=None) -> LevelFill:
    """Set `level` in every empty level cell of the class (a subject's, or every quality's)."""
    _check(user, klass, checkpoint, subject)
    allowed = tt27.SUBJECT_LEVELS if subject is not None else tt27.QUALITY_LEVELS
    if level not in allowed:
        raise ServiceError("Mức không hợp lệ: chỉ nhận " + ", ".join(f"{k} ({v})" for k, v in allowed.items()) + ".")
    from portal.services.records.chain import frozen  # late: signing builds on the evaluation services

    model, codes = _targets(subject)
    pupils = class_pupils(klass, checkpoint)
    with write_tx():
        _check(user, klass, checkpoint, subject)  # again inside: a lock may have come in between
        open_pupils = [p for p in pupils if frozen(p, klass) is None]
        q = model.select().where((model.school_class == klass) & (model.checkpoint == checkpoint)
                                 & model.pupil.in_([p.id for p in open_pupils]))
        q = q.where(model.subject == subject) if subject is not None else q.where(model.quality.in_(codes))
        rows = {(r.pupil_id, "" if subject is not None else r.quality): r for r in q}
        reason = FILL_REASON.format(level=level)
        cells = []
        for p in open_pupils:
            for code in codes:
                row = rows.get((p.id, code))
                if row is not None and row.level:
                    continue
                _write(model, _key(klass, checkpoint, subject, p.id, code), level, user, reason, row)
                cells.append([p.id, code])
        if not cells:
            raise ServiceError("Không còn ô nào trống để điền.")
        fill = LevelFill.create(user=user, school_class=klass, subject=subject, checkpoint=checkpoint, level=level,
                                cells=json.dumps(cells))
        what = subject.name if subject is not None else "phẩm chất, năng lực"
        audit.record("evaluation.filled", fill, user=user,
                     summary=f"Điền nhanh mức {level} — {what} lớp {klass.name} {checkpoint}: {len(cells)} ô",
                     cells=len(cells))
    return fill


def undo_fill(user, fill: LevelFill) -> UndoResult:
    """Clear the cells this fill set that still hold its level; the others were changed since and stay."""
    klass = fill.school_class
    if fill.user_id != user.id:
        raise permissions.Forbidden()
    from portal.services.records.chain import frozen

    model, _ = _targets(fill.subject)
    with write_tx():
        fill = LevelFill.get_by_id(fill.id)
        if fill.undone_at is not None:
            raise ServiceError("Lần điền nhanh này đã được hoàn tác.")
        _check(user, klass, fill.checkpoint, fill.subject)
        cleared = kept = 0
        cells = json.loads(fill.cells)
        frozen_pupils = {pid for pid in {pid for pid, _ in cells} if frozen(pid, klass) is not None}
        for pupil_id, code in cells:
            key = _key(klass, fill.checkpoint, fill.subject, pupil_id, code)
            row = model.get_or_none(**key)
            if row is None or row.level != fill.level or pupil_id in frozen_pupils:
                kept += 1
                continue
            _write(model, key, "", user, UNDO_REASON, row)
            cleared += 1
        fill.undone_at = utcnow()
        fill.save()
        audit.record("evaluation.fill_undone", fill, user=user,
                     summary=f"Hoàn tác điền nhanh mức {fill.level} lớp {klass.name} {fill.checkpoint}: "
                             f"xóa {cleared} ô, giữ {kept} ô đã sửa sau đó", cleared=cleared, kept=kept)
    return UndoResult(cleared, kept)


@dataclass
class FillState:
    """What the fill bar offers on an entry page."""

    target: str  # "s<subject id>" or "q"
    empty: int
    options: dict
    undo: LevelFill | None


def fill_state(user, klass, checkpoint: str, subject=None) -> FillState | None:
    """The fill bar for this page, or None when this user may not fill here (not theirs, or locked)."""
    if not entry.can_edit(user, klass, subject) or entry.find_lock(klass, checkpoint) is not None:
        return None
    undo = (LevelFill.select().where((LevelFill.user == user.id) & (LevelFill.school_class == klass)
                                     & (LevelFill.checkpoint == checkpoint) & LevelFill.undone_at.is_null()
                                     & ((LevelFill.subject == subject) if subject is not None
                                        else LevelFill.subject.is_null()))
            .order_by(LevelFill.id.desc()).first())
    return FillState(f"s{subject.id}" if subject is not None else "q", empty_count(klass, checkpoint, subject),
                     tt27.SUBJECT_LEVELS if subject is not None else tt27.QUALITY_LEVELS, undo)


def fill_count(fill: LevelFill) -> int:
    return len(json.loads(fill.cells))
