"""Setting up the school: years, terms, calendar, grades, curriculum; class rosters."""
import datetime as dt
import json
from pathlib import Path

from portal.db import write_tx
from portal.models import (
    LEVEL_GRADES, CalendarDate, Enrolment, Grade, GradeSubject, Pupil, School, SchoolClass, SchoolYear,
    Subject, Term, school_levels,
)

from portal.services import ServiceError
from portal.services.evaluation.comments import seed_bank
from portal.services.school import calendar
from portal.services.system import audit
from portal.services.system.collation import sort_people

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def current_year() -> SchoolYear | None:
    return SchoolYear.current()


def year_name(first_year: int) -> str:
    return f"{first_year}-{first_year + 1}"


def seed_curriculum(level: str) -> None:
    """Create the grades and subjects of a level from the editable data file (idempotent).

    A subject is found by (level, code): a multi-level school keeps its primary and secondary TOAN
    apart. Secondary files also give each grade's periods a year and the subject's group (TT22)."""
    for number in LEVEL_GRADES[level]:
        Grade.get_or_create(number=number, defaults={"level": level})
    path = DATA_DIR / f"curriculum_{level}.json"
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for order, item in enumerate(data["subjects"]):
        subject, _ = Subject.get_or_create(code=item["code"], level=level, defaults={
            "name": item["name"], "kind": item["kind"],
            "assessment": item.get("assessment", "level" if level == "TH" else "score"),
            "sort_order": order, "ministry_code": item.get("ministry_code", item["code"]),
        })
        optional = set(item.get("optional_in", []))
        periods = item.get("periods", {})
        for grade_number, tested_at in item["grades"].items():
            grade = Grade.get(Grade.number == int(grade_number))
            GradeSubject.get_or_create(grade=grade, subject=subject, defaults={
                "tested_at": tested_at, "is_optional": grade_number in optional,
                "periods": periods.get(grade_number, 0), "group": item.get("group", "")})


def create_year(admin, school: School, first_year: int, make_current: bool = False) -> SchoolYear:
    name = year_name(first_year)
    if SchoolYear.select().where(SchoolYear.name == name).exists():
        raise ServiceError(f"Năm học {name} đã tồn tại.", field="first_year")
    starts_on, ends_on = calendar.year_bounds(first_year)
    with write_tx():
        year = SchoolYear.create(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
        for number, start, end in calendar.term_bounds(first_year):
            Term.create(year=year, number=number, starts_on=start, ends_on=end)
        for kind, on, grade in calendar.default_dates(school.level, first_year):
            CalendarDate.create(year=year, kind=kind, on=on, grade=grade)
        if make_current:
            set_current_year(year)
        audit.record("year.created", year, user=admin, summary=f"Tạo năm học {name}")
    return year


def set_current_year(year: SchoolYear) -> None:
    with write_tx():
        SchoolYear.update(is_current=False).where(SchoolYear.id != year.id).execute()
        SchoolYear.update(is_current=True).where(SchoolYear.id == year.id).execute()
        year.is_current = True


def setup_school(name: str, code: str, level: str = "TH", today: dt.date | None = None, **fields) -> School:
    """A new portal: the school, its grades and curriculum, and the current school year."""
    if School.select().exists():
        raise ServiceError("Trường đã được thiết lập.")
    today = today or dt.date.today()
    with write_tx():
        school = School.create(name=name, code=code, level=level, **fields)
        for code in school_levels(level):
            seed_curriculum(code)
        seed_bank()
        create_year(None, school, calendar.school_year_of(today), make_current=True)
    return school


def class_roster(klass: SchoolClass) -> list[Pupil]:
    """The pupils currently enrolled in a class, in Vietnamese class-list order."""
    pupils = (Pupil.select().join(Enrolment)
              .where((Enrolment.school_class == klass) & (Enrolment.status == "active")))
    return sort_people(pupils)


def find_class(name: str, year: SchoolYear | None = None) -> SchoolClass | None:
    year = year or current_year()
    if year is None:
        return None
    return SchoolClass.get_or_none((SchoolClass.year == year) & (SchoolClass.name == name.strip().upper()))


def class_sizes(year: SchoolYear) -> dict[int, int]:
    from peewee import fn
    q = (Enrolment.select(Enrolment.school_class, fn.COUNT(Enrolment.id).alias("n"))
         .join(SchoolClass).where((SchoolClass.year == year) & (Enrolment.status == "active"))
         .group_by(Enrolment.school_class))
    return {row.school_class_id: row.n for row in q}


def enrol(pupil: Pupil, klass: SchoolClass, school: School, entered_on: dt.date | None = None) -> Enrolment:
    """Put a pupil in a class of its year, ending any other active enrolment in that year."""
    current = (Enrolment.select().join(SchoolClass)
               .where((Enrolment.pupil == pupil) & (SchoolClass.year == klass.year_id)
                      & (Enrolment.status == "active")).first())
    if current and current.school_class_id == klass.id:
        return current
    if current:
        # Moving between classes of the same year: one quá trình học tập row, updated.
        current.school_class = klass
        current.class_name = klass.name
        current.save()
        return current
    return Enrolment.create(
        pupil=pupil, school_class=klass, year_name=klass.year.name, class_name=klass.name,
        school_name=school.name, registry_number=pupil.registry_number,
        entered_on=entered_on or klass.year.starts_on)
