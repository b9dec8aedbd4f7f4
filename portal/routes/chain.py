"""Signing through the web: certificates, and batch signing with a live progress bar."""
import json

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal.htmx import redirect_to, render
from portal.jobs import signing_queue
from portal.models import Certificate, SigningJob
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records import batches
from portal.services.school import certificates
from portal.services.school.years import current_year

bp = Blueprint("signing", __name__, url_prefix="/ky")


@bp.before_request
def _signers_only():
    permissions.require(permissions.may_open_signing_pages(current_user))


@bp.route("/", methods=["GET", "POST"])
def index():
    year = current_year()
    error = None
    if request.method == "POST":
        try:
            job = batches.start_batch(current_user, request.form.get("scope", ""), request.form.get("wave", 1, type=int),
                                      request.form.get("secret", ""), queue=signing_queue)
        except ServiceError as err:
            error = err.message
        else:
            return redirect_to(url_for("signing.job", job_id=job.id))
    classes = list(permissions.visible_classes(current_user, year)) if year else []
    if not permissions.sees_whole_school(current_user):
        classes = [c for c in classes if permissions.is_homeroom_of(current_user, c)
                   or (c.grade.level != "TH" and permissions.teaches_in(current_user, c))]
    counts = batches.waiting(current_user, classes)
    grades = sorted({c.grade.number for c in classes})
    certs = Certificate.active_of(current_user.id)
    jobs = SigningJob.recent_of(current_user.id, 5)
    return render("signing/index.html", classes=classes, counts=counts, waves=batches.wave_labels(classes),
                  grades=grades, certs=list(certs),
                  jobs=jobs, error=error, warn_days=30, status=422 if error else 200)


@bp.get("/viec/<int:job_id>")
def job(job_id):
    row = SigningJob.of_user(current_user.id, job_id)
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

    from portal.models import User
    from portal.services.records import signers

    permissions.require(permissions.is_principal(current_user))
    error = None
    if request.method == "POST":
        try:
            deputy = User.by_id(request.form.get("deputy", 0, type=int))
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
    deputies = list(User.with_role("vice_principal"))
    return render("signing/authorisations.html", rows=signers.authorisations(), deputies=deputies, error=error,
                  status=422 if error else 200)


@bp.post("/uy-quyen/<int:auth_id>/thu-hoi")
def revoke_authorisation(auth_id):
    from portal.models import SigningAuthorisation
    from portal.services.records import signers

    permissions.require(permissions.is_principal(current_user))
    row = get_or_404(SigningAuthorisation, auth_id)
    signers.revoke_authorisation(current_user, row)
    flash("Đã thu hồi ủy quyền ký.", "success")
    return redirect_to(url_for("signing.authorisations"))


@bp.route("/rut", methods=["GET", "POST"])
def withdraw():
    """The principal takes a record stuck in the chain out of it, with a reason (it restarts from the first step)."""
    from portal.services.records import withdrawal

    permissions.require(permissions.may_sign_as_principal(current_user))
    error = None
    if request.method == "POST":
        try:
            rv = withdrawal.find_in_chain(request.form.get("code", ""))
            withdrawal.withdraw(current_user, rv, request.form.get("reason", ""))
        except ServiceError as err:
            error = err.message
        else:
            flash(f"Đã rút học bạ của {rv.pupil.full_name} khỏi quy trình ký; học bạ được ký lại từ bước đầu.", "success")
            return redirect_to(url_for("signing.withdraw"))
    return render("signing/withdraw.html", error=error, status=422 if error else 200)
