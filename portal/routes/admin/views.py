"""Admin home and the school's own details."""
from flask import flash, request, url_for
from flask_login import current_user

from portal.forms.admin import SchoolForm
from portal.htmx import redirect_to, render
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.school import settings
from portal.services.school.years import current_year

from . import bp


@bp.get("/")
def index():
    year = current_year()
    from portal.models import PackageSubmission, RegistryMessage
    from portal.services.exchange import backup
    from portal.services.system import audit
    return render("admin/index.html", year=year, counts=settings.counts(year), backup=backup.last_backup(),
                  backup_warnings=backup.warnings(), audit_head=audit.anchor_text(audit.head()),
                  submissions=PackageSubmission.recent(20), messages=RegistryMessage.recent(50))


@bp.post("/thong-diep/<int:message_id>/gui-lai")
def message_resend(message_id):
    from portal.models import RegistryMessage
    from portal.services.exchange import registry
    msg = get_or_404(RegistryMessage, message_id)
    try:
        msg = registry.resend(current_user._get_current_object(), msg)
    except ServiceError as err:
        flash(err.message, "error")
    else:
        flash("Đã gửi lại thông điệp." if msg.state == "sent" else f"Gửi lại chưa được: {msg.reason}",
              "success" if msg.state == "sent" else "error")
    return redirect_to(url_for("admin.index"))


@bp.route("/truong", methods=["GET", "POST"])
def school():
    current = settings.school_or_none()
    form = SchoolForm(obj=current)
    if form.validate_on_submit():
        try:
            settings.save_school(current_user, current, form.data)
        except ServiceError as err:
            getattr(form, err.field or "name").errors.append(err.message)
        else:
            flash("Đã lưu thông tin trường.", "success")
            return redirect_to(url_for("admin.school"))
    return render("admin/school.html", form=form, status=422 if request.method == "POST" else 200)


@bp.get("/goi/<int:submission_id>.zip")
def package_download(submission_id):
    from portal.models import PackageSubmission
    from portal.services.exchange.packaging import package_file

    from ..files import download
    data, name = package_file(current_user, get_or_404(PackageSubmission, submission_id))
    return download(data, name, "application/zip")
