"""The space reserved in a PDF for each signature's CMS (hex).

pyHanko sizes the space for each signature by making a throw-away one first (≈ 70 ms of a ≈ 440 ms step).
The same certificate with the same TSA yields the same size record after record, so the size pyHanko
chose for a signer's first signature (its estimate + 50 %) is reused for the next ones; a signature that
would not fit is made again with a fresh estimate. Not for remote signing services (each signature is a
confirmation on the signer's phone: never asked twice).
"""
import re

RESERVED: dict[tuple, int] = {}


def key(signer, timestamper, certify: bool) -> tuple | None:
    cert = getattr(signer, "signing_cert", None)
    if cert is None or not getattr(signer, "reuses_size_estimate", True):
        return None
    if len(RESERVED) > 256:
        RESERVED.clear()
    return cert.sha256, id(timestamper) if timestamper is not None else None, certify


def last_contents(pdf: bytes) -> tuple[int, int] | None:
    """Where the last signature dictionary's /Contents <…> lies in the file (its '<' and one past its '>'),
    from that dictionary's /ByteRange [0 a b c]: the signature just written, or the last update's."""
    at = pdf.rfind(b"/ByteRange")
    found = re.match(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", pdf[at:at + 120]) if at >= 0 else None
    return (int(found.group(1)), int(found.group(2))) if found else None


def reserved_size(signed: bytes) -> int | None:
    """The hex length of the /Contents the last signature reserved."""
    found = last_contents(signed)
    return found[1] - found[0] - 2 if found else None
