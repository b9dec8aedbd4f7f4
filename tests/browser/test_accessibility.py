"""axe-core (a pinned copy, tests/browser/vendor) on the main pages, on a phone: no serious or critical
violation. A failing rule is reported with the elements it found."""
import hashlib
from pathlib import Path

import pytest

from portal.db import db
from portal.models import SchoolClass, Subject
from portal.services.school.years import class_roster
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


@pytest.fixture
def axe_phone(chromium):
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256, "tests/browser/vendor/axe.min.js changed"
    # The checker is injected by the test, so the page's Content-Security-Policy must not stop it.
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    yield page
    context.close()


def serious(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def targets():
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        tv = Subject.get(Subject.code == "TV")
        return klass.id, tv.id, class_roster(klass)[0].id, klass.year_id


PUBLIC = ["/login", "/xac-thuc/", "/phu-huynh/"]
TEACHER = ["/", "/lop/{k}", "/danh-gia/lop/{k}?cp=CK1", "/danh-gia/lop/{k}/hs/{p}/CK1?mon={s}",
           "/danh-gia/lop/{k}/hs/{p}/CK1", "/danh-gia/lop/{k}/mon/{s}/CK1", "/danh-gia/lop/{k}/pcnl/CK1",
           "/danh-gia/lop/{k}/tat-ca/CN", "/tong-hop/lop/{k}/CN", "/hoc-ba/{p}/{y}", "/ky/", "/password"]
BOARD = ["/", "/lop/", "/duyet/", "/duyet/tien-do", "/duyet/lich-su", "/duyet/nhat-ky", "/ky/"]


@pytest.mark.parametrize("who, paths", [(None, PUBLIC), ("gvcn.1a", TEACHER), ("hieutruong", BOARD)],
                         ids=["public", "homeroom", "board"])
def test_main_pages_have_no_serious_accessibility_violations(live_server, axe_phone, who, paths):
    k, s, p, y = targets()
    if who:
        login(axe_phone, live_server, who)
    found = {}
    for path in paths:
        axe_phone.goto(live_server + path.format(k=k, s=s, p=p, y=y))
        violations = serious(axe_phone)
        if violations:
            found[path] = violations
    assert found == {}
