"""What a phone downloads: static files under content-hashed names, cached for a year and compressed; a
first full page load ≤ 70 KB, a reload ≤ 15 KB with no static file fetched again; no console error on the
pages of the teacher's and the board's journeys."""
import re

import pytest

from bench.browser import PHONE, Wire
from portal.db import db
from portal.models import SchoolClass, Subject
from portal.services.school.years import class_roster
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

FIRST_LOAD_BYTES = 70 * 1024
REPEAT_BYTES = 15 * 1024


def targets():
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        tv = Subject.get(Subject.code == "TV")
        return klass.id, tv.id, class_roster(klass)[0].id, klass.year_id


def test_static_files_have_hashed_names_long_caching_and_compression(live_server, phone):
    phone.goto(f"{live_server}/login")
    urls = phone.evaluate("[...document.querySelectorAll('link[rel=stylesheet], script[src], link[rel=icon]')]"
                          ".map(e => e.href || e.src)")
    assert len(urls) == 4
    for url in urls:
        assert re.search(r"/s/[a-z.]+\.[0-9a-f]{10}\.(css|js|svg)$", url), url
        resp = phone.request.get(url, headers={"Accept-Encoding": "gzip"})
        assert "immutable" in resp.headers["cache-control"] and "max-age=31536000" in resp.headers["cache-control"]
        if not url.endswith(".svg"):
            assert resp.headers.get("content-encoding") == "gzip", url


@pytest.mark.parametrize("path", ["/login", "/", "/danh-gia/lop/{k}/hs/{p}/CK1?mon={s}", "/danh-gia/lop/{k}/mon/{s}/CK1",
                                  "/hoc-ba/{p}/{y}"])
def test_first_load_and_reload_on_a_phone_stay_small(live_server, chromium, path):
    k, s, p, y = targets()
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    if path != "/login":
        login(page, live_server, "gvcn.1a")
        state = context.storage_state()
        context.close()
        context = chromium.new_context(**PHONE, storage_state=state)  # logged in, nothing cached
        page = context.new_page()
    wire = Wire(page)
    with wire.measure() as first:
        page.goto(live_server + path.format(k=k, s=s, p=p, y=y))
    with wire.measure() as again:
        page.reload()
    context.close()
    limit = FIRST_LOAD_BYTES if not path.startswith("/hoc-ba") else 200 * 1024  # page images: no 1.6 MB of fonts
    assert first["bytes"] <= limit, first["requests"]
    assert again["bytes"] <= REPEAT_BYTES, again["requests"]
    # Cache hits cost 0 bytes. (Chromium's favicon loader may revalidate its icon: a bodiless 304.)
    assert not [(u, n) for u, n in again["requests"] if n and "/s/" in u and "favicon" not in u]
    assert not [u for u, _ in first["requests"] if u.endswith((".ttf", ".woff", ".woff2"))]
    assert wire.errors == []


JOURNEYS = {
    "gvcn.1a": ["/", "/lop/{k}", "/danh-gia/lop/{k}?cp=CK1", "/danh-gia/lop/{k}/mon/{s}/CK1",
                "/danh-gia/lop/{k}/hs/{p}/CK1?mon={s}", "/danh-gia/lop/{k}/hs/{p}/CK1", "/danh-gia/lop/{k}/pcnl/CK1",
                "/danh-gia/lop/{k}/tat-ca/CK1", "/tong-hop/lop/{k}/CN", "/hoc-ba/{p}/{y}", "/ky/", "/password"],
    "hieutruong": ["/", "/lop/", "/lop/{k}", "/duyet/", "/duyet/tien-do", "/duyet/lich-su", "/duyet/nhat-ky", "/ky/",
                   "/hoc-ba/{p}/{y}"],
    "vanthu": ["/", "/lop/{k}", "/ky/", "/hoc-ba/{p}/{y}"],
    "admin": ["/", "/quan-tri/", "/quan-tri/hoc-sinh", "/quan-tri/can-bo", "/quan-tri/lop"],
    None: ["/login", "/xac-thuc/", "/phu-huynh/"],
}


@pytest.mark.parametrize("who", list(JOURNEYS), ids=lambda w: w or "public")
def test_no_console_errors_on_the_journeys_pages(live_server, phone, who):
    k, s, p, y = targets()
    wire = Wire(phone)
    if who:
        login(phone, live_server, who)
    for path in JOURNEYS[who]:
        phone.goto(live_server + path.format(k=k, s=s, p=p, y=y))
        phone.wait_for_load_state("networkidle")
    assert wire.errors == []
