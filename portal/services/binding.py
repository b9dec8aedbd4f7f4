"""Is each signature by the person the record names for its role? (docs/signer-binding.md)

The rules use only the file: the expected signers frozen in the embedded data and each signature's
certificate subject. So they hold for a record of any school, offline; the database adds its own
checks for this school's records (services/verification.py).
"""
import datetime as dt

from portal.signing import identity

from .signers import ROLE_LABELS
from .subject_signing import base_role, is_slot

ROLE_NOUNS = {"homeroom": "giáo viên chủ nhiệm", "principal": "hiệu trưởng", "seal": "dấu số của trường",
              "subject": "giáo viên bộ môn"}


def _known_as(name: str, signers: dict) -> str:
    """What the record says this person is (to name a forger's real role in the message)."""
    if identity.same_name(name, (signers.get("homeroom") or {}).get("name")):
        return "giáo viên chủ nhiệm"
    principal = signers.get("principal") or {}
    if identity.same_name(name, principal.get("name")):
        return "hiệu trưởng"
    if any(identity.same_name(name, d.get("name")) for d in principal.get("deputies", [])):
        return "phó hiệu trưởng"
    if any(identity.same_name(name, t.get("name")) for t in _subject_signers(signers)):
        return "giáo viên bộ môn"
    return "giáo viên"


def _subject_signers(signers: dict) -> list[dict]:
    """`signers.subject` of a file from anywhere: only its well-formed entries."""
    entries = signers.get("subject")
    return [t for t in entries if isinstance(t, dict)] if isinstance(entries, list) else []


def _day(s: dict) -> str:
    when = s.get("timestamp_at") or s.get("signed_at") or ""
    return when[:10] if when else dt.date.today().isoformat()


def _role_problem(s: dict, record: dict) -> str:
    signers, school = record.get("signers") or {}, record.get("school") or {}
    subject = identity.Subject.from_dict(s.get("subject") or {})
    role, label = s["role"], ROLE_LABELS.get(s["role"], s["role"])
    if role == "seal":
        problem = identity.organisation_problem(subject, school.get("name", ""), (signers.get("seal") or {}).get("tax_code", ""))
        return f"Dấu số ở ô {label} {problem}." if problem else ""
    if subject.is_organisation:
        return f"Chữ ký ở ô {label} là chứng thư số của tổ chức {subject.common_name}, không phải của một người."
    expected = signers.get(role) or {}
    if is_slot(role):  # a subject teacher's own field: the teacher the record names for that slot
        expected = next((t for t in _subject_signers(signers) if t.get("slot") == role), {})
    names = [expected.get("name", "")]
    if role == "principal":
        names += [d.get("name", "") for d in expected.get("deputies", [])
                  if d.get("authorised_from", "") <= _day(s) <= d.get("authorised_to", "")]
    for name in names:
        if name and not identity.person_problem(subject, name, school.get("name", "")):
            return ""
    if not expected.get("name"):
        return f"Dữ liệu học bạ không ghi người ký ô {label}."
    who = subject.common_name or "người không rõ tên"
    problem = identity.person_problem(subject, expected.get("name", ""), school.get("name", ""))
    if identity.same_name(who, expected.get("name")):  # the right name, but another organisation or number
        return f"Chữ ký ở ô {label}: chứng thư số {problem}."
    extra = (", cũng không phải phó hiệu trưởng được ủy quyền ký vào ngày đó" if role == "principal" else "")
    return f"Chữ ký ở ô {label} là của {who}, {_known_as(who, signers)} — không phải {ROLE_NOUNS.get(base_role(role), label)}{extra}."


def binding_checks(sigs: list[dict], record: dict):
    """One check per signature (right person for the role) and one that nobody signed two roles."""
    from .verification import FAILED, PASSED, Check

    out = []
    for i, s in enumerate(sigs, start=1):
        label = f"Người ký ô {ROLE_LABELS.get(s['role'], s['role'])} đúng là người giữ vai trò đó"
        problem = _role_problem(s, record)
        out.append(Check(f"sig{i}.signer", label, FAILED if problem else PASSED,
                         problem or f"{s['signer']} — đúng như học bạ ghi."))
    twice = []
    for a in range(len(sigs)):
        for b in range(a + 1, len(sigs)):
            x, y = sigs[a], sigs[b]
            sx, sy = identity.Subject.from_dict(x.get("subject") or {}), identity.Subject.from_dict(y.get("subject") or {})
            same = (x["cert_sha256"] and x["cert_sha256"] == y["cert_sha256"]) or (
                sx.person_id and sx.person_id == sy.person_id) or (
                not sx.is_organisation and not sy.is_organisation and identity.same_name(sx.common_name, sy.common_name))
            # A homeroom teacher (or principal) often teaches a subject in the class: one person may sign
            # a subject field and one other role; two subject fields of one record, never.
            if same and is_slot(x["role"]) != is_slot(y["role"]):
                continue
            if same:
                twice.append(f"{sx.common_name} ký cả ô {ROLE_LABELS.get(x['role'], x['role'])} và ô "
                             f"{ROLE_LABELS.get(y['role'], y['role'])}")
    out.append(Check("signers.distinct", "Mỗi vai trò do một người khác nhau ký", FAILED if twice else PASSED,
                     "; ".join(twice) + "." if twice else ""))
    return out
