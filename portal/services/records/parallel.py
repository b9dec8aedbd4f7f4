"""Signing many records on every core: the batch split over worker processes.

pyHanko's signing is CPU-bound Python, so threads share one core; processes use them all. Each worker
is a fresh (spawned) interpreter that builds the app from the parent's settings and receives the
passphrase over a pipe: it is never written to disk or to the job queue. A worker signs its share
with `sign_many` (each record claimed, signed, recorded one at a time), so a crash leaves every record
at its previous or next step and running the batch again finishes the rest; a record another batch is
signing is skipped by its claim.
"""
import multiprocessing
import os
import pickle
from dataclasses import dataclass

from portal.db import db
from portal.models import RecordVersion, User
from portal.services.appconfig import app_config
from portal.services.records.chain import StepResult, sign_many


@dataclass
class Done:
    record_id: int
    role: str
    ok: bool
    message: str
    pid: int = 0  # the process that signed it
    rss_mb: float = 0.0  # that process's resident memory right after it


def resident_mb() -> float:
    """This process's resident set size now (Linux /proc), in MB; 0 where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


def default_workers() -> int:
    return max(1, int(app_config().get("SIGNING_WORKERS") or os.cpu_count() or 1))


def _portable_config(config) -> dict:
    out = {}
    for key, value in config.items():
        try:
            pickle.dumps(value)
        except Exception:  # in-process objects (a test's timestamper): the worker uses its own defaults
            continue
        out[key] = value
    return out


def _worker(config: dict, conn, user_id: int, record_ids: list[int], queue) -> None:
    from portal import create_app

    secret = conn.recv()  # over the pipe, never in argv, the environment or a file
    conn.close()
    app = create_app(config)
    with app.app_context(), db.connection_context():
        user = User.get_by_id(user_id)
        records = [RecordVersion.get_by_id(i) for i in record_ids]

        def report(result: StepResult):
            queue.put(Done(result.record.id, result.role, result.ok, result.message, os.getpid(), resident_mb()))

        sign_many(user, records, secret, progress=report)
    queue.put(None)


def sign_parallel(user: User, records: list[RecordVersion], secret: str, workers: int | None = None,
                  progress=None) -> list[Done]:
    """Sign `records` (the user's pending step) on `workers` processes; `progress(Done)` after each."""
    workers = min(workers or default_workers(), len(records))
    if workers <= 1:
        out = []

        def local(result: StepResult):
            done = Done(result.record.id, result.role, result.ok, result.message, os.getpid())
            out.append(done)
            if progress:
                progress(done)

        sign_many(user, records, secret, progress=local)
        return out
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    config = _portable_config(app_config())
    procs = []
    for share in (records[i::workers] for i in range(workers)):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(config, child, user.id, [r.id for r in share], queue), daemon=True)
        proc.start()
        child.close()
        parent.send(secret)
        parent.close()
        procs.append(proc)
    out, running = [], len(procs)
    while running:
        try:
            item = queue.get(timeout=5)
        except Exception:  # queue.Empty: is anyone still alive?
            if not any(p.is_alive() for p in procs):
                break
            continue
        if item is None:
            running -= 1
            continue
        out.append(item)
        if progress:
            progress(item)
    for proc in procs:
        proc.join(timeout=10)
    return out
