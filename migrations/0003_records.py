"""Record versions: one pupil, one school year, one version of the học bạ.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class Pupil(Model):
        class Meta:
            database = db
            table_name = 'pupil'

    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class RecordVersion(Model):
        pupil = ForeignKeyField(Pupil, on_delete='RESTRICT')
        school_class = ForeignKeyField(SchoolClass, on_delete='RESTRICT')
        version = IntegerField(default=1)
        code = CharField(unique=True)
        status = CharField(index=True, default='draft')
        data_sha256 = CharField(default='')
        created_at = DateTimeField()
        issued_at = DateTimeField(null=True)
        superseded_by = ForeignKeyField('self', null=True, on_delete='SET NULL')
        correction_reason = TextField(default='')
        class Meta:
            database = db
            table_name = 'record_version'
            indexes = ((('pupil', 'school_class', 'version'), True),)
    db.create_tables([RecordVersion])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('record_version'))
