"""The secondary demo school (`flask --app portal demo --level THCS|THPT`): two classes (a first grade and
the final grade of the level), a subject teacher per subject, homeroom teachers, and a year of scores
whose outcomes cover Xuất sắc, Giỏi, lên lớp, rèn luyện hè, kiểm tra lại and ở lại, with summer results."""
import datetime as dt
import random

from portal.db import write_tx
from portal.models import (
    Grade, Pupil, School, SchoolClass, ScoreEntry, Staff, TeachingAssignment, TermConduct,
)

from portal.services import ServiceError
from portal.services.accounts import users
from portal.services.demo.primary import DEMO_PASSWORD, STAFF, _name, national_id, seed_pki
from portal.services.evaluation.secondary.entry import slots_for
from portal.services.evaluation.secondary.electives import class_subjects
from portal.services.school import calendar
from portal.services.school.years import current_year, enrol, setup_school

SCHOOLS = {
    "THCS": ("Trường THCS Ngô Quyền", "31002345", ("6A", "9A")),
    "THPT": ("Trường THPT Hậu Lộc I", "38003456", ("10A", "12A")),
}
THPT_ELECTIVES = ("VL", "HH", "SH", "TIN")
# Profiles cycled over a class: (label, score range, low subjects, conduct HK1/HK2, absences HK1/HK2).
PROFILES = [
    ("xs", (90, 100), 0, ("T", "T"), (0, 1)),
    ("gioi", (80, 89), 0, ("T", "T"), (1, 2)),
    ("kha", (65, 79), 0, ("K", "T"), (2, 3)),
    ("kiem_tra_lai", (65, 79), 2, ("K", "K"), (3, 2)),
    ("ren_luyen_he", (60, 75), 0, ("CD", "CD"), (4, 5)),
    ("o_lai", (60, 75), 0, ("D", "D"), (30, 20)),
    ("kha", (65, 79), 0, ("T", "K"), (0, 0)),
    ("dat_k3", (65, 79), 1, ("T", "T"), (1, 0)),
]


def _staff(code: str, full_name: str, gender: int, title: str, username: str, roles: dict) -> Staff:
    staff = Staff.create(code=code, full_name=full_name, gender=gender, title=title)
    users.create_user(None, username, staff, roles, password=DEMO_PASSWORD, must_change=False)
    return staff


def seed_secondary_demo(level: str, today: dt.date | None = None, seed: int = 2026) -> School:
    if level not in SCHOOLS:
        raise ServiceError("Cấp học của trường mẫu phải là THCS hoặc THPT.")
    if School.select().exists():
        raise ServiceError("Cơ sở dữ liệu đã có dữ liệu. Dùng --reset để xóa và tạo lại trường mẫu.")
    rng = random.Random(seed)
    today = today or dt.date.today()
    name, code, class_names = SCHOOLS[level]
    with write_tx():
        school = setup_school(name, code, level=level, today=today, homeroom_enters_all_subjects=False,
                              department="Sở Giáo dục và Đào tạo thành phố Hải Phòng", province="Hải Phòng",
                              place_of_issue="Hải Phòng", authority="" if level == "THPT" else "Ủy ban nhân dân phường Lê Chân")
        year, first_year = current_year(), calendar.school_year_of(today)
        for i, (username, full_name, gender, title, roles) in enumerate(STAFF[:4], start=1):
            _staff(f"CB{i:03d}", full_name, gender, title, username, roles)
        teachers: dict = {}
        classes = []
        for n, class_name in enumerate(class_names, start=1):
            grade = Grade.get(Grade.number == int(class_name[:-1]))
            homeroom = _staff(f"CN{n:03d}", _name(rng, 2), 2, "Giáo viên", f"gvcn.{class_name.lower()}",
                              {"homeroom": False, "subject_teacher": False})
            klass = SchoolClass.create(year=year, grade=grade, name=class_name, homeroom=homeroom)
            for gs in grade.subjects:
                subject = gs.subject
                if gs.is_optional and subject.code not in THPT_ELECTIVES:
                    continue
                if subject.code not in teachers:
                    teachers[subject.code] = _staff(f"GV{len(teachers) + 1:03d}", _name(rng, rng.choice((1, 2))), 1,
                                                    f"Giáo viên {subject.name}", f"gv.{subject.code.lower()}",
                                                    {"subject_teacher": False})
                TeachingAssignment.create(staff=teachers[subject.code], school_class=klass, subject=subject)
            classes.append(klass)
        serial = 200000
        for klass in classes:
            subjects = class_subjects(klass)
            scored = [s for s, _ in subjects if s.assessment == "score"]
            for i in range(16):
                serial += rng.randint(1, 40)
                gender = rng.choice((1, 2))
                born_on = dt.date(first_year - 5 - klass.grade.number, 1, 1) + dt.timedelta(days=rng.randrange(365))
                pupil = Pupil.create(code=f"{code[:2]}{first_year % 100:02d}{serial:06d}", full_name=_name(rng, gender),
                                     gender=gender, born_on=born_on, nationality="Việt Nam", ethnicity="Kinh",
                                     national_id=national_id(born_on, gender, serial))
                enrol(pupil, klass, school)
                _scores(rng, klass, pupil, subjects, scored, PROFILES[i % len(PROFILES)], summer=i < len(PROFILES))
    seed_pki(revoked_signer=None)
    return school


def _scores(rng, klass, pupil, subjects, scored, profile, summer):
    label, (lo, hi), low_count, conduct, absences = profile
    low = {s.code for s in scored[:low_count]}
    rows = []
    for subject, gs in subjects:
        for term in ("HK1", "HK2"):
            for slot in slots_for(subject, gs, term):
                if subject.assessment == "score":
                    value = rng.randint(20, 30) if subject.code in low else rng.randint(lo, hi)
                    value = f"{value / 10:.1f}"
                else:
                    value = "D"
                rows.append(dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot=slot, value=value))
            rows.append(dict(pupil=pupil, school_class=klass, subject=subject, term=term, slot="nx",
                             value="Tích cực, tiến bộ." if label in ("xs", "gioi") else "Cần cố gắng hơn."))
        if summer and label == "kiem_tra_lai" and subject.code in low:  # re-tested in the summer: passes
            rows.append(dict(pupil=pupil, school_class=klass, subject=subject, term="HE", slot="rt", value="6.0"))
    ScoreEntry.insert_many(rows).execute()
    for term, level, n in zip(("HK1", "HK2"), conduct, absences):
        TermConduct.create(pupil=pupil, school_class=klass, term=term, conduct=level, absences=n)
    if summer and label == "ren_luyen_he":
        TermConduct.create(pupil=pupil, school_class=klass, term="HE", conduct="D")
