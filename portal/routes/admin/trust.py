"""The school's trust set-up: its tax code, the organisation certificate registered as its seal, and the
issued records whose long-term protection (archive timestamp) is due for renewal."""
from flask import abort, flash, request, url_for
from flask_login import current_user

from portal.htmx import redirect_to, render
from portal.models import Certificate, RecordVersion
from portal.services import ServiceError
from portal.services.records import signers, timestamps

from . import bp


@bp.get("/tin-cay")
def trust():
    return render("admin/trust.html", **signers.trust_overview(), error=None)


@bp.post("/tin-cay/ma-so-thue")
def tax_code():
    try:
        signers.set_tax_code(current_user, request.form.get("tax_code", ""))
    except ServiceError as err:
        return render("admin/trust.html", **signers.trust_overview(), error=err.message, status=422)
    flash("Đã lưu mã số thuế của trường.", "success")
    return redirect_to(url_for("admin.trust"))


@bp.post("/tin-cay/dau-so/<int:cert_id>")
def register_seal(cert_id):
    row = Certificate.organisation_by_id(cert_id)
    if row is None:
        abort(404)
    try:
        signers.register_seal(current_user, row)
    except ServiceError as err:
        return render("admin/trust.html", **signers.trust_overview(), error=err.message, status=422)
    flash(f"Đã đăng ký chứng thư số {row.subject} làm dấu số của trường.", "success")
    return redirect_to(url_for("admin.trust"))


@bp.post("/tin-cay/gia-han/<int:record_id>")
def renew(record_id):
    rv = RecordVersion.by_id(record_id)
    if rv is None or rv.ltv_level != "B-LTA":
        abort(404)
    try:
        timestamps.renew_record(current_user, rv)
    except ServiceError as err:
        return render("admin/trust.html", **signers.trust_overview(), error=err.message, status=422)
    flash("Đã gia hạn dấu thời gian lưu trữ.", "success")
    return redirect_to(url_for("admin.trust"))
