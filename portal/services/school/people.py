"""Pupils and staff (with their accounts): the administrator's lists, and the writes, one transaction each, audited."""
from portal.db import write_tx
from portal.models import Enrolment, Pupil, SchoolClass, Staff, User, UserRole
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import users
from portal.services.records import freeze
from portal.services.school.identity import findings, masked
from portal.services.school.years import enrol
from portal.services.system import audit
from portal.services.system.collation import name_key, sort_people
from portal.text import clean_line, clean_words

PUPIL_FIELDS = ("code", "full_name", "gender", "born_on", "ethnicity", "nationality", "birthplace", "hometown",
                "address", "father_name", "mother_name", "guardian_name", "national_id", "registry_number")
NULLABLE = {"born_on", "national_id"}
KEEP_DEFAULT = {"gender", "is_active"}
STAFF_FIELDS = ("code", "full_name", "gender", "born_on", "title", "phone", "email", "is_active")


def _clean(data: dict, fields) -> dict:
    out = {}
    for f in fields:
        if f in data:
            value = data[f]
            if value is None and f in KEEP_DEFAULT:
                continue
            if value is None and f not in NULLABLE:
                value = ""
            if isinstance(value, str):
                value = clean_words(value) if f.endswith("name") else clean_line(value)
            out[f] = value
    if "national_id" in out:
        out["national_id"] = out["national_id"] or None
    return out


def _taken(model, field, value, exclude=None) -> bool:
    """Is `value` already used in `field` by a row other than `exclude`?"""
    q = model.select().where(getattr(model, field) == value)
    if exclude is not None:
        q = q.where(model.id != exclude.id)
    return q.exists()


def _upsert(admin, model, obj, values: dict, kind: str, label: str):
    """Create the row, or apply the changed fields to it; audited either way. Call inside a transaction."""
    if obj is None:
        obj = model.create(**values)
        audit.record(f"{kind}.created", obj, user=admin, summary=f"Thêm {label} {obj.full_name}")
        return obj
    changed = _changes(obj, values)
    if changed:
        for field, value in values.items():
            setattr(obj, field, value)
        if hasattr(obj, "updated_at"):
            obj.updated_at = utcnow()
        obj.save()
        audit.record(f"{kind}.updated", obj, user=admin, summary=f"Sửa thông tin {label} {obj.full_name}", changes=changed)
    return obj


def review_note(national_id: str | None, born_on, gender: int) -> str:
    if not national_id:
        return "Thiếu mã định danh cá nhân."
    return " ".join(findings(national_id, born_on, gender))


def _changes(obj, values: dict) -> dict:
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            if field == "national_id":  # never the full number in the log
                old, new = masked(old), masked(new)
            changed[field] = [str(old) if old is not None else None, str(new) if new is not None else None]
    return changed


def _moves(pupil: Pupil, klass: SchoolClass | None) -> bool:
    """Would enrolling the pupil in `klass` add or change a row of their quá trình học tập?"""
    if klass is None:
        return False
    current = (Enrolment.select().join(SchoolClass)
               .where((Enrolment.pupil == pupil) & (SchoolClass.year == klass.year_id) & (Enrolment.status == "active"))
               .first())
    return current is None or current.school_class_id != klass.id


def changes_record(pupil: Pupil, values: dict, klass: SchoolClass | None) -> bool:
    """Would saving these cleaned values (and this class) change what the pupil's records show?"""
    shown = {k: v for k, v in values.items() if k != "review_note"}  # the note is not on the record
    return bool(_changes(pupil, shown)) or _moves(pupil, klass)


def frozen_refusal(pupil: Pupil, data: dict, klass: SchoolClass | None) -> str | None:
    """The message an import row gets when saving it would change a frozen record, else None."""
    rows = freeze.pupil_records(pupil)
    if rows and changes_record(pupil, _clean(data, PUPIL_FIELDS), klass):
        return freeze.message(rows[0], with_year=True)
    return None


def save_pupil(admin, pupil: Pupil | None, data: dict, klass: SchoolClass | None, school) -> Pupil:
    """Create or update a pupil and put them in `klass`; flags id/date/sex disagreements for review.
    Refused when it would change a record in the signing chain (or this year's issued record)."""
    values = _clean(data, PUPIL_FIELDS)
    values["review_note"] = review_note(values.get("national_id"), values["born_on"], values["gender"])
    with write_tx():
        if pupil is not None:
            pupil = Pupil.get_by_id(pupil.id)  # fresh, under the write lock
        if _taken(Pupil, "code", values["code"], pupil):
            raise ServiceError("Mã học sinh đã tồn tại.", field="code")
        if values.get("national_id") and _taken(Pupil, "national_id", values["national_id"], pupil):
            raise ServiceError("Mã định danh này đã thuộc về học sinh khác.", field="national_id")
        if pupil is not None and changes_record(pupil, values, klass):
            freeze.ensure_pupil_open(pupil)
        pupil = _upsert(admin, Pupil, pupil, values, "pupil", "học sinh")
        if klass is not None:
            enrol(pupil, klass, school)
    return pupil


def save_staff(admin, staff: Staff | None, data: dict, username: str | None, roles: dict[str, bool]) -> tuple[Staff, str | None]:
    """Create or update a staff member and their account; returns the new temporary password if one was made."""
    values = _clean(data, STAFF_FIELDS)
    if _taken(Staff, "code", values["code"], staff):
        raise ServiceError("Mã cán bộ đã tồn tại.", field="code")
    username = (username or "").strip().lower() or None
    new_password = None
    with write_tx():
        if staff is not None:
            staff = Staff.get_by_id(staff.id)  # fresh, under the write lock
            freeze.ensure_signer_open(staff, {k: v for k, v in values.items() if getattr(staff, k) != v})
        staff = _upsert(admin, Staff, staff, values, "staff", "cán bộ")
        user = User.of_staff(staff)
        if user is None and username:
            user, new_password = users.create_user(admin, username, staff, roles)
        elif user is not None:
            if username and username != user.username:
                if _taken(User, "username", username, user):
                    raise ServiceError("Tên đăng nhập đã được sử dụng.", field="username")
                user.username = username
            user.is_active = bool(values.get("is_active", True))
            user.save()
            current = {r.role: r.can_sign for r in user.roles}
            if current != roles:
                users.set_roles(admin, user, roles)
    return staff, new_password


def roles_of(staff: Staff) -> tuple[str, dict[str, bool]]:
    user = User.of_staff(staff)
    if user is None:
        return "", {}
    return user.username, {r.role: r.can_sign for r in UserRole.select().where(UserRole.user == user)}


def pupil_list(year, class_id=None, text: str = "", only_review: bool = False) -> list[Pupil]:
    """The pupils enrolled this year (each with its `enrolment` and class), by grade, class and name: of one
    class, whose name or code contains `text`, or only those with a review note."""
    if year is None:
        return []
    q = (Pupil.select(Pupil, Enrolment, SchoolClass).join(Enrolment).join(SchoolClass)
         .where((SchoolClass.year == year) & (Enrolment.status == "active")))
    if class_id:
        q = q.where(SchoolClass.id == class_id)
    if text:
        q = q.where(Pupil.full_name.contains(text) | Pupil.code.contains(text))
    if only_review:
        q = q.where(Pupil.review_note != "")
    return sorted(q, key=lambda p: (p.enrolment.school_class.grade_id, p.enrolment.school_class.name,
                                    name_key(p.full_name)))


def staff_with_accounts() -> tuple[list[Staff], dict[int, User]]:
    """Every staff member in name order, and their accounts by staff id."""
    return sort_people(Staff.select()), {u.staff_id: u for u in User.select().where(User.staff.is_null(False))}
