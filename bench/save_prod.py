"""Cell save with 30 concurrent writers against the production set-up (issue 13): Debian's Caddy terminating
HTTPS (its internal CA, as deploy/Caddyfile.lan) in front of two waitress web processes, on SQLite (WAL) and on
a real PostgreSQL started in a temporary folder.

Aim: median ≤ 15 ms and 0 errors on both databases. Writers are separate keep-alive HTTPS clients, each a
homeroom teacher saving a cell of their own class about twice a second (jittered). Floor: the same writers
and pacing asking the proxy for the bare /healthz.

    .venv/bin/python -m bench save_prod
"""
import http.client
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from portal.db import db

from . import save
from .common import demo_app, section, summary

WRITERS = 30
WEB_PROCESSES = 2
AIM_MS = 15


class TlsSession(save.Session):
    """A writer's phone: one kept-alive HTTPS connection through the proxy."""

    def __init__(self, base):
        port = int(base.rsplit(":", 1)[1])
        ctx = ssl.create_default_context(cafile=os.environ["BENCH_CADDY_ROOT"])
        ctx.check_hostname = False  # the certificate is for 127.0.0.1; verified against Caddy's root all the same
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=ctx)
        self.cookies, self.token = {}, None


def _server_env(app, work: Path) -> dict:
    env = {**os.environ, "HOCBA_SECRET_KEY": "bench", "HOCBA_TRUSTED_PROXIES": "1",
           "HOCBA_INSTANCE_PATH": str(work / "instance"), "HOCBA_ALLOW_LOOPBACK_PUBLIC_URL": "true"}
    for key in ("DATABASE", "DATABASE_URL", "TRUST_DIR", "RECORDS_DIR", "HUEY_FILE", "SECRETS_DIR",
                "AUDIT_ANCHOR_FILE", "PUBLIC_BASE_URL"):
        if app.config.get(key):
            env[f"HOCBA_{key}"] = str(app.config[key])
    return env


def _start_web(env: dict, work: Path) -> tuple[list, list[int]]:
    procs, ports = [], []
    for i in range(WEB_PROCESSES):
        port = save.free_port()
        log = open(work / f"web{i}.log", "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
                                       "--threads=8", "--call", "portal:create_app"],
                                      env=env, stdout=log, stderr=subprocess.STDOUT))
        ports.append(port)
    for port in ports:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"web process on {port} did not start; see {work}")
    return procs, ports


def _start_caddy(ports: list[int], work: Path) -> tuple[subprocess.Popen, str]:
    https_port, http_port = save.free_port(), save.free_port()
    storage = work / "caddy"
    upstreams = " ".join(f"127.0.0.1:{p}" for p in ports)
    (work / "Caddyfile").write_text(
        "{\n\tadmin off\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n"
        f"\thttp_port {http_port}\n\thttps_port {https_port}\n\tstorage file_system {{\n\t\troot {storage}\n\t}}\n}}\n"
        f"127.0.0.1 {{\n\ttls internal\n\tencode zstd gzip\n\theader -Server\n"
        f"\treverse_proxy {upstreams} {{\n\t\tlb_policy round_robin\n\t}}\n}}\n", encoding="utf-8")
    proc = subprocess.Popen(["caddy", "run", "--config", str(work / "Caddyfile"), "--adapter", "caddyfile"],
                            stdout=open(work / "caddy.log", "w"), stderr=subprocess.STDOUT)
    root = storage / "pki" / "authorities" / "local" / "root.crt"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if root.exists():
            try:
                ctx = ssl.create_default_context(cafile=str(root))
                ctx.check_hostname = False
                urllib.request.urlopen(f"https://127.0.0.1:{https_port}/healthz", timeout=2, context=ctx)
                os.environ["BENCH_CADDY_ROOT"] = str(root)
                return proc, f"https://127.0.0.1:{https_port}"
            except OSError:
                pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"Caddy did not serve HTTPS; see {work / 'caddy.log'}")


def _measure(label: str, app, work: Path) -> float:
    save.WRITERS = WRITERS
    with app.app_context():
        specs = save.plan()
    db.close_all() if db.obj is not None else None
    procs, ports = _start_web(_server_env(app, work), work)
    caddy = None
    try:
        caddy, base = _start_caddy(ports, work)
        save.Session = TlsSession
        with section(f"{label}: {WRITERS} writers × {save.SAVES_PER_WRITER} saves through Caddy (HTTPS) → "
                     f"{WEB_PROCESSES} waitress processes"):
            saves, errors, _ = save.run_writers(base, specs, save.PACE_S)
            floor, floor_errors, _ = save.run_writers(base, specs, save.PACE_S, bare=True)
            print(f"save:  {summary(saves)}   (aim ≤ {AIM_MS} ms)")
            print(f"floor: {summary(floor)}   (bare /healthz through the proxy, same writers and pacing)")
            print(f"errors: {len(errors)}; floor errors: {len(floor_errors)}")
            for status, body in errors[:3]:
                print(f"  {status}: {body[:120]!r}")
        import statistics
        return statistics.median(saves)
    finally:
        save.Session = _PlainSession
        for proc in [*procs, caddy]:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=15)


_PlainSession = save.Session


def run():
    if not shutil.which("caddy"):
        sys.exit("caddy is missing: `make install-test` installs it")
    work = Path(tempfile.mkdtemp(prefix="hocba-bench-prod-"))
    _measure("SQLite (WAL)", demo_app(work / "sqlite"), work / "sqlite")

    from tests.servers import Postgres
    server = Postgres()
    try:
        url = server.url(server.create_database())
        _measure("PostgreSQL", demo_app(work / "pg", database_url=url), work / "pg")
    finally:
        db.close_all() if db.obj is not None else None
        server.stop()


if __name__ == "__main__":
    run()
