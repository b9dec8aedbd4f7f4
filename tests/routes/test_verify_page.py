"""The public verification page: who the record is for at the top, Vietnam times, no contradictions."""
import io
import re

import pytest

from portal.db import db
from portal.services.records import chain
from tests.signing_helpers import PASS, first_records, reload, user


@pytest.fixture
def issued_pdf(demo_app):
    with demo_app.app_context(), db.connection_context():
        rv = first_records()[0]
        for name in ("gvcn.1a", "hieutruong", "vanthu"):
            chain.sign_step(user(name), rv, PASS)
        rv = reload(rv)
        return rv.pupil.full_name, chain.read_pdf(rv)


def upload(browser, data):
    return browser.post("/xac-thuc/", {"file": (io.BytesIO(data), "hocba.pdf")}, form_page="/xac-thuc/",
                        content_type="multipart/form-data")


def test_genuine_record_shows_pupil_class_year_and_vietnam_times(demo_browser, issued_pdf):
    name, pdf = issued_pdf
    page = upload(demo_browser, pdf).get_data(as_text=True)
    assert "Học bạ hợp lệ" in page
    heading = page.split('class="record-heading"')[1].split("</dl>")[0]
    assert name in heading and "1A" in heading and "năm học 20" in heading
    assert re.search(r"Ký lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}", page) and "(UTC)" not in page


def test_tampered_record_has_no_line_contradicting_the_headline(demo_browser, issued_pdf):
    _, pdf = issued_pdf
    data = bytearray(pdf)
    i = data.find(b"/Producer (WeasyPrint")  # the first revision's Info: inside every signed range, still parseable
    data[i + 14] ^= 0x01
    page = upload(demo_browser, bytes(data)).get_data(as_text=True)
    assert "Học bạ không hợp lệ" in page
    assert "không nối được tới chứng thư gốc" not in page  # certificates are not blamed for a changed file
    lines = re.findall(r'<li class="check (\w+)">(.*?)</li>', page, re.S)
    data_line = [status for status, text in lines if "trùng với dữ liệu nhà trường" in text]
    assert data_line == ["unknown"], lines
