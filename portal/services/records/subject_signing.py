"""Subject teachers in the signing chain of a secondary record (TT22; issue #15).

The configured chain of a level names the role `subject` once (config SIGNING_CHAIN, default subject →
homeroom → principal → seal). For one record it expands into one *slot* per subject teacher of the
class — `subject_1` … `subject_n`, numbered in the order of `signers.subject` frozen in hocba.json — so
each teacher signs each record once, covering every subject they teach the class, in their own
signature field (`Sig_subject_<k>`). Subject slots may be signed in any order, all before the next role.
"""
import json

from portal.models import RecordSignature, School, Subject, TeachingAssignment

SUBJECT = "subject"


def slot(k: int) -> str:
    return f"{SUBJECT}_{k}"


def is_slot(role: str) -> bool:
    return role.startswith(SUBJECT + "_") and role[len(SUBJECT) + 1:].isdigit()


def base_role(role: str) -> str:
    """The role a field or signature row stands for: `subject_3` → `subject`."""
    return SUBJECT if is_slot(role) else role


def subject_signers(klass, school, skipped=frozenset()) -> list[dict]:
    """The `signers.subject` list of a secondary record: each teacher assigned in the class once, with the
    subjects they teach it, ordered by their first subject in the curriculum's order. `skipped`: the ids of
    the electives the record's pupil does not learn (their teachers have nothing of the pupil's to sign)."""
    by_staff: dict = {}
    rows = (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
            .where(TeachingAssignment.school_class == klass).order_by(Subject.sort_order, Subject.id))
    for t in rows:
        if t.subject_id in skipped:
            continue
        entry = by_staff.setdefault(t.staff_id, {"staff": t.staff, "subjects": [], "codes": []})
        entry["subjects"].append(t.subject.name)
        entry["codes"].append(t.subject.code)
    out = []
    for k, entry in enumerate(by_staff.values(), start=1):
        staff = entry["staff"]
        out.append({"slot": slot(k), "name": staff.full_name, "national_id": staff.national_id or "",
                    "title": staff.title or "Giáo viên",
                    "staff_code": staff.code, "subjects": entry["subjects"], "subject_codes": entry["codes"],
                    "school": school.name})
    return out


def expand(roles: list[str], subject_count: int) -> list[str]:
    """The configured chain with `subject` replaced by one slot per subject teacher of the record."""
    out = []
    for role in roles:
        out += [slot(k) for k in range(1, subject_count + 1)] if role == SUBJECT else [role]
    return out


def slot_of(staff, expected: list[dict]) -> str | None:
    """The slot the frozen record gives this member of staff (by staff code), or None."""
    for entry in expected or []:
        if staff is not None and entry.get("staff_code") == staff.code:
            return entry["slot"]
    return None


def same_chain(done: list[str], expected: list[str]) -> bool:
    """Are the roles signed so far (`done`, in file order) a correct beginning of `expected`? Subject slots
    may come in any order among themselves, each at most once, before the roles after them."""
    if len(done) > len(expected):
        return False
    head = [r for r in expected if is_slot(r)]
    n = min(len(done), len(head))
    if sorted(done[:n]) != sorted(set(done[:n])) or not set(done[:n]) <= set(head):
        return False
    if len(done) > len(head) and sorted(done[:len(head)]) != sorted(head):
        return False
    return [r for r in done[n:]] == [r for r in expected if not is_slot(r)][:len(done) - n]


def expected_of(rv) -> list[dict]:
    """The subject signers of a record: frozen in its data once in the chain, else as the class is now."""
    if rv.data_json:
        return json.loads(rv.data_json).get("signers", {}).get(SUBJECT, [])
    return subject_signers(rv.school_class, School.current(), skipped_of(rv.school_class, rv.pupil))


def skipped_of(klass, pupil) -> frozenset:
    """The ids of the electives this pupil does not learn in the class (evaluation/secondary/electives.py)."""
    from portal.services.evaluation.secondary.electives import opt_outs  # late: evaluation imports records
    return frozenset(opt_outs(klass).get(pupil.id, ()))


def record_roles(roles: list[str], rv) -> list[str]:
    """The configured roles of the record's level, `subject` expanded for this record."""
    if SUBJECT not in roles:
        return roles
    return expand(roles, len(expected_of(rv)))


def signed_slots(rv) -> set[str]:
    """The subject slots already signed on this version (rows of a withdrawn attempt carry a '#')."""
    return {s.role for s in RecordSignature.select(RecordSignature.role).where(RecordSignature.record == rv)
            if is_slot(s.role)}


def claim_slot(user, rv, frozen_signers: dict) -> str:
    """The subject slot this teacher signs on this record; refused when the record does not name them as
    a subject teacher or when they already signed it (one signature covers all their subjects)."""
    from portal.services import ServiceError

    slot_ = slot_of(user.staff, frozen_signers.get(SUBJECT, []))
    if slot_ is None:
        raise ServiceError("Học bạ này không ghi bạn là giáo viên môn học của lớp; bạn không ký ô giáo viên bộ môn.")
    if slot_ in signed_slots(rv):
        raise ServiceError("Bạn đã ký học bạ này (một chữ ký cho mọi môn bạn dạy lớp); đang chờ giáo viên khác.")
    return slot_


def stamp_title(slot_: str, signers: dict) -> str:
    """The line under a subject teacher's name on the stamp: the subjects the signature covers."""
    for entry in signers.get(SUBJECT, []):
        if entry.get("slot") == slot_:
            return "Môn: " + ", ".join(entry.get("subjects", []))
    return ""


class _Pending:
    """What awaits one user in a class whose chain has subject slots (batches.pending), read only:
    one query for the signed slots of the class's records."""

    def __init__(self, user, klass, roles, allowed, records):
        from portal.services.evaluation.secondary.electives import opt_outs
        self.user, self.roles, self.allowed, self.klass = user, roles, allowed, klass
        self.school, self.skipped, self._signers = School.current(), opt_outs(klass), {}
        self.waves = {}
        if any(allowed.values()):
            # Two waves, as for primary (HOCBA §3): a pupil sent to rèn luyện hè or to re-tests (TT22 Điều
            # 13–14) is signed in the second wave, once the summer's results decide the year.
            from portal.services.evaluation.secondary.summary import class_summary
            self.waves = {row.pupil.id: 2 if row.decision in ("ren_luyen_he", "kiem_tra_lai") else 1
                          for row in class_summary(klass)[1]}
        ids = [rv.id for rv in records]
        self.signed: dict = {}
        for row in RecordSignature.select(RecordSignature.record, RecordSignature.role).where(
                RecordSignature.record.in_(ids)):
            if is_slot(row.role):
                self.signed.setdefault(row.record_id, set()).add(row.role)

    def current(self, pupil_id) -> list[dict]:
        """The subject signers of the pupil's record as the class is now (one list per set of electives)."""
        key = frozenset(self.skipped.get(pupil_id, ()))
        if key not in self._signers:
            self._signers[key] = subject_signers(self.klass, self.school, key)
        return self._signers[key]

    def wave(self, pupil_id) -> int:
        return self.waves.get(pupil_id, 1)

    def pending(self, pupil_id, rv) -> str | None:
        """The role this user would sign next on the pupil's record, or None."""
        expected = (json.loads(rv.data_json).get("signers", {}).get(SUBJECT, []) if rv is not None and rv.data_json
                    else self.current(pupil_id))
        full, step = expand(self.roles, len(expected)), (rv.step if rv is not None else 0)
        if rv is not None and (rv.status not in ("draft", "signing") or step >= len(full)):
            return None
        role = base_role(full[step])
        if not self.allowed.get(role):
            return None
        if role == SUBJECT:
            mine = slot_of(self.user.staff, expected)
            if mine is None or (rv is not None and mine in self.signed.get(rv.id, set())):
                return None
        return role


def subject_pending(user, klass, roles, allowed, records) -> _Pending:
    return _Pending(user, klass, roles, allowed, list(records))
