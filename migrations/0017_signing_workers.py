"""Signing workers: each process that signs batches registers the public half of a key made at its start, so
a batch's passphrase can be sealed to it (never written in clear to the queue); a job names its worker.

Frozen inline models: this file never imports the application's models.
"""
from peewee import *


def up(migrator, db):
    class SigningWorker(Model):
        name = CharField(unique=True)
        public_key = CharField()
        started_at = DateTimeField()
        beat_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'signing_worker'
    db.create_tables([SigningWorker])
    migrator.migrate(migrator.add_column('signing_job', 'worker', CharField(default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('signing_job', 'worker'), migrator.drop_table('signing_worker'))
