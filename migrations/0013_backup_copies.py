"""Backups copied off the machine: when, where and whether the copy of each backup succeeded."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('backup_run', 'copied_at', DateTimeField(null=True)),
        migrator.add_column('backup_run', 'copy_target', CharField(default='')),
        migrator.add_column('backup_run', 'copy_error', TextField(default='')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('backup_run', 'copy_error'),
        migrator.drop_column('backup_run', 'copy_target'),
        migrator.drop_column('backup_run', 'copied_at'),
    )
