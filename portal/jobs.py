"""The batch-signing queue (huey: SQLite storage in HUEY_FILE, or Redis with HUEY_REDIS_URL).

A task carries a job's id and the signer's passphrase sealed to the key of each live signing worker
(services/records/handover.py), never the passphrase itself. Production: the worker process consumes this
queue (portal/worker.py, deploy/hocba-worker.service), so any of several web processes may start a batch and
restarting the web server leaves a running batch alone. The demo (`make run`, HOCBA_SEPARATE_WORKER unset) and
the tests' immediate mode: this very process signs, and registers its own key first.

The use case (services/records/batches.py `start_batch`) is handed `signing_queue` by its caller, so no service
imports this module.
"""
from huey import Huey, RedisHuey, SqliteHuey

from .db import db
from .models import SigningWorker
from .services import ServiceError
from .services.records import batches, handover

huey: Huey | None = None
_app = None
_task = None
_consumer = None
_beating = None
BOUNCE_S = 2  # a task taken by a worker its passphrase was not sealed to goes back for the right one…
BOUNCES = 150  # …for at most five minutes


def run_signing_job(job_id: int, sealed: dict, attempt: int = 0) -> None:
    """The queued task (huey names it after this function): open this worker's sealed copy and sign."""
    with _app.app_context(), db.connection_context():
        secret = handover.open_sealed(job_id, sealed)
        if secret is None and attempt < BOUNCES and handover.others_alive(sealed):
            _task.schedule(args=(job_id, sealed, attempt + 1), delay=BOUNCE_S)
            return
        batches.run_job(job_id, secret, worker=handover.this_worker())


def init_app(app) -> None:
    global huey, _app, _task
    _app = app
    huey = make_queue(app, "hocba")
    _task = huey.task()(run_signing_job)
    app.extensions["huey"] = huey


def make_queue(app, name: str, **options) -> Huey:
    """SQLite storage in HUEY_FILE, or Redis when HUEY_REDIS_URL is set (several machines). On Redis the
    signing queue is shared by every web process and worker of this portal, and each queue's name carries
    this portal's own tag: a district's Redis serves many schools' portals, and one school's worker must never
    take another school's batch or nightly backup."""
    cfg = app.config
    if cfg.get("HUEY_REDIS_URL"):
        name = f"{'hocba-signing' if name == 'hocba' else name}-{installation_tag(cfg)}"
        return RedisHuey(name, url=cfg["HUEY_REDIS_URL"], immediate=cfg["HUEY_IMMEDIATE"], **options)
    return SqliteHuey(name, filename=cfg["HUEY_FILE"], immediate=cfg["HUEY_IMMEDIATE"], **options)


def installation_tag(cfg) -> str:
    """HUEY_QUEUE_TAG, or a short digest of where this portal's database is (the URL without its password,
    or the SQLite file): the same for all of one portal's processes, different between portals."""
    if cfg.get("HUEY_QUEUE_TAG"):
        return str(cfg["HUEY_QUEUE_TAG"])
    import hashlib
    from urllib.parse import urlsplit

    where = cfg.get("DATABASE_URL") or ""
    if where:
        parts = urlsplit(where)
        where = parts._replace(netloc=parts.netloc.rpartition("@")[2] + "|" + (parts.username or "")).geturl()
    else:
        where = str(cfg.get("DATABASE"))
    return hashlib.sha256(where.encode()).hexdigest()[:12]


class SigningQueue:
    """What start_batch needs of the queue: that someone can sign now, and the job put on the queue."""

    @staticmethod
    def ready() -> None:
        if huey is not None and huey.immediate:
            handover.register()  # the caller runs the task itself
        elif not _app.config["SEPARATE_WORKER"]:
            start_workers()
        if not SigningWorker.live():
            raise ServiceError(handover.NO_WORKER)

    @staticmethod
    def put(job_id: int, secret: str) -> None:
        _task(job_id, handover.seal(job_id, secret))


signing_queue = SigningQueue()


def start_workers(workers: int = 1) -> None:
    """Consume the signing queue in threads of this process (the demo's web process; the worker process),
    after registering its key and beating; signal handling stays the caller's."""
    global _consumer, _beating
    if huey is None or huey.immediate or (_consumer is not None and _consumer.huey is huey):
        return
    _beating = handover.start_beating(_app)
    _consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    _consumer.scheduler.start()
    for _, worker in _consumer.worker_threads:
        worker.start()


def stop_workers() -> None:
    """A clean stop: waits for the running batch (a stop timeout that cuts it leaves every record at its
    previous or next step), then this process's key is forgotten."""
    global _consumer
    if _consumer is not None:
        if _beating is not None:  # first stop advertising: no new batch is sealed to a worker on its way out
            _beating.set()
        with _app.app_context(), db.connection_context():
            handover.unregister()
        _consumer.stop(graceful=True)
        _consumer = None
