"""Backups off the machine: every nightly backup is copied to a mounted folder or by rsync right after it is
made; each copy is recorded; a failed copy keeps the local backup and is shown to the administrator and by
`doctor`; restoring FROM the copy into an empty instance gives back a record whose PDF still verifies."""
import shutil
from pathlib import Path

import pytest

from portal.db import db, upgrade
from portal.models import BackupRun
from portal.services.exchange.backup import copy_warning, rsync_command, scheduled_backup, warnings
from portal.services.records.verification import verify
from portal.services.system.doctor import run_checks
from tests.conftest import make_app
from tests.routes.test_parents import issue_and_sign
from tests.unit.test_doctor import ROOMY

PASSPHRASE = "mot-cau-rat-dai-cua-truong-2026"
NOT_COPIED = "bản sao lưu chưa được chép ra ngoài máy"


def _nightly(app):
    with app.app_context(), db.connection_context():
        path = scheduled_backup()
        return path, BackupRun.select().order_by(BackupRun.id.desc()).first()


def _doctor(app):
    with app.app_context(), db.connection_context():
        return {f.code: f for f in run_checks(clock=lambda: True, disk_usage=lambda p: ROOMY)}["backup_copy"]


def _restore_into_fresh_instance_and_verify(tmp_path, copy: Path, rv):
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = make_app(fresh_dir / "portal.sqlite3", BACKUP_PASSPHRASE=PASSPHRASE)
    upgrade()
    result = fresh.test_cli_runner().invoke(args=["restore", str(copy)])
    assert result.exit_code == 0, result.output
    with fresh.app_context(), db.connection_context():
        from portal.services.records.chain import read_pdf
        assert verify(read_pdf(rv)).status == "passed"


def test_nightly_backup_lands_in_the_mounted_folder_and_restores_from_there_with_a_verifying_pdf(demo_app, tmp_path):
    rv = issue_and_sign(demo_app)
    offsite = tmp_path / "usb-disk"
    offsite.mkdir()
    demo_app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_COPY_DIR=str(offsite),
                           BACKUP_PASSPHRASE=PASSPHRASE)
    path, run = _nightly(demo_app)
    copy = offsite / Path(path).name
    assert copy.read_bytes() == Path(path).read_bytes()
    assert sorted(p.name for p in offsite.iterdir()) == [copy.name], "no temporary file left behind"
    assert run.copied_at is not None and run.copy_target == str(offsite) and run.copy_error == ""
    assert _doctor(demo_app).status == "ok"
    shutil.rmtree(tmp_path / "backups")  # the server's disk is gone: only the copy is left
    _restore_into_fresh_instance_and_verify(tmp_path, copy, rv)


def test_rsync_copies_the_backup_to_a_target_directory_and_restore_from_it_verifies(demo_app, tmp_path):
    assert shutil.which("rsync"), "rsync (Debian package) is part of the test set-up"
    rv = issue_and_sign(demo_app)
    remote = tmp_path / "remote"
    remote.mkdir()
    demo_app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_COPY_RSYNC=str(remote),
                           BACKUP_PASSPHRASE=PASSPHRASE)
    path, run = _nightly(demo_app)
    copy = remote / Path(path).name
    assert copy.read_bytes() == Path(path).read_bytes()
    assert [p.name for p in remote.iterdir()] == [copy.name]
    assert copy.stat().st_mode & 0o777 == 0o600
    assert run.copied_at is not None and run.copy_target == str(remote)
    _restore_into_fresh_instance_and_verify(tmp_path, copy, rv)


def test_rsync_over_ssh_uses_key_login_only_and_a_complete_file_name():
    cmd = rsync_command(Path("/var/lib/hocba/backups/hocba-20270520-020000.backup"), "hocba@sao-luu.phong-gd:/srv/hocba")
    assert cmd[0] == "rsync" and cmd[-2:] == ["/var/lib/hocba/backups/hocba-20270520-020000.backup",
                                              "hocba@sao-luu.phong-gd:/srv/hocba/"]
    assert cmd[cmd.index("-e") + 1] == "ssh -o BatchMode=yes -o ConnectTimeout=30"  # never waits for a password
    assert "--delay-updates" in cmd and "--chmod=F600" in cmd and "--timeout=600" in cmd


@pytest.mark.parametrize("target", ["dir", "rsync"])
def test_failed_copy_keeps_the_local_backup_and_is_shown_to_the_administrator_and_by_doctor(
        demo_app, demo_browser, tmp_path, target):
    missing = tmp_path / "not-mounted"
    key = "BACKUP_COPY_DIR" if target == "dir" else "BACKUP_COPY_RSYNC"
    demo_app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_PASSPHRASE=PASSPHRASE,
                           **{key: str(missing / "deeper")})
    path, run = _nightly(demo_app)
    assert Path(path).exists() and run.size == Path(path).stat().st_size  # the local backup is kept
    assert run.copied_at is None and run.copy_error and run.copy_target == str(missing / "deeper")
    with demo_app.app_context(), db.connection_context():
        assert any(NOT_COPIED in w and run.copy_error in w for w in warnings())
    found = _doctor(demo_app)
    assert found.status == "warning" and NOT_COPIED in found.message
    demo_browser.login("admin")
    page = demo_browser.get("/quan-tri/").get_data(as_text=True)
    assert NOT_COPIED in page and "Đã chép ra ngoài máy" not in page
    # the target is fixed: copying again succeeds and every warning is gone
    (missing / "deeper").mkdir(parents=True)
    result = demo_app.test_cli_runner().invoke(args=["backup-copy"])
    assert result.exit_code == 0, result.output
    assert (missing / "deeper" / Path(path).name).read_bytes() == Path(path).read_bytes()
    assert _doctor(demo_app).status == "ok"
    page = demo_browser.get("/quan-tri/").get_data(as_text=True)
    assert NOT_COPIED not in page and "Đã chép ra ngoài máy" in page


def test_without_a_copy_target_the_last_backup_counts_as_never_copied(demo_app, tmp_path):
    demo_app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_PASSPHRASE=PASSPHRASE)
    _, run = _nightly(demo_app)
    assert copy_warning(run) and "BACKUP_COPY_DIR" in copy_warning(run)
    found = _doctor(demo_app)
    assert found.status == "warning" and NOT_COPIED in found.message
    result = demo_app.test_cli_runner().invoke(args=["backup-copy"])
    assert result.exit_code == 1 and "chưa cấu hình nơi chép" in result.output
