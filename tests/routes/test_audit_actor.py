"""Who and where from, in the audit trail: the route hands the signed-in user to the use case, the web layer
notes the client's address; nobody signed in (a parent, a visitor, the system) is user None."""
import io

import pytest

from portal.db import db
from portal.models import AuditEntry, Pupil, SchoolClass, SchoolYear, Staff
from portal.services.system import audit
from tests.conftest import csrf_from

ADDRESS = "10.9.8.7"


def newest(action):
    with db.connection_context():
        return AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id.desc()).first()


def ids():
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        return {"class": klass.id, "grade": klass.grade_id, "pupil": Pupil.select().first().id,
                "year": SchoolYear.current().id, "staff": Staff.get(Staff.full_name == "Lê Thị Ngọc Ánh").id}


def post(browser, path, data, form_page=None):
    token = csrf_from(browser.get(form_page or path).get_data(as_text=True))
    return browser.client.post(path, data={**data, "csrf_token": token})


# (who, action, request): each row is a use case that used to take its user from flask-login itself.
CASES = [
    ("admin", "class.created", lambda b, i: post(b, "/quan-tri/lop", {"name": "1z", "grade": i["grade"], "homeroom": 0})),
    ("admin", "year.created", lambda b, i: post(b, "/quan-tri/nam-hoc", {"first_year": "2031"})),
    ("admin", "pupil.created", lambda b, i: post(b, "/quan-tri/hoc-sinh/moi", {
        "code": "HS765432", "full_name": "Bùi Thị Ngọc Ẩn", "gender": "2", "born_on": "09/09/2019", "ethnicity": "Kinh",
        "nationality": "Việt Nam", "birthplace": "Hải Phòng", "national_id": "", "school_class": i["class"]})),
    ("admin", "account.password_reset",
     lambda b, i: post(b, f"/quan-tri/can-bo/{i['staff']}/cap-lai-mat-khau", {}, form_page="/quan-tri/can-bo")),
    ("admin", "export.list", lambda b, i: b.get("/quan-tri/xuat/hoc-sinh.xlsx")),
    ("hieutruong", "export.summary", lambda b, i: b.get(f"/tong-hop/lop/{i['class']}/CN.xlsx")),
    ("hieutruong", "record.downloaded", lambda b, i: b.get(f"/hoc-ba/{i['pupil']}/{i['year']}.pdf")),
]


@pytest.mark.parametrize("who, action, call", CASES, ids=[c[1] for c in CASES])
def test_a_signed_in_users_action_names_them_and_their_address(demo_browser, who, action, call):
    demo_browser.login(who)
    demo_browser.client.environ_base["REMOTE_ADDR"] = ADDRESS
    before = newest(action)
    resp = call(demo_browser, ids())
    assert resp.status_code < 400, resp.get_data(as_text=True)[:300]
    entry = newest(action)
    assert entry is not None and (before is None or entry.id > before.id)
    assert (entry.username, entry.ip) == (who, ADDRESS)
    with db.connection_context():
        assert entry.user.username == who


@pytest.mark.parametrize("action, call", [
    ("record.verified", lambda b: b.post("/xac-thuc/", {"file": (io.BytesIO(b"%PDF-1.7 not really"), "hocba.pdf")},
                                         form_page="/xac-thuc/", content_type="multipart/form-data")),
    ("parent_code.failed", lambda b: b.post("/phu-huynh/", {"code": "KHONG-DUNG-MA"}, form_page="/phu-huynh/")),
], ids=["visitor-verifies", "parent-code-wrong"])
def test_nobody_signed_in_is_no_user_but_the_address_is_kept(demo_browser, action, call):
    demo_browser.client.environ_base["REMOTE_ADDR"] = ADDRESS
    call(demo_browser)
    entry = newest(action)
    assert entry is not None and entry.user_id is None and entry.ip == ADDRESS


def test_outside_a_request_the_address_is_empty_and_the_user_must_be_named(demo_app):
    with demo_app.app_context(), db.connection_context():
        assert audit.record("test.system", user=None, summary="việc hệ thống").ip == ""
        with pytest.raises(TypeError):
            audit.record("test.nobody", summary="không nói ai làm")  # noqa  (user is a required keyword)
