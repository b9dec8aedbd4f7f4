"""Where a secondary (TT22) user starts: the THCS/THPT classes they may open, and whether the base
navigation shows the secondary entry ("Trung học") and, for subject teachers, "Ký số"."""
from portal.models import School, SchoolClass, TeachingAssignment, User
from portal.models.school import school_levels

from . import access
from .school import current_year

SECONDARY = ("THCS", "THPT")


def school_is_secondary() -> bool:
    school = School.current()
    return bool(school) and any(level in SECONDARY for level in school_levels(school.level))


def secondary_classes(user: User) -> list[SchoolClass]:
    """This year's THCS/THPT classes the user may open (board: all; teachers: homeroom or taught)."""
    year = current_year()
    if year is None or not school_is_secondary():
        return []
    return [c for c in access.visible_classes(user, year) if c.grade.level in SECONDARY]


def nav(user: User) -> dict:
    """What the base navigation shows this user: {"secondary": bool, "subject_signer": bool}."""
    if not user.is_authenticated or not school_is_secondary():
        return {"secondary": False, "subject_signer": False}
    classes = secondary_classes(user)
    teaches = bool(user.staff_id) and TeachingAssignment.select().where(
        (TeachingAssignment.staff == user.staff_id)
        & TeachingAssignment.school_class.in_([c.id for c in classes])).exists()
    return {"secondary": bool(classes), "subject_signer": teaches}
