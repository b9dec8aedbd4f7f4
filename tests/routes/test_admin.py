"""Administration forms: errors next to the field, what was typed kept, one transaction per action."""
import pytest

from portal.db import db
from portal.models import AuditEntry, CalendarDate, Pupil, SchoolClass, TeachingAssignment, User
from tests.conftest import csrf_from


@pytest.fixture
def admin(demo_browser):
    demo_browser.login("admin")
    return demo_browser


def form_post(browser, path, data):
    token = csrf_from(browser.get(path).get_data(as_text=True))
    return browser.client.post(path, data={**data, "csrf_token": token})


def class_id(name):
    with db.connection_context():
        return SchoolClass.get(SchoolClass.name == name).id


PUPIL = {"code": "HS123456", "full_name": "Bùi Thị Ngọc Ẩn", "gender": "2", "born_on": "09/09/2019",
         "ethnicity": "Kinh", "nationality": "Việt Nam", "birthplace": "Hải Phòng", "national_id": "031319123456"}


def test_new_pupil_is_saved_enrolled_and_audited(admin):
    resp = form_post(admin, "/quan-tri/hoc-sinh/moi", {**PUPIL, "school_class": class_id("2A")})
    assert resp.status_code == 303
    with db.connection_context():
        p = Pupil.get(Pupil.code == "HS123456")
        assert p.enrolments[0].school_class.name == "2A" and p.review_note == ""
        entry = AuditEntry.get(AuditEntry.action == "pupil.created")
        assert "031319123456" not in entry.data


def test_pupil_form_errors_keep_what_was_typed(admin):
    resp = form_post(admin, "/quan-tri/hoc-sinh/moi", {**PUPIL, "born_on": "30/02/2019", "national_id": "12ab",
                                                       "school_class": class_id("2A")})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Ngày 30/02/2019 không tồn tại." in text
    assert "Mã định danh gồm đúng 12 chữ số." in text
    assert 'value="Bùi Thị Ngọc Ẩn"' in text and 'value="30/02/2019"' in text
    with db.connection_context():
        assert not Pupil.select().where(Pupil.code == "HS123456").exists()


def test_duplicate_pupil_code_is_refused_next_to_the_field(admin):
    with db.connection_context():
        taken = Pupil.select().first().code
    resp = form_post(admin, "/quan-tri/hoc-sinh/moi", {**PUPIL, "code": taken, "school_class": class_id("2A")})
    assert resp.status_code == 422 and "Mã học sinh đã tồn tại." in resp.get_data(as_text=True)


def test_mismatching_national_id_is_flagged(admin):
    resp = form_post(admin, "/quan-tri/hoc-sinh/moi", {**PUPIL, "national_id": "031218123456",
                                                       "school_class": class_id("2A")})
    assert resp.status_code == 303
    with db.connection_context():
        note = Pupil.get(Pupil.code == "HS123456").review_note
        assert "giới tính" in note and "2018" in note
    listing = admin.get("/quan-tri/hoc-sinh?ra_soat=1").get_data(as_text=True)
    assert "Bùi Thị Ngọc Ẩn" in listing and "Cần rà soát" in listing


def test_pupil_search_returns_a_partial_for_htmx(admin):
    full = admin.get("/quan-tri/hoc-sinh?q=Nguyễn")
    partial = admin.get("/quan-tri/hoc-sinh?q=Nguyễn", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert "<html" in full.get_data(as_text=True)
    body = partial.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div class="card" id="pupil-table">')
    restore = admin.get("/quan-tri/hoc-sinh", headers={"HX-Request": "true", "HX-Request-Type": "partial",
                                                        "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_class_create_duplicate_and_delete(admin):
    with db.connection_context():
        grade_id = SchoolClass.get(SchoolClass.name == "1A").grade_id
    ok = form_post(admin, "/quan-tri/lop", {"name": "1c", "grade": grade_id, "homeroom": 0})
    assert ok.status_code == 303
    dup = form_post(admin, "/quan-tri/lop", {"name": "1C", "grade": grade_id, "homeroom": 0})
    assert dup.status_code == 422 and "Lớp 1C đã có" in dup.get_data(as_text=True)
    refused = form_post(admin, f"/quan-tri/lop/{class_id('1A')}", {})  # empty form: errors, no change
    assert refused.status_code == 422
    delete_full = admin.post(f"/quan-tri/lop/{class_id('1A')}/xoa", form_page="/quan-tri/lop")
    assert delete_full.status_code == 303  # refused with a flash: the class has pupils
    with db.connection_context():
        assert SchoolClass.select().where(SchoolClass.name == "1A").exists()
    admin.post(f"/quan-tri/lop/{class_id('1C')}/xoa", form_page="/quan-tri/lop")
    with db.connection_context():
        assert not SchoolClass.select().where(SchoolClass.name == "1C").exists()


def test_assignment_add_and_remove_with_htmx_partial(admin):
    from portal.models import Staff, Subject
    cid = class_id("1A")
    with db.connection_context():
        music = Subject.get(Subject.code == "AN").id
        teacher = Staff.get(Staff.full_name == "Đỗ Thùy Dương").id
    token = csrf_from(admin.get(f"/quan-tri/lop/{cid}").get_data(as_text=True))
    resp = admin.client.post(f"/quan-tri/lop/{cid}/phan-cong", data={"a-staff": teacher, "a-subject": music, "csrf_token": token},
                             headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith('<section class="card" id="assignments">')
    assert "Đỗ Thùy Dương" in body
    with db.connection_context():
        ta = TeachingAssignment.get((TeachingAssignment.school_class == cid) & (TeachingAssignment.staff == teacher))
    again = admin.client.post(f"/quan-tri/lop/{cid}/phan-cong", data={"a-staff": teacher, "a-subject": music, "csrf_token": token})
    assert again.status_code == 422 and "Phân công này đã có." in again.get_data(as_text=True)
    admin.client.post(f"/quan-tri/phan-cong/{ta.id}/xoa", data={"csrf_token": token})
    with db.connection_context():
        assert not TeachingAssignment.select().where(TeachingAssignment.id == ta.id).exists()


def test_new_staff_account_must_change_password(admin):
    resp = form_post(admin, "/quan-tri/can-bo/moi", {"code": "GV777", "full_name": "Lưu Thị Ửng", "gender": "2",
                                                      "title": "Giáo viên", "username": "gv.ung",
                                                      "roles": ["homeroom"], "is_active": "y"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "mật khẩu tạm" in text
    with db.connection_context():
        assert User.get(User.username == "gv.ung").must_change_password


def test_staff_username_taken(admin):
    resp = form_post(admin, "/quan-tri/can-bo/moi", {"code": "GV778", "full_name": "Ai Đó", "gender": "1",
                                                      "title": "Giáo viên", "username": "gvcn.1a", "is_active": "y"})
    assert resp.status_code == 422 and "Tên đăng nhập đã được sử dụng." in resp.get_data(as_text=True)


def test_calendar_edit_validates_each_date(admin):
    with db.connection_context():
        rows = list(CalendarDate.select())
    data = {f"date-{r.id}": r.on.strftime("%d/%m/%Y") for r in rows}
    data[f"date-{rows[0].id}"] = "32/13/2026"
    resp = form_post(admin, "/quan-tri/nam-hoc/1/lich", data)
    assert resp.status_code == 422 and 'value="32/13/2026"' in resp.get_data(as_text=True)
    data[f"date-{rows[0].id}"] = "01/06/2027"
    assert form_post(admin, "/quan-tri/nam-hoc/1/lich", data).status_code == 303
    with db.connection_context():
        assert CalendarDate.get_by_id(rows[0].id).on.isoformat() == "2027-06-01"


def test_new_year_and_duplicate(admin):
    assert form_post(admin, "/quan-tri/nam-hoc", {"first_year": "2027"}).status_code == 303
    dup = form_post(admin, "/quan-tri/nam-hoc", {"first_year": "2027"})
    assert dup.status_code == 422 and "đã tồn tại" in dup.get_data(as_text=True)
    bad = form_post(admin, "/quan-tri/nam-hoc", {"first_year": "abc"})
    assert bad.status_code == 422


def test_school_form_keeps_input_on_error(admin):
    resp = form_post(admin, "/quan-tri/truong", {"name": "", "code": "31001234", "level": "TH", "province": "Hải Phòng",
                                                 "place_of_issue": "Hải Phòng", "department": "Sở GD&ĐT Hải Phòng"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Vui lòng nhập thông tin này." in text and "Sở GD&amp;ĐT Hải Phòng" in text
