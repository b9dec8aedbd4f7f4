"""A local CRL, OCSP and RFC 3161 timestamping service for a `TestPKI` folder (the demo and the tests).

The responses are built by certomancer's services (the PKI test tool from pyHanko's author); this
module only reads the PKI folder and speaks HTTP: `GET /crl/root.crl`, `GET /crl/intermediate.crl`,
`POST /ocsp` (application/ocsp-request) and `POST /tsa` (application/timestamp-query), as a real CA
does. The revocation list is re-read on every request, so a revocation shows at once.
"""
import base64
import datetime as dt
import json
import socket
import threading
import urllib.request
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys, ocsp, tsp
from asn1crypto import x509 as asn1_x509
from certomancer import crypto_utils, services
from cryptography.hazmat.primitives import hashes, serialization

from .rawsign import sign_with_key

_servers: dict[str, object] = {}
_lock = threading.Lock()


def _asn1_cert(issued) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(issued.cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(issued) -> keys.PrivateKeyInfo:
    return keys.PrivateKeyInfo.load(issued.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _now() -> dt.datetime:
    # Whole seconds: NSS (poppler's pdfsig) rejects OCSP responses whose times carry fractions.
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class _KeptKeysBackend(crypto_utils.PycaCryptographyBackend):
    """certomancer's signing backend, keeping each private key it has loaded.

    certomancer hands the key to its backend as a PrivateKeyInfo on every response, and the stock backend
    parses it again each time (with cryptography's RSA consistency check: ~30 ms of a ~35 ms timestamp).
    Keys are kept by their DER bytes, so a changed key is simply a new entry; PKCS#1 v1.5 and ECDSA (what
    the demo and test PKI use) are signed here, anything else by the stock backend."""

    def __init__(self):
        self._keys: dict[bytes, object] = {}
        self._lock = threading.Lock()

    def generic_sign(self, private_key, tbs_bytes, sd_algo):
        algo = sd_algo.signature_algo
        if algo not in ("rsassa_pkcs1v15", "ecdsa"):
            return super().generic_sign(private_key, tbs_bytes, sd_algo)
        der = private_key.dump()
        with self._lock:
            key = self._keys.get(der)
            if key is None:
                if len(self._keys) > 64:  # a PKI folder has a handful of issuing keys
                    self._keys.clear()
                key = self._keys[der] = serialization.load_der_private_key(der, password=None)
        signed = sign_with_key(key, algo, tbs_bytes, getattr(hashes, sd_algo.hash_algo.upper())())
        return signed if signed is not None else super().generic_sign(private_key, tbs_bytes, sd_algo)


def _keep_keys() -> None:
    if not isinstance(crypto_utils.CRYPTO_BACKEND, _KeptKeysBackend):
        crypto_utils.CRYPTO_BACKEND = _KeptKeysBackend()


class _Revocations(services.RevocationInfoInterface):
    def __init__(self, issuer_cert: asn1_x509.Certificate, revoked: dict):
        self.issuer_cert = issuer_cert
        self.revoked = revoked

    def get_issuer_cert(self):
        return self.issuer_cert

    def check_revocation_status(self, cid, at_time):
        when = self.revoked.get(format(cid["serial_number"].native, "x"))
        if when is None or dt.datetime.fromisoformat(when) > at_time:
            return ocsp.CertStatus(name="good", value=None), []
        info = ocsp.RevokedInfo({"revocation_time": dt.datetime.fromisoformat(when),
                                 "revocation_reason": "key_compromise"})
        return ocsp.CertStatus(name="revoked", value=info), []


class ResponderApp:
    """WSGI application answering for the PKI kept in `folder`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._loaded: tuple | None = None  # (files' modification times, TestPKI)
        self._loading = threading.Lock()
        _keep_keys()

    def _pki(self):
        """The PKI as its files are now: certificates and keys parsed once (each private key costs an RSA
        check) and again only when a file changes; revocations read on every request."""
        import dataclasses

        from .pki import TestPKI

        files = [self.folder / "pki.json", *sorted(self.folder.glob("*.pem")), *sorted(self.folder.glob("*.key"))]
        stamp = tuple((f.name, f.stat().st_mtime_ns) for f in files if f.exists())
        with self._loading:
            if self._loaded is None or self._loaded[0] != stamp:
                self._loaded = (stamp, TestPKI.load(self.folder))
            pki = self._loaded[1]
        revoked_file = self.folder / "revoked.json"
        revoked = json.loads(revoked_file.read_text(encoding="utf-8")) if revoked_file.exists() else {}
        return dataclasses.replace(pki, revoked=revoked)

    def _crl(self, pki, which: str) -> bytes:
        issuer = pki.root if which == "root" else pki.intermediate
        cert = _asn1_cert(issuer)
        builder = services.CRLBuilder(cert.subject, _asn1_key(issuer),
                                      services.choose_signed_digest("sha256", cert.public_key),
                                      cert.key_identifier_value)
        now = _now()
        revoked = []
        if which == "intermediate":
            revoked = [services.CRLBuilder.format_revoked_cert(
                int(serial, 16), asn1_crl.CRLReason("key_compromise"), dt.datetime.fromisoformat(when))
                for serial, when in pki.revoked.items() if dt.datetime.fromisoformat(when) <= now]
        number = int(now.timestamp())
        return builder.build_crl(number, now - dt.timedelta(minutes=1), now + dt.timedelta(days=7), revoked).dump()

    def _ocsp(self, pki, body: bytes) -> bytes:
        issuer = _asn1_cert(pki.intermediate)
        responder = services.SimpleOCSPResponder(
            issuer, _asn1_key(pki.intermediate), services.choose_signed_digest("sha256", issuer.public_key),
            _now(), _Revocations(issuer, pki.revoked), validity=dt.timedelta(days=7))
        return responder.build_ocsp_response(ocsp.OCSPRequest.load(body)).dump()

    def _tsa(self, pki, body: bytes) -> bytes:
        tsa_cert = _asn1_cert(pki.tsa_cert)
        stamper = services.TimeStamper(tsa_cert, _asn1_key(pki.tsa_cert),
                                       certs_to_embed=[_asn1_cert(pki.intermediate)])
        return stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), 64 * 1024)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            pki = self._pki()
            if path == "/health":
                out, kind = json.dumps({"pki": str(self.folder)}).encode(), "application/json"
            elif method == "GET" and path in ("/crl/root.crl", "/crl/intermediate.crl"):
                out, kind = self._crl(pki, path.split("/")[-1].removesuffix(".crl")), "application/pkix-crl"
            elif method == "POST" and path == "/ocsp":
                out, kind = self._ocsp(pki, body), "application/ocsp-response"
            elif method == "GET" and path.startswith("/ocsp/"):  # RFC 6960 A.1: base64 of the DER request in the URL
                from urllib.parse import unquote
                raw = base64.b64decode(unquote(path.removeprefix("/ocsp/")))
                out, kind = self._ocsp(pki, raw), "application/ocsp-response"
            elif method == "POST" and path == "/tsa" and pki.tsa_cert is not None:
                out, kind = self._tsa(pki, body), "application/timestamp-reply"
            else:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
        except Exception:  # a malformed request: say so, never crash the server thread
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request"]
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(out)))])
        return [out]


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # NSS reuses its connection for the next OCSP request

        def log_request(self, *args, **kwargs):  # one line per OCSP request would flood the journal
            pass

    return Handler


def _answers(base_url: str, folder: Path) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=2) as resp:
            return json.loads(resp.read()).get("pki") == str(folder)
    except (OSError, ValueError):
        return False


def ensure_running(folder: Path) -> str:
    """Serve the PKI in `folder` at the address its certificates name, unless something already does.

    Started in a daemon thread of this process (the web app or the CLI), so signing with the demo PKI
    needs no extra step. Returns the base URL."""
    from urllib.parse import urlsplit

    from werkzeug.serving import make_server

    folder = Path(folder).resolve()
    base_url = json.loads((folder / "pki.json").read_text(encoding="utf-8"))["base_url"]
    with _lock:
        if str(folder) in _servers or _answers(base_url, folder):
            return base_url
        parts = urlsplit(base_url)
        try:
            server = make_server(parts.hostname, parts.port or 80, ResponderApp(folder), threaded=True,
                                 request_handler=_quiet_handler())
        except (OSError, SystemExit):
            if _answers(base_url, folder):  # another process won the race
                return base_url
            raise RuntimeError(f"Không khởi động được dịch vụ CRL/OCSP/TSA thử nghiệm tại {base_url}.") from None
        threading.Thread(target=server.serve_forever, daemon=True, name="demo-pki-responder").start()
        _servers[str(folder)] = server
    return base_url


def start(folder: Path, host: str = "127.0.0.1"):
    """Serve a PKI folder on a free port; for tests that make the PKI after knowing the port."""
    from werkzeug.serving import make_server

    server = make_server(host, 0, ResponderApp(Path(folder)), threaded=True, request_handler=_quiet_handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
