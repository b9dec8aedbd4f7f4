"""Access codes for parents and pupils.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class Pupil(Model):
        class Meta:
            database = db
            table_name = 'pupil'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class AccessCode(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        code_hash = CharField(unique=True)
        hint = CharField(default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'access_code'
    db.create_tables([AccessCode])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_code'))
