"""Trust: who may sign (identity numbers, the registered seal, vice-principals' authorisations),
long-term validation bookkeeping, and records claimed by a signing step.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class SigningAuthorisation(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        granted_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        starts_on = DateField()
        ends_on = DateField()
        reason = TextField(default='')
        revoked_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'signing_authorisation'
    db.create_tables([SigningAuthorisation])

    migrator.migrate(
        migrator.add_column('school', 'tax_code', CharField(default='')),
        migrator.add_column('school', 'seal_cert_sha256', CharField(default='')),
        migrator.add_column('staff', 'national_id', CharField(default='')),
        migrator.add_column('certificate', 'sha256', CharField(default='')),
        migrator.add_column('certificate', 'kind', CharField(default='personal')),
        migrator.add_column('certificate', 'id_number', CharField(default='')),
        migrator.add_column('record_version', 'ltv_level', CharField(default='')),
        migrator.add_column('record_version', 'ltv_renew_by', DateTimeField(null=True)),
        migrator.add_column('record_version', 'claimed_by', CharField(default='')),
        migrator.add_column('record_version', 'claimed_at', DateTimeField(null=True)),
        migrator.add_column('signing_job', 'heartbeat_at', DateTimeField(null=True)),
        migrator.add_column('signing_job', 'worker_pid', IntegerField(default=0)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('signing_job', 'worker_pid'),
        migrator.drop_column('signing_job', 'heartbeat_at'),
        migrator.drop_column('record_version', 'claimed_at'),
        migrator.drop_column('record_version', 'claimed_by'),
        migrator.drop_column('record_version', 'ltv_renew_by'),
        migrator.drop_column('record_version', 'ltv_level'),
        migrator.drop_column('certificate', 'id_number'),
        migrator.drop_column('certificate', 'kind'),
        migrator.drop_column('certificate', 'sha256'),
        migrator.drop_column('staff', 'national_id'),
        migrator.drop_column('school', 'seal_cert_sha256'),
        migrator.drop_column('school', 'tax_code'),
    )
    migrator.migrate(migrator.drop_table('signing_authorisation'))
