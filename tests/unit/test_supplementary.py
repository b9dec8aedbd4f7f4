"""Supplementary evaluation (TT27 Điều 11 k.2): only a pupil who did not complete the grade (CHT) gets
summer (BS) values; a pupil who completed it, or whose end-of-year values are incomplete, is refused."""
import pytest

from portal.db import db
from portal.models import QualityResult, SchoolClass, Subject, SubjectResult, User, YearResult
from portal.services import ServiceError
from portal.services.evaluation import entry, results, results_io
from portal.services.system.tables import write_xlsx


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), db.connection_context(), demo_app.test_request_context():
        yield demo_app


def user(name):
    return User.get(User.username == name)


def pupil_with(outcome, klass_name="1A"):
    klass = SchoolClass.get(SchoolClass.name == klass_name)
    row = YearResult.select().where((YearResult.school_class == klass) & (YearResult.outcome == outcome)).first()
    assert row is not None, f"the demo has a {outcome} pupil in {klass_name}"
    assert results.end_of_year_outcome(klass, row.pupil) == outcome
    return klass, row.pupil


def bs(pupil, klass, tv):
    return SubjectResult.get_or_none(pupil=pupil, school_class=klass, subject=tv, checkpoint="BS")


@pytest.mark.parametrize("outcome", ["HTXS", "HT"])
def test_bs_cell_for_a_pupil_who_completed_the_grade_is_refused(ctx, outcome):
    klass, pupil = pupil_with(outcome)
    tv = Subject.get(Subject.code == "TV")
    with pytest.raises(ServiceError) as err:
        entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "level", "T", subject=tv)
    assert err.value.message == (f"{pupil.full_name} có kết quả cuối năm {entry.tt27.OUTCOMES[outcome]} "
                                 f"({outcome}), đã hoàn thành chương trình lớp học; đánh giá bổ sung chỉ dành cho "
                                 "học sinh Chưa hoàn thành (CHT).")
    assert bs(pupil, klass, tv) is None


def test_bs_quality_for_a_pupil_who_completed_the_grade_is_refused(ctx):
    klass, pupil = pupil_with("HTXS")
    with pytest.raises(ServiceError, match="chỉ dành cho học sinh Chưa hoàn thành"):
        entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "level", "T", quality="cham_chi")
    assert QualityResult.get_or_none(pupil=pupil, school_class=klass, checkpoint="BS") is None


def test_bs_cell_for_a_cht_pupil_is_saved(ctx):
    klass, pupil = pupil_with("CHT")
    tv = Subject.get(Subject.code == "TV")
    saved = entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "level", "H", subject=tv)
    assert saved.status == "saved" and bs(pupil, klass, tv).level == "H"


def test_bs_cell_for_a_pupil_without_end_of_year_values_is_refused(ctx):
    klass, pupil = pupil_with("HT")
    tv = Subject.get(Subject.code == "TV")
    SubjectResult.update(level="").where((SubjectResult.pupil == pupil) & (SubjectResult.checkpoint == "CN")
                                         & (SubjectResult.subject == tv)).execute()
    with pytest.raises(ServiceError, match="chưa đủ kết quả cuối năm"):
        entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "comment", "Ôn hè", subject=tv)


def test_a_mistaken_bs_value_can_still_be_cleared(ctx):
    klass, pupil = pupil_with("HT")
    tv = SubjectResult.select().where(SubjectResult.school_class == klass).first().subject
    SubjectResult.create(pupil=pupil, school_class=klass, subject=tv, checkpoint="BS", level="T")
    saved = entry.save(user("gvcn.1a"), klass, pupil.id, "BS", "level", "", subject=tv)
    assert saved.status == "saved" and bs(pupil, klass, tv).level == ""


def test_bs_import_row_for_a_pupil_who_completed_is_refused_and_nothing_written(ctx):
    klass, done = pupil_with("HTXS")
    _, cht = pupil_with("CHT")
    tv = Subject.get(Subject.code == "TV")
    data = write_xlsx("x", results_io.columns(True), [[cht.code, "", "H", 6, "Ôn tốt"], [done.code, "", "T", 9, ""]])
    report = results_io.import_results(user("gvcn.1a"), klass, tv, "BS", "bs.xlsx", data)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Mức đạt được")]
    assert "chỉ dành cho học sinh Chưa hoàn thành" in report.errors[0].message
    assert bs(cht, klass, tv) is None and bs(done, klass, tv) is None
