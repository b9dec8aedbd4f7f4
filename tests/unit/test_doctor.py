"""`doctor`: a badly set-up deployment is told each of its problems by name; a good one passes."""
import datetime as dt
import shutil
import sqlite3
from collections import namedtuple
from http.server import BaseHTTPRequestHandler

import pytest

from portal.db import db
from portal.models import BackupRun, School
from portal.services.exchange.scheduled import beat
from portal.services.school.years import setup_school
from portal.services.system.doctor import run_checks
from portal.signing.responder import free_port
from tests.http_stub import serve

Usage = namedtuple("Usage", "total used free")
ROOMY = Usage(500 << 30, 100 << 30, 400 << 30)
NOW = dt.datetime(2027, 5, 20, 10, 0)


class TsaStub(BaseHTTPRequestHandler):
    """A TSA answers GET with 405: it is there all the same."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _by_code(findings):
    return {f.code: f for f in findings}


def _instance(app, tmp_path, mode=0o600):
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir(exist_ok=True)
    config = tmp_path / "instance" / "config.py"
    config.write_text("SECRET_KEY = 'x'\n", encoding="utf-8")
    config.chmod(mode)


@pytest.fixture
def bad_app(app, tmp_path):
    """A fresh school with nothing a real deployment needs."""
    _instance(app, tmp_path, mode=0o644)
    (tmp_path / "trust").mkdir(exist_ok=True)
    app.config.update(PUBLIC_BASE_URL="http://127.0.0.1:5000", TSA_URL=f"http://127.0.0.1:{free_port()}/tsa")
    with app.app_context(), db.connection_context():
        setup_school("Trường Tiểu học Sen Hồng", "31009999", today=NOW.date())
    return app


def test_bad_configuration_names_every_problem(bad_app):
    with bad_app.app_context(), db.connection_context():
        found = _by_code(run_checks(now=NOW, clock=lambda: False, disk_usage=lambda p: Usage(100 << 30, 99 << 30, 1 << 29)))
    problems = {code for code, f in found.items() if f.status == "problem"}
    assert problems == {"public_url", "secrets", "trust", "seal", "tsa", "clock", "backup", "worker", "disk"}
    assert "địa chỉ nội bộ" in found["public_url"].message
    assert "người dùng khác trên máy đọc được" in found["secrets"].message
    assert "chưa có chứng thư gốc" in found["trust"].message
    assert "Chưa đăng ký chứng thư số của tổ chức" in found["seal"].message
    assert bad_app.config["TSA_URL"] in found["tsa"].message and "không trả lời" in found["tsa"].message
    assert "chưa được đồng bộ" in found["clock"].message
    assert "Chưa có bản sao lưu nào" in found["backup"].message
    assert "chưa từng chạy" in found["worker"].message
    assert "sắp đầy" in found["disk"].message
    assert found["migrations"].status == "ok"
    assert found["backup_encryption"].status == "warning"


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:5000", "địa chỉ nội bộ"),
    ("http://localhost", "địa chỉ nội bộ"),
    ("https://[::1]:8443", "địa chỉ nội bộ"),
    ("http://hocba.truong.edu.vn", "không dùng HTTPS"),
    ("http://192.168.1.10", "không dùng HTTPS"),
    ("https://hocba.truong.edu.vn/cong", "không hợp lệ"),
], ids=["loopback-v4", "localhost", "loopback-v6", "plain-http-name", "plain-http-lan", "with-path"])
def test_public_address_problems(app, url, expected):
    app.config["PUBLIC_BASE_URL"] = url
    with app.app_context(), db.connection_context():
        finding = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))["public_url"]
    assert finding.status == "problem" and expected in finding.message


def test_old_backup_missing_file_and_silent_worker_are_problems(bad_app, tmp_path):
    with bad_app.app_context(), db.connection_context():
        BackupRun.create(path=str(tmp_path / "gone.backup"), size=10, created_at=NOW - dt.timedelta(days=2, hours=1))
        beat(now=NOW - dt.timedelta(minutes=11))
        found = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))
        assert "đã cũ" in found["backup"].message and "2 ngày trước" in found["backup"].message
        assert "không chạy từ" in found["worker"].message
        BackupRun.create(path=str(tmp_path / "gone.backup"), size=10, created_at=NOW - dt.timedelta(hours=3))
        beat(now=NOW - dt.timedelta(minutes=1))
        found = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))
    assert found["backup"].status == "problem" and "không còn trên đĩa" in found["backup"].message
    assert found["worker"].status == "ok"


def test_pending_migration_is_a_problem_and_database_checks_wait_for_it(bad_app):
    con = sqlite3.connect(bad_app.config["DATABASE"])
    last = con.execute("SELECT name FROM schema_migration ORDER BY name DESC LIMIT 1").fetchone()[0]
    con.execute("DELETE FROM schema_migration WHERE name = ?", (last,))
    con.commit()
    con.close()
    with bad_app.app_context(), db.connection_context():
        found = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))
    assert found["migrations"].status == "problem"
    assert last in found["migrations"].message and "make upgrade" in found["migrations"].message
    assert "chưa được nâng cấp" in found["seal"].message


def test_seal_certificate_near_expiry_warns_and_expired_fails(demo_app, tmp_path):
    with demo_app.app_context(), db.connection_context():
        school = School.current()
        from portal.models import Certificate
        cert = Certificate.get(Certificate.sha256 == school.seal_cert_sha256)
        soon = cert.not_after - dt.timedelta(days=10)
        assert _by_code(run_checks(now=soon, clock=lambda: True, disk_usage=lambda p: ROOMY))["seal"].status == "warning"
        late = cert.not_after + dt.timedelta(days=1)
        found = _by_code(run_checks(now=late, clock=lambda: True, disk_usage=lambda p: ROOMY))["seal"]
    assert found.status == "problem" and "đã hết hạn" in found.message


def test_well_set_up_deployment_passes_with_only_the_demo_warning(demo_app, tmp_path):
    from portal.services.exchange.backup import scheduled_backup
    server, base = serve(TsaStub)
    try:
        _instance(demo_app, tmp_path)
        demo_app.config.update(PUBLIC_BASE_URL="https://hocba.truong.edu.vn", TRUSTED_PROXIES=1,
                               TSA_URL=f"{base}/tsa", BACKUP_DIR=str(tmp_path / "backups"),
                               BACKUP_COPY_DIR=str(tmp_path), BACKUP_PASSPHRASE="một câu dài không ai đoán được")
        with demo_app.app_context(), db.connection_context():
            scheduled_backup(now=dt.datetime.now())
            beat()
            found = _by_code(run_checks(clock=lambda: True, disk_usage=lambda p: ROOMY))
    finally:
        server.shutdown()
    assert {c: f.status for c, f in found.items() if f.status != "ok"} == {"demo": "warning"}


def test_doctor_command_on_a_bad_deployment_exits_1_with_each_problem_in_vietnamese(bad_app):
    result = bad_app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    for line in ("[LỖI] Địa chỉ công khai", "[LỖI] Chứng thư gốc tin cậy", "[LỖI] Dấu số của trường",
                 "[LỖI] Dịch vụ cấp dấu thời gian (TSA)", "[LỖI] Sao lưu", "[LỖI] Tiến trình nền"):
        assert line in result.output
    assert "lỗi cần sửa" in result.output


def test_doctor_command_on_a_good_deployment_exits_0_and_shows_warnings(demo_app, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    _instance(demo_app, good)
    demo_app.config.update(PUBLIC_BASE_URL="https://hocba.truong.edu.vn", TRUSTED_PROXIES=1,
                           BACKUP_DIR=str(good / "backups"))
    from portal.services.exchange.backup import scheduled_backup
    with demo_app.app_context(), db.connection_context():
        scheduled_backup(now=dt.datetime.now())
        beat()
    result = demo_app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "[CẢNH BÁO] Dịch vụ cấp dấu thời gian (TSA)" in result.output  # no TSA_URL: a warning, not a failure
    assert "Kết luận: triển khai ổn" in result.output


def test_server_ca_checked_only_when_configured_and_a_key_file_is_a_problem(app, tmp_path):
    from tests.routes.test_server_ca import _cert
    with app.app_context(), db.connection_context():
        assert "server_ca" not in _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))
    pem, key = _cert(is_ca=True)
    (tmp_path / "root.crt").write_bytes(pem + key)
    app.config["SERVER_CA_FILE"] = str(tmp_path / "root.crt")
    with app.app_context(), db.connection_context():
        found = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))["server_ca"]
    assert found.status == "problem" and "khóa bí mật" in found.message
    (tmp_path / "root.crt").write_bytes(pem)
    with app.app_context(), db.connection_context():
        found = _by_code(run_checks(now=NOW, clock=lambda: True, disk_usage=lambda p: ROOMY))["server_ca"]
    assert found.status == "ok" and "Caddy Local Authority" in found.message
