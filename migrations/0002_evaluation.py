"""Evaluations: subject and quality results, year results, locks, change requests, history, comment bank.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class Grade(Model):
        class Meta:
            database = db
            table_name = 'grade'

    class Pupil(Model):
        class Meta:
            database = db
            table_name = 'pupil'

    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class SchoolYear(Model):
        class Meta:
            database = db
            table_name = 'school_year'

    class Subject(Model):
        class Meta:
            database = db
            table_name = 'subject'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ChangeRequest(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, null=True, on_delete='CASCADE')
        quality = CharField(default='')
        checkpoint = CharField()
        field = CharField()
        old_value = TextField(default='')
        new_value = TextField(default='')
        reason = TextField()
        requested_by = ForeignKeyField(User, on_delete='CASCADE')
        requested_at = DateTimeField()
        status = CharField(index=True, default='pending')
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        decision_note = TextField(default='')
        class Meta:
            database = db
            table_name = 'change_request'
    db.create_tables([ChangeRequest])

    class CommentTemplate(Model):
        subject = ForeignKeyField(Subject, null=True, on_delete='CASCADE')
        quality_group = CharField(default='')
        level = CharField(default='')
        text = TextField()
        owner = ForeignKeyField(User, null=True, on_delete='CASCADE')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'comment_template'
    db.create_tables([CommentTemplate])

    class EvaluationChange(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, null=True, on_delete='CASCADE')
        quality = CharField(default='')
        checkpoint = CharField()
        field = CharField()
        old_value = TextField(default='')
        new_value = TextField(default='')
        reason = TextField(default='')
        changed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        changed_at = DateTimeField(index=True)
        request = ForeignKeyField(ChangeRequest, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'evaluation_change'
    db.create_tables([EvaluationChange])

    class EvaluationLock(Model):
        year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        checkpoint = CharField()
        grade = ForeignKeyField(Grade, null=True, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, null=True, on_delete='CASCADE')
        locked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        locked_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'evaluation_lock'
    db.create_tables([EvaluationLock])

    class QualityResult(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        quality = CharField()
        checkpoint = CharField()
        level = CharField(default='')
        comment = TextField(default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'quality_result'
            indexes = ((('school_class', 'checkpoint', 'pupil', 'quality'), True),)
    db.create_tables([QualityResult])

    class SubjectResult(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, on_delete='CASCADE')
        checkpoint = CharField()
        level = CharField(default='')
        score = IntegerField(null=True)
        comment = TextField(default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'subject_result'
            indexes = ((('school_class', 'subject', 'checkpoint', 'pupil'), True),)
    db.create_tables([SubjectResult])

    class YearResult(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        outcome = CharField(default='')
        awards = TextField(default='')
        supplementary_outcome = CharField(default='')
        decision = CharField(default='')
        decision_note = TextField(default='')
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'year_result'
            indexes = ((('pupil', 'school_class'), True),)
    db.create_tables([YearResult])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('year_result'))
    migrator.migrate(migrator.drop_table('subject_result'))
    migrator.migrate(migrator.drop_table('quality_result'))
    migrator.migrate(migrator.drop_table('evaluation_lock'))
    migrator.migrate(migrator.drop_table('evaluation_change'))
    migrator.migrate(migrator.drop_table('comment_template'))
    migrator.migrate(migrator.drop_table('change_request'))
