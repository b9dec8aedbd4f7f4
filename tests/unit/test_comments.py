"""Comment bank and the quality checks on comments."""
from portal.db import db
from portal.models import Subject
from portal.services.evaluation import comments


class P:
    def __init__(self, id, full_name):
        self.id, self.full_name = id, full_name


CLASS = [P(1, "Nguyễn Văn An"), P(2, "Trần Thị Bình"), P(3, "Lê Hoàng Chi"), P(4, "Phạm Minh Dũng"),
         P(5, "Đỗ Thu Hà"), P(6, "Vũ Đức Khôi")]


def test_empty_comment_with_level_c_is_flagged():
    w = comments.comment_warnings(CLASS, {1: "C", 2: "C"}, {1: "", 2: "Em cần luyện đọc thêm."})
    assert any("Mức C" in m for m in w[1]) and not w[2]


def test_comment_naming_another_pupil_is_flagged():
    w = comments.comment_warnings(CLASS, {}, {1: "Em Bình đọc rất tốt.", 2: "Trần Thị Bình tiến bộ.",
                                              3: "Em Chi cẩn thận.", 4: "Bạn Nguyễn Văn An là tấm gương."})
    assert any("Bình" in m for m in w[1])
    assert not w[2] and not w[3]
    assert any("Nguyễn Văn An" in m for m in w[4])


def test_common_words_are_not_names():
    w = comments.comment_warnings(CLASS, {}, {2: "Em cần chú ý an toàn giao thông."})  # "an" is not An
    assert not w[2]


def test_same_comment_pasted_for_the_class():
    same = "Em ngoan, học tốt."
    w = comments.comment_warnings(CLASS, {}, {p.id: same for p in CLASS})
    assert all(any("Cùng một nhận xét" in m for m in w[p.id]) for p in CLASS)
    w = comments.comment_warnings(CLASS, {}, {1: same, 2: same})
    assert not w[1]


def test_bank_seeded_and_personalised(app):
    from tests import factories
    with db.connection_context():
        factories.make_school()
        tv = Subject.get(Subject.code == "TV")
        bank = comments.bank_for(None, tv)
        assert set(bank) == {"T", "H", "C"}
        assert all("{ten}" in t for t in bank["C"])
        assert "Tiếng Việt" in " ".join(bank["T"])
        assert comments.personalise(bank["T"][0], "Nguyễn Thị Mai").startswith("Mai ")


def test_teacher_saves_own_comment_first(app):
    from tests import factories
    with db.connection_context():
        factories.make_school()
        user = factories.make_user("co.mai", {"homeroom": False})
        tv = Subject.get(Subject.code == "TV")
        comments.save_own(user, tv, "H", "{ten} viết chữ đẹp hơn nhiều.")
        first = comments.suggestions(user, tv, "H")[0]
        assert first.owner_id == user.id
        other = factories.make_user("co.lan", {"homeroom": False})
        assert all(t.owner_id != user.id for t in comments.suggestions(other, tv, "H"))
