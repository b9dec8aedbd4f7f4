"""Default school-year dates by level; every date is stored per year and editable.

Sources: seed 001 (primary, An Hồng) and seeds 000/002 (secondary, Hải Phòng), HOCBA.md §3.
"""
import datetime as dt

# kind -> (label, month, day); the month decides the calendar year (Sept–Dec: first year).
PRIMARY = {
    "entry_GK1": ("Hạn nhập đánh giá giữa học kì I", 11, 15),  # UNCONFIRMED: the school sets it
    "entry_CK1": ("Hạn nhập đánh giá cuối học kì I", 1, 15),  # UNCONFIRMED
    "entry_GK2": ("Hạn nhập đánh giá giữa học kì II", 3, 31),  # UNCONFIRMED
    "entry_CN": ("Hạn nhập đánh giá cuối năm", 5, 25),  # seed 001
    "teacher_sign": ("Giáo viên hoàn thành nhập dữ liệu và ký", 5, 25),  # seed 001
    "record_init": ("Khởi tạo học bạ", 5, 27),  # seed 001
    "board_sign": ("Ban giám hiệu kiểm tra và ký", 5, 29),  # seed 001
    "seal": ("Văn thư đóng dấu số, phát hành", 5, 31),  # seed 001
    "package_send": ("Đóng gói và gửi học bạ", 5, 31),  # seed 001
    "wave1_deadline": ("Hạn gửi CSDL học bạ — đợt 1 (hoàn thành chương trình)", 6, 30),  # seed 001
    "supplementary_eval": ("Đánh giá bổ sung trong hè", 8, 15),  # UNCONFIRMED
    "wave2_deadline": ("Hạn gửi CSDL học bạ — đợt 2 (sau đánh giá bổ sung)", 8, 25),  # seed 001
}

SECONDARY = {
    "entry_CN": ("Hạn hoàn thành nhập dữ liệu", 5, 20),  # seeds 000, 002
    "teacher_sign": ("Giáo viên bộ môn ký", 5, 25),  # UNCONFIRMED
    "homeroom_sign": ("Giáo viên chủ nhiệm ký", 5, 27),  # UNCONFIRMED
    "board_sign": ("Ban giám hiệu ký", 5, 29),  # UNCONFIRMED
    "seal": ("Hạn hoàn thành ký số", 5, 31),  # seeds 000, 002
    "wave1_deadline": ("Hạn gửi CSDL học bạ — đợt 1", 6, 30),
    "wave2_deadline": ("Hạn gửi CSDL học bạ — đợt 2", 8, 25),
}
# Final-year grades (9, 12) finish earlier: seeds 000, 002.
SECONDARY_FINAL_GRADES = {9: ("seal", 5, 21), 12: ("seal", 5, 21)}

LABELS = {**SECONDARY, **PRIMARY}


def label(kind: str) -> str:
    return LABELS.get(kind, (kind,))[0]


def year_bounds(first_year: int) -> tuple[dt.date, dt.date]:
    # UNCONFIRMED: the ministry's yearly framework sets these; 5/9 to 31/5 is the usual shape.
    return dt.date(first_year, 9, 5), dt.date(first_year + 1, 5, 31)


def term_bounds(first_year: int) -> list[tuple[int, dt.date, dt.date]]:
    return [
        (1, dt.date(first_year, 9, 5), dt.date(first_year + 1, 1, 17)),
        (2, dt.date(first_year + 1, 1, 18), dt.date(first_year + 1, 5, 31)),
    ]


def default_dates(level: str, first_year: int) -> list[tuple[str, dt.date, int | None]]:
    table = PRIMARY if level == "TH" else SECONDARY
    out = []
    for kind, (_label, month, day) in table.items():
        year = first_year if month >= 8 else first_year + 1
        out.append((kind, dt.date(year, month, day), None))
    if level != "TH":
        for grade, (kind, month, day) in SECONDARY_FINAL_GRADES.items():
            out.append((kind, dt.date(first_year + 1, month, day), grade))
    return out


def school_year_of(day: dt.date) -> int:
    """The first calendar year of the school year containing `day` (Aug onwards starts a new one)."""
    return day.year if day.month >= 8 else day.year - 1
