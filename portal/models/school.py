"""The school, its years, terms, calendar, grades, classes and curriculum.

Glossary: school year = năm học; term = học kì; grade = khối/lớp (1–12); class = lớp (1A);
homeroom teacher = giáo viên chủ nhiệm; subject = môn học / hoạt động giáo dục;
periodic test = bài kiểm tra định kì; place of issue = địa danh phát hành (diadanhphathanh).
"""
from peewee import BooleanField, DateField, ForeignKeyField, IntegerField

from .base import BaseModel, NFCCharField, NFCTextField
from .prepared import Prepared
from .people import Staff

# Cấp học: the codes are the values, the labels are shown.
LEVELS = {"TH": "Tiểu học", "THCS": "Trung học cơ sở", "THPT": "Trung học phổ thông"}
LEVEL_GRADES = {"TH": range(1, 6), "THCS": range(6, 10), "THPT": range(10, 13)}
SECONDARY = ("THCS", "THPT")


def school_levels(level: str) -> list[str]:
    """The levels of a school's `level` setting: one code, or several joined by "," (a multi-level school)."""
    return [code for code in (part.strip() for part in (level or "TH").split(",")) if code in LEVELS] or ["TH"]

# How a subject is evaluated: TT27 levels T/H/C; TT22 comment-only (Đạt/Chưa đạt) or comment and score.
ASSESSMENTS = {
    "level": "Mức đạt được (T/H/C)",
    "comment": "Nhận xét (Đạt/Chưa đạt)",
    "score": "Nhận xét và điểm số",
}
SUBJECT_KINDS = {"subject": "Môn học", "activity": "Hoạt động giáo dục"}
CHECKPOINTS = {"GK1": "Giữa học kì I", "CK1": "Cuối học kì I", "GK2": "Giữa học kì II", "CN": "Cuối năm học"}


class School(BaseModel):
    name = NFCCharField()
    code = NFCCharField(unique=True)  # mã trường
    level = NFCCharField(default="TH")  # cấp học
    department = NFCCharField(default="")  # Sở GD&ĐT
    authority = NFCCharField(default="")  # Phòng GD&ĐT (blank for THPT)
    province = NFCCharField(default="")
    place_of_issue = NFCCharField(default="")  # diadanhphathanh
    address = NFCCharField(default="")
    phone = NFCCharField(default="")
    email = NFCCharField(default="")
    # UNCONFIRMED: primary schools often let the homeroom teacher enter every subject (seed 001).
    homeroom_enters_all_subjects = BooleanField(default=True)
    tax_code = NFCCharField(default="")  # mã số thuế (MST): named in the organisation certificate
    # SHA-256 of the organisation certificate the administrator registered as the school's seal.
    seal_cert_sha256 = NFCCharField(default="")

    @classmethod
    def current(cls):
        return cls.select().order_by(cls.id).first()


class SchoolYear(BaseModel):
    school = ForeignKeyField(School, backref="years", on_delete="CASCADE")
    name = NFCCharField(unique=True)  # "2026-2027"
    starts_on = DateField()
    ends_on = DateField()
    is_current = BooleanField(default=False)

    @classmethod
    def current(cls):
        return cls.select().where(cls.is_current == True).first()  # noqa: E712

    @classmethod
    def newest_first(cls):
        return cls.select().order_by(cls.name.desc())

    def __str__(self):
        return self.name


class Term(BaseModel):
    year = ForeignKeyField(SchoolYear, backref="terms", on_delete="CASCADE")
    number = IntegerField()  # 1 or 2
    starts_on = DateField()
    ends_on = DateField()

    class Meta:
        indexes = ((("year", "number"), True),)


class CalendarDate(BaseModel):
    """A configurable date of the school calendar (deadline, lock, signing window, wave)."""

    year = ForeignKeyField(SchoolYear, backref="calendar", on_delete="CASCADE")
    kind = NFCCharField()
    on = DateField()
    grade = IntegerField(null=True)  # a date for one grade only (grades 9 and 12 sign earlier)
    note = NFCCharField(default="")

    class Meta:
        indexes = ((("year", "kind", "grade"), True),)

    @classmethod
    def of_year(cls, year):
        """The year's dates in calendar order."""
        return cls.select().where(cls.year == year).order_by(cls.on)


class Grade(BaseModel):
    number = IntegerField(unique=True)
    level = NFCCharField()

    @property
    def name(self):
        return f"Khối {self.number}"

    @classmethod
    def of_levels(cls, levels):
        """The grades of these levels (codes of LEVELS), in order."""
        numbers = [n for code in levels for n in LEVEL_GRADES[code]]
        return cls.select().where(cls.number.in_(numbers)).order_by(cls.number)

    @classmethod
    def of_year(cls, year):
        """The grades that have a class in this school year."""
        return cls.select().where(cls.id.in_(SchoolClass.select(SchoolClass.grade).where(SchoolClass.year == year)))

    @classmethod
    def numbers(cls) -> dict[int, int]:
        """Grade id → grade number."""
        return {g.id: g.number for g in cls.select()}


class Subject(BaseModel):
    code = NFCCharField()  # unique within a level: a multi-level school has a primary and a secondary TOAN
    name = NFCCharField()
    level = NFCCharField(default="TH")
    kind = NFCCharField(default="subject")
    assessment = NFCCharField(default="level")
    ministry_code = NFCCharField(default="")  # mamonhoc
    sort_order = IntegerField(default=0)

    class Meta:
        indexes = ((("level", "code"), True),)

    def __str__(self):
        return self.name

    @classmethod
    def of_levels(cls, levels):
        """The subjects of these levels, in their printed order."""
        return cls.select().where(cls.level.in_(levels)).order_by(cls.sort_order)

    @classmethod
    def of_grade(cls, grade):
        """The subjects taught in a grade, in their printed order."""
        return cls.select().join(GradeSubject).where(GradeSubject.grade == grade).order_by(cls.sort_order)


class GradeSubject(BaseModel):
    """A subject taught in a grade: whether optional and at which checkpoints it has a periodic test."""

    grade = ForeignKeyField(Grade, backref="subjects", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="grades", on_delete="CASCADE")
    is_optional = BooleanField(default=False)
    tested_at = NFCCharField(default="")  # comma-separated checkpoints, e.g. "CK1,CN"
    periods = IntegerField(default=0)  # TT22: tiết/năm học, sets the ĐĐGtx count (tt22.regular_count)
    group = NFCCharField(default="")  # TT22: compulsory | elective | optional (curriculum file)

    class Meta:
        indexes = ((("grade", "subject"), True),)

    @property
    def tested_checkpoints(self) -> list[str]:
        return [c for c in self.tested_at.split(",") if c]

    @classmethod
    def offered(cls, grade_id, subject_id) -> "GradeSubject | None":
        """How this grade teaches this subject, with the subject itself (one query), or None."""
        return _OFFERED.first(grade_id, subject_id)

    @classmethod
    def of_subject(cls, subject) -> dict:
        """Grade id → where this subject is taught."""
        return {gs.grade_id: gs for gs in cls.select().where(cls.subject == subject)}

    @classmethod
    def matrix(cls) -> dict:
        """(subject id, grade id) → where each subject is taught."""
        return {(gs.subject_id, gs.grade_id): gs for gs in cls.select()}


class SchoolClass(BaseModel):
    year = ForeignKeyField(SchoolYear, backref="classes", on_delete="CASCADE")
    grade = ForeignKeyField(Grade, backref="classes")
    name = NFCCharField()
    homeroom = ForeignKeyField(Staff, null=True, backref="homeroom_classes", on_delete="SET NULL")
    note = NFCTextField(default="")

    class Meta:
        table_name = "school_class"
        indexes = ((("year", "name"), True),)

    def __str__(self):
        return self.name

    @classmethod
    def of_year(cls, year):
        """The classes of a school year with their grade, ordered by grade then name."""
        return cls.select(cls, Grade).join(Grade).where(cls.year == year).order_by(Grade.number, cls.name)

    @classmethod
    def of_pupil(cls, pupil, year):
        """The class the pupil is enrolled in for that school year, or None."""
        from .enrolment import Enrolment  # enrolment.py imports this module

        return cls.select().join(Enrolment).where((Enrolment.pupil == pupil) & (cls.year == year)).first()


_OFFERED = Prepared(lambda grade, subject: GradeSubject.select(GradeSubject, Subject).join(Subject)
                    .where((GradeSubject.grade == grade) & (GradeSubject.subject == subject)).limit(1))
