"""Everything a verifier can learn from the file alone, as plain data (it crosses a process boundary).

Run through `bounded.run` for uploaded files. Each signature is validated for integrity and, at the
time asked (now by default), for trust: with the file's long-term validation data (PAdES B-LTA) by the
AdES algorithm, which accepts a certificate that expired or was revoked after a timestamp proved the
signature; without it, at the validation time, or at the signature timestamp's time when there is one.
"""
import datetime as dt
import hashlib
import io
import json

from cryptography import x509

from . import pdf as pdfsign

MAX_BYTES = 20 * 1024 * 1024


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def _classic_trust(data: bytes, roots, report, at: dt.datetime | None, fetch: bool) -> dict:
    """Trust without long-term validation data: at the validation time, or at the signature timestamp;
    with `fetch`, the certificate's revocation status is asked from its CA."""
    moment = at or dt.datetime.now(dt.timezone.utc)
    expires = report.cert_not_after
    if fetch:
        asked = next((r for r in pdfsign.validate(data, roots, fetch=True) if r.field == report.field), None)
        if asked is not None and asked.revoked_at is not None:
            proven = report.timestamp_at
            if proven is not None and asked.revoked_at > proven:
                pass  # revoked after the timestamp proved the signature: judged below at that time
            elif asked.revoked_at <= (proven or report.signed_at or moment):
                return {"verdict": "failed", "code": "REVOKED", "how": "", "proven_at": "",
                        "revoked_on": _iso(asked.revoked_at)}
            else:  # revoked after the time the signer claims, but nothing proves that claim
                return {"verdict": "indeterminate", "code": "REVOKED_NO_POE", "how": "", "proven_at": "",
                        "revoked_on": _iso(asked.revoked_at)}
    if report.trusted and (at is None or expires is None or moment <= expires):
        return {"verdict": "passed", "code": "OK", "how": "validation_time", "proven_at": _iso(moment)}
    if report.timestamp_at is not None and expires is not None and report.timestamp_at <= expires:
        again = pdfsign.validate(data, roots, moment=report.timestamp_at)
        same = next((r for r in again if r.field == report.field), None)
        if same is not None and same.trusted:
            return {"verdict": "passed", "code": "OK", "how": "timestamp", "proven_at": _iso(report.timestamp_at)}
    if expires is not None and moment > expires:
        return {"verdict": "indeterminate", "code": "OUT_OF_BOUNDS_NO_POE", "how": "", "proven_at": "",
                "expired_on": _iso(expires)}
    return {"verdict": "failed", "code": "NOT_TRUSTED", "how": "", "proven_at": ""}


def inspect(data: bytes, roots_pem: list[bytes], at_iso: str = "", fetch: bool = False) -> dict:
    out = {"ok_pdf": False, "problem": "", "encrypted": False, "signatures": [], "json_sha256": "",
           "json": None, "info_sha256": "", "lta": False, "doc_timestamps": 0}
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        out["problem"] = "not_pdf"
        return out
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        out["encrypted"] = reader.encrypted
        if reader.encrypted:
            out["problem"] = "encrypted"
            return out
        _ = reader.root
        sigs = reader.embedded_regular_signatures
        stamps = reader.embedded_timestamp_signatures
    except Exception:
        out["problem"] = "unreadable"
        return out
    out["ok_pdf"] = True
    roots = [c for pem in roots_pem for c in x509.load_pem_x509_certificates(pem)]
    at = dt.datetime.fromisoformat(at_iso) if at_iso else None
    lta, reports = {}, []
    if sigs and stamps:  # long-term validation data: one AdES validation gives integrity and trust
        from . import ltv
        try:
            out["lta"] = ltv.has_ltv(data, reader)
            if out["lta"]:
                lta = {r.field: r for r in ltv.validate_lta(data, roots, at, reader)}
                reports = [r.report for r in lta.values()]
                if len(reports) != len(sigs) or any(r is None for r in reports):
                    lta, reports = {}, []
        except Exception:
            out["lta"], lta, reports = False, {}, []
        out["doc_timestamps"] = len(stamps)
    if sigs and not reports:
        try:
            reports = pdfsign.validate(data, roots)
        except Exception:
            out["problem"] = "signature_unreadable"
            reports = []
    for r in reports:
        if r.field in lta:
            res = lta[r.field]
            trust = {"verdict": res.verdict, "code": res.code, "how": res.how, "proven_at": _iso(res.proven_at)}
        else:
            try:
                trust = _classic_trust(data, roots, r, at, fetch)
            except Exception:
                trust = {"verdict": "failed", "code": "NOT_TRUSTED", "how": "", "proven_at": ""}
        out["signatures"].append({
            "role": r.role, "signer": r.signer, "issuer": r.issuer,
            "signed_at": r.signed_at.isoformat() if r.signed_at else "", "intact": r.intact, "valid": r.valid,
            "trusted": r.trusted, "coverage": r.coverage, "modification": r.modification,
            "docmdp_ok": r.docmdp_ok, "bottom_line": r.bottom_line, "certified": r.certified,
            "timestamped": r.timestamped, "timestamp_at": _iso(r.timestamp_at), "subject": r.subject,
            "cert_sha256": r.cert_sha256, "cert_not_after": _iso(r.cert_not_after), "trust": trust})
    try:
        embedded = pdfsign.embedded_file(data, reader=reader)
    except Exception:
        embedded = None
    if embedded is not None:
        out["json_sha256"] = hashlib.sha256(embedded).hexdigest()
        try:
            out["json"] = json.loads(embedded.decode("utf-8"))
        except ValueError:
            out["json"] = None
    try:
        info = reader.trailer_view.get("/Info")
        if info is not None:
            out["info_sha256"] = str(info.get_object().get("/hocbajsonsha256", ""))
    except Exception:
        pass
    return out
