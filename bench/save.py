"""One cell save with 20 concurrent writers on SQLite, against the production server (waitress).

Aim (issue 3): median ≤ 15 ms and zero "database is locked" errors. Writers are paced like fast
teachers (one save every 200 ms each, 100 saves/s together — far above a real school); a saturated
run without pauses is printed too, for its throughput. Floor: the same server's bare /healthz with the
same writers and pacing.
"""
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from portal.db import db
from portal.models import SchoolClass, Subject, User

from .common import demo_app, section, summary

WRITERS = 20
SAVES_PER_WRITER = 40
PACE_S = 0.5  # each writer saves twice a second on average: a teacher racing through a grid
STRESS_PACE_S = 0.2
AIM_MS = 15


class Session:
    """One writer's browser: a kept-alive HTTP/1.1 connection and its session cookie."""

    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.cookies = {}
        self.token = None

    def _request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read().decode()
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, data

    def get(self, path):
        return self._request("GET", path)

    def post(self, path, data, headers=None):
        # bytes, not str: http.client then sends headers and body in one segment (no Nagle delay)
        return self._request("POST", path, urllib.parse.urlencode(data).encode(), headers)

    def login(self, username):
        _, page = self.get("/login")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.post("/login", {"username": username, "password": "demo1234", "csrf_token": self.token})
        _, page = self.get("/")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, log_path: Path):
    port = free_port()
    env = {**os.environ, "HOCBA_DATABASE": str(db_path), "HOCBA_SECRET_KEY": "bench"}
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8",
                             "--call", "portal:create_app"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def plan():
    """For each writer: a homeroom account and the cells of its own class (pupil, subject)."""
    out = []
    with db.connection_context():
        classes = list(SchoolClass.select().order_by(SchoolClass.name))
        tv = Subject.get(Subject.code == "TV")
        for i in range(WRITERS):
            klass = classes[i % len(classes)]
            username = User.get(User.staff == klass.homeroom_id).username
            pupils = [e.pupil_id for e in klass.enrolments]
            out.append((username, klass.id, tv.id, pupils))
    return out


def writer(base, spec, results, errors, pace, bare):
    username, class_id, subject_id, pupils = spec
    s = Session(base)
    s.login(username)
    rng = random.Random(class_id)
    levels = "THC"
    barrier.wait(timeout=120)
    if pace:  # writers are independent people: spread their starts, jitter their pace
        time.sleep(rng.uniform(0, pace))
    for i in range(SAVES_PER_WRITER):
        start = time.perf_counter()
        if bare:
            status, body = s.get("/healthz")
        else:
            pupil = rng.choice(pupils)
            status, body = s.post(f"/danh-gia/o/{class_id}/{pupil}/GK2/s{subject_id}/level",
                                  {"value": levels[i % 3], "csrf_token": s.token},
                                  {"HX-Request": "true", "HX-Request-Type": "partial"})
        elapsed = (time.perf_counter() - start) * 1000
        results.append(elapsed)
        if status != 200 or "database is locked" in body:
            errors.append((status, body[:200]))
        if pace:
            time.sleep(max(0.0, rng.uniform(0.5, 1.5) * pace - elapsed / 1000))


def run_writers(base, specs, pace, bare=False):
    global barrier
    barrier = threading.Barrier(len(specs))
    results, errors = [], []
    threads = [threading.Thread(target=writer, args=(base, spec, results, errors, pace, bare)) for spec in specs]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors, time.perf_counter() - t0


def run():
    work = Path(tempfile.mkdtemp(prefix="hocba-bench-save-"))
    demo_app(work)
    specs = plan()
    db.close()
    proc, base = start_server(work / "bench.sqlite3", work / "server.log")
    try:
        with section(f"Cell save: {WRITERS} concurrent writers × {SAVES_PER_WRITER} saves, one every {PACE_S * 1000:.0f} ms each (waitress, SQLite WAL)"):
            saves, errors, _ = run_writers(base, specs, PACE_S)
            floor, floor_errors, _ = run_writers(base, specs, PACE_S, bare=True)
            print(f"save:  {summary(saves)}   (aim ≤ {AIM_MS} ms)")
            print(f"floor: {summary(floor)}   (bare /healthz, same writers and pacing)")
            locked = sum(1 for _, body in errors if "locked" in body)
            print(f"errors: {len(errors)} (database is locked: {locked}); floor errors: {len(floor_errors)}")
        with section(f"Stress: the same writers saving every {STRESS_PACE_S * 1000:.0f} ms each"):
            stress, stress_errors, _ = run_writers(base, specs, STRESS_PACE_S)
            print(f"save:  {summary(stress)}; errors {len(stress_errors)}")
        with section(f"Saturated: {WRITERS} writers without pauses"):
            saves2, errors2, wall = run_writers(base, specs, 0)
            print(f"save:  {summary(saves2)}; throughput {len(saves2) / wall:.0f} saves/s; errors {len(errors2)}")
        log = (work / "server.log").read_text()
        print(f'server log lines mentioning "database is locked": {log.count("database is locked")}')
        return statistics.median(saves)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


barrier = None

if __name__ == "__main__":
    run()
