"""Adapters for the real Vietnamese remote-signing services, behind the same interface as remote.py's
generic client: `sign_hash(account, digest, hash_alg, description) -> raw signature` and
`certificates(account) -> [(cert, chain, ref)]` (ref: the serial number or credential id to sign with).

Sources (stored reference texts; neither service's specification is more public than this):
- VNPT SmartCA: "Tài liệu tích hợp VNPT SMARTCA" (VNPT's integration document, §1.2, §3.1–3.5, sp769 API).
  UAT https://rmgateway.vnptit.vn/sca/sp769, production https://gwsca.vnpt.vn/sca/sp769 (§1.2).
- Viettel MySign: the "Mysign Integration Document v1.8/v1.9" and the "Viettel Mysign Gateway" Postman
  collection, as summarised in an integrator's analysis ("Phân tích tích hợp ký số MySign Viettel", §2–3) and
  used by integrators' code (login / certificates/info / signHash / requests/status under /vtss/service).
  Base https://remotesigning.viettel.vn. The Viettel document itself was not among the stored texts.

Nothing here reads the app's configuration: credentials and addresses come in as arguments. Secrets
(client secret, sp_password) are never put into an error message.
"""
import base64
import binascii
import json
import time
import urllib.error
import urllib.request
import uuid

from cryptography import x509

from .remote import RemoteSigningError

REFUSED = "Người ký đã từ chối yêu cầu ký trên ứng dụng điện thoại."
EXPIRED = "Yêu cầu ký đã hết hạn: người ký không xác nhận trên điện thoại trong thời gian cho phép."
TIMEOUT = "Hết thời gian chờ xác nhận ký trên điện thoại."
UNREACHABLE = "Không kết nối được dịch vụ ký số từ xa."

# MySign's signHash takes OIDs (analysis §3.3: hashAlgo 2.16.840.1.101.3.4.2.1, signAlgo 1.2.840.113549.1.1.1).
HASH_OIDS = {"sha256": "2.16.840.1.101.3.4.2.1", "sha384": "2.16.840.1.101.3.4.2.2",
             "sha512": "2.16.840.1.101.3.4.2.3"}
RSA_OID = "1.2.840.113549.1.1.1"


def _der_cert(b64: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode("".join(b64.split())))


def raw_signature(value: str) -> bytes:
    """The signature value a service returned, as the raw signature pyHanko embeds.
    # UNCONFIRMED: neither document says whether the value is the bare PKCS#1 signature or a CMS
    # (PKCS#7) structure; integrators' code treats both (SmartCA's is described as "PKCS#7 detached" by one
    # analysis, while VNPT's own hash-signer library and MySign's demos insert it as the external digest).
    # A CMS SignedData is recognised and its signer's signature taken; anything else is taken as is."""
    data = base64.b64decode("".join(value.split()))
    if data[:1] == b"\x30":
        try:
            from asn1crypto import cms
            info = cms.ContentInfo.load(data)
            if info["content_type"].native == "signed_data":
                return info["content"]["signer_infos"][0]["signature"].native
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    return data


class _JsonClient:
    def __init__(self, base_url: str, timeout_s: float, poll_s: float, sleep=time.sleep):
        self.base_url, self.timeout_s, self.poll_s, self.sleep = base_url.rstrip("/"), timeout_s, poll_s, sleep

    def _post(self, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return resp.status, json.loads(resp.read().decode() or "{}")
        except urllib.error.HTTPError as err:
            try:
                return err.code, json.loads(err.read().decode() or "{}")
            except ValueError:
                return err.code, {}
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise RemoteSigningError(UNREACHABLE) from None

    def _wait(self, poll):
        """Call poll() until it returns a signature, raising on refusal/expiry, or time out."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            result = poll()
            if result is not None:
                return result
            if time.monotonic() + self.poll_s > deadline:
                raise RemoteSigningError(TIMEOUT)
            self.sleep(self.poll_s)


class SmartCAClient(_JsonClient):
    """VNPT SmartCA, SP769 API (document §3): the signer confirms in the VNPT SmartCA app.

    POST {base}/v1/credentials/get_certificate {sp_id, sp_password, user_id, serial_number, transaction_id}
      → {status_code, message, data: {user_certificates: [{cert_id, cert_status, serial_number, cert_subject,
         cert_valid_from, cert_valid_to, cert_data, chain_data: {ca_cert, root_cert}, transaction_id}]}}   (§3.2)
    POST {base}/v1/signatures/sign {sp_id, sp_password, user_id, transaction_id (unique, by the SP),
         transaction_desc, serial_number, time_stamp (YYYYMMddHHmmSS), sign_files: [{data_to_be_signed
         (hex of the hash), doc_id (shown in the app), file_type, sign_type: "hash"}]}
      → {status_code: 200, message: "sig_wait_for_user_confirm", data: {transaction_id, tran_code}}        (§3.3)
    POST {base}/v1/signatures/sign/{tranId}/status
      → {status_code: 200, message: "SUCCESS", data: {transaction_id, signatures: [{doc_id,
         signature_value, timestamp_signature}]}}                                                          (§3.4)
    Error codes (§3.1): 400 BAD_REQUEST, 401 SP_CREDENTIAL_INVALID, 403 CREDENTIAL_STATUS_INVALID, 500.
    """

    # UNCONFIRMED: the document shows only the successful status response. Anything that is not "SUCCESS"
    # is taken as still waiting (as VNPT's samples poll: every 10 s, 24 times), except these messages,
    # which integrators report for a refused or expired transaction; configurable per deployment.
    REFUSED_MESSAGES = ("sig_rejected", "rejected", "user_reject", "user_rejected", "cancel", "canceled",
                        "cancelled")
    EXPIRED_MESSAGES = ("expired", "sig_expired", "transaction_expired", "timeout")

    def __init__(self, base_url: str, sp_id: str, sp_password: str, serial_number: str = "",
                 timeout_s: float = 240, poll_s: float = 10.0, file_type: str = "pdf",
                 refused_messages=None, expired_messages=None, sleep=time.sleep):
        super().__init__(base_url, timeout_s, poll_s, sleep)
        self.sp_id, self.sp_password, self.serial_number, self.file_type = sp_id, sp_password, serial_number, file_type
        self.refused = tuple(m.lower() for m in (refused_messages or self.REFUSED_MESSAGES))
        self.expired = tuple(m.lower() for m in (expired_messages or self.EXPIRED_MESSAGES))

    def _auth(self, user_id: str) -> dict:
        return {"sp_id": self.sp_id, "sp_password": self.sp_password, "user_id": user_id}

    @staticmethod
    def _problem(status: int, body: dict) -> RemoteSigningError:
        code = body.get("status_code", status)
        if code == 401:
            return RemoteSigningError("Dịch vụ VNPT SmartCA từ chối: thông tin tài khoản tích hợp hoặc tài khoản "
                                      "người ký không hợp lệ.")
        if code == 403:
            return RemoteSigningError("Dịch vụ VNPT SmartCA từ chối: chứng thư số của người ký không còn hiệu lực.")
        return RemoteSigningError(f"Dịch vụ VNPT SmartCA báo lỗi (mã {code}); chưa ký được.")

    def certificates(self, account: str) -> list:
        status, body = self._post("/v1/credentials/get_certificate", {
            **self._auth(account), "serial_number": self.serial_number, "transaction_id": str(uuid.uuid4())})
        if status != 200 or body.get("status_code") != 200:
            raise self._problem(status, body)
        out = []
        for item in (body.get("data") or {}).get("user_certificates") or []:
            chain_data = item.get("chain_data") or {}
            chain = [_der_cert(c) for c in (chain_data.get("ca_cert"), chain_data.get("root_cert")) if c]
            out.append((_der_cert(item["cert_data"]), chain, item.get("serial_number", "")))
        return out

    def sign_hash(self, account: str, digest: bytes, hash_alg: str, description: str) -> bytes:
        transaction_id = str(uuid.uuid4())
        doc_id = transaction_id[:13]
        body = {**self._auth(account), "transaction_id": transaction_id, "transaction_desc": description,
                "time_stamp": time.strftime("%Y%m%d%H%M%S", time.gmtime()),
                "sign_files": [{"data_to_be_signed": digest.hex(), "doc_id": doc_id,
                                "file_type": self.file_type, "sign_type": "hash"}]}
        if self.serial_number:
            body["serial_number"] = self.serial_number
        status, created = self._post("/v1/signatures/sign", body)
        if status != 200 or created.get("status_code") != 200:
            raise self._problem(status, created)
        # UNCONFIRMED: §3.4 calls {tranId} "the transaction's id returned by 3.3"; the response holds both
        # transaction_id (ours, echoed) and tran_code. VNPT's PHP sample polls with data.transaction_id.
        tran_id = (created.get("data") or {}).get("transaction_id") or transaction_id

        def poll():
            # UNCONFIRMED: §3.4 documents no request body; VNPT's sample posts none. An empty object is sent.
            status, state = self._post(f"/v1/signatures/sign/{tran_id}/status", {})
            message = str(state.get("message", "")).strip().lower()
            if status == 200 and message == "success":
                sigs = (state.get("data") or {}).get("signatures") or []
                mine = next((s for s in sigs if s.get("doc_id") == doc_id), sigs[0] if sigs else None)
                if not mine or not mine.get("signature_value"):
                    raise RemoteSigningError("Dịch vụ VNPT SmartCA không trả về chữ ký; chưa ký được.")
                return raw_signature(mine["signature_value"])
            if any(m in message for m in self.refused):
                raise RemoteSigningError(REFUSED)
            if any(m in message for m in self.expired):
                raise RemoteSigningError(EXPIRED)
            if status in (401, 403) or (status >= 400 and status != 404 and status < 500):
                raise self._problem(status, state)
            return None

        return self._wait(poll)


class MySignClient(_JsonClient):
    """Viettel MySign (remote signing gateway, /vtss/service): the signer confirms in the MySign app.

    POST {base}/vtss/service/ras/v1/login {client_id, client_secret, profile_id, user_id}
      → {access_token, refresh_token: "", token_type: "Bearer", expires_in: "3600"}                 (analysis §2.3)
    POST {base}/vtss/service/certificates/info {client_id, client_secret, profile_id, user_id,
         certificates: "chain", certInfo: true, authInfo: true}  (Bearer)
      → [{credential_id, key: {status, algo, len}, cert: {status, certificates: [user, CA, root (base64 DER)],
          subjectDN, issuerDN, serialNumber, validFrom, validTo}, authMode, multisign, scal}]        (§3.2)
    POST {base}/vtss/service/signHash {client_id, client_secret, credentialID, numSignatures, description,
         documents: [{document_id, document_name}], hash: [base64 SHA-256], hashAlgo (OID), signAlgo (OID),
         async: 1}  (Bearer) → {transactionId}                                                     (§3.3)
         description and document_name base64 of the UTF-8 text, under 100 characters (§3.3).
    POST {base}/vtss/service/requests/status {transactionId}  (Bearer)
      → {status: "1", signatures: [base64]} | status "4000" waiting, "6000" confirmed and signing,
        "4001" not confirmed in time, "4002" refused, "4004" signing failed, "4005" no signings left,
        "13004" certificate expired or revoked, "50000" internal error                               (§3.4)
    Login errors: 58007 unknown client, 58008 unknown user, 59033 invalid user (401), 86024 bad secret (§2.4).
    """

    WAITING = {"4000", "6000"}

    def __init__(self, base_url: str, client_id: str, client_secret: str, profile_id: str = "adss:ras:profile:001",
                 credential_id: str = "", timeout_s: float = 120, poll_s: float = 2.0, sleep=time.sleep):
        super().__init__(base_url, timeout_s, poll_s, sleep)
        self.client_id, self.client_secret, self.profile_id = client_id, client_secret, profile_id
        self.credential_id = credential_id

    def _login(self, user_id: str) -> str:
        status, body = self._post("/vtss/service/ras/v1/login", {
            "client_id": self.client_id, "client_secret": self.client_secret, "profile_id": self.profile_id,
            "user_id": user_id})
        if status != 200 or not body.get("access_token"):
            raise RemoteSigningError("Đăng nhập dịch vụ Viettel MySign không thành công: kiểm tra tài khoản tích "
                                     "hợp của trường và tài khoản MySign của người ký.")
        return body["access_token"]

    def certificates(self, account: str) -> list:
        token = self._login(account)
        status, body = self._post("/vtss/service/certificates/info", {
            "client_id": self.client_id, "client_secret": self.client_secret, "profile_id": self.profile_id,
            "user_id": account, "certificates": "chain", "certInfo": True, "authInfo": True}, token)
        if status != 200 or not isinstance(body, list):
            raise RemoteSigningError("Dịch vụ Viettel MySign không trả về chứng thư số của người ký.")
        out = []
        for item in body:
            certs = [_der_cert(c) for c in (item.get("cert") or {}).get("certificates") or []]
            if certs:
                out.append((certs[0], certs[1:], item.get("credential_id", "")))
        return out

    @staticmethod
    def _b64text(text: str) -> str:
        """§3.3: base64 of the UTF-8 text, kept under 100 characters."""
        raw = text.encode()[:72]
        while True:
            try:
                raw.decode()
                break
            except UnicodeDecodeError:
                raw = raw[:-1]
        return base64.b64encode(raw).decode()

    def sign_hash(self, account: str, digest: bytes, hash_alg: str, description: str) -> bytes:
        if hash_alg not in HASH_OIDS:
            raise RemoteSigningError("Thuật toán băm không được dịch vụ Viettel MySign hỗ trợ.")
        if not self.credential_id:
            raise RemoteSigningError("Chưa chọn chứng thư số MySign (credential) của người ký.")
        token = self._login(account)
        document_id = str(uuid.uuid4())
        status, created = self._post("/vtss/service/signHash", {
            "client_id": self.client_id, "client_secret": self.client_secret, "credentialID": self.credential_id,
            "numSignatures": 1, "description": self._b64text(description),
            "documents": [{"document_id": document_id, "document_name": self._b64text(description)}],
            "hash": [base64.b64encode(digest).decode()], "hashAlgo": HASH_OIDS[hash_alg], "signAlgo": RSA_OID,
            "async": 1}, token)
        if status != 200 or not created.get("transactionId"):
            raise RemoteSigningError("Dịch vụ Viettel MySign không nhận yêu cầu ký; chưa ký được.")
        transaction_id = created["transactionId"]

        def poll():
            status, state = self._post("/vtss/service/requests/status", {"transactionId": transaction_id}, token)
            code = str(state.get("status", ""))
            if status == 200 and code == "1":
                sigs = state.get("signatures") or []
                if not sigs:
                    raise RemoteSigningError("Dịch vụ Viettel MySign không trả về chữ ký; chưa ký được.")
                try:
                    return raw_signature(sigs[0])
                except (binascii.Error, ValueError):
                    raise RemoteSigningError("Chữ ký do Viettel MySign trả về không đọc được.") from None
            if code in self.WAITING:
                return None
            if code == "4002":
                raise RemoteSigningError(REFUSED)
            if code == "4001":
                raise RemoteSigningError(EXPIRED)
            if code == "4005":
                raise RemoteSigningError("Tài khoản Viettel MySign của người ký đã hết lượt ký.")
            if code == "13004":
                raise RemoteSigningError("Chứng thư số MySign của người ký đã hết hạn hoặc bị thu hồi.")
            raise RemoteSigningError(f"Dịch vụ Viettel MySign báo lỗi khi ký (mã {code or status}).")

        return self._wait(poll)
