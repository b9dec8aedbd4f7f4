"""Who may do what, for which class and subject: the one place permissions are decided.

Every route and service asks these plain functions of (user, thing); hiding a button is never the
protection. A refusal raises portal.services.Forbidden, which portal/errors.py turns into the 403 page.
School-wide roles (admin, board, clerk) see every class; a homeroom teacher reaches their class; a subject
teacher reaches only the classes × subjects they are assigned.
"""
import datetime as dt

from portal.models import School, SchoolClass, SigningAuthorisation, TeachingAssignment, User
from portal.services import Forbidden

BOARD = {"principal", "vice_principal"}
SCHOOL_WIDE = {"admin", "principal", "vice_principal", "clerk"}


def require(allowed: bool) -> None:
    """Refuse (Forbidden, a 403 page) unless allowed."""
    if not allowed:
        raise Forbidden()


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.has_role("admin")


def is_board(user: User) -> bool:
    return user.is_authenticated and user.has_role(*BOARD)


def sees_whole_school(user: User) -> bool:
    return user.is_authenticated and user.has_role(*SCHOOL_WIDE)


def is_homeroom_of(user: User, klass: SchoolClass) -> bool:
    return bool(user.staff_id) and klass.homeroom_id == user.staff_id


def teaches_in(user: User, klass: SchoolClass, subject=None) -> bool:
    if not user.staff_id:
        return False
    q = TeachingAssignment.select().where(
        (TeachingAssignment.staff == user.staff_id) & (TeachingAssignment.school_class == klass))
    if subject is not None:
        q = q.where(TeachingAssignment.subject == subject)
    return q.exists()


def can_view_class(user: User, klass: SchoolClass) -> bool:
    if not user.is_authenticated:
        return False
    # the homeroom check needs no query: first, so a homeroom teacher's save does not load roles
    return is_homeroom_of(user, klass) or sees_whole_school(user) or teaches_in(user, klass)


def can_view_pupil_details(user: User, klass: SchoolClass) -> bool:
    """Birth data, parents, identity number: the homeroom teacher (responsible for them) and the office."""
    if not user.is_authenticated:
        return False
    return sees_whole_school(user) or is_homeroom_of(user, klass)


def can_read_record(user: User, klass: SchoolClass) -> bool:
    """The học bạ document (pages, signed PDF, preview): the class's homeroom teacher, the board, and the
    clerk, who applies the school's seal and keeps the issued records."""
    return user.is_authenticated and (is_board(user) or user.has_role("clerk") or is_homeroom_of(user, klass))


def can_enter_subject(user: User, klass: SchoolClass, subject) -> bool:
    """Entering results: the assigned teacher; in primary also the homeroom teacher for unassigned subjects."""
    if not user.is_authenticated:
        return False
    if teaches_in(user, klass, subject):
        return True
    if is_homeroom_of(user, klass):
        school = School.current()
        others = TeachingAssignment.select().where(
            (TeachingAssignment.school_class == klass) & (TeachingAssignment.subject == subject)
            & (TeachingAssignment.staff != user.staff_id))
        return bool(school and school.homeroom_enters_all_subjects) and not others.exists()
    return False


def can_enter_scores(user: User, klass: SchoolClass, subject) -> bool:
    """Secondary (TT22) assessments: only the subject teacher assigned to this class × subject."""
    return user.is_authenticated and teaches_in(user, klass, subject)


def visible_classes(user: User, year):
    """The classes of `year` this user may open, as a query ordered by grade and name."""
    q = SchoolClass.of_year(year)
    if sees_whole_school(user):
        return q
    if not user.staff_id:
        return q.where(SchoolClass.id == -1)
    taught = TeachingAssignment.select(TeachingAssignment.school_class).where(
        TeachingAssignment.staff == user.staff_id)
    return q.where((SchoolClass.homeroom == user.staff_id) | (SchoolClass.id.in_(taught)))


def may_sign_as_principal(user: User, on=None) -> bool:
    """The principal, or a vice-principal holding the principal's written authorisation valid on `on`:
    signing in the principal's box, withdrawing a record, approving or rejecting corrections."""
    if not user.is_authenticated:
        return False
    if user.has_role("principal"):
        return True
    return user.has_role("vice_principal") and SigningAuthorisation.valid_for(user, on or dt.date.today()) is not None


def is_principal(user: User) -> bool:
    """Only the principal grants and revokes a vice-principal's signing authorisation."""
    return user.is_authenticated and user.has_role("principal")


def may_apply_seal(user: User) -> bool:
    """The clerk keeps the school's organisation certificate (dấu số) and applies it."""
    return user.is_authenticated and user.has_role("clerk")


def is_homeroom_or_board(user: User, klass: SchoolClass) -> bool:
    """The class's homeroom teacher or the board: a class's whole-page views, correction requests."""
    return is_homeroom_of(user, klass) or is_board(user)


def may_write_year_remarks(user: User, klass: SchoolClass) -> bool:
    """A secondary pupil's year lines (homeroom comment, certificates, competitions): the class's homeroom
    teacher, who writes them (TT22 Điều 20 k.4), or the administrator entering them on the school's behalf."""
    return user.is_authenticated and (is_homeroom_of(user, klass) or is_admin(user))


def teaches_secondary(user: User) -> bool:
    """Is this user assigned to teach a subject in a secondary class (a possible subject signer)?"""
    from portal.models import Grade

    return bool(user.staff_id) and (TeachingAssignment.select().join(SchoolClass).join(Grade)
                                    .where((TeachingAssignment.staff == user.staff_id) & (Grade.level != "TH"))
                                    .exists())


def may_open_signing_pages(user: User) -> bool:
    """The signing pages (/ky): the board, the clerk, every homeroom teacher and secondary subject teachers."""
    return user.is_authenticated and (
        user.has_role("principal", "clerk", "vice_principal")
        or bool(user.staff_id and SchoolClass.select().where(SchoolClass.homeroom == user.staff_id).exists())
        or teaches_secondary(user))
