"""The demo CRL/OCSP/TSA responder: valid answers, and each issuing key parsed once, not per response."""
import hashlib
import io

from asn1crypto import crl as asn1_crl
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_der_x509_crl

from portal.signing import responder
from portal.signing.pki import TestPKI


def _call(app, path, body=b"", method="POST"):
    status = []
    env = {"PATH_INFO": path, "REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body)}
    out = b"".join(app(env, lambda s, h: status.append(s)))
    return status[0], out


def _tsa_request(nonce: int) -> bytes:
    return tsp.TimeStampReq({"version": 1, "nonce": nonce, "cert_req": True, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"hoc ba").digest()}}).dump()


def test_timestamps_and_crls_are_signed_with_keys_parsed_once(tmp_path, monkeypatch):
    pki = TestPKI.create(base_url="http://127.0.0.1:9")
    pki.tsa()
    pki.save(tmp_path)
    parsed = []
    real = serialization.load_der_private_key
    monkeypatch.setattr(responder.serialization, "load_der_private_key",
                        lambda der, password=None: parsed.append(1) or real(der, password=password))
    app = responder.ResponderApp(tmp_path)
    for nonce in (1, 2, 3):
        status, body = _call(app, "/tsa", _tsa_request(nonce))
        assert status.startswith("200")
        reply = tsp.TimeStampResp.load(body)
        assert reply["status"]["status"].native == "granted"
        assert reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed["nonce"].native == nonce
    for _ in range(2):
        status, body = _call(app, "/crl/intermediate.crl", method="GET")
        assert status.startswith("200")
        crl = load_der_x509_crl(body)
        assert crl.is_signature_valid(pki.intermediate.cert.public_key())
        assert asn1_crl.CertificateList.load(body).issuer.native["common_name"]
    assert len(parsed) == 2  # the TSA's key and the intermediate CA's, each once
