"""Secondary evaluations (TT22/2021): the assessments of a pupil × subject × semester, and rèn luyện.

Glossary: regular assessment = đánh giá thường xuyên (ĐĐGtx, slots tx1…tx4); mid-term / end-of-term =
giữa kì / cuối kì (gk, ck); teacher's comment = nhận xét (nx); re-test = kiểm tra lại (rt, summer);
make-up = kiểm tra bù; conduct = rèn luyện (T/K/D/CD); absences = số buổi nghỉ học.
Terms are "HK1", "HK2" and "HE" (the summer: re-tests, re-assessed rèn luyện). Locks, change requests and
the history are the shared EvaluationLock / ChangeRequest / EvaluationChange rows with these terms.
"""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from .accounts import User
from .base import BaseModel, NFCCharField, NFCTextField, utcnow
from .people import Pupil
from .school import SchoolClass, Subject

TERMS = {"HK1": "Học kì I", "HK2": "Học kì II", "HE": "Hè (kiểm tra lại, rèn luyện hè)"}
MAKEUPS = {"": "", "bu": "Kiểm tra bù", "khong": "Không kiểm tra bù"}


class ScoreEntry(BaseModel):
    """One assessment of a pupil in a subject and semester: a score ("8.5") or a result ("D"/"CD"), or
    the teacher's comment (slot nx). `makeup`: bu = the value is a make-up; khong = no make-up, 0 / CĐ
    with `makeup_reason`."""

    pupil = ForeignKeyField(Pupil, backref="score_entries", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="score_entries", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="score_entries", on_delete="CASCADE")
    term = NFCCharField()
    slot = NFCCharField()
    value = NFCTextField(default="")
    makeup = NFCCharField(default="")
    makeup_reason = NFCTextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "score_entry"
        indexes = ((("school_class", "subject", "term", "pupil", "slot"), True),)


class TermConduct(BaseModel):
    """Rèn luyện and absences of a pupil in a semester, entered by the homeroom teacher; HE: the summer
    re-assessment of rèn luyện."""

    pupil = ForeignKeyField(Pupil, backref="term_conducts", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="term_conducts", on_delete="CASCADE")
    term = NFCCharField()
    conduct = NFCCharField(default="")
    absences = IntegerField(null=True)
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "term_conduct"
        indexes = ((("school_class", "term", "pupil"), True),)


class YearRemark(BaseModel):
    """The homeroom teacher's lines on a pupil's year summary page (TT22 annex, TT22.md §13 item 5;
    Điều 20 k.4 a): the comment on rèn luyện and học tập (nhận xét của giáo viên chủ nhiệm), the
    certificates (chứng chỉ) and the competition results (kết quả tham gia các cuộc thi), one a line."""

    pupil = ForeignKeyField(Pupil, backref="year_remarks", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="year_remarks", on_delete="CASCADE")
    homeroom_comment = NFCTextField(default="")
    certificates = NFCTextField(default="")
    competitions = NFCTextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "year_remark"
        indexes = ((("school_class", "pupil"), True),)


class ElectiveOptOut(BaseModel):
    """A pupil who does not learn one of the elective or optional subjects taught in their class (THPT:
    each pupil chooses their môn lựa chọn). No row: the pupil learns every such subject the class is taught,
    so a class whose electives were set for the whole class reads as before."""

    pupil = ForeignKeyField(Pupil, backref="elective_opt_outs", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="elective_opt_outs", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="elective_opt_outs", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "elective_opt_out"
        indexes = ((("school_class", "pupil", "subject"), True),)
