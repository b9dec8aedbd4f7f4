"""`flask setup|doctor`: putting the portal into service (first start, public address) and checking it."""
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.db import db

from .common import upgrade_or_exit


def _ask_public_url() -> str | None:
    """At a terminal, ask until the answer is a valid address (Enter skips)."""
    from portal.services import ServiceError
    from portal.services.system.deployment import URL_EXAMPLE, normalise_public_url

    click.echo("Địa chỉ công khai là địa chỉ giáo viên, phụ huynh mở cổng và được in trong mã QR trên mọi học bạ.")
    while True:
        answer = click.prompt(f"Địa chỉ công khai của cổng (ví dụ {URL_EXAMPLE}; Enter để bỏ qua)",
                              default="", show_default=False)
        if not answer.strip():
            click.echo("Bỏ qua: chưa đặt địa chỉ công khai (không ký được học bạ cho đến khi đặt).")
            return None
        try:
            return normalise_public_url(answer)
        except ServiceError as err:
            click.echo(err.message, err=True)


@click.command("setup")
@click.option("--public-url", help="Địa chỉ công khai của cổng, ví dụ https://hocba.truong.edu.vn "
                                   "(ghi vào instance/config.py).")
@click.option("--trusted-proxies", type=click.IntRange(0, 5),
              help="Số proxy ngược (Caddy) đứng trước cổng: 1 khi dùng Caddy theo hướng dẫn triển khai.")
@click.option("--server-ca", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              help="Chứng chỉ gốc (CA) nội bộ của Caddy để điện thoại cài qua trang /chung-chi-may-chu.")
@click.option("--school-name", help="Tên trường thật (khi CSDL trống: tạo trường này thay cho trường mẫu).")
@click.option("--school-code", help="Mã trường (cùng --school-name).")
@click.option("--level", type=click.Choice(["TH", "THCS", "THPT"]), default="TH", show_default=True,
              help="Cấp học (cùng --school-name).")
@click.option("--admin", "admin_username", default="admin", show_default=True,
              help="Tên đăng nhập của quản trị viên đầu tiên (cùng --school-name).")
@click.option("--admin-name", default="", help="Họ và tên của quản trị viên đầu tiên.")
@with_appcontext
def setup(public_url, trusted_proxies, server_ca, school_name, school_code, level, admin_username, admin_name):
    """First run: settings, migrations, then the real school (--school-name) or the demo school when empty."""
    from portal.services import ServiceError
    from portal.services.demo.primary import seed_demo
    from portal.services.system.deployment import (
        install_school, is_installed, is_loopback_url, normalise_public_url, read_instance_settings,
        write_instance_setting,
    )

    config_file = Path(current_app.instance_path) / "config.py"
    try:
        settings = read_instance_settings(config_file)
        if server_ca:
            from portal.services.system.server_ca import read as read_server_ca
            read_server_ca(server_ca)  # refused before anything is written: never publish a key
        if public_url is not None:
            public_url = normalise_public_url(public_url)
        elif ("PUBLIC_BASE_URL" not in settings and not os.environ.get("HOCBA_PUBLIC_BASE_URL")
              and not current_app.config.get("ALLOW_LOOPBACK_PUBLIC_URL") and sys.stdin.isatty()):
            public_url = _ask_public_url()
        changes = {"PUBLIC_BASE_URL": public_url, "TRUSTED_PROXIES": trusted_proxies, "SERVER_CA_FILE": server_ca}
        for name, value in changes.items():
            if value is not None:
                write_instance_setting(config_file, name, value)
                current_app.config[name] = value
                click.echo(f"Đã ghi {name} = {value!r} vào {config_file}.")
                if os.environ.get(f"HOCBA_{name}"):
                    click.echo(f"Lưu ý: biến môi trường HOCBA_{name} đang đặt và được ưu tiên hơn tệp này.")
    except ServiceError as err:
        click.echo(err.message, err=True)
        sys.exit(2)
    if public_url and (is_loopback_url(public_url) or not public_url.startswith("https://")):
        click.echo("Cảnh báo: địa chỉ này chỉ dùng để thử; khi triển khai thật hãy dùng https:// với tên "
                   "máy chủ mà điện thoại của giáo viên mở được.")

    upgrade_or_exit()
    if is_installed():
        if school_name:
            click.echo("Trường đã được thiết lập từ trước: bỏ qua --school-name.")
        return
    if school_name:
        try:
            with db.connection_context():
                school, user, password = install_school(school_name, school_code, level, admin_username,
                                                        admin_name)
        except ServiceError as err:
            click.echo(err.message, err=True)
            sys.exit(2)
        click.echo(f"Đã tạo {school.name} (mã {school.code}, cấp {school.level}).")
        click.echo(f"Tài khoản quản trị: {user.username} — mật khẩu tạm thời: {password}")
        click.echo("Mật khẩu này chỉ hiện một lần; phải đổi ở lần đăng nhập đầu tiên.")
        return
    with db.connection_context():
        seed_demo()
    click.echo("Đã tạo trường mẫu (mật khẩu: demo1234).")

@click.command("doctor")
@with_appcontext
def doctor():
    """Check this deployment; print what is wrong in Vietnamese; exit 0 when all is well, 1 otherwise."""
    from portal.services.system.doctor import LABELS, run_checks

    with db.connection_context():
        findings = run_checks()
    for f in findings:
        click.echo(f"[{LABELS[f.status]}] {f.label}: {f.message}")
    problems = [f for f in findings if f.status == "problem"]
    warnings = [f for f in findings if f.status == "warning"]
    if problems:
        click.echo(f"Kết luận: {len(problems)} lỗi cần sửa" + (f", {len(warnings)} cảnh báo." if warnings else "."))
        sys.exit(1)
    click.echo("Kết luận: triển khai ổn" + (f" ({len(warnings)} cảnh báo cần xem)." if warnings else "."))
