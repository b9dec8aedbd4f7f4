"""Flask CLI: `flask --app portal <command>`. Contract names: db upgrade, demo, pupils, setup."""
import sys

import click
from flask.cli import AppGroup

from . import db as database
from .db import db


def register_cli(app):
    db_group = AppGroup("db", help="Lược đồ cơ sở dữ liệu (migrations).")

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply every pending migration."""
        applied = database.upgrade()
        for name in applied:
            click.echo(f"applied: {name}")
        if not applied:
            click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")

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

    @app.cli.command("demo")
    @click.option("--reset", is_flag=True, help="Xóa toàn bộ dữ liệu rồi tạo lại trường mẫu.")
    def demo(reset):
        """Seed the demo primary school (refuses a non-empty database without --reset)."""
        from .services import ServiceError
        from .services.demo import reset_database, seed_demo

        if reset:
            reset_database()
        else:
            database.upgrade()
        try:
            with db.connection_context():
                school = seed_demo()
        except ServiceError as err:
            click.echo(err.message, err=True)
            sys.exit(1)
        click.echo(f"Đã tạo trường mẫu: {school.name}. Mật khẩu mọi tài khoản mẫu: demo1234")

    @app.cli.command("setup")
    def setup():
        """First run: migrate, and seed the demo school when the database is empty."""
        from .services.demo import seed_demo

        database.upgrade()
        if database.is_empty():
            with db.connection_context():
                seed_demo()
            click.echo("Đã tạo trường mẫu (mật khẩu: demo1234).")

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
