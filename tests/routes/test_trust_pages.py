"""The administrator's trust page (tax code, registered seal, renewals) and the principal's authorisations."""
from portal.db import db
from portal.models import School, SigningAuthorisation


def test_admin_trust_page_shows_the_registered_seal(demo_browser):
    demo_browser.login("admin")
    page = demo_browser.get("/quan-tri/tin-cay").get_data(as_text=True)
    assert "Đang là dấu số của trường" in page and "0201234567" in page


def test_bad_tax_code_is_refused_and_kept_in_the_form(demo_app, demo_browser):
    demo_browser.login("admin")
    resp = demo_browser.post("/quan-tri/tin-cay/ma-so-thue", {"tax_code": "12ab"}, form_page="/quan-tri/tin-cay")
    assert resp.status_code == 422 and "10 chữ số" in resp.get_data(as_text=True)
    assert 'value="12ab"' in resp.get_data(as_text=True)
    with demo_app.app_context(), db.connection_context():
        assert School.current().tax_code == "0201234567"


def test_only_the_administrator_reaches_the_trust_page(demo_browser):
    demo_browser.login("hieutruong")
    assert demo_browser.get("/quan-tri/tin-cay").status_code == 403
    assert demo_browser.post("/quan-tri/tin-cay/ma-so-thue", {"tax_code": "0101010101"}).status_code == 403


def test_principal_records_and_revokes_an_authorisation(demo_app, demo_browser):
    demo_browser.login("hieutruong")
    page = demo_browser.get("/ky/uy-quyen").get_data(as_text=True)
    assert "Trần Văn Đức" in page
    with demo_app.app_context(), db.connection_context():
        deputy = SigningAuthorisation.select().first().user_id
        before = SigningAuthorisation.select().count()
    resp = demo_browser.post("/ky/uy-quyen", {"deputy": deputy, "starts_on": "2027-06-01", "ends_on": "2027-05-01",
                                               "reason": "QĐ 12"}, form_page="/ky/uy-quyen")
    assert resp.status_code == 422 and "sau ngày bắt đầu" in resp.get_data(as_text=True)
    resp = demo_browser.post("/ky/uy-quyen", {"deputy": deputy, "starts_on": "2027-06-01", "ends_on": "2027-07-01",
                                               "reason": "QĐ 12/QĐ-THHS"}, form_page="/ky/uy-quyen")
    assert resp.status_code == 303
    with demo_app.app_context(), db.connection_context():
        assert SigningAuthorisation.select().count() == before + 1
        newest = SigningAuthorisation.select().order_by(SigningAuthorisation.id.desc()).first()
    assert demo_browser.post(f"/ky/uy-quyen/{newest.id}/thu-hoi", {}, form_page="/ky/uy-quyen").status_code == 303
    with demo_app.app_context(), db.connection_context():
        assert SigningAuthorisation.get_by_id(newest.id).revoked_at is not None


def test_vice_principal_cannot_authorise_himself(demo_browser):
    demo_browser.login("phohieutruong")
    assert demo_browser.get("/ky/uy-quyen").status_code == 403
    assert demo_browser.post("/ky/uy-quyen", {"deputy": 1, "starts_on": "2027-06-01", "ends_on": "2027-07-01",
                                              "reason": "tự ủy quyền"}).status_code == 403


def test_principal_withdraws_a_record_stuck_in_the_chain_and_it_signs_again(demo_app, demo_browser):
    from portal.models import RecordVersion
    from portal.services.records import chain
    from tests.signing_helpers import PASS, first_records, reload, user

    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        chain.sign_step(user("gvcn.1a"), rv, PASS)
        code = reload(rv).code
    demo_browser.login("gvcn.1a")
    assert demo_browser.get("/ky/rut").status_code == 403  # only the principal
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    short = demo_browser.post("/ky/rut", {"code": code, "reason": "sai"}, form_page="/ky/rut")
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    done = demo_browser.post("/ky/rut", {"code": code.lower().replace("-", ""),
                                         "reason": "Nhập nhầm điểm Toán, cần sửa trước khi ký"}, form_page="/ky/rut")
    assert done.status_code == 303
    with demo_app.app_context(), db.connection_context():
        fresh = RecordVersion.get_by_id(rv.id)
        assert fresh.status == "draft" and fresh.step == 0 and fresh.data_json == ""
        chain.sign_step(user("gvcn.1a"), fresh, PASS)  # the chain restarts from the first step
        assert reload(rv).step == 1
