"""Item 5 of issue 14: staff (the clerk included) download the issued, signed file — never a fresh unsigned
render under its name — and a preview that says it is one when the record is not issued."""
import pytest

from portal.db import db
from portal.models import SchoolClass
from portal.services.records import chain
from tests.browser.conftest import in_thread, login
from tests.signing_helpers import PASS, first_records, user

pytestmark = pytest.mark.browser


def issue_one(app):
    with app.app_context(), db.connection_context():
        rv = first_records("1A", n=1)[0]
        for name in ("gvcn.1a", "hieutruong", "vanthu"):
            chain.sign_step(user(name), rv, PASS)
        rv = type(rv).get_by_id(rv.id)
        return rv, chain.read_pdf(rv)


@pytest.mark.parametrize("who", ["vanthu", "hieutruong", "gvcn.1a"])
def test_staff_get_the_signed_file_and_a_named_preview(live_server, phone, who):
    rv, signed = in_thread(issue_one, live_server.app)
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
    login(phone, live_server, who)
    phone.goto(f"{live_server}/lop/{klass.id}")
    row = phone.locator(f"tr[data-code='{rv.pupil.code}']")
    assert "Đã phát hành" in row.inner_text()
    with phone.expect_download() as got:
        row.get_by_role("link", name="PDF đã ký").tap()
    download = got.value
    assert open(download.path(), "rb").read() == signed
    assert download.suggested_filename.endswith("-da-ky.pdf")

    other = phone.locator("table.roster tbody tr").filter(has_not_text="Đã phát hành").first
    with phone.expect_download() as got:
        other.get_by_role("link", name="PDF xem trước").tap()
    preview = got.value
    assert preview.suggested_filename.endswith("-ban-xem-truoc.pdf")
    assert open(preview.path(), "rb").read() != signed

    row.get_by_role("link", name="Xem").tap()
    phone.wait_for_selector(".pages img")
    assert "Đã phát hành" in phone.inner_text("main")
    assert phone.get_attribute("a.button.primary", "href").endswith(f"/hoc-ba/da-ky/{rv.id}.pdf")
    phone.wait_for_function("() => { const i = document.querySelector('.pages img'); return i.complete && i.naturalWidth > 500; }")
    assert phone.locator(".pages img").count() == 4
