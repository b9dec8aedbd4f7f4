"""VNPT SmartCA and Viettel MySign: the certificate fetched for the signer's account, the hash submitted,
confirmation polled, refusal and expiry reported in Vietnamese; the signature pyHanko validates in the PDF."""
import json

import pytest

from portal.db import db
from portal.services import ServiceError
from portal.services.records import remote_signing, chain as signing
from portal.services.school import certificates
from portal.signing import pdf as pdfsign
from portal.signing.pki import TestPKI
from tests.remote_providers import MySignStub, SmartCAStub
from tests.signing_helpers import first_records, reload, user


@pytest.fixture
def own_pki(demo_app, tmp_path):
    pki = TestPKI.create("CA từ xa")
    (tmp_path / "trust" / "remote-root.pem").write_bytes(pki.root.pem())
    return pki


@pytest.fixture
def wired(monkeypatch):
    """Until services/records/chain.py `backend_for` calls remote_signing.backend for "remote" rows (the lead's
    one-line change), route them there for these tests."""
    original = signing.backend_for

    def backend_for(row):
        if row.backend == "remote":
            cert, chain = certificates.parsed(row)
            return remote_signing.backend(json.loads(row.backend_config), cert, chain)
        return original(row)
    monkeypatch.setattr(signing, "backend_for", backend_for)


def configure(app, provider, url, client_id, secret):
    app.config.update(REMOTE_SIGNING_PROVIDER=provider, REMOTE_SIGNING_URL=url, REMOTE_SIGNING_CLIENT_ID=client_id,
                      REMOTE_SIGNING_CLIENT_SECRET=secret, REMOTE_SIGNING_POLL_S=0.02, REMOTE_SIGNING_TIMEOUT=5)


def sign_as_principal(rv):
    signing.sign_step(user("gvcn.1a"), rv, "demo1234")
    signing.sign_step(user("hieutruong"), rv, "")  # confirmed in the phone app
    return pdfsign.validate(signing.read_pdf(reload(rv)), certificates.roots())


def test_smartca_installs_the_accounts_certificate_and_signs_the_submitted_hash(demo_app, own_pki, wired):
    signer = own_pki.person("Nguyễn Thị Thanh Hương", "Trường Tiểu học Hoa Sen")
    chain = [own_pki.intermediate.cert, own_pki.root.cert]
    with SmartCAStub({"079123456789": (signer, chain)}) as stub, demo_app.app_context(), db.connection_context():
        configure(demo_app, "smartca", stub.url, stub.sp_id, stub.sp_password)
        row = certificates.install_remote(user("hieutruong"), "079123456789")
        assert json.loads(row.backend_config)["ref"] == format(signer.cert.serial_number, "x")
        reports = sign_as_principal(first_records()[0])
        assert [r.role for r in reports] == ["homeroom", "principal"] and all(r.bottom_line for r in reports)
        assert reports[1].signer == "Nguyễn Thị Thanh Hương"
        # One confirmation for the PDF's hash, then one for the XML's (the XML of equal value, same step).
        assert len(stub.requests) == 2
        for req in stub.requests.values():
            assert req["sign_files"][0]["sign_type"] == "hash" and len(req["sign_files"][0]["data_to_be_signed"]) == 64
            assert req["serial_number"] == format(signer.cert.serial_number, "x") and req["user_id"] == "079123456789"
            assert req["polls"] == 3, "polled while waiting for the phone, then took the signature"


@pytest.mark.parametrize("decision, message", [("reject", "từ chối"), ("expire", "hết hạn")])
def test_smartca_refused_or_expired_confirmation_leaves_the_record_unsigned(demo_app, own_pki, wired, decision,
                                                                            message):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    chain = [own_pki.intermediate.cert, own_pki.root.cert]
    with SmartCAStub({"079123456789": (signer, chain)}, decision=decision) as stub, demo_app.app_context(), \
            db.connection_context():
        configure(demo_app, "smartca", stub.url, stub.sp_id, stub.sp_password)
        certificates.install_remote(user("hieutruong"), "079123456789")
        rv = first_records()[0]
        signing.sign_step(user("gvcn.1a"), rv, "demo1234")
        with pytest.raises(ServiceError, match=message):
            signing.sign_step(user("hieutruong"), rv, "")
        assert reload(rv).step == 1


def test_smartca_wrong_integration_credentials_are_a_clear_message(demo_app, own_pki):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    with SmartCAStub({"079123456789": (signer, [own_pki.intermediate.cert, own_pki.root.cert])}) as stub, \
            demo_app.app_context(), db.connection_context():
        configure(demo_app, "smartca", stub.url, stub.sp_id, "sai-mat-khau")
        with pytest.raises(ServiceError, match="không hợp lệ") as err:
            certificates.install_remote(user("hieutruong"), "079123456789")
        assert "sai-mat-khau" not in err.value.message


def test_smartca_no_confirmation_in_time_times_out(demo_app, own_pki, wired):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    with SmartCAStub({"0791": (signer, [own_pki.intermediate.cert, own_pki.root.cert])},
                     polls_before_decision=10_000) as stub, demo_app.app_context(), db.connection_context():
        configure(demo_app, "smartca", stub.url, stub.sp_id, stub.sp_password)
        demo_app.config["REMOTE_SIGNING_TIMEOUT"] = 0.3
        certificates.install_remote(user("hieutruong"), "0791")
        rv = first_records()[0]
        signing.sign_step(user("gvcn.1a"), rv, "demo1234")
        with pytest.raises(ServiceError, match="Hết thời gian chờ"):
            signing.sign_step(user("hieutruong"), rv, "")
        assert reload(rv).step == 1


def test_mysign_login_credential_signhash_and_polling(demo_app, own_pki, wired):
    signer = own_pki.person("Nguyễn Thị Thanh Hương", "Trường Tiểu học Hoa Sen")
    chain = [own_pki.intermediate.cert, own_pki.root.cert]
    with MySignStub({"CMT_079123456789": (signer, chain)}) as stub, demo_app.app_context(), db.connection_context():
        configure(demo_app, "mysign", stub.url, stub.client_id, stub.client_secret)
        row = certificates.install_remote(user("hieutruong"), "CMT_079123456789")
        assert json.loads(row.backend_config)["ref"] == "CMT_079123456789_2482540_20240101"
        reports = sign_as_principal(first_records()[0])
        assert [r.role for r in reports] == ["homeroom", "principal"] and all(r.bottom_line for r in reports)
        assert len(stub.requests) == 2  # the PDF's hash, then the XML's
        for req in stub.requests.values():
            assert req["hashAlgo"] == "2.16.840.1.101.3.4.2.1" and req["async"] == 1 and req["numSignatures"] == 1
            assert req["polls"] == 3  # 4000 waiting, 6000 signing, then 1 with the signature


@pytest.mark.parametrize("decision, message", [("reject", "từ chối"), ("expire", "hết hạn")])
def test_mysign_refused_4002_or_expired_4001(demo_app, own_pki, wired, decision, message):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    with MySignStub({"CMT_1": (signer, [own_pki.intermediate.cert, own_pki.root.cert])}, decision=decision) as stub, \
            demo_app.app_context(), db.connection_context():
        configure(demo_app, "mysign", stub.url, stub.client_id, stub.client_secret)
        certificates.install_remote(user("hieutruong"), "CMT_1")
        rv = first_records()[0]
        signing.sign_step(user("gvcn.1a"), rv, "demo1234")
        with pytest.raises(ServiceError, match=message):
            signing.sign_step(user("hieutruong"), rv, "")
        assert reload(rv).step == 1


def test_mysign_unknown_user_is_refused_at_install(demo_app, own_pki):
    signer = own_pki.person("Nguyễn Thị Thanh Hương")
    with MySignStub({"CMT_1": (signer, [own_pki.intermediate.cert, own_pki.root.cert])}) as stub, \
            demo_app.app_context(), db.connection_context():
        configure(demo_app, "mysign", stub.url, stub.client_id, stub.client_secret)
        with pytest.raises(ServiceError, match="Đăng nhập dịch vụ Viettel MySign"):
            certificates.install_remote(user("hieutruong"), "CMT_khong_co")
