"""The secondary curriculum data files (CTGDPT 2018) agree with TT22 and load through the existing seeder."""
import json
from pathlib import Path

import pytest

from portal.grading import tt22

DATA = Path(__file__).resolve().parents[2] / "portal" / "data"
GRADES = {"THCS": ["6", "7", "8", "9"], "THPT": ["10", "11", "12"]}
# TT22 Điều 5 k.3 a: the subjects assessed by comment only.
COMMENT_NAMES = {"Giáo dục thể chất", "Nghệ thuật (Âm nhạc, Mĩ thuật)", "Âm nhạc", "Mĩ thuật",
                 "Nội dung giáo dục của địa phương", "Hoạt động trải nghiệm, hướng nghiệp"}


def load(level):
    return json.loads((DATA / f"curriculum_{level}.json").read_text(encoding="utf-8"))["subjects"]


@pytest.mark.parametrize("level", GRADES)
def test_every_subject_is_scored_unless_dieu_5_k3_a_lists_it(level):
    """TT22 Điều 5 k.3: comment-only for the listed subjects, comment and score for every other one."""
    for item in load(level):
        expected = "comment" if item["name"] in COMMENT_NAMES else "score"
        assert item["assessment"] == expected, item["code"]


@pytest.mark.parametrize("level", GRADES)
def test_every_subject_has_periods_for_each_grade_it_is_taught_in(level):
    for item in load(level):
        assert set(item["grades"]) == set(item["periods"]) <= set(GRADES[level]), item["code"]
        assert all(isinstance(n, int) and n > 0 for n in item["periods"].values()), item["code"]


@pytest.mark.parametrize("level, code, grade, count", [
    ("THCS", "NV", "6", 4), ("THCS", "LSDL", "7", 4), ("THCS", "GDCD", "8", 2), ("THCS", "TIN", "9", 2),
    ("THCS", "CN", "7", 2), ("THCS", "CN", "8", 3), ("THPT", "LS", "10", 3), ("THPT", "GDQPAN", "11", 2),
    ("THPT", "VL", "12", 3), ("THPT", "TOAN", "10", 4),
], ids=["thcs-ngu-van-140", "thcs-lsdl-105", "thcs-gdcd-35", "thcs-tin-35", "thcs-cong-nghe-7-35",
        "thcs-cong-nghe-8-52", "thpt-lich-su-52", "thpt-gdqpan-35", "thpt-elective-70", "thpt-toan-105"])
def test_periods_give_the_regular_assessment_count(level, code, grade, count):
    """TT22 Điều 6 k.2 b through `tt22.regular_count`, from the CTGDPT 2018 periods a year."""
    item = next(i for i in load(level) if i["code"] == code)
    assert tt22.regular_count(item["periods"][grade]) == count


def test_thcs_has_the_8_scored_and_4_comment_subjects_of_tt22_md_17():
    compulsory = [i for i in load("THCS") if i["group"] == "compulsory"]
    assert sorted(i["code"] for i in compulsory if i["assessment"] == "score") == sorted(
        ["NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN"])
    assert sorted(i["code"] for i in compulsory if i["assessment"] == "comment") == sorted(
        ["GDTC", "NT", "HDTNHN", "GDDP"])


def test_thpt_has_5_compulsory_scored_subjects_and_9_electives():
    """TT22.md §5.4: Văn, Toán, NN1, Lịch sử, GDQP&AN; 4 of 9 electives, Âm nhạc and Mĩ thuật by comment."""
    subjects = load("THPT")
    compulsory = [i["code"] for i in subjects if i["group"] == "compulsory" and i["assessment"] == "score"]
    assert sorted(compulsory) == sorted(["NV", "TOAN", "NN1", "LS", "GDQPAN"])
    electives = {i["code"]: i["assessment"] for i in subjects if i["group"] == "elective"}
    assert len(electives) == 9
    assert {code for code, a in electives.items() if a == "comment"} == {"AN", "MT"}
    assert all(i.get("optional_in") == GRADES["THPT"] for i in subjects if i["group"] != "compulsory")


@pytest.mark.parametrize("level, subjects", [("THCS", 14), ("THPT", 19)])
def test_the_existing_seeder_loads_the_file(app, level, subjects):
    from portal.db import db
    from portal.models import GradeSubject, Subject
    from portal.services.school.years import seed_curriculum

    with app.app_context(), db.connection_context():
        seed_curriculum(level)
        assert Subject.select().where(Subject.level == level).count() == subjects
        assert {s.assessment for s in Subject.select()} == {"score", "comment"}
        grade_subjects = GradeSubject.select().count()
    assert grade_subjects == sum(len(i["grades"]) for i in load(level))
