"""Fixtures: an app on a fresh SQLite file (never :memory:), a client, a login helper.

The demo school takes a few seconds to seed, so it is seeded once per session into a template file
that each test copies.
"""
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from jinja2 import StrictUndefined

from portal import create_app
from portal.db import db, upgrade


# The demo PKI is made once per test session; its CRL/OCSP/TSA service listens on this free port.
DEMO_PKI = {"dir": None, "port": None}


def make_app(db_path, trust_dir=None, **extra):
    base = Path(db_path).parent
    if DEMO_PKI["port"] is None:
        from portal.signing.responder import free_port
        DEMO_PKI["port"] = free_port()
    app = create_app({
        "DEMO_PKI_DIR": str(DEMO_PKI["dir"] or base / "demo-pki"),
        "DEMO_PKI_PORT": DEMO_PKI["port"],
        "SIGNING_WORKERS": 1,  # tests of several worker processes ask for them
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE": str(db_path),
        "PUBLIC_BASE_URL": "http://hocba.test",
        "TRUST_DIR": str(trust_dir or base / "trust"),
        "RECORDS_DIR": str(base / "records"),
        "HUEY_FILE": str(base / "huey.sqlite3"),
        "SECRETS_DIR": str(base / "secrets"),
        "AUDIT_ANCHOR_FILE": str(base / "audit-anchors.log"),
        "HUEY_IMMEDIATE": True,
        **extra,
    })
    app.jinja_env.undefined = StrictUndefined
    return app


@pytest.fixture
def app(tmp_path):
    """An empty, migrated portal."""
    app = make_app(tmp_path / "portal.sqlite3")
    upgrade()
    yield app
    if not db.is_closed():
        db.close()


def checkpoint(path) -> None:
    """Fold a seeded template's WAL into its main file, so that copying the one file copies everything."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo school seeded once into a file; tests get copies."""
    from portal.services.demo.primary import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    DEMO_PKI["dir"] = path.parent / "demo-pki"
    app = make_app(path)
    upgrade()
    with app.app_context(), db.connection_context():
        seed_demo()
    db.close()
    checkpoint(path)
    return path


@pytest.fixture
def demo_app(tmp_path, demo_template):
    """A portal holding the demo school, on its own copy of the database."""
    path = tmp_path / "portal.sqlite3"
    shutil.copy(demo_template, path)
    # Each test gets its own trust folder: `demo --reset` writes a new root there.
    shutil.copytree(demo_template.parent / "trust", tmp_path / "trust")
    # The audit key sealed the template's trail: a copy of the database needs a copy of its secrets.
    shutil.copytree(demo_template.parent / "secrets", tmp_path / "secrets")
    app = make_app(path)
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in page"
    return m.group(1) or m.group(2)


class Browser:
    """A test client that carries the CSRF token like a browser would."""

    def __init__(self, client):
        self.client = client

    def token(self, path="/login"):
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, username, password="demo1234"):
        token = self.token("/login")
        resp = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
        return resp

    def post(self, path, data=None, form_page=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(form_page or "/"))
        return self.client.post(path, data=data, **kw)

    def get(self, path, **kw):
        return self.client.get(path, **kw)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def demo_browser(demo_client):
    return Browser(demo_client)
