"""Taking a record out of the signing chain: the principal names it (verification code or pupil code) and
gives a reason; its signatures stay in the history, the data thaws, and the chain restarts from the first
step (issue 11: a record stuck in the chain has a way out inside the app)."""
from portal.db import write_tx
from portal.models import RecordSignature, RecordVersion, SchoolClass, User
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records.chain import claim_alive
from portal.services.records.signers import ROLE_LABELS
from portal.services.system import audit


def withdraw(principal: User, rv: RecordVersion, reason: str) -> RecordVersion:
    """The principal takes a record out of the chain (a wrong grade, a teacher who left): its signatures
    are kept in the history, the data thaws, and the chain restarts from the first step."""
    if not permissions.may_sign_as_principal(principal):
        raise permissions.Forbidden()
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ServiceError("Cần ghi rõ lý do rút học bạ khỏi quy trình ký (ít nhất 10 ký tự).", field="reason")
    with write_tx():
        fresh = RecordVersion.get_by_id(rv.id)
        if fresh.status != "signing":
            raise ServiceError("Chỉ rút được học bạ đang trong quy trình ký (chưa phát hành).")
        if claim_alive(fresh):
            raise ServiceError("Học bạ đang được ký ngay lúc này; thử lại sau ít phút.")
        done = [s.role for s in RecordSignature.select().where(RecordSignature.record == fresh)]
        RecordSignature.update(role=RecordSignature.role.concat(f"#withdrawn-{fresh.id}-{utcnow():%Y%m%d%H%M%S}")).where(
            RecordSignature.record == fresh).execute()
        fresh.status, fresh.step, fresh.pdf_path, fresh.frozen_at = "draft", 0, "", None
        fresh.data_json, fresh.data_sha256, fresh.claimed_by, fresh.claimed_at = "", "", "", None
        fresh.save()
        audit.record("record.withdrawn", fresh, user=principal,
                     summary=f"Rút học bạ {fresh.pupil.full_name} khỏi quy trình ký (đã có: "
                             f"{', '.join(ROLE_LABELS.get(r, r) for r in done) or 'chưa ai ký'}) — lý do: {reason}")
    return fresh


def find_in_chain(text: str) -> RecordVersion:
    """The record a principal names by its verification code or the pupil's code (current year)."""
    from portal.models import Enrolment, Pupil

    from portal.services.records.record import current_record, normalise_code
    from portal.services.school.years import current_year

    text = (text or "").strip()
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code(text)) if text else None
    if rv is None and text:
        pupil = Pupil.get_or_none(Pupil.code == text)
        year = current_year()
        enrolment = (Enrolment.select().join(SchoolClass).where((Enrolment.pupil == pupil) & (SchoolClass.year == year))
                     .first() if pupil is not None and year is not None else None)
        rv = current_record(pupil, enrolment.school_class) if enrolment is not None else None
    if rv is None:
        raise ServiceError("Không tìm thấy học bạ theo mã tra cứu hoặc mã học sinh này.", field="code")
    return rv
