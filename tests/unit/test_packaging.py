"""Packages for the sector database: ZIP + manifest, XML valid against the XSD, XAdES verified by xmlsec1."""
import hashlib
import io
import json
import subprocess
import zipfile

from lxml import etree

from portal.db import db
from portal.models import User
from portal.services.exchange.packaging import XSD
from portal.services.school.certificates import active
from tests.routes.test_parents import issue_and_sign

XADES_ID = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"


def xmlsec_verify(path, trust, chain):
    return subprocess.run(["xmlsec1", "--verify", "--trusted-pem", str(trust), "--untrusted-pem", str(chain),
                           "--id-attr:Id", XADES_ID, str(path)], capture_output=True, text=True, timeout=60)


def test_package_of_a_class(demo_app, tmp_path):
    rv = issue_and_sign(demo_app)
    (tmp_path / "pp").write_text("demo1234\n")
    out = tmp_path / "1a.zip"
    result = demo_app.test_cli_runner().invoke(args=["package", "--class", "1A", "--out", str(out),
                                                     "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    zf = zipfile.ZipFile(out)
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "hocba-package/1" and manifest["count"] == 1 and manifest["wave"] == 1
    assert manifest["school"]["code"] == "31001234" and manifest["year"] == "2026-2027"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == digest
    code = rv.pupil.code
    xml = zf.read(f"{code}.xml")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.parse(io.BytesIO(xml))), schema.error_log
    doc = etree.parse(io.BytesIO(xml))
    assert doc.findtext("mahocsinh") == code and doc.findtext("hovaten") == rv.pupil.full_name
    assert doc.findtext("sha256banthehien") == hashlib.sha256(zf.read(f"{code}.pdf")).hexdigest()
    with demo_app.app_context(), db.connection_context():
        chain = active(User.get(User.username == "vanthu"), "organisation").chain_pem
    (tmp_path / "chain.pem").write_text(chain)
    trust = next((tmp_path / "trust").glob("*.pem"))
    (tmp_path / "signed.xml").write_bytes(xml)
    ok = xmlsec_verify(tmp_path / "signed.xml", trust, tmp_path / "chain.pem")
    assert ok.returncode == 0, ok.stderr
    (tmp_path / "forged.xml").write_bytes(xml.replace(b"<ketquagiaoduc>", b"<ketquagiaoduc>X", 1))
    assert xmlsec_verify(tmp_path / "forged.xml", trust, tmp_path / "chain.pem").returncode != 0


def test_no_issued_records_and_wrong_passphrase(demo_app, tmp_path):
    (tmp_path / "pp").write_text("demo1234")
    (tmp_path / "bad").write_text("sai")
    runner = demo_app.test_cli_runner()
    out = tmp_path / "x.zip"
    result = runner.invoke(args=["package", "--class", "2A", "--out", str(out), "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 1 and "chưa có học bạ nào đã phát hành" in result.output and not out.exists()
    result = runner.invoke(args=["package", "--class", "2A", "--out", str(out), "--passphrase-file", str(tmp_path / "bad")])
    assert result.exit_code == 1 and "Mật khẩu" in result.output and not out.exists()
