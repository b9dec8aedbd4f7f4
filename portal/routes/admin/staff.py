"""Staff and their accounts: who they are, what they may do, temporary passwords."""
from flask import abort, flash, request, url_for
from flask_login import current_user

from portal.forms.admin import StaffForm
from portal.htmx import redirect_to, render
from portal.models import Staff, User
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.accounts import users as accounts
from portal.services.school.people import roles_of, save_staff, staff_with_accounts

from . import bp



@bp.get("/can-bo")
def staff_list():
    people, users = staff_with_accounts()
    return render("admin/staff.html", people=people, users=users)


def _save(staff, form):
    roles = {code: (form.can_sign.data if code == "vice_principal" else False) for code in form.roles.data}
    return save_staff(current_user, staff, form.data, form.username.data, roles)


@bp.route("/can-bo/moi", methods=["GET", "POST"])
def staff_new():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            staff, password = _save(None, form)
        except ServiceError as err:
            getattr(form, err.field or "code").errors.append(err.message)
        else:
            return render("admin/staff_saved.html", staff=staff, password=password, username=form.username.data)
    return render("admin/staff_form.html", form=form, staff=None, status=422 if request.method == "POST" else 200)


@bp.route("/can-bo/<int:staff_id>", methods=["GET", "POST"])
def staff_edit(staff_id):
    staff = get_or_404(Staff, staff_id)
    form = StaffForm(obj=staff)
    if request.method == "GET":
        form.username.data, roles = roles_of(staff)
        form.roles.data = list(roles)
        form.can_sign.data = bool(roles.get("vice_principal"))
    if form.validate_on_submit():
        try:
            staff, password = _save(staff, form)
        except ServiceError as err:
            getattr(form, err.field or "code").errors.append(err.message)
        else:
            if password:
                return render("admin/staff_saved.html", staff=staff, password=password, username=form.username.data)
            flash("Đã lưu thông tin cán bộ.", "success")
            return redirect_to(url_for("admin.staff_list"))
    return render("admin/staff_form.html", form=form, staff=staff, status=422 if request.method == "POST" else 200)


@bp.post("/can-bo/<int:staff_id>/cap-lai-mat-khau")
def staff_reset_password(staff_id):
    staff = get_or_404(Staff, staff_id)
    user = User.of_staff(staff)
    if user is None:
        abort(404)
    password = accounts.reset_password(current_user, user)
    return render("admin/staff_saved.html", staff=staff, password=password, username=user.username)
