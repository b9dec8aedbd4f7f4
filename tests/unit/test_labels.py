"""The words shown for stored codes: subject headers, audit events, fields, qualities."""
import pytest

from portal import labels


@pytest.mark.parametrize("name, short", [
    ("Toán", "Toán"), ("Đạo đức", "Đạo đức"), ("Tiếng Việt", "TV"), ("Hoạt động trải nghiệm", "HĐTN"),
    ("Lịch sử và Địa lí", "LS&ĐL"), ("Tự nhiên và Xã hội", "TN&XH"), ("Ngoại ngữ 1", "NN1"),
    ("Giáo dục thể chất", "GDTC"), ("Tin học và Công nghệ", "TH&CN"),
], ids=lambda v: v)
def test_subject_headers_are_vietnamese(name, short):
    assert labels.subject_short(name) == short


def test_audit_codes_are_never_shown_bare():
    assert labels.audit_action("login.ok") == "Đăng nhập"
    assert labels.audit_action("evaluation.something_new") == "Đánh giá"
    assert labels.audit_action("zzz.unknown") == "Sự kiện khác"


def test_fields_and_qualities():
    assert [labels.field_label(f) for f in ("level", "score", "comment")] == ["Mức đạt được", "Điểm KTĐK", "Nhận xét"]
    assert labels.quality_label("yeu_nuoc") == "Yêu nước" and labels.quality_label("nldt") == "Năng lực đặc thù"
