"""Backups: a consistent online copy of the database (SQLite backup API, no downtime) with the issued
files and trust anchors (the encrypted key store lives in the database), encrypted whenever a passphrase
is given or BACKUP_PASSPHRASE is configured.

File format `hocba-backup/1`: a header line, then a tar.gz (plain: its SHA-256 is in the header;
encrypted: AES-256-GCM with a key derived by scrypt from the passphrase, which also detects any
alteration). Inside, manifest.json lists the SHA-256 of every member and the audit trail's head.

Only an encrypted backup carries the instance secrets (secrets/: the audit key and the parent access-code
key): restored on a new machine, parent codes keep working and the audit trail still verifies. A plain
backup never holds a secret in clear; restoring one says what is missing. Every backup also records the
audit trail's head in the anchor log (services/system/audit_check.py), outside the database.
"""
import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from portal.db import db, write_tx
from portal.models import School
from portal.services import ServiceError
from portal.services.appconfig import app_config
from portal.services.records.rendering import write_atomically
from portal.services.system import audit_check, keys

MAGIC = b"HOCBA-BACKUP/1"
STALE_AFTER = dt.timedelta(days=2)
UNENCRYPTED = ("Sao lưu KHÔNG được mã hóa: bản sao lưu chứa số định danh cá nhân của học sinh, và không mang theo "
               "khóa nhật ký kiểm toán và khóa mã tra cứu phụ huynh. Đặt BACKUP_PASSPHRASE trong instance/config.py "
               "(cất passphrase ở nơi an toàn, ngoài máy chủ).")
MISSING_SECRETS = ("Bản sao lưu không mã hóa nên không chứa khóa. Trên một máy mới: mã tra cứu phụ huynh cũ không dùng "
                   "được nữa (cấp lại mã), và nhật ký kiểm toán chỉ kiểm tra được khi chép thư mục instance/secrets/ "
                   "từ máy cũ sang.")
KEPT_SECRETS = ("Bản sao lưu không mã hóa nên không chứa khóa: giữ nguyên các khóa sẵn có trong instance/secrets/ của "
                "máy này (đúng khi khôi phục trên chính máy cũ).")


# Encrypted kinds: "S" (scrypt N=2^17, r=8, p=1, its log2 N stored) and, read only, "E" (N=2^15, older files).
SCRYPT_LOG2_N = 17


def _key(passphrase: str, salt: bytes, log2_n: int = 15) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** log2_n, r=8, p=1).derive(passphrase.encode("utf-8"))


def _add(tar, name: str, data: bytes, hashes: dict):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
    hashes[name] = hashlib.sha256(data).hexdigest()


def _audit_head(db_file: Path) -> dict | None:
    con = sqlite3.connect(db_file)
    try:
        row = con.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # no audit table yet
        row = None
    con.close()
    return {"id": row[0], "hash": row[1]} if row else None


def make_backup(path: str, passphrase: str | None = None) -> dict:
    cfg = app_config()
    from portal.db import is_postgres
    if is_postgres():  # never a silent backup of an unused SQLite file
        raise ServiceError("Cơ sở dữ liệu đang ở PostgreSQL: sao lưu nó bằng công cụ của PostgreSQL (pg_dump, "
                           "pgBackRest) theo lịch của máy chủ CSDL; lệnh sao lưu này chỉ dùng cho SQLite.")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "db.sqlite3"
        src = sqlite3.connect(cfg["DATABASE"])
        dst = sqlite3.connect(copy)
        with dst:
            src.backup(dst)  # consistent snapshot while the portal keeps serving
        src.close()
        dst.close()
        head = _audit_head(copy)
        hashes, buf = {}, io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            _add(tar, "database.sqlite3", copy.read_bytes(), hashes)
            for folder, prefix in ((cfg["RECORDS_DIR"], "records"), (cfg["TRUST_DIR"], "trust")):
                for f in sorted(Path(folder).rglob("*")) if Path(folder).exists() else []:
                    if f.is_file() and not f.name.startswith("."):
                        _add(tar, f"{prefix}/{f.relative_to(folder)}", f.read_bytes(), hashes)
            anchors = Path(cfg["AUDIT_ANCHOR_FILE"])
            if anchors.exists():
                _add(tar, "anchors/audit-anchors.log", anchors.read_bytes(), hashes)
            if passphrase:  # secrets only ever travel encrypted
                for name, value in keys.export_all().items():
                    _add(tar, f"secrets/{name}", value, hashes)
            school = School.current()
            manifest = {"format": "hocba-backup/1", "school": school.code if school else "",
                        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "encrypted": bool(passphrase), "audit_head": head, "files": hashes}
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), {})
    payload = buf.getvalue()
    if passphrase:
        salt, nonce = os.urandom(16), os.urandom(12)
        key = _key(passphrase, salt, SCRYPT_LOG2_N)
        body = b"S" + bytes([SCRYPT_LOG2_N]) + salt + nonce + AESGCM(key).encrypt(nonce, payload, MAGIC)
    else:
        body = b"P" + hashlib.sha256(payload).digest() + payload
    write_atomically(path, MAGIC + b"\n" + body)
    if head:
        audit_check.write_anchor(f"sao lưu {Path(path).name}", head["id"], head["hash"])
    return manifest


def _open(data: bytes, passphrase: str | None) -> bytes:
    if not data.startswith(MAGIC + b"\n"):
        raise ServiceError("Tệp không phải là bản sao lưu của Học bạ số.")
    body = data[len(MAGIC) + 1:]
    kind, body = body[:1], body[1:]
    if kind in (b"E", b"S"):
        if not passphrase:
            raise ServiceError("Bản sao lưu được mã hóa: cần passphrase (--passphrase-file hoặc BACKUP_PASSPHRASE).")
        log2_n, body = (body[0], body[1:]) if kind == b"S" else (15, body)
        if not 14 <= log2_n <= 20:
            raise ServiceError("Bản sao lưu bị hỏng.")
        salt, nonce, sealed = body[:16], body[16:28], body[28:]
        try:
            return AESGCM(_key(passphrase, salt, log2_n)).decrypt(nonce, sealed, MAGIC)
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
    cfg = app_config()
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
    secrets = {}
    for name, blob in members.items():
        prefix, _, rest = name.partition("/")
        base = {"records": cfg["RECORDS_DIR"], "trust": cfg["TRUST_DIR"]}.get(prefix)
        if base:
            write_atomically(str(Path(base) / rest), blob)
        elif prefix == "secrets":
            secrets[rest] = blob
        elif name == "anchors/audit-anchors.log":
            _merge_anchors(blob)
    if secrets:
        manifest["warnings"] = keys.restore_all(secrets)
    else:
        manifest["warnings"] = [KEPT_SECRETS if keys.export_all() else MISSING_SECRETS]
    head = manifest.get("audit_head")
    if head:  # the restored trail must reach at least the head the backup was taken at
        audit_check.write_anchor(f"khôi phục bản sao lưu ngày {manifest['created_at'][:10]}", head["id"], head["hash"])
    return manifest


def _merge_anchors(blob: bytes) -> None:
    """Anchors recorded on the old machine join this one's (duplicates are harmless)."""
    path = Path(app_config()["AUDIT_ANCHOR_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as fh:
        fh.write(blob if blob.endswith(b"\n") or not blob else blob + b"\n")


def passphrase_or_none() -> str | None:
    """The configured backup passphrase: backups are encrypted by default once it is set."""
    return app_config().get("BACKUP_PASSPHRASE") or None


def warnings(now: dt.datetime | None = None) -> list[str]:
    """What the administrator must fix about backups, in Vietnamese (the admin page; reusable by a doctor)."""
    now = now or dt.datetime.now()
    out = []
    if not passphrase_or_none():
        out.append(UNENCRYPTED)
    last = last_backup()
    if last is None or last.created_at < now - STALE_AFTER:
        out.append("Chưa có bản sao lưu nào trong 2 ngày qua. Kiểm tra lịch sao lưu hằng ngày hoặc chạy "
                   "flask --app portal backup; lưu bản sao ra ngoài máy chủ.")
    elif not last.encrypted and passphrase_or_none():
        out.append("Bản sao lưu gần nhất không được mã hóa (tạo trước khi đặt passphrase?): chạy lại sao lưu.")
    copy = copy_warning(last)
    if copy:
        out.append(copy)
    return out


def scheduled_backup(now: dt.datetime | None = None) -> str:
    """The daily backup: a new file in BACKUP_DIR, then retention (N daily, M weekly), then the copy off the
    machine. A failed copy keeps the local backup and is recorded on its row (the admin page, `doctor`)."""
    from portal.models import BackupRun
    cfg = app_config()
    now = now or dt.datetime.now()
    folder = Path(cfg["BACKUP_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"hocba-{now:%Y%m%d-%H%M%S}.backup"
    make_backup(str(path), passphrase_or_none())
    with write_tx():
        run = BackupRun.create(path=str(path), size=path.stat().st_size,
                               encrypted=int(bool(passphrase_or_none())), created_at=now)
    prune(folder, cfg["BACKUP_KEEP_DAILY"], cfg["BACKUP_KEEP_WEEKLY"])
    copy_off_machine(run)  # a failure is logged and recorded on the row
    return str(path)


class CopyFailed(Exception):
    """The copy off the machine did not happen; the message says why, in Vietnamese."""


RSYNC_TIMEOUT_S = 3600
COPY_MISSING = "bản sao lưu chưa được chép ra ngoài máy"


def copy_target() -> str:
    """Where backups are copied: a mounted folder, or an rsync destination (user@host:/path). Empty: nowhere."""
    cfg = app_config()
    return (cfg.get("BACKUP_COPY_DIR") or cfg.get("BACKUP_COPY_RSYNC") or "").strip()


def rsync_command(source: Path, destination: str) -> list[str]:
    """The rsync run for BACKUP_COPY_RSYNC: over SSH for user@host:/path (key login only, never a password
    prompt that would hang the worker), a plain local copy for a path. Written to a temporary name and
    renamed when complete, so the far side never holds half a backup under the final name."""
    dest = destination if destination.endswith("/") else destination + "/"
    return ["rsync", "--times", "--chmod=F600", "--timeout=600", "--delay-updates",
            "-e", "ssh -o BatchMode=yes -o ConnectTimeout=30", "--", str(source), dest]


def _copy_to_folder(source: Path, folder: Path) -> None:
    if not folder.is_dir():
        raise CopyFailed(f"thư mục đích {folder} không tồn tại hoặc chưa được gắn (mount)")
    target = folder / source.name
    tmp = folder / f".{source.name}.part"
    try:
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, 0o600)
        if _sha256(tmp) != _sha256(source):
            raise CopyFailed(f"bản chép tại {folder} khác bản gốc (đĩa đích lỗi?)")
        os.replace(tmp, target)
    except OSError as err:
        raise CopyFailed(f"không ghi được vào {folder}: {err.strerror or err}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _copy_by_rsync(source: Path, destination: str) -> None:
    try:
        out = subprocess.run(rsync_command(source, destination), capture_output=True, text=True,
                             timeout=RSYNC_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise CopyFailed("chưa cài rsync (sudo apt install rsync)") from None
    except subprocess.TimeoutExpired:
        raise CopyFailed(f"rsync quá {RSYNC_TIMEOUT_S // 60} phút chưa xong") from None
    if out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise CopyFailed(f"rsync tới {destination} thất bại (mã {out.returncode}): "
                         f"{detail[-1] if detail else 'không rõ lý do'}")


def _sha256(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def copy_off_machine(run) -> str | None:
    """Copy the backup of `run` to the configured target and record the outcome on its row.
    Returns None when copied, otherwise why not (the local backup is kept either way)."""
    from portal.models import BackupRun
    cfg = app_config()
    target = copy_target()
    error = None
    if not target:
        error = "chưa cấu hình nơi chép (BACKUP_COPY_DIR hoặc BACKUP_COPY_RSYNC)"
    else:
        try:
            if cfg.get("BACKUP_COPY_DIR"):
                _copy_to_folder(Path(run.path), Path(cfg["BACKUP_COPY_DIR"]))
                prune(Path(cfg["BACKUP_COPY_DIR"]), cfg["BACKUP_KEEP_DAILY"], cfg["BACKUP_KEEP_WEEKLY"])
            else:
                _copy_by_rsync(Path(run.path), target)
        except CopyFailed as err:
            error = str(err)
    if error and target:
        logging.getLogger("hocba.backup").warning("Sao lưu %s: %s: %s", Path(run.path).name, COPY_MISSING, error)
    with write_tx():
        BackupRun.update(copied_at=None if error else dt.datetime.now(), copy_target=target,
                         copy_error=error or "").where(BackupRun.id == run.id).execute()
    return error


def copy_warning(last) -> str | None:
    """Why the newest backup is not safe off the machine, in Vietnamese; None when it is."""
    if last is None:
        return None
    if last.copied_at is not None and not last.copy_error:
        return None
    if last.copy_error:
        return (f"Cảnh báo: {COPY_MISSING} (sao lưu {last.created_at:%d/%m/%Y %H:%M}): {last.copy_error}. "
                "Bản sao lưu vẫn còn trên máy chủ; sửa nơi chép rồi chạy flask --app portal backup-copy.")
    return (f"Cảnh báo: {COPY_MISSING} (sao lưu {last.created_at:%d/%m/%Y %H:%M}). Đặt BACKUP_COPY_DIR (một ổ "
            "hoặc thư mục mạng đã gắn) hoặc BACKUP_COPY_RSYNC = \"user@may-khac:/duong-dan\" trong instance/config.py.")


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
