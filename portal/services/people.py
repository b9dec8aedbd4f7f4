"""Writing pupils and staff (with their accounts): one transaction each, audited."""
from portal.db import write_tx
from portal.models import Pupil, SchoolClass, Staff, User, UserRole
from portal.models.base import nfc, utcnow

from . import ServiceError, accounts, audit
from .identity import findings, masked
from .school import enrol

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
                value = nfc(" ".join(value.split())) if f.endswith("name") else nfc(value.strip())
            out[f] = value
    if "national_id" in out:
        out["national_id"] = out["national_id"] or None
    return out


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


def save_pupil(pupil: Pupil | None, data: dict, klass: SchoolClass | None, school) -> Pupil:
    """Create or update a pupil and put them in `klass`; flags id/date/sex disagreements for review."""
    values = _clean(data, PUPIL_FIELDS)
    dup = Pupil.select().where(Pupil.code == values["code"])
    if pupil is not None:
        dup = dup.where(Pupil.id != pupil.id)
    if dup.exists():
        raise ServiceError("Mã học sinh đã tồn tại.", field="code")
    if values.get("national_id"):
        dup = Pupil.select().where(Pupil.national_id == values["national_id"])
        if pupil is not None:
            dup = dup.where(Pupil.id != pupil.id)
        if dup.exists():
            raise ServiceError("Mã định danh này đã thuộc về học sinh khác.", field="national_id")
    if pupil is not None:
        from portal.models import RecordVersion
        in_chain = RecordVersion.select().where((RecordVersion.pupil == pupil)
                                                & RecordVersion.status.in_(["signing", "issued"]))
        if in_chain.exists() and _changes(pupil, values):
            raise ServiceError("Học bạ của học sinh này đã vào quy trình ký số; sửa thông tin cần đề nghị đính chính.")
    values["review_note"] = review_note(values.get("national_id"), values["born_on"], values["gender"])
    with write_tx():
        if pupil is None:
            pupil = Pupil.create(**values)
            audit.record("pupil.created", pupil, summary=f"Thêm học sinh {pupil.full_name}")
        else:
            changed = _changes(pupil, values)
            if changed:
                for field, value in values.items():
                    setattr(pupil, field, value)
                pupil.updated_at = utcnow()
                pupil.save()
                audit.record("pupil.updated", pupil, summary=f"Sửa thông tin học sinh {pupil.full_name}",
                             changes=changed)
        if klass is not None:
            enrol(pupil, klass, school)
    return pupil


def save_staff(staff: Staff | None, data: dict, username: str | None, roles: dict[str, bool]) -> tuple[Staff, str | None]:
    """Create or update a staff member and their account; returns the new temporary password if one was made."""
    values = _clean(data, STAFF_FIELDS)
    dup = Staff.select().where(Staff.code == values["code"])
    if staff is not None:
        dup = dup.where(Staff.id != staff.id)
    if dup.exists():
        raise ServiceError("Mã cán bộ đã tồn tại.", field="code")
    username = (username or "").strip().lower() or None
    new_password = None
    with write_tx():
        if staff is None:
            staff = Staff.create(**values)
            audit.record("staff.created", staff, summary=f"Thêm cán bộ {staff.full_name}")
        else:
            changed = _changes(staff, values)
            if changed:
                for field, value in values.items():
                    setattr(staff, field, value)
                staff.save()
                audit.record("staff.updated", staff, summary=f"Sửa thông tin cán bộ {staff.full_name}",
                             changes=changed)
        user = User.get_or_none(User.staff == staff)
        if user is None and username:
            user, new_password = accounts.create_user(username, staff, roles)
        elif user is not None:
            if username and username != user.username:
                if User.select().where((User.username == username) & (User.id != user.id)).exists():
                    raise ServiceError("Tên đăng nhập đã được sử dụng.", field="username")
                user.username = username
            user.is_active = bool(values.get("is_active", True))
            user.save()
            current = {r.role: r.can_sign for r in user.roles}
            if current != roles:
                accounts.set_roles(user, roles)
    return staff, new_password


def roles_of(staff: Staff) -> tuple[str, dict[str, bool]]:
    user = User.get_or_none(User.staff == staff)
    if user is None:
        return "", {}
    return user.username, {r.role: r.can_sign for r in UserRole.select().where(UserRole.user == user)}
