"""Local stand-ins for VNPT SmartCA (sp769 API) and Viettel MySign (/vtss/service), speaking the requests and
responses of portal/signing/providers.py (and the documents cited there). Each holds its accounts' keys as
the provider's HSM would and signs the submitted hash with PKCS#1 v1.5 once the "phone" has confirmed."""
import base64
import itertools
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils

from tests.http_stub import JsonHandler, serve

OID_HASHES = {"2.16.840.1.101.3.4.2.1": hashes.SHA256(), "2.16.840.1.101.3.4.2.3": hashes.SHA512()}


def _der(cert) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


class _Stub:
    def __init__(self, accounts, decision="approve", polls_before_decision=2):
        # accounts: {user_id: (Issued signer, [chain certs])}; decision: approve | reject | expire
        self.accounts, self.decision, self.polls = accounts, decision, polls_before_decision
        self.requests, self.calls, self.ids = {}, [], itertools.count(1)

    def __enter__(self):
        self.server, self.url = serve(self.handler())
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SmartCAStub(_Stub):
    def __init__(self, accounts, sp_id="sp-hocba", sp_password="sp-bi-mat", **kw):
        super().__init__(accounts, **kw)
        self.sp_id, self.sp_password = sp_id, sp_password

    def handler(self):
        stub = self

        class Handler(JsonHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                stub.calls.append((self.path, body))
                if self.path.startswith("/v1/signatures/sign/") and self.path.endswith("/status"):
                    return self.status(self.path.split("/")[-2])
                if (body.get("sp_id"), body.get("sp_password")) != (stub.sp_id, stub.sp_password) \
                        or body.get("user_id") not in stub.accounts or not body.get("transaction_id"):
                    return self._send(401, {"status_code": 401, "message": "SP_CREDENTIAL_INVALID", "data": None})
                signer, chain = stub.accounts[body["user_id"]]
                if self.path == "/v1/credentials/get_certificate":
                    return self._send(200, {"status_code": 200, "message": "Success", "data": {"user_certificates": [{
                        "service_type": "SMARTCA", "service_name": "SMARTCA PERSONAL PRO", "cert_id": "c-1",
                        "cert_status": "Đang hoạt động", "serial_number": format(signer.cert.serial_number, "x"),
                        "cert_subject": signer.cert.subject.rfc4514_string(), "cert_data": _der(signer.cert),
                        "chain_data": {"ca_cert": _der(chain[0]), "root_cert": _der(chain[1])},
                        "transaction_id": body["transaction_id"]}]}})
                if self.path == "/v1/signatures/sign":
                    files = body.get("sign_files") or []
                    if not files or any(f.get("sign_type") != "hash" or not f.get("doc_id") for f in files):
                        return self._send(400, {"status_code": 400, "message": "BAD_REQUEST", "data": None})
                    stub.requests[body["transaction_id"]] = {**body, "polls": 0}
                    return self._send(200, {"status_code": 200, "message": "sig_wait_for_user_confirm", "data": {
                        "transaction_id": body["transaction_id"], "tran_code": f"tc-{next(stub.ids)}"}})
                self._send(404, {"status_code": 404, "message": "NOT_FOUND"})

            def status(self, tran_id):
                req = stub.requests.get(tran_id)
                if req is None:
                    return self._send(400, {"status_code": 400, "message": "BAD_REQUEST", "data": None})
                req["polls"] += 1
                if req["polls"] <= stub.polls:
                    return self._send(200, {"status_code": 200, "message": "sig_wait_for_user_confirm", "data": None})
                if stub.decision == "reject":
                    return self._send(200, {"status_code": 200, "message": "sig_rejected", "data": None})
                if stub.decision == "expire":
                    return self._send(200, {"status_code": 200, "message": "transaction_expired", "data": None})
                signer, _ = stub.accounts[req["user_id"]]
                sigs = [{"doc_id": f["doc_id"], "timestamp_signature": None, "signature_value": base64.b64encode(
                    signer.key.sign(bytes.fromhex(f["data_to_be_signed"]), padding.PKCS1v15(),
                                    utils.Prehashed(hashes.SHA256()))).decode()} for f in req["sign_files"]]
                self._send(200, {"status_code": 200, "message": "SUCCESS",
                                 "data": {"transaction_id": tran_id, "signatures": sigs}})

        return Handler


class MySignStub(_Stub):
    def __init__(self, accounts, client_id="hocba_client", client_secret="mysign-bi-mat",
                 profile_id="adss:ras:profile:001", **kw):
        super().__init__(accounts, **kw)
        self.client_id, self.client_secret, self.profile_id = client_id, client_secret, profile_id
        self.tokens = {}

    def handler(self):
        stub = self

        class Handler(JsonHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                stub.calls.append((self.path, body))
                if self.path == "/vtss/service/ras/v1/login":
                    if (body.get("client_id"), body.get("client_secret"), body.get("profile_id")) != \
                            (stub.client_id, stub.client_secret, stub.profile_id):
                        return self._send(400, {"error": "58007", "error_description": "Client ID does not exist"})
                    if body.get("user_id") not in stub.accounts:
                        return self._send(400, {"error": "58008", "error_description": "User ID does not exist"})
                    token = f"tok-{next(stub.ids)}"
                    stub.tokens[token] = body["user_id"]
                    return self._send(200, {"access_token": token, "refresh_token": "", "token_type": "Bearer",
                                            "expires_in": "3600"})
                user = stub.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                if user is None:
                    return self._send(401, {"error": "59033", "error_description": "invalid token"})
                signer, chain = stub.accounts[user]
                cred = f"{user}_2482540_20240101"
                if self.path == "/vtss/service/certificates/info":
                    return self._send(200, [{"description": "Go>Sign mobile based implicit credential authorization",
                        "key": {"status": "enabled", "algo": ["1.2.840.113549.1.1.1"], "len": "2048"},
                        "cert": {"status": "valid", "certificates": [_der(signer.cert)] + [_der(c) for c in chain],
                                 "subjectDN": signer.cert.subject.rfc4514_string(),
                                 "serialNumber": str(signer.cert.serial_number)},
                        "authMode": "implicit", "multisign": "2147483647", "credential_id": cred, "scal": "2"}])
                if self.path == "/vtss/service/signHash":
                    ok = (body.get("client_id") == stub.client_id and body.get("credentialID") == cred
                          and body.get("numSignatures") == len(body.get("hash", [])) == len(body.get("documents", []))
                          and body.get("signAlgo") == "1.2.840.113549.1.1.1" and body.get("hashAlgo") in OID_HASHES
                          and all(len(d["document_name"]) < 100 for d in body["documents"]))
                    if not ok:
                        return self._send(400, {"error": "400", "error_description": "invalid request"})
                    tid = f"txn-{next(stub.ids)}"
                    stub.requests[tid] = {**body, "user": user, "polls": 0}
                    return self._send(200, {"transactionId": tid})
                if self.path == "/vtss/service/requests/status":
                    req = stub.requests.get(body.get("transactionId"))
                    if req is None or req["user"] != user:
                        return self._send(400, {"error": "400", "error_description": "unknown transaction"})
                    req["polls"] += 1
                    if req["polls"] <= stub.polls:
                        return self._send(200, {"status": "4000" if req["polls"] == 1 else "6000"})
                    if stub.decision in ("reject", "expire"):
                        return self._send(200, {"status": "4002" if stub.decision == "reject" else "4001"})
                    algo = OID_HASHES[req["hashAlgo"]]
                    sigs = [base64.encodebytes(signer.key.sign(base64.b64decode(h), padding.PKCS1v15(),
                                                               utils.Prehashed(algo))).decode() for h in req["hash"]]
                    return self._send(200, {"status": "1", "signatures": sigs})
                self._send(404, {"error": "404"})

        return Handler
