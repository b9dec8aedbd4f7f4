"""A local stand-in for a Vietnamese remote-signing service, speaking the protocol in portal/signing/remote.py.

It holds each account's private key (as the provider's HSM would), takes a hash, "waits for the phone"
for a couple of polls, then approves (or rejects, for accounts configured so) with a raw RSA signature.
"""
import base64
import itertools
import json

from tests.http_stub import JsonHandler

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


class RemoteSigningService:
    def __init__(self, keys: dict, reject=(), polls_before_decision=2):
        self.keys, self.reject, self.polls = keys, set(reject), polls_before_decision
        self.requests, self.ids = {}, itertools.count(1)
        service = self

        class Handler(JsonHandler):

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/sign-requests" or body.get("account") not in service.keys:
                    return self._send(404, {"error": "unknown account"})
                rid = str(next(service.ids))
                service.requests[rid] = {**body, "polls": 0}
                self._send(201, {"id": rid})

            def do_GET(self):
                rid = self.path.rsplit("/", 1)[-1]
                req = service.requests.get(rid)
                if req is None:
                    return self._send(404, {"error": "unknown request"})
                req["polls"] += 1
                if req["polls"] <= service.polls:
                    return self._send(200, {"status": "pending"})
                if req["account"] in service.reject:
                    return self._send(200, {"status": "rejected", "reason": "Người ký từ chối"})
                algo = HASHES[req["hash_alg"]]
                sig = service.keys[req["account"]].sign(base64.b64decode(req["hash_b64"]), padding.PKCS1v15(),
                                                        utils.Prehashed(algo))
                self._send(200, {"status": "approved", "signature_b64": base64.b64encode(sig).decode()})

        self.handler = Handler

    def __enter__(self):
        from tests.http_stub import serve
        self.server, self.url = serve(self.handler)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
