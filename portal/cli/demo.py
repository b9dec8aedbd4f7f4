"""`flask demo`: seed the demo school (primary, or a secondary level)."""
import click
from flask.cli import with_appcontext

from portal import db as database
from portal.db import db

from .common import fail


@click.command("demo")
@click.option("--reset", is_flag=True, help="Xóa toàn bộ dữ liệu rồi tạo lại trường mẫu.")
@click.option("--level", type=click.Choice(["TH", "THCS", "THPT"]), default="TH", show_default=True,
              help="Cấp học của trường mẫu.")
@with_appcontext
def demo(reset, level):
    """Seed the demo school, primary by default (refuses a non-empty database without --reset)."""
    from portal.services import ServiceError
    from portal.services.demo.primary import reset_database, seed_demo
    from portal.services.demo.secondary import seed_secondary_demo

    if reset:
        reset_database()
    else:
        database.upgrade()
    try:
        with db.connection_context():
            school = seed_demo() if level == "TH" else seed_secondary_demo(level)
    except ServiceError as err:
        fail(err.message)
    click.echo(f"Đã tạo trường mẫu: {school.name}. Mật khẩu mọi tài khoản mẫu: demo1234")
