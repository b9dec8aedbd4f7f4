"""Signing: certificates, record signatures, batch jobs; record versions get their frozen data and file.

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

    class Certificate(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        purpose = CharField(default='personal')
        backend = CharField(default='pkcs12')
        subject = CharField()
        issuer = CharField()
        serial = CharField()
        organisation = CharField(default='')
        not_before = DateTimeField()
        not_after = DateTimeField()
        cert_pem = TextField()
        chain_pem = TextField(default='')
        key_pem_encrypted = TextField(default='')
        backend_config = TextField(default='{}')
        is_active = BooleanField(default=True)
        uploaded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'certificate'
    db.create_tables([Certificate])

    class RecordSignature(Model):
        record = ForeignKeyField(RecordVersion, on_delete='RESTRICT')
        role = CharField()
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        certificate = ForeignKeyField(Certificate, null=True, on_delete='SET NULL')
        signer_name = CharField()
        signer_title = CharField(default='')
        signed_at = DateTimeField()
        pdf_sha256 = CharField(default='')
        class Meta:
            database = db
            table_name = 'record_signature'
            indexes = ((('record', 'role'), True),)
    db.create_tables([RecordSignature])

    class SigningJob(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = CharField()
        scope = CharField()
        wave = IntegerField(default=1)
        total = IntegerField(default=0)
        done = IntegerField(default=0)
        failed = IntegerField(default=0)
        status = CharField(default='queued')
        record_ids = TextField(default='[]')
        errors = TextField(default='[]')
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'signing_job'
    db.create_tables([SigningJob])

    migrator.migrate(migrator.add_column('record_version', 'data_json', TextField(default='')))
    migrator.migrate(migrator.add_column('record_version', 'pdf_path', CharField(default='')))
    migrator.migrate(migrator.add_column('record_version', 'step', IntegerField(default=0)))
    migrator.migrate(migrator.add_column('record_version', 'wave', IntegerField(default=1)))
    migrator.migrate(migrator.add_column('record_version', 'frozen_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('record_version', 'frozen_at'))
    migrator.migrate(migrator.drop_column('record_version', 'wave'))
    migrator.migrate(migrator.drop_column('record_version', 'step'))
    migrator.migrate(migrator.drop_column('record_version', 'pdf_path'))
    migrator.migrate(migrator.drop_column('record_version', 'data_json'))
    migrator.migrate(migrator.drop_table('signing_job'))
    migrator.migrate(migrator.drop_table('record_signature'))
    migrator.migrate(migrator.drop_table('certificate'))
