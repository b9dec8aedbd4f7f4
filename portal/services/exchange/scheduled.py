"""Scheduled housekeeping run by the background worker (portal/worker.py): the nightly backup, renewing
archive timestamps before their TSA certificate expires, re-sending packages the sector database did not
receive and asking it what became of sent ones, and the worker's heartbeat that `doctor` reads."""
import datetime as dt
import os
from pathlib import Path

from portal.models import PackageSubmission
from portal.services import ServiceError
from portal.services.appconfig import app_config

# A package whose sending failed this many times waits for the administrator (the reason is on its row).
MAX_SEND_ATTEMPTS = 40


def heartbeat_file() -> Path:
    """Next to the job queue's file: the worker and `doctor` agree on it without another setting."""
    return Path(app_config()["HUEY_FILE"]).with_name("worker.heartbeat")


def beat(now: dt.datetime | None = None) -> None:
    path = heartbeat_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    if now is not None:
        os.utime(path, (now.timestamp(), now.timestamp()))


def last_beat() -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(heartbeat_file().stat().st_mtime)
    except OSError:
        return None


def nightly_backup() -> str:
    from portal.services.exchange.backup import scheduled_backup
    return scheduled_backup()


def renew_timestamps() -> tuple[int, int]:
    """(renewed, failed); without a TSA there is nothing to renew with, and nothing is due anyway."""
    from portal.services.records.timestamps import renew_due, timestamper
    if timestamper() is None:
        return 0, 0
    return renew_due()


def resend_packages() -> dict[str, int]:
    """Re-send prepared packages whose earlier sending failed, and refresh the status of sent ones."""
    from portal.services.exchange.sending import refresh, send
    counts = {"resent": 0, "refreshed": 0}
    if not app_config().get("PACKAGE_ENDPOINT"):
        return counts
    waiting = PackageSubmission.select().where((PackageSubmission.status == "prepared")
                                               & (PackageSubmission.attempts > 0)
                                               & (PackageSubmission.attempts < MAX_SEND_ATTEMPTS))
    for sub in list(waiting):
        try:
            send(sub)
            counts["resent"] += 1
        except (ServiceError, OSError):
            continue
    for sub in list(PackageSubmission.select().where(PackageSubmission.status == "sent")):
        refresh(sub)
        counts["refreshed"] += 1
    return counts
