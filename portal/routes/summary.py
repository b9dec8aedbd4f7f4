"""The class summary (bảng tổng hợp kết quả đánh giá giáo dục của lớp): screen, print, .xlsx."""
from flask import Blueprint, request
from flask_login import current_user

from portal.grading import tt27
from portal.htmx import render
from portal.models import Pupil, YearResult
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import results
from portal.services.evaluation.summary_xlsx import export_summary

from .evaluation import checkpoint_or_404, class_or_404
from .files import download

bp = Blueprint("summary", __name__, url_prefix="/tong-hop")


@bp.get("/lop/<int:class_id>/<cp>")
def summary(class_id, cp):
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(cp)
    subjects, rows, counts = results.class_summary(klass, cp)
    return render("evaluation/summary.html", klass=klass, cp=cp, subjects=subjects, rows=rows, counts=counts,
                  qualities=tt27.ALL_QUALITIES, outcomes=tt27.OUTCOMES, board=permissions.is_board(current_user),
                  homeroom=permissions.is_homeroom_of(current_user, klass))


@bp.get("/lop/<int:class_id>/<cp>.xlsx")
def summary_xlsx(class_id, cp):
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(cp)
    data = export_summary(current_user, klass, cp)
    name = f"tong-hop-{klass.name}-{cp}-{klass.year.name}.xlsx"
    return download(data, name)


@bp.post("/lop/<int:class_id>/quyet-dinh/<int:pupil_id>")
def decide(class_id, pupil_id):
    """The principal's lên lớp / ở lại lớp decision after the supplementary evaluation."""
    klass = class_or_404(class_id)
    pupil = get_or_404(Pupil, pupil_id)
    try:
        results.decide_promotion(current_user, klass, pupil, request.form.get("decision", ""),
                                 request.form.get("note", ""))
        message, status = "Đã ghi quyết định.", 200
    except ServiceError as err:
        message, status = err.message, 422
    year = YearResult.of(pupil, klass)
    return render("evaluation/_partials/decision.html", "evaluation/_partials/decision.html", klass=klass,
                  pupil=pupil, year=year, message=message, failed=status >= 400, board=permissions.is_board(current_user),
                  status=status)

