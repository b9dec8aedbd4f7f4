"""Backups: a consistent online copy of the database (SQLite backup API, no downtime) with the issued
files and trust anchors (the encrypted key store lives in the database), optionally encrypted.

File format `hocba-backup/1`: a header line, then a tar.gz (plain: its SHA-256 is in the header;
encrypted: AES-256-GCM with a key derived by scrypt from the passphrase, which also detects any
alteration). Inside, manifest.json lists the SHA-256 of every member.
"""
import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from flask import current_app

from portal.db import db
from portal.models import School

from . import ServiceError
from .documents import write_atomically

MAGIC = b"HOCBA-BACKUP/1"


def _key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase.encode("utf-8"))


def _add(tar, name: str, data: bytes, hashes: dict):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
    hashes[name] = hashlib.sha256(data).hexdigest()


def make_backup(path: str, passphrase: str | None = None) -> dict:
    cfg = current_app.config
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "db.sqlite3"
        src = sqlite3.connect(cfg["DATABASE"])
        dst = sqlite3.connect(copy)
        with dst:
            src.backup(dst)  # consistent snapshot while the portal keeps serving
        src.close()
        dst.close()
        hashes, buf = {}, io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            _add(tar, "database.sqlite3", copy.read_bytes(), hashes)
            for folder, prefix in ((cfg["RECORDS_DIR"], "records"), (cfg["TRUST_DIR"], "trust")):
                for f in sorted(Path(folder).rglob("*")) if Path(folder).exists() else []:
                    if f.is_file() and not f.name.startswith("."):
                        _add(tar, f"{prefix}/{f.relative_to(folder)}", f.read_bytes(), hashes)
            school = School.current()
            manifest = {"format": "hocba-backup/1", "school": school.code if school else "",
                        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "files": hashes}
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), {})
    payload = buf.getvalue()
    if passphrase:
        salt, nonce = os.urandom(16), os.urandom(12)
        body = b"E" + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, payload, MAGIC)
    else:
        body = b"P" + hashlib.sha256(payload).digest() + payload
    write_atomically(path, MAGIC + b"\n" + body)
    return manifest


def _open(data: bytes, passphrase: str | None) -> bytes:
    if not data.startswith(MAGIC + b"\n"):
        raise ServiceError("Tệp không phải là bản sao lưu của Học bạ số.")
    body = data[len(MAGIC) + 1:]
    kind, body = body[:1], body[1:]
    if kind == b"E":
        if not passphrase:
            raise ServiceError("Bản sao lưu được mã hóa: cần mật khẩu sao lưu.")
        salt, nonce, sealed = body[:16], body[16:28], body[28:]
        try:
            return AESGCM(_key(passphrase, salt)).decrypt(nonce, sealed, MAGIC)
        except InvalidTag:
            raise ServiceError("Sai mật khẩu sao lưu, hoặc bản sao lưu đã bị sửa đổi.") from None
    if kind == b"P":
        digest, payload = body[:32], body[32:]
        if hashlib.sha256(payload).digest() != digest:
            raise ServiceError("Bản sao lưu đã bị sửa đổi hoặc hỏng (sai mã kiểm tra).")
        return payload
    raise ServiceError("Tệp không phải là bản sao lưu của Học bạ số.")


def restore_backup(path: str, passphrase: str | None = None) -> dict:
    """Restore into an empty instance; every member is checked before anything is written."""
    cfg = current_app.config
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise ServiceError("Không đọc được tệp sao lưu.") from None
    payload = _open(data, passphrase)
    try:
        tar = tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz")
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    except (tarfile.TarError, OSError, AttributeError):
        raise ServiceError("Bản sao lưu bị hỏng.") from None
    try:
        manifest = json.loads(members.pop("manifest.json"))
    except (KeyError, ValueError):
        raise ServiceError("Bản sao lưu thiếu bảng kê (manifest).") from None
    for name, blob in members.items():
        if name.startswith("/") or ".." in Path(name).parts or name not in manifest["files"]:
            raise ServiceError(f"Bản sao lưu chứa tệp lạ: {name}.")
        if hashlib.sha256(blob).hexdigest() != manifest["files"][name]:
            raise ServiceError(f"Tệp {name} trong bản sao lưu đã bị sửa đổi.")
    if set(manifest["files"]) - set(members) or "database.sqlite3" not in members:
        raise ServiceError("Bản sao lưu thiếu tệp.")
    with db.connection_context():
        if School.table_exists() and School.select().exists():
            raise ServiceError("Chỉ khôi phục vào một hệ thống trống (cơ sở dữ liệu hiện tại đã có dữ liệu).")
    db.close_all()
    target = Path(cfg["DATABASE"])
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    write_atomically(str(target), members.pop("database.sqlite3"))
    for name, blob in members.items():
        prefix, _, rest = name.partition("/")
        base = {"records": cfg["RECORDS_DIR"], "trust": cfg["TRUST_DIR"]}.get(prefix)
        if base:
            write_atomically(str(Path(base) / rest), blob)
    return manifest


def scheduled_backup(now: dt.datetime | None = None) -> str:
    """The daily backup: a new file in BACKUP_DIR, then retention (N daily, M weekly)."""
    from portal.models import BackupRun
    cfg = current_app.config
    now = now or dt.datetime.now()
    folder = Path(cfg["BACKUP_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"hocba-{now:%Y%m%d-%H%M%S}.backup"
    make_backup(str(path), cfg.get("BACKUP_PASSPHRASE") or None)
    BackupRun.create(path=str(path), size=path.stat().st_size, encrypted=int(bool(cfg.get("BACKUP_PASSPHRASE"))),
                     created_at=now)
    prune(folder, cfg["BACKUP_KEEP_DAILY"], cfg["BACKUP_KEEP_WEEKLY"])
    return str(path)


def prune(folder: Path, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Keep the newest backup of each of the last `keep_daily` days and of the last `keep_weekly` weeks."""
    files = sorted(Path(folder).glob("hocba-*.backup"), reverse=True)
    keep, days, weeks = set(), [], []
    for f in files:
        stamp = dt.datetime.strptime(f.stem.removeprefix("hocba-"), "%Y%m%d-%H%M%S")
        day, week = stamp.date(), stamp.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(f)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(f)
    removed = [f for f in files if f not in keep]
    for f in removed:
        f.unlink()
    return removed


def last_backup():
    from portal.models import BackupRun
    return BackupRun.select().order_by(BackupRun.created_at.desc()).first()
