"""The public verification page (no login): upload a học bạ PDF or XML (or both), or open the QR link."""
from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from portal.htmx import render
from portal.services.accounts import ratelimit
from portal.services.records.verification import public_summary
from portal.services.records.xml_verification import verify_upload

bp = Blueprint("verify", __name__, url_prefix="/xac-thuc")


def _limited() -> bool:
    ip = request.remote_addr or "?"
    return not ratelimit.allow(f"verify:{ip}", current_app.config.get("VERIFY_PER_10_MIN", 30), 600)


@bp.route("/", methods=["GET", "POST"])
def index():
    verdict, error, status = None, None, 200
    if request.method == "POST":
        upload, other = request.files.get("file"), request.files.get("file2")
        if _limited():
            error, status = "Bạn đã kiểm tra quá nhiều lần. Vui lòng thử lại sau ít phút.", 429
        elif upload is None or not upload.filename:
            error, status = "Vui lòng chọn tệp PDF hoặc XML học bạ.", 422
        else:
            user = current_user if current_user.is_authenticated else None  # a public page
            verdict = verify_upload(user, upload.read(), other.read() if other is not None and other.filename else None)
            status = 200
    return render("verify/index.html", verdict=verdict, error=error, status=status)


@bp.get("/<code>")
def by_code(code):
    if _limited():
        return render("verify/index.html", verdict=None, error="Bạn đã kiểm tra quá nhiều lần. Vui lòng thử lại sau ít phút.",
                      status=429)
    summary = public_summary(code[:20])
    if summary is None:
        abort(404)
    return render("verify/code.html", summary=summary, code=code)
