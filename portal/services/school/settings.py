"""The school's details, years, calendar, classes, subjects and assignments: administrator writes."""
import datetime as dt

from portal.db import write_tx
from portal.models import (
    CalendarDate, Enrolment, GradeSubject, Pupil, School, SchoolClass, SchoolYear, Staff, Subject, TeachingAssignment, User,
    school_levels,
)

from portal.services import ServiceError
from portal.services.records import freeze
from portal.services.school.years import seed_curriculum
from portal.services.system import audit
from portal.text import clean_line

SCHOOL_FIELDS = ("name", "code", "level", "department", "authority", "province", "place_of_issue", "address",
                 "phone", "email", "homeroom_enters_all_subjects")
PRINTED_SCHOOL_FIELDS = ("name", "code", "level", "department", "authority", "province", "place_of_issue")
PRINTED_SUBJECT_FIELDS = ("name", "kind", "assessment", "ministry_code", "sort_order")


def school_or_none() -> School | None:
    return School.current()


def counts(year: SchoolYear | None) -> dict[str, int]:
    """The administrator's home figures: classes this year, pupils, staff, accounts, pupils to review."""
    return {
        "classes": SchoolClass.select().where(SchoolClass.year == year).count() if year else 0,
        "pupils": Pupil.select().count(),
        "staff": Staff.select().count(),
        "users": User.select().count(),
        "review": Pupil.select().where(Pupil.review_note != "").count(),
    }


def save_school(admin, school: School | None, data: dict) -> School:
    values = {k: data[k] for k in SCHOOL_FIELDS if k in data}
    with write_tx():
        if school is None:
            school = School.create(**values)
            for code in school_levels(school.level):
                seed_curriculum(code)
        else:
            school = School.get_by_id(school.id)
            if any(k in values and values[k] != getattr(school, k) for k in PRINTED_SCHOOL_FIELDS):
                freeze.ensure_none_signing("sửa tên, mã, cấp học, cơ quan quản lý hay địa danh của trường")
            for k, v in values.items():
                setattr(school, k, v)
            school.save()
            for code in school_levels(school.level):
                seed_curriculum(code)  # idempotent: adds the level's grades and subjects if new
        audit.record("school.updated", school, user=admin, summary="Cập nhật thông tin trường")
    return school


def set_calendar(admin, year: SchoolYear, dates: dict[int, dt.date | None]) -> None:
    """Change calendar dates (by row id); a blank date is refused."""
    rows = {c.id: c for c in CalendarDate.select().where(CalendarDate.year == year)}
    with write_tx():
        for cid, on in dates.items():
            row = rows.get(cid)
            if row is None:
                raise ServiceError("Mốc thời gian không thuộc năm học này.")
            if on is None:
                raise ServiceError("Vui lòng nhập ngày cho mọi mốc thời gian.")
            if row.on != on:
                audit.record("calendar.changed", row, user=admin, summary=f"Đổi mốc {row.kind}", old=row.on, new=on)
                row.on = on
                row.save()


def save_class(admin, klass: SchoolClass | None, year: SchoolYear, name: str, grade_id: int, homeroom_id: int) -> SchoolClass:
    name = clean_line(name or "").upper()
    if not name:
        raise ServiceError("Vui lòng nhập tên lớp.", field="name")
    dup = SchoolClass.select().where((SchoolClass.year == year) & (SchoolClass.name == name))
    if klass is not None:
        dup = dup.where(SchoolClass.id != klass.id)
    if dup.exists():
        raise ServiceError(f"Lớp {name} đã có trong năm học {year.name}.", field="name")
    homeroom = Staff.get_or_none(Staff.id == homeroom_id) if homeroom_id else None
    with write_tx():
        if dup.exists():  # again, under the write lock
            raise ServiceError(f"Lớp {name} đã có trong năm học {year.name}.", field="name")
        if klass is not None:
            klass = SchoolClass.get_by_id(klass.id)
            _ensure_class_open(klass, name, int(grade_id), homeroom.id if homeroom else None)
        if klass is None:
            klass = SchoolClass.create(year=year, name=name, grade=grade_id, homeroom=homeroom)
            audit.record("class.created", klass, user=admin, summary=f"Tạo lớp {name}")
        else:
            old = (klass.name, klass.grade_id, klass.homeroom_id)
            klass.name, klass.grade, klass.homeroom = name, grade_id, homeroom
            klass.save()
            Enrolment.update(class_name=name).where(Enrolment.school_class == klass).execute()
            audit.record("class.updated", klass, user=admin, summary=f"Sửa lớp {name}", old=old,
                         new=(name, grade_id, homeroom_id or None))
    return klass


def _ensure_class_open(klass: SchoolClass, name: str, grade_id: int, homeroom_id) -> None:
    """The class name and grade are printed on every record of the class and in each pupil's quá trình học
    tập; the homeroom teacher signs and is named on the record. Refuse changing them while a record shows
    them: name and grade once any record is in the chain or issued, the homeroom teacher while a record
    is in the chain (a replacement may be needed for the summer's second wave, after the first is issued)."""
    if name != klass.name or grade_id != klass.grade_id:
        rows = freeze.class_records(klass)
        if rows:
            raise freeze.Frozen(freeze.class_message(klass, rows, "đổi tên hoặc khối của"), field="name")
    if homeroom_id != klass.homeroom_id:
        rows = freeze.class_records(klass, ("signing",))
        if rows:
            raise freeze.Frozen(freeze.class_message(klass, rows, "đổi giáo viên chủ nhiệm của"), field="homeroom")


def delete_class(admin, klass: SchoolClass) -> None:
    if Enrolment.select().where(Enrolment.school_class == klass).exists():
        raise ServiceError("Lớp đang có học sinh; chuyển học sinh sang lớp khác trước khi xóa.")
    with write_tx():
        audit.record("class.deleted", klass, user=admin, summary=f"Xóa lớp {klass.name}")
        klass.delete_instance(recursive=True)


def add_assignment(admin, klass: SchoolClass, staff_id: int, subject_id: int) -> TeachingAssignment:
    staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.is_active == True))  # noqa: E712
    if staff is None:
        raise ServiceError("Vui lòng chọn giáo viên.", field="staff")
    taught = GradeSubject.select().where((GradeSubject.grade == klass.grade_id) & (GradeSubject.subject == subject_id))
    if not taught.exists():
        raise ServiceError("Môn này không có trong chương trình của khối.", field="subject")
    if TeachingAssignment.select().where((TeachingAssignment.school_class == klass)
                                         & (TeachingAssignment.subject == subject_id)
                                         & (TeachingAssignment.staff == staff)).exists():
        raise ServiceError("Phân công này đã có.", field="subject")
    with write_tx():
        ta = TeachingAssignment.create(staff=staff, school_class=klass, subject=subject_id)
        audit.record("assignment.created", ta, user=admin, summary=f"Phân công {staff.full_name} dạy {ta.subject.name} lớp {klass.name}")
    return ta


def remove_assignment(admin, ta: TeachingAssignment) -> None:
    with write_tx():
        audit.record("assignment.deleted", ta, user=admin, summary=f"Bỏ phân công {ta.staff.full_name} — {ta.subject.name} lớp {ta.school_class.name}")
        ta.delete_instance()


def save_subject(admin, subject: Subject, data: dict, grades: dict[int, tuple[bool, bool, str]]) -> None:
    """Update a subject and where it is taught: grade id → (taught, optional, tested_at)."""
    with write_tx():
        subject = Subject.get_by_id(subject.id)
        # Which grades' records would show a different subject list: where it starts or stops being
        # taught, becomes optional, or is tested at other checkpoints; every grade teaching it when the
        # subject's own printed fields change.
        current = {gs.grade_id: (bool(gs.is_optional), gs.tested_at)
                   for gs in GradeSubject.select().where(GradeSubject.subject == subject)}
        wanted = {g: (bool(optional), tested_at) for g, (taught, optional, tested_at) in grades.items() if taught}
        touched = {g for g in grades if wanted.get(g) != current.get(g)}
        if any(data.get(k) is not None and data[k] != getattr(subject, k) for k in PRINTED_SUBJECT_FIELDS):
            touched |= set(current)
        if touched:
            freeze.ensure_none_signing(f"sửa môn {subject.name}", grades=touched)
        for k in PRINTED_SUBJECT_FIELDS:
            if k in data and data[k] is not None:
                setattr(subject, k, data[k])
        subject.save()
        for grade_id, (taught, optional, tested_at) in grades.items():
            row = GradeSubject.get_or_none((GradeSubject.grade == grade_id) & (GradeSubject.subject == subject))
            if taught and row is None:
                GradeSubject.create(grade=grade_id, subject=subject, is_optional=optional, tested_at=tested_at)
            elif taught:
                row.is_optional, row.tested_at = optional, tested_at
                row.save()
            elif row is not None:
                row.delete_instance()
        audit.record("subject.updated", subject, user=admin, summary=f"Cập nhật môn {subject.name}")
