"""Evaluations through the year (TT27 primary; the same shape carries TT22 scores later).

Glossary: checkpoint = thời điểm đánh giá (GK1, CK1, GK2, CN); level = mức đạt được; score = điểm bài
kiểm tra định kì; comment = nhận xét; quality = phẩm chất / năng lực; lock = khóa sổ; change request =
đề nghị sửa đổi (needs the principal's approval after a lock, seed 004); level fill = điền nhanh.
"""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from .accounts import User
from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .people import Pupil
from .school import Grade, SchoolClass, SchoolYear, Subject


class SubjectResult(BaseModel):
    pupil = ForeignKeyField(Pupil, backref="subject_results", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="subject_results", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="results", on_delete="CASCADE")
    checkpoint = NFCCharField()
    level = NFCCharField(default="")
    score = IntegerField(null=True)
    comment = NFCTextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("school_class", "subject", "checkpoint", "pupil"), True),)


class QualityResult(BaseModel):
    """A quality/competency level with its comment; a group code (pc, nlc, nldt) holds the group's comment."""

    pupil = ForeignKeyField(Pupil, backref="quality_results", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="quality_results", on_delete="CASCADE")
    quality = NFCCharField()
    checkpoint = NFCCharField()
    level = NFCCharField(default="")
    comment = NFCTextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("school_class", "checkpoint", "pupil", "quality"), True),)


class YearResult(BaseModel):
    """The end-of-year result of a pupil in a class: outcome, awards, and the CHT path."""

    pupil = ForeignKeyField(Pupil, backref="year_results", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="year_results", on_delete="CASCADE")
    outcome = NFCCharField(default="")  # HTXS / HTT / HT / CHT, '' while incomplete
    awards = NFCTextField(default="")  # one award per line (Điều 13)
    supplementary_outcome = NFCCharField(default="")  # after đánh giá bổ sung
    decision = NFCCharField(default="")  # '' | promote (lên lớp) | repeat (ở lại lớp)
    decision_note = NFCTextField(default="")
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("pupil", "school_class"), True),)

    @classmethod
    def of(cls, pupil, klass):
        """The pupil's year result in the class, or None."""
        return cls.get_or_none((cls.pupil == pupil) & (cls.school_class == klass))


class EvaluationLock(BaseModel):
    """The principal locked a checkpoint for the school (no grade, no class), a grade, or a class."""

    year = ForeignKeyField(SchoolYear, backref="locks", on_delete="CASCADE")
    checkpoint = NFCCharField()
    grade = ForeignKeyField(Grade, null=True, on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE")
    locked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    locked_at = DateTimeField(default=utcnow)

    @classmethod
    def of_year(cls, year):
        """The year's locks, newest first."""
        return cls.select().where(cls.year == year).order_by(cls.locked_at.desc())

class ChangeRequest(BaseModel):
    """A change to a locked evaluation, waiting for the principal (seed 004: written approval)."""

    pupil = ForeignKeyField(Pupil, on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="change_requests", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")
    quality = NFCCharField(default="")
    checkpoint = NFCCharField()
    field = NFCCharField()  # level | score | comment
    old_value = NFCTextField(default="")
    new_value = NFCTextField(default="")
    reason = NFCTextField()
    requested_by = ForeignKeyField(User, backref="change_requests", on_delete="CASCADE")
    requested_at = DateTimeField(default=utcnow)
    status = NFCCharField(default="pending", index=True)  # pending | approved | rejected
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decision_note = NFCTextField(default="")

    @classmethod
    def pending(cls):
        """Requests awaiting the principal, oldest first."""
        return cls.select().where(cls.status == "pending").order_by(cls.requested_at)

class EvaluationChange(BaseModel):
    """Every change to an evaluation: who, when, old → new, why."""

    pupil = ForeignKeyField(Pupil, on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="evaluation_changes", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")
    quality = NFCCharField(default="")
    checkpoint = NFCCharField()
    field = NFCCharField()
    old_value = NFCTextField(default="")
    new_value = NFCTextField(default="")
    reason = NFCTextField(default="")
    changed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    changed_at = DateTimeField(default=utcnow, index=True)
    request = ForeignKeyField(ChangeRequest, null=True, on_delete="SET NULL")

    @classmethod
    def history(cls, year, limit: int, class_id=None, user_id=None, pupil=""):
        """The year's changes, newest first: of one class, by one user, of pupils named (or coded) `pupil`."""
        q = cls.select().join(SchoolClass).where(SchoolClass.year == year).order_by(cls.changed_at.desc())
        if class_id:
            q = q.where(cls.school_class == class_id)
        if user_id:
            q = q.where(cls.changed_by == user_id)
        if pupil:
            q = q.switch(cls).join(Pupil).where(Pupil.full_name.contains(pupil) | (Pupil.code == pupil))
        return q.limit(limit)


class LevelFill(BaseModel):
    """A bulk "fill the empty levels with H" over a class (điền nhanh), kept so it can be undone.

    `cells` is JSON: [[pupil id, quality code or ""], ...], the cells this fill set."""

    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    school_class = ForeignKeyField(SchoolClass, backref="level_fills", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")  # null: the qualities and competencies
    checkpoint = NFCCharField()
    level = NFCCharField()
    cells = NFCTextField(default="[]")
    created_at = DateTimeField(default=utcnow)
    undone_at = DateTimeField(null=True)


class CommentTemplate(BaseModel):
    """A comment-bank entry: shared (no owner) or a teacher's own; {ten} stands for the pupil's given name."""

    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")  # null: qualities and competencies
    quality_group = NFCCharField(default="")  # pc | nlc | nldt for quality comments
    level = NFCCharField(default="")  # T/H/C (subjects) or T/Đ/C (qualities); '' = any
    text = NFCTextField()
    owner = ForeignKeyField(User, null=True, backref="comment_templates", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
