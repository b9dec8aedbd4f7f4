"""What staff see of a học bạ: the issued, signed file when there is one, else a clearly named preview;
and its pages as small images, so a phone shows the record without downloading the PDF's fonts.

Page images come from poppler's `pdftoppm` (the same package the tests use to check PDFs), reduced to
16 grey levels: a text page is ~30 KB instead of the 1.6 MB of fonts the HTML layout needs. They are
kept in a small in-process cache keyed by what they show, so the page and its images cost one render.
"""
import hashlib
import io
import subprocess
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from portal.db import write_tx
from portal.documents.render import canonical_json
from portal.models import RecordVersion
from portal.services import ServiceError
from portal.services.records.chain import issued_records, read_pdf
from portal.services.records.record import ensure_record, record_data
from portal.services.records.rendering import render_record
from portal.services.system import audit

DPI = 120
CACHE_SIZE = 12  # PDFs whose pages are kept
PDFTOPPM_TIMEOUT = 60


@dataclass
class StaffPdf:
    data: bytes
    filename: str
    issued: RecordVersion | None  # None: a preview rendered now, not a signed record

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _signed_bytes(rv: RecordVersion) -> bytes:
    try:
        return read_pdf(rv)
    except OSError:
        raise ServiceError(f"Không đọc được tệp học bạ đã ký ({rv.pdf_path}); báo quản trị viên kiểm tra "
                           "thư mục lưu học bạ hoặc khôi phục từ bản sao lưu.") from None


def issued_for(pupil, klass) -> RecordVersion | None:
    """The pupil's issued record of that class's year (the newest issued version)."""
    rows = [rv for rv in issued_records(klass) if rv.pupil_id == pupil.id]
    return max(rows, key=lambda rv: rv.version) if rows else None


def staff_pdf(pupil, klass, public_base_url: str, full: bool = False) -> StaffPdf:
    """The issued, signed file as it was issued; when not issued (or for the whole book), a preview
    named as such ("ban-xem-truoc") so it is never taken for the signed record."""
    base = f"hoc-ba-{pupil.code}-{klass.year.name}"
    if not full:
        rv = issued_for(pupil, klass)
        if rv is not None:
            return StaffPdf(_signed_bytes(rv), f"{base}-v{rv.version}-da-ky.pdf", rv)
    rendered = render_record(pupil, klass, public_base_url, full=full)
    return StaffPdf(rendered.pdf, f"{base}{'-ca-cuon' if full else ''}-ban-xem-truoc.pdf", None)


def log_download(user, out: StaffPdf, pupil, klass, full: bool = False) -> None:
    """The audit line for a download by staff: which file (signed or preview), and its hash."""
    kind = "đã ký" if out.issued else ("cả cuốn, bản xem trước" if full else "bản xem trước")
    with write_tx():
        audit.record("record.downloaded", out.issued or pupil, user=user, summary=f"Tải học bạ {kind} {pupil.full_name} "
                     f"{klass.year.name}", full=full, sha256=out.sha256)


def signed_pdf(rv: RecordVersion) -> StaffPdf:
    """One issued (or since superseded) version's signed file."""
    if rv.status not in ("issued", "superseded") or not rv.pdf_path:
        raise ServiceError("Phiên bản này chưa được phát hành.")
    return StaffPdf(_signed_bytes(rv), f"hoc-ba-{rv.pupil.code}-{rv.school_class.year.name}-v{rv.version}-da-ky.pdf", rv)


_cache: "OrderedDict[str, list[bytes]]" = OrderedDict()
_lock = threading.Lock()


def _rasterise(pdf: bytes) -> list[bytes]:
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="hocba-preview-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(src), str(Path(tmp) / "p")],
                           check=True, capture_output=True, timeout=PDFTOPPM_TIMEOUT)
        except FileNotFoundError:
            raise ServiceError("Máy chủ thiếu gói poppler-utils (pdftoppm) để hiển thị trang học bạ.") from None
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise ServiceError("Không hiển thị được trang học bạ; vui lòng tải tệp PDF.") from None
        pages = []
        for path in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            out = io.BytesIO()
            Image.open(path).quantize(16).save(out, "PNG")
            pages.append(out.getvalue())
    return pages


@dataclass
class Pages:
    key: str  # changes whenever what the pages show changes
    images: list[bytes]
    issued: RecordVersion | None


def pages_for(pupil, klass, public_base_url: str) -> Pages:
    """The record's pages as PNG images: the issued file's when issued, else the preview's.

    The cache key is known before anything is rendered (the issued file's path, or the hash of the
    record object), so the page and each of its images cost one render between them."""
    rv = issued_for(pupil, klass)
    if rv is not None:
        key = hashlib.sha256(f"issued:{rv.id}:{rv.pdf_path}".encode()).hexdigest()
    else:
        data = record_data(ensure_record(pupil, klass), public_base_url)
        key = hashlib.sha256(b"preview:" + canonical_json(data)).hexdigest()
    key = key[:16]
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return Pages(key, _cache[key], rv)
    pdf = _signed_bytes(rv) if rv is not None else staff_pdf(pupil, klass, public_base_url).data
    images = _rasterise(pdf)
    with _lock:
        _cache[key] = images
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return Pages(key, images, rv)
