"""Signing through the web: batch with one passphrase, progress, certificate upload, permissions."""
import io

import pytest

from portal.db import db
from portal.models import RecordVersion, SchoolClass, SigningJob
from portal.signing.pki import TestPKI
from tests.conftest import Browser


def class_id(name):
    with db.connection_context():
        return SchoolClass.get(SchoolClass.name == name).id


def test_homeroom_batch_signs_the_class_with_progress(demo_browser):
    demo_browser.login("gvcn.1a")
    page = demo_browser.get("/ky/").get_data(as_text=True)
    assert "Học bạ đang chờ bạn ký" in page
    resp = demo_browser.post("/ky/", {"scope": f"class:{class_id('1A')}", "wave": "1", "secret": "demo1234"},
                             form_page="/ky/")
    assert resp.status_code == 303
    progress = demo_browser.get(resp.headers["Location"], headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    body = progress.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="job-progress"') and "hoàn tất" in body
    with db.connection_context():
        job = SigningJob.get()
        assert job.status == "finished" and job.done == job.total > 20 and job.failed == 0
        assert RecordVersion.select().where(RecordVersion.step == 1).count() == job.total


def test_wrong_passphrase_is_said_once_and_nothing_is_signed(demo_browser):
    demo_browser.login("gvcn.1a")
    resp = demo_browser.post("/ky/", {"scope": f"class:{class_id('1A')}", "wave": "1", "secret": "sai"},
                             form_page="/ky/")
    assert resp.status_code == 422 and "Mật khẩu (passphrase)" in resp.get_data(as_text=True)
    with db.connection_context():
        assert not SigningJob.select().exists() and not RecordVersion.select().where(RecordVersion.step > 0).exists()


def test_homeroom_cannot_batch_another_class(demo_browser):
    demo_browser.login("gvcn.1a")
    resp = demo_browser.post("/ky/", {"scope": f"class:{class_id('5A')}", "wave": "1", "secret": "demo1234"},
                             form_page="/ky/")
    assert resp.status_code == 422 and "Không có học bạ nào" in resp.get_data(as_text=True)


@pytest.mark.parametrize("username", ["gv.tienganh", "admin"])
def test_subject_teacher_and_admin_cannot_open_signing(demo_app, username):
    """Neither the page nor a batch: the refusal is the server's, not a hidden button."""
    browser = Browser(demo_app.test_client())
    browser.login(username)
    assert browser.get("/ky/").status_code == 403
    resp = browser.post("/ky/", {"scope": "all", "wave": "1", "secret": "demo1234"}, form_page="/")
    assert resp.status_code == 403
    with db.connection_context():
        assert not SigningJob.select().exists() and not RecordVersion.select().where(RecordVersion.step > 0).exists()


def test_certificate_upload_form(demo_browser, demo_app, tmp_path):
    pki = TestPKI.create("CA web")
    trust = tmp_path / "own-trust"
    trust.mkdir()
    (trust / "root.pem").write_bytes(pki.root.pem())
    demo_app.config["TRUST_DIR"] = str(trust)
    demo_browser.login("gvcn.1a")
    token = demo_browser.token("/ky/chung-thu")
    bad = demo_browser.client.post("/ky/chung-thu", data={"csrf_token": token, "passphrase": "x",
                                                           "file": (io.BytesIO(b"rac"), "a.p12")},
                                   content_type="multipart/form-data")
    assert bad.status_code == 422 and "PKCS#12" in bad.get_data(as_text=True)
    good = pki.p12(pki.person("Hoàng Thị Lan"), "mat-khau-moi")
    ok = demo_browser.client.post("/ky/chung-thu", data={"csrf_token": token, "passphrase": "mat-khau-moi",
                                                          "file": (io.BytesIO(good), "lan.p12")},
                                  content_type="multipart/form-data")
    assert ok.status_code == 303
