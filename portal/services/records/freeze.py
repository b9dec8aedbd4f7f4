"""Frozen records: once a record enters the signing chain its data may not change (HOCBA §1, §7).

A record is frozen while its latest version is "signing" (in the chain, possibly claimed by a signer
whose PDF is still being rendered: step 0) or "issued". Every write that could change what a frozen
record shows asks here — inside its own write transaction, so that a record frozen between a first
check and the write is still refused — and refuses with a message that names the signing state.
"""
from portal.models import RecordSignature, RecordVersion, SchoolClass
from portal.services import ServiceError

IN_CHAIN = ("signing", "issued")


class Frozen(ServiceError):
    """The write would change a record that is in the signing chain or issued."""


def _signed_roles(rv: RecordVersion) -> list[str]:
    from portal.services.records.chain import ROLE_LABELS  # late: signing builds on the evaluation services that import this module
    rows = RecordSignature.select(RecordSignature.role).where(RecordSignature.record == rv).order_by(RecordSignature.id)
    return [ROLE_LABELS.get(r.role, r.role) for r in rows]


def state_text(rv: RecordVersion) -> str:
    """Where the record stands, as the end of a Vietnamese sentence starting "Học bạ của X …"."""
    if rv.status == "issued":
        return "đã phát hành"
    roles = _signed_roles(rv)
    if not roles:  # claimed by a signer, the first signature not yet applied
        return "đang được ký"
    return f"đang trong quy trình ký (đã có chữ ký của {', '.join(roles)})"


def message(rv: RecordVersion, with_year: bool = False) -> str:
    """Why the data of this frozen record cannot be changed, and what to do instead."""
    owner = rv.pupil.full_name
    if with_year:
        owner += f" (lớp {rv.school_class.name}, năm học {rv.school_class.year.name})"
    if rv.status == "issued":
        return (f"Học bạ của {owner} đã phát hành; dữ liệu đã khóa. Muốn sửa, cần gửi đề nghị đính chính "
                "để Hiệu trưởng lập phiên bản đính chính.")
    return (f"Học bạ của {owner} {state_text(rv)}; dữ liệu đã khóa. "
            "Muốn sửa, Hiệu trưởng cần rút học bạ khỏi quy trình ký.")


def latest(pupil, klass) -> RecordVersion | None:
    """The latest version of this pupil's record in this class, when it is frozen."""
    from portal.services.records.chain import frozen  # late: see _signed_roles
    return frozen(pupil, klass)


def ensure_open(pupil, klass) -> None:
    """Refuse when this pupil's record in this class is frozen. Call inside the write transaction."""
    rv = latest(pupil, klass)
    if rv is not None:
        raise Frozen(message(rv))


def _latest_versions(query) -> list[RecordVersion]:
    newest = {}
    for rv in query.order_by(RecordVersion.version):
        newest[(rv.pupil_id, rv.school_class_id)] = rv
    return list(newest.values())


def class_records(klass: SchoolClass, statuses=IN_CHAIN) -> list[RecordVersion]:
    """The records of a class whose latest version has one of these statuses."""
    rows = _latest_versions(RecordVersion.select().where(RecordVersion.school_class == klass))
    return [rv for rv in rows if rv.status in statuses]


def pupil_records(pupil) -> list[RecordVersion]:
    """The records that pin a pupil's personal data: any in the chain, and this year's once issued.

    An issued record of an earlier year keeps its own frozen copy of the data (and a correction of it
    would rightly show today's data), so it does not stop an address or a name from being updated."""
    from portal.services.school.years import current_year
    year = current_year()
    rows = _latest_versions(RecordVersion.select().where(RecordVersion.pupil == pupil))
    return [rv for rv in rows if rv.status == "signing"
            or (rv.status == "issued" and year is not None and rv.school_class.year_id == year.id)]


def ensure_pupil_open(pupil) -> None:
    """Refuse a change to a pupil's personal data while a record pins it. Call inside the write transaction."""
    rows = pupil_records(pupil)
    if rows:
        raise Frozen(message(rows[0], with_year=True))


def class_message(klass: SchoolClass, rows: list[RecordVersion], what: str) -> str:
    """A class-wide refusal ("Không thể đổi tên lớp 1A: …"): how many records hold the class, the first one's state."""
    where = ("đang trong quy trình ký" if all(rv.status == "signing" for rv in rows)
             else "đã vào quy trình ký hoặc đã phát hành")
    return f"Không thể {what} lớp {klass.name}: {len(rows)} học bạ của lớp {where}. " + message(rows[0])


def ensure_signer_open(staff, changes: dict) -> None:
    """The homeroom teacher's name and the principal's name and title are printed on the record: refuse
    changing them while a record that shows them is in the chain (its later steps would find the data
    changed). Issued records keep their own copy. Call inside the write transaction."""
    from portal.models import User, UserRole
    printed = {k for k in changes if k in ("full_name", "title")}
    if not printed:
        return
    rows = []
    if "full_name" in printed:
        for klass in SchoolClass.select().where(SchoolClass.homeroom == staff):
            rows += class_records(klass, ("signing",))
    is_principal = (UserRole.select().join(User)
                    .where((User.staff == staff) & (UserRole.role == "principal")).exists())
    if is_principal:
        rows += _latest_versions(RecordVersion.select().where(RecordVersion.status == "signing"))
        rows = [rv for rv in rows if rv.status == "signing"]
    if rows:
        raise Frozen(f"Không thể sửa họ tên, chức vụ của {staff.full_name}: thông tin này được in trên "
                     f"{len({rv.id for rv in rows})} học bạ đang trong quy trình ký. " + message(rows[0]))


def signing_records(grades=None) -> list[RecordVersion]:
    """Records in the chain (not yet issued), of the whole school or of classes of these grade ids."""
    q = RecordVersion.select().where(RecordVersion.status == "signing")
    if grades is not None:
        q = q.join(SchoolClass).where(SchoolClass.grade.in_(list(grades)))
    return [rv for rv in _latest_versions(q) if rv.status == "signing"]


def ensure_none_signing(what: str, grades=None) -> None:
    """Refuse a school-wide change printed on records (the school's name, a subject) while any is being
    signed: its later steps would find the data changed. Call inside the write transaction."""
    rows = signing_records(grades)
    if rows:
        raise Frozen(f"Không thể {what}: thông tin này được in trên {len(rows)} học bạ đang trong quy trình ký. "
                     + message(rows[0]))
