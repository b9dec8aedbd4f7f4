"""A real PostgreSQL and a real Redis for the tests, started in a temporary folder and stopped afterwards.

PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to the `postgres` system
user (Debian's package creates it) and its commands run through `runuser`. Both listen only on a Unix
socket in the temporary folder. Skipped, with the reason, only when the binaries are not installed.
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 60


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Postgres:
    def __init__(self):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            pytest.skip("PostgreSQL chưa được cài (Debian: postgresql): bỏ qua các kiểm thử trên PostgreSQL")
        self.as_user = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("chạy bằng root nhưng không có người dùng hệ thống postgres để chạy PostgreSQL")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="hocba-pg-"))
        self.data, self.socket_dir = self.root / "data", self.root
        if owner:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "hocba", "-E", "UTF8", "--no-locale",
                   "--no-sync"])
        opts = (f"-k {self.socket_dir} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200")
        self._run([self.pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w",
                   "-t", str(STARTUP_TIMEOUT_S), "start"])
        self.count = 0

    def _run(self, cmd):
        out = subprocess.run(self.as_user + cmd, capture_output=True, text=True, timeout=STARTUP_TIMEOUT_S)
        if out.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {out.stdout}{out.stderr}")

    def url(self, name: str) -> str:
        return f"postgresql://hocba@/{name}?host={self.socket_dir}&port=5432"

    def create_database(self, template: str | None = None) -> str:
        import psycopg2
        self.count += 1
        name = f"hocba_test_{self.count}"
        con = psycopg2.connect(dbname="postgres", user="hocba", host=str(self.socket_dir), port=5432)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        con.close()
        return name

    def stop(self):
        subprocess.run(self.as_user + [self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=STARTUP_TIMEOUT_S)
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    def __init__(self):
        binary = shutil.which("redis-server")
        if not binary:
            pytest.skip("Redis chưa được cài (Debian: redis-server): bỏ qua các kiểm thử hàng đợi trên Redis")
        self.root = Path(tempfile.mkdtemp(prefix="hocba-redis-"))
        self.socket = self.root / "redis.sock"
        self.proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
                                      "--appendonly", "no", "--dir", str(self.root)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self.socket.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        self.url = f"unix://{self.socket}?db=0"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)
