"""Building a record whose text exercises every Vietnamese letter, and reading PDFs with real tools."""
import datetime as dt
import json
import subprocess
import unicodedata

from portal.grading import tt27
from portal.models import QualityResult, Subject, SubjectResult
from tests import factories

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang, huyền, sắc, hỏi, ngã, nặng
ALL_LETTERS = " ".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES if v + t)
EVERY_DIACRITIC = f"{ALL_LETTERS} {ALL_LETTERS.upper()} đ Đ"
NAME = "Đặng Thị Ngọc Ẩn Ưởng"


def make_record_pupil(comment_for=None, guardian="", hometown=""):
    """A grade-5 pupil with complete end-of-year results; `comment_for(code)` gives each subject's comment."""
    teacher = factories.make_staff(full_name="Hồ Thị Thu Trang")
    klass = factories.make_class("5A", grade=5, homeroom=teacher)
    pupil = factories.make_pupil(klass, code="HS555555", full_name=NAME, gender=2, born_on=dt.date(2016, 2, 29),
                                 national_id="031316000123", birthplace="Hải Phòng", guardian_name=guardian,
                                 hometown=hometown, father_name="Đặng Văn Lưỡng", mother_name="Vũ Thị Ỷ")
    comments = {}
    for gs in klass.grade.subjects:
        code = gs.subject.code
        comments[code] = comment_for(code) if comment_for else f"Nhận xét môn {gs.subject.name}: {EVERY_DIACRITIC}"
        SubjectResult.create(pupil=pupil, school_class=klass, subject=gs.subject, checkpoint="CN", level="T",
                             score=9 if "CN" in gs.tested_checkpoints else None, comment=comments[code])
    for code in tt27.ALL_QUALITIES:
        QualityResult.create(pupil=pupil, school_class=klass, quality=code, checkpoint="CN", level="T")
    for group in tt27.QUALITY_GROUPS:
        comments[group] = f"Nhóm {group}: {EVERY_DIACRITIC}"
        QualityResult.create(pupil=pupil, school_class=klass, quality=group, checkpoint="CN", comment=comments[group])
    return pupil, klass, comments


def run(*cmd) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(path, *args) -> str:
    return run("pdftotext", "-enc", "UTF-8", *args, str(path), "-")


def collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def attachment(path, tmp_path) -> bytes:
    out = tmp_path / "hocba-detached.json"
    run("pdfdetach", "-savefile", "hocba.json", "-o", str(out), str(path))
    return out.read_bytes()


def info_custom(path) -> dict:
    lines = run("pdfinfo", "-custom", str(path)).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def json_of(data: bytes):
    return json.loads(data.decode("utf-8"))


_ = Subject
