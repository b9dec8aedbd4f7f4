"""Initial schema: school, years and calendar, curriculum, people, enrolment, accounts, audit.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class Staff(Model):
        code = CharField(unique=True)
        full_name = CharField()
        gender = IntegerField(default=0)
        born_on = DateField(null=True)
        title = CharField(default='Giáo viên')
        phone = CharField(default='')
        email = CharField(default='')
        is_active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'staff'
    db.create_tables([Staff])

    class User(Model):
        username = CharField(unique=True)
        password_hash = CharField()
        staff = ForeignKeyField(Staff, unique=True, null=True, on_delete='SET NULL')
        display_name = CharField(default='')
        is_active = BooleanField(default=True)
        must_change_password = BooleanField(default=False)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        password_changed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class AuditEntry(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        username = CharField(default='')
        action = CharField(index=True)
        object_type = CharField(default='')
        object_id = CharField(default='')
        summary = TextField(default='')
        data = TextField(default='{}')
        ip = CharField(default='')
        prev_hash = CharField(default='')
        hash = CharField(unique=True)
        class Meta:
            database = db
            table_name = 'audit_entry'
    db.create_tables([AuditEntry])

    class School(Model):
        name = CharField()
        code = CharField(unique=True)
        level = CharField(default='TH')
        department = CharField(default='')
        authority = CharField(default='')
        province = CharField(default='')
        place_of_issue = CharField(default='')
        address = CharField(default='')
        phone = CharField(default='')
        email = CharField(default='')
        homeroom_enters_all_subjects = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'school'
    db.create_tables([School])

    class SchoolYear(Model):
        school = ForeignKeyField(School, on_delete='CASCADE')
        name = CharField(unique=True)
        starts_on = DateField()
        ends_on = DateField()
        is_current = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'school_year'
    db.create_tables([SchoolYear])

    class CalendarDate(Model):
        year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        kind = CharField()
        on = DateField()
        grade = IntegerField(null=True)
        note = CharField(default='')
        class Meta:
            database = db
            table_name = 'calendar_date'
            indexes = ((('year', 'kind', 'grade'), True),)
    db.create_tables([CalendarDate])

    class Pupil(Model):
        code = CharField(unique=True)
        full_name = CharField()
        gender = IntegerField()
        born_on = DateField()
        ethnicity = CharField(default='Kinh')
        nationality = CharField(default='Việt Nam')
        birthplace = CharField(default='')
        hometown = CharField(default='')
        address = CharField(default='')
        father_name = CharField(default='')
        mother_name = CharField(default='')
        guardian_name = CharField(default='')
        national_id = CharField(unique=True, null=True)
        registry_number = CharField(default='')
        review_note = TextField(default='')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'pupil'
    db.create_tables([Pupil])

    class Grade(Model):
        number = IntegerField(unique=True)
        level = CharField()
        class Meta:
            database = db
            table_name = 'grade'
    db.create_tables([Grade])

    class SchoolClass(Model):
        year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        grade = ForeignKeyField(Grade)
        name = CharField()
        homeroom = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'school_class'
            indexes = ((('year', 'name'), True),)
    db.create_tables([SchoolClass])

    class Enrolment(Model):
        pupil = ForeignKeyField(Pupil, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, null=True, on_delete='RESTRICT')
        year_name = CharField()
        class_name = CharField()
        school_name = CharField()
        registry_number = CharField(default='')
        entered_on = DateField(null=True)
        left_on = DateField(null=True)
        status = CharField(default='active')
        order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'enrolment'
            indexes = ((('pupil', 'school_class'), True),)
    db.create_tables([Enrolment])

    class Subject(Model):
        code = CharField(unique=True)
        name = CharField()
        level = CharField(default='TH')
        kind = CharField(default='subject')
        assessment = CharField(default='level')
        ministry_code = CharField(default='')
        sort_order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'subject'
    db.create_tables([Subject])

    class GradeSubject(Model):
        grade = ForeignKeyField(Grade, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, on_delete='CASCADE')
        is_optional = BooleanField(default=False)
        tested_at = CharField(default='')
        class Meta:
            database = db
            table_name = 'grade_subject'
            indexes = ((('grade', 'subject'), True),)
    db.create_tables([GradeSubject])

    class LoginAttempt(Model):
        username = CharField(index=True)
        ip = CharField(index=True)
        at = DateTimeField(index=True)
        succeeded = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'login_attempt'
    db.create_tables([LoginAttempt])

    class TeachingAssignment(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'teaching_assignment'
            indexes = ((('staff', 'school_class', 'subject'), True),)
    db.create_tables([TeachingAssignment])

    class Term(Model):
        year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        number = IntegerField()
        starts_on = DateField()
        ends_on = DateField()
        class Meta:
            database = db
            table_name = 'term'
            indexes = ((('year', 'number'), True),)
    db.create_tables([Term])

    class UserRole(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = CharField()
        can_sign = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'user_role'
            indexes = ((('user', 'role'), True),)
    db.create_tables([UserRole])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user_role'))
    migrator.migrate(migrator.drop_table('term'))
    migrator.migrate(migrator.drop_table('teaching_assignment'))
    migrator.migrate(migrator.drop_table('login_attempt'))
    migrator.migrate(migrator.drop_table('grade_subject'))
    migrator.migrate(migrator.drop_table('subject'))
    migrator.migrate(migrator.drop_table('enrolment'))
    migrator.migrate(migrator.drop_table('school_class'))
    migrator.migrate(migrator.drop_table('grade'))
    migrator.migrate(migrator.drop_table('pupil'))
    migrator.migrate(migrator.drop_table('calendar_date'))
    migrator.migrate(migrator.drop_table('school_year'))
    migrator.migrate(migrator.drop_table('school'))
    migrator.migrate(migrator.drop_table('audit_entry'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('staff'))
