"""Level fills (điền nhanh): a bulk fill of the empty levels of a class, kept so it can be undone.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class Subject(Model):
        class Meta:
            database = db
            table_name = 'subject'

    class LevelFill(Model):
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        subject = ForeignKeyField(Subject, null=True, on_delete='CASCADE')
        checkpoint = CharField()
        level = CharField()
        cells = TextField(default='[]')
        created_at = DateTimeField()
        undone_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'level_fill'
    db.create_tables([LevelFill])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('level_fill'))
