"""Is this học bạ genuine, complete, current and unchanged? A check list in plain Vietnamese.

The file is inspected in a bounded child process (hostile PDFs cost at most its limits). Then each
signature is judged: unchanged since signed, trusted at the time it is proven to have existed (a
timestamp and the file's validation data can prove it long after the certificate expired), by the
person the record names for that role (docs/signer-binding.md), the seal by the school's organisation
certificate. Finally the school's database, when the record names this school, says whether it issued
it, whether this version is current, and whether the data equals what it holds.
"""
import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

from portal.models import RecordSignature, RecordVersion, School
from portal.models.school import school_levels
from portal.signing import bounded
from portal.signing.inspect import MAX_BYTES, inspect

from .binding import binding_checks
from .records import normalise_code
from .signers import ROLE_LABELS

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
VN = dt.timezone(dt.timedelta(hours=7))


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
    data: dict | None = None  # the whole embedded record (name, class, year for the page's heading)

    @property
    def exit_code(self) -> int:
        return {"passed": 0, "failed": 1}.get(self.status, 2)

    def as_dict(self) -> dict:
        return {"status": self.status, "checks": [asdict(c) for c in self.checks],
                "record": {k: self.record.get(k) for k in ("id", "version", "code")} if self.record else None}


def vn_time(iso: str) -> str:
    """An ISO time as people in Vietnam read it: 14:05 ngày 23/11/2026 (giờ Việt Nam)."""
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(VN).strftime("%H:%M ngày %d/%m/%Y")


def _roots_pem() -> list[bytes]:
    folder = Path(current_app.config["TRUST_DIR"])
    return [p.read_bytes() for p in sorted(folder.glob("*.pem")) + sorted(folder.glob("*.crt"))]


def _overall(checks: list[Check]) -> str:
    if any(c.status == FAILED for c in checks):
        return "failed"
    essential = [c for c in checks if not c.key.startswith("db.")]
    return "indeterminate" if any(c.status == UNKNOWN for c in essential) else "passed"


def chain_roles(record: dict | None = None) -> list[str]:
    """The roles a record's chain expects: its level's configured chain, with one subject slot per subject
    teacher the record names (secondary); without a record, the school's first level."""
    from .subject_signing import expand

    record = record if isinstance(record, dict) else {}
    school = record.get("school") if isinstance(record.get("school"), dict) else {}
    signers = record.get("signers") if isinstance(record.get("signers"), dict) else {}
    level = school.get("level")
    if level not in current_app.config["SIGNING_CHAIN"]:
        school = School.current()
        level = school_levels(school.level if school else "TH")[0]
    subjects = signers.get("subject") if isinstance(signers.get("subject"), list) else []
    return expand(current_app.config["SIGNING_CHAIN"][level], len(subjects))


def _trust_check(i: int, who: str, s: dict) -> Check:
    trust, label = s["trust"], f"Chứng thư số của {who} hợp lệ vào lúc ký, do tổ chức tin cậy cấp"
    issuer = s["issuer"] or "tổ chức không rõ"
    if trust["verdict"] == "passed":
        if trust["how"] == "timestamp":
            how = (f"Cấp bởi {issuer}. Chữ ký được chứng minh có từ {vn_time(trust['proven_at'])} bằng dấu thời gian; "
                   "chứng thư còn hiệu lực và chưa bị thu hồi vào lúc đó"
                   + (" (dữ liệu kiểm tra thu hồi nằm trong tệp)." if s.get("lta") else "."))
        else:
            how = f"Cấp bởi {issuer}; còn hiệu lực vào lúc kiểm tra."
        return Check(f"sig{i}.trusted", label, PASSED, how)
    code = trust["code"]
    if trust["verdict"] == "indeterminate":
        if trust.get("expired_on") or code in ("OUT_OF_BOUNDS_NO_POE", "NO_POE", "REVOKED_NO_POE"):
            reason = ("Chứng thư số đã hết hạn" + (f" ngày {vn_time(trust['expired_on'])[9:]}" if trust.get("expired_on") else "")
                      + " hoặc bị thu hồi, và tệp không có dấu thời gian chứng minh chữ ký có trước thời điểm đó; "
                      "không xác định được chữ ký còn giá trị.")
        elif code == "TRY_LATER":
            reason = "Chưa có đủ dữ liệu kiểm tra thu hồi trong tệp; thử lại sau."
        else:
            reason = f"Không đủ dữ liệu để xác định hiệu lực chứng thư ({code})."
        return Check(f"sig{i}.trusted", label, UNKNOWN, reason)
    if code == "REVOKED":
        reason = f"Chứng thư số của {s['signer']} đã bị thu hồi trước khi ký."
    else:
        reason = f"Cấp bởi {issuer}: không nối được tới chứng thư gốc tin cậy, hoặc chứng thư không hợp lệ lúc ký."
    return Check(f"sig{i}.trusted", label, FAILED, reason)


def _signature_checks(sigs: list[dict], lta: bool) -> list[Check]:
    checks = []
    tampered = any(not s["intact"] or not s["valid"] for s in sigs)
    for i, s in enumerate(sigs, start=1):
        s["lta"] = lta
        who = f"{ROLE_LABELS.get(s['role'], s['role'])}: {s['signer']}"
        if not s["intact"] or not s["valid"]:
            checks.append(Check(f"sig{i}.intact", f"Nội dung không đổi kể từ chữ ký {who}", FAILED,
                                "Tệp đã bị thay đổi sau khi ký (dấu vân tay không khớp)."))
        else:
            when = s["timestamp_at"] or s["signed_at"]
            checks.append(Check(f"sig{i}.intact", f"Nội dung không đổi kể từ chữ ký {who}", PASSED,
                                f"Ký lúc {vn_time(when)}" + (" (theo dấu thời gian)." if s["timestamp_at"] else ".")))
        if tampered:  # the certificate of a changed file proves nothing: say so instead of judging it
            checks.append(Check(f"sig{i}.trusted", f"Chứng thư số của {who}", UNKNOWN,
                                "Không đánh giá: tệp đã bị thay đổi sau khi ký."))
        else:
            checks.append(_trust_check(i, who, s))
        last = i == len(sigs)
        allowed = ("NONE", "LTA_UPDATES") if last else ("NONE", "LTA_UPDATES", "FORM_FILLING")
        if s["modification"] not in allowed or s["docmdp_ok"] is False:
            reason = ("Sau chữ ký cuối cùng có nội dung được thêm vào (ngoài dữ liệu xác thực dài hạn và dấu thời gian)."
                      if last else "Sau chữ ký có phần được thêm vào làm thay đổi nội dung hiển thị hoặc dữ liệu.")
            checks.append(Check(f"sig{i}.changes", f"Không có thay đổi trái phép sau chữ ký {who}", FAILED, reason))
    return checks


def _chain_checks(sigs: list[dict], record: dict | None = None) -> list[Check]:
    from .subject_signing import same_chain

    expected, roles = chain_roles(record), [s["role"] for s in sigs]
    if len(roles) == len(expected) and same_chain(roles, expected):
        out = [Check("chain", "Đủ chữ ký theo đúng thứ tự", PASSED, " → ".join(ROLE_LABELS[r] for r in roles))]
    elif same_chain(roles, expected):
        missing = [r for r in expected if r not in roles]
        out = [Check("chain", "Đủ chữ ký theo đúng thứ tự", FAILED, "Còn thiếu: " + ", ".join(
            ROLE_LABELS[r] for r in missing) + " (chưa phát hành).")]
    else:
        out = [Check("chain", "Đủ chữ ký theo đúng thứ tự", FAILED, "Thứ tự chữ ký không đúng quy trình: "
                     + " → ".join(ROLE_LABELS.get(r, r) for r in roles))]
    out.append(Check("seal", "Có dấu số của nhà trường", PASSED if "seal" in roles else FAILED,
                     "" if "seal" in roles else "Học bạ chưa được đóng dấu số (chưa phát hành)."))
    return out


def verify(data: bytes, at: dt.datetime | None = None) -> Verdict:
    """The verdict on a học bạ file, as of `at` (now by default): an auditor may ask about 2040."""
    if len(data) > MAX_BYTES:
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB; học bạ số không lớn như vậy.")])
    try:
        found = bounded.run(inspect, data, _roots_pem(), at.isoformat() if at else "",
                            current_app.config.get("VERIFY_FETCH_REVOCATION", True), timeout_s=current_app.config.get("VERIFY_TIMEOUT_S", 30))
    except bounded.Bounded as err:
        reason = {"timeout": "Tệp quá phức tạp, không kiểm tra được trong thời gian cho phép.",
                  "memory": "Tệp cần quá nhiều bộ nhớ để đọc; có thể đã bị làm hỏng cố ý."}.get(
                      err.kind, "Không đọc được tệp PDF (cấu trúc hỏng hoặc lồng nhau quá sâu).")
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, reason)])
    return judge(found)


def judge(found: dict) -> Verdict:
    """The check list from what `inspect` found in the file, and what the school's database holds."""
    problem = {"not_pdf": "Tệp không phải là PDF.", "encrypted": "PDF được mã hóa bằng mật khẩu; học bạ số không mã hóa.",
               "unreadable": "Không đọc được tệp PDF (bị cắt cụt hoặc hỏng)."}.get(found["problem"])
    if problem:
        return Verdict("failed", [Check("file", "Tệp PDF", FAILED, problem)])
    checks = [Check("file", "Tệp PDF đọc được", PASSED)]
    sigs, record = found["signatures"], found["json"]
    if found["problem"] == "signature_unreadable":
        checks.append(Check("signatures", "Chữ ký số", FAILED, "Không đọc được chữ ký số trong tệp (tệp đã bị sửa hoặc hỏng)."))
        return Verdict("failed", checks, record["record"] if record else None, record)
    if not sigs:
        checks.append(Check("signatures", "Chữ ký số", FAILED, "Tệp không có chữ ký số nào."))
        return Verdict("failed", checks, record["record"] if record else None, record)
    checks += _signature_checks(sigs, found.get("lta", False))
    checks += _chain_checks(sigs, record)
    if record is None or not isinstance(record, dict) or "record" not in record:
        checks.append(Check("data", "Dữ liệu học bạ nhúng trong tệp", FAILED, "Không có tệp dữ liệu hocba.json."))
        return Verdict(_overall(checks), checks, None, None)
    checks.append(Check("data", "Dữ liệu học bạ nhúng trong tệp", PASSED, f"Mã học bạ {record['record'].get('id', '')}."))
    checks += binding_checks(sigs, record)
    tampered = any(not s["intact"] for s in sigs)
    checks += _database_checks(record, found["json_sha256"], sigs, tampered)
    return Verdict(_overall(checks), checks, record["record"], record)


def _database_checks(record: dict, json_sha256: str, sigs: list[dict], tampered: bool) -> list[Check]:
    school = School.current()
    named = (record.get("school") or {}).get("code", "")
    if school is None or named != school.code:
        return [Check("db.current", "Đối chiếu với cơ sở dữ liệu của trường đang kiểm tra", UNKNOWN,
                      "Không áp dụng: học bạ do trường khác phát hành; kết quả dựa trên các chữ ký số.")]
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code((record.get("record") or {}).get("code", "")))
    if rv is None or rv.record_id != (record.get("record") or {}).get("id"):
        return [Check("db.issued", "Học bạ do trường phát hành", FAILED,
                      f"Trường không phát hành học bạ này: {school.name} không có học bạ mang mã này.")]
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
    if tampered:
        out.append(Check("db.data", "Dữ liệu trong tệp trùng với dữ liệu nhà trường lưu giữ", UNKNOWN,
                         "Không đối chiếu: tệp đã bị thay đổi sau khi ký."))
        return out
    same = rv.data_sha256 and rv.data_sha256 == json_sha256
    out.append(Check("db.data", "Dữ liệu trong tệp trùng với dữ liệu nhà trường lưu giữ", PASSED if same else FAILED,
                     "" if same else "Dữ liệu nhúng khác với bản nhà trường đã ký."))
    known = {s.role: s.certificate.sha256 for s in RecordSignature.select().where(RecordSignature.record == rv)
             if s.certificate is not None and s.certificate.sha256}
    wrong = [s["role"] for s in sigs if s["role"] in known and s["cert_sha256"] != known[s["role"]]]
    if known:
        out.append(Check("db.signers", "Chữ ký trùng với chữ ký nhà trường đã ghi nhận", FAILED if wrong else PASSED,
                         ("Chữ ký ở ô " + ", ".join(ROLE_LABELS.get(r, r) for r in wrong)
                          + " không phải chữ ký nhà trường đã ghi nhận khi ký.") if wrong else ""))
    return out


def public_summary(code: str) -> dict | None:
    """What the QR link shows without the file: name, class, year, school, status — nothing more."""
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code(code))
    if rv is None:
        return None
    from portal.models import RECORD_STATUSES
    status = RECORD_STATUSES.get(rv.status, rv.status)
    if rv.status == "superseded" and rv.superseded_by_id:
        status += f" (bởi phiên bản {rv.superseded_by.version})"
    return {"name": rv.pupil.full_name, "class": rv.school_class.name, "year": rv.school_class.year.name,
            "school": School.current().name, "status": status, "version": rv.version, "issued": rv.status == "issued"}
