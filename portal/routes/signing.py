"""Signing through the web: certificates, and batch signing with a live progress bar."""
import json

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal.htmx import redirect_to, render
from portal.models import Certificate, SchoolClass, SigningJob
from portal.services import ServiceError, access, batches, certificates, subject_signing
from portal.services.school import current_year

bp = Blueprint("signing", __name__, url_prefix="/ky")


def _may_sign():
    return (current_user.has_role("principal", "clerk", "vice_principal")
            or bool(current_user.staff_id and SchoolClass.select().where(SchoolClass.homeroom == current_user.staff_id).exists())
            or subject_signing.teaches_any(current_user))


@bp.before_request
def _signers_only():
    access.require(_may_sign())


@bp.route("/", methods=["GET", "POST"])
def index():
    year = current_year()
    error = None
    if request.method == "POST":
        try:
            job = batches.start_batch(current_user, request.form.get("scope", ""), request.form.get("wave", 1, type=int),
                                      request.form.get("secret", ""))
        except ServiceError as err:
            error = err.message
        else:
            return redirect_to(url_for("signing.job", job_id=job.id))
    classes = list(access.visible_classes(current_user, year)) if year else []
    if not access.sees_whole_school(current_user):
        classes = [c for c in classes if access.is_homeroom_of(current_user, c)
                   or (c.grade.level != "TH" and access.teaches_in(current_user, c))]
    counts = {(c.id, w): len(batches.pending(current_user, c, w)) for c in classes for w in (1, 2)}
    grades = sorted({c.grade.number for c in classes})
    certs = Certificate.select().where((Certificate.user == current_user.id) & (Certificate.is_active == True))  # noqa: E712
    jobs = SigningJob.select().where(SigningJob.user == current_user.id).order_by(SigningJob.id.desc()).limit(5)
    return render("signing/index.html", classes=classes, counts=counts, grades=grades, certs=list(certs),
                  jobs=jobs, error=error, warn_days=30, status=422 if error else 200)


@bp.get("/viec/<int:job_id>")
def job(job_id):
    row = SigningJob.get_or_none((SigningJob.id == job_id) & (SigningJob.user == current_user.id))
    if row is None:
        abort(404)
    return render("signing/job.html", "signing/_partials/progress.html", job=row, errors=json.loads(row.errors))


@bp.route("/chung-thu", methods=["GET", "POST"])
def certificate():
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        purpose = request.form.get("purpose", "personal")
        try:
            if upload is None or not upload.filename:
                raise ServiceError("Vui lòng chọn tệp chứng thư số (.p12/.pfx).")
            row = certificates.install_p12(current_user, upload.read(), request.form.get("passphrase", ""), purpose)
        except ServiceError as err:
            error = err.message
        else:
            flash(f"Đã cài chứng thư số của {row.subject}, hiệu lực đến {row.not_after:%d/%m/%Y}.", "success")
            return redirect_to(url_for("signing.index"))
    return render("signing/certificate.html", error=error, purposes=certificates.PURPOSES,
                  clerk=current_user.has_role("clerk"), status=422 if error else 200)



@bp.route("/uy-quyen", methods=["GET", "POST"])
def authorisations():
    """The principal authorises a vice-principal to sign in the principal's place, for a period."""
    import datetime as dt

    from portal.models import User, UserRole
    from portal.services import signers

    access.require(current_user.has_role("principal"))
    error = None
    if request.method == "POST":
        try:
            deputy = User.get_or_none(User.id == request.form.get("deputy", 0, type=int))
            if deputy is None:
                raise ServiceError("Vui lòng chọn Phó Hiệu trưởng được ủy quyền.", field="deputy")
            try:
                starts = dt.date.fromisoformat(request.form.get("starts_on", ""))
                ends = dt.date.fromisoformat(request.form.get("ends_on", ""))
            except ValueError:
                raise ServiceError("Ngày không hợp lệ (dd/mm/yyyy).", field="starts_on") from None
            signers.authorise_deputy(current_user, deputy, starts, ends, request.form.get("reason", ""))
        except ServiceError as err:
            error = err.message
        else:
            flash("Đã ghi nhận ủy quyền ký.", "success")
            return redirect_to(url_for("signing.authorisations"))
    deputies = list(User.select().join(UserRole).where(UserRole.role == "vice_principal"))
    return render("signing/authorisations.html", rows=signers.authorisations(), deputies=deputies, error=error,
                  status=422 if error else 200)


@bp.post("/uy-quyen/<int:auth_id>/thu-hoi")
def revoke_authorisation(auth_id):
    from portal.models import SigningAuthorisation
    from portal.services import signers

    access.require(current_user.has_role("principal"))
    row = SigningAuthorisation.get_or_none(SigningAuthorisation.id == auth_id)
    if row is None:
        abort(404)
    signers.revoke_authorisation(current_user, row)
    flash("Đã thu hồi ủy quyền ký.", "success")
    return redirect_to(url_for("signing.authorisations"))


@bp.route("/rut", methods=["GET", "POST"])
def withdraw():
    """The principal takes a record stuck in the chain out of it, with a reason (it restarts from the first step)."""
    from portal.services import signing as chain_steps

    access.require(access.may_sign_as_principal(current_user))
    error = None
    if request.method == "POST":
        try:
            rv = chain_steps.find_in_chain(request.form.get("code", ""))
            chain_steps.withdraw(current_user, rv, request.form.get("reason", ""))
        except ServiceError as err:
            error = err.message
        else:
            flash(f"Đã rút học bạ của {rv.pupil.full_name} khỏi quy trình ký; học bạ được ký lại từ bước đầu.", "success")
            return redirect_to(url_for("signing.withdraw"))
    return render("signing/withdraw.html", error=error, status=422 if error else 200)
