"""Is this học bạ XML genuine, complete and unchanged — and, given its PDF, the same record? The PDF's check list.

Every signature: its references and value check (portal/signing/xmldsig.py); it references the element
its place in the layout belongs to (portal/exchange/record_xml.py ROLES); its certificate chains to a
trusted root at the signing time it carries; it is by the person the XML names for that role — the
identification number in the certificate's subject equal to the `soddcn…` field, the names equal
(NFC, case-insensitive), the issuance by an organisation certificate whose MST is the school's. The
roles come in the chain's order; the XSD admits nothing outside the signed data but the signatures.
"""
import datetime as dt
import json
from pathlib import Path

from portal.services.appconfig import app_config
from lxml import etree

from portal.exchange import record_xml
from portal.models import RecordVersion
from portal.signing import certs, identity, xmldsig

from portal.services.records.record import normalise_code
from portal.services.records.signers import ROLE_LABELS
from portal.services.records.verification import FAILED, PASSED, UNKNOWN, Check, Verdict, _database_checks, _overall, verify, vn_time
from portal.services.system import audit

XSD = Path(__file__).resolve().parents[2] / "exchange" / "hocba-xml-2.xsd"
MAX_XML_BYTES = 8 * 1024 * 1024
_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))
    return _SCHEMA


def schema_problems(root) -> list[str]:
    schema = _schema()
    if schema.validate(etree.ElementTree(root)):
        return []
    return [f"dòng {e.line}: {e.message}" for e in schema.error_log]


def _signatures(root) -> list[tuple[str, object]]:
    """(role, ds:Signature) in document order, the role given by where the signature sits."""
    out = []
    for role, (path, wrapper, _target) in record_xml.ROLES.items():
        holder = root.find(path)
        for w in (holder.findall(wrapper) if holder is not None else []):
            out += [(role, s) for s in w.iter(f"{{{xmldsig.DS}}}Signature")]
    return out


def _expected_chain(root) -> list[str]:
    roles = list(app_config()["SIGNING_CHAIN"].get(record_xml.field(root, "macaphoc"), ["homeroom", "principal", "seal"]))
    if "subject" in roles and not any((r.findtext("gvbm") or r.findtext("soddcngvbm")) for r in root.iter("DIEM_TONG_KET")):
        roles.remove("subject")  # a record whose subjects name no teacher has no subject signatures to carry
    return roles


def _person(subject, name: str, number: str, school: str, what: str) -> str:
    if subject.is_organisation:
        return f"là chứng thư số của tổ chức {subject.common_name}, không phải của {what} {name}"
    if not identity.same_name(subject.common_name, name):
        return f"là của {subject.common_name or 'người không rõ tên'}, không phải {what} {name or '(học bạ không ghi tên)'}"
    if number and subject.person_id != number:
        return f"không ghi đúng số định danh cá nhân mà học bạ ghi cho {what} {name}"
    if subject.organisation and school and not identity.same_name(subject.organisation, school):
        return f"thuộc tổ chức {subject.organisation}, không phải {school}"
    return ""


def _binding(root, role: str, refs: list[str], subject, signed_at) -> str:
    f = lambda n: record_xml.field(root, n)  # noqa: E731
    school = f("tentruong")
    if role == "seal":
        if not subject.is_organisation:
            return (f"là chứng thư số cá nhân của {subject.common_name}; phát hành phải ký bằng chứng thư số của tổ "
                    "chức (có mã số thuế của trường)")
        return identity.organisation_problem(subject, f("tendonvi") or school, f("masothue"))
    if role == "homeroom":
        return _person(subject, f("tengvcn"), f("soddcngvcn"), school, "giáo viên chủ nhiệm")
    if role == "principal":
        problem = _person(subject, f("tengiamhieu"), f("soddcngiamhieu"), school, "hiệu trưởng")
        day = (signed_at or dt.datetime.now(dt.timezone.utc)).date().isoformat()
        for d in root.iter("UY_QUYEN"):
            if (d.findtext("tungay") or "") <= day <= (d.findtext("denngay") or "") and not _person(
                    subject, d.findtext("hovaten") or "", d.findtext("soddcn") or "", school, "phó hiệu trưởng"):
                return ""
        return problem
    rows = [r for r in root.iter("DIEM_TONG_KET") if r.get("Id") in refs]
    if not rows:
        return "không tham chiếu môn học nào"
    row = rows[0]
    return _person(subject, row.findtext("gvbm") or "", row.findtext("soddcngvbm") or "", school,
                   f"giáo viên môn {row.findtext('tenmonhoc')}")


def _reference_problem(root, role: str, refs: list[str]) -> str:
    target = record_xml.ROLES[role][2]
    if role == "subject":
        ok = len(refs) == 1 and any(r.get("Id") == refs[0] for r in root.iter("DIEM_TONG_KET"))
        return "" if ok else "không tham chiếu đúng một môn học (DIEM_TONG_KET)"
    if refs != [target]:
        return f"ký phần “{', '.join(refs) or 'không có'}”, không phải phần “{target}” của vai trò này"
    return ""


def _trust(cert, chain, roots, signed_at, at) -> tuple[str, str]:
    moment = signed_at or at or dt.datetime.now(dt.timezone.utc)
    try:
        certs.check(cert, chain, roots, moment, check_revocation=False)
    except certs.CertificateProblem as err:
        return FAILED, err.message
    issuer = certs._cn(cert.issuer)
    return PASSED, f"Cấp bởi {issuer}; còn hiệu lực vào thời điểm ký ghi trong chữ ký."


def verify_xml(data: bytes, at: dt.datetime | None = None) -> Verdict:
    """The check list of a học bạ XML (the same shape and exit codes as the PDF's)."""
    if len(data) > MAX_XML_BYTES:
        return Verdict("failed", [Check("file", "Tệp XML", FAILED, "Tệp quá lớn; học bạ số không lớn như vậy.")])
    try:
        root = xmldsig.parse(data)
    except (etree.XMLSyntaxError, ValueError):
        return Verdict("failed", [Check("file", "Tệp XML", FAILED, "Không đọc được tệp XML (cấu trúc hỏng hoặc có khai báo DOCTYPE).")])
    if root.tag != record_xml.ROOT or root.get("phienbandinhdang") != record_xml.FORMAT:
        return Verdict("failed", [Check("file", "Tệp XML", FAILED, f"Không phải học bạ số định dạng {record_xml.FORMAT}.")])
    checks = [Check("file", "Tệp XML đọc được", PASSED)]
    problems = schema_problems(root)
    checks.append(Check("structure", "Ngoài phần dữ liệu được ký, tệp chỉ có các chữ ký đúng chỗ", FAILED if problems else PASSED,
                        f"Cấu trúc tệp không đúng định dạng {record_xml.FORMAT}: {problems[0]}" if problems else ""))
    sigs = _signatures(root)
    if not sigs:
        checks.append(Check("signatures", "Chữ ký số", FAILED, "Tệp không có chữ ký số nào."))
        return Verdict("failed", checks)
    roots = certs.trust_roots(Path(app_config()["TRUST_DIR"]))
    found = []
    for i, (role, sig) in enumerate(sigs, start=1):
        res = xmldsig.verify(root, sig)
        subject = identity.subject_of(res.cert) if res.cert is not None else identity.Subject("", "")
        who = f"{ROLE_LABELS.get(role, role)}: {subject.common_name or 'không rõ'}"
        when = res.signed_at.isoformat() if res.signed_at else ""
        checks.append(Check(f"sig{i}.intact", f"Nội dung không đổi kể từ chữ ký {who}", PASSED if res.ok else FAILED,
                            (f"Ký lúc {vn_time(when)} (theo thời điểm ghi trong chữ ký)." if when else "") if res.ok
                            else f"Chữ ký không hợp lệ: {res.problem}."))
        ref_problem = _reference_problem(root, role, res.refs) if res.ok else ""
        checks.append(Check(f"sig{i}.reference", f"Chữ ký {who} nằm ngoài và tham chiếu đúng phần dữ liệu của vai trò",
                            FAILED if ref_problem else (PASSED if res.ok else UNKNOWN),
                            f"Chữ ký ở ô {ROLE_LABELS.get(role, role)} {ref_problem}." if ref_problem
                            else ("" if res.ok else "Không đánh giá: chữ ký không hợp lệ.")))
        if res.ok:
            status, reason = _trust(res.cert, res.chain, roots, res.signed_at, at)
        else:
            status, reason = UNKNOWN, "Không đánh giá: chữ ký không hợp lệ."
        checks.append(Check(f"sig{i}.trusted", f"Chứng thư số của {who} hợp lệ vào lúc ký, do tổ chức tin cậy cấp",
                            status, reason))
        problem = _binding(root, role, res.refs, subject, res.signed_at) if res.cert is not None else "không có chứng thư"
        checks.append(Check(f"sig{i}.signer", f"Người ký ô {ROLE_LABELS.get(role, role)} đúng là người giữ vai trò đó",
                            FAILED if problem else PASSED,
                            f"Chữ ký ở ô {ROLE_LABELS.get(role, role)}: chứng thư số {problem}." if problem
                            else f"{subject.common_name} — đúng như học bạ ghi."))
        found.append({"role": role, "ok": res.ok, "at": res.signed_at, "subject": subject,
                      "cert_sha256": subject.sha256})
    checks += _chain_checks(root, found)
    checks.append(Check("data", "Dữ liệu học bạ trong tệp XML", PASSED,
                        f"Mã học bạ {record_xml.field(root, 'madinhdanhhocba')}."))
    checks += _db_checks(root, found)
    return Verdict(_overall(checks), checks, _record_ref(root), _heading(root))


def _heading(root) -> dict:
    """What the verification page's heading shows (the shape of the record object's same fields)."""
    f = lambda n: record_xml.field(root, n)  # noqa: E731
    return {"pupil": {"full_name": f("hovaten")}, "year": {"class": f("tenlop"), "name": f("namhoc")},
            "school": {"name": f("tentruong")}, "record": {"id": f("madinhdanhhocba"), "version": f("phienbanthongtinhocba")}}


def _record_ref(root) -> dict:
    return {"id": record_xml.field(root, "madinhdanhhocba"), "version": record_xml.field(root, "phienbanthongtinhocba"),
            "code": record_xml.field(root, "matracuu")}


def _chain_checks(root, found: list[dict]) -> list[Check]:
    expected = _expected_chain(root)
    roles = [f["role"] for f in found]
    present = [r for r in expected if r in roles]
    label = "Đủ chữ ký theo đúng thứ tự"
    if "subject" in expected:
        named = [r.get("Id") for r in root.iter("DIEM_TONG_KET") if r.findtext("gvbm") or r.findtext("soddcngvbm")]
        if "subject" in roles and roles.count("subject") < len(named):
            return [Check("chain", label, FAILED, "Còn môn học chưa có chữ ký của giáo viên bộ môn."),
                    _seal_check(roles)]
    if present != expected[:len(present)]:
        out = Check("chain", label, FAILED, "Thứ tự chữ ký không đúng quy trình: có "
                    + ", ".join(ROLE_LABELS[r] for r in present) + " nhưng thiếu "
                    + ", ".join(ROLE_LABELS[r] for r in expected if r not in present) + ".")
    elif len(present) < len(expected):
        out = Check("chain", label, FAILED, "Còn thiếu: " + ", ".join(ROLE_LABELS[r] for r in expected[len(present):])
                    + " (chưa phát hành).")
    else:
        times = [max((f["at"] for f in found if f["role"] == r and f["at"]), default=None) for r in expected]
        firsts = [min((f["at"] for f in found if f["role"] == r and f["at"]), default=None) for r in expected]
        backwards = any(a and b and b < a for a, b in zip(times, firsts[1:]))
        out = Check("chain", label, FAILED if backwards else PASSED,
                    "Thời điểm ký không theo thứ tự quy trình." if backwards else " → ".join(ROLE_LABELS[r] for r in expected))
    return [out, _seal_check(roles)]


def _seal_check(roles) -> Check:
    return Check("seal", "Có chữ ký phát hành bằng chứng thư số của nhà trường", PASSED if "seal" in roles else FAILED,
                 "" if "seal" in roles else "Học bạ chưa được ký phát hành (chưa phát hành).")


def _db_checks(root, found: list[dict]) -> list[Check]:
    rv = RecordVersion.get_or_none(RecordVersion.code == normalise_code(record_xml.field(root, "matracuu")))
    same = bool(rv is not None and rv.data_json and record_xml.data_c14n(root)
                == record_xml.expected_data_c14n(json.loads(rv.data_json)))
    record = {"school": {"code": record_xml.field(root, "matruong")},
              "record": {"code": record_xml.field(root, "matracuu"), "id": record_xml.field(root, "madinhdanhhocba")}}
    sigs = [{"role": f["role"], "cert_sha256": f["cert_sha256"]} for f in found]
    return _database_checks(record, rv.data_sha256 if same else "-", sigs, any(not f["ok"] for f in found))


def verify_pair(pdf: bytes, xml: bytes, at: dt.datetime | None = None) -> Verdict:
    """Both files of one học bạ: each passes its own check list, and the XML's data is the PDF's data."""
    pdf_v, xml_v = verify(pdf, at=at), verify_xml(xml, at=at)
    checks = [Check(f"pdf.{c.key}", f"PDF — {c.label}", c.status, c.reason) for c in pdf_v.checks]
    checks += [Check(f"xml.{c.key}", f"XML — {c.label}", c.status, c.reason) for c in xml_v.checks]
    label = "Dữ liệu XML trùng với dữ liệu nhúng trong học bạ PDF (hocba.json)"
    try:
        same = pdf_v.data is not None and record_xml.data_c14n(xmldsig.parse(xml)) == record_xml.expected_data_c14n(pdf_v.data)
    except Exception:  # an unreadable XML or a record object of another shape: already failed above
        same = False
    checks.append(Check("pair.data", label, PASSED if same else FAILED, "" if same else "Dữ liệu XML khác dữ liệu trong PDF."))
    statuses = {pdf_v.status, xml_v.status, "passed" if same else "failed"}
    status = "failed" if "failed" in statuses else ("indeterminate" if "indeterminate" in statuses else "passed")
    return Verdict(status, checks, pdf_v.record or xml_v.record, pdf_v.data)


def verify_file(data: bytes, other: bytes | None = None, at: dt.datetime | None = None) -> Verdict:
    """`verify FILE [OTHER]`: a PDF, an XML, or the pair in either order."""
    def is_xml(b: bytes) -> bool:
        return b.lstrip()[:1] == b"<"
    if other is None:
        return verify_xml(data, at=at) if is_xml(data) else verify(data, at=at)
    pdf, xml = (other, data) if is_xml(data) else (data, other)
    return verify_pair(pdf, xml, at=at)


VERDICT_WORDS = {"passed": "hợp lệ", "failed": "không hợp lệ", "indeterminate": "chưa xác định"}


def verify_upload(user, data: bytes, other: bytes | None = None) -> Verdict:
    """The public page's check of an uploaded PDF, XML or pair (`user`: None unless signed in); each check is
    written to the audit trail."""
    verdict = verify_file(data, other)
    audit.record("record.verified", user=user, summary=f"Kiểm tra học bạ: {VERDICT_WORDS.get(verdict.status, 'chưa xác định')}",
                 code=(verdict.record or {}).get("code", ""))
    return verdict
