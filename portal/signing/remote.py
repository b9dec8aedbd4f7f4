"""Remote signing of a hash, shaped like the Vietnamese remote-signing services.

The protocol (JSON over HTTP), which a real provider's adapter maps onto its own API:
  POST {base}/sign-requests  {"account", "hash_b64", "hash_alg", "description"} → 201 {"id"}
  GET  {base}/sign-requests/{id} → {"status": "pending" | "approved" | "rejected" | "expired",
                                     "signature_b64"?: raw signature over the hash, "reason"?}
The signer confirms on their phone; the portal polls until the request is decided or times out.
"""
import base64
import hashlib
import json
import time
import urllib.error
import urllib.request

from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pdf import to_asn1


class RemoteSigningError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RemoteSigningClient:
    def __init__(self, base_url: str, timeout_s: float = 180, poll_s: float = 1.0):
        self.base_url, self.timeout_s, self.poll_s = base_url.rstrip("/"), timeout_s, poll_s

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                return json.loads(resp.read().decode())
        except (urllib.error.URLError, TimeoutError, ValueError):
            raise RemoteSigningError("Không kết nối được dịch vụ ký số từ xa.") from None

    def sign_hash(self, account: str, digest: bytes, hash_alg: str, description: str) -> bytes:
        created = self._call("POST", "/sign-requests", {
            "account": account, "hash_b64": base64.b64encode(digest).decode(), "hash_alg": hash_alg,
            "description": description})
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            state = self._call("GET", f"/sign-requests/{created['id']}")
            if state["status"] == "approved":
                return base64.b64decode(state["signature_b64"])
            if state["status"] in ("rejected", "expired"):
                raise RemoteSigningError("Người ký đã từ chối hoặc yêu cầu ký đã hết hạn trên điện thoại.")
            time.sleep(self.poll_s)
        raise RemoteSigningError("Hết thời gian chờ xác nhận ký trên điện thoại.")


class RemoteSigner(signers.Signer):
    """A pyHanko signer whose raw signature is made by the remote service over the hash it is sent."""

    def __init__(self, client: RemoteSigningClient, account: str, cert, chain, description="Ký học bạ số"):
        super().__init__(signing_cert=to_asn1(cert),
                         cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]))
        self.client, self.account, self.description = client, account, description
        self._key_bytes = cert.public_key().key_size // 8

    reuses_size_estimate = False  # a retried signature would be a second confirmation on the phone

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(self._key_bytes)
        digest = hashlib.new(digest_algorithm, data).digest()
        return self.client.sign_hash(self.account, digest, digest_algorithm, self.description)
