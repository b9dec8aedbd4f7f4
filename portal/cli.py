"""Flask CLI: `flask --app portal <command>`. Contract names: db upgrade, demo, pupils, setup."""
import os
import sys

import click
from flask.cli import AppGroup

from . import db as database
from .db import db


def read_secret(passphrase_file, prompt: str) -> str:
    """The passphrase from a file, or typed at a terminal; without a terminal, say which option to use."""
    if passphrase_file:
        return open(passphrase_file, encoding="utf-8").read().rstrip("\r\n")
    if not sys.stdin.isatty():
        click.echo("Không có bàn phím để nhập passphrase (chạy không tương tác): dùng --passphrase-file TỆP.", err=True)
        sys.exit(2)
    return click.prompt(prompt, hide_input=True)


def upgrade_or_exit() -> list[str]:
    """Apply pending migrations and list them; a failed one (nothing applied) ends the command with exit 1."""
    try:
        applied = database.upgrade()
    except database.MigrationFailed as err:
        click.echo(str(err), err=True)
        sys.exit(1)
    for name in applied:
        click.echo(f"applied: {name}")
    return applied


def register_cli(app):
    db_group = AppGroup("db", help="Lược đồ cơ sở dữ liệu (migrations).")

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply every pending migration (all or none: a failure leaves the database as it was)."""
        from .services.audit import seal_if_needed

        applied = upgrade_or_exit()
        if not applied:
            click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
        with db.connection_context():
            seal = seal_if_needed()  # an audit trail written before the key existed gets sealed now
        if seal is not None:
            click.echo(f"Đã niêm phong nhật ký kiểm toán bằng khóa (mục #{seal.id}).")

    @db_group.command("status")
    def db_status():
        """List migrations; exit 1 when some are pending."""
        with db.connection_context():
            rows = database.migration_runner().status()
        for m in rows:
            click.echo(f"[{'x' if m.applied else ' '}] {m.name}")
        sys.exit(1 if any(not m.applied for m in rows) else 0)

    @db_group.command("downgrade")
    def db_downgrade():
        """Revert the most recent migration."""
        with db.connection_context():
            for name in database.migration_runner().down():
                click.echo(f"reverted: {name}")

    app.cli.add_command(db_group)

    from .cli_deploy import register_deploy_cli
    register_deploy_cli(app)

    @app.cli.command("messages")
    @click.option("--send", "do_send", is_flag=True, help="Gửi các thông điệp đang chờ hoặc gửi lỗi.")
    def messages_cmd(do_send):
        """Thông điệp gửi CSDL ngành (Đăng ký tạo / Thu hồi học bạ): liệt kê, hoặc gửi."""
        from portal.models import MESSAGE_STATES, REGISTRY_STATUSES, RegistryMessage
        from portal.services import ServiceError, registry
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

    @app.cli.command("demo")
    @click.option("--reset", is_flag=True, help="Xóa toàn bộ dữ liệu rồi tạo lại trường mẫu.")
    @click.option("--level", type=click.Choice(["TH", "THCS", "THPT"]), default="TH", show_default=True,
                  help="Cấp học của trường mẫu.")
    def demo(reset, level):
        """Seed the demo school, primary by default (refuses a non-empty database without --reset)."""
        from .services import ServiceError
        from .services.demo import reset_database, seed_demo

        if reset:
            reset_database()
        else:
            database.upgrade()
        try:
            with db.connection_context():
                if level == "TH":
                    school = seed_demo()
                else:
                    from .services.demo_secondary import seed_secondary_demo
                    school = seed_secondary_demo(level)
        except ServiceError as err:
            click.echo(err.message, err=True)
            sys.exit(1)
        click.echo(f"Đã tạo trường mẫu: {school.name}. Mật khẩu mọi tài khoản mẫu: demo1234")

    @app.cli.command("render")
    @click.option("--pupil", "pupil_code", required=True, help="Mã học sinh.")
    @click.option("--year", "year_name", required=True, help="Năm học, ví dụ 2026-2027.")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False), help="Tệp PDF.")
    @click.option("--full", is_flag=True, help="Cả cuốn học bạ (mọi năm học đến năm này) để in.")
    def render_cmd(pupil_code, year_name, output, full):
        """Render a pupil's học bạ for a school year as PDF/A-3b with hocba.json inside."""
        from .services import ServiceError
        from .services.documents import render_pupil_year, write_atomically

        with db.connection_context():
            try:
                rendered = render_pupil_year(pupil_code, year_name, app.config["PUBLIC_BASE_URL"], full=full)
            except ServiceError as err:
                click.echo(err.message, err=True)
                sys.exit(1)
        write_atomically(output, rendered.pdf)
        click.echo(f"{output}: {rendered.pages} trang, hocba.json SHA-256 {rendered.sha256}")

    @app.cli.command("sign")
    @click.option("--user", "username", required=True, help="Tên đăng nhập của người ký.")
    @click.option("--class", "class_name", help="Tên lớp, ví dụ 5A.")
    @click.option("--all", "all_classes", is_flag=True, help="Mọi lớp có học bạ đang chờ người này ký.")
    @click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), help="Tệp chứa passphrase.")
    @click.option("--wave", type=click.IntRange(1, 2), default=1, help="Đợt 1 (cuối năm) hoặc 2 (sau đánh giá bổ sung).")
    @click.option("--workers", type=click.IntRange(0, 64), default=None,
                  help="Số tiến trình ký song song (mặc định: SIGNING_WORKERS, 0 = mỗi nhân một tiến trình).")
    def sign_cmd(username, class_name, all_classes, passphrase_file, wave, workers):
        """Perform USER's pending step of the chain for every ready record of CLASS (or of every class)."""
        from .models import User
        from .services.batches import ready, scope_classes
        from .services.parallel import sign_parallel
        from .services.school import current_year, find_class
        from .services.signers import holds_role
        from .services.signing import ROLE_LABELS, chain

        if bool(class_name) == bool(all_classes):
            click.echo("Chọn đúng một trong hai: --class LỚP hoặc --all.", err=True)
            sys.exit(2)
        with db.connection_context():
            user = User.get_or_none((User.username == username.strip().lower()) & (User.is_active == True))  # noqa: E712
            klass = find_class(class_name) if class_name else None
            if user is None or (class_name and klass is None):
                click.echo("Không tìm thấy người dùng hoặc lớp trong năm học hiện tại.", err=True)
                sys.exit(2)
            classes = [klass] if klass else list(scope_classes("all", current_year()))
            mine = [c for c in classes if any(holds_role(user, role, c) for role in chain(c))]
            if not mine:
                where = f"lớp {klass.name}" if klass else "lớp nào"
                click.echo(f"{user.username} không có quyền ký {where}.", err=True)
                sys.exit(1)
            secret = read_secret(passphrase_file, "Mật khẩu chứng thư số / mã PIN")
            records = [rv for c in mine for rv in ready(user, c, wave)]
            if not records:
                where = f"lớp {klass.name}" if klass else "các lớp"
                click.echo(f"Không có học bạ nào của {where} đang chờ {username} ký (đợt {wave}).")
                return
            names = {rv.id: (rv.pupil.code, rv.pupil.full_name) for rv in records}
            failed = 0

            def show(result):
                nonlocal failed
                mark = "OK " if result.ok else "LỖI"
                code, name = names.get(result.record_id, ("", ""))
                click.echo(f"{mark}\t{code}\t{name}\t{ROLE_LABELS.get(result.role, result.role)}\t{result.message}")
                failed += not result.ok

            done = sign_parallel(user, records, secret, workers=workers, progress=show)
            missing = len(records) - len(done)
            if missing:  # a worker process died: its records are at their previous step, run again
                click.echo(f"{missing} học bạ chưa được xử lý (tiến trình ký dừng giữa chừng); chạy lại lệnh để ký tiếp.",
                           err=True)
        sys.exit(1 if failed or missing else 0)

    @app.cli.command("issued")
    @click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 5A.")
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Thư mục ghi tệp.")
    def issued_cmd(class_name, out_dir):
        """Write every issued record of CLASS (current year) as OUT/<mã học sinh>.pdf and .xml."""
        from pathlib import Path

        from .services import audit
        from .services.documents import write_atomically
        from .services.school import find_class
        from .services.signing import issued_records, read_pdf
        from .services.xml_record import read_xml

        with db.connection_context():
            klass = find_class(class_name)
            if klass is None:
                click.echo(f"Không tìm thấy lớp {class_name} trong năm học hiện tại.", err=True)
                sys.exit(1)
            rows = issued_records(klass)
            for rv in rows:
                write_atomically(str(Path(out_dir) / f"{rv.pupil.code}.pdf"), read_pdf(rv))
                if (xml := read_xml(rv)) is not None:  # the XML of equal value, signed in the same chain
                    write_atomically(str(Path(out_dir) / f"{rv.pupil.code}.xml"), xml)
            audit.record("record.exported", klass, summary=f"Xuất {len(rows)} học bạ đã phát hành lớp {klass.name}",
                         username="cli", count=len(rows))
        click.echo(f"Đã ghi {len(rows)} học bạ đã phát hành vào {out_dir}.")

    @app.cli.command("verify")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.argument("other", required=False, type=click.Path(exists=True, dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="In toàn bộ danh sách kiểm tra dạng JSON.")
    @click.option("--at", "at_date", type=click.DateTime(formats=["%Y-%m-%d"]),
                  help="Kiểm tra như vào ngày này (YYYY-MM-DD), ví dụ 2040-06-30.")
    def verify_cmd(file, other, as_json, at_date):
        """Check a học bạ PDF or XML offline (both: also that they hold the same data): exit 0 passed, 1 failed,
        2 indeterminate."""
        import datetime as dt
        import json as json_lib

        from .services.xml_verification import verify_file

        import peewee

        at = at_date.replace(hour=12, tzinfo=dt.timezone.utc) if at_date else None
        try:
            with db.connection_context():
                verdict = verify_file(open(file, "rb").read(), open(other, "rb").read() if other else None, at=at)
        except peewee.DatabaseError:
            click.echo("Không đọc được cơ sở dữ liệu của cổng (chưa khởi tạo?): chạy `flask --app portal setup` "
                       "hoặc `flask --app portal db upgrade`, rồi kiểm tra lại.", err=True)
            sys.exit(2)
        if as_json:
            click.echo(json_lib.dumps(verdict.as_dict(), ensure_ascii=False, indent=1))
        else:
            labels = {"passed": "ĐẠT", "failed": "KHÔNG ĐẠT", "unknown": "CHƯA RÕ"}
            for c in verdict.checks:
                click.echo(f"[{labels[c.status]}] {c.label}" + (f" — {c.reason}" if c.reason else ""))
            click.echo({"passed": "Kết luận: học bạ hợp lệ.", "failed": "Kết luận: học bạ KHÔNG hợp lệ.",
                        "indeterminate": "Kết luận: chưa xác định được."}[verdict.status])
        sys.exit(verdict.exit_code)

    audit_group = AppGroup("audit", help="Nhật ký kiểm toán.")

    @audit_group.command("verify")
    @click.option("--head", "heads", multiple=True, metavar="ID:HASH",
                  help="Đầu chuỗi đã ghi lại (trang Quản trị hiển thị), ví dụ 1234:3fa2b9c1d0e4; dùng nhiều lần được.")
    def audit_verify(heads):
        """Check the keyed audit trail and its anchors: exit 0 intact, 1 tampered or cut off (each problem named)."""
        from .services.audit import anchor_text
        from .services.audit_check import parse_head, verify

        try:
            anchors = [parse_head(h) for h in heads]
        except ValueError as err:
            click.echo(str(err), err=True)
            sys.exit(2)
        with db.connection_context():
            report = verify(anchors)
        for note in report.notes:
            click.echo(f"Lưu ý: {note}")
        if report.ok:
            click.echo(f"Nhật ký nguyên vẹn: {report.total} mục, đầu chuỗi {anchor_text(report.head) or '(trống)'}; "
                       f"đã đối chiếu {report.anchors} mốc.")
            sys.exit(0)
        for problem in report.problems:
            click.echo(problem.message, err=True)
        if report.more:
            click.echo(f"… và {report.more} vấn đề khác.", err=True)
        sys.exit(1)

    app.cli.add_command(audit_group)

    @app.cli.command("package")
    @click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 5A.")
    @click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="Tệp ZIP.")
    @click.option("--wave", type=click.IntRange(1, 2), default=1, help="Đợt 1 (trước 30/6) hoặc 2 (trước 25/8).")
    @click.option("--seal-user", default="vanthu", show_default=True, help="Người giữ dấu số của trường.")
    @click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
                  help="Mật khẩu chứng thư số của tổ chức (nếu không có: hỏi trên màn hình).")
    @click.option("--send", is_flag=True, help="Gửi ngay tới CSDL ngành (PACKAGE_ENDPOINT).")
    def package_cmd(class_name, out_file, wave, seal_user, passphrase_file, send):
        """Write the package of CLASS's issued records (current year) for the sector database."""
        from .models import User
        from .services import ServiceError
        from .services.documents import write_atomically
        from .services.packaging import build, seal_key
        from .services.school import find_class

        with db.connection_context():
            klass = find_class(class_name)
            user = User.get_or_none(User.username == seal_user)
            if klass is None or user is None:
                click.echo("Không tìm thấy lớp hoặc người giữ dấu số.", err=True)
                sys.exit(1)
            secret = read_secret(passphrase_file, "Passphrase của dấu số")
            try:
                data = build(klass, wave, *seal_key(user, secret))
            except ServiceError as err:
                click.echo(err.message, err=True)
                sys.exit(1)
            from .services.sending import prepare
            from .services.sending import send as send_package
            submission = prepare(klass, wave, data)
            if send:
                try:
                    submission = send_package(submission)
                except ServiceError as err:
                    click.echo(err.message, err=True)
                    sys.exit(1)
        write_atomically(out_file, data)
        click.echo(f"Đã ghi gói {out_file} ({len(data) // 1024} KB)."
                   + (f" Trạng thái gửi: {submission.status}. {submission.reason}" if send else ""))
        if send and submission.status not in ("sent", "accepted"):
            sys.exit(1)

    def _secret(passphrase_file):
        return open(passphrase_file, encoding="utf-8").read().rstrip("\r\n") if passphrase_file else None

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
                  help="Mã hóa bằng passphrase này (mặc định: BACKUP_PASSPHRASE trong cấu hình).")
    @click.option("--plain", is_flag=True, help="Không mã hóa (kể cả khi đã cấu hình BACKUP_PASSPHRASE).")
    def backup_cmd(file, passphrase_file, plain):
        """Consistent online backup of the database, issued files and trust anchors; encrypted by default
        when BACKUP_PASSPHRASE is configured (only then does it carry the instance secrets)."""
        from .services.backup import UNENCRYPTED, make_backup, passphrase_or_none

        passphrase = None if plain else (_secret(passphrase_file) or passphrase_or_none())
        with db.connection_context():
            manifest = make_backup(file, passphrase)
        click.echo(f"Đã sao lưu {len(manifest['files'])} tệp vào {file}"
                   + (" (đã mã hóa)." if passphrase else "."))
        if not passphrase:
            click.echo(f"CẢNH BÁO: {UNENCRYPTED}", err=True)

    @app.cli.command("backup-copy")
    def backup_copy_cmd():
        """Copy the newest nightly backup off the machine again (after fixing BACKUP_COPY_DIR/_RSYNC)."""
        from .services.backup import copy_off_machine, last_backup

        with db.connection_context():
            last = last_backup()
            if last is None or not os.path.exists(last.path):
                click.echo("Chưa có bản sao lưu hằng đêm nào trên máy để chép.", err=True)
                sys.exit(1)
            error = copy_off_machine(last)
        if error:
            click.echo(f"Chưa chép được {last.path} ra ngoài máy: {error}", err=True)
            sys.exit(1)
        click.echo(f"Đã chép {last.path} ra ngoài máy.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
                  help="Passphrase của bản sao lưu (mặc định: BACKUP_PASSPHRASE trong cấu hình).")
    def restore_cmd(file, passphrase_file):
        """Restore a backup into an empty instance (refuses a foreign, altered or wrongly unlocked file)."""
        from .services import ServiceError
        from .services.backup import passphrase_or_none, restore_backup

        try:
            manifest = restore_backup(file, _secret(passphrase_file) or passphrase_or_none())
        except ServiceError as err:
            click.echo(err.message, err=True)
            sys.exit(1)
        click.echo(f"Đã khôi phục bản sao lưu ngày {manifest['created_at']} ({len(manifest['files'])} tệp).")
        for warning in manifest.get("warnings", []):
            click.echo(f"Lưu ý: {warning}", err=True)

    @app.cli.command("transfer-export")
    @click.option("--pupil", "pupil_code", required=True)
    @click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
    @click.option("--seal-user", default="vanthu", show_default=True)
    @click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False))
    def transfer_export_cmd(pupil_code, out_file, seal_user, passphrase_file):
        """Export a pupil's whole học bạ (every issued year, PDF + signed XML) for a transfer."""
        from .models import Pupil, User
        from .services import ServiceError
        from .services.documents import write_atomically
        from .services.packaging import seal_key
        from .services.transfer import export_pupil

        with db.connection_context():
            pupil = Pupil.get_or_none(Pupil.code == pupil_code)
            user = User.get_or_none(User.username == seal_user)
            if pupil is None or user is None:
                click.echo("Không tìm thấy học sinh hoặc người giữ dấu số.", err=True)
                sys.exit(1)
            try:
                data = export_pupil(pupil, *seal_key(user, _secret(passphrase_file) or click.prompt(
                    "Mật khẩu chứng thư số của dấu số", hide_input=True)))
            except ServiceError as err:
                click.echo(err.message, err=True)
                sys.exit(1)
        write_atomically(out_file, data)
        click.echo(f"Đã ghi hồ sơ chuyển trường {out_file}.")

    @app.cli.command("transfer-import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--class", "class_name", required=True, help="Lớp tiếp nhận (năm học hiện tại).")
    def transfer_import_cmd(file, class_name):
        """Verify a transfer file and accept the pupil into CLASS; refused with the reasons otherwise."""
        from .services import ServiceError
        from .services.school import find_class
        from .services.transfer import import_transfer

        with db.connection_context():
            klass = find_class(class_name)
            if klass is None:
                click.echo(f"Không tìm thấy lớp {class_name}.", err=True)
                sys.exit(1)
            try:
                pupil = import_transfer(open(file, "rb").read(), klass)
            except ServiceError as err:
                click.echo(err.message, err=True)
                sys.exit(1)
        click.echo(f"Đã tiếp nhận {pupil.full_name} ({pupil.code}) vào lớp {klass.name}.")

    @app.cli.command("pupils")
    @click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 1A.")
    def pupils(class_name):
        """Print `mã học sinh<TAB>họ và tên` for a class of the current year, in on-screen order."""
        from .services.school import class_roster, find_class

        with db.connection_context():
            klass = find_class(class_name)
            if klass is None:
                click.echo(f"Không tìm thấy lớp {class_name} trong năm học hiện tại.", err=True)
                sys.exit(1)
            for pupil in class_roster(klass):
                click.echo(f"{pupil.code}\t{pupil.full_name}")
