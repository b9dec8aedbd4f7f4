"""Everything a verifier can learn from the file alone, as plain data (it crosses a process boundary).

Run through `bounded.run` for uploaded files.
"""
import hashlib
import io

from cryptography import x509

from . import pdf as pdfsign

MAX_BYTES = 20 * 1024 * 1024


def inspect(data: bytes, roots_pem: list[bytes]) -> dict:
    out = {"ok_pdf": False, "problem": "", "encrypted": False, "signatures": [], "json_sha256": "",
           "json": None, "info_sha256": ""}
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
        sigs = reader.embedded_signatures
    except Exception:
        out["problem"] = "unreadable"
        return out
    out["ok_pdf"] = True
    roots = [c for pem in roots_pem for c in x509.load_pem_x509_certificates(pem)]
    try:
        reports = pdfsign.validate(data, roots) if sigs else []
    except Exception:
        out["problem"] = "signature_unreadable"
        reports = []
    for r in reports:
        out["signatures"].append({
            "role": r.role, "signer": r.signer, "issuer": r.issuer,
            "signed_at": r.signed_at.isoformat() if r.signed_at else "", "intact": r.intact, "valid": r.valid,
            "trusted": r.trusted, "coverage": r.coverage, "modification": r.modification,
            "docmdp_ok": r.docmdp_ok, "bottom_line": r.bottom_line, "certified": r.certified,
            "timestamped": r.timestamped})
    try:
        embedded = pdfsign.embedded_file(data)
    except Exception:
        embedded = None
    if embedded is not None:
        out["json_sha256"] = hashlib.sha256(embedded).hexdigest()
        try:
            import json
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
