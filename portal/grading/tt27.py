"""Primary evaluation rules — Thông tư 27/2020/TT-BGDĐT.

Glossary: level (mức đạt được) of a subject or activity: T = Hoàn thành tốt, H = Hoàn thành,
C = Chưa hoàn thành (Điều 6 k.1). Level of a quality or competency: T = Tốt, Đ = Đạt, C = Cần cố gắng
(Điều 6 k.2). Periodic test (bài kiểm tra định kì): whole-number score 1–10 (Điều 7). Year outcome
(Điều 9): HTXS = Hoàn thành xuất sắc, HTT = Hoàn thành tốt, HT = Hoàn thành, CHT = Chưa hoàn thành.
"""
import unicodedata
from dataclasses import dataclass

SUBJECT_LEVELS = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
QUALITY_LEVELS = {"T": "Tốt", "Đ": "Đạt", "C": "Cần cố gắng"}
OUTCOMES = {"HTXS": "Hoàn thành xuất sắc", "HTT": "Hoàn thành tốt", "HT": "Hoàn thành", "CHT": "Chưa hoàn thành"}

# Điều 6 k.2 with CTGDPT 2018: 5 chief qualities, 3 general and 7 specific competencies.
QUALITIES = {
    "yeu_nuoc": "Yêu nước", "nhan_ai": "Nhân ái", "cham_chi": "Chăm chỉ", "trung_thuc": "Trung thực",
    "trach_nhiem": "Trách nhiệm",
}
GENERAL_COMPETENCIES = {
    "tu_chu_tu_hoc": "Tự chủ và tự học", "giao_tiep_hop_tac": "Giao tiếp và hợp tác",
    "gqvd_sang_tao": "Giải quyết vấn đề và sáng tạo",
}
SPECIFIC_COMPETENCIES = {
    "ngon_ngu": "Ngôn ngữ", "tinh_toan": "Tính toán", "khoa_hoc": "Khoa học", "cong_nghe": "Công nghệ",
    "tin_hoc": "Tin học", "tham_mi": "Thẩm mĩ", "the_chat": "Thể chất",
}
ALL_QUALITIES = {**QUALITIES, **GENERAL_COMPETENCIES, **SPECIFIC_COMPETENCIES}
QUALITY_GROUPS = {
    "pc": ("Những phẩm chất chủ yếu", QUALITIES),
    "nlc": ("Năng lực chung", GENERAL_COMPETENCIES),
    "nldt": ("Năng lực đặc thù", SPECIFIC_COMPETENCIES),
}


@dataclass(frozen=True)
class Thresholds:
    """Minimum end-of-year periodic test score for each outcome (Điều 9 k.2)."""

    htxs: int = 9  # Điều 9 k.2 a: "đạt 9 điểm trở lên"
    htt: int = 7  # Điều 9 k.2 b: "đạt 7 điểm trở lên"
    # UNCONFIRMED: HOCBA.md marks the Hoàn thành threshold [U]; TT27 Điều 9 k.2 c is read as 5.
    ht: int = 5


DEFAULT_THRESHOLDS = Thresholds()


def _nfc(code) -> str:
    return unicodedata.normalize("NFC", code) if isinstance(code, str) else code


def _check_levels(levels: dict, allowed: dict, what: str) -> dict[str, str]:
    if not isinstance(levels, dict) or not levels:
        raise ValueError(f"{what}: at least one level is required")
    out = {}
    for key, level in levels.items():
        level = _nfc(level)
        if level not in allowed:
            raise ValueError(f"{what}: unknown level {level!r} for {key!r} (expected one of {', '.join(allowed)})")
        out[key] = level
    return out


def check_score(score) -> int:
    """A periodic test score is a whole number from 1 to 10 (Điều 7 k.2); anything else is refused."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 10:
        raise ValueError(f"test score {score!r} is not a whole number from 1 to 10")
    return score


def year_outcome(subject_levels: dict[str, str], test_scores: dict[str, int],
                 quality_levels: dict[str, str]) -> str:
    """End-of-year outcome (TT27 Điều 9 k.2) from the end-of-year levels and test scores.

    HTXS: every subject/activity T, every quality/competency T, every end-of-year test ≥ 9;
    HTT: the same with every test ≥ 7; HT: every subject T or H, every quality T or Đ, every test ≥ 5;
    CHT: otherwise.
    """
    return outcome_with(DEFAULT_THRESHOLDS, subject_levels, test_scores, quality_levels)


def outcome_with(thresholds: Thresholds, subject_levels: dict[str, str], test_scores: dict[str, int],
                 quality_levels: dict[str, str]) -> str:
    """`year_outcome` with the thresholds a school has configured."""
    subjects = _check_levels(subject_levels, SUBJECT_LEVELS, "subject_levels")
    qualities = _check_levels(quality_levels, QUALITY_LEVELS, "quality_levels")
    if not isinstance(test_scores, dict):
        raise ValueError("test_scores must be a mapping of subject code to score")
    scores = [check_score(s) for s in test_scores.values()]
    lowest = min(scores) if scores else 10

    all_t = all(level == "T" for level in subjects.values())
    all_good = all(level == "T" for level in qualities.values())
    if all_t and all_good and lowest >= thresholds.htxs:
        return "HTXS"
    if all_t and all_good and lowest >= thresholds.htt:
        return "HTT"
    if (all(level in ("T", "H") for level in subjects.values())
            and all(level in ("T", "Đ") for level in qualities.values()) and lowest >= thresholds.ht):
        return "HT"
    return "CHT"


def completes_grade(outcome: str) -> bool:
    """HTXS, HTT and HT complete the grade programme (Điều 11 k.1)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return outcome != "CHT"


def completion_texts(outcome: str, grade: int) -> list[str]:
    """What the học bạ states (Điều 11 k.1, k.2): the grade programme, and in grade 5 primary school too."""
    if not completes_grade(outcome):
        return []
    texts = [f"Hoàn thành chương trình lớp {grade}"]
    if grade == 5:
        texts.append("Hoàn thành chương trình tiểu học")
    return texts


def award_suggestions(outcome: str, outstanding_subjects: list[str] = (), progress_in: list[str] = ()) -> list[str]:
    """Awards to propose (Điều 13 k.1); the class and the principal decide, so these are suggestions.

    a) "Học sinh Xuất sắc" for HTXS;
    b) "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện" for HTT pupils with an outstanding
       subject or clear progress in a quality or competency, recognised by the class.
    """
    if outcome == "HTXS":
        return ["Học sinh Xuất sắc"]
    if outcome == "HTT" and (outstanding_subjects or progress_in):
        reasons = [f"môn {s}" for s in outstanding_subjects] + [f"tiến bộ về {q}" for q in progress_in]
        return ["Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện (" + "; ".join(reasons) + ")"]
    return []


def after_supplementary(outcome_after: str) -> str:
    """A CHT pupil's path after the summer supplementary evaluation (Điều 11 k.2, k.3).

    'completed' when the re-evaluated outcome completes the grade; otherwise 'principal_decides'
    (lên lớp or ở lại lớp).
    """
    return "completed" if completes_grade(outcome_after) else "principal_decides"
