"""The background worker: `python -m portal.worker` (systemd unit hocba-worker.service).

It runs in a process of its own, so a restart of the web server never cuts a job short:
- batch signing: it consumes the signing queue (portal/jobs.py) and signs each batch on every core
  (services/records/parallel.py). The signer's passphrase reaches it sealed to a key this process made at
  start and keeps in memory only (services/records/handover.py); killed or restarted, it can no longer open
  what was sealed to it, and the signer resumes the batch by entering the passphrase again;
- the scheduled jobs, on a queue of its own (`hocba-background`, in the same HUEY_FILE or Redis): the nightly
  backup (BACKUP_HOUR), archive-timestamp renewal (RENEW_HOUR), re-sending packages to the sector database
  every 15 minutes, and a heartbeat every minute that `flask --app portal doctor` reads. Crontabs are in the
  machine's local time (a school's server runs on Vietnam time), so the backup runs at night, not during
  lessons.

Without HOCBA_SEPARATE_WORKER (the demo, `make run`) wsgi.py runs both in threads of the web process instead
(`jobs.start_workers`, `start_in_process`).
"""
import logging
import sys

from huey import Huey, crontab

from .db import db

QUEUE = "hocba-background"
_consumer = None


def make_huey(app) -> Huey:
    """The background queue with its periodic tasks, each run in the app's context with a connection."""
    from .services.exchange import scheduled

    from .jobs import make_queue
    huey = make_queue(app, QUEUE, utc=False)  # SQLite (HUEY_FILE) or Redis (HUEY_REDIS_URL)
    log = logging.getLogger("hocba.worker")

    def in_app(job, name):
        def run():
            with app.app_context(), db.connection_context():
                result = job()
            if name != "heartbeat":
                log.info("%s: %s", name, result)
            return result
        run.__name__ = name
        return run

    schedule = {
        "heartbeat": (scheduled.beat, crontab(minute="*")),
        "nightly_backup": (scheduled.nightly_backup, crontab(hour=str(app.config["BACKUP_HOUR"]), minute="0")),
        "renew_timestamps": (scheduled.renew_timestamps, crontab(hour=str(app.config["RENEW_HOUR"]), minute="30")),
        "resend_packages": (scheduled.resend_packages, crontab(minute="*/15")),
    }
    for name, (job, when) in schedule.items():
        huey.periodic_task(when, name=name)(in_app(job, name))
    return huey


def start_in_process(app, workers: int = 1) -> None:
    """The demo: the same schedule in threads of the web process (signal handling stays the server's)."""
    global _consumer
    if _consumer is not None or app.config["HUEY_IMMEDIATE"]:
        return
    huey = make_huey(app)
    with app.app_context():
        from .services.exchange.scheduled import beat
        beat()
    _consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    _consumer.scheduler.start()
    for _, worker in _consumer.worker_threads:
        worker.start()


def main() -> None:
    from . import create_app
    from .db import SchemaTooNew

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")  # the journal adds the time
    try:
        app = create_app()
    except SchemaTooNew as err:
        sys.exit(str(err))
    huey = make_huey(app)
    with app.app_context():
        from .services.exchange.scheduled import beat
        beat()
    # SIGTERM (systemctl stop/restart) is graceful: the running task finishes, unless systemd's stop timeout
    # runs out first. Restarting by SIGHUP is not offered: huey re-executes sys.argv, which `-m` breaks.
    consumer = huey.create_consumer(workers=int(app.config["WORKER_THREADS"]), worker_type="thread",
                                    periodic=True, graceful_signal="TERM")
    from . import jobs
    jobs.start_workers()  # batch signing: one batch at a time, on every core
    logging.getLogger("hocba.worker").info("Tiến trình nền đã chạy: ký hàng loạt, sao lưu lúc %sh, gia hạn dấu thời gian "
                                           "lúc %sh30.", app.config["BACKUP_HOUR"], app.config["RENEW_HOUR"])
    try:
        consumer.run()
    finally:
        jobs.stop_workers()


if __name__ == "__main__":
    main()
