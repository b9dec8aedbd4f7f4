"""Packages of issued records for the sector database (and transfers): a ZIP with a manifest and, per pupil,
the issued pair — the PDF and the XML signed in the same chain. Format and mapping: docs/package-format.md,
portal/exchange/record_xml.py."""
import datetime as dt
import hashlib
import io
import json
import zipfile

from lxml import etree

from portal.exchange import record_xml
from portal.models import RecordVersion, School, SchoolClass
from portal.services import ServiceError
from portal.services.records.chain import read_pdf, wave_of
from portal.services.school.certificates import active, parsed, rewrap_if_needed
from portal.services.system import audit
from portal.services.records.xml_record import issued_xml
from portal.services.records.xml_verification import XSD, schema_problems  # noqa: F401 (XSD re-exported)

PACKAGE_FORMAT = "hocba-package/2"
GENERATOR = "hocba-portal 0.1.0"


def seal_key(user, passphrase: str):
    """The school's organisation key (the clerk's seal certificate), unlocked for XML signatures."""
    from portal.signing import certs
    row = active(user, "organisation")
    if row is None:
        raise ServiceError("Chưa có chứng thư số của tổ chức (dấu số của trường) để ký tệp dữ liệu.")
    try:
        key = certs.decrypt_key(row.key_pem_encrypted, passphrase)
    except certs.CertificateProblem as err:
        raise ServiceError(err.message) from None
    rewrap_if_needed(row, passphrase, key)
    cert, _ = parsed(row)
    return key, cert


def build(klass: SchoolClass, wave: int, key, cert) -> bytes:
    """Validate every XML against the XSD and sign it; then write the ZIP (nothing written on a problem)."""
    records = [rv for rv in RecordVersion.select().where((RecordVersion.school_class == klass)
                                                          & (RecordVersion.status == "issued"))
               if wave_of(rv.pupil, klass) == wave]
    if not records:
        raise ServiceError(f"Lớp {klass.name} chưa có học bạ nào đã phát hành trong đợt {wave}.")
    files, hashes = {}, {}
    for rv in sorted(records, key=lambda r: r.pupil.code):
        pdf = read_pdf(rv)
        if json.loads(rv.data_json).get("schema") not in record_xml.SCHEMAS:  # no XML mapping for it
            raise ServiceError("Chưa có định dạng XML cho loại học bạ này; chưa đóng gói được.")
        signed = issued_xml(rv, key, cert)
        problems = schema_problems(etree.fromstring(signed))
        if problems:
            raise ServiceError(f"XML của {rv.pupil.code} không hợp lệ theo XSD: {problems[0]}")
        for name, data in ((f"{rv.pupil.code}.xml", signed), (f"{rv.pupil.code}.pdf", pdf)):
            files[name] = data
            hashes[name] = hashlib.sha256(data).hexdigest()
    school = School.current()
    manifest = {"format": PACKAGE_FORMAT, "xml_format": record_xml.FORMAT, "generator": GENERATOR,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "school": {"code": school.code, "name": school.name}, "year": klass.year.name, "class": klass.name,
                "wave": wave, "count": len(records), "files": hashes}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        for name, data in files.items():
            zf.writestr(name, data)
    audit.record("package.built", klass, user=None, summary=f"Đóng gói {len(records)} học bạ lớp {klass.name} đợt {wave}",
                 username="cli", count=len(records), wave=wave)
    return out.getvalue()


def package_file(user, sub) -> tuple[bytes, str]:
    """A prepared package's ZIP and its file name, the download written to the audit trail."""
    from pathlib import Path

    from portal.services.appconfig import app_config

    data = (Path(app_config()["PACKAGES_DIR"]) / sub.path).read_bytes()
    audit.record("package.downloaded", sub, user=user, summary=f"Tải gói {sub.path}")
    return data, Path(sub.path).name
