"""Subjects and where each is taught, tested and optional: editable data, not code."""
from flask import flash, request, url_for
from flask_login import current_user

from portal.forms.admin import SubjectForm
from portal.htmx import redirect_to, render
from portal.models import CHECKPOINTS, Grade, GradeSubject, Subject, school_levels
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.school import settings

from . import bp


def _grades():
    school = settings.school_or_none()
    return list(Grade.of_levels(school_levels(school.level) if school else []))


@bp.get("/mon-hoc")
def subjects():
    school = settings.school_or_none()
    rows = Subject.of_levels(school_levels(school.level if school else "TH"))
    return render("admin/subjects.html", subjects=rows, grades=_grades(), matrix=GradeSubject.matrix())


@bp.route("/mon-hoc/<int:subject_id>", methods=["GET", "POST"])
def subject_edit(subject_id):
    subject = get_or_404(Subject, subject_id)
    form = SubjectForm(obj=subject)
    grades = _grades()
    current = GradeSubject.of_subject(subject)
    if form.validate_on_submit():
        chosen = {}
        for g in grades:
            tested = [c for c in CHECKPOINTS if request.form.get(f"g{g.id}-{c}")]
            chosen[g.id] = (bool(request.form.get(f"g{g.id}-taught")), bool(request.form.get(f"g{g.id}-optional")),
                            ",".join(tested))
        try:
            settings.save_subject(current_user, subject, form.data, chosen)
        except ServiceError as err:
            form.name.errors.append(err.message)
        else:
            flash(f"Đã lưu môn {subject.name}.", "success")
            return redirect_to(url_for("admin.subjects"))
    return render("admin/subject_edit.html", form=form, subject=subject, grades=grades, current=current,
                  status=422 if request.method == "POST" else 200)
