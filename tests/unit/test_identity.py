"""mã định danh cá nhân: the century/sex digit and the year digits must agree with the pupil (HOCBA §6)."""
import datetime as dt

import pytest

from portal.services.school.identity import findings, masked


@pytest.mark.parametrize("nid, born, gender, ok", [
    ("031220123456", dt.date(2020, 5, 1), 1, True),  # 2 = 21st century male
    ("031320123456", dt.date(2020, 5, 1), 2, True),  # 3 = 21st century female
    ("031220123456", dt.date(2020, 5, 1), 2, False),  # sex digit disagrees
    ("031219123456", dt.date(2020, 5, 1), 1, False),  # year digits disagree
    ("031020123456", dt.date(2020, 5, 1), 1, False),  # 0 = 20th century: 1920
    ("031099123456", dt.date(1999, 1, 1), 1, True),
    ("031199123456", dt.date(1999, 1, 1), 2, True),
    ("03122012345", dt.date(2020, 5, 1), 1, False),  # 11 digits
    ("03122012345a", dt.date(2020, 5, 1), 1, False),
], ids=["male-2000s", "female-2000s", "sex-mismatch", "year-mismatch", "century-mismatch",
        "male-1900s", "female-1900s", "too-short", "not-digits"])
def test_findings(nid, born, gender, ok):
    assert (findings(nid, born, gender) == []) is ok


def test_masked_never_shows_the_whole_number():
    assert masked("031220123456") == "031•••••3456"
    assert masked(None) == ""
