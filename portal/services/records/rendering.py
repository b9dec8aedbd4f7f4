"""Producing the học bạ PDF for a pupil and a year (one year to sign, or the whole book to print)."""
import os
import tempfile
from pathlib import Path

from portal.documents import render
from portal.services import ServiceError
from portal.services.records.record import ensure_record, find_pupil_year, record_data


def render_pupil_year(pupil_code: str, year_name: str, public_base_url: str, full: bool = False) -> render.Rendered:
    pupil, klass = find_pupil_year(pupil_code, year_name)
    return render_record(pupil, klass, public_base_url, full)


def render_record(pupil, klass, public_base_url: str, full: bool = False) -> render.Rendered:
    """One year's record; with `full`, every year up to this one, oldest first (for printing)."""
    if full:
        from portal.models import Enrolment, SchoolClass
        classes = [e.school_class for e in pupil.enrolments.join(SchoolClass).where(
            Enrolment.school_class.is_null(False)).order_by(Enrolment.year_name)
            if e.year_name <= klass.year.name]
    else:
        classes = [klass]
    records = [record_data(ensure_record(pupil, k), public_base_url) for k in classes]
    if not records:
        raise ServiceError("Không có năm học nào để in.")
    return render.render(records, full=full)


def write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary file beside the target and rename: never a half-written PDF."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".hocba-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
