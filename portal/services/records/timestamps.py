"""Timestamps and long-term validation for issued records: the TSA client, the LTV step at issuance,
and renewing the archive timestamp before the timestamping certificate expires.

With the demo PKI (instance/demo-pki/ holding pki.json) its local CRL/OCSP/TSA service is started on
demand in this process, so the demo signs with timestamps and validation data with no extra step.
"""
import datetime as dt
from pathlib import Path

from portal.db import write_tx
from portal.models import RecordVersion
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.appconfig import app_config, instance_path
from portal.services.records.chain_files import read_pdf, write_new
from portal.services.school.certificates import roots
from portal.services.system import audit
from portal.signing import ltv


def demo_pki_dir() -> Path:
    return Path(app_config().get("DEMO_PKI_DIR") or Path(instance_path()) / "demo-pki")


def ensure_demo_services() -> str | None:
    """Start the demo PKI's CRL/OCSP/TSA service if this instance uses the demo PKI; its base URL."""
    folder = demo_pki_dir()
    if not (folder / "pki.json").exists():
        return None
    from portal.signing import responder
    return responder.ensure_running(folder)


def timestamper():
    """An RFC 3161 client: an in-process one from the config (tests), TSA_URL, or the demo's TSA."""
    stamper = app_config().get("TIMESTAMPER")
    if stamper is False:  # explicitly no timestamps (PAdES B-B)
        return None
    if stamper is not None:
        return stamper
    url = app_config().get("TSA_URL")
    if not url:
        base = ensure_demo_services()
        url = f"{base}/tsa" if base else ""
    if url:
        return _http_timestamper(url, app_config().get("TSA_TIMEOUT_S", 20))
    return None


_STAMPERS: dict = {}


def _http_timestamper(url: str, timeout: float):
    """One client per TSA and process: it keeps the TSA's dummy response, with which pyHanko sizes every
    signature, so each signature costs one timestamp request instead of two."""
    key = (url, timeout)
    if key not in _STAMPERS:
        from pyhanko.sign.timestamps import HTTPTimeStamper
        _STAMPERS[key] = HTTPTimeStamper(url, timeout=timeout)
    return _STAMPERS[key]


def renew_margin() -> dt.timedelta:
    return dt.timedelta(days=app_config().get("LTV_RENEW_MARGIN_DAYS", 365))


def _renew_by(pdf: bytes) -> dt.datetime | None:
    expiry = ltv.last_timestamp_expiry(pdf)
    return (expiry - renew_margin()).replace(tzinfo=None) if expiry else None


def issue_with_ltv(signed: bytes, stamper) -> tuple[bytes, dt.datetime | None]:
    """The issued file: validation data of every signature and a document timestamp (PAdES B-LTA)."""
    try:
        out = ltv.add_ltv(signed, roots(), stamper)
    except Exception:
        raise ServiceError("Không lấy được dữ liệu kiểm tra thu hồi (OCSP/CRL) hoặc dấu thời gian cho học bạ; chưa "
                           "phát hành. Kiểm tra kết nối tới tổ chức chứng thực rồi ký lại.") from None
    return out, _renew_by(out)


def due_for_renewal(on: dt.datetime | None = None):
    """Issued records whose archive timestamp must be renewed now (its TSA certificate expires soon)."""
    on = on or utcnow()
    return (RecordVersion.select().where((RecordVersion.status.in_(["issued", "superseded"]))
                                         & (RecordVersion.ltv_level == "B-LTA")
                                         & (RecordVersion.ltv_renew_by <= on))
            .order_by(RecordVersion.ltv_renew_by))


def renew_record(user, rv: RecordVersion, stamper=None) -> RecordVersion:
    """Append the last timestamp's validation data and a new document timestamp; a new file, same record.
    `user`: the administrator who asked, None for the nightly job."""
    stamper = stamper or timestamper()
    if stamper is None:
        raise ServiceError("Chưa cấu hình dịch vụ cấp dấu thời gian (TSA_URL); không gia hạn được.")
    pdf = read_pdf(rv)
    try:
        renewed = ltv.renew(pdf, roots(), stamper)
    except Exception:
        raise ServiceError("Không gia hạn được dấu thời gian lưu trữ (không kết nối được TSA hoặc OCSP/CRL).") from None
    rel = write_new(rv, rv.step, renewed, suffix=f"-lta{utcnow():%Y%m%d%H%M%S}")
    with write_tx():
        fresh = RecordVersion.get_by_id(rv.id)
        fresh.pdf_path, fresh.ltv_renew_by = rel, _renew_by(renewed)
        fresh.save()
        audit.record("record.ltv_renewed", fresh, user=user, summary=f"Gia hạn dấu thời gian lưu trữ học bạ {fresh.record_id}")
    return fresh


def renew_due() -> tuple[int, int]:
    """The scheduled job: renew every record that is due; (renewed, failed)."""
    ok = failed = 0
    for rv in list(due_for_renewal()):
        try:
            renew_record(None, rv)
            ok += 1
        except ServiceError:
            failed += 1
    return ok, failed
