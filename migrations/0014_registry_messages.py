"""Messages to the sector database: create (NEW / UPDATE) and revoke (CANCEL) per record version.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class RecordVersion(Model):
        class Meta:
            database = db
            table_name = 'record_version'

    class RegistryMessage(Model):
        record = ForeignKeyField(RecordVersion, on_delete='RESTRICT')
        kind = CharField()
        event = CharField()
        record_ident = CharField()
        version = IntegerField()
        key = CharField(unique=True)
        state = CharField(default='pending', index=True)
        remote_status = CharField(default='')
        remote_id = CharField(default='')
        reason = TextField(default='')
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'registry_message'
    db.create_tables([RegistryMessage])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('registry_message'))
