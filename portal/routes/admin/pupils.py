"""Pupils: the list by class with search, and the pupil form (every field of the student page)."""
from flask import flash, request, url_for
from flask_login import current_user

from portal.forms import db_id
from portal.forms.admin import PupilForm
from portal.htmx import redirect_to, render
from portal.models import Pupil, SchoolClass
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.school.identity import masked
from portal.services.school.people import pupil_list, save_pupil
from portal.services.school.settings import school_or_none
from portal.services.school.years import current_year

from . import bp

PAGE = 100


def _year_classes(year):
    if year is None:
        return []
    return list(SchoolClass.of_year(year))


@bp.get("/hoc-sinh")
def pupils():
    year = current_year()
    classes = _year_classes(year)
    class_id = request.args.get("lop", type=db_id)
    query = " ".join(request.args.get("q", "").split())[:100]
    only_review = request.args.get("ra_soat") == "1"
    rows = pupil_list(year, class_id, query, only_review)
    return render("admin/pupils.html", "admin/_partials/pupil_table.html", classes=classes, rows=rows[:PAGE],
                  total=len(rows), class_id=class_id, query=query, only_review=only_review, masked=masked)


def _pupil_form(pupil=None):
    form = PupilForm(obj=pupil)
    form.school_class.choices = [(c.id, c.name) for c in _year_classes(current_year())]
    if pupil is not None and request.method == "GET":
        klass = SchoolClass.of_pupil(pupil, current_year())
        form.school_class.data = klass.id if klass else None
    return form


def _save(pupil, form):
    klass = SchoolClass.by_id(form.school_class.data)
    return save_pupil(current_user, pupil, form.data, klass, school_or_none())


@bp.route("/hoc-sinh/moi", methods=["GET", "POST"])
def pupil_new():
    form = _pupil_form()
    if form.validate_on_submit():
        try:
            pupil = _save(None, form)
        except ServiceError as err:
            getattr(form, err.field or "code").errors.append(err.message)
        else:
            flash(f"Đã thêm học sinh {pupil.full_name}." + (" Cần rà soát: " + pupil.review_note if pupil.review_note else ""),
                  "warning" if pupil.review_note else "success")
            return redirect_to(url_for("admin.pupils"))
    return render("admin/pupil_form.html", form=form, pupil=None, status=422 if request.method == "POST" else 200)


@bp.route("/hoc-sinh/<int:pupil_id>", methods=["GET", "POST"])
def pupil_edit(pupil_id):
    pupil = get_or_404(Pupil, pupil_id)
    form = _pupil_form(pupil)
    if form.validate_on_submit():
        try:
            pupil = _save(pupil, form)
        except ServiceError as err:
            getattr(form, err.field or "code").errors.append(err.message)
        else:
            flash("Đã lưu thông tin học sinh." + (" Cần rà soát: " + pupil.review_note if pupil.review_note else ""),
                  "warning" if pupil.review_note else "success")
            return redirect_to(url_for("admin.pupils"))
    return render("admin/pupil_form.html", form=form, pupil=pupil, status=422 if request.method == "POST" else 200)
