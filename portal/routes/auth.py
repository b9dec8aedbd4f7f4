"""Login, logout and password change."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from portal.forms.auth import ChangePasswordForm, LoginForm
from portal.htmx import redirect_to, render
from portal.services import ServiceError
from portal.services.accounts import users
from portal.services.accounts.login_throttle import Throttled

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error, headers = None, {}
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except Throttled as err:
            error, status, headers = err.message, 429, {"Retry-After": str(err.retry_after)}
        except ServiceError as err:
            error = err.message
        else:
            login_user(user)
            return redirect_to(_safe_next(request.args.get("next")))
    body, status = render("auth/login.html", form=form, error=error, status=status)
    return body, status, headers


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        users.logout(current_user)  # a copy of this cookie, kept anywhere, stops working too
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.current.data, form.new.data, form.confirm.data)
        except ServiceError as err:
            getattr(form, err.field or "new").errors.append(err.message)
        else:
            login_user(current_user._get_current_object())  # this session continues; every other one ended
            flash("Đã đổi mật khẩu.", "success")
            return redirect_to(url_for("home.index"))
    status = 422 if request.method == "POST" else 200
    return render("auth/password.html", form=form, status=status)
