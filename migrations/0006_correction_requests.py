"""Correction requests for issued records.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class RecordVersion(Model):
        class Meta:
            database = db
            table_name = 'record_version'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class CorrectionRequest(Model):
        record = ForeignKeyField(RecordVersion, on_delete='RESTRICT')
        requested_by = ForeignKeyField(User, on_delete='RESTRICT')
        what = TextField()
        reason = TextField()
        evidence = TextField(default='')
        status = CharField(index=True, default='pending')
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        decision_note = TextField(default='')
        new_version = ForeignKeyField(RecordVersion, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'correction_request'
    db.create_tables([CorrectionRequest])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('correction_request'))
