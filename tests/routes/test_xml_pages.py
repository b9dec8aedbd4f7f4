"""The XML of equal value on the pages (issue 16): verification upload, staff and parent downloads."""
import io

import pytest

from portal.db import db
from portal.models import AuditEntry
from portal.services.accounts import ratelimit
from portal.services.records.xml_record import read_xml, xml_rel
from tests.routes.test_parents import code_for, issue_and_sign


@pytest.fixture
def issued(demo_app):
    rv = issue_and_sign(demo_app)
    with demo_app.app_context(), db.connection_context():
        from portal.services.records.chain import read_pdf
        return rv, read_pdf(rv), read_xml(rv)


def upload(browser, files):
    data = {name: (io.BytesIO(blob), filename) for name, (blob, filename) in files.items()}
    return browser.post("/xac-thuc/", data, form_page="/xac-thuc/", content_type="multipart/form-data")


def test_verify_page_takes_the_xml_and_the_pair(demo_browser, issued):
    ratelimit.reset()
    rv, pdf, xml = issued
    page = upload(demo_browser, {"file": (xml, "hocba.xml")}).get_data(as_text=True)
    assert "Học bạ hợp lệ" in page and "giáo viên chủ nhiệm" not in page.split("record-heading")[0]
    heading = page.split('class="record-heading"')[1].split("</dl>")[0]
    assert rv.pupil.full_name in heading and "1A" in heading
    assert "Người ký ô Giáo viên chủ nhiệm đúng là người giữ vai trò đó" in page and "(UTC)" not in page
    page = upload(demo_browser, {"file": (pdf, "hocba.pdf"), "file2": (xml, "hocba.xml")}).get_data(as_text=True)
    assert "Học bạ hợp lệ" in page and "Dữ liệu XML trùng với dữ liệu nhúng trong học bạ PDF" in page
    forged = xml.replace(b"<mucdatduoc>", b"<mucdatduoc>C", 1)
    resp = upload(demo_browser, {"file": (pdf, "hocba.pdf"), "file2": (forged, "hocba.xml")})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Học bạ không hợp lệ" in page and "đã bị thay đổi sau khi ký" in page
    resp = upload(demo_browser, {"file": (b"<khong-phai-hoc-ba/>", "x.xml")})
    assert resp.status_code == 200 and "Không phải học bạ số định dạng hocba-xml/2" in resp.get_data(as_text=True)


@pytest.mark.parametrize("who, expected", [("vanthu", 200), ("gvcn.1a", 200), ("gvcn.5a", 403), ("admin", 403)])
def test_staff_download_the_signed_xml_as_the_pdf(demo_browser, issued, who, expected):
    rv, _pdf, xml = issued
    demo_browser.login(who)
    pdf_resp, xml_resp = demo_browser.get(f"/hoc-ba/da-ky/{rv.id}.pdf"), demo_browser.get(f"/hoc-ba/da-ky/{rv.id}.xml")
    assert pdf_resp.status_code == xml_resp.status_code == expected
    if expected == 200:
        assert xml_resp.data == xml and xml_resp.headers["Content-Disposition"].endswith('-da-ky.xml"')
        with db.connection_context():
            year_id = rv.school_class.year_id
            assert AuditEntry.select().where(AuditEntry.action == "record.downloaded").count() == 2
        page = demo_browser.get(f"/hoc-ba/{rv.pupil_id}/{year_id}").get_data(as_text=True)
        assert f"/hoc-ba/da-ky/{rv.id}.xml" in page and f"/hoc-ba/da-ky/{rv.id}.pdf" in page


def test_a_record_without_xml_is_a_message_not_a_500(demo_app, demo_browser, issued):
    rv = issued[0]
    with demo_app.app_context():
        from portal.services.records.chain import records_dir
        (records_dir() / xml_rel(rv.pdf_path)).unlink()
    demo_browser.login("vanthu")
    resp = demo_browser.get(f"/hoc-ba/da-ky/{rv.id}.xml")
    assert resp.status_code == 404 and "gói dữ liệu gửi CSDL ngành" in resp.get_data(as_text=True)


def test_parent_downloads_the_xml_of_their_child_only(demo_app, demo_browser, issued):
    ratelimit.reset()
    rv, _pdf, xml = issued
    assert demo_browser.get(f"/phu-huynh/tai/{rv.id}.xml").status_code == 404  # no code entered yet
    code = code_for(demo_browser, rv.pupil_id)
    assert demo_browser.post("/phu-huynh/", {"code": code}, form_page="/phu-huynh/").status_code == 303
    page = demo_browser.get("/phu-huynh/").get_data(as_text=True)
    assert f"/phu-huynh/tai/{rv.id}.xml" in page
    resp = demo_browser.get(f"/phu-huynh/tai/{rv.id}.xml")
    assert resp.status_code == 200 and resp.data == xml and resp.mimetype == "application/xml"
    assert demo_browser.get(f"/phu-huynh/tai/{rv.id + 1}.xml").status_code == 404
