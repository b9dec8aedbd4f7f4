"""A THCS (or THPT) class with its teachers, for the secondary tests."""
import datetime as dt

from portal.db import db
from portal.models import ScoreEntry, Subject, TermConduct
from portal.services.evaluation.secondary.electives import subjects_of
from tests.factories import assign, make_class, make_pupil, make_school, make_staff, make_user


def thcs_class(pupils=3):
    make_school(name="Trường THCS Thử Nghiệm", level="THCS", homeroom_enters_all_subjects=False)
    homeroom, maths = make_staff(full_name="Trần Chủ Nhiệm"), make_staff(full_name="Lê Dạy Toán")
    klass = make_class("6A", grade=6, homeroom=homeroom)
    assign(maths, klass, "TOAN")
    users = {"gvcn": make_user("gvcn.6a", staff=homeroom), "toan": make_user("toan.6a", staff=maths),
             "other": make_user("khac.6a", staff=make_staff()), "board": make_user("ht", roles={"principal": True})}
    kids = [make_pupil(klass, born_on=dt.date(2014, 1, 2)) for _ in range(pupils)]
    return klass, users, kids


THPT_ELECTIVES = ("VL", "HH", "SH", "TIN", "DL")


def thpt_class(pupils=3):
    """A grade-10 class taught five electives (a pupil learns four of them), a teacher per elective."""
    make_school(name="Trường THPT Thử Nghiệm", level="THPT", homeroom_enters_all_subjects=False)
    homeroom = make_staff(full_name="Trần Chủ Nhiệm")
    klass = make_class("10A", grade=10, homeroom=homeroom)
    users = {"gvcn": make_user("gvcn.10a", staff=homeroom), "admin": make_user("quantri", roles={"admin": True}),
             "board": make_user("ht", roles={"principal": True})}
    for code in ("TOAN", *THPT_ELECTIVES):
        teacher = make_staff(full_name=f"Giáo Viên {code}")
        assign(teacher, klass, code)
        users[code] = make_user(f"gv.{code.lower()}", staff=teacher)
    kids = [make_pupil(klass, born_on=dt.date(2010, 1, 2)) for _ in range(pupils)]
    return klass, users, kids


def fill_pupil(klass, pupil, score="7.0", overrides=None, conduct=("T", "T"), absences=(1, 1)):
    """Every assessment of both semesters in the subjects the pupil learns: `score` for scored subjects (or
    overrides[code]), Đ for comment ones."""
    overrides = overrides or {}
    rows = []
    for subject, gs in subjects_of(klass, pupil):
        from portal.services.evaluation.secondary.entry import slots_for
        for term in ("HK1", "HK2"):
            for slot in slots_for(subject, gs, term):
                value = overrides.get(subject.code, score) if subject.assessment == "score" else overrides.get(subject.code, "D")
                rows.append(dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot=slot, value=value))
    with db.atomic():
        ScoreEntry.insert_many(rows).execute()
        for term, level, n in zip(("HK1", "HK2"), conduct, absences):
            TermConduct.create(pupil=pupil, school_class=klass, term=term, conduct=level, absences=n)


def subject(code, level="THCS"):
    return Subject.get((Subject.code == code) & (Subject.level == level))
