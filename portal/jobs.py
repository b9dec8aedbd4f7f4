"""Background jobs (huey, SQLite storage in the instance folder): batch signing.

The queue calls the use cases (services/records/batches.py `run_job`, the nightly backup, timestamp
renewal); a use case that starts work in the background is handed `enqueue` by its caller, so no service
imports this module.

The passphrase is never written to huey's storage: the task carries only the job id, and the secret
waits in this process's memory (`vault`) for the worker threads, which run inside the web process.
If the process stops mid-batch the secret is gone with it; each record is then at its previous step
or its next one, and the signer resumes the batch by entering the passphrase again.
"""
import threading
import time

from huey import Huey, RedisHuey, SqliteHuey

from .db import db
from .services.exchange.backup import scheduled_backup
from .services.records import batches
from .services.records.timestamps import renew_due

huey: Huey | None = None
_vault: dict[int, tuple[str, float]] = {}
_vault_lock = threading.Lock()
VAULT_TTL_S = 3600
_app = None


def put_secret(job_id: int, secret: str) -> None:
    with _vault_lock:
        _vault[job_id] = (secret, time.monotonic() + VAULT_TTL_S)


def take_secret(job_id: int) -> str | None:
    with _vault_lock:
        secret, expiry = _vault.pop(job_id, (None, 0))
    return secret if secret is not None and time.monotonic() < expiry else None


def run_signing_job(job_id: int) -> None:
    """The queued task (huey names it after this function): the batch, with the secret from the vault."""
    with _app.app_context(), db.connection_context():
        batches.run_job(job_id, take_secret(job_id))


def daily_backup() -> None:
    with _app.app_context(), db.connection_context():
        scheduled_backup()


def renew_timestamps() -> None:
    """Nightly: renew the archive timestamp of issued records whose TSA certificate expires soon."""
    with _app.app_context(), db.connection_context():
        renew_due()


def init_app(app) -> None:
    global huey, _app, _task
    from huey import crontab

    _app = app
    huey = make_queue(app, "hocba")
    _task = huey.task()(run_signing_job)
    huey.periodic_task(crontab(hour=str(app.config["BACKUP_HOUR"]), minute="0"))(daily_backup)
    huey.periodic_task(crontab(hour=str(app.config["BACKUP_HOUR"]), minute="30"))(renew_timestamps)
    app.extensions["huey"] = huey


_task = None
_consumer = None


def make_queue(app, name: str, **options) -> Huey:
    """SQLite storage in HUEY_FILE, or Redis when HUEY_REDIS_URL is set (several machines).

    On Redis the signing queue is this process's own (host and pid in its name): the passphrase waits in
    this process's memory, so no other web process may take its batches."""
    cfg = app.config
    if cfg.get("HUEY_REDIS_URL"):
        if name == "hocba":
            import os
            import socket
            name = f"hocba-signing-{socket.gethostname()}-{os.getpid()}"
        return RedisHuey(name, url=cfg["HUEY_REDIS_URL"], immediate=cfg["HUEY_IMMEDIATE"], **options)
    return SqliteHuey(name, filename=cfg["HUEY_FILE"], immediate=cfg["HUEY_IMMEDIATE"], **options)


def enqueue(job_id: int, secret: str) -> None:
    put_secret(job_id, secret)
    start_workers()
    _task(job_id)


def start_workers(workers: int = 1, periodic: bool = False) -> None:
    """Worker threads inside this process (the vault is in memory); signal handling stays the server's.
    The served app (wsgi.py) starts them with the periodic scheduler for the daily backup."""
    global _consumer
    if huey is None or huey.immediate or (_consumer is not None and _consumer.huey is huey):
        return
    _consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)
    _consumer.scheduler.start()
    for _, worker in _consumer.worker_threads:
        worker.start()
