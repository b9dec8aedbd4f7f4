"""THPT electives per pupil: a pupil of a class who does not learn one of the class's elective or optional
subjects (no row: every one of them, as before).

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

    class Subject(Model):
        class Meta:
            database = db
            table_name = 'subject'

    class ElectiveOptOut(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, on_delete='CASCADE')
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'elective_opt_out'
            indexes = ((('school_class', 'pupil', 'subject'), True),)
    db.create_tables([ElectiveOptOut])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('elective_opt_out'))
