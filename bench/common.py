"""Shared set-up for benchmarks: a demo school in a temporary instance, a query counter, statistics."""
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from portal import create_app
from portal.db import db, upgrade


def demo_app(workdir: Path | None = None, database_url: str = ""):
    """A portal on a fresh SQLite file (or the PostgreSQL database at `database_url`) holding the demo school."""
    from portal.services.demo import seed_demo

    from portal.signing.responder import free_port

    workdir = workdir or Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "DATABASE": str(workdir / "bench.sqlite3"),
                      "DATABASE_URL": database_url, "SECRETS_DIR": str(workdir / "secrets"),
                      "WTF_CSRF_ENABLED": True, "TRUST_DIR": str(workdir / "trust"),
                      "RECORDS_DIR": str(workdir / "records"), "HUEY_FILE": str(workdir / "huey.sqlite3"),
                      "PUBLIC_BASE_URL": "https://hocba.example.edu.vn", "DEMO_PKI_DIR": str(workdir / "demo-pki"),
                      "DEMO_PKI_PORT": free_port()})
    upgrade()
    with app.app_context(), db.connection_context():
        seed_demo()
    return app


class QueryCounter:
    def __init__(self):
        self.count = 0
        self._orig = None

    def __enter__(self):
        self._orig = db.execute_sql

        def counting(sql, params=None, *a, **kw):
            self.count += 1
            return self._orig(sql, params, *a, **kw)

        db.execute_sql = counting
        return self

    def __exit__(self, *exc):
        db.execute_sql = self._orig


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, n={len(ms)}"


@contextmanager
def section(title):
    print(f"\n== {title}")
    yield
