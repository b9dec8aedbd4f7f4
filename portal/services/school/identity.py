"""Reconciling the 12-digit personal identification number (mã định danh cá nhân) with the pupil.

Layout [P]: 3 digits province of birth registration, 1 digit century and sex (0/1 = 1900s male/female,
2/3 = 2000s, 4/5 = 2100s), 2 digits year of birth, 6 serial digits. A disagreement is a finding for
review, never a silent rejection.
"""
import datetime as dt
import re

_CENTURY = {0: 1900, 2: 2000, 4: 2100, 6: 2200, 8: 2300}


def is_well_formed(national_id: str) -> bool:
    return bool(re.fullmatch(r"\d{12}", national_id or ""))


def findings(national_id: str, born_on: dt.date | None, gender: int) -> list[str]:
    """What disagrees between the number and the date of birth / sex; empty when it agrees."""
    if not is_well_formed(national_id):
        return ["Mã định danh phải gồm đúng 12 chữ số."]
    out = []
    digit = int(national_id[3])
    century = _CENTURY[digit - digit % 2]
    id_gender = 1 if digit % 2 == 0 else 2
    if gender in (1, 2) and gender != id_gender:
        out.append("Chữ số giới tính trong mã định danh không khớp với giới tính.")
    if born_on is not None:
        year = century + int(national_id[4:6])
        if year != born_on.year:
            out.append(f"Năm sinh theo mã định danh ({year}) không khớp với ngày sinh ({born_on.year}).")
    return out


def masked(national_id: str | None) -> str:
    """Shown in lists and logs: never the full number."""
    if not national_id:
        return ""
    return national_id[:3] + "•" * 5 + national_id[-4:]
