"""The homeroom teacher's year lines of a secondary record (TT22 annex): comment, certificates,
competition results, per pupil and class.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Pupil(Model):
        class Meta:
            database = db
            table_name = 'pupil'

    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class YearRemark(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        homeroom_comment = TextField(default='')
        certificates = TextField(default='')
        competitions = TextField(default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'year_remark'
            indexes = ((('school_class', 'pupil'), True),)
    db.create_tables([YearRemark])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('year_remark'))
