"""Role × route: who reaches what. Anonymous users reach only the login page (and later verification)."""
import pytest

from portal.db import db
from portal.models import SchoolClass

# username → what they should reach; None = anonymous
ALLOWED = "allowed"
DENIED = "denied"
LOGIN = "login"


def class_id(name):
    with db.connection_context():
        return SchoolClass.get(SchoolClass.name == name).id


ROUTES = [
    # (label, path factory)
    ("home", lambda: "/"),
    ("class-list", lambda: "/lop/"),
    ("class-1A", lambda: f"/lop/{class_id('1A')}"),
    ("class-5A", lambda: f"/lop/{class_id('5A')}"),
    ("class-3B", lambda: f"/lop/{class_id('3B')}"),
    ("admin", lambda: "/quan-tri/"),
    ("admin-pupils", lambda: "/quan-tri/hoc-sinh"),
    ("admin-pupil-export", lambda: "/quan-tri/xuat/hoc-sinh.xlsx"),
    ("admin-staff", lambda: "/quan-tri/can-bo"),
    ("admin-import", lambda: "/quan-tri/nhap/hoc-sinh"),
    ("admin-class-edit", lambda: f"/quan-tri/lop/{class_id('1A')}"),
    ("password", lambda: "/password"),
]

# Expected outcome per user for each route label, in ROUTES order.
TABLE = {
    None:            [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN],
    "admin":         [ALLOWED] * 12,
    "hieutruong":    [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
    "phohieutruong": [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
    "vanthu":        [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
    "gvcn.1a":       [ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
    "gvcn.5a":       [ALLOWED, ALLOWED, DENIED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
    "gv.tienganh":   [ALLOWED, ALLOWED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, ALLOWED],
}

CASES = [(user, label, make, expected)
         for user, outcomes in TABLE.items()
         for (label, make), expected in zip(ROUTES, outcomes)]


@pytest.mark.parametrize("user, label, make_path, expected", CASES,
                         ids=[f"{u or 'anonymous'}-{label}" for u, label, _, _ in CASES])
def test_role_route_matrix(demo_browser, user, label, make_path, expected):
    if user:
        demo_browser.login(user)
    resp = demo_browser.get(make_path())
    if expected == ALLOWED:
        assert resp.status_code == 200
    elif expected == DENIED:
        assert resp.status_code == 403
        assert "Bạn không có quyền" in resp.get_data(as_text=True)
    else:
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_anonymous_reaches_login_and_static(demo_client):
    assert demo_client.get("/login").status_code == 200
    assert demo_client.get("/static/htmx.min.js").status_code == 200


@pytest.mark.parametrize("path", ["/quan-tri/lop", "/quan-tri/hoc-sinh/moi", "/quan-tri/nhap/hoc-sinh",
                                  "/quan-tri/nam-hoc"])
def test_non_admin_posts_are_refused_and_change_nothing(demo_browser, path):
    from portal.models import Pupil
    demo_browser.login("gvcn.1a")
    with db.connection_context():
        before = (SchoolClass.select().count(), Pupil.select().count())
    resp = demo_browser.post(path, {"name": "9Z", "grade": 1, "code": "X1", "full_name": "Kẻ Xâm Nhập",
                                    "first_year": 2030})
    assert resp.status_code == 403
    with db.connection_context():
        assert (SchoolClass.select().count(), Pupil.select().count()) == before


def test_subject_teacher_sees_only_assigned_classes(demo_browser):
    demo_browser.login("gv.tienganh")
    text = demo_browser.get("/lop/").get_data(as_text=True)
    for name in ("3A", "3B", "4A", "4B", "5A", "5B"):
        assert f"Lớp {name}" in text
    for name in ("1A", "1B", "2A", "2B"):
        assert f"Lớp {name}" not in text


def test_subject_teacher_does_not_see_pupil_personal_details(demo_browser):
    demo_browser.login("gv.tienganh")
    text = demo_browser.get(f"/lop/{class_id('5A')}").get_data(as_text=True)
    assert "Ngày sinh" not in text
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    assert "Ngày sinh" in demo_browser.get(f"/lop/{class_id('5A')}").get_data(as_text=True)


def test_unknown_class_is_404_not_500(demo_browser):
    demo_browser.login("admin")
    assert demo_browser.get("/lop/99999").status_code == 404
    assert demo_browser.get("/quan-tri/hoc-sinh/99999").status_code == 404
