"""The comment bank (suggestions per subject and level, shared and personal) and comment quality checks."""
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from portal.db import write_tx
from portal.grading import tt27
from portal.models import CommentTemplate, Subject, split_name
from portal.services import ServiceError
from portal.services.system import audit
from portal.text import clean_text

DATA = Path(__file__).resolve().parents[2] / "data" / "comment_bank_TH.json"
PLACEHOLDER = "{ten}"
MAX_TEMPLATE = 600


def seed_bank() -> int:
    """Load the starting set of shared comments (once)."""
    if CommentTemplate.select().where(CommentTemplate.owner.is_null()).exists():
        return 0
    data = json.loads(DATA.read_text(encoding="utf-8"))
    subjects = {s.code: s for s in Subject.select()}
    rows = []
    for code, subject in subjects.items():
        for level, texts in data["any_subject"].items():
            rows += [dict(subject=subject, level=level, text=t.replace("{mon}", subject.name)) for t in texts]
        for level, texts in data["subjects"].get(code, {}).items():
            rows += [dict(subject=subject, level=level, text=t) for t in texts]
    for group, levels in data["qualities"].items():
        for level, texts in levels.items():
            rows += [dict(subject=None, quality_group=group, level=level, text=t) for t in texts]
    with write_tx():
        for chunk in range(0, len(rows), 200):
            CommentTemplate.insert_many(rows[chunk:chunk + 200]).execute()
    return len(rows)


def suggestions(user, subject: Subject | None, level: str, quality_group: str = "") -> list[CommentTemplate]:
    """The teacher's own comments first, then the shared ones, for this subject (or quality group) and level."""
    q = CommentTemplate.select().where(
        (CommentTemplate.owner.is_null() | (CommentTemplate.owner == user))
        & ((CommentTemplate.level == level) | (CommentTemplate.level == "")))
    if subject is not None:
        q = q.where(CommentTemplate.subject == subject)
    else:
        q = q.where(CommentTemplate.subject.is_null() & (CommentTemplate.quality_group == quality_group))
    return sorted(q, key=lambda t: (t.owner_id is None, t.id))


def bank_for(user, subject: Subject | None, quality_group: str = "") -> dict[str, list[str]]:
    """Every level's suggestions at once (the page switches between them as the level changes)."""
    q = CommentTemplate.select().where(CommentTemplate.owner.is_null() | (CommentTemplate.owner == user))
    if subject is not None:
        q = q.where(CommentTemplate.subject == subject)
    else:
        q = q.where(CommentTemplate.subject.is_null() & (CommentTemplate.quality_group == quality_group))
    out: dict[str, list[str]] = {}
    for t in sorted(q, key=lambda t: (t.owner_id is None, t.id)):
        out.setdefault(t.level, []).append(t.text)
    return out


def personalise(text: str, full_name: str) -> str:
    return text.replace(PLACEHOLDER, split_name(full_name)[0])


def save_own(user, subject: Subject | None, level: str, text: str, quality_group: str = "",
             pupil=None) -> CommentTemplate:
    """A teacher keeps a comment for reuse; the pupil's given name becomes the placeholder."""
    text = clean_text(text or "").strip()
    if pupil is not None:
        given = split_name(pupil.full_name)[0]
        text = re.sub(rf"(?<!\w){re.escape(given)}(?!\w)", PLACEHOLDER, text)
    if quality_group and quality_group not in tt27.QUALITY_GROUPS:
        raise ServiceError("Nhóm phẩm chất, năng lực không hợp lệ.", field="group")
    if not text:
        raise ServiceError("Nhận xét trống.", field="text")
    if len(text) > MAX_TEMPLATE:
        raise ServiceError(f"Nhận xét mẫu tối đa {MAX_TEMPLATE} ký tự.", field="text")
    with write_tx():
        row = CommentTemplate.create(subject=subject, quality_group=quality_group, level=level, text=text, owner=user)
        audit.record("comment_bank.saved", row, user=user, summary="Lưu nhận xét mẫu")
    return row


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text))


def comment_warnings(pupils, levels: dict, comments: dict) -> dict[int, list[str]]:
    """Per pupil id: an empty comment where the level is C; another pupil's name; the same text for the class."""
    warnings: dict[int, list[str]] = {p.id: [] for p in pupils}
    given = {p.id: split_name(p.full_name)[0] for p in pupils}
    full_names = {p.id: p.full_name for p in pupils}
    counts = Counter(c.strip() for c in comments.values() if c and c.strip())
    for p in pupils:
        text = (comments.get(p.id) or "").strip()
        if levels.get(p.id) == "C" and not text:
            warnings[p.id].append("Mức C cần có nhận xét về nội dung chưa đạt và cách hỗ trợ.")
        if not text:
            continue
        words = _words(text)
        for other in pupils:
            if other.id == p.id:
                continue
            # Another pupil's full name, or their given name right after "em"/"con" (case matters:
            # "an" in "an toàn" is not the pupil An).
            if full_names[other.id] in text:
                warnings[p.id].append(f"Nhận xét có tên học sinh khác: {full_names[other.id]}.")
                break
            g = given[other.id]
            if g != given[p.id] and any(words[i].lower() in ("em", "con") and words[i + 1] == g
                                        for i in range(len(words) - 1)):
                warnings[p.id].append(f"Nhận xét có thể nhắc tên học sinh khác: “{g}”.")
                break
        if len(pupils) >= 5 and counts[text] >= max(5, int(0.6 * len(pupils))):
            warnings[p.id].append(f"Cùng một nhận xét được dán cho {counts[text]} học sinh.")
    return warnings
