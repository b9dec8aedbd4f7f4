"""The học bạ document in the portal: HTML preview and PDF download, for the homeroom teacher and the board."""
from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_login import current_user

from portal.documents import render as documents
from portal.models import Enrolment, Pupil, SchoolClass, SchoolYear
from portal.services import access, audit
from portal.services.documents import render_record
from portal.services.records import ensure_record, record_data
from portal.webui import DOCUMENT_CSP

from .files import download

bp = Blueprint("documents", __name__, url_prefix="/hoc-ba")


def _pupil_class(pupil_id, year_id):
    pupil = Pupil.get_or_none(Pupil.id == pupil_id)
    year = SchoolYear.get_or_none(SchoolYear.id == year_id)
    if pupil is None or year is None:
        abort(404)
    klass = (SchoolClass.select().join(Enrolment)
             .where((Enrolment.pupil == pupil) & (SchoolClass.year == year)).first())
    if klass is None:
        abort(404)
    access.require(access.can_read_record(current_user, klass))
    return pupil, klass


@bp.get("/<int:pupil_id>/<int:year_id>")
def preview(pupil_id, year_id):
    pupil, klass = _pupil_class(pupil_id, year_id)
    data = record_data(ensure_record(pupil, klass), current_app.config["PUBLIC_BASE_URL"])
    page = documents.html([data], font_url=url_for("static", filename="fonts").rstrip("/"))
    # The document keeps its own <style> (shared with the PDF); it runs no script.
    return Response(page, mimetype="text/html", headers={"Content-Security-Policy": DOCUMENT_CSP})


@bp.get("/<int:pupil_id>/<int:year_id>.pdf")
def pdf(pupil_id, year_id):
    pupil, klass = _pupil_class(pupil_id, year_id)
    full = request.args.get("ca-cuon") == "1"
    rendered = render_record(pupil, klass, current_app.config["PUBLIC_BASE_URL"], full=full)
    audit.record("record.downloaded", pupil, summary=f"Tải học bạ {pupil.full_name} {klass.year.name}",
                 full=full, sha256=rendered.sha256)
    name = f"hoc-ba-{pupil.code}-{klass.year.name}{'-ca-cuon' if full else ''}.pdf"
    return download(rendered.pdf, name, "application/pdf")


@bp.route("/de-nghi-dinh-chinh/<int:record_id>", methods=["GET", "POST"])
def request_correction(record_id):
    from flask import flash

    from portal.htmx import redirect_to, render
    from portal.models import RecordVersion
    from portal.services import ServiceError, corrections
    rv = RecordVersion.get_or_none(RecordVersion.id == record_id)
    if rv is None:
        abort(404)
    access.require(access.is_homeroom_of(current_user, rv.school_class) or access.is_board(current_user))
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
