"""Secondary evaluation rules — Thông tư 22/2021/TT-BGDĐT (THCS grades 6–9, THPT grades 10–12).

Pure functions over exact decimals: scores, averages, levels, the year's decisions. Built from the
project's TT22.md (articles, pinned interpretations I1–I9, truth tables §17). Every rule TT22.md marks
unconfirmed is a field of `Rules` marked UNCONFIRMED, so a school, a Sở or an amended circular changes
data, not code (TT22.md §14: one rule table keyed by circular version, `RULES`).

Glossary (English name ↔ Vietnamese term):
- score ↔ điểm đánh giá (ĐĐG), 10-point scale, one decimal (Điều 5 k.3 b)
- regular / mid-term / end-of-term assessment ↔ đánh giá thường xuyên (ĐĐGtx) / giữa kì (ĐĐGgk) /
  cuối kì (ĐĐGck) (Điều 6, 7)
- periods a year ↔ số tiết/năm học; topic cluster ↔ cụm chuyên đề học tập (THPT, Điều 6 k.3)
- term average / year average ↔ điểm trung bình môn học kì (ĐTBmhk) / cả năm (ĐTBmcn) (Điều 9 k.1 b)
- scored subject ↔ môn học đánh giá bằng nhận xét kết hợp đánh giá bằng điểm số (Điều 5 k.3 b)
- comment subject ↔ môn học đánh giá bằng nhận xét, result D = Đạt, CD = Chưa đạt (Điều 5 k.3 a)
- learning level ↔ kết quả học tập (Điều 9 k.2); conduct ↔ kết quả rèn luyện (Điều 8);
  levels T = Tốt, K = Khá, D = Đạt, CD = Chưa đạt
- adjustment ↔ điều chỉnh lên mức liền kề (Điều 9 k.3)
- award ↔ khen thưởng: XS = Học sinh Xuất sắc, G = Học sinh Giỏi (Điều 15 k.1)
- absences ↔ số buổi nghỉ học; disabled pupil ↔ học sinh khuyết tật (Điều 11)
- decisions (Điều 12–14): len_lop = được lên lớp, o_lai = không được lên lớp, ren_luyen_he = rèn
  luyện trong kì nghỉ hè, kiem_tra_lai = kiểm tra, đánh giá lại, cho_hieu_truong = chờ Hiệu trưởng
  quyết định
"""
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LEVELS = {"T": "Tốt", "K": "Khá", "D": "Đạt", "CD": "Chưa đạt"}
COMMENT_RESULTS = {"D": "Đạt", "CD": "Chưa đạt"}
AWARDS = {"XS": "Học sinh Xuất sắc", "G": "Học sinh Giỏi"}
DECISIONS = {
    "len_lop": "Được lên lớp",
    "o_lai": "Không được lên lớp",
    "ren_luyen_he": "Rèn luyện trong kì nghỉ hè",
    "kiem_tra_lai": "Kiểm tra, đánh giá lại các môn học trong kì nghỉ hè",
    "cho_hieu_truong": "Chờ Hiệu trưởng quyết định",
}
_ORDER = ("CD", "D", "K", "T")  # lowest first: the index is the rank
_RANK = {level: rank for rank, level in enumerate(_ORDER)}
_TENTH = Decimal("0.1")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?", re.ASCII)
_COMMENT_SLOTS = 4  # Điều 6 k.2 a + Điều 7 k.2: 2 ĐĐGtx + giữa kì + cuối kì per semester


@dataclass(frozen=True)
class Rules:
    """The thresholds and readings of TT22; the defaults are TT22.md's pinned interpretations."""

    # Điều 9 k.2 [C]: Tốt, Khá, Đạt floors and the absolute "ít nhất 06 môn" count (I5).
    good_floor: Decimal = Decimal("6.5")
    good_high: Decimal = Decimal("8.0")
    fair_floor: Decimal = Decimal("5.0")
    fair_high: Decimal = Decimal("6.5")
    pass_high: Decimal = Decimal("5.0")
    pass_floor: Decimal = Decimal("3.5")
    pass_comment_fails: int = 1
    subject_count: int = 6
    excellent: Decimal = Decimal("9.0")  # Điều 15 k.1 a
    retest_below: Decimal = Decimal("5.0")  # Điều 14
    max_absences: int = 45  # Điều 12 k.1 c: 45 passes, 46 fails
    # Điều 6 k.2 b: (upper bound of periods a year, ĐĐGtx count); None is no bound.
    # UNCONFIRMED: the text says "35 tiết", not "≤ 35"; fewer than 35 is read as 2 (I3).
    regular_counts: tuple = ((35, 2), (70, 3), (None, 4))
    # UNCONFIRMED: TT22 says the teacher "chọn" 2/3/4 assessments; some vendors treat it as a minimum (I3).
    regular_count_is_minimum: bool = False
    # UNCONFIRMED: Điều 9 k.3 "duy nhất 01 môn học" may be a comment subject rated Chưa đạt (I6, case D8).
    comment_subject_can_adjust: bool = True
    # UNCONFIRMED: the single subject is found by leaving it out ("leave_out", I6) or by replacing it with
    # a perfect result ("replace"); they differ when it also fills a "06" count (case D18).
    adjust_single_subject_by: str = "leave_out"
    # UNCONFIRMED: "mức liền kề" is one above the actual level ("above_actual", TT58 precedent) or one
    # below the reference level ("below_reference"); they differ for Tốt → Chưa đạt (case D5).
    adjust_to: str = "above_actual"
    # UNCONFIRMED: Điều 14 asks for year rèn luyện ≥ Đạt without "bao gồm kết quả đánh giá lại"; by default a
    # pupil re-assessed Đạt after summer rèn luyện gets no academic re-test (case F6).
    retest_after_summer_conduct: bool = False

    def __post_init__(self):
        if self.adjust_single_subject_by not in ("leave_out", "replace"):
            raise ValueError(f"Cách xác định môn duy nhất “{self.adjust_single_subject_by}” không hợp lệ.")
        if self.adjust_to not in ("above_actual", "below_reference"):
            raise ValueError(f"Cách điều chỉnh mức “{self.adjust_to}” không hợp lệ.")


DEFAULT_RULES = Rules()
RULES = {"TT22-2021": DEFAULT_RULES}


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_count(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _code(value, allowed: dict, what: str) -> str:
    text = unicodedata.normalize("NFC", value).strip().upper().replace("Đ", "D") if isinstance(value, str) else None
    if text not in allowed:
        choices = ", ".join(f"{code} ({name})" for code, name in allowed.items())
        raise ValueError(f"{what} “{value}” không hợp lệ: chỉ nhận {choices}.")
    return text


def _level(value, what: str = "Mức đánh giá") -> str:
    return _code(value, LEVELS, what)


def _result(value, what: str = "Kết quả môn đánh giá bằng nhận xét") -> str:
    return _code(value, COMMENT_RESULTS, what)


def _half_up(value: Decimal) -> Decimal:
    # UNCONFIRMED: Điều 9 states no rounding for ĐTBmhk / ĐTBmcn (TT22.md §5.3); half-up to 0.1 is the
    # universal practice (I1) and what the học bạ records.
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def parse_score(text) -> Decimal:
    """A score on the 10-point scale, comma or dot, rounded half-up to one decimal (Điều 5 k.3 b; I1).

    "8,25" → 8.3 (Python's round() would give 8.2). Binary floats are refused: they cannot hold 8.25 or
    6.45 exactly, and the rounding of a tie would depend on it.
    """
    if _is_blank(text):
        raise ValueError("Chưa nhập điểm.")
    if isinstance(text, (bool, float)):
        raise ValueError(f"Điểm {text!r} phải được truyền dưới dạng chuỗi hoặc Decimal (không dùng float), "
                         "để làm tròn chính xác.")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str) and _NUMBER.fullmatch(unicodedata.normalize("NFC", text).strip()):
        value = Decimal(text.strip().replace(",", "."))
    else:
        raise ValueError(f"Điểm “{text}” không hợp lệ: nhập một số từ 0 đến 10, ví dụ 8,5.")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(10):
        raise ValueError(f"Điểm “{text}” nằm ngoài thang điểm 10 (từ 0 đến 10).")
    return _half_up(value)


def format_score(score) -> str:
    """A score as the học bạ prints it: one decimal, decimal comma ("8,5")."""
    return f"{parse_score(score):.1f}".replace(".", ",")


def _scores(values, what: str) -> list[Decimal]:
    if isinstance(values, Mapping):
        items = list(values.items())
    elif isinstance(values, Iterable) and not isinstance(values, (str, bytes)):
        items = list(enumerate(values, 1))
    else:
        raise ValueError(f"{what}: cần một danh sách hoặc bảng môn học → điểm.")
    for name, value in items:
        if _is_blank(value):
            raise ValueError(f"{what}: môn {name} chưa có điểm trung bình.")
    return [parse_score(value) for _, value in items]


def _results(values, what: str) -> list[str]:
    if isinstance(values, Mapping):
        values = values.values()
    elif not isinstance(values, Iterable) or isinstance(values, (str, bytes)):
        raise ValueError(f"{what}: cần một danh sách hoặc bảng môn học → Đạt/Chưa đạt.")
    return [_result(value) for value in values]


def regular_count(periods_per_year, *, rules: Rules = DEFAULT_RULES) -> int:
    """ĐĐGtx to record per semester for a scored subject (Điều 6 k.2 b; I3): 2 / 3 / 4 for ≤ 35 / ≤ 70 / > 70."""
    if not _is_count(periods_per_year, 1):
        raise ValueError(f"Số tiết/năm học “{periods_per_year}” không hợp lệ: phải là số nguyên dương.")
    for limit, count in rules.regular_counts:
        if limit is None or periods_per_year <= limit:
            return count
    raise ValueError(f"Không có quy định số ĐĐGtx cho môn {periods_per_year} tiết/năm học.")


def term_average(regular, midterm, final, periods_per_year, *, topic_clusters: int = 0,
                 rules: Rules = DEFAULT_RULES) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (n + 5), half-up to 0.1 (Điều 9 k.1 b; I1, I3).

    `regular` must hold the ĐĐGtx count of Điều 6 k.2 b for `periods_per_year` (None or "" is a missing
    one); a missing assessment blocks the average (TT22.md §3): the teacher enters a make-up score or 0.
    `topic_clusters`: THPT cụm chuyên đề results counted as extra ĐĐGtx this semester (Điều 6 k.3).
    UNCONFIRMED: Điều 6 k.3 is known from a summary only ([P]); each cluster adds one required ĐĐGtx.
    """
    if not _is_count(topic_clusters):
        raise ValueError(f"Số cụm chuyên đề “{topic_clusters}” không hợp lệ.")
    required = regular_count(periods_per_year, rules=rules) + topic_clusters
    if isinstance(regular, (str, bytes, Mapping)) or not isinstance(regular, Iterable):
        raise ValueError("Các ĐĐGtx phải là một danh sách điểm.")
    given = [parse_score(score) for score in regular if not _is_blank(score)]
    # UNCONFIRMED: TT22's own make-up clause was not seen (TT22.md §3); as in TT26/2020, a missing score is
    # never averaged over: it blocks until a make-up score or an explicit 0 is entered.
    problems = []
    if len(given) < required:
        problems.append(f"thiếu {required - len(given)} ĐĐGtx (môn {periods_per_year} tiết/năm học cần {required})")
    elif len(given) > required and not rules.regular_count_is_minimum:
        problems.append(f"thừa {len(given) - required} ĐĐGtx (môn {periods_per_year} tiết/năm học cần đúng {required})")
    if _is_blank(midterm):
        problems.append("thiếu ĐĐGgk")
    if _is_blank(final):
        problems.append("thiếu ĐĐGck")
    if problems:
        raise ValueError("Chưa tính được ĐTBmhk: " + "; ".join(problems) + ".")
    total = sum(given, Decimal(0)) + 2 * parse_score(midterm) + 3 * parse_score(final)
    return _half_up(total / (len(given) + 5))


def year_average(term1, term2) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, half-up to 0.1 (Điều 9 k.1 b).

    From the recorded, rounded semester averages (I2, UNCONFIRMED legally, universal practice): an
    unrounded input is first rounded as the học bạ records it (4.85 → 4.9).
    """
    missing = [name for name, value in (("học kì I", term1), ("học kì II", term2)) if _is_blank(value)]
    if missing:
        raise ValueError("Chưa tính được ĐTBmcn: thiếu ĐTBmhk " + " và ".join(missing) + ".")
    return _half_up((parse_score(term1) + 2 * parse_score(term2)) / 3)


def comment_term(results, *, rules: Rules = DEFAULT_RULES) -> str:
    """A comment subject's semester: Đạt only when all four assessments are present and Đạt (Điều 9 k.1 a; I4).

    `results`: the two ĐĐGtx, the mid-term and the end-of-term assessment, None for a missing one.
    """
    if isinstance(results, (str, bytes, Mapping)) or not isinstance(results, Iterable):
        raise ValueError("Các lần đánh giá của môn nhận xét phải là một danh sách.")
    results = list(results)
    if len(results) < _COMMENT_SLOTS or (len(results) > _COMMENT_SLOTS and not rules.regular_count_is_minimum):
        raise ValueError(f"Môn đánh giá bằng nhận xét có {_COMMENT_SLOTS} lần đánh giá mỗi học kì (2 thường xuyên, "
                         f"giữa kì, cuối kì), nhận được {len(results)}.")
    present = [_result(r) for r in results if not _is_blank(r)]
    return "D" if len(present) >= _COMMENT_SLOTS and all(r == "D" for r in present) else "CD"


def comment_year(term1, term2) -> str:
    """A comment subject's year is its second semester's result (Điều 9 k.1 a; I4); HK I is ignored."""
    if not _is_blank(term1):
        _result(term1, "Kết quả học kì I")
    if _is_blank(term2):
        raise ValueError("Chưa đánh giá được cả năm: thiếu kết quả học kì II.")
    return _result(term2, "Kết quả học kì II")


def _k2_level(scores: list[Decimal], results: list[str], rules: Rules) -> str:
    """Điều 9 k.2 a–d, before any adjustment."""
    fails = results.count("CD")

    def count_from(threshold):
        return sum(score >= threshold for score in scores)

    if fails == 0 and all(s >= rules.good_floor for s in scores) and count_from(rules.good_high) >= rules.subject_count:
        return "T"
    if fails == 0 and all(s >= rules.fair_floor for s in scores) and count_from(rules.fair_high) >= rules.subject_count:
        return "K"
    if (fails <= rules.pass_comment_fails and count_from(rules.pass_high) >= rules.subject_count
            and all(s >= rules.pass_floor for s in scores)):
        return "D"
    return "CD"


def _without_one(scores: list[Decimal], results: list[str], rules: Rules):
    """Each way of taking one subject out of the picture (Điều 9 k.3; I6)."""
    replace = rules.adjust_single_subject_by == "replace"
    for i in range(len(scores)):
        yield scores[:i] + ([Decimal(10)] if replace else []) + scores[i + 1:], results
    if rules.comment_subject_can_adjust:
        for i in range(len(results)):
            yield scores, results[:i] + (["D"] if replace else []) + results[i + 1:]


def learning_level(scored, comments, *, rules: Rules = DEFAULT_RULES) -> str:
    """Kết quả học tập of a semester or the year (Điều 9 k.2, then k.3; I5, I6).

    `scored`: the scored subjects' ĐTBmhk (semester) or ĐTBmcn (year); `comments`: the comment subjects'
    results for the same period. Mappings subject → value, or plain sequences. Exempt subjects of a
    disabled pupil are left out by the caller (Điều 11 k.2). The year level comes from the year values,
    never from the two semester levels (case D17).

    k.3: when the level is two or more below Tốt or Khá only because of one single subject, it is raised
    one level. Defaults: the pupil meets Tốt/Khá with that subject left out, "06" counted over the rest;
    the result is one level above the actual level, never Tốt (see `Rules` for the UNCONFIRMED readings).
    """
    scores, results = _scores(scored, "Môn đánh giá bằng điểm số"), _results(comments, "Môn đánh giá bằng nhận xét")
    if not scores and not results:
        raise ValueError("Chưa có môn học nào để đánh giá kết quả học tập.")
    actual = _k2_level(scores, results, rules)
    references = [ref for s, r in _without_one(scores, results, rules)
                  if (ref := _k2_level(s, r, rules)) in ("T", "K") and _RANK[ref] - _RANK[actual] >= 2]
    if not references:
        return actual
    if rules.adjust_to == "below_reference":
        return _ORDER[max(_RANK[ref] for ref in references) - 1]
    return _ORDER[_RANK[actual] + 1]


def conduct_year(term1, term2) -> str:
    """Year rèn luyện from the two semesters (Điều 8 k.2 b; I7): the 16-cell table, HK II weighing more."""
    key = (_level(term1, "Kết quả rèn luyện học kì I"), _level(term2, "Kết quả rèn luyện học kì II"))
    return _CONDUCT_YEAR[key]


# (HK I, HK II) → year, written out from Điều 8 k.2 b a)–d); "CD" in HK II is always Chưa đạt (d).
_CONDUCT_YEAR = {
    ("T", "T"): "T", ("K", "T"): "T", ("D", "T"): "K", ("CD", "T"): "K",
    ("T", "K"): "K", ("K", "K"): "K", ("D", "K"): "K", ("CD", "K"): "D",
    ("T", "D"): "K", ("K", "D"): "D", ("D", "D"): "D", ("CD", "D"): "D",
    ("T", "CD"): "CD", ("K", "CD"): "CD", ("D", "CD"): "CD", ("CD", "CD"): "CD",
}


def award(conduct, learning, scored, *, rules: Rules = DEFAULT_RULES) -> str | None:
    """Year title (Điều 15 k.1; I9): XS = rèn luyện Tốt, học tập Tốt and ≥ 6 scored ĐTBmcn ≥ 9,0; G = both Tốt.

    Year levels and ĐTBmcn only: there is no semester title under TT22.
    """
    conduct, learning = _level(conduct, "Kết quả rèn luyện cả năm"), _level(learning, "Kết quả học tập cả năm")
    scores = _scores(scored, "Môn đánh giá bằng điểm số")
    if conduct != "T" or learning != "T":
        return None
    return "XS" if sum(s >= rules.excellent for s in scores) >= rules.subject_count else "G"


def _absences(absences, rules: Rules) -> bool:
    """True when the absences exceed the limit of Điều 12 k.1 c (whole days at 1 buổi/day)."""
    if not _is_count(absences):
        raise ValueError(f"Số buổi nghỉ học “{absences}” không hợp lệ: phải là số nguyên không âm.")
    return absences > rules.max_absences


def promotion(conduct, learning, absences, disabled=False, *, rules: Rules = DEFAULT_RULES) -> str:
    """The end-of-year decision before the summer (Điều 11–14; I8), in this order:

    disabled pupil → cho_hieu_truong (Điều 12 k.4: the principal decides); absences > 45 → o_lai
    (k.1 c cannot be cured); conduct Chưa đạt → ren_luyen_he (Điều 13); learning Chưa đạt → kiem_tra_lai
    (Điều 14); otherwise len_lop (Điều 12 k.1). Grade 9/12 len_lop is "hoàn thành chương trình".
    """
    conduct, learning = _level(conduct, "Kết quả rèn luyện cả năm"), _level(learning, "Kết quả học tập cả năm")
    over_limit = _absences(absences, rules)
    if disabled:
        return "cho_hieu_truong"
    if over_limit:  # UNCONFIRMED: the text does not say re-tests are skipped; the outcome is the same (F7)
        return "o_lai"
    if conduct == "CD":
        return "ren_luyen_he"
    if learning == "CD":
        return "kiem_tra_lai"
    return "len_lop"


def retest_subjects(scored: dict, comments: dict, *, rules: Rules = DEFAULT_RULES) -> set:
    """Subjects to re-test in the summer (Điều 14): ĐTBmcn below 5,0 (5,0 itself is not) and comment
    subjects Chưa đạt for the year."""
    if not isinstance(scored, Mapping) or not isinstance(comments, Mapping):
        raise ValueError("Cần bảng môn học → kết quả cả năm để lập danh sách kiểm tra lại.")
    scores = dict(zip(scored, _scores(scored, "Môn đánh giá bằng điểm số")))
    results = dict(zip(comments, _results(comments, "Môn đánh giá bằng nhận xét")))
    return ({name for name, score in scores.items() if score < rules.retest_below}
            | {name for name, result in results.items() if result == "CD"})


def apply_retests(scored: dict, comments: dict, retests: dict, *,
                  rules: Rules = DEFAULT_RULES) -> tuple[dict, dict]:
    """The year results after the summer re-tests (Điều 14): a re-test result replaces the subject's year
    result, even when lower. Only subjects on the re-test list may have one."""
    allowed = retest_subjects(scored, comments, rules=rules)
    if not isinstance(retests, Mapping):
        raise ValueError("Kết quả kiểm tra lại phải là bảng môn học → kết quả.")
    new_scored, new_comments = dict(scored), dict(comments)
    for name, value in retests.items():
        if name not in allowed:
            raise ValueError(f"Môn {name} không thuộc diện kiểm tra, đánh giá lại.")
        if name in scored:
            new_scored[name] = parse_score(value)
        else:
            new_comments[name] = _result(value, f"Kết quả đánh giá lại môn {name}")
    return new_scored, new_comments


def decision_after_summer(conduct, learning, absences, *, summer_conduct=None, retest_learning=None,
                          disabled=False, rules: Rules = DEFAULT_RULES) -> str:
    """The final decision after the summer (Điều 12 k.1, 13, 14; I8 steps 5–6): len_lop or o_lai.

    `conduct`, `learning`: the year levels before the summer. `summer_conduct`: the re-assessment after
    summer rèn luyện (None: not re-assessed, the year level stands). `retest_learning`: the year learning
    level recomputed after the re-tests (`apply_retests` then `learning_level`, k.3 included: UNCONFIRMED
    whether k.3 applies after re-tests, TT22.md §18 item 6).
    """
    conduct, learning = _level(conduct, "Kết quả rèn luyện cả năm"), _level(learning, "Kết quả học tập cả năm")
    over_limit = _absences(absences, rules)
    if disabled:
        return "cho_hieu_truong"
    final_conduct = conduct
    if summer_conduct is not None:
        if conduct != "CD":
            raise ValueError("Chỉ học sinh có kết quả rèn luyện cả năm Chưa đạt mới rèn luyện trong kì nghỉ hè.")
        # UNCONFIRMED: the re-assessment scale (Đạt/Chưa đạt in practice, TT22.md §8); any level is taken.
        final_conduct = _level(summer_conduct, "Kết quả đánh giá lại rèn luyện")
    final_learning = learning
    if retest_learning is not None:
        eligible_conduct = final_conduct if rules.retest_after_summer_conduct else conduct
        if learning != "CD" or eligible_conduct == "CD" or over_limit:
            raise ValueError("Học sinh không thuộc diện kiểm tra, đánh giá lại các môn học (Điều 14).")
        final_learning = _level(retest_learning, "Kết quả học tập sau kiểm tra lại")
    promoted = not over_limit and final_conduct != "CD" and final_learning != "CD"
    return "len_lop" if promoted else "o_lai"


def completion_text(grade: int, promoted: bool) -> str | None:
    """For the last grade of a level, what the học bạ states instead of lên lớp (Điều 12 k.1, k.3)."""
    names = {9: "trung học cơ sở", 12: "trung học phổ thông"}
    if not _is_count(grade, 6) or grade > 12:
        raise ValueError(f"Khối lớp “{grade}” không thuộc cấp trung học (6–12).")
    if grade not in names:
        return None
    return f"{'Được' if promoted else 'Không được'} công nhận hoàn thành chương trình {names[grade]}"
