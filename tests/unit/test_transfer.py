"""Transfers: export every issued year; the receiving school verifies and continues the record."""
import io
import shutil
import zipfile

from portal.db import db, upgrade
from portal.models import Enrolment, Pupil
from portal.services.school.years import setup_school
from tests.conftest import make_app
from tests.routes.test_parents import issue_and_sign


def export(demo_app, tmp_path):
    rv = issue_and_sign(demo_app)
    (tmp_path / "pp").write_text("demo1234")
    out = tmp_path / "chuyen.zip"
    result = demo_app.test_cli_runner().invoke(args=["transfer-export", "--pupil", rv.pupil.code, "--out", str(out),
                                                     "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    return rv, out


def receiving_school(tmp_path, demo_app):
    folder = tmp_path / "truong-moi"
    folder.mkdir()
    shutil.copytree(demo_app.config["TRUST_DIR"], folder / "trust")  # the receiving school trusts the same CA
    app = make_app(folder / "portal.sqlite3")
    upgrade()
    with app.app_context(), db.connection_context():
        import datetime as dt
        from tests.factories import make_class
        setup_school("Trường Tiểu học Hướng Dương", "31009999", today=dt.date(2026, 11, 22))
        make_class("2C", grade=2)
    return app


def test_transfer_round_trip(demo_app, tmp_path):
    rv, out = export(demo_app, tmp_path)
    names = zipfile.ZipFile(out).namelist()
    assert "manifest.json" in names and "2026-2027.pdf" in names and "2026-2027.xml" in names
    new = receiving_school(tmp_path, demo_app)
    result = new.test_cli_runner().invoke(args=["transfer-import", str(out), "--class", "2C"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        pupil = Pupil.get(Pupil.code == rv.pupil.code)
        rows = list(Enrolment.select().where(Enrolment.pupil == pupil).order_by(Enrolment.id))
        assert [(r.class_name, r.school_name) for r in rows] == [
            ("1A", "Trường Tiểu học Hoa Sen"), ("2C", "Trường Tiểu học Hướng Dương")]


def test_tampered_or_untrusted_transfer_is_refused(demo_app, tmp_path):
    rv, out = export(demo_app, tmp_path)
    new = receiving_school(tmp_path, demo_app)
    runner = new.test_cli_runner()
    bad = tmp_path / "bad.zip"
    data = zipfile.ZipFile(out)
    with zipfile.ZipFile(bad, "w") as zf:
        for n in data.namelist():
            blob = data.read(n)
            zf.writestr(n, blob.replace(b"/Type /Page", b"/Type /Pagx", 1) if n.endswith(".pdf") else blob)
    result = runner.invoke(args=["transfer-import", str(bad), "--class", "2C"])
    assert result.exit_code == 1 and "đã bị sửa đổi" in result.output
    truncated = tmp_path / "trunc.zip"
    truncated.write_bytes(out.read_bytes()[:3000])
    assert "không phải là hồ sơ chuyển trường" in runner.invoke(args=["transfer-import", str(truncated), "--class", "2C"]).output
    for pem in (new.config["TRUST_DIR"] and __import__("pathlib").Path(new.config["TRUST_DIR"])).glob("*.pem"):
        pem.unlink()  # a school that does not trust the sender's CA
    from portal.signing.pki import TestPKI
    (__import__("pathlib").Path(new.config["TRUST_DIR"]) / "other.pem").write_bytes(TestPKI.create("Khác").root.pem())
    result = runner.invoke(args=["transfer-import", str(out), "--class", "2C"])
    assert result.exit_code == 1 and "không đạt kiểm tra" in result.output
    with db.connection_context():
        assert not Pupil.select().where(Pupil.code == rv.pupil.code).exists()
    _ = io


def test_altered_xml_with_a_recomputed_manifest_is_refused(demo_app, tmp_path):
    import hashlib
    import json
    rv, out = export(demo_app, tmp_path)
    new = receiving_school(tmp_path, demo_app)
    src = zipfile.ZipFile(out)
    manifest = json.loads(src.read("manifest.json"))
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for n in src.namelist():
            if n == "manifest.json":
                continue
            blob = src.read(n)
            if n.endswith(".xml"):
                blob = blob.replace(b"<ketquagiaoduc>", b"<ketquagiaoduc>X", 1)
                manifest["files"][n] = hashlib.sha256(blob).hexdigest()
            zf.writestr(n, blob)
        zf.writestr("manifest.json", json.dumps(manifest))
    result = new.test_cli_runner().invoke(args=["transfer-import", str(forged), "--class", "2C"])
    assert result.exit_code == 1 and "nội dung được ký đã bị thay đổi sau khi ký" in result.output
