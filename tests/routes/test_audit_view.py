"""The principal's audit view and certificate expiry warnings."""
import datetime as dt

from portal.db import db
from portal.models import Certificate, User


def test_principal_browses_and_filters_the_audit_trail(demo_browser):
    demo_browser.login("hieutruong")
    page = demo_browser.get("/duyet/nhat-ky").get_data(as_text=True)
    assert "Nhật ký kiểm toán" in page and "<td>Đăng nhập</td>" in page and "login.ok" not in page
    filtered = demo_browser.get("/duyet/nhat-ky?loai=certificate", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    body = filtered.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="card grid-wrap" id="audit-table"')
    assert "<td>Cài chứng thư số</td>" in body and "<td>Đăng nhập</td>" not in body
    bad = demo_browser.get("/duyet/nhat-ky?tu=99/99/2026").get_data(as_text=True)
    assert "không tồn tại" in bad or "ngày/tháng/năm" in bad


def test_teachers_cannot_read_the_audit_trail(demo_browser):
    demo_browser.login("gvcn.1a")
    assert demo_browser.get("/duyet/nhat-ky").status_code == 403


def test_expiring_certificate_is_warned_30_days_ahead(demo_browser):
    with db.connection_context():
        user = User.get(User.username == "gvcn.1a")
        Certificate.update(not_after=dt.datetime.utcnow() + dt.timedelta(days=20)).where(Certificate.user == user).execute()
    demo_browser.login("gvcn.1a")
    assert "hết hạn ngày" in demo_browser.get("/").get_data(as_text=True)
