"""The XML học bạ of equal value (issue 16): signed by every role in the chain's step, verified like the PDF."""
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from portal.db import db
from portal.exchange import record_xml
from portal.services.records import chain as signing
from portal.services.school.certificates import active, parsed
from portal.services.records.xml_record import read_xml, sign_role, xml_rel
from portal.services.records.xml_verification import XSD, verify_file, verify_pair, verify_xml
from portal.signing import certs, xmldsig
from tests.signing_helpers import PASS, first_records, reload, user

DS = "{http://www.w3.org/2000/09/xmldsig#}"
CHAIN = ("gvcn.1a", "hieutruong", "vanthu")


@pytest.fixture
def issued(demo_app):
    """Two records of 1A through the whole chain: (record, PDF, XML) each."""
    with demo_app.app_context(), db.connection_context():
        records = first_records(n=2)
        for name in CHAIN:
            for rv in records:
                signing.sign_step(user(name), rv, PASS)
        return [(reload(rv), signing.read_pdf(reload(rv)), read_xml(reload(rv))) for rv in records]


def run(app, fn, *args):
    with app.app_context(), db.connection_context():
        return fn(*args)


def failed(v):
    return {c.key: c.reason for c in v.checks if c.status == "failed"}


def credential(username, purpose="personal"):
    row = active(user(username), purpose)
    key = certs.decrypt_key(row.key_pem_encrypted, PASS)
    cert, chain = parsed(row)
    return (lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())), cert, chain


def test_each_step_signs_the_xml_beside_the_pdf_in_its_place(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records(n=1)[0]
        places = []
        for name in CHAIN:
            result = signing.sign_step(user(name), rv, PASS)
            rv = reload(rv)
            assert result.ok and xml_rel(rv.pdf_path).endswith(f"-b{rv.step}.xml")
            root = xmldsig.parse(read_xml(rv))
            places.append([s.getparent().tag for s in root.iter(f"{DS}Signature")])
    assert places == [["GVCN"], ["GVCN", "CBQL"], ["GVCN", "CBQL", "KY_PHAT_HANH"]]
    refs = [r.get("URI") for r in root.iter(f"{DS}Reference") if not r.get("URI").endswith("-time")]
    assert refs == ["#thongtinhocba", "#data", "#data"]
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    assert Path(XSD).read_bytes() == (Path(__file__).parents[2] / "docs" / "hocba-xml-2.xsd").read_bytes()


def test_the_xml_names_signers_by_their_identification_numbers(demo_app, issued):
    rv, _pdf, xml = issued[0]
    root = xmldsig.parse(xml)
    with demo_app.app_context(), db.connection_context():
        assert record_xml.field(root, "soddcngvcn") == user("gvcn.1a").staff.national_id != ""
        assert record_xml.field(root, "soddcngiamhieu") == user("hieutruong").staff.national_id != ""
        assert record_xml.field(root, "masothue") == rv.school_class.year.school.tax_code != ""
    assert record_xml.field(root, "mahocsinh") == rv.pupil.code


def test_genuine_xml_and_pair_pass(demo_app, issued):
    rv, pdf, xml = issued[0]
    v = run(demo_app, verify_xml, xml)
    assert v.status == "passed", failed(v)
    assert {c.key for c in v.checks} >= {"sig1.signer", "sig3.signer", "chain", "seal", "db.current", "db.data"}
    pair = run(demo_app, verify_pair, pdf, xml)
    assert pair.status == "passed", failed(pair)
    assert run(demo_app, verify_file, xml, pdf).status == "passed"  # either order


def test_every_signature_checks_with_xmlsec1(demo_app, issued, tmp_path):
    _rv, _pdf, xml = issued[0]
    doc = tmp_path / "hocba.xml"
    doc.write_bytes(xml)
    trust = sorted(Path(demo_app.config["TRUST_DIR"]).glob("*.pem"))
    ids = [s.get("Id") for s in xmldsig.parse(xml).iter(f"{DS}Signature")]
    assert ids == ["sig-homeroom", "sig-principal", "sig-seal"]

    def xmlsec(path, sig_id):
        cmd = ["xmlsec1", "--verify", "--id-attr:Id", "DU_LIEU_HOC_BA", "--id-attr:Id", "THONG_TIN_HOC_BA",
               "--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:SignatureProperties",
               "--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Signature", "--node-id", sig_id]
        for pem in trust:
            cmd += ["--trusted-pem", str(pem)]
        return subprocess.run(cmd + [str(path)], capture_output=True, text=True, timeout=60)

    for sig_id in ids:
        result = xmlsec(doc, sig_id)
        assert result.returncode == 0, result.stderr
    forged = tmp_path / "forged.xml"
    forged.write_bytes(xml.replace(b"<mucdatduoc>", b"<mucdatduoc>C", 1))
    assert xmlsec(forged, "sig-principal").returncode != 0


def test_a_score_changed_inside_the_signed_data_fails(demo_app, issued):
    _rv, _pdf, xml = issued[0]
    root = xmldsig.parse(xml)
    row = next(r for r in root.iter("DIEM_TONG_KET") if r.findtext("diemktdk"))
    old = row.findtext("diemktdk")
    row.find("diemktdk").text = "10" if old != "10" else "9"
    v = run(demo_app, verify_xml, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert v.status == "failed"
    reasons = failed(v)
    assert "đã bị thay đổi sau khi ký" in reasons["sig1.intact"] and "sig3.intact" in reasons
    assert "db.data" not in reasons  # not judged: the file was changed after signing


def test_a_signature_moved_to_another_element_fails(demo_app, issued):
    _rv, _pdf, xml = issued[0]
    root = xmldsig.parse(xml)
    homeroom, principal = root.find("DANH_SACH_THONG_TIN_KY/GVCN"), root.find("PHAT_HANH_HOC_BA/CBQL")
    sig = principal[0]
    homeroom.remove(homeroom[0])
    homeroom.append(sig)  # the principal's signature (over "data") put where the homeroom's belongs
    v = run(demo_app, verify_xml, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert v.status == "failed"
    assert "không phải phần “thongtinhocba”" in failed(v)["sig1.reference"]


def _replace(xml: bytes, role: str, who: str, purpose="personal", name="", number="") -> bytes:
    root = xmldsig.parse(xml)
    path, wrapper, _ = record_xml.ROLES[role]
    holder = root.find(path)
    holder.remove(holder.find(wrapper))
    stripped = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    sign_raw, cert, chain = credential(who, purpose)
    out = sign_role(stripped, role, sign_raw, cert, chain, national_id=number, name=name)
    if role == "homeroom":  # keep the layout's order: the homeroom's place is before the issuance part
        root = xmldsig.parse(out)
        holder = root.find(path)
        holder.append(holder.find(wrapper))
        out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


def test_a_signature_by_the_wrong_teacher_fails(demo_app, issued):
    _rv, _pdf, xml = issued[0]
    with demo_app.app_context(), db.connection_context():
        forged = _replace(xml, "homeroom", "gvcn.2a")
        other = user("gvcn.2a").staff.full_name
        v = verify_xml(forged)
    assert v.status == "failed"
    reason = failed(v)["sig1.signer"]
    assert other in reason and "không phải giáo viên chủ nhiệm" in reason
    assert "sig1.intact" not in failed(v)  # a valid signature, by the wrong person


def test_the_issuance_signed_with_a_personal_certificate_fails(demo_app, issued):
    _rv, _pdf, xml = issued[0]
    with demo_app.app_context(), db.connection_context():
        v = verify_xml(_replace(xml, "seal", "hieutruong"))
    assert v.status == "failed"
    assert "chứng thư số cá nhân" in failed(v)["sig3.signer"]
    assert "sig3.intact" not in failed(v)


def test_xml_and_pdf_of_different_records_fail_as_a_pair(demo_app, issued):
    (_a, pdf_a, _xml_a), (_b, _pdf_b, xml_b) = issued
    v = run(demo_app, verify_pair, pdf_a, xml_b)
    assert v.status == "failed" and set(failed(v)) == {"pair.data"}


def test_verify_command_takes_an_xml_or_the_pair(demo_app, issued, tmp_path):
    rv, pdf, xml = issued[0]
    (tmp_path / "a.pdf").write_bytes(pdf)
    (tmp_path / "a.xml").write_bytes(xml)
    (tmp_path / "b.xml").write_bytes(issued[1][2])
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["verify", str(tmp_path / "a.xml")])
    assert result.exit_code == 0, result.output
    assert "Người ký ô Giáo viên chủ nhiệm đúng là người giữ vai trò đó" in result.output
    assert runner.invoke(args=["verify", str(tmp_path / "a.pdf"), str(tmp_path / "a.xml")]).exit_code == 0
    result = runner.invoke(args=["verify", str(tmp_path / "a.pdf"), str(tmp_path / "b.xml")])
    assert result.exit_code == 1 and "Dữ liệu XML khác dữ liệu trong PDF" in result.output
    (tmp_path / "broken.xml").write_bytes(xml[:500])
    result = runner.invoke(args=["verify", str(tmp_path / "broken.xml")])
    assert result.exit_code == 1 and "Không đọc được tệp XML" in result.output


def test_issued_writes_pdf_and_xml(demo_app, issued, tmp_path):
    out = tmp_path / "out"
    result = demo_app.test_cli_runner().invoke(args=["issued", "--class", "1A", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for rv, pdf, xml in issued:
        assert (out / f"{rv.pupil.code}.pdf").read_bytes() == pdf
        assert (out / f"{rv.pupil.code}.xml").read_bytes() == xml


def test_a_subject_teacher_signs_each_subject_naming_them(demo_app):
    """Generic per-subject signatures (secondary records name a teacher per subject: gvbm, soddcngvbm)."""
    from portal.services.records.record import record_data
    with demo_app.app_context(), db.connection_context():
        record = record_data(first_records(n=1)[0], "https://hocba.example.edu.vn")
        teacher = user("gv.tienganh").staff
        for s in record["year"]["subjects"][:2]:
            s["teacher"] = {"name": teacher.full_name, "national_id": teacher.national_id}
        record["year"]["subjects"][2]["teacher"] = {"name": "Người Khác", "national_id": "0" * 12}
        sign_raw, cert, chain = credential("gv.tienganh")
        xml = sign_role(record_xml.to_xml(record), "subject", sign_raw, cert, chain,
                        national_id=teacher.national_id, name=teacher.full_name)
        root = xmldsig.parse(xml)
        sigs = list(root.iter(f"{DS}Signature"))
        assert [s.getparent().tag for s in sigs] == ["GVBM", "GVBM"]
        assert [xmldsig.verify(root, s).refs for s in sigs] == [["diem-1"], ["diem-2"]]
        v = verify_xml(xml)
        assert [c.status for c in v.checks if c.key in ("sig1.signer", "sig2.signer", "sig1.reference")] == ["passed"] * 3
        # The same teacher's signature forced onto the other teacher's subject is refused by name and number.
        forged = xmldsig.parse(xml)
        gvbm = forged.find("DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM")
        wrapper = etree.SubElement(gvbm, "GVBM")
        import datetime as dt
        xmldsig.sign(forged, wrapper, ["diem-3"], "sig-subject-diem-3", sign_raw, cert, chain, dt.datetime.now(dt.timezone.utc))
        v = verify_xml(etree.tostring(forged, xml_declaration=True, encoding="UTF-8"))
        assert "không phải giáo viên môn" in failed(v)["sig3.signer"]


def test_a_changed_xml_between_steps_stops_the_next_step(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records(n=1)[0]
        signing.sign_step(user("gvcn.1a"), rv, PASS)
        rv = reload(rv)
        path = signing.records_dir() / xml_rel(rv.pdf_path)
        path.write_bytes(path.read_bytes().replace(b"<mucdatduoc>", b"<mucdatduoc>C", 1))
        with pytest.raises(signing.ServiceError, match="khác dữ liệu đã khóa"):
            signing.sign_step(user("hieutruong"), rv, PASS)
        assert reload(rv).step == 1


@pytest.mark.parametrize("data, reason", [
    (b"", "Không đọc được tệp XML"),
    (b"<HOC_BA", "Không đọc được tệp XML"),
    (b'<?xml version="1.0"?><!DOCTYPE HOC_BA [<!ENTITY a "aaaa">]><HOC_BA phienbandinhdang="hocba-xml/2">&a;</HOC_BA>',
     "DOCTYPE"),
    (b"<hocba/>", "Không phải học bạ số"),
    (b'<HOC_BA phienbandinhdang="hocba-xml/2"/>', "Tệp không có chữ ký số nào"),
    (b'<HOC_BA phienbandinhdang="hocba-xml/2"><PHAT_HANH_HOC_BA><CBQL><ds:Signature xmlns:ds="http://www.w3.org/2000/09/'
     b'xmldsig#"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>!!!</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
     b'</ds:Signature></CBQL></PHAT_HANH_HOC_BA></HOC_BA>', "không có chứng thư số"),
], ids=["empty", "truncated", "doctype", "other-root", "no-signature", "garbage-signature"])
def test_broken_xml_fails_with_a_reason_never_an_exception(demo_app, data, reason):
    v = run(demo_app, verify_xml, data)
    assert v.status == "failed" and any(reason in c.reason for c in v.checks if c.status == "failed"), v.checks


def test_an_authorised_deputy_signs_the_principal_place_of_the_xml(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records(n=1)[0]
        for name in ("gvcn.1a", "phohieutruong", "vanthu"):
            signing.sign_step(user(name), rv, PASS)
        xml = read_xml(reload(rv))
        deputy = user("phohieutruong").staff
        root = xmldsig.parse(xml)
        assert [d.findtext("soddcn") for d in root.iter("UY_QUYEN")] == [deputy.national_id]
        v = verify_xml(xml)
    assert v.status == "passed", failed(v)
    assert deputy.full_name in next(c.reason for c in v.checks if c.key == "sig2.signer")
