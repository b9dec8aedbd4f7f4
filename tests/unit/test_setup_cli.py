"""`setup`: the public address (option or question at a terminal) written into instance/config.py without
disturbing the school's other lines, and a real school with its first administrator instead of the demo."""
import os
import pty
import select
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.db import db
from portal.models import Pupil, School, User
from portal.services import ServiceError
from portal.services.system.deployment import normalise_public_url, read_instance_settings, write_instance_setting

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]


@pytest.mark.parametrize("raw, expected", [
    ("https://hocba.truong.edu.vn", "https://hocba.truong.edu.vn"),
    ("  HTTPS://HocBa.Truong.Edu.VN/  ", "https://hocba.truong.edu.vn"),
    ("https://hocba.truong.edu.vn:443", "https://hocba.truong.edu.vn"),
    ("https://hocba.truong.edu.vn:8443", "https://hocba.truong.edu.vn:8443"),
    ("http://192.168.1.10:8080", "http://192.168.1.10:8080"),
    ("https://[fd00::10]", "https://[fd00::10]"),
    ("https://họcbạ.vn", "https://xn--hcb-ugz2j.vn"),  # as the idna package (IDNA 2008) spells it
], ids=["plain", "case-space-slash", "default-port", "other-port", "lan-ip", "ipv6", "vietnamese-idn"])
def test_public_url_accepted_and_normalised(raw, expected):
    assert normalise_public_url(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("", "Vui lòng nhập địa chỉ"),
    ("hocba.truong.edu.vn", "phải bắt đầu bằng https://"),
    ("ftp://hocba.truong.edu.vn", "phải bắt đầu bằng https://"),
    ("https://hocba.truong.edu.vn/hocba", "không có đường dẫn"),
    ("https://hocba.truong.edu.vn?x=1", "không có đường dẫn"),
    ("https://hocba.truong.edu.vn#a", "không có đường dẫn"),
    ("https://admin:pw@hocba.truong.edu.vn", "tên đăng nhập hay mật khẩu"),
    ("https://hocba.truong.edu.vn:99999", "Cổng (port)"),
    ("https://hocba.truong.edu.vn:0", "Cổng (port)"),
    ("https://hoc ba.vn", "khoảng trắng"),
    ("https://hoc_ba.vn", "không hợp lệ"),
    ("https://300.1.1.1", "không hợp lệ"),
    ("https://", "phải bắt đầu bằng https://"),
], ids=["empty", "no-scheme", "ftp", "path", "query", "fragment", "credentials", "port-too-big", "port-zero",
        "space", "underscore", "bad-ipv4", "no-host"])
def test_public_url_refused_with_the_reason(raw, reason):
    with pytest.raises(ServiceError) as caught:
        normalise_public_url(raw)
    assert reason in caught.value.message


def test_write_setting_replaces_only_its_own_lines_and_keeps_the_rest(tmp_path):
    config = tmp_path / "config.py"
    config.write_text("# Written on first start; keep it secret, never commit it.\n"
                      "SECRET_KEY = 'abc'\n"
                      "PUBLIC_BASE_URL = (\n    'http://old'\n)\n"
                      "TSA_URL = 'http://tsa.example'  # the CA's TSA\n"
                      "PUBLIC_BASE_URL = 'http://older'\n", encoding="utf-8")
    write_instance_setting(config, "PUBLIC_BASE_URL", "https://hocba.truong.edu.vn")
    write_instance_setting(config, "TRUSTED_PROXIES", 1)
    assert config.read_text(encoding="utf-8") == (
        "# Written on first start; keep it secret, never commit it.\n"
        "SECRET_KEY = 'abc'\n"
        "PUBLIC_BASE_URL = 'https://hocba.truong.edu.vn'\n"
        "TSA_URL = 'http://tsa.example'  # the CA's TSA\n"
        "TRUSTED_PROXIES = 1\n")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert read_instance_settings(config)["PUBLIC_BASE_URL"] == "https://hocba.truong.edu.vn"


def test_write_setting_refuses_a_broken_config_file_and_leaves_it(tmp_path):
    config = tmp_path / "config.py"
    config.write_text("SECRET_KEY = 'abc\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="lỗi cú pháp ở dòng 1"):
        write_instance_setting(config, "PUBLIC_BASE_URL", "https://hocba.truong.edu.vn")
    assert config.read_text(encoding="utf-8") == "SECRET_KEY = 'abc\n"


@pytest.fixture
def instance(demo_app, tmp_path):
    demo_app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    config = tmp_path / "instance" / "config.py"
    config.write_text("SECRET_KEY = 'abc'\n", encoding="utf-8")
    return config


def test_setup_public_url_option_writes_config(demo_app, instance):
    result = demo_app.test_cli_runner().invoke(args=["setup", "--public-url", "https://HocBa.Truong.edu.vn/",
                                                     "--trusted-proxies", "1"])
    assert result.exit_code == 0, result.output
    assert read_instance_settings(instance) == {"SECRET_KEY": "abc", "PUBLIC_BASE_URL": "https://hocba.truong.edu.vn",
                                                "TRUSTED_PROXIES": 1}
    assert "Cảnh báo" not in result.output


def test_setup_refuses_a_bad_public_url_and_changes_nothing(demo_app, instance):
    result = demo_app.test_cli_runner().invoke(args=["setup", "--public-url", "hocba.truong.edu.vn/x"])
    assert result.exit_code == 2 and "phải bắt đầu bằng https://" in result.output
    assert instance.read_text(encoding="utf-8") == "SECRET_KEY = 'abc'\n"


def test_setup_warns_that_a_plain_http_address_is_for_trying_only(demo_app, instance):
    result = demo_app.test_cli_runner().invoke(args=["setup", "--public-url", "http://192.168.1.10:8080"])
    assert result.exit_code == 0 and "chỉ dùng để thử" in result.output


def test_setup_creates_the_real_school_and_its_administrator_not_the_demo(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=[
        "setup", "--school-name", "Trường Tiểu học  Sen Hồng", "--school-code", "31009999", "--admin", "qtv.senhong",
        "--admin-name", "Lê Văn Bình"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.connection_context():
        school = School.get()
        admin = User.get(User.username == "qtv.senhong")
        assert (school.name, school.code, school.level) == ("Trường Tiểu học Sen Hồng", "31009999", "TH")
        assert admin.must_change_password and admin.has_role("admin") and admin.staff.full_name == "Lê Văn Bình"
        assert Pupil.select().count() == 0 and User.select().count() == 1
    assert "mật khẩu tạm thời" in result.output
    again = app.test_cli_runner().invoke(args=["setup", "--school-name", "Khác", "--school-code", "1"])
    assert again.exit_code == 0 and "bỏ qua --school-name" in again.output


def _run_at_terminal(args, env, answers, timeout=90):
    """Run a command with a pseudo-terminal as stdin/stdout; type each answer after its prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True)
    os.close(slave)
    out, pending, deadline = b"", list(answers), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if pending and out.rstrip().endswith(b":") and out.count(b"Enter \xc4\x91\xe1\xbb\x83 b\xe1\xbb\x8f qua") > len(answers) - len(pending):
                    os.write(master, pending.pop(0).encode() + b"\n")
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, out.decode("utf-8", "replace")


def _env(tmp_path, demo_template, **extra):
    db_path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, db_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCBA_")}
    env.update(HOCBA_INSTANCE_PATH=str(tmp_path / "instance"), HOCBA_DATABASE=str(db_path),
               HOCBA_TRUST_DIR=str(tmp_path / "trust"), HOCBA_HUEY_FILE=str(tmp_path / "huey.sqlite3"), **extra)
    return env


def test_setup_asks_for_the_public_address_at_a_terminal_until_it_is_valid(tmp_path, demo_template):
    code, out = _run_at_terminal(FLASK + ["setup"], _env(tmp_path, demo_template),
                                 ["hocba.truong.edu.vn", "https://hocba.truong.edu.vn"])
    assert code == 0, out
    assert "phải bắt đầu bằng https://" in out  # the first answer was refused, the question asked again
    settings = read_instance_settings(tmp_path / "instance" / "config.py")
    assert settings["PUBLIC_BASE_URL"] == "https://hocba.truong.edu.vn" and settings["SECRET_KEY"]


def test_demo_run_does_not_ask_for_an_address(tmp_path, demo_template):
    """`make run` sets HOCBA_ALLOW_LOOPBACK_PUBLIC_URL: the demo starts without a question, as before."""
    code, out = _run_at_terminal(FLASK + ["setup"], _env(tmp_path, demo_template, HOCBA_ALLOW_LOOPBACK_PUBLIC_URL="true"),
                                 [])
    assert code == 0, out
    assert "Địa chỉ công khai của cổng" not in out
    assert "PUBLIC_BASE_URL" not in read_instance_settings(tmp_path / "instance" / "config.py")


def test_setup_server_ca_accepts_a_ca_and_refuses_a_file_holding_a_key(demo_app, instance, tmp_path):
    from tests.routes.test_server_ca import _cert
    pem, key = _cert(is_ca=True)
    (tmp_path / "root.crt").write_bytes(pem)
    (tmp_path / "root.key").write_bytes(key)
    refused = demo_app.test_cli_runner().invoke(args=["setup", "--server-ca", str(tmp_path / "root.key")])
    assert refused.exit_code == 2 and "khóa bí mật" in refused.output
    assert "SERVER_CA_FILE" not in read_instance_settings(instance)
    result = demo_app.test_cli_runner().invoke(args=["setup", "--server-ca", str(tmp_path / "root.crt")])
    assert result.exit_code == 0, result.output
    assert read_instance_settings(instance)["SERVER_CA_FILE"] == str(tmp_path / "root.crt")
