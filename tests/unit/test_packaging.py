"""Packages for the sector database: ZIP + manifest, the pair (PDF, XML signed in the chain) valid against the
XSD, every XML signature verified by xmlsec1."""
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

DS = "http://www.w3.org/2000/09/xmldsig#"


def xmlsec_verify(path, trust, chain, sig_id="sig-seal"):
    return subprocess.run(["xmlsec1", "--verify", "--trusted-pem", str(trust), "--untrusted-pem", str(chain),
                           "--id-attr:Id", "DU_LIEU_HOC_BA", "--id-attr:Id", "THONG_TIN_HOC_BA",
                           "--id-attr:Id", f"{DS}:SignatureProperties", "--id-attr:Id", f"{DS}:Signature",
                           "--node-id", sig_id, str(path)], capture_output=True, text=True, timeout=60)


def test_package_of_a_class(demo_app, tmp_path):
    rv = issue_and_sign(demo_app)
    (tmp_path / "pp").write_text("demo1234\n")
    out = tmp_path / "1a.zip"
    result = demo_app.test_cli_runner().invoke(args=["package", "--class", "1A", "--out", str(out),
                                                     "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    zf = zipfile.ZipFile(out)
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "hocba-package/2" and manifest["xml_format"] == "hocba-xml/2" and manifest["count"] == 1 and manifest["wave"] == 1
    assert manifest["school"]["code"] == "31001234" and manifest["year"] == "2026-2027"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == digest
    code = rv.pupil.code
    xml = zf.read(f"{code}.xml")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.parse(io.BytesIO(xml))), schema.error_log
    doc = etree.parse(io.BytesIO(xml))
    assert doc.findtext(".//mahocsinh") == code and doc.findtext(".//hovaten") == rv.pupil.full_name
    with demo_app.app_context(), db.connection_context():
        from portal.services.records.xml_record import read_xml
        assert xml == read_xml(rv)  # the XML signed in the chain, not one made at packaging
        from portal.services.records.xml_verification import verify_pair
        assert verify_pair(zf.read(f"{code}.pdf"), xml).status == "passed"
    with demo_app.app_context(), db.connection_context():
        chain = active(User.get(User.username == "vanthu"), "organisation").chain_pem
    (tmp_path / "chain.pem").write_text(chain)
    trust = next((tmp_path / "trust").glob("*.pem"))
    (tmp_path / "signed.xml").write_bytes(xml)
    for sig_id in ("sig-homeroom", "sig-principal", "sig-seal"):
        ok = xmlsec_verify(tmp_path / "signed.xml", trust, tmp_path / "chain.pem", sig_id)
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


def test_a_record_issued_before_xml_signing_gets_a_sealed_xml(demo_app, tmp_path):
    from portal.services.records.xml_record import xml_rel
    rv = issue_and_sign(demo_app)
    (tmp_path.joinpath(demo_app.config["RECORDS_DIR"]) / xml_rel(rv.pdf_path)).unlink()  # as before issue 16
    (tmp_path / "pp").write_text("demo1234\n")
    out = tmp_path / "1a.zip"
    result = demo_app.test_cli_runner().invoke(args=["package", "--class", "1A", "--out", str(out),
                                                     "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    xml = zipfile.ZipFile(out).read(f"{rv.pupil.code}.xml")
    sigs = etree.fromstring(xml).findall(f".//{{{DS}}}Signature")
    assert [s.getparent().tag for s in sigs] == ["KY_PHAT_HANH"]
    with demo_app.app_context(), db.connection_context():
        chain = active(User.get(User.username == "vanthu"), "organisation").chain_pem
    (tmp_path / "chain.pem").write_text(chain)
    (tmp_path / "sealed.xml").write_bytes(xml)
    ok = xmlsec_verify(tmp_path / "sealed.xml", next((tmp_path / "trust").glob("*.pem")), tmp_path / "chain.pem")
    assert ok.returncode == 0, ok.stderr
