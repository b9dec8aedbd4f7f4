"""Parents reach their child's issued records with a code; codes can be revoked; attempts are limited."""
from portal.db import db
from portal.services.accounts import ratelimit
from portal.services.records import chain
from tests.signing_helpers import PASS, first_records, reload, user


def issue_and_sign(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        for name in ("gvcn.1a", "hieutruong", "vanthu"):
            chain.sign_step(user(name), rv, PASS)
        return reload(rv)


def code_for(browser, pupil_id, who="gvcn.1a"):
    browser.login(who)
    page = browser.post(f"/phu-huynh/cap-ma/{pupil_id}", {}).get_data(as_text=True)
    import re
    code = re.search(r">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<", page).group(1)
    browser.client.post("/logout", data={"csrf_token": browser.token("/")})
    return code


def test_parent_sees_and_downloads_issued_record(demo_app, demo_browser):
    ratelimit.reset()
    rv = issue_and_sign(demo_app)
    code = code_for(demo_browser, rv.pupil_id)
    resp = demo_browser.post("/phu-huynh/", {"code": code.lower()}, form_page="/phu-huynh/")
    assert resp.status_code == 303
    page = demo_browser.get("/phu-huynh/").get_data(as_text=True)
    assert rv.pupil.full_name in page and "Tải học bạ đã ký" in page
    pdf = demo_browser.get(f"/phu-huynh/tai/{rv.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    other = first_records(n=2)[1]
    assert demo_browser.get(f"/phu-huynh/tai/{other.id}.pdf").status_code == 404


def test_revoked_or_wrong_code_and_rate_limit(demo_app, demo_browser):
    ratelimit.reset()
    rv = issue_and_sign(demo_app)
    old = code_for(demo_browser, rv.pupil_id)
    new = code_for(demo_browser, rv.pupil_id)  # reissuing revokes the old code
    resp = demo_browser.post("/phu-huynh/", {"code": old}, form_page="/phu-huynh/")
    assert resp.status_code == 422 and "đã bị thu hồi" in resp.get_data(as_text=True)
    assert demo_browser.post("/phu-huynh/", {"code": new}, form_page="/phu-huynh/").status_code == 303
    demo_browser.client.post("/phu-huynh/thoat", data={"csrf_token": demo_browser.token("/phu-huynh/")})
    statuses = [demo_browser.post("/phu-huynh/", {"code": "SAI0-SAI0-SAI0"}, form_page="/phu-huynh/").status_code
                for _ in range(12)]
    assert statuses[-1] == 429


def test_only_the_class_teacher_or_office_issues_codes(demo_app, demo_browser):
    with demo_app.app_context(), db.connection_context():
        pupil_id = first_records()[0].pupil_id
    demo_browser.login("gvcn.5a")
    assert demo_browser.post(f"/phu-huynh/cap-ma/{pupil_id}", {}).status_code == 403
