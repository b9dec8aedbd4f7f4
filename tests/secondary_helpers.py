"""A THCS class with its teachers, for the secondary tests."""
import datetime as dt

from portal.db import db
from portal.models import ScoreEntry, Subject, TermConduct
from portal.services.evaluation.secondary.summary import class_subjects
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


def fill_pupil(klass, pupil, score="7.0", overrides=None, conduct=("T", "T"), absences=(1, 1)):
    """Every assessment of both semesters: `score` for scored subjects (or overrides[code]), Đ for comment ones."""
    overrides = overrides or {}
    rows = []
    for subject, gs in class_subjects(klass):
        from portal.services.evaluation.secondary.entry import slots_for
        for term in ("HK1", "HK2"):
            for slot in slots_for(subject, gs, term):
                value = overrides.get(subject.code, score) if subject.assessment == "score" else overrides.get(subject.code, "D")
                rows.append(dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot=slot, value=value))
    with db.atomic():
        ScoreEntry.insert_many(rows).execute()
        for term, level, n in zip(("HK1", "HK2"), conduct, absences):
            TermConduct.create(pupil=pupil, school_class=klass, term=term, conduct=level, absences=n)


def subject(code):
    return Subject.get((Subject.code == code) & (Subject.level == "THCS"))
