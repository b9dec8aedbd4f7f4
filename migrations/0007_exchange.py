"""Package submissions to the sector database and backup runs.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class BackupRun(Model):
        path = CharField()
        size = IntegerField(default=0)
        encrypted = IntegerField(default=0)
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'backup_run'
    db.create_tables([BackupRun])

    class PackageSubmission(Model):
        school_class = ForeignKeyField(SchoolClass, null=True, on_delete='SET NULL')
        wave = IntegerField(default=1)
        path = CharField()
        sha256 = CharField(index=True)
        status = CharField(default='prepared')
        remote_id = CharField(default='')
        reason = TextField(default='')
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'package_submission'
    db.create_tables([PackageSubmission])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('package_submission'))
    migrator.migrate(migrator.drop_table('backup_run'))
