"""Batch signing: what awaits a user, counted without writing; batches started, watched, resumed.

Showing what is ready never writes (no draft rows are created by looking); starting a batch creates
the missing drafts. Two batches over the same records do not collide: each record is claimed by one
signing step at a time (services/records/chain.py), the other batch reports it as skipped.
"""
import json
import os
from dataclasses import dataclass

from portal.db import write_tx
from portal.models import Enrolment, Grade, RecordVersion, SchoolClass, SigningJob, User, YearResult
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.records.chain import chain, next_role, unlock
from portal.services.records.parallel import sign_parallel
from portal.services.records.record import ensure_record
from portal.services.records.signers import ROLE_LABELS, holds_role
from portal.services.system import audit
from portal.services.records.subject_signing import subject_pending


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


# The two signing waves (HOCBA §3) say what the second one waits for: primary (TT27 Điều 11) the
# supplementary evaluation; secondary (TT22 Điều 13–14) the summer re-tests and rèn luyện.
WAVES = {
    "TH": {1: "Đợt 1 — cuối năm học", 2: "Đợt 2 — sau đánh giá bổ sung"},
    "secondary": {1: "Đợt 1 — cuối năm học",
                  2: "Đợt 2 — sau kiểm tra, đánh giá lại hoặc rèn luyện trong kì nghỉ hè"},
}


def wave_labels(classes) -> dict[int, str]:
    """Wave → its label for these classes; a school with both levels names both second waves."""
    kinds = sorted({"TH" if c.grade.level == "TH" else "secondary" for c in classes}, reverse=True) or ["TH"]
    if len(kinds) == 1:
        return WAVES[kinds[0]]
    return {1: WAVES["TH"][1], 2: "Đợt 2 — sau đánh giá bổ sung (tiểu học); sau kiểm tra, đánh giá lại "
                                  "hoặc rèn luyện trong kì nghỉ hè (trung học)"}


def waiting(user: User, classes) -> dict[tuple[int, int], dict[str, int]]:
    """(class id, wave) → {the step this user signs, in words: how many records wait for it}, read only.
    A secondary teacher may wait at two steps of one class: their subjects' and, as its homeroom teacher,
    the class's."""
    out = {}
    for klass in classes:
        for wave in (1, 2):
            steps: dict[str, int] = {}
            for item in pending(user, klass, wave):
                label = ROLE_LABELS.get(item.role, item.role)
                steps[label] = steps.get(label, 0) + 1
            out[(klass.id, wave)] = steps
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
    from portal.services.school.years import current_year

    records = []
    for klass in scope_classes(scope, current_year()):
        records += ready(user, klass, wave)
    return records


def start_batch(user: User, scope: str, wave: int, secret: str, *, queue) -> SigningJob:
    """Create a signing job for everything ready in scope and hand it to a signing worker. `queue` is the
    caller's (portal.jobs.signing_queue: `ready()` raises when no worker could sign, `put(job_id, secret)`
    seals the passphrase to the workers), so this module never imports it."""
    if wave not in (1, 2):
        raise ServiceError("Đợt ký không hợp lệ.")
    if not secret:
        raise ServiceError("Vui lòng nhập mật khẩu (passphrase) hoặc mã PIN.", field="secret")
    records = batch_scope(user, scope, wave)
    if not records:
        raise ServiceError("Không có học bạ nào đang chờ bạn ký trong phạm vi này.")
    role = next_role(records[0])
    unlock(user, role, secret, klass=records[0].school_class).backend.close()  # a wrong passphrase is said now, not per record
    queue.ready()
    with write_tx():
        job = SigningJob.create(user=user, role=role, scope=scope, wave=wave, total=len(records),
                                record_ids=json.dumps([r.id for r in records]))
        audit.record("signing.batch_started", job, user=user, summary=f"Ký đồng loạt {len(records)} học bạ ({scope})")
    try:
        queue.put(job.id, secret)
    except ServiceError:  # the last worker stopped a moment ago: the job says so, and so does the page
        heartbeat(job.id, status="interrupted")
        raise
    except Exception as err:  # the queue itself (Redis down, its file unwritable): nothing was signed
        heartbeat(job.id, status="interrupted")
        raise ServiceError("Hàng đợi ký hàng loạt chưa sẵn sàng nên đợt ký chưa bắt đầu; chưa học bạ nào được ký. "
                           "Nhờ cán bộ CNTT chạy `flask --app portal doctor` để kiểm tra.") from err
    return job


def run_job(job_id: int, secret: str | None, worker: str = "") -> None:
    """Sign every record of the job; progress and a heartbeat are written after each record, so a job
    whose worker died shows as interrupted and can be resumed. Without its secret (no copy was sealed to a
    worker still running) the job is marked interrupted."""
    job = SigningJob.get_by_id(job_id)
    if secret is None:
        heartbeat(job_id, status="interrupted")
        return
    records = [RecordVersion.get_by_id(i) for i in json.loads(job.record_ids)]
    names = {r.id: r.pupil.full_name for r in records}
    heartbeat(job_id, status="running", total=len(records), errors="[]", worker=worker)
    errors = []

    def progress(result):
        if not result.ok:
            errors.append({"pupil": names.get(result.record_id, ""), "message": result.message})
        heartbeat(job_id, done=SigningJob.done + 1, failed=len(errors), errors=json.dumps(errors, ensure_ascii=False))

    sign_parallel(job.user, records, secret, progress=progress)
    heartbeat(job_id, status="finished", finished_at=utcnow())


def heartbeat(job_id: int, **changes) -> None:
    with write_tx():
        SigningJob.update(heartbeat_at=utcnow(), worker_pid=os.getpid(), **changes).where(
            SigningJob.id == job_id).execute()
