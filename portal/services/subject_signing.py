"""Subject teachers in the signing chain of a secondary record (TT22; issue #15).

The configured chain of a level names the role `subject` once (config SIGNING_CHAIN, default subject →
homeroom → principal → seal). For one record it expands into one *slot* per subject teacher of the
class — `subject_1` … `subject_n`, numbered in the order of `signers.subject` frozen in hocba.json — so
each teacher signs each record once, covering every subject they teach the class, in their own
signature field (`Sig_subject_<k>`). Subject slots may be signed in any order, all before the next role.
"""
from portal.models import Subject, TeachingAssignment

SUBJECT = "subject"


def slot(k: int) -> str:
    return f"{SUBJECT}_{k}"


def is_slot(role: str) -> bool:
    return role.startswith(SUBJECT + "_") and role[len(SUBJECT) + 1:].isdigit()


def base_role(role: str) -> str:
    """The role a field or signature row stands for: `subject_3` → `subject`."""
    return SUBJECT if is_slot(role) else role


def subject_signers(klass, school) -> list[dict]:
    """The `signers.subject` list of a secondary record: each teacher assigned in the class once, with the
    subjects they teach it, ordered by their first subject in the curriculum's order."""
    by_staff: dict = {}
    rows = (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
            .where(TeachingAssignment.school_class == klass).order_by(Subject.sort_order, Subject.id))
    for t in rows:
        entry = by_staff.setdefault(t.staff_id, {"staff": t.staff, "subjects": [], "codes": []})
        entry["subjects"].append(t.subject.name)
        entry["codes"].append(t.subject.code)
    out = []
    for k, entry in enumerate(by_staff.values(), start=1):
        staff = entry["staff"]
        out.append({"slot": slot(k), "name": staff.full_name, "title": staff.title or "Giáo viên",
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
