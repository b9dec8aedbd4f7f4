"""Backup → fresh instance → restore: identical rows, every issued PDF still verifies; bad files refused."""
import json
import re
import sqlite3
from pathlib import Path

import pytest

from portal.db import db, upgrade
from portal.services.records.verification import verify
from tests.conftest import make_app
from tests.routes.test_parents import issue_and_sign

TABLES_SKIPPED = {"schema_migration"}


def dump(path):
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    out = {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in tables if t not in TABLES_SKIPPED}
    con.close()
    return out


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
def test_round_trip(demo_app, tmp_path, encrypted):
    rv = issue_and_sign(demo_app)
    (tmp_path / "pp").write_text("mot-cau-rat-dai-2026")
    args = ["--passphrase-file", str(tmp_path / "pp")] if encrypted else []
    backup = tmp_path / "backup.hocba"
    result = demo_app.test_cli_runner().invoke(args=["backup", str(backup), *args])
    assert result.exit_code == 0, result.output
    before = dump(demo_app.config["DATABASE"])
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = make_app(fresh_dir / "portal.sqlite3")
    upgrade()
    result = fresh.test_cli_runner().invoke(args=["restore", str(backup), *args])
    assert result.exit_code == 0, result.output
    assert dump(fresh.config["DATABASE"]) == before
    with fresh.app_context(), db.connection_context():
        from portal.services.records.chain import read_pdf
        assert verify(read_pdf(rv)).status == "passed"


def test_bad_backups_are_refused(demo_app, tmp_path):
    (tmp_path / "pp").write_text("dung-roi")
    (tmp_path / "bad").write_text("sai-roi")
    runner = demo_app.test_cli_runner()
    good = tmp_path / "b.hocba"
    runner.invoke(args=["backup", str(good), "--passphrase-file", str(tmp_path / "pp")])
    # a non-empty instance refuses
    result = runner.invoke(args=["restore", str(good), "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 1 and "hệ thống trống" in result.output
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = make_app(fresh_dir / "portal.sqlite3")
    upgrade()
    r = fresh.test_cli_runner()
    foreign = tmp_path / "foreign.zip"
    foreign.write_bytes(b"PK\x03\x04 not ours")
    assert "không phải là bản sao lưu" in r.invoke(args=["restore", str(foreign)]).output
    assert "Sai mật khẩu sao lưu" in r.invoke(args=["restore", str(good), "--passphrase-file", str(tmp_path / "bad")]).output
    altered = tmp_path / "altered.hocba"
    data = bytearray(good.read_bytes())
    data[-40] ^= 0xFF
    altered.write_bytes(bytes(data))
    assert "bị sửa đổi" in r.invoke(args=["restore", str(altered), "--passphrase-file", str(tmp_path / "pp")]).output
    with fresh.app_context(), db.connection_context():
        from portal.models import School
        assert not School.select().exists()  # nothing partially restored


# --- encryption by default, secrets that travel, anchors -------------------------------------------------

def members(backup_path, passphrase=None):
    import io
    import tarfile

    from portal.services.exchange.backup import _open
    payload = _open(backup_path.read_bytes(), passphrase)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def fresh_instance(tmp_path, **config):
    fresh_dir = tmp_path / "may-moi"
    fresh_dir.mkdir()
    fresh = make_app(fresh_dir / "portal.sqlite3", **config)
    upgrade()
    return fresh, fresh_dir


def test_configured_passphrase_encrypts_by_default_and_a_new_machine_keeps_parent_codes_and_audit(demo_app, tmp_path):
    from portal.models import Pupil
    from portal.services.records import parents
    from tests.signing_helpers import user

    with demo_app.app_context(), db.connection_context():
        pupil = Pupil.select().first()
        code = parents.issue(user("admin"), pupil)
    demo_app.config["BACKUP_PASSPHRASE"] = "cau-rat-dai-cua-truong-2026"
    backup = tmp_path / "hang-dem.backup"
    result = demo_app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0 and "(đã mã hóa)" in result.output and "CẢNH BÁO" not in result.output
    assert backup.read_bytes().split(b"\n", 1)[1][:1] == b"S"  # scrypt N=2^17 kind
    inside = members(backup, "cau-rat-dai-cua-truong-2026")
    old_secrets = demo_app.config["SECRETS_DIR"]
    assert inside["secrets/audit"] == (Path(old_secrets) / "audit.key").read_bytes()
    assert inside["secrets/access_codes"] == (Path(old_secrets) / "access-codes.key").read_bytes()

    fresh, fresh_dir = fresh_instance(tmp_path, BACKUP_PASSPHRASE="cau-rat-dai-cua-truong-2026")
    result = fresh.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    restored = fresh_dir / "secrets" / "access-codes.key"
    assert restored.read_bytes() == inside["secrets/access_codes"] and restored.stat().st_mode & 0o777 == 0o600
    with fresh.app_context(), db.connection_context():
        assert parents.sign_in(code).pupil_id == pupil.id
    verdict = fresh.test_cli_runner().invoke(args=["audit", "verify"])
    assert verdict.exit_code == 0, verdict.output
    assert "đã đối chiếu 1 mốc" in verdict.output  # the backup's head, anchored on the new machine


def test_plain_backup_holds_no_secret_warns_and_restore_says_what_is_missing(demo_app, tmp_path):
    backup = tmp_path / "khong-ma-hoa.backup"
    result = demo_app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0 and "CẢNH BÁO: Sao lưu KHÔNG được mã hóa" in result.output
    inside = members(backup)
    assert not [name for name in inside if name.startswith("secrets/")]
    key = (Path(demo_app.config["SECRETS_DIR"]) / "audit.key").read_bytes()
    assert all(key not in blob for blob in inside.values())
    fresh, _ = fresh_instance(tmp_path)
    result = fresh.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0 and "không chứa khóa" in result.output and "cấp lại mã" in result.output


def test_explicit_plain_overrides_the_configured_passphrase(demo_app, tmp_path):
    demo_app.config["BACKUP_PASSPHRASE"] = "cau-rat-dai-cua-truong-2026"
    backup = tmp_path / "ban-thu.backup"
    result = demo_app.test_cli_runner().invoke(args=["backup", str(backup), "--plain"])
    assert result.exit_code == 0 and "CẢNH BÁO" in result.output
    assert backup.read_bytes().split(b"\n", 1)[1][:1] == b"P"


def test_backups_from_before_the_stronger_scrypt_still_restore(demo_app, tmp_path):
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from portal.services.exchange.backup import MAGIC, _key
    plain = tmp_path / "p.backup"
    demo_app.test_cli_runner().invoke(args=["backup", str(plain)])
    payload = plain.read_bytes().split(b"\n", 1)[1][33:]
    salt, nonce = os.urandom(16), os.urandom(12)
    old = tmp_path / "cu.backup"
    old.write_bytes(MAGIC + b"\n" + b"E" + salt + nonce + AESGCM(_key("cu-2025", salt, 15)).encrypt(nonce, payload, MAGIC))
    (tmp_path / "pp").write_text("cu-2025")
    fresh, _ = fresh_instance(tmp_path)
    result = fresh.test_cli_runner().invoke(args=["restore", str(old), "--passphrase-file", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output


def test_each_backup_anchors_the_audit_head_so_a_cut_off_trail_is_found(demo_app, tmp_path):
    from portal.models import AuditEntry
    from portal.services.system import audit

    backup = tmp_path / "b.backup"
    runner = demo_app.test_cli_runner()
    runner.invoke(args=["backup", str(backup)])
    manifest = json.loads(members(backup)["manifest.json"])
    with demo_app.app_context(), db.connection_context():
        head = audit.head()
        assert manifest["audit_head"] == {"id": head.id, "hash": head.hash}
        AuditEntry.delete().where(AuditEntry.id > head.id - 2).execute()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"ghi đầu chuỗi là mục #{head.id}" in result.output
    assert "sao lưu b.backup" in result.output


def test_admin_page_warns_about_unencrypted_backups_and_shows_the_audit_head(demo_app, demo_browser, tmp_path):
    from portal.services.exchange.backup import scheduled_backup
    from portal.services.system import audit

    demo_browser.login("admin")
    page = demo_browser.get("/quan-tri/").get_data(as_text=True)
    assert "Sao lưu KHÔNG được mã hóa" in page and "Chưa có bản sao lưu nào trong 2 ngày qua" in page
    demo_app.config.update(BACKUP_PASSPHRASE="cau-rat-dai-cua-truong-2026", BACKUP_DIR=str(tmp_path / "backups"))
    with demo_app.app_context(), db.connection_context():
        scheduled_backup()
        head = audit.anchor_text(audit.head())
    page = demo_browser.get("/quan-tri/").get_data(as_text=True)
    assert "KHÔNG được mã hóa" not in page and "Chưa có bản sao lưu" not in page and "đã mã hóa" in page
    assert head in page and re.search(r"\d+:[0-9a-f]{12}", head)


def test_codes_printed_before_the_key_file_keep_working(demo_app):
    """Before the access-code key existed, codes were an HMAC under SECRET_KEY: the key file starts as that."""
    import hashlib
    import hmac

    from portal.models import AccessCode, Pupil
    from portal.services.records import parents

    key_file = Path(demo_app.config["SECRETS_DIR"]) / "access-codes.key"
    assert not key_file.exists()
    with demo_app.app_context(), db.connection_context():
        pupil = Pupil.select().first()
        printed = hmac.new(demo_app.config["SECRET_KEY"].encode(), b"ABCD2345EFGH", hashlib.sha256).hexdigest()
        AccessCode.create(pupil=pupil, code_hash=printed, hint="FGH")
        assert parents.sign_in("abcd-2345-efgh").pupil_id == pupil.id
    assert key_file.read_bytes() == demo_app.config["SECRET_KEY"].encode()
