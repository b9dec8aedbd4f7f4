"""`flask render|sign|issued|verify`: the học bạ record, its signing chain and its verification."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.db import db

from .common import fail, read_secret


@click.command("render")
@click.option("--pupil", "pupil_code", required=True, help="Mã học sinh.")
@click.option("--year", "year_name", required=True, help="Năm học, ví dụ 2026-2027.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False), help="Tệp PDF.")
@click.option("--full", is_flag=True, help="Cả cuốn học bạ (mọi năm học đến năm này) để in.")
@with_appcontext
def render(pupil_code, year_name, output, full):
    """Render a pupil's học bạ for a school year as PDF/A-3b with hocba.json inside."""
    from portal.services import ServiceError
    from portal.services.records.rendering import render_pupil_year, write_atomically

    with db.connection_context():
        try:
            rendered = render_pupil_year(pupil_code, year_name, current_app.config["PUBLIC_BASE_URL"], full=full)
        except ServiceError as err:
            fail(err.message)
    write_atomically(output, rendered.pdf)
    click.echo(f"{output}: {rendered.pages} trang, hocba.json SHA-256 {rendered.sha256}")


@click.command("sign")
@click.option("--user", "username", required=True, help="Tên đăng nhập của người ký.")
@click.option("--class", "class_name", help="Tên lớp, ví dụ 5A.")
@click.option("--all", "all_classes", is_flag=True, help="Mọi lớp có học bạ đang chờ người này ký.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), help="Tệp chứa passphrase.")
@click.option("--wave", type=click.IntRange(1, 2), default=1, help="Đợt 1 (cuối năm) hoặc 2 (tiểu học: sau đánh giá bổ sung; trung học: sau kiểm tra lại, rèn luyện hè).")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Số tiến trình ký song song (mặc định: SIGNING_WORKERS, 0 = mỗi nhân một tiến trình).")
@with_appcontext
def sign(username, class_name, all_classes, passphrase_file, wave, workers):
    """Perform USER's pending step of the chain for every ready record of CLASS (or of every class)."""
    from portal.services.records.batches import ready

    if bool(class_name) == bool(all_classes):
        fail("Chọn đúng một trong hai: --class LỚP hoặc --all.", 2)
    with db.connection_context():
        user, klass, mine = _signer_and_classes(username, class_name)
        secret = read_secret(passphrase_file, "Mật khẩu chứng thư số / mã PIN")
        records = [rv for c in mine for rv in ready(user, c, wave)]
        if not records:
            where = f"lớp {klass.name}" if klass else "các lớp"
            click.echo(f"Không có học bạ nào của {where} đang chờ {username} ký (đợt {wave}).")
            return
        failed, missing = _sign_records(user, records, secret, workers)
    sys.exit(1 if failed or missing else 0)


def _signer_and_classes(username, class_name):
    """The active user, the class asked for (or None for --all) and the classes where they sign a step."""
    from portal.models import User
    from portal.services.records.batches import scope_classes
    from portal.services.records.chain import chain
    from portal.services.records.signers import holds_role
    from portal.services.school.years import current_year, find_class

    user = User.get_or_none((User.username == username.strip().lower()) & (User.is_active == True))  # noqa: E712
    klass = find_class(class_name) if class_name else None
    if user is None or (class_name and klass is None):
        fail("Không tìm thấy người dùng hoặc lớp trong năm học hiện tại.", 2)
    classes = [klass] if klass else list(scope_classes("all", current_year()))
    mine = [c for c in classes if any(holds_role(user, role, c) for role in chain(c))]
    if not mine:
        fail(f"{user.username} không có quyền ký {f'lớp {klass.name}' if klass else 'lớp nào'}.")
    return user, klass, mine


def _sign_records(user, records, secret, workers) -> tuple[int, int]:
    """Sign on every core, one line per record; returns (failed, not processed)."""
    from portal.services.records.chain import ROLE_LABELS
    from portal.services.records.parallel import sign_parallel

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
    return failed, missing


@click.command("issued")
@click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 5A.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Thư mục ghi tệp.")
@with_appcontext
def issued(class_name, out_dir):
    """Write every issued record of CLASS (current year) as OUT/<mã học sinh>.pdf and .xml."""
    from portal.services.records.chain_files import export_issued
    from portal.services.school.years import find_class

    with db.connection_context():
        klass = find_class(class_name)
        if klass is None:
            fail(f"Không tìm thấy lớp {class_name} trong năm học hiện tại.")
        count = export_issued(klass, out_dir)
    click.echo(f"Đã ghi {count} học bạ đã phát hành vào {out_dir}.")


VERDICT_LABELS = {"passed": "ĐẠT", "failed": "KHÔNG ĐẠT", "unknown": "CHƯA RÕ"}
CONCLUSIONS = {"passed": "Kết luận: học bạ hợp lệ.", "failed": "Kết luận: học bạ KHÔNG hợp lệ.",
               "indeterminate": "Kết luận: chưa xác định được."}


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("other", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In toàn bộ danh sách kiểm tra dạng JSON.")
@click.option("--at", "at_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Kiểm tra như vào ngày này (YYYY-MM-DD), ví dụ 2040-06-30.")
@with_appcontext
def verify(file, other, as_json, at_date):
    """Check a học bạ PDF or XML offline (both: also that they hold the same data): exit 0 passed, 1 failed,
    2 indeterminate."""
    import datetime as dt
    import json as json_lib

    from portal.services.records.xml_verification import verify_file

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
        for c in verdict.checks:
            click.echo(f"[{VERDICT_LABELS[c.status]}] {c.label}" + (f" — {c.reason}" if c.reason else ""))
        click.echo(CONCLUSIONS[verdict.status])
    sys.exit(verdict.exit_code)
