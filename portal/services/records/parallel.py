"""Signing many records on every core: the batch split over worker processes.

pyHanko's signing is CPU-bound Python, so threads share one core; processes use them all. The workers
are spawned interpreters that build the app from the parent's settings once and then stay warm for the
next batch (a pool per process and settings, closed after SIGNING_POOL_IDLE_S idle seconds): starting
one costs seconds of imports and first-render work, which a school's dozens of class batches would
otherwise pay again each time. The passphrase travels with each batch's tasks over the pool's pipes: it
is never written to disk or to the job queue, and a worker keeps no reference to it after its share. A worker
signs its share with `sign_many` (each record claimed, signed, recorded one at a time), so a crash leaves
every record at its previous or next step and running the batch again finishes the rest; a record
another batch is signing is skipped by its claim. One batch uses a process's pool at a time; another
batch in the same process waits for it.
"""
import multiprocessing
import os
import pickle
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from portal.db import db, is_postgres
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


WORKER_CACHE_KB = 1000  # SQLite page cache of a worker's connection (the web's is 16 MB: it reads far more)
_APP = None  # in a pool worker: the app built from the parent's settings
_PROGRESS = None  # in a pool worker: the queue its results go to


def _init_worker(config: dict, queue) -> None:
    global _APP, _PROGRESS
    from portal import create_app

    _APP, _PROGRESS = create_app(config), queue


def _sign_share(token: str, user_id: int, record_ids: list[int], secret: str) -> int:
    """In a pool worker: sign its share, reporting each record on the progress queue, then a sentinel."""
    try:
        with _APP.app_context(), db.connection_context():
            if not is_postgres():  # a worker reads each record once: no need for a large page cache
                db.execute_sql(f"PRAGMA cache_size=-{WORKER_CACHE_KB}")
            user = User.get_by_id(user_id)
            records = [RecordVersion.get_by_id(i) for i in record_ids]

            def report(result: StepResult):
                _PROGRESS.put((token, Done(result.record.id, result.role, result.ok, result.message, os.getpid(),
                                           resident_mb())))

            sign_many(user, records, secret, progress=report, keep=False)  # no result held: memory stays flat
    finally:
        _PROGRESS.put((token, None))
    return len(record_ids)


class _Pool:
    def __init__(self, key: tuple, config: dict, workers: int):
        ctx = multiprocessing.get_context("spawn")
        self.key = key
        self.queue = ctx.Queue()
        self.executor = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                            initargs=(config, self.queue))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.queue.close()


_pool: _Pool | None = None
_pool_lock = threading.Lock()  # one batch at a time uses this process's pool
_idle_timer: threading.Timer | None = None


def _close_idle_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def shutdown_pool() -> None:
    """Stop this process's signing workers (at exit, or when a test is done with its settings)."""
    if _idle_timer is not None:
        _idle_timer.cancel()
    _close_idle_pool()


def _pool_for(config: dict, workers: int) -> _Pool:
    """The warm pool for these settings, a new one if they changed (called holding _pool_lock)."""
    global _pool
    key = (pickle.dumps(sorted(config.items())), workers)
    if _pool is not None and _pool.key != key:
        _pool.close()
        _pool = None
    if _pool is None:
        _pool = _Pool(key, config, workers)
    return _pool


def _arm_idle_timer(seconds: float) -> None:
    global _idle_timer
    if _idle_timer is not None:
        _idle_timer.cancel()
    _idle_timer = threading.Timer(seconds, _close_idle_pool)
    _idle_timer.daemon = True
    _idle_timer.start()


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
    global _pool
    config = _portable_config(app_config())
    idle_s = float(app_config().get("SIGNING_POOL_IDLE_S", 300))
    out = []
    with _pool_lock:
        if _idle_timer is not None:
            _idle_timer.cancel()
        pool = _pool_for(config, workers)
        token = uuid.uuid4().hex
        futures = [pool.executor.submit(_sign_share, token, user.id, [r.id for r in share], secret)
                   for share in (records[i::workers] for i in range(workers))]
        finished = 0
        while finished < len(futures):
            try:
                got, item = pool.queue.get(timeout=1)
            except Exception:  # queue.Empty: every task over yet some sentinel missing means a worker died
                if all(f.done() for f in futures):
                    break
                continue
            if got != token:  # left over from a batch whose worker died
                continue
            if item is None:
                finished += 1
                continue
            out.append(item)
            if progress:
                progress(item)
        broken = any(isinstance(f.exception(), BrokenProcessPool) for f in futures if f.done())
        if broken:  # a worker was killed: the next batch gets fresh processes
            pool.executor.shutdown(wait=False, cancel_futures=True)
            _pool = None
        elif _pool is not None:
            _arm_idle_timer(idle_s)
    return out
