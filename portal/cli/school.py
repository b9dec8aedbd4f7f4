"""`flask pupils`: the school's people from the command line."""
import click
from flask.cli import with_appcontext

from portal.db import db

from .common import fail


@click.command("pupils")
@click.option("--class", "class_name", required=True, help="Tên lớp, ví dụ 1A.")
@with_appcontext
def pupils(class_name):
    """Print `mã học sinh<TAB>họ và tên` for a class of the current year, in on-screen order."""
    from portal.services.school.years import class_roster, find_class

    with db.connection_context():
        klass = find_class(class_name)
        if klass is None:
            fail(f"Không tìm thấy lớp {class_name} trong năm học hiện tại.")
        for pupil in class_roster(klass):
            click.echo(f"{pupil.code}\t{pupil.full_name}")
