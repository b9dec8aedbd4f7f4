"""Transfers between schools: the sending school hands over the whole học bạ; the receiving school checks
every signature and the data, then continues the record (a new quá trình học tập row) without altering
earlier years. A record that fails verification is refused with the reasons (HOCBA §7)."""
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from portal.db import write_tx
from portal.exchange import record_xml
from portal.models import Enrolment, Pupil, RecordVersion, School
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.records.chain import read_pdf
from portal.services.records.rendering import write_atomically
from portal.services.records.verification import verify
from portal.services.records.xml_record import issued_xml
from portal.services.school.years import enrol
from portal.services.system import audit
from portal.signing import pdf as pdfsign

FORMAT = "hocba-transfer/1"
MAX_ZIP = 64 * 1024 * 1024


def export_pupil(pupil: Pupil, key, cert) -> bytes:
    """Every issued year of the pupil: the signed PDF and the signed XML, with a manifest."""
    records = list(RecordVersion.select().where((RecordVersion.pupil == pupil) & (RecordVersion.status == "issued"))
                   .order_by(RecordVersion.id))
    if not records:
        raise ServiceError("Học sinh chưa có học bạ nào đã phát hành để chuyển trường.")
    files = {}
    for rv in records:
        if json.loads(rv.data_json).get("schema") not in record_xml.SCHEMAS:  # no XML mapping for it
            raise ServiceError("Chưa có định dạng XML cho loại học bạ này; chưa chuyển được.")
        year = rv.school_class.year.name
        files[f"{year}.pdf"], files[f"{year}.xml"] = read_pdf(rv), issued_xml(rv, key, cert)
    from portal.models import Certificate
    seal = Certificate.get_or_none(Certificate.serial == format(cert.serial_number, "x"))
    if seal is not None and seal.chain_pem:  # public intermediates, so the receiver can build the path
        files["chain.pem"] = seal.chain_pem.encode()
    school = School.current()
    manifest = {"format": FORMAT, "school": {"code": school.code, "name": school.name}, "pupil": pupil.code,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        for n, d in files.items():
            zf.writestr(n, d)
    audit.record("record.transfer_exported", pupil, user=None, summary=f"Xuất học bạ chuyển trường {pupil.full_name}",
                 years=[rv.school_class.year.name for rv in records])
    return out.getvalue()


def check_transfer(data: bytes) -> tuple[dict, list[tuple[str, object, dict]]]:
    """Read and verify a transfer file: (manifest, [(year, verdict, record)]); raises on a broken file."""
    if len(data) > MAX_ZIP:
        raise ServiceError("Tệp chuyển trường quá lớn.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        if sum(i.file_size for i in zf.infolist()) > 4 * MAX_ZIP:
            raise ServiceError("Tệp chuyển trường quá lớn khi giải nén.")
        manifest = json.loads(zf.read("manifest.json"))
        members = {n: zf.read(n) for n in manifest["files"]}
    except ServiceError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise ServiceError("Tệp không phải là hồ sơ chuyển trường hợp lệ (hỏng, bị cắt cụt hoặc thiếu bảng kê).") from None
    if manifest.get("format") != FORMAT:
        raise ServiceError("Định dạng hồ sơ chuyển trường không được hỗ trợ.")
    for name, digest in manifest["files"].items():
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise ServiceError(f"Tệp {name} trong hồ sơ đã bị sửa đổi.")
    from portal.services.records.verification import Check
    from portal.services.records.xml_verification import verify_pair
    results = []
    for name in sorted(n for n in members if n.endswith(".pdf")):
        xml = members.get(name.removesuffix(".pdf") + ".xml")
        try:
            embedded = pdfsign.embedded_file(members[name])
            record = json.loads(embedded) if embedded else {}
        except Exception:  # a broken file already failed verification
            record = {}
        if xml is None:
            verdict = verify(members[name])
            verdict.checks.append(Check("xml", "Tệp dữ liệu XML kèm theo", "failed", "Thiếu tệp XML của năm học."))
            verdict.status = "failed"
        else:  # the pair: each file's own check list, and the same data in both
            verdict = verify_pair(members[name], xml)
        results.append((name.removesuffix(".pdf"), verdict, record))
    return manifest, results


def import_transfer(data: bytes, klass) -> Pupil:
    """Accept a transferred pupil into `klass` when every year verifies; nothing is written otherwise."""
    manifest, results = check_transfer(data)
    failed = [(year, [c.reason or c.label for c in v.checks if c.status == "failed"])
              for year, v, _ in results if v.status == "failed"]
    if failed or not results:
        raise ServiceError("Hồ sơ không đạt kiểm tra: " + "; ".join(f"{y}: {', '.join(r)}" for y, r in failed))
    last = results[-1][2]
    p = last["pupil"]
    school = School.current()
    if Pupil.select().where(Pupil.code == p["code"]).exists():
        raise ServiceError(f"Học sinh mã {p['code']} đã có trong trường.")
    with write_tx():
        pupil = Pupil.create(code=p["code"], full_name=p["full_name"], gender=p["gender_code"],
                             born_on=dt.date.fromisoformat(p["born_on"]), ethnicity=p["ethnicity"],
                             nationality=p["nationality"], birthplace=p["birthplace"], hometown=p["hometown"],
                             address=p["address"], father_name=p["father_name"], mother_name=p["mother_name"],
                             guardian_name=p["guardian_name"], national_id=p["national_id"] or None,
                             registry_number=p["registry_number"])
        for h in last["history"]:  # earlier years, as the sending school recorded them
            Enrolment.create(pupil=pupil, school_class=None, year_name=h["year"], class_name=h["class"],
                             school_name=h["school"], registry_number=h["registry_number"],
                             entered_on=dt.date.fromisoformat(h["entered_on"]) if h["entered_on"] else None,
                             status="transferred_out")
        enrol(pupil, klass, school, entered_on=dt.date.today())
        folder = Path(app_config()["RECORDS_DIR"]) / "chuyen-den" / pupil.code
        for name in manifest["files"]:
            write_atomically(str(folder / name), zipfile.ZipFile(io.BytesIO(data)).read(name))
        audit.record("record.transfer_imported", pupil, user=None, summary=f"Tiếp nhận học sinh chuyển đến {pupil.full_name} "
                     f"từ {manifest['school']['name']}", years=[y for y, _, _ in results])
    return pupil
