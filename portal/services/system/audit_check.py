"""Checking the audit trail: every HMAC and link, consecutive ids, the rows sealed when the key came in,
and the anchors — heads recorded outside the database (the anchor log written at each backup, the
backup manifests, a head the administrator noted down) — so that cutting off the newest rows is found.

Without an anchor, deleting the newest rows cannot be told apart from nothing having happened; that is
what the anchors are for.
"""
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from portal.models import AuditEntry
from portal.services.appconfig import app_config
from portal.services.system import audit, keys

MAX_PROBLEMS = 20
HEAD_RE = re.compile(r"^#?(\d{1,18})[:·\s]+([0-9a-fA-F]{8,64})$")


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str  # the full hash, or at least its first 8 hex digits
    source: str


@dataclass
class Problem:
    entry_id: int | None
    message: str


@dataclass
class Report:
    total: int = 0
    head: AuditEntry | None = None
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, entry_id, message) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(entry_id, message))
        else:
            self.more += 1


def parse_head(text: str, source: str = "mốc nhập tay") -> Anchor:
    """`1234:3fa2b9c1d0e4` (as the administrator's page shows it) → an anchor; ValueError otherwise."""
    m = HEAD_RE.match((text or "").strip())
    if not m:
        raise ValueError("Mốc phải có dạng SỐ-MỤC:MÃ-BĂM (ví dụ 1234:3fa2b9c1d0e4, ít nhất 8 chữ số hex).")
    return Anchor(int(m.group(1)), m.group(2).lower(), source)


def _anchor_file() -> Path:
    return Path(app_config()["AUDIT_ANCHOR_FILE"])


def write_anchor(source: str, entry_id: int | None = None, entry_hash: str | None = None) -> Anchor | None:
    """Append a head (the current one unless given) to the anchor log, outside the database; None when empty."""
    if entry_id is None:
        last = audit.head()
        if last is None:
            return None
        entry_id, entry_hash = last.id, last.hash
    line = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "id": entry_id,
            "hash": entry_hash, "source": source}
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return Anchor(entry_id, entry_hash, source)


def read_anchors(report: Report | None = None) -> list[Anchor]:
    path = _anchor_file()
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Anchor(int(row["id"]), str(row["hash"]).lower(),
                              f"mốc ngày {row.get('at', '?')[:10]} ({row.get('source', '')})"))
        except (ValueError, KeyError, TypeError):
            if report is not None:
                report.add(None, f"Tệp mốc {path} hỏng ở dòng {n}: không đọc được.")
    return out


def _check_seal(report: Report, secret: bytes, seal: AuditEntry, scan: audit.LegacyScan) -> bool:
    """The entry that introduced the key; False when the key at hand is not the one that sealed the trail."""
    try:
        sealed = json.loads(seal.data)
        legacy, key_id = sealed["legacy"], sealed["key_id"]
    except (ValueError, KeyError, TypeError):
        report.add(seal.id, f"Mục niêm phong #{seal.id} bị hỏng.")
        return True
    if audit.keyed_hash(secret, seal) != seal.hash and key_id != keys.fingerprint(secret):
        report.add(seal.id, f"Khóa nhật ký hiện tại (mã {keys.fingerprint(secret)}) không phải khóa đã niêm phong "
                            f"nhật ký (mã {key_id}): khôi phục đúng tệp khóa (instance/secrets/audit.key) "
                            "từ máy cũ hoặc từ bản sao lưu đã mã hóa.")
        return False
    now = scan.summary()
    if (now["entries"], now["digest"]) != (legacy.get("entries"), legacy.get("digest")):
        report.add(seal.id, f"Các mục ghi trước khi có khóa (trước mục #{seal.id}) đã bị sửa, thêm hoặc xóa "
                            "sau khi được niêm phong.")
    elif not legacy.get("intact", True):
        report.notes.append(f"Trước khi có khóa, chuỗi băm cũ đã hỏng từ mục #{legacy.get('first_bad')} "
                            f"(ghi nhận khi niêm phong ở mục #{seal.id}); các mục đó không đổi từ khi niêm phong.")
    return True


def verify(extra_anchors: list[Anchor] = ()) -> Report:
    """Check the whole trail against the key and every anchor."""
    report = Report(total=AuditEntry.select().count(), head=audit.head())
    secret = audit.key(create=False)
    scan, prev, sealed = audit.LegacyScan(), None, False
    for e in AuditEntry.select().order_by(AuditEntry.id).iterator():
        if not sealed:
            if e.action != audit.SEAL_ACTION:
                scan.add(e)
                prev = e
                continue
            sealed = True
            if secret is None:
                report.add(None, "Không tìm thấy khóa nhật ký (instance/secrets/audit.key hoặc AUDIT_KEY): "
                                 "không kiểm tra được.")
                break
            if not _check_seal(report, secret, e, scan):
                break
        if prev is not None and e.id != prev.id + 1:
            gap = f"#{prev.id + 1}" if e.id == prev.id + 2 else f"#{prev.id + 1}–#{e.id - 1}"
            report.add(e.id, f"Mục {gap} đã bị xóa (mục #{e.id} không nối tiếp mục #{prev.id}).")
        elif prev is not None and e.prev_hash != prev.hash:
            report.add(e.id, f"Mục #{e.id} không nối tiếp mục #{prev.id} (chuỗi bị chèn, sửa hoặc rẽ nhánh).")
        if audit.keyed_hash(secret, e) != e.hash:
            report.add(e.id, f"Mục #{e.id} ({e.at:%d/%m/%Y %H:%M:%S}, {e.action}) đã bị sửa: nội dung không khớp "
                             "mã HMAC.")
        prev = e
    if report.total and not sealed:
        report.add(None, "Nhật ký chưa được niêm phong bằng khóa (hoặc mục niêm phong đã bị xóa): chạy "
                         "`flask --app portal db upgrade` trên hệ thống vừa nâng cấp.")
    anchors = [*read_anchors(report), *extra_anchors]
    report.anchors = len(anchors)
    _check_anchors(report, anchors)
    return report


def _check_anchors(report: Report, anchors: list[Anchor]) -> None:
    last_id = report.head.id if report.head else 0
    for anchor in anchors:
        if anchor.id > last_id:
            report.add(None, f"Nhật ký bị cắt cụt: kết thúc ở mục #{last_id} nhưng {anchor.source} ghi đầu chuỗi là "
                             f"mục #{anchor.id}.")
            continue
        entry = AuditEntry.get_or_none(AuditEntry.id == anchor.id)
        if entry is None:
            report.add(anchor.id, f"Mục #{anchor.id} ({anchor.source}) không còn trong nhật ký.")
        elif not entry.hash.startswith(anchor.hash):
            report.add(anchor.id, f"Mục #{anchor.id} khác với {anchor.source}: nhật ký đã bị viết lại.")
