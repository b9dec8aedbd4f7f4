"""A session cookie kept from before a logout, a password change, an administrator's reset or a revoked
parent code opens nothing any more (a per-user session version, the parent's code checked on each page)."""
import pytest

from portal.db import db
from portal.models import AccessCode, User
from portal.services.accounts import ratelimit
from tests import factories
from tests.conftest import Browser, csrf_from
from tests.routes.test_parents import code_for, issue_and_sign


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    ratelimit.reset()  # the parent page's limiter is per process: earlier tests must not spend it


def kept_cookie(browser) -> str:
    return browser.client.get_cookie("session").value


def replay(app, cookie: str):
    """A different browser presenting the kept cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def make_teacher(app, password="Secret123"):
    with app.app_context(), db.connection_context():
        factories.make_school()
        return factories.make_user("co.lan", {"homeroom": False}, password=password).id


def test_cookie_kept_from_before_logout_is_refused(app, browser):
    make_teacher(app)
    browser.login("co.lan", "Secret123")
    cookie = kept_cookie(browser)
    assert replay(app, cookie).get("/").status_code == 200  # the copy works while the session lives
    browser.client.post("/logout", data={"csrf_token": browser.token("/")})
    resp = replay(app, cookie).get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_password_change_ends_other_sessions_but_keeps_this_one(app):
    make_teacher(app)
    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    laptop.login("co.lan", "Secret123")
    phone.login("co.lan", "Secret123")
    before = kept_cookie(laptop)
    token = csrf_from(laptop.get("/password").get_data(as_text=True))
    resp = laptop.client.post("/password", data={"current": "Secret123", "new": "HocBa2026!", "confirm": "HocBa2026!",
                                                 "csrf_token": token})
    assert resp.status_code == 303
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert replay(app, before).get("/").status_code == 302


def test_administrator_reset_ends_the_users_sessions(demo_app, demo_client):
    teacher = Browser(demo_client)
    teacher.login("gvcn.1a")
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    with db.connection_context():
        staff_id = User.get(User.username == "gvcn.1a").staff_id
    resp = admin.post(f"/quan-tri/can-bo/{staff_id}/cap-lai-mat-khau", {})
    assert resp.status_code == 200
    assert teacher.get("/").status_code == 302
    assert admin.get("/").status_code == 200


def test_a_user_object_loaded_before_logout_does_not_revive_old_cookies(app, browser):
    user_id = make_teacher(app)
    browser.login("co.lan", "Secret123")
    cookie = kept_cookie(browser)
    with db.connection_context():
        stale = User.get_by_id(user_id)  # e.g. an administrator's edit form, opened earlier
    browser.client.post("/logout", data={"csrf_token": browser.token("/")})
    with db.connection_context():
        stale.display_name = "Cô Lan"
        stale.save()
        assert User.get_by_id(user_id).session_version == stale.session_version + 1
    assert replay(app, cookie).get("/").status_code == 302


def test_cookie_from_before_session_versions_is_refused(app, browser):
    """A cookie that holds a bare user id (issued before this change) no longer opens a session."""
    user_id = make_teacher(app)
    browser.login("co.lan", "Secret123")
    with browser.client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
    assert browser.get("/").status_code == 302


def test_parent_session_ends_when_the_code_is_revoked(demo_app, demo_browser):
    rv = issue_and_sign(demo_app)
    code = code_for(demo_browser, rv.pupil_id)
    assert demo_browser.post("/phu-huynh/", {"code": code}, form_page="/phu-huynh/").status_code == 303
    kept = kept_cookie(demo_browser)
    assert demo_browser.get(f"/phu-huynh/tai/{rv.id}.pdf").status_code == 200
    teacher = Browser(demo_app.test_client())
    teacher.login("gvcn.1a")
    assert teacher.post(f"/phu-huynh/thu-hoi/{rv.pupil_id}", {}).status_code in (200, 303)
    with db.connection_context():
        assert not AccessCode.select().where(AccessCode.revoked_at.is_null()).exists()
    parent = replay(demo_app, kept)
    assert parent.get(f"/phu-huynh/tai/{rv.id}.pdf").status_code == 404
    page = parent.get("/phu-huynh/").get_data(as_text=True)
    assert "đã bị thu hồi" in page and rv.pupil.full_name not in page


def test_parent_session_ends_when_a_new_code_replaces_it(demo_app, demo_browser):
    rv = issue_and_sign(demo_app)
    first = code_for(demo_browser, rv.pupil_id)
    parent = Browser(demo_app.test_client())
    assert parent.post("/phu-huynh/", {"code": first}, form_page="/phu-huynh/").status_code == 303
    code_for(demo_browser, rv.pupil_id)  # the school reissues (a lost slip)
    assert parent.get(f"/phu-huynh/tai/{rv.id}.pdf").status_code == 404



def test_only_the_class_teacher_or_office_revokes_codes(demo_app, demo_browser):
    rv = issue_and_sign(demo_app)
    code_for(demo_browser, rv.pupil_id)
    other = Browser(demo_app.test_client())
    other.login("gvcn.5a")
    assert other.post(f"/phu-huynh/thu-hoi/{rv.pupil_id}", {}).status_code == 403
    with db.connection_context():
        assert AccessCode.select().where(AccessCode.revoked_at.is_null()).count() == 1
