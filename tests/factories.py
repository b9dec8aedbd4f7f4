"""make_* helpers: build what a test needs in one call, with sensible defaults."""
import datetime as dt
import itertools

from portal.models import Grade, Pupil, School, SchoolClass, Staff, Subject, TeachingAssignment
from portal.services.accounts import users
from portal.services.school.years import current_year, enrol, setup_school

_seq = itertools.count(1)


def make_school(**kw) -> School:
    school = School.current()
    if school:
        return school
    kw.setdefault("name", "Trường Tiểu học Thử Nghiệm")
    kw.setdefault("code", "99000001")
    return setup_school(today=kw.pop("today", dt.date(2026, 11, 22)), **kw)


def make_staff(**kw) -> Staff:
    n = next(_seq)
    kw.setdefault("code", f"T{n:04d}")
    kw.setdefault("full_name", f"Giáo Viên Số {n}")
    return Staff.create(**kw)


def make_user(username=None, roles=None, staff=None, password="demo1234", must_change=False):
    username = username or f"user{next(_seq)}"
    user, _ = users.create_user(None, username, staff, roles or {}, password=password, must_change=must_change)
    return user


def make_class(name="1A", grade=1, homeroom=None) -> SchoolClass:
    make_school()
    return SchoolClass.create(year=current_year(), grade=Grade.get(Grade.number == grade), name=name,
                              homeroom=homeroom)


def make_pupil(klass=None, **kw) -> Pupil:
    n = next(_seq)
    kw.setdefault("code", f"HS{n:06d}")
    kw.setdefault("full_name", f"Nguyễn Văn Số{n}")
    kw.setdefault("gender", 1)
    kw.setdefault("born_on", dt.date(2020, 3, 4))
    pupil = Pupil.create(**kw)
    if klass is not None:
        enrol(pupil, klass, make_school())
    return pupil


def assign(staff, klass, subject_code):
    return TeachingAssignment.create(staff=staff, school_class=klass, subject=Subject.get(Subject.code == subject_code))
