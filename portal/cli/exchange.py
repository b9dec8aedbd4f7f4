"""`flask package|messages|backup|backup-copy|restore|transfer-export|transfer-import`: records leaving and
entering the school."""
import os
import sys

import click
from flask.cli import with_appcontext

from portal.db import db

from .common import fail, read_secret, secret_or_none


@click.command("messages")
@click.option("--send", "do_send", is_flag=True, help="Gửi các thông điệp đang chờ hoặc gửi lỗi.")
@with_appcontext
def messages(do_send):
    """Thông điệp gửi CSDL ngành (Đăng ký tạo / Thu hồi học bạ): liệt kê, hoặc gửi."""
    from portal.models import MESSAGE_STATES, REGISTRY_STATUSES, RegistryMessage
    from portal.services import ServiceError
    from portal.services.exchange import registry
    with db.connection_context():
        try:
            rows = registry.send_pending() if do_send else (registry.collect() or True) and list(
                RegistryMessage.select().where(RegistryMessage.state != "sent").order_by(RegistryMessage.id))
        except ServiceError as err:
            raise click.ClickException(err.message) from None
        for m in rows:
            status = f" {m.remote_status} {REGISTRY_STATUSES[m.remote_status]}" if m.remote_status else ""
            click.echo(f"{m.record_ident}\t{m.event}\tphiên bản {m.version}\t{MESSAGE_STATES[m.state]}{status}"
                       + (f"\t{m.reason}" if m.reason else ""))
        click.echo(f"{len(rows)} thông điệp." if rows else "Không có thông điệp nào đang chờ.")
        if any(m.state == "failed" for m in rows):
            raise SystemExit(1)


@click.command("package")
@click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 5A.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="Tệp ZIP.")
@click.option("--wave", type=click.IntRange(1, 2), default=1, help="Đợt 1 (trước 30/6) hoặc 2 (trước 25/8).")
@click.option("--seal-user", default="vanthu", show_default=True, help="Người giữ dấu số của trường.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Mật khẩu chứng thư số của tổ chức (nếu không có: hỏi trên màn hình).")
@click.option("--send", is_flag=True, help="Gửi ngay tới CSDL ngành (PACKAGE_ENDPOINT).")
@with_appcontext
def package(class_name, out_file, wave, seal_user, passphrase_file, send):
    """Write the package of CLASS's issued records (current year) for the sector database."""
    from portal.models import User
    from portal.services import ServiceError
    from portal.services.exchange.packaging import build, seal_key
    from portal.services.exchange.sending import prepare
    from portal.services.exchange.sending import send as send_package
    from portal.services.records.rendering import write_atomically
    from portal.services.school.years import find_class

    with db.connection_context():
        klass = find_class(class_name)
        user = User.get_or_none(User.username == seal_user)
        if klass is None or user is None:
            fail("Không tìm thấy lớp hoặc người giữ dấu số.")
        secret = read_secret(passphrase_file, "Passphrase của dấu số")
        try:
            data = build(klass, wave, *seal_key(user, secret))
        except ServiceError as err:
            fail(err.message)
        submission = prepare(klass, wave, data)
        if send:
            try:
                submission = send_package(submission)
            except ServiceError as err:
                fail(err.message)
    write_atomically(out_file, data)
    click.echo(f"Đã ghi gói {out_file} ({len(data) // 1024} KB)."
               + (f" Trạng thái gửi: {submission.status}. {submission.reason}" if send else ""))
    if send and submission.status not in ("sent", "accepted"):
        sys.exit(1)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Mã hóa bằng passphrase này (mặc định: BACKUP_PASSPHRASE trong cấu hình).")
@click.option("--plain", is_flag=True, help="Không mã hóa (kể cả khi đã cấu hình BACKUP_PASSPHRASE).")
@with_appcontext
def backup(file, passphrase_file, plain):
    """Consistent online backup of the database, issued files and trust anchors; encrypted by default
    when BACKUP_PASSPHRASE is configured (only then does it carry the instance secrets)."""
    from portal.services.exchange.backup import UNENCRYPTED, make_backup, passphrase_or_none

    passphrase = None if plain else (secret_or_none(passphrase_file) or passphrase_or_none())
    with db.connection_context():
        manifest = make_backup(file, passphrase)
    click.echo(f"Đã sao lưu {len(manifest['files'])} tệp vào {file}"
               + (" (đã mã hóa)." if passphrase else "."))
    if not passphrase:
        click.echo(f"CẢNH BÁO: {UNENCRYPTED}", err=True)


@click.command("backup-copy")
@with_appcontext
def backup_copy():
    """Copy the newest nightly backup off the machine again (after fixing BACKUP_COPY_DIR/_RSYNC)."""
    from portal.services.exchange.backup import copy_off_machine, last_backup

    with db.connection_context():
        last = last_backup()
        if last is None or not os.path.exists(last.path):
            fail("Chưa có bản sao lưu hằng đêm nào trên máy để chép.")
        error = copy_off_machine(last)
    if error:
        fail(f"Chưa chép được {last.path} ra ngoài máy: {error}")
    click.echo(f"Đã chép {last.path} ra ngoài máy.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Passphrase của bản sao lưu (mặc định: BACKUP_PASSPHRASE trong cấu hình).")
@with_appcontext
def restore(file, passphrase_file):
    """Restore a backup into an empty instance (refuses a foreign, altered or wrongly unlocked file)."""
    from portal.services import ServiceError
    from portal.services.exchange.backup import passphrase_or_none, restore_backup

    try:
        manifest = restore_backup(file, secret_or_none(passphrase_file) or passphrase_or_none())
    except ServiceError as err:
        fail(err.message)
    click.echo(f"Đã khôi phục bản sao lưu ngày {manifest['created_at']} ({len(manifest['files'])} tệp).")
    for warning in manifest.get("warnings", []):
        click.echo(f"Lưu ý: {warning}", err=True)


@click.command("transfer-export")
@click.option("--pupil", "pupil_code", required=True)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
@click.option("--seal-user", default="vanthu", show_default=True)
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def transfer_export(pupil_code, out_file, seal_user, passphrase_file):
    """Export a pupil's whole học bạ (every issued year, PDF + signed XML) for a transfer."""
    from portal.models import Pupil, User
    from portal.services import ServiceError
    from portal.services.exchange.packaging import seal_key
    from portal.services.exchange.transfer import export_pupil
    from portal.services.records.rendering import write_atomically

    with db.connection_context():
        pupil = Pupil.get_or_none(Pupil.code == pupil_code)
        user = User.get_or_none(User.username == seal_user)
        if pupil is None or user is None:
            fail("Không tìm thấy học sinh hoặc người giữ dấu số.")
        try:
            data = export_pupil(pupil, *seal_key(user, secret_or_none(passphrase_file) or click.prompt(
                "Mật khẩu chứng thư số của dấu số", hide_input=True)))
        except ServiceError as err:
            fail(err.message)
    write_atomically(out_file, data)
    click.echo(f"Đã ghi hồ sơ chuyển trường {out_file}.")


@click.command("transfer-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--class", "class_name", required=True, help="Lớp tiếp nhận (năm học hiện tại).")
@with_appcontext
def transfer_import(file, class_name):
    """Verify a transfer file and accept the pupil into CLASS; refused with the reasons otherwise."""
    from portal.services import ServiceError
    from portal.services.exchange.transfer import import_transfer
    from portal.services.school.years import find_class

    with db.connection_context():
        klass = find_class(class_name)
        if klass is None:
            fail(f"Không tìm thấy lớp {class_name}.")
        try:
            pupil = import_transfer(open(file, "rb").read(), klass)
        except ServiceError as err:
            fail(err.message)
    click.echo(f"Đã tiếp nhận {pupil.full_name} ({pupil.code}) vào lớp {klass.name}.")
