"""Login, CSRF, cookies, the forced password change (throttling: test_login_throttle.py)."""
import pytest

from portal.db import db
from portal.models import AuditEntry, User
from tests import factories
from tests.conftest import csrf_from


@pytest.fixture
def teacher(app):
    with db.connection_context():
        factories.make_school()
        return factories.make_user("co.lan", {"homeroom": False}, password="Secret123", must_change=False).id


def post_login(browser, username, password):
    return browser.client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": browser.token("/login")})


def test_login_success_and_session_cookie_flags(browser, teacher):
    resp = post_login(browser, "co.lan", "Secret123")
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_message_keeps_username(browser, teacher):
    resp = post_login(browser, "co.lan", "sai-mat-khau")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in text
    assert 'value="co.lan"' in text


def test_post_without_csrf_is_refused(client, teacher):
    resp = client.post("/login", data={"username": "co.lan", "password": "Secret123"})
    assert resp.status_code == 400
    assert "Phiên làm việc đã hết hạn" in resp.get_data(as_text=True)


def test_open_redirect_is_ignored(browser, teacher):
    resp = browser.client.post("/login?next=//evil.example/x", data={
        "username": "co.lan", "password": "Secret123", "csrf_token": browser.token("/login")})
    assert resp.headers["Location"] == "/"


def test_forced_password_change_on_first_login(browser, app):
    with db.connection_context():
        factories.make_school()
        factories.make_user("moi", {"homeroom": False}, password="TamThoi123", must_change=True)
    post_login(browser, "moi", "TamThoi123")
    resp = browser.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/password")
    page = browser.get("/password").get_data(as_text=True)
    token = csrf_from(page)
    bad = browser.client.post("/password", data={"current": "TamThoi123", "new": "12345678", "confirm": "12345678",
                                                 "csrf_token": token})
    assert bad.status_code == 422 and "Mật khẩu" in bad.get_data(as_text=True)
    mismatch = browser.client.post("/password", data={"current": "TamThoi123", "new": "HocBa2026!",
                                                      "confirm": "HocBa2026?", "csrf_token": token})
    assert "không khớp" in mismatch.get_data(as_text=True)
    ok = browser.client.post("/password", data={"current": "TamThoi123", "new": "HocBa2026!", "confirm": "HocBa2026!",
                                                "csrf_token": token})
    assert ok.status_code == 303
    assert browser.get("/").status_code == 200
    with db.connection_context():
        assert not User.get(User.username == "moi").must_change_password


def test_password_is_never_stored_or_logged_in_clear(browser, teacher):
    post_login(browser, "co.lan", "Secret123")
    with db.connection_context():
        user = User.get(User.username == "co.lan")
        assert user.password_hash.startswith("$argon2id$")
        assert not AuditEntry.select().where(AuditEntry.data.contains("Secret123")).exists()


def test_logout_requires_post(browser, teacher):
    post_login(browser, "co.lan", "Secret123")
    assert browser.get("/logout").status_code == 405
    browser.client.post("/logout", data={"csrf_token": browser.token("/")})
    assert browser.get("/").status_code == 302
