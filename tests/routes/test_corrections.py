"""Corrections after issuance through the web: principal only, written reason, a new version."""
from portal.db import db
from portal.models import RecordVersion
from tests.routes.test_parents import issue_and_sign


def test_principal_opens_a_correction(demo_app, demo_browser):
    rv = issue_and_sign(demo_app)
    demo_browser.login("gvcn.1a")
    assert demo_browser.post(f"/duyet/dinh-chinh/{rv.id}", {"reason": "Sai tên cha trong hồ sơ"}).status_code == 403
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    short = demo_browser.post(f"/duyet/dinh-chinh/{rv.id}", {"reason": "sai"}, form_page=f"/duyet/dinh-chinh/{rv.id}")
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    ok = demo_browser.post(f"/duyet/dinh-chinh/{rv.id}", {"reason": "Sai tên cha, theo giấy khai sinh số 123"},
                           form_page=f"/duyet/dinh-chinh/{rv.id}")
    assert ok.status_code == 303
    with db.connection_context():
        versions = list(RecordVersion.select().where(RecordVersion.pupil == rv.pupil_id).order_by(RecordVersion.version))
        assert [(v.version, v.status) for v in versions] == [(1, "issued"), (2, "draft")]
        assert versions[1].code != versions[0].code


def test_teacher_requests_principal_approves(demo_app, demo_browser):
    from portal.models import CorrectionRequest
    rv = issue_and_sign(demo_app)
    url = f"/hoc-ba/de-nghi-dinh-chinh/{rv.id}"
    demo_browser.login("gvcn.5a")
    assert demo_browser.get(url).status_code == 403
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.1a")
    bad = demo_browser.post(url, {"what": "Tên cha", "reason": "ngắn"}, form_page=url)
    assert bad.status_code == 422 and "ít nhất 10 ký tự" in bad.get_data(as_text=True)
    assert 'Tên cha' in bad.get_data(as_text=True)  # what was typed is kept
    ok = demo_browser.post(url, {"what": "Tên cha: Đặng Văn A → Đặng Văn Á", "reason": "Sai dấu so với giấy khai sinh",
                                 "evidence": "Giấy khai sinh số 45/2020"}, form_page=url)
    assert ok.status_code == 303
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    assert "Giấy khai sinh số 45/2020" in demo_browser.get("/duyet/").get_data(as_text=True)
    with db.connection_context():
        req = CorrectionRequest.get()
    demo_browser.post(f"/duyet/dinh-chinh-de-nghi/{req.id}", {"action": "approve"}, form_page="/duyet/")
    with db.connection_context():
        req = CorrectionRequest.get_by_id(req.id)
        assert req.status == "approved" and req.new_version.version == 2
        assert "Giấy khai sinh số 45/2020" in req.new_version.correction_reason
