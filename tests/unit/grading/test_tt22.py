"""TT22/2021 truth tables: every case of TT22.md §17 (A–H), boundary rows at every threshold, bad input.

Expected values are worked out by hand from the circular's formulas and tables (raw value in comments).
"""
from decimal import Decimal

import pytest

from portal.grading import tt22
from portal.grading.tt22 import (
    Rules, apply_retests, award, comment_term, comment_year, completion_text, conduct_year,
    decision_after_summer, format_score, learning_level, parse_score, promotion, regular_count,
    retest_subjects, term_average, year_average,
)

ALL_D = ["D", "D", "D", "D"]  # the 4 THCS comment subjects, all Đạt (§17 notation)


def comments(fails=0):
    return ["CD"] * fails + ["D"] * (4 - fails)


# ---- H. Score entry (Điều 5 k.3 b) -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("8.25", "8.3"),  # H1: half-up; Python round(8.25, 1) gives 8.2
    ("7.349", "7.3"),  # H2
    ("8,5", "8.5"),  # H4: decimal comma
    (" 8,5 ", "8.5"),
    ("8,25", "8.3"),
    ("6.45", "6.5"), ("6.44", "6.4"), ("4.95", "5.0"), ("4.94", "4.9"), ("7.95", "8.0"), ("3.45", "3.5"),
    ("9.95", "10.0"), ("0", "0.0"), ("10", "10.0"), ("10,0", "10.0"), ("+7", "7.0"),
    (Decimal("8.25"), "8.3"), (Decimal("3.45"), "3.5"), (7, "7.0"), (0, "0.0"), (10, "10.0"),
], ids=["H1-8.25-to-8.3", "H2-7.349-to-7.3", "H4-comma-8,5", "comma-with-spaces", "comma-8,25-to-8.3",
        "6.45-up", "6.44-down", "4.95-up", "4.94-down", "7.95-up", "3.45-up", "9.95-up-to-10", "zero", "ten",
        "ten-comma", "plus-sign", "decimal-8.25", "decimal-3.45", "int-7", "int-0", "int-10"])
def test_parse_score_rounds_half_up_to_one_decimal(text, expected):
    """Điều 5 k.3 b: "lấy đến chữ số thập phân thứ nhất sau khi làm tròn số" (half-up, I1)."""
    assert str(parse_score(text)) == expected


@pytest.mark.parametrize("text, message", [
    ("10.5", "thang điểm 10"),  # H3
    ("-1", "thang điểm 10"),  # H3
    (-1, "thang điểm 10"),
    ("10.01", "thang điểm 10"),
    ("abc", "không hợp lệ"), ("8,5,1", "không hợp lệ"), ("8.", "không hợp lệ"), (",5", "không hợp lệ"),
    ("1e1", "không hợp lệ"), ("NaN", "không hợp lệ"), ("８", "không hợp lệ"), ("−1", "không hợp lệ"),
    (Decimal("NaN"), "thang điểm 10"), (Decimal("Infinity"), "thang điểm 10"),
    ("", "Chưa nhập điểm"), ("  ", "Chưa nhập điểm"), (None, "Chưa nhập điểm"),
    (8.25, "float"), (True, "float"), ([8], "không hợp lệ"),
], ids=["H3-10.5", "H3-minus-1", "int-minus-1", "10.01", "letters", "two-commas", "trailing-dot",
        "no-integer-part", "exponent", "nan-text", "fullwidth-digit", "unicode-minus", "decimal-nan",
        "decimal-infinity", "empty", "blank", "none", "float", "bool", "list"])
def test_parse_score_rejects(text, message):
    """Điều 5 k.3 b: the 10-point scale; anything else is refused with a Vietnamese message."""
    with pytest.raises(ValueError, match=message):
        parse_score(text)


@pytest.mark.parametrize("score, expected", [("8.5", "8,5"), ("8.25", "8,3"), (Decimal("10"), "10,0"), (7, "7,0")],
                         ids=["H4-display-8,5", "rounded-8,3", "ten", "int"])
def test_format_score_prints_decimal_comma(score, expected):
    """Điều 5 k.3 b as printed on the học bạ: one decimal, decimal comma."""
    assert format_score(score) == expected


# ---- A. ĐTBmhk (Điều 6 k.2 b, Điều 9 k.1 b) ----------------------------------------------------------

@pytest.mark.parametrize("periods, expected", [
    (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4), (1, 2),
], ids=["35-two", "36-three", "52-three", "70-three", "71-four", "105-four", "140-four", "under-35-two"])
def test_regular_count_by_periods_a_year(periods, expected):
    """Điều 6 k.2 b: 35 tiết → 02 ĐĐGtx; trên 35 đến 70 → 03; trên 70 → 04 (≤ 35 → 2, I3)."""
    assert regular_count(periods) == expected


@pytest.mark.parametrize("regular, gk, ck, periods, expected", [
    (["8", "9"], "7", "8", 35, "7.9"),  # A1: 55/7 = 7.857…
    (["6", "7", "8"], "6.5", "5.5", 70, "6.3"),  # A2: 50.5/8 = 6.3125
    (["6", "6", "6"], "6.3", "7.0", 70, "6.5"),  # A3: 51.6/8 = 6.45
    (["3", "3", "4"], "4.0", "3.2", 70, "3.5"),  # A4: 27.6/8 = 3.45
    (["8", "8", "8"], "7.5", "8.2", 70, "8.0"),  # A5: 63.6/8 = 7.95
    (["7", "8", "9", "10"], "8", "9", 105, "8.6"),  # A6: 77/9 = 8.555…
    (["5", "5", "5"], "4.8", "5.0", 70, "5.0"),  # A7: 39.6/8 = 4.95
    (["8", "8", "8"], "6", "10", 70, "8.3"),  # A8: 66/8 = 8.25
    (["6", "7"], "6", "6.5", 35, "6.4"),  # A9: 44.5/7 = 6.357…
    (["6", "6", "6"], "6.3", "6.9", 70, "6.4"),  # 51.3/8 = 6.4125: just below the 6.45 tie
    (["7.9", "7.9", "7.9"], "7.9", "7.9", 70, "7.9"),  # equal scores give that score
    (["10", "10", "10", "10"], "10", "10", 140, "10.0"),
    (["0", "0"], "0", "0", 35, "0.0"),  # a 0 entered for a missed make-up counts (TT22.md §3)
    (["8,5", Decimal("9"), 7], "8", "8", 52, "8.1"),  # 24.5 + 16 + 24 = 64.5/8 = 8.0625
], ids=["A1-2tx-7.857-to-7.9", "A2-3tx-6.3125-to-6.3", "A3-tie-6.45-to-6.5", "A4-tie-3.45-to-3.5",
        "A5-tie-7.95-to-8.0", "A6-4tx-8.555-to-8.6", "A7-tie-4.95-to-5.0", "A8-tie-8.25-to-8.3-not-8.2",
        "A9-2tx-6.357-to-6.4", "below-tie-6.4125-to-6.4", "all-7.9", "all-10", "all-0", "mixed-input-types"])
def test_term_average_dieu_9_k1_b(regular, gk, ck, periods, expected):
    """Điều 9 k.1 b: ĐTBmhk = (TĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (Số ĐĐGtx + 5), half-up to 0.1 (I1)."""
    assert str(term_average(regular, gk, ck, periods)) == expected


@pytest.mark.parametrize("regular, gk, ck, periods, message", [
    (["8", "9"], "7", "8", 70, r"thiếu 1 ĐĐGtx"),  # A10: 70 tiết needs 3
    (["8", None, "9"], "7", "8", 70, r"thiếu 1 ĐĐGtx"),
    (["8", "", "9"], "7", "8", 70, r"thiếu 1 ĐĐGtx"),
    ([], "7", "8", 140, r"thiếu 4 ĐĐGtx"),
    (["8", "9", "7"], None, "8", 70, r"thiếu ĐĐGgk"),
    (["8", "9", "7"], "7", "", 70, r"thiếu ĐĐGck"),
    (["8"], None, None, 35, r"thiếu 1 ĐĐGtx.*thiếu ĐĐGgk; thiếu ĐĐGck"),
    (["8", "9", "7"], "7", "8", 35, r"thừa 1 ĐĐGtx"),
], ids=["A10-70-periods-two-tx", "none-counts-as-missing", "blank-counts-as-missing", "no-tx-at-all",
        "missing-midterm", "missing-final", "everything-missing-named", "three-tx-for-35-periods"])
def test_term_average_blocks_when_an_assessment_is_missing(regular, gk, ck, periods, message):
    """Điều 6 k.2 b + I3: a missing (or surplus) assessment blocks the average; never average over fewer."""
    with pytest.raises(ValueError, match=message):
        term_average(regular, gk, ck, periods)


def test_term_average_at_least_mode_accepts_more_regular_scores():
    """I3 UNCONFIRMED reading "at least N": 4 ĐĐGtx for a 70-period subject, 77/9 = 8.555… → 8.6."""
    rules = Rules(regular_count_is_minimum=True)
    assert str(term_average(["7", "8", "9", "10"], "8", "9", 70, rules=rules)) == "8.6"
    with pytest.raises(ValueError, match="thiếu 1 ĐĐGtx"):
        term_average(["7", "8"], "8", "9", 70, rules=rules)


def test_term_average_topic_cluster_counts_as_one_more_regular_score():
    """Điều 6 k.3 [P]: a THPT cụm chuyên đề result is one more ĐĐGtx: 70 tiết + 1 cụm → 4, 77/9 → 8.6."""
    assert str(term_average(["7", "8", "9", "10"], "8", "9", 70, topic_clusters=1)) == "8.6"
    with pytest.raises(ValueError, match="thiếu 1 ĐĐGtx"):
        term_average(["7", "8", "9"], "8", "9", 70, topic_clusters=1)


@pytest.mark.parametrize("regular, periods, kwargs, message", [
    (["8", "9"], 0, {}, "Số tiết/năm học"), (["8", "9"], -35, {}, "Số tiết/năm học"),
    (["8", "9"], "35", {}, "Số tiết/năm học"), (["8", "9"], True, {}, "Số tiết/năm học"),
    (["8", "9"], 35.0, {}, "Số tiết/năm học"), ("8,9", 35, {}, "danh sách"), ({"tx1": "8"}, 35, {}, "danh sách"),
    (["8", "11"], 35, {}, "thang điểm 10"), (["8", "9"], 35, {"topic_clusters": -1}, "cụm chuyên đề"),
], ids=["periods-0", "periods-negative", "periods-str", "periods-bool", "periods-float", "regular-as-text",
        "regular-as-mapping", "score-11", "clusters-negative"])
def test_term_average_bad_input(regular, periods, kwargs, message):
    with pytest.raises(ValueError, match=message):
        term_average(regular, "7", "8", periods, **kwargs)


# ---- B. ĐTBmcn (Điều 9 k.1 b, I2) --------------------------------------------------------------------

@pytest.mark.parametrize("hk1, hk2, expected", [
    ("8.2", "8.5", "8.4"),  # B1: 25.2/3
    ("6.5", "6.4", "6.4"),  # B2: 19.3/3 = 6.433…
    ("6.4", "6.5", "6.5"),  # B3: 19.4/3 = 6.466…
    ("4.9", "5.0", "5.0"),  # B4: 14.9/3 = 4.966…
    ("3.4", "3.5", "3.5"),  # B5: 10.4/3 = 3.466…
    ("7.9", "8.0", "8.0"),  # B6: 23.9/3 = 7.966…
    ("9.2", "8.9", "9.0"),  # B7: 27.0/3
    ("8.9", "9.0", "9.0"),  # B8: 26.9/3 = 8.966…
    ("9.0", "8.9", "8.9"),  # B8b: 26.8/3 = 8.933…
    ("4.85", "4.95", "5.0"),  # B9: recorded 4.9 and 5.0 → 4.966…; the raw path 14.75/3 = 4.916… would give 4.9
    ("4,9", "5,0", "5.0"), ("10", "10", "10.0"), ("0", "0", "0.0"),
], ids=["B1-8.4", "B2-hk2-double-6.433-to-6.4", "B3-6.466-to-6.5", "B4-4.966-to-5.0", "B5-3.466-to-3.5",
        "B6-7.966-to-8.0", "B7-9.0", "B8-8.966-to-9.0", "B8b-8.933-to-8.9", "B9-from-recorded-not-raw",
        "comma-input", "all-10", "all-0"])
def test_year_average_dieu_9_k1_b(hk1, hk2, expected):
    """Điều 9 k.1 b: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 from the recorded semester averages (I2)."""
    assert str(year_average(hk1, hk2)) == expected


@pytest.mark.parametrize("hk1, hk2, message", [
    (None, "8", "thiếu ĐTBmhk học kì I"), ("8", "", "thiếu ĐTBmhk học kì II"),
    (None, None, "học kì I và học kì II"), ("11", "8", "thang điểm 10"), (8.5, "8", "float"),
], ids=["missing-hk1", "missing-hk2", "missing-both", "out-of-scale", "float"])
def test_year_average_bad_input(hk1, hk2, message):
    with pytest.raises(ValueError, match=message):
        year_average(hk1, hk2)


# ---- C. Comment subjects (Điều 9 k.1 a, I4) ----------------------------------------------------------

@pytest.mark.parametrize("results, expected", [
    (["D", "D", "D", "D"], "D"),  # C1
    (["D", "CD", "D", "D"], "CD"),  # C2
    (["D", None, "D", "D"], "CD"),  # C3: "không đủ số lần"
    (["D", "D", "CD", "D"], "CD"), (["D", "D", "D", "CD"], "CD"), (["D", "D", "D", None], "CD"),
    (["D", "D", "D", ""], "CD"), ([None] * 4, "CD"), (["CD"] * 4, "CD"),
    (["Đ", "đ", "d", "D"], "D"), (["Đ", "CĐ", "Đ", "Đ"], "CD"),
], ids=["C1-all-dat", "C2-one-tx-chua-dat", "C3-tx2-missing", "midterm-chua-dat", "final-chua-dat",
        "final-missing", "final-blank", "all-missing", "all-chua-dat", "vietnamese-letters-dat",
        "vietnamese-letters-chua-dat"])
def test_comment_term_dieu_9_k1_a(results, expected):
    """Điều 9 k.1 a: Đạt = "có đủ số lần kiểm tra, đánh giá … và tất cả các lần được đánh giá mức Đạt"."""
    assert comment_term(results) == expected


@pytest.mark.parametrize("hk1, hk2, expected", [
    ("CD", "D", "D"),  # C4
    ("D", "CD", "CD"),  # C5
    ("D", "D", "D"), ("CD", "CD", "CD"), (None, "D", "D"),
], ids=["C4-hk1-cd-hk2-d-year-d", "C5-hk1-d-hk2-cd-year-cd", "both-d", "both-cd", "no-hk1-year-is-hk2"])
def test_comment_year_is_the_second_semester(hk1, hk2, expected):
    """Điều 9 k.1 a: "Mức Đạt: Kết quả học tập học kì II được đánh giá mức Đạt"."""
    assert comment_year(hk1, hk2) == expected


def test_comment_term_at_least_mode_needs_every_recorded_assessment_dat():
    """Điều 6 k.2 a "chọn 02 lần", read as a minimum (I3 UNCONFIRMED): a 5th assessment must be Đạt too."""
    rules = Rules(regular_count_is_minimum=True)
    assert comment_term(["D"] * 5, rules=rules) == "D"
    assert comment_term(["D", "D", "D", "D", "CD"], rules=rules) == "CD"


@pytest.mark.parametrize("call, message", [
    (lambda: comment_term(["D", "D", "D"]), "4 lần đánh giá"),
    (lambda: comment_term(["D"] * 5), "4 lần đánh giá"),
    (lambda: comment_term(["D", "D", "X", "D"]), "không hợp lệ"),
    (lambda: comment_term(["D", "D", "T", "D"]), "không hợp lệ"),  # a conduct level is not a result
    (lambda: comment_term("DDDD"), "danh sách"),
    (lambda: comment_year("D", None), "thiếu kết quả học kì II"),
    (lambda: comment_year("K", "D"), "học kì I"),
], ids=["three-slots", "five-slots-exact-mode", "unknown-code", "level-code-T", "text-not-list",
        "year-without-hk2", "year-bad-hk1"])
def test_comment_subject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- D. Học tập level (Điều 9 k.2, k.3; I5, I6) ------------------------------------------------------

@pytest.mark.parametrize("scored, fails, expected", [
    ([8, 8, 8, 8, 8, 8, "6.5", "6.5"], 0, "T"),  # D1: all ≥ 6.5, six ≥ 8.0
    ([8, 8, 8, 8, 8, "7.9", 7, 7], 0, "K"),  # D2: only five ≥ 8.0
    ([8, 8, 8, 8, 8, 8, 8, "6.4"], 0, "K"),  # D3: Tốt but for one, a 1-level drop: no adjustment
    ([8, 8, 8, 8, 8, 8, 8, "4.9"], 0, "K"),  # D4: k.2 Đạt, Tốt but for one (2 levels) → Khá
    ([8, 8, 8, 8, 8, 8, 8, "3.4"], 0, "D"),  # D5: k.2 Chưa đạt, Tốt but for one (3 levels) → actual + 1
    ([7, 7, 7, 7, 7, 7, "5.0", "3.4"], 0, "D"),  # D6: k.2 Chưa đạt, Khá but for one → Đạt
    ([8, 8, 8, 8, 8, 8, "3.4", "4.0"], 0, "CD"),  # D7: two subjects at fault
    ([8, 8, 8, 8, 8, 8, 8, 8], 1, "K"),  # D8: k.2 Đạt; the one comment CĐ is the single subject → Khá
    ([8, 8, 8, 8, 8, 8, 8, 8], 2, "CD"),  # D9: two comment CĐ
    ([5, 5, 5, 5, 5, 5, "3.5", "4.9"], 0, "D"),  # D10: six ≥ 5.0; 3.5 is not "dưới 3,5"
    ([5, 5, 5, 5, 5, "4.9", "3.5", "4.0"], 0, "CD"),  # D11: only five ≥ 5.0; reference not Tốt/Khá
    ([6, 6, 6, 6, 6, 6, "3.5", "3.5"], 0, "D"),  # D12: 3.5 inclusive
    ([6, 6, 6, 6, 6, 6, "3.4", "3.5"], 0, "CD"),  # D12b: reference Đạt → no adjustment
    ([8, 8, 8, 8, 8, "8.0", "6.5", 7], 0, "T"),  # D13: 8.0 recorded from raw 7.95 (A5)
    ([8, 8, 8, 8, 8, 8, "6.5"], 0, "T"),  # D14: 7 scored subjects; "06" is absolute
    ([7, 7, 7, 7, 7, 7, 5, 5], 1, "D"),  # D15: Khá but for one comment CĐ: a 1-level drop
    ([7, 7, 7, 7, 7, 7, 5, "4.9"], 0, "D"),  # D16: 1-level drop
    ([7, 7, 7, 7, 7, "5.5", "5.5", "3.0"], 0, "CD"),  # D18: leave-one-out finds reference Đạt
    ([9, 9, 9, 9, 9, 9, 9, "3.0"], 0, "D"),  # D19: 3-level drop → actual + 1
], ids=["D1-tot", "D2-kha-five-at-8", "D3-kha-one-below-6.5-no-adjust", "D4-dat-adjusted-to-kha",
        "D5-chua-dat-adjusted-to-dat", "D6-chua-dat-adjusted-to-dat", "D7-two-at-fault-chua-dat",
        "D8-one-comment-cd-adjusted-to-kha", "D9-two-comment-cd-chua-dat", "D10-dat-3.5-inclusive",
        "D11-five-at-5-chua-dat", "D12-dat-two-at-3.5", "D12b-chua-dat-reference-dat", "D13-tot-8.0-from-7.95",
        "D14-tot-seven-scored", "D15-dat-comment-cd-one-level", "D16-dat-4.9-one-level",
        "D18-chua-dat-leave-one-out", "D19-chua-dat-adjusted-to-dat"])
def test_learning_level_section_17_d(scored, fails, expected):
    """Điều 9 k.2 a–d with absolute "06" counts (I5), then k.3 by leave-one-out, actual + 1 level (I6)."""
    assert learning_level(scored, comments(fails)) == expected


def test_learning_level_d17_year_uses_year_averages_not_semester_levels():
    """D17, Điều 9 k.2: one subject HK I 6.0, HK II 6.6 → ĐTBmcn 6.4 (19.2/3); the others 8.

    HK I Khá (6.0 < 6.5), HK II Tốt, year Khá (6.4 < 6.5) although HK II was Tốt.
    """
    assert learning_level([8] * 7 + ["6.0"], ALL_D) == "K"
    assert learning_level([8] * 7 + ["6.6"], ALL_D) == "T"
    year = year_average("6.0", "6.6")
    assert str(year) == "6.4"
    assert learning_level([8] * 7 + [year], ALL_D) == "K"


@pytest.mark.parametrize("scored, fails, expected", [
    ([8, 8, 8, 8, 8, 8, "6.5", "6.5"], 0, "T"), ([8, 8, 8, 8, 8, 8, "6.4", "6.5"], 0, "K"),
    ([8, 8, 8, 8, 8, 8, "7.9", "7.9"], 0, "T"), ([8, 8, 8, 8, 8, "7.9", "7.9", "7.9"], 0, "K"),
    ([7, 7, 7, 7, 7, 7, "5.0", "5.0"], 0, "K"), ([7, 7, 7, 7, 7, 7, "5.0", "4.9"], 0, "D"),
    (["6.5"] * 6 + [5, 5], 0, "K"), (["6.5"] * 5 + ["6.4", 5, 5], 0, "D"),
    ([5] * 6 + ["4.9", "4.9"], 0, "D"), ([5] * 5 + ["4.9"] * 3, 0, "CD"),
    ([5] * 6 + ["3.5", "3.5"], 0, "D"), ([5] * 6 + ["3.4", "3.5"], 0, "CD"),
    ([10] * 8, 0, "T"), ([10] * 8, 1, "K"), ([10] * 8, 2, "CD"), ([7] * 8, 1, "D"), ([5] * 8, 1, "D"),
    ([10] * 5, 0, "CD"), ([], 0, "CD"), ([10] * 6, 0, "T"),
], ids=["tot-floor-6.5", "below-6.5-kha", "tot-count-six-at-8", "five-at-8-kha", "kha-floor-5.0",
        "below-5.0-dat", "kha-count-six-at-6.5", "five-at-6.5-dat", "dat-count-six-at-5", "five-at-5-chua-dat",
        "dat-floor-3.5", "below-3.5-chua-dat", "all-10", "all-10-one-comment-cd-adjusted", "all-10-two-comment-cd",
        "kha-but-one-comment-cd", "dat-with-one-comment-cd", "five-scored-only-chua-dat", "comments-only-chua-dat",
        "six-scored-tot"])
def test_learning_level_thresholds(scored, fails, expected):
    """Điều 9 k.2: each floor and each "ít nhất 06 môn" count, just met and just missed."""
    assert learning_level(scored, comments(fails)) == expected


def test_learning_level_accepts_mappings_and_strings():
    scored = {"NV": "8,0", "TOAN": "8", "NN1": Decimal("8"), "GDCD": 8, "LSDL": "8.0", "KHTN": "8", "CN": "8",
              "TIN": "4,9"}
    assert learning_level(scored, {"GDTC": "Đ", "NT": "D", "HDTNHN": "D", "GDDP": "D"}) == "K"  # D4


@pytest.mark.parametrize("rules, scored, fails, expected", [
    (Rules(comment_subject_can_adjust=False), [8] * 8, 1, "D"),  # D8 variant
    (Rules(adjust_to="below_reference"), [8] * 7 + ["3.4"], 0, "K"),  # D5 alternative reading
    (Rules(adjust_to="below_reference"), [9] * 7 + ["3.0"], 0, "K"),  # D19 alternative reading
    (Rules(adjust_to="below_reference"), [8] * 7 + ["4.9"], 0, "K"),  # Tốt → Đạt: both readings agree
    (Rules(adjust_to="below_reference"), [7] * 6 + ["5.0", "3.4"], 0, "D"),  # Khá → CĐ: both agree
    (Rules(adjust_single_subject_by="replace"), [7] * 5 + ["5.5", "5.5", "3.0"], 0, "D"),  # D18 replace-with-10
    (Rules(adjust_single_subject_by="replace"), [8] * 7 + ["4.9"], 0, "K"),  # D4 under replace
], ids=["D8-comment-subjects-excluded-dat", "D5-adjacent-to-reference-kha", "D19-adjacent-to-reference-kha",
        "D4-adjacent-to-reference-kha", "D6-adjacent-to-reference-dat", "D18-replace-with-10-dat", "D4-replace-kha"])
def test_learning_level_unconfirmed_readings_of_k3(rules, scored, fails, expected):
    """Điều 9 k.3 readings TT22.md marks [U] (§5.5, cases D5, D8, D18) are configurable."""
    assert learning_level(scored, comments(fails), rules=rules) == expected


@pytest.mark.parametrize("scored, comment_results, message", [
    ([8, None], ALL_D, "chưa có điểm trung bình"), ({"TOAN": ""}, ALL_D, "môn TOAN chưa có điểm trung bình"),
    ([8, "11"], ALL_D, "thang điểm 10"), ([8, 8.0], ALL_D, "float"), ([8], ["D", "K"], "không hợp lệ"),
    ([8], ["D", None], "không hợp lệ"), ([], [], "Chưa có môn học nào"), ("8", ALL_D, "danh sách"),
    ([8], "D", "danh sách"),
], ids=["missing-average", "missing-average-named", "out-of-scale", "float", "level-code-as-result",
        "missing-result", "no-subjects", "scored-as-text", "comments-as-text"])
def test_learning_level_bad_input(scored, comment_results, message):
    with pytest.raises(ValueError, match=message):
        learning_level(scored, comment_results)


# ---- E. Year rèn luyện (Điều 8 k.2 b; I7) ------------------------------------------------------------

@pytest.mark.parametrize("hk1, hk2, expected", [
    ("T", "T", "T"), ("K", "T", "T"), ("D", "T", "K"), ("CD", "T", "K"),  # E1–E4
    ("T", "K", "K"), ("D", "K", "K"), ("CD", "K", "D"),  # E5–E7
    ("T", "D", "K"), ("K", "D", "D"), ("CD", "D", "D"),  # E8–E10
    ("T", "CD", "CD"), ("CD", "CD", "CD"),  # E11, E12
    ("K", "K", "K"), ("D", "D", "D"), ("K", "CD", "CD"), ("D", "CD", "CD"),  # the 4 implied cells
], ids=["E1-T-T-tot", "E2-K-T-tot", "E3-D-T-kha", "E4-CD-T-kha", "E5-T-K-kha", "E6-D-K-kha", "E7-CD-K-dat",
        "E8-T-D-kha", "E9-K-D-dat", "E10-CD-D-dat", "E11-T-CD-chua-dat", "E12-CD-CD-chua-dat",
        "implied-K-K-kha", "implied-D-D-dat", "implied-K-CD-chua-dat", "implied-D-CD-chua-dat"])
def test_conduct_year_dieu_8_k2_b(hk1, hk2, expected):
    """Điều 8 k.2 b: the 16-cell table (2 Tốt, 6 Khá, 4 Đạt, 4 Chưa đạt); HK II Chưa đạt → Chưa đạt."""
    assert conduct_year(hk1, hk2) == expected


def test_conduct_year_accepts_vietnamese_letters():
    assert conduct_year("Đ", "CĐ") == "CD"
    assert conduct_year("t", "đ") == "K"


@pytest.mark.parametrize("hk1, hk2", [("A", "T"), (None, "T"), ("T", ""), ("Tốt", "T"), ("T", 3)],
                         ids=["unknown", "missing-hk1", "missing-hk2", "full-word", "number"])
def test_conduct_year_bad_input(hk1, hk2):
    with pytest.raises(ValueError, match="không hợp lệ"):
        conduct_year(hk1, hk2)


# ---- F. Lên lớp / rèn luyện hè / kiểm tra lại (Điều 11–14; I8) ---------------------------------------

@pytest.mark.parametrize("conduct, learning, absences, disabled, expected", [
    ("D", "D", 45, False, "len_lop"),  # F1: 45 is allowed
    ("T", "T", 46, False, "o_lai"),  # F2: no summer process
    ("CD", "D", 10, False, "ren_luyen_he"),  # F3a/F3b before the summer
    ("K", "CD", 5, False, "kiem_tra_lai"),  # F4
    ("D", "CD", 0, False, "kiem_tra_lai"),  # F5a/F5b before the summer
    ("CD", "CD", 0, False, "ren_luyen_he"),  # F6 before the summer
    ("D", "CD", 50, False, "o_lai"),  # F7: k.1 c fails, re-test cannot cure it
    ("T", "T", 0, True, "cho_hieu_truong"),  # F8
    ("CD", "CD", 60, True, "cho_hieu_truong"),  # F8: the principal decides whatever the results
    ("D", "D", 20, False, "len_lop"),  # F9 (grade 9/12: hoàn thành chương trình)
    ("T", "T", 0, False, "len_lop"), ("K", "K", 44, False, "len_lop"), ("CD", "T", 45, False, "ren_luyen_he"),
    ("T", "CD", 45, False, "kiem_tra_lai"), ("CD", "CD", 46, False, "o_lai"), ("Đ", "Đ", 0, False, "len_lop"),
], ids=["F1-45-absences-len-lop", "F2-46-absences-o-lai", "F3-conduct-cd-summer", "F4-learning-cd-retest",
        "F5-learning-cd-retest", "F6-both-cd-summer-first", "F7-50-absences-o-lai", "F8-disabled-principal",
        "F8-disabled-over-limit-principal", "F9-grade-9-len-lop", "tot-tot", "kha-kha-44", "conduct-cd-at-45",
        "learning-cd-at-45", "both-cd-over-limit-o-lai", "vietnamese-letters"])
def test_promotion_before_the_summer(conduct, learning, absences, disabled, expected):
    """Điều 12 k.1 (RL ≥ Đạt, HT ≥ Đạt, ≤ 45 buổi), k.4 (disabled), Điều 13, 14, in the order of I8."""
    assert promotion(conduct, learning, absences, disabled) == expected


def test_f9_grade_9_and_12_complete_the_programme():
    """F9, Điều 12 k.1: grade 9/12 pupils are "công nhận hoàn thành chương trình THCS/THPT"."""
    assert promotion("D", "D", 20) == "len_lop"
    assert completion_text(9, True) == "Được công nhận hoàn thành chương trình trung học cơ sở"
    assert completion_text(12, True) == "Được công nhận hoàn thành chương trình trung học phổ thông"
    assert completion_text(12, False) == "Không được công nhận hoàn thành chương trình trung học phổ thông"
    assert completion_text(8, True) is None
    with pytest.raises(ValueError, match="cấp trung học"):
        completion_text(5, True)


def test_f10_adjusted_level_counts_for_promotion():
    """F10: Đạt adjusted up from Chưa đạt by Điều 9 k.3 (D19) is Đạt for Điều 12 k.1 b."""
    level = learning_level([9] * 7 + ["3.0"], ALL_D)
    assert level == "D"
    assert promotion("T", level, 0) == "len_lop"


F4_SCORED = {"TOAN": "4.8", "NN1": "3.2", "KHTN": "5.0", "NV": "7", "GDCD": "7", "LSDL": "7", "CN": "7", "TIN": "7"}
F4_COMMENTS = {"GDTC": "D", "NT": "CD", "HDTNHN": "D", "GDDP": "D"}


@pytest.mark.parametrize("scored, comment_results, expected", [
    (F4_SCORED, F4_COMMENTS, {"TOAN", "NN1", "NT"}),  # F4: not KHTN (5.0 is not < 5.0)
    ({"A": "4.9", "B": "5.0", "C": "4.95"}, {}, {"A"}),  # 4.95 is recorded 5.0
    ({"A": "0", "B": "10"}, {"X": "CD", "Y": "D"}, {"A", "X"}),
    ({"A": "5"}, {"X": "D"}, set()),
], ids=["F4-toan-anh-nghe-thuat-not-khtn", "boundary-4.9-in-5.0-out", "zero-and-comment-cd", "nothing-to-retest"])
def test_retest_subjects_dieu_14(scored, comment_results, expected):
    """Điều 14: comment subjects Chưa đạt and scored subjects with ĐTBmcn dưới 5,0 are re-tested."""
    assert retest_subjects(scored, comment_results) == expected


def test_f4_pupil_goes_to_retest():
    assert promotion("K", "CD", 5) == "kiem_tra_lai"


F5_SCORED = {"NV": "7", "TOAN": "7", "NN1": "7", "GDCD": "6.5", "LSDL": "6", "KHTN": "5.5", "CN": "4.8", "TIN": "3.2"}


@pytest.mark.parametrize("retests, level_after, expected", [
    ({"CN": "3.6", "TIN": "5.0"}, "D", "len_lop"),  # F5a: 7,7,7,6.5,6,5.5,3.6,5.0 → Đạt; 4.8 → 3.6 replaces
    ({"CN": "4.8", "TIN": "3.4"}, "CD", "o_lai"),  # F5b: 3.4 < 3.5 → Chưa đạt
], ids=["F5a-retest-replaces-even-lower-len-lop", "F5b-still-below-3.5-o-lai"])
def test_f5_retests_replace_the_year_result(retests, level_after, expected):
    """Điều 14: "Kết quả đánh giá lại … được sử dụng thay thế", even when lower; then Điều 9 k.2 again."""
    assert learning_level(F5_SCORED, ALL_D) == "CD"
    assert promotion("D", "CD", 0) == "kiem_tra_lai"
    scored, comment_results = apply_retests(F5_SCORED, dict(zip("ABCD", ALL_D)), retests)
    assert scored["CN"] == Decimal(retests["CN"]) and scored["NV"] == "7"
    level = learning_level(scored, comment_results)
    assert level == level_after
    assert decision_after_summer("D", "CD", 0, retest_learning=level) == expected


def test_apply_retests_replaces_comment_results_and_refuses_subjects_not_listed():
    scored, comment_results = apply_retests(F4_SCORED, F4_COMMENTS, {"NT": "Đ", "TOAN": "5,5"})
    assert comment_results["NT"] == "D" and scored["TOAN"] == Decimal("5.5") and scored["KHTN"] == "5.0"
    with pytest.raises(ValueError, match="Môn KHTN không thuộc diện kiểm tra"):
        apply_retests(F4_SCORED, F4_COMMENTS, {"KHTN": "6"})
    with pytest.raises(ValueError, match="thang điểm 10"):
        apply_retests(F4_SCORED, F4_COMMENTS, {"TOAN": "12"})


@pytest.mark.parametrize("conduct, learning, absences, kwargs, expected", [
    ("CD", "D", 10, {"summer_conduct": "D"}, "len_lop"),  # F3a
    ("CD", "D", 10, {"summer_conduct": "CD"}, "o_lai"),  # F3b
    ("CD", "D", 10, {}, "o_lai"),  # not re-assessed: the year Chưa đạt stands
    ("CD", "CD", 0, {"summer_conduct": "D"}, "o_lai"),  # F6 default: no academic re-test
    ("CD", "CD", 0, {"summer_conduct": "D", "retest_learning": "D",
                     "rules": Rules(retest_after_summer_conduct=True)}, "len_lop"),  # F6 with the flag
    ("CD", "CD", 0, {"summer_conduct": "CD", "rules": Rules(retest_after_summer_conduct=True)}, "o_lai"),
    ("D", "CD", 50, {}, "o_lai"),  # F7
    ("D", "CD", 0, {"disabled": True}, "cho_hieu_truong"),  # F8
    ("D", "CD", 0, {}, "o_lai"),  # re-test not taken: the year Chưa đạt stands
    ("T", "T", 0, {}, "len_lop"), ("D", "D", 45, {}, "len_lop"), ("D", "D", 46, {}, "o_lai"),
], ids=["F3a-summer-dat-len-lop", "F3b-summer-chua-dat-o-lai", "summer-not-reassessed-o-lai",
        "F6-default-no-retest-o-lai", "F6-flag-retest-allowed-len-lop", "F6-flag-summer-cd-o-lai", "F7-over-45-o-lai",
        "F8-disabled-principal", "retest-not-taken-o-lai", "no-summer-len-lop", "45-len-lop", "46-o-lai"])
def test_decision_after_summer(conduct, learning, absences, kwargs, expected):
    """Điều 12 k.1 a, b (including the re-assessments of Điều 13, 14), k.3: len_lop or o_lai."""
    assert decision_after_summer(conduct, learning, absences, **kwargs) == expected


@pytest.mark.parametrize("conduct, learning, absences, kwargs, message", [
    ("CD", "CD", 0, {"summer_conduct": "D", "retest_learning": "D"}, "Điều 14"),  # F6 default
    ("D", "CD", 50, {"retest_learning": "D"}, "Điều 14"),  # F7: no re-test
    ("CD", "CD", 0, {"summer_conduct": "CD", "retest_learning": "D",
                     "rules": Rules(retest_after_summer_conduct=True)}, "Điều 14"),
    ("D", "D", 0, {"retest_learning": "D"}, "Điều 14"),
    ("D", "D", 0, {"summer_conduct": "D"}, "rèn luyện cả năm Chưa đạt"),
    ("CD", "D", 0, {"summer_conduct": "X"}, "không hợp lệ"),
    ("D", "D", -1, {}, "Số buổi nghỉ học"), ("D", "D", "3", {}, "Số buổi nghỉ học"),
], ids=["F6-default-retest-refused", "F7-retest-refused", "F6-flag-summer-cd-retest-refused", "retest-without-cd",
        "summer-without-cd", "bad-summer-level", "negative-absences", "absences-as-text"])
def test_decision_after_summer_bad_input(conduct, learning, absences, kwargs, message):
    with pytest.raises(ValueError, match=message):
        decision_after_summer(conduct, learning, absences, **kwargs)


@pytest.mark.parametrize("args, message", [
    (("X", "D", 0), "không hợp lệ"), (("D", None, 0), "không hợp lệ"), (("D", "D", -1), "Số buổi nghỉ học"),
    (("D", "D", 4.5), "Số buổi nghỉ học"), (("D", "D", True), "Số buổi nghỉ học"), (("D", "D", None), "Số buổi"),
], ids=["bad-conduct", "missing-learning", "negative-absences", "fractional-absences", "bool-absences",
        "missing-absences"])
def test_promotion_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        promotion(*args)


def test_retest_subjects_bad_input():
    with pytest.raises(ValueError, match="bảng môn học"):
        retest_subjects(["4.8"], {})
    with pytest.raises(ValueError, match="môn TOAN chưa có điểm trung bình"):
        retest_subjects({"TOAN": None}, {})


# ---- G. Khen thưởng (Điều 15 k.1; I9) ----------------------------------------------------------------

@pytest.mark.parametrize("conduct, learning, scored, expected", [
    ("T", "T", [9, 9, 9, 9, 9, 9, 8, 7], "XS"),  # G1
    ("T", "T", [9, 9, 9, 9, 9, "8.9", 8, 7], "G"),  # G2: only five ≥ 9.0
    ("K", "T", [10] * 8, None),  # G4
    ("T", "T", ["9.0"] * 6 + ["6.5", "6.5"], "XS"), ("T", "T", ["10"] * 7, "XS"),
    ("T", "T", [9] * 5 + [10, 8, 8], "XS"), ("T", "T", [10] * 5, "G"),
    ("T", "K", [10] * 8, None), ("T", "D", [10] * 8, None), ("D", "T", [10] * 8, None), ("CD", "CD", [10] * 8, None),
], ids=["G1-xuat-sac", "G2-gioi-five-at-9", "G4-conduct-kha-none", "six-at-exactly-9.0-xuat-sac",
        "seven-scored-xuat-sac", "five-9-one-10-xuat-sac", "five-scored-gioi", "learning-kha-none",
        "learning-dat-none", "conduct-dat-none", "both-cd-none"])
def test_award_dieu_15_k1(conduct, learning, scored, expected):
    """Điều 15 k.1 a: Xuất sắc = RL Tốt, HT Tốt, ≥ 06 môn ĐTBmcn ≥ 9,0; b: Giỏi = RL Tốt, HT Tốt."""
    assert award(conduct, learning, scored) == expected


def test_g3_year_average_from_8_9_and_9_0_counts_for_xuat_sac():
    """G3 (uses B8): (8.9 + 2·9.0)/3 = 8.966… → 9.0 counts toward the six ≥ 9.0."""
    sixth = year_average("8.9", "9.0")
    assert award("T", "T", [9, 9, 9, 9, 9, sixth, 8, 7]) == "XS"


def test_g5_adjusted_level_never_gives_a_title():
    """G5: all 9 but one comment subject Chưa đạt → k.2 Đạt → k.3 Khá: no title (k.3 never gives Tốt)."""
    level = learning_level([9] * 8, comments(1))
    assert level == "K"
    assert award("T", level, [9] * 8) is None


def test_g6_titles_are_for_the_year_only():
    """G6: HK I all 9.5 but HK II all 8.5 → ĐTBmcn (9.5 + 17)/3 = 8.833… → 8.8: Giỏi, not Xuất sắc."""
    year = [year_average("9.5", "8.5")] * 8
    assert str(year[0]) == "8.8"
    assert learning_level(year, ALL_D) == "T"
    assert award("T", "T", year) == "G"


@pytest.mark.parametrize("args, message", [
    (("X", "T", [9] * 6), "không hợp lệ"), (("T", "", [9] * 6), "không hợp lệ"),
    (("T", "T", [9, None]), "chưa có điểm trung bình"), (("T", "T", [9, "12"]), "thang điểm 10"),
], ids=["bad-conduct", "missing-learning", "missing-average", "out-of-scale"])
def test_award_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        award(*args)


# ---- the rule table ----------------------------------------------------------------------------------

def test_rule_table_is_keyed_by_circular_version():
    """TT22.md §14: a future amendment becomes a new row, not a code change."""
    assert tt22.RULES["TT22-2021"] is tt22.DEFAULT_RULES


@pytest.mark.parametrize("kwargs", [{"adjust_single_subject_by": "max"}, {"adjust_to": "reference"}],
                         ids=["unknown-single-subject-test", "unknown-adjust-target"])
def test_rules_refuse_unknown_readings(kwargs):
    with pytest.raises(ValueError, match="không hợp lệ"):
        Rules(**kwargs)
