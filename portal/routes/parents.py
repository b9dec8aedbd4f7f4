"""Read-only pages for parents and pupils, reached with the code the school gave them."""
from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from portal.htmx import render
from portal.models import Pupil
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import ratelimit
from portal.services.records import parents

from .files import download as send_file_download

bp = Blueprint("parents", __name__, url_prefix="/phu-huynh")


@bp.route("/", methods=["GET", "POST"])
def index():
    error, status = None, 200
    if request.method == "POST":
        if not ratelimit.allow(f"parent:{request.remote_addr}", current_app.config.get("PARENT_TRIES_PER_10_MIN", 10), 600):
            error, status = "Bạn đã thử quá nhiều lần. Vui lòng đợi 10 phút rồi thử lại.", 429
        else:
            try:
                row = parents.sign_in(request.form.get("code", ""))
            except ServiceError as err:
                error, status = err.message, 422
            else:
                session["parent_code"] = row.id
                return redirect(url_for("parents.index"), code=303)
    pupil = parents.session_pupil(session.get("parent_code"))
    if pupil is None and session.pop("parent_code", None) is not None:
        error = error or parents.REVOKED
    records = parents.issued_records(pupil) if pupil else []
    return render("parents/index.html", pupil=pupil, records=records, error=error, status=status)


@bp.post("/thoat")
def leave():
    session.pop("parent_code", None)
    return redirect(url_for("parents.index"), code=303)


@bp.get("/tai/<int:record_id>.pdf")
def download(record_id):
    rv = parents.issued_for_family(record_id, session.get("parent_code"))
    if rv is None:
        abort(404)
    return send_file_download(parents.family_pdf(rv), f"hoc-ba-{rv.pupil.code}-{rv.school_class.year.name}.pdf",
                              "application/pdf")


@bp.get("/tai/<int:record_id>.xml")
def download_xml(record_id):
    """The XML of equal value, under exactly the PDF's checks: an issued record of the signed-in pupil."""
    from portal.errors import error_page
    from portal.services.records import xml_record

    rv = parents.issued_for_family(record_id, session.get("parent_code"))
    if rv is None:
        abort(404)
    try:
        data, _name = xml_record.signed_xml(rv)
    except ServiceError as err:
        return error_page(404, err.message)
    xml_record.log_download(None, rv, data, who="Phụ huynh tải")
    return send_file_download(data, f"hoc-ba-{rv.pupil.code}-{rv.school_class.year.name}.xml", "application/xml")


@bp.post("/cap-ma/<int:pupil_id>")
def issue_code(pupil_id):
    """Staff: a new code for a pupil's family (shown once)."""
    if not current_user.is_authenticated:
        abort(403)
    pupil = get_or_404(Pupil, pupil_id)
    code = parents.issue(current_user, pupil)
    return render("parents/code.html", pupil=pupil, code=code)


@bp.post("/thu-hoi/<int:pupil_id>")
def revoke_code(pupil_id):
    """Staff: revoke the family's code; a parent's session opened with it ends at their next page."""
    pupil = get_or_404(Pupil, pupil_id)
    revoked = parents.revoke(current_user, pupil)
    return render("parents/revoked.html", pupil=pupil, revoked=revoked)
