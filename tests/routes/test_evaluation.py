"""Entering evaluations through the routes: every refusal is clear and changes nothing."""
import pytest

from portal.db import db
from portal.models import (
    ChangeRequest, EvaluationChange, EvaluationLock, QualityResult, SchoolClass, Subject, SubjectResult,
)

HX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def ids(class_name, subject_code="TV"):
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == class_name)
        subject = Subject.get(Subject.code == subject_code)
        pupil = klass.enrolments.first().pupil_id
        return klass.id, subject.id, pupil


def cell_url(klass, pupil, cp, target, field):
    return f"/danh-gia/o/{klass}/{pupil}/{cp}/{target}/{field}"


def post_cell(browser, url, value, reason=None, htmx=True):
    data = {"value": value, "csrf_token": browser.token("/")}
    if reason is not None:
        data["reason"] = reason
    return browser.client.post(url, data=data, headers=HX if htmx else {})


def stored(klass, pupil, subject, cp):
    with db.connection_context():
        return SubjectResult.get_or_none(school_class=klass, pupil=pupil, subject=subject, checkpoint=cp)


@pytest.fixture
def gv5a(demo_browser):
    demo_browser.login("gvcn.5a")
    return demo_browser


def test_homeroom_saves_level_score_comment(gv5a):
    klass, tv, pupil = ids("5A")
    for field, value in (("level", "H"), ("score", "8"), ("comment", "Em đọc tốt, cần luyện viết.")):
        resp = post_cell(gv5a, cell_url(klass, pupil, "CK1", f"s{tv}", field), value)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_data(as_text=True)
        assert body.startswith('<form class="cell"') and 'data-state="saved"' in body
    row = stored(klass, pupil, tv, "CK1")
    assert (row.level, row.score, row.comment) == ("H", 8, "Em đọc tốt, cần luyện viết.")
    with db.connection_context():
        assert EvaluationChange.select().where(EvaluationChange.pupil == pupil).count() >= 3


def test_save_without_javascript_redirects_back(gv5a):
    klass, tv, pupil = ids("5A")
    page = f"/danh-gia/lop/{klass}/mon/{tv}/CK1"
    resp = gv5a.client.post(cell_url(klass, pupil, "CK1", f"s{tv}", "level"),
                            data={"value": "T", "csrf_token": gv5a.token("/")}, headers={"Referer": "http://localhost" + page})
    assert resp.status_code == 303 and resp.headers["Location"] == page
    assert stored(klass, pupil, tv, "CK1").level == "T"


@pytest.mark.parametrize("field, value, message", [
    ("score", "0", "số nguyên từ 1 đến 10"),
    ("score", "11", "số nguyên từ 1 đến 10"),
    ("score", "7.5", "số nguyên từ 1 đến 10"),
    ("score", "abc", "số nguyên từ 1 đến 10"),
    ("score", "-3", "số nguyên từ 1 đến 10"),
    ("level", "X", "Mức đạt được không hợp lệ"),
    ("level", "Đ", "Mức đạt được không hợp lệ"),  # a quality level is not a subject level
    ("comment", "x" * 100_000, "tối đa 1000 ký tự"),
], ids=["score-0", "score-11", "score-7.5", "score-abc", "score-negative", "level-X", "level-quality-code", "comment-100KB"])
def test_bad_values_are_refused_and_nothing_changes(gv5a, field, value, message):
    klass, tv, pupil = ids("5A")
    before = stored(klass, pupil, tv, "CN")
    resp = post_cell(gv5a, cell_url(klass, pupil, "CN", f"s{tv}", field), value)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    after = stored(klass, pupil, tv, "CN")
    assert (after.level, after.score, after.comment) == (before.level, before.score, before.comment)


def test_score_for_untested_subject_or_checkpoint_is_refused(gv5a):
    klass, dd, pupil = ids("5A", "DD")  # Đạo đức has no periodic test
    resp = post_cell(gv5a, cell_url(klass, pupil, "CN", f"s{dd}", "score"), "9")
    assert resp.status_code == 422 and "không có bài kiểm tra định kì" in resp.get_data(as_text=True)


@pytest.mark.parametrize("user, class_name, subject, expected", [
    ("gvcn.1a", "5A", "TV", 403),       # another teacher's class
    ("gvcn.5a", "5A", "NN1", 403),      # assigned to the English teacher
    ("gv.tienganh", "5A", "NN1", 200),  # the English teacher's own subject
    ("gv.tienganh", "5A", "TV", 403),   # not theirs
    ("gv.tienganh", "1A", "TV", 403),   # not their class at all
    ("hieutruong", "5A", "TV", 403),    # the board reviews, it does not enter
], ids=["other-class", "subject-of-another", "own-subject", "other-subject", "other-class-subject-teacher", "principal"])
def test_who_may_enter_what(demo_browser, user, class_name, subject, expected):
    klass, sid, pupil = ids(class_name, subject)
    demo_browser.login(user)
    before = stored(klass, pupil, sid, "CK1")
    resp = post_cell(demo_browser, cell_url(klass, pupil, "CK1", f"s{sid}", "level"), "C")
    assert resp.status_code == expected
    if expected == 403:
        assert stored(klass, pupil, sid, "CK1") == before


def test_pupil_of_another_class_is_refused(gv5a):
    klass, tv, _ = ids("5A")
    _, _, other_pupil = ids("1A")
    resp = post_cell(gv5a, cell_url(klass, other_pupil, "CK1", f"s{tv}", "level"), "T")
    assert resp.status_code == 422 and "không thuộc lớp" in resp.get_data(as_text=True)


def test_unknown_checkpoint_target_and_field(gv5a):
    klass, tv, pupil = ids("5A")
    assert post_cell(gv5a, cell_url(klass, pupil, "XX", f"s{tv}", "level"), "T").status_code == 404
    assert post_cell(gv5a, cell_url(klass, pupil, "CK1", "s99999", "level"), "T").status_code == 404
    assert post_cell(gv5a, cell_url(klass, pupil, "CK1", f"s{tv}", "owner"), "T").status_code == 422
    assert post_cell(gv5a, cell_url(klass, pupil, "CK1", "qnot_a_quality", "level"), "T").status_code == 422


def test_qualities_by_homeroom_only(demo_browser):
    klass, _, pupil = ids("5A")
    demo_browser.login("gv.tienganh")
    assert post_cell(demo_browser, cell_url(klass, pupil, "CK1", "qcham_chi", "level"), "T").status_code == 403
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    resp = post_cell(demo_browser, cell_url(klass, pupil, "CK1", "qcham_chi", "level"), "d")  # D is typed for Đ
    assert resp.status_code == 200
    resp = post_cell(demo_browser, cell_url(klass, pupil, "CK1", "qpc", "comment"), "Em chăm chỉ, lễ phép.")
    assert resp.status_code == 200
    with db.connection_context():
        assert QualityResult.get(pupil=pupil, quality="cham_chi", checkpoint="CK1").level == "Đ"
        assert QualityResult.get(pupil=pupil, quality="pc", checkpoint="CK1").comment == "Em chăm chỉ, lễ phép."


def lock(browser, cp, **scope):
    browser.post("/duyet/khoa", {"checkpoint": cp, **scope})


def test_lock_turns_a_change_into_a_request_the_principal_approves(demo_browser):
    klass, tv, pupil = ids("5A")
    demo_browser.login("hieutruong")
    lock(demo_browser, "CN", class_id=klass)
    with db.connection_context():
        assert EvaluationLock.select().count() == 1
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    before = stored(klass, pupil, tv, "CN")
    url = cell_url(klass, pupil, "CN", f"s{tv}", "score")
    new_score = "10" if before.score != 10 else "9"
    refused = post_cell(demo_browser, url, new_score)
    assert refused.status_code == 409 and "Ghi lý do" in refused.get_data(as_text=True)
    assert 'name="reason"' in refused.get_data(as_text=True)
    assert f'value="{new_score}"' in refused.get_data(as_text=True)  # what was typed is kept
    assert stored(klass, pupil, tv, "CN").score == before.score
    requested = post_cell(demo_browser, url, new_score, reason="Chấm phúc khảo bài kiểm tra cuối năm")
    assert requested.status_code == 202 and "chờ Hiệu trưởng duyệt" in requested.get_data(as_text=True)
    assert stored(klass, pupil, tv, "CN").score == before.score  # not applied yet
    with db.connection_context():
        req = ChangeRequest.get(ChangeRequest.status == "pending")
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    assert demo_browser.post(f"/duyet/de-nghi/{req.id}", {"action": "approve"}).status_code == 403
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    demo_browser.post(f"/duyet/de-nghi/{req.id}", {"action": "approve"})
    assert stored(klass, pupil, tv, "CN").score == int(new_score)
    with db.connection_context():
        change = EvaluationChange.select().where(EvaluationChange.request == req.id).get()
        assert change.reason == "Chấm phúc khảo bài kiểm tra cuối năm" and change.old_value == str(before.score)
    history = demo_browser.get(f"/duyet/lich-su?lop={klass}").get_data(as_text=True)
    assert "Chấm phúc khảo" in history


def test_the_same_request_sent_twice_is_one_request_and_approving_twice_writes_one_line(demo_browser):
    klass, tv, pupil = ids("5A")
    demo_browser.login("hieutruong")
    lock(demo_browser, "CN", class_id=klass)
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    before = stored(klass, pupil, tv, "CN")
    new_level = "C" if before.level != "C" else "H"
    url = cell_url(klass, pupil, "CN", f"s{tv}", "level")
    first = post_cell(demo_browser, url, new_level, reason="Nhập nhầm mức")
    again = post_cell(demo_browser, url, new_level, reason="Nhập nhầm mức")
    assert first.status_code == again.status_code == 202
    with db.connection_context():
        assert ChangeRequest.select().where(ChangeRequest.status == "pending").count() == 1
        # Two requests that were filed before this guard existed: the second approval changes nothing.
        req = ChangeRequest.get(ChangeRequest.status == "pending")
        twin = ChangeRequest.create(**{f.name: getattr(req, f.name) for f in ChangeRequest._meta.sorted_fields
                                       if f.name != "id"})
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    demo_browser.post(f"/duyet/de-nghi/{req.id}", {"action": "approve"})
    demo_browser.post(f"/duyet/de-nghi/{twin.id}", {"action": "approve"})
    assert stored(klass, pupil, tv, "CN").level == new_level
    with db.connection_context():
        lines = EvaluationChange.select().where((EvaluationChange.pupil == pupil) & (EvaluationChange.field == "level")
                                                & EvaluationChange.request.is_null(False))
        assert [(c.old_value, c.new_value) for c in lines] == [(before.level, new_level)]
    history = demo_browser.get(f"/duyet/lich-su?lop={klass}").get_data(as_text=True)
    assert "Mức đạt được" in history and "· level" not in history


def test_rejected_request_changes_nothing(demo_browser):
    klass, tv, pupil = ids("5A")
    demo_browser.login("hieutruong")
    lock(demo_browser, "CN")  # school-wide
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    before = stored(klass, pupil, tv, "CN")
    post_cell(demo_browser, cell_url(klass, pupil, "CN", f"s{tv}", "level"), "C", reason="Nhầm lẫn")
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("hieutruong")
    with db.connection_context():
        req = ChangeRequest.get(ChangeRequest.status == "pending")
    demo_browser.post(f"/duyet/de-nghi/{req.id}", {"action": "reject", "note": "Không có minh chứng"})
    assert stored(klass, pupil, tv, "CN").level == before.level
    with db.connection_context():
        assert ChangeRequest.get_by_id(req.id).status == "rejected"


def test_grade_lock_covers_its_classes_only(demo_browser):
    from portal.models import Grade
    k5, tv, p5 = ids("5A")
    k1, tv1, p1 = ids("1A")
    with db.connection_context():
        grade5 = Grade.get(Grade.number == 5).id
    demo_browser.login("hieutruong")
    lock(demo_browser, "CK1", grade=grade5)
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.5a")
    assert post_cell(demo_browser, cell_url(k5, p5, "CK1", f"s{tv}", "level"), "T").status_code == 409
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.1a")
    assert post_cell(demo_browser, cell_url(k1, p1, "CK1", f"s{tv1}", "level"), "T").status_code == 200


def test_only_the_board_locks(demo_browser):
    demo_browser.login("gvcn.5a")
    assert demo_browser.post("/duyet/khoa", {"checkpoint": "CN"}).status_code == 403
    with db.connection_context():
        assert EvaluationLock.select().count() == 0


def test_pages_render_for_every_entry_layout(gv5a):
    klass, tv, pupil = ids("5A")
    for path in (f"/danh-gia/lop/{klass}", f"/danh-gia/lop/{klass}/mon/{tv}/CN", f"/danh-gia/lop/{klass}/pcnl/CN",
                 f"/danh-gia/lop/{klass}/tat-ca/CN", f"/danh-gia/lop/{klass}/hs/{pupil}/CN?mon={tv}",
                 f"/danh-gia/lop/{klass}/hs/{pupil}/CN", f"/tong-hop/lop/{klass}/CN", f"/danh-gia/lop/{klass}/mon/{tv}/BS"):
        assert gv5a.get(path).status_code == 200, path
    assert gv5a.get(f"/danh-gia/lop/{klass}/hs/999999/CN").status_code == 404


def test_home_shows_the_teachers_todo_first(gv5a):
    """The to-do list comes before the class, names only the teacher's class, and counts what is missing:
    one more empty Tiếng Việt level shows as one more in its line."""
    import re
    klass, tv, _ = ids("5A")

    def todo():
        text = gv5a.get("/").get_data(as_text=True)
        assert text.index("Việc cần làm") < text.index("Lớp chủ nhiệm")
        section = text[text.index('id="todo"'):text.index("</section>", text.index('id="todo"'))]
        line = re.search(r'href="/danh-gia/lop/%d/hs/\d+/(\w+)\?mon=%d">Lớp 5A — Tiếng Việt</a>\s*'
                         r'<span class="muted">còn thiếu (\d+) mức' % (klass, tv), section)
        return section, (line.group(1), int(line.group(2))) if line else (None, 0)

    section, (cp, missing) = todo()
    assert "Lớp 5A" in section and "Lớp 5B" not in section and "Lớp 1A" not in section
    assert all(f"/danh-gia/lop/{klass}/" in href for href in re.findall(r'href="([^"]+)"', section))
    cp = cp or re.search(r'/danh-gia/lop/\d+/(?:hs/\d+|mon/\d+|pcnl)/(\w+)', section).group(1)
    with db.connection_context():
        filled = SubjectResult.select().where((SubjectResult.school_class == klass) & (SubjectResult.subject == tv)
                                              & (SubjectResult.checkpoint == cp) & (SubjectResult.level != "")).first()
        if filled is not None:  # one more missing
            SubjectResult.update(level="").where(SubjectResult.id == filled.id).execute()
            expected = missing + 1
        else:  # nothing entered yet at this checkpoint: one fewer missing
            assert missing > 0
            pupil = SchoolClass.get_by_id(klass).enrolments.first().pupil_id
            SubjectResult.create(school_class=klass, subject=tv, checkpoint=cp, pupil=pupil, level="T")
            expected = missing - 1
    assert todo()[1] == (cp if expected else None, expected)


def test_fill_route_checks_the_teacher_and_only_returns_to_this_site(demo_browser):
    klass, tv, pupil = ids("1A")
    demo_browser.login("gv.tienganh")
    assert demo_browser.post(f"/danh-gia/lop/{klass}/dien-nhanh/CK1", {"target": f"s{tv}", "level": "H"}).status_code == 403
    demo_browser.client.post("/logout", data={"csrf_token": demo_browser.token("/")})
    demo_browser.login("gvcn.1a")
    resp = demo_browser.post(f"/danh-gia/lop/{klass}/dien-nhanh/CK1",
                             {"target": f"s{tv}", "level": "H", "next": "https://evil.example/phish"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/danh-gia/lop/{klass}?cp=CK1")
    assert stored(klass, pupil, tv, "CK1").level == "H"
    page = demo_browser.get(f"/danh-gia/lop/{klass}/mon/{tv}/CK1").get_data(as_text=True)
    assert "Đã điền mức H cho" in page and "Hoàn tác điền nhanh mức H" in page
    bad = demo_browser.post(f"/danh-gia/lop/{klass}/dien-nhanh/CK1", {"target": f"s{tv}", "level": "X"})
    assert bad.status_code == 303
    assert "Mức không hợp lệ" in demo_browser.get(bad.headers["Location"]).get_data(as_text=True)
