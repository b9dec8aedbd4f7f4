"""Instance secrets kept outside the database: the audit-trail key and the parent access-code key.

Each lives in its own file in SECRETS_DIR (instance/secrets/, folder 0700, files 0600), created on first
use, unless the configuration gives it (`AUDIT_KEY`, `ACCESS_CODE_KEY`, e.g. HOCBA_AUDIT_KEY in the
environment). Someone who can rewrite the database but not these files cannot forge an audit entry or
test guessed parent codes offline. They travel only inside encrypted backups (services/exchange/backup.py).
"""
import hashlib
import os
import secrets
from pathlib import Path

from portal.services import ServiceError
from portal.services.appconfig import app_config, has_app

# name → (file in SECRETS_DIR, configuration key that overrides the file)
SECRETS = {
    "audit": ("audit.key", "AUDIT_KEY"),
    "access_codes": ("access-codes.key", "ACCESS_CODE_KEY"),
}
MIN_CONFIGURED_LENGTH = 16
# Like the database handle, the secrets' location is set by the app factory, so that code running
# outside a request (scripts, tests, the batch worker) finds the same keys.
_config = {}


def init_app(app) -> None:
    global _config
    _config = app.config


def _cfg():
    return app_config() if has_app() else _config


def folder() -> Path:
    return Path(_cfg()["SECRETS_DIR"])


def _path(name: str) -> Path:
    return folder() / SECRETS[name][0]


def _configured(name: str) -> bytes | None:
    value = _cfg().get(SECRETS[name][1]) or ""
    if not value:
        return None
    if len(value) < MIN_CONFIGURED_LENGTH:
        raise ServiceError(f"{SECRETS[name][1]} quá ngắn: cần ít nhất {MIN_CONFIGURED_LENGTH} ký tự ngẫu nhiên.")
    return value.encode("utf-8")


def _create_exclusively(path: Path, value: bytes) -> bytes:
    """Write a new key file unless another process got there first; either way return the key on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic and refuses to replace: the first writer wins
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def get(name: str, create: bool = True, initial=None) -> bytes | None:
    """The secret `name`; created on first use when `create` (random, or `initial()` when given)."""
    configured = _configured(name)
    if configured is not None:
        return configured
    path = _path(name)
    try:
        value = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        value = _create_exclusively(path, (initial() if initial else None) or secrets.token_bytes(32))
    if not value:
        raise ServiceError(f"Tệp khóa {path} bị rỗng: khôi phục nó từ bản sao lưu đã mã hóa.")
    return value


def export_all() -> dict[str, bytes]:
    """Every secret that exists (configured or on disk), for an encrypted backup."""
    out = {}
    for name in SECRETS:
        value = get(name, create=False)
        if value is not None:
            out[name] = value
    return out


def restore_all(values: dict[str, bytes]) -> list[str]:
    """Write secrets from a backup into SECRETS_DIR; returns warnings for configured keys that differ."""
    warnings = []
    for name, value in values.items():
        if name not in SECRETS:
            continue
        path = _path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        tmp = path.with_name(f".{path.name}.restore")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(value)
        os.replace(tmp, path)
        configured = _configured(name)
        if configured is not None and configured != value:
            warnings.append(f"{SECRETS[name][1]} trong cấu hình khác khóa trong bản sao lưu: bỏ cấu hình đó "
                            f"để dùng khóa đã khôi phục ({path}).")
    return warnings


def fingerprint(value: bytes) -> str:
    """A short public name for a key (to tell which key sealed something), never the key itself."""
    return hashlib.sha256(b"hocba-key-id:" + value).hexdigest()[:16]
