"""Where the chain's PDF files live: one new file per step, written atomically, never overwritten."""
import os
import tempfile
from pathlib import Path

from portal.models import RecordVersion
from portal.services.appconfig import app_config


def records_dir() -> Path:
    return Path(app_config()["RECORDS_DIR"])


def read_pdf(rv: RecordVersion) -> bytes:
    return (records_dir() / rv.pdf_path).read_bytes()


def write_new(rv: RecordVersion, step: int, data: bytes, suffix: str = "") -> str:
    """Write the file of this step next to the earlier ones (fsync, then rename); returns its relative path."""
    rel = f"{rv.school_class.year.name}/{rv.pupil.code}-v{rv.version}-b{step}{suffix}.pdf"
    target = records_dir() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".signing-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return rel


def export_issued(klass, out_dir: str, username: str = "cli") -> int:
    """Every issued record of a class written to `out_dir` as <mã học sinh>.pdf and, when the chain signed it,
    <mã học sinh>.xml (the XML of equal value); the export is written to the audit trail."""
    from portal.services.records.rendering import write_atomically
    from portal.services.records.xml_record import read_xml
    from portal.services.system import audit

    rows = list(RecordVersion.select().where((RecordVersion.school_class == klass)
                                             & (RecordVersion.status == "issued")))
    for rv in rows:
        write_atomically(str(Path(out_dir) / f"{rv.pupil.code}.pdf"), read_pdf(rv))
        if (xml := read_xml(rv)) is not None:
            write_atomically(str(Path(out_dir) / f"{rv.pupil.code}.xml"), xml)
    audit.record("record.exported", klass, user=None, summary=f"Xuất {len(rows)} học bạ đã phát hành lớp {klass.name}",
                 username=username, count=len(rows))
    return len(rows)
