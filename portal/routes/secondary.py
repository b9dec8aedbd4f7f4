"""Secondary (TT22) entry: subject grids and the phone card, rèn luyện, the class summary and its .xlsx."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.grading import tt22
from portal.htmx import is_htmx, render
from portal.models import TERMS, Subject
from portal.forms.admin import ImportForm
from portal.forms.secondary import YearRemarkForm
from portal.routes import get_or_404, import_status, uploaded
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation.entry import Locked, find_lock
from portal.services.evaluation.secondary import entry, remarks, scores_xlsx
from portal.services.evaluation.secondary.grid import (
    cell_after_save, conduct_grid, pupil_card, score_grid, teacher_subjects,
)
from portal.services.evaluation.secondary.home import secondary_classes
from portal.services.evaluation.secondary.summary import class_summary, fmt, pupil_row
from portal.services.evaluation.secondary.summary_xlsx import export_summary

from .evaluation import _same_site, class_or_404
from .files import download

bp = Blueprint("secondary", __name__, url_prefix="/trung-hoc")


def term_or_404(term: str) -> str:
    if term not in TERMS:
        abort(404)
    return term


def subject_or_404(klass, subject_id) -> Subject:
    subject = get_or_404(Subject, subject_id)
    permissions.require(entry.can_enter(current_user, klass, subject) or permissions.is_board(current_user)
                   or permissions.is_homeroom_of(current_user, klass))
    return subject


@bp.get("/")
def index():
    """The secondary classes this user may open (the navigation's "Trung học")."""
    permissions.require(current_user.is_authenticated)
    classes = secondary_classes(current_user)
    return render("secondary/index.html", classes=classes, board=permissions.is_board(current_user),
                  homeroom_of={c.id for c in classes if permissions.is_homeroom_of(current_user, c)})


@bp.get("/lop/<int:class_id>")
def overview(class_id):
    klass = class_or_404(class_id)
    return render("secondary/class.html", klass=klass, terms=TERMS, subjects=teacher_subjects(current_user, klass),
                  homeroom=permissions.is_homeroom_of(current_user, klass), board=permissions.is_board(current_user))


@bp.get("/lop/<int:class_id>/mon/<int:subject_id>/<term>")
def grid(class_id, subject_id, term):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    return render("secondary/grid.html", **score_grid(current_user, klass, subject, term_or_404(term)))


@bp.get("/lop/<int:class_id>/mon/<int:subject_id>/<term>/hs/<int:pupil_id>")
def card(class_id, subject_id, term, pupil_id):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    ctx = pupil_card(current_user, klass, subject, term_or_404(term), pupil_id)
    if ctx is None:
        abort(404)
    return render("secondary/pupil.html", **ctx)


@bp.get("/lop/<int:class_id>/ren-luyen/<term>")
def conduct(class_id, term):
    klass = class_or_404(class_id)
    permissions.require(permissions.is_homeroom_or_board(current_user, klass))
    return render("secondary/conduct.html", **conduct_grid(current_user, klass, term_or_404(term)))


@bp.post("/o/<int:class_id>/<int:pupil_id>/<term>/<target>/<slot>")
def save_cell(class_id, pupil_id, term, target, slot):
    """Save one cell (an assessment, the comment, rèn luyện or absences); htmx gets the cell back."""
    klass = class_or_404(class_id)
    term = term_or_404(term)
    raw, reason = request.form.get("value", ""), request.form.get("reason", "")
    subject = None
    status, state, message, value = 200, "saved", "", raw
    try:
        if target == "c":
            saved = entry.save_conduct(current_user, klass, pupil_id, term, slot, raw, reason=reason)
        elif target.startswith("s") and target[1:].isdigit() and len(target) < 20:
            subject = get_or_404(Subject, int(target[1:]))
            saved = entry.save_score(current_user, klass, pupil_id, subject, term, slot, raw, reason=reason)
        else:
            abort(404)
    except Locked as err:
        status, state, message = 409, "locked", err.message
    except ServiceError as err:
        status, state, message = 422, "error", err.message
    else:
        value = saved.value
        if saved.status == "requested":
            status, state, message = 202, "requested", "Đã gửi đề nghị sửa đổi, chờ Hiệu trưởng duyệt."
    if not is_htmx():
        flash(message or "Đã lưu.", "success" if status < 300 else "error")
        return redirect(_same_site(request.referrer) or url_for("secondary.overview", class_id=klass.id), code=303)
    cell = cell_after_save(klass, pupil_id, term, target, slot, value, subject, state=state, message=message,
                           reason=reason)
    return render("secondary/_partials/cell.html", "secondary/_partials/cell.html", c=cell, status=status,
                  card=request.args.get("l") == "1")


@bp.post("/bu/<int:class_id>/<int:pupil_id>/<int:subject_id>/<term>/<slot>")
def makeup(class_id, pupil_id, subject_id, term, slot):
    """Kiểm tra bù: a make-up score, or 0 / Chưa đạt with the reason."""
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    try:
        entry.save_makeup(current_user, klass, pupil_id, subject, term_or_404(term), slot,
                              request.form.get("kind", ""), request.form.get("value", ""),
                              request.form.get("reason", ""))
    except ServiceError as err:
        flash(err.message, "error")
    else:
        flash("Đã ghi kiểm tra bù.", "success")
    return redirect(_same_site(request.referrer) or url_for("secondary.grid", class_id=klass.id,
                                                             subject_id=subject.id, term=term), code=303)


def _summary_allowed(klass):
    permissions.require(permissions.is_homeroom_or_board(current_user, klass)
                   or permissions.sees_whole_school(current_user))


def _remark_form(pupil_id, saved=None, posted=False) -> YearRemarkForm:
    """One pupil's form (prefixed: a page holds one per pupil): what was posted, else what is saved."""
    if posted:
        return YearRemarkForm(prefix=f"r{pupil_id}")
    return YearRemarkForm(prefix=f"r{pupil_id}", formdata=None, obj=saved)


def _remarks_context(klass) -> dict:
    return dict(may_write=permissions.may_write_year_remarks(current_user, klass), year_lock=find_lock(klass, remarks.TERM),
                fmt=fmt, decisions=tt22.DECISIONS, awards=tt22.AWARDS, klass=klass)


@bp.get("/lop/<int:class_id>/tong-hop")
def summary(class_id):
    """The class summary and, under it, each pupil's year lines (the homeroom teacher's form)."""
    klass = class_or_404(class_id)
    _summary_allowed(klass)
    return _summary_page(klass)


def _summary_page(klass, posted=None, status=200):
    subjects, rows = class_summary(klass)
    saved = remarks.class_remarks(klass)
    forms = {r.pupil.id: _remark_form(r.pupil.id, saved.get(r.pupil.id)) for r in rows}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render("secondary/summary.html", subjects=subjects, rows=rows, forms=forms, status=status,
                  **_remarks_context(klass))


@bp.post("/lop/<int:class_id>/nhan-xet/<int:pupil_id>")
def save_remark(class_id, pupil_id):
    """One pupil's year lines: the homeroom comment, certificates, competitions; htmx gets the form back."""
    klass = class_or_404(class_id)
    permissions.require(permissions.may_write_year_remarks(current_user, klass))
    row = pupil_row(klass, pupil_id)
    if row is None:
        abort(404)
    form, status, message = _remark_form(pupil_id, posted=True), 422, ""
    if form.validate_on_submit():
        try:
            saved = remarks.save_remarks(current_user, klass, pupil_id, form.values(), reason=form.reason.data)
        except ServiceError as err:
            status = 409 if isinstance(err, Locked) else 422
            getattr(form, err.field if err.field in form else "homeroom_comment").errors.append(err.message)
        else:
            status = 202 if saved.status == "requested" else 200
            message = ("Đã gửi đề nghị sửa đổi, chờ Hiệu trưởng duyệt." if saved.status == "requested"
                       else "Đã lưu." if saved.status == "saved" else "Không có thay đổi.")
            if saved.status == "saved":
                form = _remark_form(pupil_id, saved.remark)
    if not is_htmx():
        if status < 300:
            flash(f"{row.pupil.full_name}: {message}", "success")
            return redirect(url_for("secondary.summary", class_id=klass.id) + f"#remark-{pupil_id}", code=303)
        return _summary_page(klass, posted=(pupil_id, form), status=status)
    return render("secondary/_partials/remark.html", "secondary/_partials/remark.html", r=row, form=form,
                  message=message, status=status, **_remarks_context(klass))


@bp.get("/lop/<int:class_id>/tong-hop.xlsx")
def summary_xlsx(class_id):
    klass = class_or_404(class_id)
    _summary_allowed(klass)
    data = export_summary(current_user, klass)
    return download(data, f"tong-hop-{klass.name}-{klass.year.name}.xlsx")


def _excel_term(klass, subject, term):
    if term not in scores_xlsx.TERMS:
        abort(404)
    permissions.require(entry.can_enter(current_user, klass, subject))
    return term


@bp.get("/lop/<int:class_id>/mon/<int:subject_id>/<term>.xlsx")
def export_scores(class_id, subject_id, term):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    term = _excel_term(klass, subject, term)
    return download(scores_xlsx.export(current_user, klass, subject, term), f"{subject.code}-{klass.name}-{term}.xlsx")


@bp.route("/lop/<int:class_id>/mon/<int:subject_id>/<term>/nhap", methods=["GET", "POST"])
def import_scores(class_id, subject_id, term):
    """One subject's scores of a semester from a spreadsheet: all rows or none, each row's errors listed."""
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    term = _excel_term(klass, subject, term)
    form = ImportForm()
    chosen = uploaded(form)
    report = scores_xlsx.import_scores(current_user, klass, subject, term, *chosen) if chosen else None
    return render("secondary/import.html", form=form, klass=klass, subject=subject, term=term, terms=TERMS,
                  report=report, status=import_status(report))
