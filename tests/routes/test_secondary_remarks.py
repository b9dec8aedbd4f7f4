"""The homeroom teacher's year lines of a secondary pupil (TT22 annex: nhận xét của giáo viên chủ nhiệm,
chứng chỉ, kết quả tham gia các cuộc thi), entered under the class summary: who may write them, the
Vietnamese validation, the Học kì II lock (a change request) and the signing chain's freeze."""
import pytest

from portal.db import db
from portal.models import ChangeRequest, EvaluationChange, EvaluationLock, RecordVersion, User, YearRemark
from portal.services.evaluation.entry import decide
from portal.services.records.record import new_code
from tests import factories
from tests.secondary_helpers import fill_pupil, thcs_class

HX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.fixture
def setup(app, browser):
    with app.app_context(), db.connection_context():
        klass, users, kids = thcs_class(2)
        fill_pupil(klass, kids[0], "9.5")
        factories.make_user("quantri", roles={"admin": True})
    return browser, klass, kids


def _post(browser, klass, pupil, htmx=True, **fields):
    data = {f"r{pupil.id}-{k}": v for k, v in fields.items()}
    return browser.post(f"/trung-hoc/lop/{klass.id}/nhan-xet/{pupil.id}", data,
                        form_page=f"/trung-hoc/lop/{klass.id}/tong-hop", headers=HX if htmx else {})


def _remark(pupil):
    with db.connection_context():
        return YearRemark.get_or_none(YearRemark.pupil == pupil.id)


def test_the_homeroom_teacher_writes_the_year_lines_under_the_summary(setup):
    browser, klass, kids = setup
    browser.login("gvcn.6a")
    page = browser.get(f"/trung-hoc/lop/{klass.id}/tong-hop").get_data(as_text=True)
    assert f'id="remark-{kids[0].id}"' in page and "Nhận xét của giáo viên chủ nhiệm" in page
    assert "Học sinh Xuất sắc" in page  # what the comment is about, beside the form
    resp = _post(browser, klass, kids[0], homeroom_comment="Chăm ngoan, học tốt.",
                 certificates="Chứng chỉ tin học IC3\n\n  TOEFL Primary  ", competitions="Giải Nhì Toán cấp thành phố")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith(f'<form method="post"')
    assert f'id="remark-{kids[0].id}"' in body and "Đã lưu." in body and "Chăm ngoan, học tốt." in body
    row = _remark(kids[0])
    assert (row.homeroom_comment, row.certificates, row.competitions) == (
        "Chăm ngoan, học tốt.", "Chứng chỉ tin học IC3\nTOEFL Primary", "Giải Nhì Toán cấp thành phố")
    with db.connection_context():
        assert {c.field for c in EvaluationChange.select()} == {"homeroom_comment", "certificates", "competitions"}
    # the same again changes nothing
    resp = _post(browser, klass, kids[0], homeroom_comment="Chăm ngoan, học tốt.",
                 certificates="Chứng chỉ tin học IC3\nTOEFL Primary", competitions="Giải Nhì Toán cấp thành phố")
    assert "Không có thay đổi." in resp.get_data(as_text=True)
    with db.connection_context():
        assert EvaluationChange.select().count() == 3


def test_without_javascript_the_form_posts_and_comes_back_to_the_pupil(setup):
    browser, klass, kids = setup
    browser.login("gvcn.6a")
    resp = _post(browser, klass, kids[1], htmx=False, homeroom_comment="Cần cố gắng hơn.")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/tong-hop#remark-{kids[1].id}")
    assert _remark(kids[1]).homeroom_comment == "Cần cố gắng hơn."


def test_too_long_is_refused_in_vietnamese_and_the_text_is_kept(setup):
    browser, klass, kids = setup
    browser.login("gvcn.6a")
    long = "Rất tốt. " * 120  # over 1000 characters
    resp = _post(browser, klass, kids[0], homeroom_comment=long, certificates="A" * 501)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Tối đa 1000 ký tự." in body and "Tối đa 500 ký tự." in body
    assert long.strip() in body
    assert _remark(kids[0]) is None
    page = _post(browser, klass, kids[0], htmx=False, homeroom_comment=long)
    assert page.status_code == 422 and "Bảng tổng hợp" in page.get_data(as_text=True)


@pytest.mark.parametrize("who, status", [("toan.6a", 403), ("ht", 403), ("khac.6a", 403), ("quantri", 200)])
def test_only_the_homeroom_teacher_or_the_administrator_writes(setup, who, status):
    browser, klass, kids = setup
    browser.login(who)
    resp = _post(browser, klass, kids[0], homeroom_comment="Ghi thay.")
    assert resp.status_code == status
    assert (_remark(kids[0]) is not None) == (status == 200)


def test_the_board_reads_the_lines_without_a_form(setup, app):
    browser, klass, kids = setup
    with app.app_context(), db.connection_context():
        YearRemark.create(pupil=kids[0], school_class=klass, homeroom_comment="Lễ phép, chăm chỉ.")
    browser.login("ht")
    page = browser.get(f"/trung-hoc/lop/{klass.id}/tong-hop").get_data(as_text=True)
    assert "Lễ phép, chăm chỉ." in page and f'name="r{kids[0].id}-homeroom_comment"' not in page


def test_a_pupil_of_another_class_is_not_found(setup, app):
    browser, klass, kids = setup
    with app.app_context(), db.connection_context():
        other = factories.make_pupil(factories.make_class("7A", grade=7))
    browser.login("gvcn.6a")
    assert _post(browser, klass, other, homeroom_comment="x").status_code == 404


def test_after_the_year_is_locked_a_change_needs_a_reason_and_the_principal(setup, app):
    browser, klass, kids = setup
    with app.app_context(), db.connection_context():
        EvaluationLock.create(year=klass.year_id, checkpoint="HK2")
    browser.login("gvcn.6a")
    resp = _post(browser, klass, kids[0], homeroom_comment="Tiến bộ rõ.")
    assert resp.status_code == 409 and "Học kì II đã khóa sổ" in resp.get_data(as_text=True)
    resp = _post(browser, klass, kids[0], homeroom_comment="Tiến bộ rõ.", reason="Bổ sung nhận xét")
    assert resp.status_code == 202 and "chờ Hiệu trưởng duyệt" in resp.get_data(as_text=True)
    assert _remark(kids[0]) is None
    with app.app_context(), db.connection_context():
        request = ChangeRequest.get()
        assert (request.field, request.checkpoint, request.new_value) == ("homeroom_comment", "HK2", "Tiến bộ rõ.")
        decide(User.get(User.username == "ht"), request, approve=True)
    assert _remark(kids[0]).homeroom_comment == "Tiến bộ rõ."


def test_a_record_in_the_signing_chain_is_not_changed(setup, app):
    browser, klass, kids = setup
    with app.app_context(), db.connection_context():
        RecordVersion.create(pupil=kids[0], school_class=klass, code=new_code(), status="signing", step=1)
    browser.login("gvcn.6a")
    resp = _post(browser, klass, kids[0], homeroom_comment="Muộn.")
    assert resp.status_code == 422 and "dữ liệu đã khóa" in resp.get_data(as_text=True)
    assert _remark(kids[0]) is None
