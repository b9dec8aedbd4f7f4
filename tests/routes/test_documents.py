"""The học bạ in the portal and on the command line: who may see it, and bad input."""
import io
import re

import pytest

from portal.db import db
from portal.models import AuditEntry, Pupil, SchoolClass, SchoolYear


def ids(class_name="5A"):
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == class_name)
        pupil = klass.enrolments.first().pupil
        return pupil.id, klass.year_id, pupil.code


@pytest.mark.parametrize("user, expected", [
    ("gvcn.5a", 200), ("hieutruong", 200), ("phohieutruong", 200),
    ("vanthu", 200), ("gvcn.1a", 403), ("gv.tienganh", 403), ("admin", 403),
])
def test_who_may_preview_and_download(demo_browser, user, expected):
    pupil_id, year_id, _ = ids()
    demo_browser.login(user)
    preview = demo_browser.get(f"/hoc-ba/{pupil_id}/{year_id}")
    pdf = demo_browser.get(f"/hoc-ba/{pupil_id}/{year_id}.pdf")
    assert preview.status_code == expected and pdf.status_code == expected
    if expected == 200:
        page = preview.get_data(as_text=True)
        from pyhanko.pdf_utils.reader import PdfFileReader
        pages = int(PdfFileReader(io.BytesIO(pdf.data), strict=False).root["/Pages"]["/Count"])
        assert "Bản xem trước" in page and page.count('<img src="/hoc-ba/') == pages >= 4
        image = demo_browser.get(re.search(r'<img src="([^"]+)"', page).group(1).replace("&amp;", "&"))
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
        assert pdf.data.startswith(b"%PDF-") and pdf.mimetype == "application/pdf"
        assert "ban-xem-truoc.pdf" in pdf.headers["Content-Disposition"]  # never mistaken for the signed file
        with db.connection_context():
            assert AuditEntry.select().where(AuditEntry.action == "record.downloaded").count() == 1


def test_anonymous_is_sent_to_login(demo_client):
    pupil_id, year_id, _ = ids()
    resp = demo_client.get(f"/hoc-ba/{pupil_id}/{year_id}.pdf")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_unknown_pupil_or_year_is_404(demo_browser):
    pupil_id, year_id, _ = ids()
    demo_browser.login("hieutruong")
    assert demo_browser.get(f"/hoc-ba/999999/{year_id}.pdf").status_code == 404
    assert demo_browser.get(f"/hoc-ba/{pupil_id}/999.pdf").status_code == 404


def test_render_command(demo_app, tmp_path):
    _, _, code = ids()
    out = tmp_path / "out" / "hb.pdf"
    result = demo_app.test_cli_runner().invoke(args=["render", "--pupil", code, "--year", "2026-2027", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and "SHA-256" in result.output
    full = tmp_path / "full.pdf"
    result = demo_app.test_cli_runner().invoke(args=["render", "--pupil", code, "--year", "2026-2027", "--full",
                                                     "-o", str(full)])
    assert result.exit_code == 0 and full.exists()


@pytest.mark.parametrize("pupil, year, message", [
    ("KHONGCO", "2026-2027", "Không tìm thấy học sinh có mã KHONGCO"),
    (None, "1999-2000", "Không có năm học 1999-2000"),
    (None, "2027-2028", "không có học bạ năm học 2027-2028"),
], ids=["unknown-code", "unknown-year", "no-record-that-year"])
def test_render_bad_input(demo_app, tmp_path, pupil, year, message):
    _, _, code = ids()
    if year == "2027-2028":
        with db.connection_context():
            from portal.models import School
            from portal.services.school.years import create_year
            create_year(None, School.current(), 2027)
    out = tmp_path / "nothing.pdf"
    result = demo_app.test_cli_runner().invoke(args=["render", "--pupil", pupil or code, "--year", year, "-o", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists() and not list(tmp_path.glob(".hocba-*"))


_ = (Pupil, SchoolYear)


def test_a_missing_signed_file_is_a_clear_message_not_a_500(demo_app, demo_browser):
    from tests.routes.test_parents import issue_and_sign
    rv = issue_and_sign(demo_app)
    import os
    with demo_app.app_context():
        from portal.services.records.chain import records_dir
        os.unlink(records_dir() / rv.pdf_path)
    demo_browser.login("vanthu")
    resp = demo_browser.get(f"/hoc-ba/da-ky/{rv.id}.pdf")
    assert resp.status_code == 503 and "Không đọc được tệp học bạ đã ký" in resp.get_data(as_text=True)


def test_staff_download_the_issued_signed_file(demo_app, demo_browser):
    from tests.routes.test_parents import issue_and_sign
    rv = issue_and_sign(demo_app)
    with demo_app.app_context():
        from portal.services.records.chain import read_pdf
        signed = read_pdf(rv)
    with db.connection_context():
        year_id = rv.school_class.year_id
    demo_browser.login("vanthu")
    for url in (f"/hoc-ba/{rv.pupil_id}/{year_id}.pdf", f"/hoc-ba/da-ky/{rv.id}.pdf"):
        resp = demo_browser.get(url)
        assert resp.status_code == 200 and resp.data == signed, url
        assert resp.headers["Content-Disposition"].endswith('-da-ky.pdf"')
