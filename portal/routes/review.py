"""The principal's desk: locks, change requests, evaluation history, progress against deadlines."""
from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal.forms import db_id
from portal.htmx import redirect_to, render
from portal.models import CHECKPOINTS, ChangeRequest, EvaluationChange, EvaluationLock, Grade, SchoolClass, User
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.evaluation import entry, results
from portal.services.school.years import current_year

bp = Blueprint("review", __name__, url_prefix="/duyet")

PAGE = 100


@bp.before_request
def _board_only():
    permissions.require(permissions.is_board(current_user))


@bp.get("/")
def index():
    year = current_year()
    locks = EvaluationLock.of_year(year)
    pending = ChangeRequest.pending()
    classes = SchoolClass.of_year(year)
    grades = Grade.of_year(year)
    from portal.models import CorrectionRequest
    corrections = CorrectionRequest.pending()
    return render("review/index.html", year=year, locks=locks, pending=pending, classes=classes, grades=grades,
                  corrections=corrections)


@bp.post("/dinh-chinh-de-nghi/<int:request_id>")
def decide_correction(request_id):
    from portal.models import CorrectionRequest
    from portal.services.records import corrections
    req = get_or_404(CorrectionRequest, request_id)
    try:
        corrections.decide_correction(current_user, req, request.form.get("action") == "approve",
                                      request.form.get("note", ""))
        flash("Đã duyệt: mở phiên bản mới để sửa và ký lại." if req.status == "approved" else "Đã từ chối đề nghị.",
              "success")
    except ServiceError as err:
        flash(err.message, "error")
    return redirect_to(url_for("review.index"))


@bp.post("/khoa")
def lock():
    year = current_year()
    cp = request.form.get("checkpoint", "")
    grade = Grade.by_id(request.form.get("grade", type=db_id))
    klass = SchoolClass.by_id(request.form.get("class_id", type=db_id))
    try:
        entry.lock(current_user, year, cp, grade=grade, klass=klass)
        flash(f"Đã khóa sổ {cp}.", "success")
    except ServiceError as err:
        flash(err.message, "error")
    return redirect_to(url_for("review.index"))


@bp.post("/khoa/<int:lock_id>/mo")
def unlock(lock_id):
    row = get_or_404(EvaluationLock, lock_id)
    entry.unlock(current_user, row)
    flash("Đã mở khóa.", "success")
    return redirect_to(url_for("review.index"))


@bp.post("/de-nghi/<int:request_id>")
def decide(request_id):
    req = get_or_404(ChangeRequest, request_id)
    try:
        req = entry.decide(current_user, req, request.form.get("action") == "approve", request.form.get("note", ""))
        flash("Đã duyệt đề nghị." if req.status == "approved" else "Đã từ chối đề nghị.", "success")
    except ServiceError as err:
        flash(err.message, "error")
    return redirect_to(url_for("review.index"))


@bp.get("/lich-su")
def history():
    year = current_year()
    class_id = request.args.get("lop", type=db_id)
    user_id = request.args.get("nguoi", type=db_id)
    text = " ".join(request.args.get("hs", "").split())[:100]
    rows = list(EvaluationChange.history(year, PAGE, class_id=class_id, user_id=user_id, pupil=text))
    classes = SchoolClass.of_year(year)
    users = User.alphabetical()
    return render("review/history.html", "review/_partials/history_table.html", rows=rows,
                  classes=classes, users=users, class_id=class_id, user_id=user_id, text=text)


@bp.get("/tien-do")
def progress():
    year = current_year()
    cp = request.args.get("cp") or (results.current_checkpoint(year) if year else "CN")
    if cp not in CHECKPOINTS:
        abort(404)
    classes = list(SchoolClass.of_year(year))
    table = [(k, results.completeness(k, cp)) for k in classes]
    deadline = results.deadline(classes[0], cp) if classes else None
    return render("review/progress.html", cp=cp, table=table, deadline=deadline)


@bp.get("/nhat-ky")
def audit_log():
    """The audit trail: every change, lock, approval, signature, issuance, export, download, failed login."""
    import datetime as dt

    from portal.forms import parse_vn_date
    from portal.models import AuditEntry
    person = " ".join(request.args.get("nguoi", "").split())[:60]
    kind = request.args.get("loai", "")[:60]
    text = " ".join(request.args.get("tim", "").split())[:100]  # a pupil's name or a class, in the summary
    start, end = request.args.get("tu", ""), request.args.get("den", "")
    since = until = error = None
    try:
        if start:
            since = dt.datetime.combine(parse_vn_date(start), dt.time.min)
        if end:
            until = dt.datetime.combine(parse_vn_date(end), dt.time.max)
    except ValueError as err:
        error = str(err)
    rows = list(AuditEntry.search(200, username=person.lower(), action=kind, text=text, since=since, until=until))
    return render("review/audit.html", "review/_partials/audit_table.html", rows=rows, kinds=AuditEntry.action_groups(),
                  person=person, kind=kind, text=text, start=start, end=end, error=error)


@bp.route("/dinh-chinh/<int:record_id>", methods=["GET", "POST"])
def correction(record_id):
    """The principal opens a correction of an issued record: a new version with a written reason."""
    from portal.models import RecordVersion
    from portal.services.records import corrections
    rv = get_or_404(RecordVersion, record_id)
    error = None
    if request.method == "POST":
        try:
            new = corrections.open_correction(current_user, rv, request.form.get("reason", ""))
        except ServiceError as err:
            error = err.message
        else:
            flash(f"Đã mở phiên bản {new.version} để đính chính; dữ liệu được sửa rồi ký lại từ đầu quy trình.", "success")
            return redirect_to(url_for("classes.detail", class_id=rv.school_class_id))
    return render("review/correction.html", rv=rv, error=error, reason=request.form.get("reason", ""),
                  status=422 if error else 200)
