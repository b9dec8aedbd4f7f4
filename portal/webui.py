"""Jinja and request wiring shared by every page: CSRF, template helpers, security headers, HTTPS.

The Content-Security-Policy allows scripts and styles only from the portal's own static files: the
templates carry no inline script, handler or style attribute (app.js and app.css hold them), and htmx 4
needs no eval for what the templates use. The học bạ HTML preview is a standalone document with its own
<style> (shared with the PDF renderer) and gets a narrower policy of its own: no script at all.
"""
import datetime as dt
import gzip

from flask import current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import labels
from .models import (
    CHECKPOINTS, GENDERS, LEVELS, MESSAGE_KINDS, MESSAGE_STATES, RECORD_STATUSES, REGISTRY_STATUSES, ROLES,
    SUBMISSION_STATUSES,
)

csrf = CSRFProtect()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src data:; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
HSTS = "max-age=31536000"


def serves_https(app) -> bool:
    """Configured for HTTPS: PREFER_HTTPS, or a public address that starts with https://."""
    return bool(app.config.get("PREFER_HTTPS")) or str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://")


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request itself came over HTTPS, whatever the configuration."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def format_date(value) -> str:
    """dd/mm/yyyy, the format every Vietnamese form uses; blank for none."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def secondary_nav(user) -> dict:
    """The secondary entries of the navigation (services/secondary_home.py)."""
    from .services.secondary_home import nav

    return nav(user)


def school_name() -> str:
    from peewee import PeeweeException

    from .models import School

    try:
        school = School.current()
    except PeeweeException:
        return "Học bạ số"
    return school.name if school else "Học bạ số"


def init_app(app):
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy: the client's address (login throttling, audit) and scheme (HTTPS) come
        # from its X-Forwarded-* headers, trusted for exactly this many proxies.
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if serves_https(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    app.jinja_env.globals["school_name"] = school_name
    app.jinja_env.globals["secondary_nav"] = secondary_nav
    app.jinja_env.filters["vndate"] = format_date
    app.jinja_env.filters.update(audit_action=labels.audit_action, audit_group=labels.audit_group,
                                 field_label=labels.field_label, quality_label=labels.quality_label,
                                 subject_short=labels.subject_short, job_status=labels.job_status)
    app.jinja_env.globals.update(ROLES=ROLES, GENDERS=GENDERS, LEVELS=LEVELS, CHECKPOINTS=CHECKPOINTS,
                                  RECORD_STATUSES=RECORD_STATUSES, SUBMISSION_STATUSES=SUBMISSION_STATUSES,
                                  MESSAGE_KINDS=MESSAGE_KINDS, MESSAGE_STATES=MESSAGE_STATES,
                                  REGISTRY_STATUSES=REGISTRY_STATUSES)

    @app.after_request
    def _compress(resp):
        """Gzip large pages: a class grid is hundreds of small forms, and teachers are on phones."""
        if (resp.status_code < 200 or resp.direct_passthrough or resp.is_streamed
                or "gzip" not in request.headers.get("Accept-Encoding", "")
                or "Content-Encoding" in resp.headers
                or not (resp.mimetype or "").startswith(("text/", "application/json"))):
            return resp
        data = resp.get_data()
        if len(data) < 4096:
            return resp
        resp.set_data(gzip.compress(data, compresslevel=5))
        resp.headers["Content-Encoding"] = "gzip"
        resp.headers["Vary"] = "Accept-Encoding"
        return resp

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure or serves_https(current_app):
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
        return resp
