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
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext

from .pdf import to_asn1

TIMESTAMP_FIELD = "Timestamp_{n}"
# No path to any trust anchor is not "cannot decide yet": the signer is simply not trusted.
UNTRUSTED = {"NO_CERTIFICATE_CHAIN_FOUND", "NO_SIGNING_CERTIFICATE_FOUND"}


def fetching_context(roots) -> ValidationContext:
    """Validation data must exist for every certificate: issuance stops rather than store a weak record."""
    return ValidationContext(trust_roots=[to_asn1(r) for r in roots], allow_fetching=True,
                             revocation_mode="require")


async def _add_ltv(pdf: bytes, roots, timestamper) -> bytes:
    vc = fetching_context(roots)
    try:
        return await _add_ltv_with(pdf, vc, timestamper)
    finally:
        await vc.aclose()


async def _add_ltv_with(pdf: bytes, vc, timestamper) -> bytes:
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
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
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    n = len(reader.embedded_timestamp_signatures) + 1
    out = io.BytesIO()
    PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD.format(n=n)).update_archival_timestamp_chain(
        reader, fetching_context(roots), in_place=False, output=out)
    return out.getvalue()


def _last_timestamp_token(pdf: bytes):
    """The CMS in the last signature dictionary of the file, from its /ByteRange [0 a b c], if it is an
    RFC 3161 timestamp token (a document timestamp); None otherwise."""
    from asn1crypto import cms

    from .space import last_contents

    found = last_contents(pdf)
    if not found:
        return None
    start, end = found
    if not (0 < start < end <= len(pdf)) or pdf[start:start + 1] != b"<" or pdf[end - 1:end] != b">":
        return None
    try:
        token = cms.ContentInfo.load(bytes.fromhex(pdf[start + 1:end - 1].decode("ascii")))
        if token["content_type"].native != "signed_data":
            return None
        if token["content"]["encap_content_info"]["content_type"].native != "tst_info":
            return None
        return token
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def last_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """When the certificate of the newest document timestamp expires (the archive must be renewed before).
    Read straight from the file's last update when that is a document timestamp (what issuance and renewal
    just wrote), else through a full reader."""
    token = _last_timestamp_token(pdf)
    if token is not None:
        signed = token["content"]
        sid = signed["signer_infos"][0]["sid"]
        for choice in signed["certificates"] or []:
            cert = choice.chosen
            if (sid.name == "issuer_and_serial_number" and cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                return cert["tbs_certificate"]["validity"]["not_after"].native
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
    report: object = None  # pdf.SignatureReport from the same validation (integrity, coverage, signer)


def has_ltv(pdf: bytes, reader: PdfFileReader | None = None) -> bool:
    """A document timestamp and a DSS after the signatures: the file carries its own proof of time."""
    reader = reader or PdfFileReader(io.BytesIO(pdf), strict=False)
    return bool(reader.embedded_timestamp_signatures) and "/DSS" in reader.root


def _spec(roots):
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec, RevinfoOnlineFetchingRule, RevocationInfoGatheringSpec, SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[to_asn1(r) for r in roots]),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
        # Offline: only what the file carries (and the trust anchors) decides.
        revinfo_gathering_policy=RevocationInfoGatheringSpec(RevinfoOnlineFetchingRule.LOCAL_ONLY)))


async def _validate_lta(pdf: bytes, roots, at: dt.datetime | None, reader=None) -> list[LtvResult]:
    from pyhanko.sign.ades.report import AdESFailure, AdESPassed
    from pyhanko.sign.validation.ades import ades_lta_validation, simulate_future_ades_lta_validation
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    reader = reader or PdfFileReader(io.BytesIO(pdf), strict=False)
    spec = _spec(roots)
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for sig in reader.embedded_regular_signatures:
        if at is not None and at > now:
            result = await simulate_future_ades_lta_validation(sig, spec, at)
        elif at is not None:
            timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=True)
            result = await ades_lta_validation(sig, spec, timing_info=timing)
        else:
            result = await ades_lta_validation(sig, spec)
        sub = result.ades_subindic
        verdict = ("passed" if isinstance(sub, AdESPassed) else "failed" if isinstance(sub, AdESFailure)
                   or sub.name in UNTRUSTED else "indeterminate")
        proven = getattr(result, "best_signature_time", None)
        ts = result.api_status.timestamp_validity if result.api_status is not None else None
        from .pdf import report_from_status

        out.append(LtvResult(field=sig.field_name or "", verdict=verdict, code=sub.name,
                             proven_at=ts.timestamp if ts is not None else proven,
                             how="timestamp" if ts is not None else "validation_time",
                             message=result.failure_msg or "",
                             report=report_from_status(sig, result.api_status) if result.api_status else None))
    return out


def validate_lta(pdf: bytes, roots, at: dt.datetime | None = None, reader=None) -> list[LtvResult]:
    """Each signature validated as ETSI EN 319 102-1 (LTA) at `at` (now by default) with the file's own
    validation data; a future `at` assumes the archive timestamps are renewed until then. `reader`: a reader of
    the same bytes already open (its parsed objects are reused)."""
    return asyncio.run(_validate_lta(pdf, roots, at, reader))
