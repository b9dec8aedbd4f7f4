"""Import and export of the pupil and staff lists (.xlsx / .csv), with downloadable templates."""
from flask import abort, request
from flask_login import current_user

from portal.forms.admin import ImportForm
from portal.htmx import render
from portal.services import ServiceError
from portal.services.school import imports
from portal.services.school.settings import school_or_none
from portal.services.school.years import current_year

from .. import uploaded
from ..files import download

from . import bp

KINDS = {"hoc-sinh": "pupils", "can-bo": "staff"}
TITLES = {"pupils": "Nhập danh sách học sinh", "staff": "Nhập danh sách cán bộ, giáo viên"}


def _kind(slug):
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


@bp.route("/nhap/<slug>", methods=["GET", "POST"])
def import_list(slug):
    kind = _kind(slug)
    form = ImportForm()
    report = result = None
    chosen = uploaded(form)
    if chosen:
        filename, data = chosen
        if kind == "pupils":
            year = current_year()
            report = imports.validate_pupils(filename, data, year) if year else None
        else:
            report = imports.validate_staff(filename, data)
        if report is None:
            form.file.errors.append("Chưa có năm học hiện tại.")
        elif report.ok:
            try:
                result = (imports.apply_pupils(current_user, report, school_or_none()) if kind == "pupils"
                          else imports.apply_staff(current_user, report))
            except ServiceError as err:
                report.file_error = err.message
                result = None
    status = 200 if request.method != "POST" or result is not None else 422
    return render("admin/import.html", form=form, slug=slug, kind=kind, title=TITLES[kind], report=report,
                  result=result, status=status)


@bp.get("/mau/<slug>.xlsx")
def import_template(slug):
    kind = _kind(slug)
    return download(imports.template(kind), f"mau-{slug}.xlsx")


@bp.get("/xuat/<slug>.xlsx")
def export_list(slug):
    kind = _kind(slug)
    year = current_year()
    if kind == "pupils" and year is None:
        abort(404)
    data, name = imports.export_list(current_user, kind, year)
    return download(data, name)
