"""Secondary evaluations (TT22): assessments per pupil × subject × semester, rèn luyện and absences;
periods a year and group per grade subject; subject codes unique within a level (multi-level schools).

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def _tables(db):
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

    class ScoreEntry(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, on_delete='CASCADE')
        term = CharField()
        slot = CharField()
        value = TextField(default='')
        makeup = CharField(default='')
        makeup_reason = TextField(default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'score_entry'
            indexes = ((('school_class', 'subject', 'term', 'pupil', 'slot'), True),)

    class TermConduct(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        term = CharField()
        conduct = CharField(default='')
        absences = IntegerField(null=True)
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'term_conduct'
            indexes = ((('school_class', 'term', 'pupil'), True),)

    return [ScoreEntry, TermConduct]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('grade_subject', 'periods', IntegerField(default=0)),
        migrator.add_column('grade_subject', 'group', CharField(default='')),
        migrator.drop_index('subject', 'subject_code'),
        migrator.add_index('subject', ('level', 'code'), True),
    )
    db.create_tables(_tables(db))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table('term_conduct'),
        migrator.drop_table('score_entry'),
        migrator.drop_index('subject', 'subject_level_code'),
        migrator.add_index('subject', ('code',), True),
        migrator.drop_column('grade_subject', 'group'),
        migrator.drop_column('grade_subject', 'periods'),
    )
