"""Flask CLI: `flask --app portal <command>`, one module per feature, registered here in one place.

The command names, options and outputs are a contract (README, deploy/, the Makefile, schools' scripts):
- database: `db upgrade|status|downgrade`
- deploy: `setup`, `doctor`
- demo: `demo`
- school: `pupils`
- records: `render`, `sign`, `issued`, `verify` (`verify` runs in the light offline build, see create_app)
- exchange: `package`, `messages`, `backup`, `backup-copy`, `restore`, `transfer-export`, `transfer-import`
- audit: `audit verify`

Commands import their services inside the function: `flask verify` and `flask --help` must not load the
PDF renderer or the job queue.
"""
from . import audit, database, demo, deploy, exchange, records, school

COMMANDS = (
    database.db_group, deploy.setup, deploy.doctor, exchange.messages, demo.demo, records.render, records.sign,
    records.issued, records.verify, audit.audit_group, exchange.package, exchange.backup, exchange.backup_copy,
    exchange.restore, exchange.transfer_export, exchange.transfer_import, school.pupils,
)


def register_cli(app):
    for command in COMMANDS:
        app.cli.add_command(command)
