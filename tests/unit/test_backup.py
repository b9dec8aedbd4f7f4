"""Backup → fresh instance → restore: identical rows, every issued PDF still verifies; bad files refused."""
import sqlite3

import pytest

from portal.db import db, upgrade
from portal.services.verification import verify
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
        from portal.services.signing import read_pdf
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
