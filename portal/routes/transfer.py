"""Excel round trip for one class × subject × checkpoint."""
from flask import Blueprint
from flask_login import current_user

from portal.forms.admin import ImportForm
from portal.htmx import render
from portal.routes import import_status, uploaded
from portal.services.accounts import permissions
from portal.services.evaluation import results_io

from .evaluation import checkpoint_or_404, class_or_404, subject_or_404
from .files import download

bp = Blueprint("transfer", __name__, url_prefix="/danh-gia/excel")


@bp.get("/lop/<int:class_id>/mon/<int:subject_id>/<cp>.xlsx")
def export_results(class_id, subject_id, cp):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    data = results_io.export(klass, subject, checkpoint_or_404(cp))
    name = f"{subject.code}-{klass.name}-{cp}.xlsx"
    return download(data, name)


@bp.route("/lop/<int:class_id>/mon/<int:subject_id>/<cp>/nhap", methods=["GET", "POST"])
def import_results(class_id, subject_id, cp):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    cp = checkpoint_or_404(cp)
    permissions.require(permissions.can_enter_subject(current_user, klass, subject))
    form = ImportForm()
    chosen = uploaded(form)
    report = results_io.import_results(current_user, klass, subject, cp, *chosen) if chosen else None
    return render("evaluation/import.html", form=form, klass=klass, subject=subject, cp=cp, report=report,
                  status=import_status(report))
