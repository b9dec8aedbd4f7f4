"""A local stand-in for the sector database's receiving endpoint (the protocol in portal/services/exchange/sending.py)."""
import hashlib
import itertools
import json
import io
import zipfile

from tests.http_stub import JsonHandler, serve


class Receiver:
    def __init__(self, token="bi-mat", fail_first=0, school_code="31001234"):
        self.by_key, self.packages, self.posts = {}, {}, 0
        # Registry messages (portal/services/exchange/registry.py): {id: payload + "trangthai"}; `verdicts` maps a
        # record identifier to the status the sector database ends with ("01" processed by default, or "02").
        self.messages, self.message_keys, self.verdicts = {}, {}, {}
        self.fail_first, self.token, self.school_code = fail_first, token, school_code
        ids = itertools.count(1)
        recv = self

        class Handler(JsonHandler):

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                recv.posts += 1
                if self.path == "/messages":
                    return self.message(body)
                if recv.posts <= recv.fail_first:
                    return self._send(503, {"error": "busy"})
                if self.headers.get("Authorization") != f"Bearer {recv.token}":
                    return self._send(401, {"error": "auth"})
                key = self.headers.get("Idempotency-Key")
                if key != hashlib.sha256(body).hexdigest():
                    return self._send(400, {"error": "key"})
                if key in recv.by_key:
                    return self._send(200, {"id": recv.by_key[key], "status": "received"})
                pid = str(next(ids))
                manifest = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("manifest.json"))
                ok = manifest["school"]["code"] == recv.school_code
                recv.by_key[key] = pid
                recv.packages[pid] = {"status": "accepted" if ok else "rejected",
                                      "reason": "" if ok else "Mã trường không khớp"}
                self._send(202, {"id": pid, "status": "received"})

            def message(self, body):
                if recv.posts <= recv.fail_first:
                    return self._send(503, {"error": "busy"})
                if self.headers.get("Authorization") != f"Bearer {recv.token}":
                    return self._send(401, {"error": "auth"})
                msg = json.loads(body)
                key = self.headers.get("Idempotency-Key")
                if msg.get("sukien") not in ("NEW", "UPDATE", "CANCEL") or key != msg.get("idbanghi") \
                        or msg.get("loaithongdiep") not in ("create", "revoke") or not msg.get("madinhdanhhocba"):
                    return self._send(400, {"error": "message"})
                if key in recv.message_keys:
                    mid = recv.message_keys[key]
                    return self._send(200, {"id": mid, "trangthai": recv.messages[mid]["trangthai"]})
                mid = f"m{next(ids)}"
                recv.message_keys[key] = mid
                recv.messages[mid] = {**msg, "trangthai": "00"}
                self._send(202, {"id": mid, "trangthai": "00"})

            def do_GET(self):
                if self.path.startswith("/messages/"):
                    m = recv.messages.get(self.path.rsplit("/", 1)[-1])
                    if m is None:
                        return self._send(404, {"error": "unknown"})
                    m["trangthai"] = recv.verdicts.get(m["madinhdanhhocba"], "01")
                    return self._send(200, {"trangthai": m["trangthai"],
                                            "mota": "Sai dữ liệu" if m["trangthai"] == "02" else ""})
                pid = self.path.rsplit("/", 1)[-1]
                self._send(200, recv.packages.get(pid, {"status": "unknown"}))

        self.server, self.url = serve(Handler)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
