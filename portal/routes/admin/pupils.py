"""Pupils: the list by class with search, and the pupil form (every field of the student page)."""
from flask import flash, request, url_for

from portal.forms import db_id
from portal.forms.admin import PupilForm
from portal.htmx import redirect_to, render
from portal.models import Enrolment, Pupil, SchoolClass
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.school.identity import masked
from portal.services.school.people import save_pupil
from portal.services.school.settings import school_or_none
from portal.services.school.years import current_year
from portal.services.system.collation import name_key

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
    q = (Pupil.select(Pupil, Enrolment, SchoolClass).join(Enrolment).join(SchoolClass)
         .where((SchoolClass.year == year) & (Enrolment.status == "active")))
    if class_id:
        q = q.where(SchoolClass.id == class_id)
    if query:
        q = q.where(Pupil.full_name.contains(query) | Pupil.code.contains(query))
    if only_review:
        q = q.where(Pupil.review_note != "")
    rows = sorted(q, key=lambda p: (p.enrolment.school_class.grade_id, p.enrolment.school_class.name,
                                    name_key(p.full_name))) if year else []
    return render("admin/pupils.html", "admin/_partials/pupil_table.html", classes=classes, rows=rows[:PAGE],
                  total=len(rows), class_id=class_id, query=query, only_review=only_review, masked=masked)


def _pupil_form(pupil=None):
    form = PupilForm(obj=pupil)
    form.school_class.choices = [(c.id, c.name) for c in _year_classes(current_year())]
    if pupil is not None and request.method == "GET":
        enrolment = (Enrolment.select().join(SchoolClass)
                     .where((Enrolment.pupil == pupil) & (SchoolClass.year == current_year())).first())
        form.school_class.data = enrolment.school_class_id if enrolment else None
    return form


def _save(pupil, form):
    klass = SchoolClass.get_or_none(SchoolClass.id == form.school_class.data)
    return save_pupil(pupil, form.data, klass, school_or_none())


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
