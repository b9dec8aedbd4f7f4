"""Handing a signer's passphrase to the signing worker without writing it anywhere it could be read back.

Each process that signs batches (hocba-worker; in the demo, the web process) makes an X25519 key pair when it
starts to consume the signing queue, keeps the private half in its memory only and registers the public half
(SigningWorker), beating every BEAT_S seconds. A batch's passphrase is sealed with HPKE (RFC 9180, the
`cryptography` package) to every live worker's key, bound to the job's id, and only those sealed copies travel
through the job queue (SQLite file or Redis). A worker that stops, is killed or restarts takes its private key
with it: the copies sealed to it can never be opened again, by anyone. The batch then shows as interrupted and
its signer resumes it by entering the passphrase again; each record is at its previous step or its next one.
"""
import base64
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from portal.db import write_tx
from portal.models import SigningWorker
from portal.models.base import utcnow
from portal.processes import holder_name
from portal.services import ServiceError

SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
BEAT_S = 15  # well inside SigningWorker.LIVE_S

NO_WORKER = ("Chưa có tiến trình ký nền nào đang chạy nên chưa thể ký đồng loạt. Nhờ cán bộ CNTT khởi động dịch "
             "vụ hocba-worker (sudo systemctl start hocba-worker), rồi ký lại; chưa học bạ nào được ký.")

_lock = threading.Lock()
_me: tuple[str, X25519PrivateKey] | None = None  # this process's name and private key, once it signs batches


def _identity() -> tuple[str, X25519PrivateKey]:
    global _me
    with _lock:
        if _me is None:
            _me = (holder_name(), X25519PrivateKey.generate())
        return _me


def _public_hex(key: X25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def register() -> str:
    """This process signs batches: make its key (once) and register or refresh it in this database."""
    name, key = _identity()
    with write_tx():
        updated = SigningWorker.update(beat_at=utcnow()).where(SigningWorker.name == name).execute()
        if not updated:
            SigningWorker.create(name=name, public_key=_public_hex(key))
    return name


def unregister() -> None:
    """A clean stop: forget this process's key (its sealed copies become unreadable; they already were)."""
    if _me is not None:
        with write_tx():
            SigningWorker.delete().where(SigningWorker.name == _me[0]).execute()


def start_beating(app) -> threading.Event:
    """Register, then beat every BEAT_S seconds, in a daemon thread (with its own connection) until the
    returned event is set; returns once the first registration is written."""
    from portal.db import db

    stop, first = threading.Event(), threading.Event()

    def loop():
        while True:
            try:
                with app.app_context(), db.connection_context():
                    register()
            except Exception:  # a locked or unreachable database: the next beat tries again
                pass
            first.set()
            if stop.wait(BEAT_S):
                return

    threading.Thread(target=loop, name="hocba-signing-beat", daemon=True).start()
    first.wait(30)
    return stop


def _context(job_id: int) -> bytes:
    return f"hocba signing job {job_id}".encode()


def seal(job_id: int, secret: str) -> dict[str, str]:
    """The passphrase sealed to each live worker's key, for this job only: worker name → base64."""
    out = {}
    for w in SigningWorker.live():
        try:
            public = X25519PublicKey.from_public_bytes(bytes.fromhex(w.public_key))
            out[w.name] = base64.b64encode(SUITE.encrypt(secret.encode(), public, info=_context(job_id))).decode()
        except ValueError:  # not a usable X25519 key (a damaged row): that worker gets no copy
            continue
    if not out:
        raise ServiceError(NO_WORKER)
    return out


def open_sealed(job_id: int, envelopes: dict[str, str]) -> str | None:
    """The passphrase, when one of the copies was sealed to this process's key for this job; else None."""
    if _me is None or _me[0] not in envelopes:
        return None
    try:
        return SUITE.decrypt(base64.b64decode(envelopes[_me[0]]), _me[1], info=_context(job_id)).decode()
    except (InvalidTag, ValueError):
        return None


def this_worker() -> str:
    return _me[0] if _me is not None else ""


def others_alive(envelopes: dict[str, str]) -> bool:
    """Is another live worker able to open this job's copies (this one was not among them)?"""
    live = {w.name for w in SigningWorker.live()}
    return any(name in live for name in envelopes if name != this_worker())
