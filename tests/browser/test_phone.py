"""A homeroom teacher on a phone: logs in and sees the class, sorted the Vietnamese way, without sideways scrolling."""
import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


# Written out by hand in Vietnamese class-list order: by given name (a < ă < â, d < đ, tones after the
# letters: Anh < Ánh < Ân), then by family and middle name as written (Đỗ < Lê < Nguyễn).
HAND_SORTED = [
    "Trần Thị An", "Phạm Văn Anh", "Ngô Thị Ánh", "Lý Thị Ân", "Hoàng Gia Bảo", "Vũ Tiến Dũng", "Mai Quốc Đạt",
    "Đỗ Minh", "Lê Văn Minh", "Nguyễn Đức Minh",
]


def add_to_1a(names):
    from portal.db import db
    from portal.models import SchoolClass
    from tests import factories
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        present = {e.pupil.full_name for e in klass.enrolments}
        assert not present & set(names), "the hand-picked names are not already in the demo class"
        for name in names:
            factories.make_pupil(klass, full_name=name)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_homeroom_teacher_sees_class_1a_sorted_on_a_phone(live_server, phone, tmp_path):
    add_to_1a(list(reversed(HAND_SORTED)))  # entered in the wrong order on purpose
    login(phone, live_server, "gvcn.1a")
    assert "Lớp 1A" in phone.inner_text("section[id^=my-class] h2")
    names = phone.locator("table.roster td.name").all_inner_texts()
    assert 40 <= len(names) <= 45
    assert [n for n in names if n in HAND_SORTED] == HAND_SORTED
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=str(tmp_path / "gvcn-1a-phone.png"), full_page=False)

    phone.click("section[id^=my-class] h2 a")
    phone.wait_for_url(f"{live_server}/lop/*")
    assert phone.locator("table.roster td.name").all_inner_texts() == names
    assert no_horizontal_scroll(phone)


def test_admin_pages_fit_a_phone(live_server, phone):
    login(phone, live_server, "admin")
    for path in ["/quan-tri/", "/quan-tri/hoc-sinh", "/quan-tri/can-bo", "/quan-tri/lop", "/quan-tri/nam-hoc/1/lich",
                 "/quan-tri/hoc-sinh/moi"]:
        phone.goto(live_server + path)
        assert no_horizontal_scroll(phone), path


def test_login_error_on_phone_keeps_username(live_server, phone):
    phone.goto(f"{live_server}/login")
    phone.fill("#username", "gvcn.1a")
    phone.fill("#password", "sai-mat-khau")
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=Tên đăng nhập hoặc mật khẩu không đúng.")
    assert phone.input_value("#username") == "gvcn.1a"
