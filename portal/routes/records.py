"""The học bạ document in the portal: its pages to look at, the signed file (or a named preview) to download."""
from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_login import current_user

from portal.errors import error_page
from portal.htmx import redirect_to, render
from portal.models import Pupil, RecordVersion, SchoolClass, SchoolYear
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records import preview as staff_copy

from .files import download

bp = Blueprint("documents", __name__, url_prefix="/hoc-ba")


def _pupil_class(pupil_id, year_id):
    pupil, year = get_or_404(Pupil, pupil_id), get_or_404(SchoolYear, year_id)
    klass = SchoolClass.of_pupil(pupil, year)
    if klass is None:
        abort(404)
    permissions.require(permissions.can_read_record(current_user, klass))
    return pupil, klass


@bp.get("/<int:pupil_id>/<int:year_id>")
def preview(pupil_id, year_id):
    """The record's pages as images (light on a phone), with the file to download."""
    pupil, klass = _pupil_class(pupil_id, year_id)
    try:
        pages = staff_copy.pages_for(pupil, klass, current_app.config["PUBLIC_BASE_URL"])
    except ServiceError as err:
        return render("documents/preview.html", pupil=pupil, klass=klass, pages=None, error=err.message,
                      issued=staff_copy.issued_for(pupil, klass), status=503)
    return render("documents/preview.html", pupil=pupil, klass=klass, pages=pages, error=None,
                  issued=pages.issued)


@bp.get("/<int:pupil_id>/<int:year_id>/trang-<int:number>.png")
def page_image(pupil_id, year_id, number):
    pupil, klass = _pupil_class(pupil_id, year_id)
    try:
        pages = staff_copy.pages_for(pupil, klass, current_app.config["PUBLIC_BASE_URL"])
    except ServiceError:
        abort(503)
    if not 1 <= number <= len(pages.images):
        abort(404)
    resp = Response(pages.images[number - 1], mimetype="image/png")
    if request.args.get("v") == pages.key:  # the URL names this exact content: keep it
        resp.headers["Cache-Control"] = "private, max-age=86400"
    else:
        resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@bp.get("/<int:pupil_id>/<int:year_id>.pdf")
def pdf(pupil_id, year_id):
    """The issued, signed file when the record is issued; otherwise a preview named as one."""
    pupil, klass = _pupil_class(pupil_id, year_id)
    full = request.args.get("ca-cuon") == "1"
    try:
        out = staff_copy.staff_pdf(pupil, klass, current_app.config["PUBLIC_BASE_URL"], full=full)
    except ServiceError as err:
        return error_page(503, err.message)
    staff_copy.log_download(current_user, out, pupil, klass, full)
    return download(out.data, out.filename, "application/pdf")


def _issued_or_404(record_id) -> RecordVersion:
    """An issued (or superseded) version the user may read; 404 for one still in the chain."""
    rv = get_or_404(RecordVersion, record_id)
    permissions.require(permissions.can_read_record(current_user, rv.school_class))
    if rv.status not in ("issued", "superseded"):
        abort(404)
    return rv


@bp.get("/da-ky/<int:record_id>.pdf")
def signed(record_id):
    """One issued (or superseded) version's signed file, as it was signed."""
    rv = _issued_or_404(record_id)
    try:
        out = staff_copy.signed_pdf(rv)
    except ServiceError as err:
        return error_page(503, err.message)
    staff_copy.log_download(current_user, out, rv.pupil, rv.school_class)
    return download(out.data, out.filename, "application/pdf")


@bp.get("/da-ky/<int:record_id>.xml")
def signed_xml(record_id):
    """The same version's XML of equal value, signed in the same chain; the same permission as its PDF."""
    from portal.services.records import xml_record

    rv = _issued_or_404(record_id)
    try:
        data, filename = xml_record.signed_xml(rv)
    except ServiceError as err:
        return error_page(404, err.message)
    xml_record.log_download(current_user, rv, data)
    return download(data, filename, "application/xml")


@bp.route("/de-nghi-dinh-chinh/<int:record_id>", methods=["GET", "POST"])
def request_correction(record_id):
    from flask import flash

    from portal.services.records import corrections
    rv = get_or_404(RecordVersion, record_id)
    permissions.require(permissions.is_homeroom_or_board(current_user, rv.school_class))
    error = None
    if request.method == "POST":
        try:
            corrections.request_correction(current_user, rv, request.form.get("what", ""),
                                           request.form.get("reason", ""), request.form.get("evidence", ""))
        except ServiceError as err:
            error = err.message
        else:
            flash("Đã gửi đề nghị đính chính cho Hiệu trưởng.", "success")
            return redirect_to(url_for("classes.detail", class_id=rv.school_class_id))
    return render("documents/request_correction.html", rv=rv, error=error, form=request.form,
                  status=422 if error else 200)
