"""Entering evaluations: class overview, the grids (desktop), one pupil at a time (phone), the cell save."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.forms import db_id
from portal.grading import tt27
from portal.htmx import is_htmx, redirect_to, render
from portal.models import GradeSubject, LevelFill, Pupil, SchoolClass, Subject
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import comments, entry, fill, results
from portal.services.evaluation.grid import cell_view, grid_context, pupil_context

bp = Blueprint("evaluation", __name__, url_prefix="/danh-gia")


def class_or_404(class_id) -> SchoolClass:
    klass = get_or_404(SchoolClass, class_id)
    permissions.require(permissions.can_view_class(current_user, klass))
    return klass


def checkpoint_or_404(cp: str) -> str:
    if cp not in entry.ALL_CHECKPOINTS:
        abort(404)
    return cp


def subject_or_404(klass, subject_id) -> Subject:
    subject = get_or_404(Subject, subject_id)
    permissions.require(entry.can_edit(current_user, klass, subject))
    return subject


@bp.get("/lop/<int:class_id>")
def overview(class_id):
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(request.args.get("cp") or results.current_checkpoint(klass))
    missing = results.completeness(klass, cp, current_user)
    return render("evaluation/class.html", klass=klass, cp=cp, missing=missing,
                  deadline=results.deadline(klass, cp), lock=entry.find_lock(klass, cp),
                  homeroom=permissions.is_homeroom_of(current_user, klass))


def _overview_url(klass, cp):
    """Where a grid's forms return to without JavaScript."""
    return url_for("evaluation.overview", class_id=klass.id, cp=cp)


@bp.get("/lop/<int:class_id>/mon/<int:subject_id>/<cp>")
def subject_grid(class_id, subject_id, cp):
    klass = class_or_404(class_id)
    subject = subject_or_404(klass, subject_id)
    cp = checkpoint_or_404(cp)
    return render("evaluation/grid.html", **grid_context(current_user, klass, cp, subject=subject),
                  next=_overview_url(klass, cp), fill=fill.fill_state(current_user, klass, cp, subject))


@bp.get("/lop/<int:class_id>/pcnl/<cp>")
def quality_grid(class_id, cp):
    klass = class_or_404(class_id)
    permissions.require(permissions.is_homeroom_of(current_user, klass))
    cp = checkpoint_or_404(cp)
    return render("evaluation/qualities.html", **grid_context(current_user, klass, cp),
                  next=_overview_url(klass, cp), fill=fill.fill_state(current_user, klass, cp))


@bp.get("/lop/<int:class_id>/tat-ca/<cp>")
def all_subjects_grid(class_id, cp):
    klass = class_or_404(class_id)
    permissions.require(permissions.is_homeroom_or_board(current_user, klass))
    cp = checkpoint_or_404(cp)
    return render("evaluation/grid_all.html", **grid_context(current_user, klass, cp, all_subjects=True),
                  next=_overview_url(klass, cp))


@bp.get("/lop/<int:class_id>/hs/<int:pupil_id>/<cp>")
def pupil_card(class_id, pupil_id, cp):
    """One pupil at a time (phone): a subject's cells (?mon=) or the qualities, with previous/next."""
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(cp)
    subject = subject_or_404(klass, request.args.get("mon", type=db_id)) if request.args.get("mon") else None
    if subject is None:
        permissions.require(permissions.is_homeroom_of(current_user, klass))
    ctx = pupil_context(current_user, klass, cp, pupil_id, subject)
    if ctx is None:
        abort(404)
    ctx["next"] = url_for("evaluation.pupil_card", class_id=klass.id, pupil_id=ctx["pupil"].id, cp=cp,
                          mon=subject.id if subject else None)
    return render("evaluation/pupil.html", **ctx, fill=fill.fill_state(current_user, klass, cp, subject))


@bp.post("/lop/<int:class_id>/dien-nhanh/<cp>")
def fill_levels(class_id, cp):
    """Điền nhanh: one level for every empty level cell of the class (a subject's, or the qualities')."""
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(cp)
    target = request.form.get("target", "")
    subject = _parse_target(target)[0] if target.startswith("s") else None
    try:
        done = fill.fill_levels(current_user, klass, cp, request.form.get("level", ""), subject=subject)
    except ServiceError as err:
        flash(err.message, "error")
    else:
        flash(f"Đã điền mức {done.level} cho {fill.fill_count(done)} ô còn trống. Sửa riêng những học sinh khác mức, "
              "hoặc bấm “Hoàn tác điền nhanh”.", "success")
    return redirect_to(_same_site(request.form.get("next")) or url_for("evaluation.overview", class_id=klass.id, cp=cp))


@bp.post("/dien-nhanh/<int:fill_id>/hoan-tac")
def undo_fill(fill_id):
    row = get_or_404(LevelFill, fill_id)
    klass = class_or_404(row.school_class_id)
    try:
        result = fill.undo_fill(current_user, row)
    except ServiceError as err:
        flash(err.message, "error")
    else:
        flash(f"Đã hoàn tác: xóa {result.cleared} ô"
              + (f"; giữ {result.kept} ô đã được sửa sau khi điền" if result.kept else "") + ".", "success")
    return redirect_to(_same_site(request.form.get("next")) or url_for("evaluation.overview", class_id=klass.id,
                                                                        cp=row.checkpoint))


def _parse_target(target: str, klass: SchoolClass | None = None):
    """'s<id>' is a subject, 'q<code>' a quality or quality group. With the class: also how its grade teaches
    the subject (None when it does not), read with the subject in one query."""
    if target.startswith("s") and target[1:].isdigit() and len(target) < 20:
        offered = GradeSubject.offered(klass.grade_id, int(target[1:])) if klass is not None else None
        return (offered.subject if offered else get_or_404(Subject, int(target[1:]))), None, offered
    if target.startswith("q") and len(target) > 1:
        return None, target[1:], None
    abort(404)


@bp.post("/o/<int:class_id>/<int:pupil_id>/<cp>/<target>/<field>")
def save_cell(class_id, pupil_id, cp, target, field):
    """Save one cell; htmx gets the cell back, a plain form goes back to its page."""
    klass = class_or_404(class_id)
    cp = checkpoint_or_404(cp)
    subject, quality, offered = _parse_target(target, klass)
    raw, reason = request.form.get("value", ""), request.form.get("reason", "")
    status, state, message, value, pupil = 200, "saved", "", raw, None
    try:
        saved = entry.save(current_user, klass, pupil_id, cp, field, raw, subject=subject, quality=quality,
                           reason=reason, offered=offered)
    except entry.Locked as err:
        status, state, message = 409, "locked", err.message
    except ServiceError as err:
        status, state, message = 422, "error", err.message
    else:
        value, pupil = saved.value, saved.pupil
        if saved.status == "requested":
            status, state, message = 202, "requested", "Đã gửi đề nghị sửa đổi, chờ Hiệu trưởng duyệt."
    if not is_htmx():
        flash(message or "Đã lưu.", "success" if status < 300 else "error")
        return redirect(_same_site(request.referrer) or url_for("evaluation.overview", class_id=klass.id), code=303)
    pupil = pupil or Pupil.by_id(pupil_id)
    cell = cell_view(klass, cp, pupil, field, value, subject=subject, quality=quality, state=state, message=message,
                     reason=reason)
    return render("evaluation/_partials/cell.html", "evaluation/_partials/cell.html", c=cell,
                  card=request.args.get("l") == "1", status=status)


def _same_site(url: str | None) -> str | None:
    from urllib.parse import urlsplit
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/mau")
def save_template():
    """Keep a comment in the teacher's own bank."""
    subject = Subject.by_id(request.form.get("subject_id", type=db_id))
    level = request.form.get("level", "")
    if level not in tt27.SUBJECT_LEVELS and level not in tt27.QUALITY_LEVELS:
        level = ""
    pupil = Pupil.by_id(request.form.get("pupil_id", type=db_id))
    try:
        comments.save_own(current_user, subject, level, request.form.get("text", ""), request.form.get("group", ""),
                          pupil=pupil)
    except ServiceError as err:
        return err.message, 422
    return "Đã lưu vào ngân hàng nhận xét của bạn.", 200


@bp.post("/lop/<int:class_id>/chot")
def finalize(class_id):
    klass = class_or_404(class_id)
    try:
        tally = results.finalize_outcomes(current_user, klass)
    except ServiceError as err:
        flash(err.message, "error")
    else:
        flash("Đã chốt kết quả cuối năm: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())), "success")
    return redirect_to(url_for("summary.summary", class_id=klass.id, cp="CN"))

