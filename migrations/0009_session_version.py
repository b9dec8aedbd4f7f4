"""A per-user session version: logging out, changing or resetting a password bumps it, and every session
cookie issued before no longer opens a session.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('user', 'session_version', IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('user', 'session_version'))
