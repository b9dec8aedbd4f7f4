"""Frozen records (issue 11 item 2): every write that would change a record in the signing chain is
refused inside its own write transaction, with a message naming the signing state."""
import threading

import pytest

from portal.db import db, write_tx
from portal.models import (
    ChangeRequest, EvaluationChange, EvaluationLock, Pupil, RecordSignature, RecordVersion, SchoolClass, Staff,
    Subject, SubjectResult, User, YearResult,
)
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.evaluation import entry, results, results_io
from portal.services.records import freeze
from portal.services.records.record import ensure_record
from portal.services.school import imports, people, settings
from portal.services.system.tables import write_xlsx
from tests.signing_helpers import first_records

SIGNED_HOMEROOM = ("Học bạ của {name} đang trong quy trình ký (đã có chữ ký của Giáo viên chủ nhiệm); "
                   "dữ liệu đã khóa. Muốn sửa, Hiệu trưởng cần rút học bạ khỏi quy trình ký.")


def user(name):
    return User.get(User.username == name)


def put_in_chain(rv, status="signing", roles=("homeroom",)):
    """What the signing step leaves behind: the status, the step, one signature row per role."""
    with write_tx():
        for role in roles:
            RecordSignature.create(record=rv, role=role, signer_name="Người ký thử", pdf_sha256="x" * 64)
        RecordVersion.update(status=status, step=len(roles), frozen_at=utcnow()).where(
            RecordVersion.id == rv.id).execute()
    return RecordVersion.get_by_id(rv.id)


def in_other_thread(fn):
    """Run fn on another thread with its own connection, committed before returning (a second user)."""
    errors = []

    def run():
        try:
            with db.connection_context():
                fn()
        except Exception as err:  # noqa: BLE001 - re-raised in the test thread
            errors.append(err)
    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not errors, errors


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), db.connection_context(), demo_app.test_request_context():
        yield demo_app


@pytest.fixture
def record(ctx):
    """A 1A pupil's record (not CHT), still a draft."""
    return first_records("1A", n=1)[0]


def tv_result(rv, cp="CN"):
    return SubjectResult.get(pupil=rv.pupil, school_class=rv.school_class, checkpoint=cp,
                             subject=Subject.get(Subject.code == "TV"))


@pytest.mark.parametrize("status, roles, expected", [
    ("signing", (), "Học bạ của {name} đang được ký; dữ liệu đã khóa. Muốn sửa, Hiệu trưởng cần rút học bạ "
                    "khỏi quy trình ký."),
    ("signing", ("homeroom",), SIGNED_HOMEROOM),
    ("signing", ("homeroom", "principal"), "Học bạ của {name} đang trong quy trình ký (đã có chữ ký của Giáo viên "
                                           "chủ nhiệm, Hiệu trưởng); dữ liệu đã khóa. Muốn sửa, Hiệu trưởng cần "
                                           "rút học bạ khỏi quy trình ký."),
    ("issued", ("homeroom", "principal", "seal"), "Học bạ của {name} đã phát hành; dữ liệu đã khóa. Muốn sửa, cần "
                                                  "gửi đề nghị đính chính để Hiệu trưởng lập phiên bản đính chính."),
], ids=["claimed-step-0", "after-homeroom", "after-principal", "issued"])
def test_message_names_the_signing_state(record, status, roles, expected):
    rv = put_in_chain(record, status, roles)
    assert freeze.message(rv) == expected.format(name=rv.pupil.full_name)


def test_draft_record_is_not_frozen(record):
    freeze.ensure_open(record.pupil, record.school_class)  # no exception


def test_cell_save_on_a_frozen_record_is_refused_and_changes_nothing(record):
    rv = put_in_chain(record)
    before = (tv_result(rv).comment, EvaluationChange.select().count())
    with pytest.raises(freeze.Frozen) as err:
        entry.save(user("gvcn.1a"), rv.school_class, rv.pupil.id, "CN", "comment", "Sửa sau khi ký",
                        subject=Subject.get(Subject.code == "TV"))
    assert err.value.message == SIGNED_HOMEROOM.format(name=rv.pupil.full_name)
    assert (tv_result(rv).comment, EvaluationChange.select().count()) == before


def test_cell_save_route_answers_422_with_the_message(demo_app, demo_browser):
    with demo_app.app_context(), db.connection_context():
        rv = put_in_chain(first_records("1A", n=1)[0], roles=())
        url = f"/danh-gia/o/{rv.school_class_id}/{rv.pupil_id}/CN/s{Subject.get(Subject.code == 'TV').id}/comment"
        name = rv.pupil.full_name
    demo_browser.login("gvcn.1a")
    resp = demo_browser.post(url, {"value": "Sửa"}, headers={"HX-Request": "true"})
    assert resp.status_code == 422
    assert f"Học bạ của {name} đang được ký" in resp.get_data(as_text=True)


def test_record_frozen_between_the_first_checks_and_the_write_is_refused(record, monkeypatch):
    """The check runs under the write lock: a signer claiming the record after the permission, value and
    enrolment checks (here on another thread, committed) still stops the save."""
    real = entry.parse_value

    def parse_then_someone_signs(*args, **kw):
        value = real(*args, **kw)
        in_other_thread(lambda: put_in_chain(RecordVersion.get_by_id(record.id), roles=()))
        return value
    monkeypatch.setattr(entry, "parse_value", parse_then_someone_signs)
    before = tv_result(record).comment
    with pytest.raises(freeze.Frozen, match="đang được ký"):
        entry.save(user("gvcn.1a"), record.school_class, record.pupil.id, "CN", "comment", "Chen vào",
                        subject=Subject.get(Subject.code == "TV"))
    assert tv_result(record).comment == before


def test_saves_racing_a_freeze_never_land_after_it(ctx, record):
    """Two real threads: one keeps saving, the other freezes the record. Every change the saver got in
    carries a time before the freeze; the first save after it was refused."""
    tv = Subject.get(Subject.code == "TV")
    klass_id, pupil_id, rv_id = record.school_class_id, record.pupil_id, record.id
    teacher_id = user("gvcn.1a").id
    started, refused, errors = threading.Event(), [], []

    def saver():
        try:
            with ctx.app_context(), db.connection_context():
                klass, teacher = SchoolClass.get_by_id(klass_id), User.get_by_id(teacher_id)
                for i in range(2000):
                    try:
                        entry.save(teacher, klass, pupil_id, "CN", "comment", f"Lần {i}", subject=tv)
                    except freeze.Frozen:
                        refused.append(i)
                        return
                    started.set()
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            started.set()

    t = threading.Thread(target=saver)
    t.start()
    started.wait(30)
    in_other_thread(lambda: put_in_chain(RecordVersion.get_by_id(rv_id), roles=()))
    t.join(120)
    assert not errors, errors
    frozen_at = RecordVersion.get_by_id(rv_id).frozen_at
    changes = list(EvaluationChange.select().where((EvaluationChange.pupil == pupil_id)
                                                   & EvaluationChange.new_value.startswith("Lần ")))
    assert refused, "the saver was never refused"
    assert changes and all(c.changed_at <= frozen_at for c in changes)


def test_approving_a_request_filed_before_signing_is_refused(record):
    rv = record
    klass = rv.school_class
    EvaluationLock.create(year=klass.year, checkpoint="CN", locked_by=user("hieutruong"))
    saved = entry.save(user("gvcn.1a"), klass, rv.pupil.id, "CN", "comment", "Đề nghị trước khi ký",
                            subject=Subject.get(Subject.code == "TV"), reason="Nhập nhầm nhận xét")
    assert saved.status == "requested"
    before = tv_result(rv).comment
    put_in_chain(rv)
    with pytest.raises(freeze.Frozen, match="đã có chữ ký của Giáo viên chủ nhiệm"):
        entry.decide(user("hieutruong"), saved.request, approve=True)
    assert ChangeRequest.get_by_id(saved.request.id).status == "pending"
    assert tv_result(rv).comment == before
    rejected = entry.decide(user("hieutruong"), saved.request, approve=False, note="Đã ký")
    assert rejected.status == "rejected"


def test_a_request_is_decided_once_even_from_a_stale_copy(record):
    klass = record.school_class
    EvaluationLock.create(year=klass.year, checkpoint="CN", locked_by=user("hieutruong"))
    saved = entry.save(user("gvcn.1a"), klass, record.pupil.id, "CN", "comment", "Một đề nghị",
                            subject=Subject.get(Subject.code == "TV"), reason="Sửa lỗi chính tả")
    stale = ChangeRequest.get_by_id(saved.request.id)
    entry.decide(user("hieutruong"), saved.request, approve=False)
    with pytest.raises(ServiceError, match="đã được xử lý"):
        entry.decide(user("hieutruong"), stale, approve=True)
    assert tv_result(record).comment != "Một đề nghị"


@pytest.mark.parametrize("change, field", [
    (lambda k: {"name": "1Z"}, "name"),
    (lambda k: {"grade_id": k.grade_id + 1}, "name"),
    (lambda k: {"homeroom_id": Staff.get(Staff.full_name == "Bùi Thị Hằng").id}, "homeroom"),
], ids=["rename", "grade", "homeroom"])
def test_class_changes_are_refused_while_a_record_is_in_the_chain(record, change, field):
    klass = record.school_class
    put_in_chain(record)
    current = {"name": klass.name, "grade_id": klass.grade_id, "homeroom_id": klass.homeroom_id}
    with pytest.raises(freeze.Frozen) as err:
        settings.save_class(user("admin"), klass, klass.year, **{**current, **change(klass)})
    assert err.value.field == field
    assert err.value.message.startswith("Không thể đổi")
    assert "lớp 1A: 1 học bạ của lớp đang trong quy trình ký." in err.value.message
    assert SIGNED_HOMEROOM.format(name=record.pupil.full_name) in err.value.message
    again = SchoolClass.get_by_id(klass.id)
    assert (again.name, again.grade_id, again.homeroom_id) == (klass.name, klass.grade_id, klass.homeroom_id)


def test_homeroom_may_change_once_the_first_wave_is_issued(record):
    """The summer's second wave may need another homeroom teacher; issued records keep their own copy."""
    klass = record.school_class
    put_in_chain(record, "issued", ("homeroom", "principal", "seal"))
    other = Staff.get(Staff.full_name == "Bùi Thị Hằng")
    settings.save_class(user("admin"), klass, klass.year, klass.name, klass.grade_id, other.id)
    assert SchoolClass.get_by_id(klass.id).homeroom_id == other.id
    with pytest.raises(freeze.Frozen, match="đã vào quy trình ký hoặc đã phát hành"):
        settings.save_class(user("admin"), klass, klass.year, "1Z", klass.grade_id, other.id)


def pupil_data(pupil, **change):
    return {**{f: getattr(pupil, f) for f in people.PUPIL_FIELDS}, **change}


def test_editing_a_frozen_pupils_data_is_refused(record):
    pupil = record.pupil
    put_in_chain(record)
    with pytest.raises(freeze.Frozen) as err:
        people.save_pupil(user("admin"), pupil, pupil_data(pupil, address="Số 1 đường Mới"), record.school_class, None)
    assert f"Học bạ của {pupil.full_name} (lớp 1A, năm học " in err.value.message
    assert "đã có chữ ký của Giáo viên chủ nhiệm" in err.value.message
    assert Pupil.get_by_id(pupil.id).address == pupil.address
    # saving the same data again changes nothing on the record, so it is not refused
    people.save_pupil(user("admin"), pupil, pupil_data(pupil), record.school_class, None)


def test_moving_a_frozen_pupil_to_another_class_is_refused(record):
    put_in_chain(record)
    other = SchoolClass.get(SchoolClass.name == "1B")
    with pytest.raises(freeze.Frozen):
        people.save_pupil(user("admin"), record.pupil, pupil_data(record.pupil), other, None)
    assert record.pupil.enrolments.first().school_class_id == record.school_class_id


def test_renaming_the_homeroom_teacher_of_a_class_in_the_chain_is_refused(record):
    put_in_chain(record)
    staff = record.school_class.homeroom
    data = {f: getattr(staff, f) for f in people.STAFF_FIELDS}
    with pytest.raises(freeze.Frozen, match="được in trên 1 học bạ đang trong quy trình ký"):
        people.save_staff(user("admin"), staff, {**data, "full_name": "Tên Khác Hẳn"}, None, {})
    people.save_staff(user("admin"), staff, {**data, "phone": "0912345678"}, None, {})  # not on the record: allowed
    assert Staff.get_by_id(staff.id).full_name == staff.full_name


def test_pupil_import_touching_a_frozen_pupil_reports_the_row(record):
    pupil = record.pupil
    put_in_chain(record)
    row = [pupil.code, pupil.full_name, pupil.gender_label, pupil.born_on.strftime("%d/%m/%Y"), "1A", pupil.ethnicity,
           pupil.nationality, pupil.birthplace or "Hải Phòng", pupil.hometown, "Địa chỉ mới", pupil.father_name,
           pupil.mother_name, pupil.guardian_name, pupil.national_id or "", pupil.registry_number]
    data = write_xlsx("Danh sách học sinh", imports.PUPIL_COLUMNS, [row])
    report = imports.validate_pupils("ds.xlsx", data, record.school_class.year)
    assert [(e.row, e.column) for e in report.errors] == [(2, "Mã học sinh")]
    assert "đã có chữ ký của Giáo viên chủ nhiệm" in report.errors[0].message


def test_pupil_import_frozen_between_validation_and_writing_writes_nothing(record):
    pupil = record.pupil
    row = [pupil.code, pupil.full_name, pupil.gender_label, pupil.born_on.strftime("%d/%m/%Y"), "1A", pupil.ethnicity,
           pupil.nationality, pupil.birthplace or "Hải Phòng", pupil.hometown, "Địa chỉ mới", pupil.father_name,
           pupil.mother_name, pupil.guardian_name, pupil.national_id or "", pupil.registry_number]
    report = imports.validate_pupils("ds.xlsx", write_xlsx("x", imports.PUPIL_COLUMNS, [row]), record.school_class.year)
    assert report.ok, report.errors
    in_other_thread(lambda: put_in_chain(RecordVersion.get_by_id(record.id), roles=()))
    with pytest.raises(ServiceError, match="^Dòng 2: Học bạ của .* đang được ký"):
        imports.apply_pupils(user("admin"), report, None)
    assert Pupil.get_by_id(pupil.id).address == pupil.address


def results_sheet(klass, rows):
    return write_xlsx("x", results_io.columns(True), rows)


def test_results_import_touching_a_frozen_pupil_reports_the_row(record):
    klass = record.school_class
    put_in_chain(record)
    tv = Subject.get(Subject.code == "TV")
    data = results_io.export(klass, tv, "CN")
    # edit the frozen pupil's comment in the exported sheet
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    for r in ws.iter_rows(min_row=2):
        if r[0].value == record.pupil.code:
            r[-1].value = "Nhận xét mới"
            rownum = r[0].row
    out = io.BytesIO()
    wb.save(out)
    report = results_io.import_results(user("gvcn.1a"), klass, tv, "CN", "kq.xlsx", out.getvalue())
    assert [(e.row, e.column) for e in report.errors] == [(rownum, "Mã học sinh")]
    assert report.errors[0].message == SIGNED_HOMEROOM.format(name=record.pupil.full_name)


def test_results_import_frozen_between_validation_and_writing_writes_nothing(record, monkeypatch):
    klass = record.school_class
    tv = Subject.get(Subject.code == "TV")
    others = [p for p in klass.enrolments if p.pupil_id != record.pupil_id][:2]
    rows = [[record.pupil.code, "", "T", 9, "Mới 1"]] + [[e.pupil.code, "", "T", 9, "Mới 2"] for e in others]
    real = results_io._write

    def signer_first(*args, **kw):
        in_other_thread(lambda: put_in_chain(RecordVersion.get_by_id(record.id), roles=()))
        return real(*args, **kw)
    monkeypatch.setattr(results_io, "_write", signer_first)
    before = {e.pupil_id: tv_result(e).comment for e in [record, *others]}
    report = results_io.import_results(user("gvcn.1a"), klass, tv, "CN", "kq.xlsx", results_sheet(klass, rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "Mã học sinh")]
    assert "đang được ký" in report.errors[0].message
    assert {e.pupil_id: tv_result(e).comment for e in [record, *others]} == before


def test_results_import_over_a_frozen_pupil_is_a_422_page(demo_app, demo_browser):
    with demo_app.app_context(), db.connection_context():
        rv = put_in_chain(first_records("1A", n=1)[0])
        klass, tv = rv.school_class, Subject.get(Subject.code == "TV")
        data = results_sheet(klass, [[rv.pupil.code, "", "T", 9, "Sửa sau khi ký"]])
        url = f"/danh-gia/excel/lop/{klass.id}/mon/{tv.id}/CN/nhap"
    demo_browser.login("gvcn.1a")
    import io
    resp = demo_browser.post(url, {"file": (io.BytesIO(data), "kq.xlsx")}, form_page=url,
                             content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "đã có chữ ký của Giáo viên chủ nhiệm" in resp.get_data(as_text=True)


def cht_pupil(klass_name="1A"):
    klass = SchoolClass.get(SchoolClass.name == klass_name)
    yr = YearResult.select().where((YearResult.school_class == klass) & (YearResult.outcome == "CHT")).first()
    return klass, yr.pupil


def test_supplementary_cell_and_principal_decision_refused_when_frozen(ctx):
    klass, pupil = cht_pupil()
    rv = put_in_chain(ensure_record(pupil, klass))
    with pytest.raises(freeze.Frozen):
        entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "level", "H", subject=Subject.get(Subject.code == "TV"))
    with pytest.raises(freeze.Frozen):
        results.decide_promotion(user("hieutruong"), klass, pupil, "promote")
    assert rv.id


def test_finalising_outcomes_leaves_frozen_records_untouched(ctx):
    """Finalising writes award suggestions where none are set, except on a record in the chain."""
    best = (YearResult.select().join(SchoolClass)
            .where((SchoolClass.name == "1A") & (YearResult.outcome == "HTXS")).limit(2))
    frozen_one, open_one = list(best)
    klass = frozen_one.school_class
    YearResult.update(awards="").where(YearResult.school_class == klass).execute()
    put_in_chain(ensure_record(frozen_one.pupil, klass))
    results.finalize_outcomes(user("gvcn.1a"), klass)
    assert YearResult.get_by_id(frozen_one.id).awards == ""
    assert YearResult.get_by_id(open_one.id).awards == "Học sinh Xuất sắc"


def test_school_details_printed_on_records_are_refused_while_one_is_being_signed(record):
    from portal.models import School
    put_in_chain(record)
    school = School.current()
    with pytest.raises(freeze.Frozen, match="được in trên 1 học bạ đang trong quy trình ký"):
        settings.save_school(user("admin"), school, {"name": "Trường Tiểu học Đổi Tên"})
    settings.save_school(user("admin"), school, {"phone": "0225 3 123 456"})  # not on the record
    again = School.get_by_id(school.id)
    assert (again.name, again.phone) == (school.name, "0225 3 123 456")


def test_a_subject_is_refused_only_where_a_record_being_signed_shows_it(record):
    put_in_chain(record)  # a grade-1 record
    tv, science = Subject.get(Subject.code == "TV"), Subject.get(Subject.code == "KH")
    with pytest.raises(freeze.Frozen, match=f"Không thể sửa môn {tv.name}"):
        settings.save_subject(user("admin"), tv, {"name": "Tiếng Việt (mới)"}, {})
    grade1 = record.school_class.grade_id
    with pytest.raises(freeze.Frozen):  # taught in grade 1 from now on: grade 1's records would change
        settings.save_subject(user("admin"), science, {}, {grade1: (True, False, "")})
    settings.save_subject(user("admin"), science, {"name": "Khoa học tự nhiên"}, {})  # grades 4–5 only: nothing being signed
    assert Subject.get_by_id(tv.id).name == tv.name and Subject.get_by_id(science.id).name == "Khoa học tự nhiên"


def test_pupil_import_over_a_frozen_pupil_is_a_422_page(demo_app):
    import io

    from tests.conftest import Browser
    with demo_app.app_context(), db.connection_context():
        rv = put_in_chain(first_records("1A", n=1)[0])
        p = rv.pupil
        row = [p.code, p.full_name, p.gender_label, p.born_on.strftime("%d/%m/%Y"), "1A", p.ethnicity, p.nationality,
               p.birthplace or "Hải Phòng", p.hometown, "Địa chỉ mới", p.father_name, p.mother_name, p.guardian_name,
               p.national_id or "", p.registry_number]
        data = write_xlsx("Danh sách học sinh", imports.PUPIL_COLUMNS, [row])
        name = p.full_name
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    resp = admin.post("/quan-tri/nhap/hoc-sinh", {"file": (io.BytesIO(data), "ds.xlsx")},
                      form_page="/quan-tri/nhap/hoc-sinh", content_type="multipart/form-data")
    assert resp.status_code == 422
    assert f"Học bạ của {name} (lớp 1A" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["approve", "rename-class", "edit-pupil"])
def test_other_writes_recheck_under_the_write_lock(record, monkeypatch, path):
    """As for cell saves: the record is claimed by a signer (another thread, committed) after the service
    began and before its transaction; the write is still refused."""
    from portal.services.accounts import permissions
    klass, pupil = record.school_class, record.pupil

    def sign_meanwhile():
        in_other_thread(lambda: put_in_chain(RecordVersion.get_by_id(record.id), roles=()))

    if path == "approve":
        EvaluationLock.create(year=klass.year, checkpoint="CN", locked_by=user("hieutruong"))
        request = entry.save(user("gvcn.1a"), klass, pupil.id, "CN", "comment", "Đề nghị",
                                  subject=Subject.get(Subject.code == "TV"), reason="Sửa nhận xét").request
        real = permissions.is_board
        monkeypatch.setattr(permissions, "is_board", lambda u: (sign_meanwhile(), real(u))[1])
        call = lambda: entry.decide(user("hieutruong"), request, approve=True)  # noqa: E731
    elif path == "rename-class":
        real = settings.clean_line
        monkeypatch.setattr(settings, "clean_line", lambda v: (sign_meanwhile(), real(v))[1])
        call = lambda: settings.save_class(user("admin"), klass, klass.year, "1Z", klass.grade_id, klass.homeroom_id)  # noqa: E731
    else:
        real = people._clean
        monkeypatch.setattr(people, "_clean", lambda *a: (sign_meanwhile(), real(*a))[1])
        call = lambda: people.save_pupil(user("admin"), pupil, pupil_data(pupil, address="Địa chỉ khác"), klass, None)  # noqa: E731
    with pytest.raises(freeze.Frozen, match="đang được ký"):
        call()
    assert RecordVersion.get_by_id(record.id).status == "signing"
    assert SchoolClass.get_by_id(klass.id).name == "1A" and Pupil.get_by_id(pupil.id).address == pupil.address
