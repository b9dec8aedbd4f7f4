"""Session login wiring: flask-login, the global login gate, the forced password change, and the client's
address the audit trail notes for each request."""
from flask import g, redirect, request, url_for
from flask_login import LoginManager, current_user

from .models import User
from .services.system import audit

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"

# Endpoints anonymous visitors may reach. Everything else needs a login.
PUBLIC_ENDPOINTS = {"auth.login", "static", "assets.file", "assets.favicon", "health", "verify.index", "verify.by_code", "parents.index",
                    "parents.leave", "parents.download", "parents.download_xml", "server_ca.page",
                    "server_ca.certificate"}
# Endpoints reachable while a password change is pending.
PASSWORD_CHANGE_ENDPOINTS = PUBLIC_ENDPOINTS | {"auth.change_password", "auth.logout"}


@login_manager.user_loader
def _load_user(session_id):
    """`id:version` from the session cookie; a cookie from before a logout or password change is refused."""
    user_id, _, version = str(session_id).partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    return User.signed_in(int(user_id), int(version))


def init_app(app):
    login_manager.init_app(app)

    @app.before_request
    def _note_client_address():
        """The audit trail keeps where each request came from; services never read the request."""
        g.client_address = audit.client_address.set(request.remote_addr or "")

    @app.teardown_request
    def _forget_client_address(_exc):
        token = g.pop("client_address", None)
        if token is not None:
            audit.client_address.reset(token)

    @app.before_request
    def _gate():
        endpoint = request.endpoint or ""
        if endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return redirect(url_for("auth.change_password"))
        return None
