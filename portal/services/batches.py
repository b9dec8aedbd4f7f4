"""Batch signing: what awaits a user, counted without writing; batches started, watched, resumed.

Showing what is ready never writes (no draft rows are created by looking); starting a batch creates
the missing drafts. Two batches over the same records do not collide: each record is claimed by one
signing step at a time (services/signing.py), the other batch reports it as skipped.
"""
import json
import os
from dataclasses import dataclass

from portal.db import write_tx
from portal.models import Enrolment, Grade, RecordVersion, SchoolClass, SigningJob, User, YearResult

from . import ServiceError, audit
from .records import ensure_record
from .signers import holds_role
from .signing import chain, next_role, unlock
from .subject_signing import subject_pending


@dataclass
class Pending:
    pupil: object
    record: RecordVersion | None  # None: no draft yet (the first step creates it)
    role: str


def pending(user: User, klass: SchoolClass, wave: int = 1) -> list[Pending]:
    """The class's records whose next step is this user's, in the wave asked for — read only, a few queries."""
    roles = chain(klass)
    enrolled = list(Enrolment.select(Enrolment.pupil).where(
        (Enrolment.school_class == klass) & (Enrolment.status == "active")).order_by(Enrolment.id))
    outcomes = {y.pupil_id: y.outcome for y in YearResult.select(YearResult.pupil, YearResult.outcome)
                .where(YearResult.school_class == klass)}
    latest = {}
    for rv in RecordVersion.select().where(RecordVersion.school_class == klass).order_by(RecordVersion.version):
        latest[rv.pupil_id] = rv
    allowed = {role: holds_role(user, role, klass) for role in set(roles)}
    subjects = subject_pending(user, klass, roles, allowed, latest.values()) if "subject" in roles else None
    out = []
    for e in enrolled:
        if (subjects.wave(e.pupil_id) if subjects is not None
                else 2 if outcomes.get(e.pupil_id) == "CHT" else 1) != wave:
            continue
        rv = latest.get(e.pupil_id)
        if subjects is not None:  # secondary: the record's own chain, and this teacher's slot still open
            item = subjects.pending(e.pupil_id, rv)
            if item is not None:
                out.append(Pending(e.pupil_id, rv, item))
            continue
        if rv is not None and (rv.status not in ("draft", "signing") or rv.step >= len(roles)):
            continue
        role = roles[rv.step if rv is not None else 0]
        if allowed[role]:
            out.append(Pending(e.pupil_id, rv, role))
    return out


def ready(user: User, klass: SchoolClass, wave: int = 1) -> list[RecordVersion]:
    """The records to sign now, drafts created where missing (call only when about to sign)."""
    from portal.models import Pupil

    out = []
    for item in pending(user, klass, wave):
        out.append(item.record if item.record is not None else ensure_record(Pupil.get_by_id(item.pupil), klass))
    return out


def scope_classes(scope: str, year):
    classes = SchoolClass.select(SchoolClass, Grade).join(Grade).where(SchoolClass.year == year)
    kind, _, value = scope.partition(":")
    if kind == "class" and value.isdigit() and len(value) < 12:
        return classes.where(SchoolClass.id == int(value))
    if kind == "grade" and value.isdigit() and len(value) < 3:
        return classes.where(Grade.number == int(value))
    if kind == "all":
        return classes
    raise ServiceError("Phạm vi ký không hợp lệ.")


def batch_scope(user: User, scope: str, wave: int) -> list[RecordVersion]:
    """The records in `scope` ("class:<id>", "grade:<n>", "all") whose next step is this user's."""
    from .school import current_year

    records = []
    for klass in scope_classes(scope, current_year()):
        records += ready(user, klass, wave)
    return records


def start_batch(user: User, scope: str, wave: int, secret: str) -> SigningJob:
    """Create a signing job for everything ready in scope and hand it to the background worker."""
    from portal import jobs

    if wave not in (1, 2):
        raise ServiceError("Đợt ký không hợp lệ.")
    if not secret:
        raise ServiceError("Vui lòng nhập mật khẩu (passphrase) hoặc mã PIN.", field="secret")
    records = batch_scope(user, scope, wave)
    if not records:
        raise ServiceError("Không có học bạ nào đang chờ bạn ký trong phạm vi này.")
    role = next_role(records[0])
    unlock(user, role, secret, klass=records[0].school_class).backend.close()  # a wrong passphrase is said now, not per record
    with write_tx():
        job = SigningJob.create(user=user, role=role, scope=scope, wave=wave, total=len(records),
                                record_ids=json.dumps([r.id for r in records]))
        audit.record("signing.batch_started", job, user=user, summary=f"Ký đồng loạt {len(records)} học bạ ({scope})")
    jobs.enqueue(job.id, secret)
    return job


def heartbeat(job_id: int, **changes) -> None:
    from portal.models.base import utcnow

    with write_tx():
        SigningJob.update(heartbeat_at=utcnow(), worker_pid=os.getpid(), **changes).where(
            SigningJob.id == job_id).execute()
