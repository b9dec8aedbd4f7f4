"""A homeroom teacher on a phone: logs in and sees the class, sorted the Vietnamese way, without sideways scrolling."""
import pytest

from portal.services.collation import sort_people
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


class Named:
    def __init__(self, full_name):
        self.full_name = full_name


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_homeroom_teacher_sees_class_1a_sorted_on_a_phone(live_server, phone, tmp_path):
    login(phone, live_server, "gvcn.1a")
    assert "Lớp 1A" in phone.inner_text("section[id^=my-class] h2")
    names = phone.locator("table.roster td.name").all_inner_texts()
    assert 30 <= len(names) <= 35
    assert names == [n.full_name for n in sort_people([Named(n) for n in names])]
    given = [n.split()[-1] for n in names]
    assert given == [n.full_name.split()[-1] for n in sort_people([Named(n) for n in names])]
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
