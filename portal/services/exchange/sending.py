"""Sending packages to the sector database: retries with backoff, an idempotency key, visible status.

Protocol (what a real endpoint adapter maps onto): POST {endpoint}/packages with the ZIP body,
`Idempotency-Key: <sha256 of the ZIP>` and `Authorization: Bearer <token>` → 202 {"id", "status"};
GET {endpoint}/packages/{id} → {"status": "received" | "accepted" | "rejected", "reason"?}.
The same key always maps to the same submission on the receiver, so a retry never duplicates.
"""
import hashlib
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from portal.db import write_tx
from portal.models import SUBMISSION_STATUSES, PackageSubmission
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.records.rendering import write_atomically
from portal.services.system import audit

RETRIES = 4


def prepare(klass, wave: int, data: bytes) -> PackageSubmission:
    digest = hashlib.sha256(data).hexdigest()
    existing = PackageSubmission.get_or_none(PackageSubmission.sha256 == digest)
    if existing:
        return existing
    name = f"{klass.year.name}/{klass.name}-dot{wave}-{digest[:12]}.zip"
    write_atomically(str(Path(app_config()["PACKAGES_DIR"]) / name), data)
    with write_tx():
        return PackageSubmission.create(school_class=klass, wave=wave, path=name, sha256=digest)


def _request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read().decode() or "{}")


def deliver(url: str, body: bytes, headers: dict, sleep=time.sleep) -> tuple[str, dict, int, str]:
    """POST with up to RETRIES tries and exponential backoff (also used by services/exchange/registry.py).
    Returns (outcome, response body, attempts, detail): "sent", "rejected" (a 4xx other than 429, not retried)
    or "failed" (every try failed: 5xx, 429 or no connection)."""
    last = ""
    for attempt in range(RETRIES):
        try:
            status, answer = _request("POST", url, body, headers)
            if status in (200, 201, 202):
                return "sent", answer, attempt + 1, ""
            last = f"HTTP {status}"
        except urllib.error.HTTPError as err:
            last = f"HTTP {err.code}"
            if 400 <= err.code < 500 and err.code != 429:
                return "rejected", {}, attempt + 1, last
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            last = "không kết nối được"
        sleep(min(2 ** attempt, 30))
    return "failed", {}, RETRIES, last


def send(sub: PackageSubmission, sleep=time.sleep) -> PackageSubmission:
    endpoint = app_config()["PACKAGE_ENDPOINT"].rstrip("/")
    if not endpoint:
        raise ServiceError("Chưa cấu hình địa chỉ tiếp nhận của CSDL ngành: quản trị viên tải tệp ZIP và gửi thủ công.")
    data = (Path(app_config()["PACKAGES_DIR"]) / sub.path).read_bytes()
    headers = {"Content-Type": "application/zip", "Idempotency-Key": sub.sha256,
               "Authorization": f"Bearer {app_config()['PACKAGE_TOKEN']}"}
    outcome, body, attempts, last = deliver(f"{endpoint}/packages", data, headers, sleep)
    sub.attempts += attempts
    if outcome == "sent":
        sub.status, sub.remote_id, sub.reason = "sent", str(body.get("id", "")), ""
    elif outcome == "rejected":
        sub.status, sub.reason = "rejected", f"Bị từ chối khi gửi ({last})."
    else:
        sub.reason = f"Gửi thất bại sau {RETRIES} lần ({last}); sẽ thử lại."
    sub.updated_at = utcnow()
    with write_tx():
        sub.save()
        audit.record("package.sent", sub, user=None, summary=f"Gửi gói {sub.path}: {SUBMISSION_STATUSES.get(sub.status, sub.status).lower()}", username="system",
                     attempts=sub.attempts)
    return sub


def refresh(sub: PackageSubmission) -> PackageSubmission:
    """Ask the receiver what became of a sent package."""
    if sub.status != "sent" or not sub.remote_id:
        return sub
    endpoint = app_config()["PACKAGE_ENDPOINT"].rstrip("/")
    try:
        _, body = _request("GET", f"{endpoint}/packages/{sub.remote_id}",
                           headers={"Authorization": f"Bearer {app_config()['PACKAGE_TOKEN']}"})
    except (urllib.error.URLError, OSError):
        return sub
    if body.get("status") in ("accepted", "rejected"):
        with write_tx():
            sub.status, sub.reason, sub.updated_at = body["status"], body.get("reason", ""), utcnow()
            sub.save()
            audit.record(f"package.{sub.status}", sub, user=None, summary=f"Gói {sub.path}: {SUBMISSION_STATUSES.get(sub.status, sub.status).lower()}", username="system")
    return sub
