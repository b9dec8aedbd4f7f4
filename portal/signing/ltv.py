"""Long-term validation (PAdES B-LTA): validation data and document timestamps, and validating at a time.

At issuance every signature's validation data (certificates, OCSP responses, CRLs, fetched from the
addresses in the certificates) goes into the document security store (DSS), followed by a document
timestamp, in one incremental update after the last signature. A renewal adds the last timestamp's
validation data and a new timestamp before the timestamping certificate expires. Validation follows
ETSI EN 319 102-1 through pyHanko's AdES engine: a signature whose certificate expired or was revoked
*after* a timestamp proved it existed still passes.
"""
import asyncio
import datetime as dt
import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext

from .pdf import to_asn1

TIMESTAMP_FIELD = "Timestamp_{n}"


def fetching_context(roots) -> ValidationContext:
    """Validation data must exist for every certificate: issuance stops rather than store a weak record."""
    return ValidationContext(trust_roots=[to_asn1(r) for r in roots], allow_fetching=True,
                             revocation_mode="require")


async def _add_ltv(pdf: bytes, roots, timestamper) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    vc = fetching_context(roots)
    for sig in reader.embedded_signatures:
        paths = await collect_validation_info(sig, vc)
        DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=vc)
    n = len(reader.embedded_timestamp_signatures) + 1
    out = io.BytesIO()
    await PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD.format(n=n)).async_timestamp_pdf(
        writer, "sha256", validation_context=vc, output=out,
        dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False))
    return out.getvalue()


def add_ltv(pdf: bytes, roots, timestamper) -> bytes:
    """Validation data of every signature, then a document timestamp (B-LTA)."""
    return asyncio.run(_add_ltv(pdf, roots, timestamper))


def renew(pdf: bytes, roots, timestamper) -> bytes:
    """Extend the archive: validation data of the last document timestamp, and a new one."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    n = len(reader.embedded_timestamp_signatures) + 1
    out = io.BytesIO()
    PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD.format(n=n)).update_archival_timestamp_chain(
        reader, fetching_context(roots), in_place=False, output=out)
    return out.getvalue()


def last_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """When the certificate of the newest document timestamp expires (the archive must be renewed before)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return None
    return stamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native


@dataclass
class LtvResult:
    field: str
    verdict: str  # passed | failed | indeterminate
    code: str  # the AdES sub-indication (OK, REVOKED, OUT_OF_BOUNDS_NO_POE, ...)
    proven_at: dt.datetime | None  # the time the signature is proven to have existed
    how: str  # "timestamp" | "validation_time"
    message: str = ""
