"""Is this học bạ genuine, complete, current and unchanged? A check list in plain Vietnamese.

The file is inspected in a bounded child process (hostile PDFs cost at most its limits); then the
school's database, when it holds the record, says whether this version is current and whether the
data inside equals what the school holds.
"""
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

from portal.models import RecordVersion
from portal.signing import bounded
from portal.signing.inspect import MAX_BYTES, inspect

from .records import normalise_code
from .signing import ROLE_LABELS, chain

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"


@dataclass
class Check:
    key: str
    label: str
    status: str
    reason: str = ""


@dataclass
class Verdict:
    status: str  # passed | failed | indeterminate
    checks: list[Check] = field(default_factory=list)
    record: dict | None = None

    @property
    def exit_code(self) -> int:
        return {"passed": 0, "failed": 1}.get(self.status, 2)

    def as_dict(self) -> dict:
        return {"status": self.status, "checks": [asdict(c) for c in self.checks],
                "record": {k: self.record.get(k) for k in ("id", "version", "code")} if self.record else None}


def _roots_pem() -> list[bytes]:
    folder = Path(current_app.config["TRUST_DIR"])
    return [p.read_bytes() for p in sorted(folder.glob("*.pem")) + sorted(folder.glob("*.crt"))]


def _overall(checks: list[Check]) -> str:
    if any(c.status == FAILED for c in checks):
        return "failed"
    essential = [c for c in checks if not c.key.startswith("db.")]
    return "indeterminate" if any(c.status == UNKNOWN for c in essential) else "passed"


def verify(data: bytes) -> Verdict:
    checks: list[Check] = []
    if len(data) > MAX_BYTES:
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB; học bạ số không lớn như vậy.")])
    try:
        found = bounded.run(inspect, data, _roots_pem(), timeout_s=current_app.config.get("VERIFY_TIMEOUT_S", 30))
    except bounded.Bounded as err:
        reason = {"timeout": "Tệp quá phức tạp, không kiểm tra được trong thời gian cho phép.",
                  "memory": "Tệp cần quá nhiều bộ nhớ để đọc; có thể đã bị làm hỏng cố ý."}.get(
                      err.kind, "Không đọc được tệp PDF (cấu trúc hỏng hoặc lồng nhau quá sâu).")
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, reason)])
    problem = {"not_pdf": "Tệp không phải là PDF.", "encrypted": "PDF được mã hóa bằng mật khẩu; học bạ số không mã hóa.",
               "unreadable": "Không đọc được tệp PDF (bị cắt cụt hoặc hỏng)."}.get(found["problem"])
    if problem:
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, problem)])
    checks.append(Check("file", "Tệp PDF đọc được", PASSED))
    sigs = found["signatures"]
    if found["problem"] == "signature_unreadable":
        checks.append(Check("signatures", "Chữ ký số", FAILED, "Không đọc được chữ ký số trong tệp (tệp đã bị sửa hoặc hỏng)."))
        return Verdict("failed", checks, found["json"])
    if not sigs:
        checks.append(Check("signatures", "Chữ ký số", FAILED, "Tệp không có chữ ký số nào."))
        return Verdict("failed", checks, found["json"])
    for i, s in enumerate(sigs, start=1):
        who = f"{ROLE_LABELS.get(s['role'], s['role'])}: {s['signer']}"
        if not s["intact"] or not s["valid"]:
            checks.append(Check(f"sig{i}.intact", f"Nội dung không đổi kể từ chữ ký {who}", FAILED,
                                "Tệp đã bị thay đổi sau khi ký (dấu vân tay không khớp)."))
        else:
            checks.append(Check(f"sig{i}.intact", f"Nội dung không đổi kể từ chữ ký {who}", PASSED,
                                f"Ký lúc {s['signed_at'][:19].replace('T', ' ')} (UTC)."))
        checks.append(Check(f"sig{i}.trusted", f"Chứng thư số của {who} hợp lệ, do tổ chức tin cậy cấp",
                            PASSED if s["trusted"] else FAILED,
                            f"Cấp bởi {s['issuer']}." if s["trusted"] else
                            f"Cấp bởi {s['issuer'] or 'tổ chức không rõ'}: không nối được tới chứng thư gốc tin cậy, hoặc chứng thư hết hạn/không hợp lệ lúc ký."))
        if s["modification"] == "OTHER" or s["docmdp_ok"] is False:
            checks.append(Check(f"sig{i}.changes", f"Không có thay đổi trái phép sau chữ ký {who}", FAILED,
                                "Sau chữ ký có phần được thêm vào làm thay đổi nội dung hiển thị hoặc dữ liệu."))
    expected = chain()
    roles = [s["role"] for s in sigs]
    if roles == expected:
        checks.append(Check("chain", "Đủ chữ ký theo đúng thứ tự", PASSED, " → ".join(ROLE_LABELS[r] for r in roles)))
    elif roles == expected[:len(roles)]:
        checks.append(Check("chain", "Đủ chữ ký theo đúng thứ tự", FAILED,
                            "Còn thiếu: " + ", ".join(ROLE_LABELS[r] for r in expected[len(roles):]) + " (chưa phát hành)."))
    else:
        checks.append(Check("chain", "Đủ chữ ký theo đúng thứ tự", FAILED,
                            "Thứ tự chữ ký không đúng quy trình: " + " → ".join(ROLE_LABELS.get(r, r) for r in roles)))
    checks.append(Check("seal", "Có dấu số của nhà trường", PASSED if "seal" in roles else FAILED,
                        "" if "seal" in roles else "Học bạ chưa được đóng dấu số (chưa phát hành)."))
    last = sigs[-1]
    checks.append(Check("coverage", "Chữ ký cuối cùng bao trùm toàn bộ tệp",
                        PASSED if last["coverage"] == "ENTIRE_FILE" else FAILED,
                        "" if last["coverage"] == "ENTIRE_FILE" else "Có nội dung được thêm vào sau chữ ký cuối cùng."))
    record = found["json"]
    if record is None:
        checks.append(Check("data", "Dữ liệu học bạ nhúng trong tệp", FAILED, "Không có tệp dữ liệu hocba.json."))
    else:
        checks.append(Check("data", "Dữ liệu học bạ nhúng trong tệp", PASSED, f"Mã học bạ {record['record']['id']}."))
    checks += _database_checks(record, found["json_sha256"])
    return Verdict(_overall(checks), checks, record["record"] if record else None)


def _database_checks(record: dict | None, json_sha256: str) -> list[Check]:
    if record is None:
        return []
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code(record["record"].get("code", "")))
    if rv is None:
        return [Check("db.current", "Phiên bản hiện hành", UNKNOWN, "Hồ sơ này không có trong cơ sở dữ liệu của trường đang kiểm tra.")]
    out = []
    if rv.status == "superseded" and rv.superseded_by_id:
        new = rv.superseded_by
        out.append(Check("db.current", "Phiên bản hiện hành", FAILED,
                         f"Đã được thay thế bởi phiên bản {new.version} ngày {new.issued_at:%d/%m/%Y}"
                         + (f" — lý do: {new.correction_reason}" if new.correction_reason else "") + "."))
    elif rv.status == "revoked":
        out.append(Check("db.current", "Phiên bản hiện hành", FAILED, "Học bạ này đã bị thu hồi."))
    elif rv.status == "issued":
        out.append(Check("db.current", "Phiên bản hiện hành", PASSED, f"Phiên bản {rv.version}, phát hành ngày {rv.issued_at:%d/%m/%Y}."))
    else:
        out.append(Check("db.current", "Phiên bản hiện hành", FAILED, "Học bạ chưa được phát hành."))
    same = rv.data_sha256 and rv.data_sha256 == json_sha256
    out.append(Check("db.data", "Dữ liệu trong tệp trùng với dữ liệu nhà trường lưu giữ", PASSED if same else FAILED,
                     "" if same else "Dữ liệu nhúng khác với bản nhà trường đã ký."))
    return out


def public_summary(code: str) -> dict | None:
    """What the QR link shows without the file: name, class, year, school, status — nothing more."""
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code(code))
    if rv is None:
        return None
    from portal.models import RECORD_STATUSES, School
    status = RECORD_STATUSES.get(rv.status, rv.status)
    if rv.status == "superseded" and rv.superseded_by_id:
        status += f" (bởi phiên bản {rv.superseded_by.version})"
    return {"name": rv.pupil.full_name, "class": rv.school_class.name, "year": rv.school_class.year.name,
            "school": School.current().name, "status": status, "version": rv.version, "issued": rv.status == "issued"}
