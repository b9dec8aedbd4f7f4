"""The other two signer backends, for real: a PKCS#11 token (SoftHSM2) and remote signing of a hash."""
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from portal.db import db
from portal.services import ServiceError
from portal.services.records import chain
from portal.services.school import certificates
from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI
from tests.remote_signing_server import RemoteSigningService
from tests.signing_helpers import first_records, reload, user

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture
def own_pki(demo_app, tmp_path):
    """A CA whose intermediate key we hold, added to this test's trust folder."""
    pki = TestPKI.create("CA token")
    (tmp_path / "trust" / "token-root.pem").write_bytes(pki.root.pem())
    return pki


def chain_pem(pki):
    return (pki.intermediate.pem() + pki.root.pem()).decode()


def test_pkcs11_token_softhsm(demo_app, tmp_path, own_pki, monkeypatch):
    assert os.path.exists(SOFTHSM), "softhsm2 is installed by `make test`"
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "hocba-token", "--pin", "123456",
                    "--so-pin", "654321"], check=True, capture_output=True)
    signer = own_pki.person("Hoàng Thị Lan", "Trường Tiểu học Hoa Sen")
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(signer.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "hocba-token", "--label", "lan",
                    "--id", "01", "--pin", "123456"], check=True, capture_output=True)
    key_pem.unlink()  # the key now lives only on the token
    with demo_app.app_context(), db.connection_context():
        certificates.install_token(user("gvcn.1a"), signer.pem().decode(), chain_pem(own_pki), "pkcs11",
                                   {"lib": SOFTHSM, "token_label": "hocba-token", "key_label": "lan"})
        rv = first_records()[0]
        with pytest.raises(ServiceError, match="PIN"):
            chain.sign_step(user("gvcn.1a"), rv, "000000")
        assert reload(rv).step == 0
        chain.sign_step(user("gvcn.1a"), rv, "123456")
        report = pdfsign.validate(chain.read_pdf(reload(rv)), certificates.roots())[0]
        assert report.signer == "Hoàng Thị Lan" and report.bottom_line and report.certified


def test_remote_signing_submit_confirm_poll(demo_app, own_pki):
    signer = own_pki.person("Nguyễn Thị Thanh Hương", "Trường Tiểu học Hoa Sen")
    with RemoteSigningService({"hieutruong@vnpt": signer.key}) as service, demo_app.app_context(), \
            db.connection_context():
        demo_app.config["REMOTE_SIGNING_URL"] = service.url
        certificates.install_token(user("hieutruong"), signer.pem().decode(), chain_pem(own_pki), "remote",
                                   {"account": "hieutruong@vnpt", "poll_s": 0.02})
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, "demo1234")
        chain.sign_step(user("hieutruong"), rv, "")  # confirmed on the phone, no passphrase here
        reports = pdfsign.validate(chain.read_pdf(reload(rv)), certificates.roots())
        assert [r.role for r in reports] == ["homeroom", "principal"]
        assert reports[1].signer == "Nguyễn Thị Thanh Hương" and all(r.bottom_line for r in reports)
        # Two confirmations on the phone: the PDF's signature, then the XML's (issue 16; one hash per request).
        assert len(service.requests) == 2 and {r["hash_alg"] for r in service.requests.values()} == {"sha256"}
        from portal.services.records.xml_record import read_xml
        from portal.signing import xmldsig
        root = xmldsig.parse(read_xml(reload(rv)))
        assert [xmldsig.verify(root, s).ok for s in xmldsig.signatures(root)] == [True, True]


def test_remote_signing_rejected_on_the_phone(demo_app, own_pki):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    with RemoteSigningService({"ht": signer.key}, reject={"ht"}) as service, demo_app.app_context(), \
            db.connection_context():
        demo_app.config["REMOTE_SIGNING_URL"] = service.url
        certificates.install_token(user("hieutruong"), signer.pem().decode(), chain_pem(own_pki), "remote",
                                   {"account": "ht", "poll_s": 0.02})
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, "demo1234")
        with pytest.raises(ServiceError, match="từ chối"):
            chain.sign_step(user("hieutruong"), rv, "")
        assert reload(rv).step == 1
