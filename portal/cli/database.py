"""`flask db upgrade|status|downgrade`: the database schema (migrations)."""
import sys

import click
from flask.cli import AppGroup

from portal import db as database
from portal.db import db

from .common import upgrade_or_exit

db_group = AppGroup("db", help="Lược đồ cơ sở dữ liệu (migrations).")


@db_group.command("upgrade")
def db_upgrade():
    """Apply every pending migration (all or none: a failure leaves the database as it was)."""
    from portal.services.system.audit import seal_if_needed

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
