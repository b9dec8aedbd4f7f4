"""Security headers on every response; Secure cookies and HSTS over HTTPS; templates that a strict CSP allows
(the browser check is tests/browser/test_csp.py)."""
import re
from pathlib import Path

import pytest

from portal.db import db
from portal.models import LoginAttempt
from portal.webui import CSP
from tests import factories
from tests.conftest import Browser, make_app

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def assert_hardened(resp):
    assert resp.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self';" in CSP and "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in CSP
    assert resp.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path, status", [("/login", 200), ("/", 302), ("/xac-thuc/KHONGCOMANAY", 404),
                                          ("/static/app.js", 200), ("/xac-thuc/", 200), ("/phu-huynh/", 200)],
                         ids=["page", "redirect", "not-found", "static", "public-verify", "parents"])
def test_every_response_carries_the_headers(client, path, status):
    resp = client.get(path)
    assert resp.status_code == status
    assert_hardened(resp)
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP: HSTS would be ignored anyway


def test_logged_in_pages_and_form_errors_carry_the_headers(demo_browser):
    bad = demo_browser.client.post("/login", data={"username": "x", "password": "y",
                                                   "csrf_token": demo_browser.token("/login")})
    assert bad.status_code == 422
    assert_hardened(bad)
    demo_browser.login("gvcn.1a")
    assert_hardened(demo_browser.get("/"))
    assert_hardened(demo_browser.get("/lop/"))


def test_document_preview_shows_page_images_under_the_strict_policy(demo_browser, demo_app):
    """The staff preview is the record's pages as images (no fonts on a phone): an ordinary page of the
    portal under its strict policy, its images from the portal itself."""
    from portal.models import Enrolment, Pupil, SchoolClass
    demo_browser.login("gvcn.1a")
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupil = Pupil.select().join(Enrolment).where(Enrolment.school_class == klass).first()
        url = f"/hoc-ba/{pupil.id}/{klass.year_id}"
    resp = demo_browser.get(url)
    assert resp.status_code == 200
    assert_hardened(resp)
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    image = re.search(r'<img[^>]+src="([^"]+trang-1\.png[^"]*)"', resp.get_data(as_text=True)).group(1)
    png = demo_browser.get(image.replace("&amp;", "&"))
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_request_over_https_gets_hsts_and_a_secure_session_cookie(app):
    with app.app_context(), db.connection_context():
        factories.make_school()
        factories.make_user("co.lan", {"homeroom": False}, password="Secret123")
    browser = Browser(app.test_client())
    page = browser.client.get("/login", base_url="https://hocba.test")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = browser.client.post("/login", base_url="https://hocba.test", headers={"Referer": "https://hocba.test/login"},
                               data={"username": "co.lan", "password": "Secret123", "csrf_token": token})
    assert resp.status_code == 303
    assert "; Secure" in resp.headers["Set-Cookie"]


def test_https_public_address_makes_cookies_secure_and_sends_hsts(tmp_path):
    app = make_app(tmp_path / "portal.sqlite3", PUBLIC_BASE_URL="https://hocba.truong.edu.vn")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    from portal.db import upgrade
    upgrade()
    resp = app.test_client().get("/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in resp.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_the_client_address_and_scheme_come_from_it(tmp_path):
    app = make_app(tmp_path / "portal.sqlite3", TRUSTED_PROXIES=1)
    from portal.db import upgrade
    upgrade()
    with app.app_context(), db.connection_context():
        factories.make_school()
    client = app.test_client()
    headers = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hocba.test",
               "Referer": "https://hocba.test/login"}
    page = client.get("/login", headers=headers)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", headers=headers, data={"username": "ai", "password": "sai", "csrf_token": token})
    with app.app_context(), db.connection_context():
        assert [a.ip for a in LoginAttempt.select()] == ["10.20.30.40"]


INLINE = re.compile(r"""\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:|<script(?![^>]*\bsrc=)(?![^>]*application/json)""",
                    re.IGNORECASE)


def test_templates_hold_no_inline_script_handler_or_style():
    offenders = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:80]}"
                 for path in TEMPLATES.rglob("*.html")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if INLINE.search(line)]
    assert offenders == []
