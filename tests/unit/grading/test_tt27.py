"""TT27/2020 truth tables: every threshold of Điều 9, completion (Điều 11), awards (Điều 13)."""
import pytest

from portal.grading import tt27
from portal.grading.tt27 import Thresholds, outcome_with, year_outcome

S_ALL_T = {"TV": "T", "TOAN": "T", "DD": "T", "HDTN": "T"}
Q_ALL_T = {q: "T" for q in tt27.ALL_QUALITIES}


def subj(**override):
    return {**S_ALL_T, **override}


def qual(**override):
    return {**Q_ALL_T, **override}


@pytest.mark.parametrize("subjects, scores, qualities, expected", [
    # Điều 9 k.2 a — HTXS: all T, all Tốt, every end-of-year test ≥ 9
    (subj(), {"TV": 9, "TOAN": 10}, qual(), "HTXS"),
    (subj(), {"TV": 10, "TOAN": 10}, qual(), "HTXS"),
    (subj(), {}, qual(), "HTXS"),
    # boundary 9 → 8 drops to HTT (Điều 9 k.2 b: ≥ 7)
    (subj(), {"TV": 8, "TOAN": 10}, qual(), "HTT"),
    (subj(), {"TV": 7, "TOAN": 9}, qual(), "HTT"),
    # boundary 7 → 6 drops to HT (Điều 9 k.2 c: ≥ 5)
    (subj(), {"TV": 6, "TOAN": 9}, qual(), "HT"),
    (subj(), {"TV": 5, "TOAN": 10}, qual(), "HT"),
    # boundary 5 → 4 is CHT (Điều 9 k.2 d)
    (subj(), {"TV": 4, "TOAN": 10}, qual(), "CHT"),
    (subj(), {"TV": 1}, qual(), "CHT"),
    # one subject H: never HTT or HTXS, whatever the scores
    (subj(DD="H"), {"TV": 10, "TOAN": 10}, qual(), "HT"),
    (subj(TV="H"), {"TV": 5}, qual(), "HT"),
    (subj(TV="H"), {"TV": 4}, qual(), "CHT"),
    # one subject C: CHT
    (subj(HDTN="C"), {"TV": 10}, qual(), "CHT"),
    # one quality Đạt: HT at best
    (subj(), {"TV": 10, "TOAN": 10}, qual(cham_chi="Đ"), "HT"),
    # one quality Cần cố gắng: CHT
    (subj(), {"TV": 10, "TOAN": 10}, qual(the_chat="C"), "CHT"),
    # every level at its lowest passing value
    ({k: "H" for k in S_ALL_T}, {"TV": 5, "TOAN": 5}, {q: "Đ" for q in Q_ALL_T}, "HT"),
], ids=["htxs-9-10", "htxs-10-10", "htxs-untested-grade", "htt-8", "htt-7", "ht-6", "ht-5", "cht-4",
        "cht-1", "ht-subject-H", "ht-H-5", "cht-H-4", "cht-subject-C", "ht-quality-D", "cht-quality-C",
        "ht-all-lowest"])
def test_year_outcome_dieu_9(subjects, scores, qualities, expected):
    """TT27 Điều 9 k.2: HTXS / HTT / HT / CHT on the end-of-year values only."""
    assert year_outcome(subjects, scores, qualities) == expected


def test_nfd_quality_code_is_accepted():
    import unicodedata
    assert year_outcome(subj(), {"TV": 9}, {"yeu_nuoc": unicodedata.normalize("NFD", "Đ")}) == "HT"


def test_subject_codes_are_not_assumed():
    assert year_outcome({"X1": "T", "ZZZ": "T"}, {"ZZZ": 9}, {"anything": "T"}) == "HTXS"


@pytest.mark.parametrize("subjects, scores, qualities, message", [
    ({}, {}, qual(), "subject_levels"),
    (subj(), {}, {}, "quality_levels"),
    (subj(TV="A"), {}, qual(), "unknown level"),
    (subj(TV="Đ"), {}, qual(), "unknown level"),  # Đ is a quality level, not a subject level
    (subj(), {}, qual(yeu_nuoc="H"), "unknown level"),  # H is a subject level, not a quality level
    (subj(), {"TV": 0}, qual(), "1 to 10"),
    (subj(), {"TV": 11}, qual(), "1 to 10"),
    (subj(), {"TV": 7.5}, qual(), "1 to 10"),
    (subj(), {"TV": "7"}, qual(), "1 to 10"),
    (subj(), {"TV": True}, qual(), "1 to 10"),
    (subj(), {"TV": None}, qual(), "1 to 10"),
], ids=["no-subjects", "no-qualities", "bad-subject-level", "quality-code-as-subject", "subject-code-as-quality",
        "score-0", "score-11", "score-7.5", "score-str", "score-bool", "score-none"])
def test_bad_input_raises_value_error(subjects, scores, qualities, message):
    with pytest.raises(ValueError, match=message):
        year_outcome(subjects, scores, qualities)


@pytest.mark.parametrize("ht, score, expected", [(5, 5, "HT"), (5, 4, "CHT"), (6, 5, "CHT"), (4, 4, "HT")])
def test_ht_threshold_is_configurable(ht, score, expected):
    """The HT threshold is UNCONFIRMED in HOCBA.md, so a school can set it."""
    assert outcome_with(Thresholds(ht=ht), subj(), {"TV": score}, qual()) == expected


@pytest.mark.parametrize("outcome, grade, expected", [
    ("HTXS", 1, ["Hoàn thành chương trình lớp 1"]),
    ("HTT", 4, ["Hoàn thành chương trình lớp 4"]),
    ("HT", 5, ["Hoàn thành chương trình lớp 5", "Hoàn thành chương trình tiểu học"]),
    ("CHT", 5, []),
    ("CHT", 2, []),
])
def test_completion_dieu_11(outcome, grade, expected):
    """TT27 Điều 11 k.1: HTXS, HTT, HT complete the grade; grade 5 also completes primary school."""
    assert tt27.completion_texts(outcome, grade) == expected


def test_completion_unknown_outcome():
    with pytest.raises(ValueError):
        tt27.completes_grade("XYZ")


@pytest.mark.parametrize("outcome, outstanding, progress, expected", [
    ("HTXS", [], [], ["Học sinh Xuất sắc"]),
    ("HTT", ["Toán"], [], ["Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện (môn Toán)"]),
    ("HTT", [], ["Trách nhiệm"], ["Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện (tiến bộ về Trách nhiệm)"]),
    ("HTT", [], [], []),
    ("HT", ["Toán"], [], []),
    ("CHT", [], [], []),
])
def test_award_suggestions_dieu_13(outcome, outstanding, progress, expected):
    """TT27 Điều 13 k.1 a, b."""
    assert tt27.award_suggestions(outcome, outstanding, progress) == expected


@pytest.mark.parametrize("after, expected", [("HT", "completed"), ("HTT", "completed"), ("CHT", "principal_decides")])
def test_supplementary_evaluation_dieu_11(after, expected):
    """TT27 Điều 11 k.2–3: after the supplementary evaluation, still CHT → the principal decides."""
    assert tt27.after_supplementary(after) == expected


# TT27 Điều 6 k.2 with CTGDPT 2018 (HOCBA.md §4), written out by hand from the text.
OFFICIAL_QUALITIES = {
    "Những phẩm chất chủ yếu": ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"],
    "Năng lực chung": ["Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo"],
    "Năng lực đặc thù": ["Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ", "Thể chất"],
}


def test_qualities_and_competencies_are_the_circulars_fifteen_in_their_groups():
    assert {label: list(items.values()) for label, items in tt27.QUALITY_GROUPS.values()} == OFFICIAL_QUALITIES


@pytest.mark.parametrize("name", [n for names in OFFICIAL_QUALITIES.values() for n in names])
def test_each_quality_decides_the_outcome(name):
    """Điều 9 k.2: any one quality or competency at Cần cố gắng makes the year CHT, Đạt caps it at HT."""
    code = next(c for c, n in tt27.ALL_QUALITIES.items() if n == name)
    assert year_outcome(subj(), {"TV": 10}, qual(**{code: "C"})) == "CHT"
    assert year_outcome(subj(), {"TV": 10}, qual(**{code: "Đ"})) == "HT"
