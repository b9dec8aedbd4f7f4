"""Who may sign which role of a record, and with which certificate (docs/signer-binding.md).

A signature proves a key, not a role: every role is bound to a person (homeroom: the class's homeroom
teacher; principal: the principal or a vice-principal with a recorded authorisation; subject: a
teacher assigned in the class) and the seal to the school's organisation certificate registered by
the administrator. The record's embedded data names the expected signers, so a verifier anywhere can
check the binding; this module checks it before a key touches the file.
"""
import datetime as dt

from portal.db import write_tx
from portal.models import Certificate, School, SchoolClass, SigningAuthorisation, Staff, User, UserRole
from portal.models.base import utcnow
from portal.services import Forbidden, ServiceError
from portal.services.accounts import permissions
from portal.services.school.certificates import parsed
from portal.services.system import audit
from portal.signing import identity

from portal.services.records.subject_signing import is_slot


class _RoleLabels(dict):
    """Role → label; a subject teacher's slot (`subject_3`, services/subject_signing.py) reads as its role."""

    def __missing__(self, key):
        if is_slot(key):
            return self["subject"]
        raise KeyError(key)

    def get(self, key, default=None):
        return self[key] if key in self or is_slot(key) else default


ROLE_LABELS = _RoleLabels({"subject": "Giáo viên bộ môn", "homeroom": "Giáo viên chủ nhiệm",
                           "principal": "Hiệu trưởng", "seal": "Đóng dấu số của trường"})


def holds_role(user: User, role: str, klass: SchoolClass, on: dt.date | None = None) -> bool:
    """May this user apply this step of the chain to a record of this class?"""
    if role == "homeroom":
        return permissions.is_homeroom_of(user, klass)
    if role == "principal":
        return permissions.may_sign_as_principal(user, on)
    if role == "seal":
        return permissions.may_apply_seal(user)
    if role == "subject":
        return permissions.teaches_in(user, klass)
    return False


def _principal_staff() -> Staff | None:
    row = (UserRole.select(UserRole, User).join(User)
           .where((UserRole.role == "principal") & (User.is_active == True)).first())  # noqa: E712
    return row.user.staff if row is not None else None


def expected_signers(klass: SchoolClass, school: School, on: dt.date | None = None, pupil=None) -> dict:
    """The `signers` part of the record object: who is expected in each role (frozen with the data); a
    secondary pupil's subject teachers are those of the subjects they learn."""
    on = on or dt.date.today()
    principal = _principal_staff()
    deputies = []
    for auth in (SigningAuthorisation.select(SigningAuthorisation, User).join(User, on=SigningAuthorisation.user)
                 .where(SigningAuthorisation.revoked_at.is_null() & (SigningAuthorisation.ends_on >= on))
                 .order_by(SigningAuthorisation.starts_on)):
        if auth.user.staff is not None:
            deputies.append({"name": auth.user.staff.full_name, "national_id": auth.user.staff.national_id or "",
                             "title": auth.user.staff.title or "Phó Hiệu trưởng",
                             "authorised_from": auth.starts_on.isoformat(), "authorised_to": auth.ends_on.isoformat(),
                             "authorised_by": principal.full_name if principal else ""})
    homeroom = klass.homeroom
    if klass.grade.level != "TH":  # secondary: every subject teacher of the class signs (services/subject_signing.py)
        from portal.services.records.subject_signing import skipped_of, subject_signers
        skipped = skipped_of(klass, pupil) if pupil is not None else frozenset()
        return {"subject": subject_signers(klass, school, skipped), **_common_signers(homeroom, principal, deputies, school)}
    return _common_signers(homeroom, principal, deputies, school)


def _common_signers(homeroom, principal, deputies, school) -> dict:
    return {
        "homeroom": {"name": homeroom.full_name if homeroom else "", "title": "Giáo viên chủ nhiệm",
                     "national_id": (homeroom.national_id or "") if homeroom else "",
                     "school": school.name},
        "principal": {"name": principal.full_name if principal else "",
                      "national_id": (principal.national_id or "") if principal else "",
                      "title": (principal.title if principal else "") or "Hiệu trưởng", "school": school.name,
                      "deputies": deputies},
        "seal": {"name": school.name, "organisation": school.name, "tax_code": school.tax_code or ""},
    }


def check_certificate_for_role(user: User, role: str, cert_row: Certificate, klass: SchoolClass | None = None) -> None:
    """Refuse, before any file is touched, a certificate that is not this person's (or the school's seal).
    A `subject` signer must be assigned to teach a subject in `klass` (or, without a class, somewhere)."""
    school = School.current()
    cert, _chain = parsed(cert_row)
    subject = identity.subject_of(cert)
    label = ROLE_LABELS.get(role, role)
    if role == "seal":
        if not school.seal_cert_sha256:
            raise ServiceError("Quản trị viên chưa đăng ký chứng thư số của tổ chức làm dấu số của trường; "
                               "chưa thể đóng dấu.")
        problem = identity.organisation_problem(subject, school.name, school.tax_code)
        if problem:
            raise ServiceError(f"Không thể đóng dấu: chứng thư số này {problem}.")
        if subject.sha256 != school.seal_cert_sha256:
            raise ServiceError("Không thể đóng dấu: chứng thư số này không phải chứng thư của tổ chức mà quản trị "
                               "viên đã đăng ký làm dấu số của trường.")
        return
    staff = user.staff
    if staff is None:
        raise ServiceError(f"Tài khoản {user.username} không gắn với cán bộ nào; không thể ký ô {label}.")
    if role == "subject":
        if not (permissions.teaches_in(user, klass) if klass is not None else permissions.teaches_secondary(user)):
            where = f"lớp {klass.name}" if klass is not None else "lớp nào"
            raise ServiceError(f"{staff.full_name} không được phân công dạy môn nào ở {where}; không thể ký ô {label}.")
    problem = identity.person_problem(subject, staff.full_name, school.name, staff.national_id)
    if problem:
        raise ServiceError(f"Không thể ký ô {label}: chứng thư số này {problem}.")


def check_expected(role: str, staff_name: str, signers: dict, on: dt.date) -> None:
    """The signer must be the one the frozen record names for this role."""
    expected = signers.get(role) or {}
    if is_slot(role):
        expected = next((e for e in signers.get("subject", []) if e.get("slot") == role), {})
    if role == "seal" or not expected:
        return
    names = [expected.get("name", "")]
    if role == "principal":
        names += [d["name"] for d in expected.get("deputies", [])
                  if d["authorised_from"] <= on.isoformat() <= d["authorised_to"]]
    if not any(identity.same_name(staff_name, n) for n in names):
        raise ServiceError(f"Học bạ này ghi người ký ô {ROLE_LABELS[role]} là {expected.get('name') or 'chưa xác định'}; "
                           f"{staff_name} không phải người đó.")


def register_seal(admin: User, cert_row: Certificate) -> None:
    """The administrator registers an organisation certificate as the school's seal."""
    if not permissions.is_admin(admin):
        raise Forbidden()
    school = School.current()
    cert, _chain = parsed(cert_row)
    subject = identity.subject_of(cert)
    problem = identity.organisation_problem(subject, school.name, school.tax_code)
    if problem:
        raise ServiceError(f"Không thể đăng ký làm dấu số: chứng thư số này {problem}.")
    with write_tx():
        School.update(seal_cert_sha256=subject.sha256).where(School.id == school.id).execute()
        audit.record("seal.registered", cert_row, user=admin,
                     summary=f"Đăng ký chứng thư số {subject.common_name} làm dấu số của trường", serial=cert_row.serial)


def authorise_deputy(principal: User, deputy: User, starts_on: dt.date, ends_on: dt.date, reason: str):
    """The principal authorises a vice-principal to sign in the principal's place, for a period."""
    if not permissions.is_principal(principal):
        raise Forbidden()
    if not deputy.has_role("vice_principal"):
        raise ServiceError("Chỉ ủy quyền ký cho Phó Hiệu trưởng.")
    if ends_on < starts_on:
        raise ServiceError("Ngày kết thúc ủy quyền phải sau ngày bắt đầu.", field="ends_on")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Cần ghi nội dung/căn cứ ủy quyền.", field="reason")
    with write_tx():
        row = SigningAuthorisation.create(user=deputy, granted_by=principal, starts_on=starts_on, ends_on=ends_on,
                                          reason=reason)
        audit.record("signing.authorised", row, user=principal,
                     summary=f"Ủy quyền ký học bạ cho {deputy.staff.full_name if deputy.staff else deputy.username} "
                             f"từ {starts_on:%d/%m/%Y} đến {ends_on:%d/%m/%Y}")
    return row


def revoke_authorisation(principal: User, row: SigningAuthorisation) -> None:
    if not permissions.is_principal(principal):
        raise Forbidden()
    with write_tx():
        SigningAuthorisation.update(revoked_at=utcnow()).where(SigningAuthorisation.id == row.id).execute()
        audit.record("signing.authorisation_revoked", row, user=principal, summary="Thu hồi ủy quyền ký học bạ")


def set_tax_code(admin: User, tax_code: str) -> None:
    """The school's tax code (MST), which its organisation certificate must name."""
    import re

    if not permissions.is_admin(admin):
        raise Forbidden()
    tax_code = re.sub(r"\s", "", tax_code or "")
    if not re.fullmatch(r"\d{10}(-\d{3})?", tax_code):
        raise ServiceError("Mã số thuế gồm 10 chữ số (đơn vị phụ thuộc: 10 chữ số, dấu gạch, 3 chữ số).", field="tax_code")
    school = School.current()
    with write_tx():
        School.update(tax_code=tax_code).where(School.id == school.id).execute()
        audit.record("school.tax_code", school, user=admin, summary=f"Mã số thuế của trường: {tax_code}")


def trust_overview() -> dict:
    """What the administrator's trust page shows: the seal, organisation certificates, renewals due."""
    from portal.services.records.timestamps import due_for_renewal

    school = School.current()
    org_certs = list(Certificate.select(Certificate, User).join(User)
                     .where((Certificate.purpose == "organisation") & (Certificate.is_active == True))  # noqa: E712
                     .order_by(Certificate.uploaded_at.desc()))
    due = list(due_for_renewal())
    from portal.models import RecordVersion
    lta = RecordVersion.select().where((RecordVersion.status == "issued") & (RecordVersion.ltv_level == "B-LTA")).count()
    weak = RecordVersion.select().where((RecordVersion.status == "issued") & (RecordVersion.ltv_level != "B-LTA")).count()
    return {"school": school, "org_certs": org_certs, "due": due, "lta": lta, "weak": weak}


def authorisations():
    return list(SigningAuthorisation.select(SigningAuthorisation, User).join(User, on=SigningAuthorisation.user)
                .order_by(SigningAuthorisation.starts_on.desc()))
