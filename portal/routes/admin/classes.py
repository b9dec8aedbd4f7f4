"""Classes of the current year, their teaching assignments and their pupils' electives."""
import re

from flask import flash, request, url_for
from flask_login import current_user

from portal.forms.admin import AssignmentForm, ClassForm
from portal.htmx import redirect_to, render
from portal.models import Grade, SchoolClass, Staff, Subject, TeachingAssignment, school_levels
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.evaluation.secondary import electives
from portal.services.school import settings
from portal.services.school.years import class_sizes, current_year
from portal.services.system.collation import sort_people

from . import bp


def _class_form(klass=None, bind=True):
    """The class form: bound to the submitted data, or filled from `klass`."""
    bound = bind and request.method == "POST"
    form = ClassForm() if bound else ClassForm(formdata=None, obj=klass)
    school = settings.school_or_none()
    grades = Grade.of_levels(school_levels(school.level) if school else [])
    form.grade.choices = [(g.id, g.name) for g in grades]
    staff = sort_people(Staff.active())
    form.homeroom.choices = [(0, "— chưa phân công —")] + [(s.id, s.full_name) for s in staff]
    if klass is not None and not bound:
        form.grade.data, form.homeroom.data = klass.grade_id, klass.homeroom_id or 0
    return form



@bp.route("/lop", methods=["GET", "POST"])
def classes():
    year = current_year()
    form = _class_form()
    if year is not None and form.validate_on_submit():
        try:
            settings.save_class(current_user, None, year, form.name.data, form.grade.data, form.homeroom.data)
        except ServiceError as err:
            getattr(form, err.field or "name").errors.append(err.message)
        else:
            flash(f"Đã tạo lớp {form.name.data.upper()}.", "success")
            return redirect_to(url_for("admin.classes"))
    rows = SchoolClass.of_year(year) if year else []
    return render("admin/classes.html", form=form, year=year, classes=rows,
                  sizes=class_sizes(year) if year else {}, status=422 if request.method == "POST" else 200)


@bp.route("/lop/<int:class_id>", methods=["GET", "POST"])
def class_edit(class_id):
    klass = get_or_404(SchoolClass, class_id)
    form = _class_form(klass)
    if form.validate_on_submit():
        try:
            settings.save_class(current_user, klass, klass.year, form.name.data, form.grade.data, form.homeroom.data)
        except ServiceError as err:
            getattr(form, err.field or "name").errors.append(err.message)
        else:
            flash("Đã lưu lớp.", "success")
            return redirect_to(url_for("admin.class_edit", class_id=klass.id))
    return _class_page(klass, form, AssignmentForm(prefix="a"), 422 if request.method == "POST" else 200)


def _class_page(klass, form, aform, status):
    staff = sort_people(Staff.active())
    aform.staff.choices = [(0, "— chọn giáo viên —")] + [(s.id, s.full_name) for s in staff]
    aform.subject.choices = [(s.id, s.name) for s in Subject.of_grade(klass.grade_id)]
    assignments = TeachingAssignment.of_class(klass)
    return render("admin/class_edit.html", "admin/_partials/assignments.html", klass=klass, form=form,
                  aform=aform, assignments=assignments, status=status)


@bp.post("/lop/<int:class_id>/xoa")
def class_delete(class_id):
    klass = get_or_404(SchoolClass, class_id)
    try:
        settings.delete_class(current_user, klass)
    except ServiceError as err:
        flash(err.message, "error")
        return redirect_to(url_for("admin.class_edit", class_id=klass.id))
    flash(f"Đã xóa lớp {klass.name}.", "success")
    return redirect_to(url_for("admin.classes"))


@bp.post("/lop/<int:class_id>/phan-cong")
def assignment_add(class_id):
    klass = get_or_404(SchoolClass, class_id)
    aform = AssignmentForm(prefix="a")
    _class_page(klass, _class_form(klass, bind=False), aform, 200)  # fills the choices before validation
    status = 422
    if aform.validate_on_submit():
        try:
            settings.add_assignment(current_user, klass, aform.staff.data, aform.subject.data)
        except ServiceError as err:
            getattr(aform, err.field or "staff").errors.append(err.message)
        else:
            aform = AssignmentForm(prefix="a", formdata=None)
            status = 200
    return _class_page(klass, _class_form(klass, bind=False), aform, status)


@bp.post("/phan-cong/<int:assignment_id>/xoa")
def assignment_delete(assignment_id):
    ta = get_or_404(TeachingAssignment, assignment_id)
    klass = ta.school_class
    settings.remove_assignment(current_user, ta)
    return _class_page(klass, _class_form(klass, bind=False), AssignmentForm(prefix="a", formdata=None), 200)


@bp.route("/lop/<int:class_id>/mon-lua-chon", methods=["GET", "POST"])
def class_electives(class_id):
    """Which of the class's electives each pupil learns (THPT: chosen per pupil; default: all of them)."""
    klass = get_or_404(SchoolClass, class_id)
    status = 200
    if request.method == "POST":
        ticked = {tuple(int(n) for n in v.split("-")) for v in request.form.getlist("learns")
                  if re.fullmatch(r"\d{1,12}-\d{1,12}", v)}
        try:
            changed = electives.save_electives(current_user, klass, ticked)
        except ServiceError as err:
            flash(err.message, "error")
            status = 422
        else:
            flash(f"Đã lưu môn lựa chọn của {len(changed)} học sinh." if changed else "Không có thay đổi.", "success")
            return redirect_to(url_for("admin.class_electives", class_id=klass.id))
    return render("admin/class_electives.html", status=status, **electives.electives_table(klass))
