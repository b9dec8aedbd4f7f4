"""Jinja and request wiring shared by every page: CSRF, template helpers, security headers."""
import datetime as dt
import gzip

from flask import request
from flask_wtf.csrf import CSRFProtect

from . import labels
from .models import CHECKPOINTS, GENDERS, LEVELS, RECORD_STATUSES, ROLES, SUBMISSION_STATUSES

csrf = CSRFProtect()


def format_date(value) -> str:
    """dd/mm/yyyy, the format every Vietnamese form uses; blank for none."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def school_name() -> str:
    from peewee import PeeweeException

    from .models import School

    try:
        school = School.current()
    except PeeweeException:
        return "Học bạ số"
    return school.name if school else "Học bạ số"


def init_app(app):
    csrf.init_app(app)
    app.jinja_env.globals["school_name"] = school_name
    app.jinja_env.filters["vndate"] = format_date
    app.jinja_env.filters.update(audit_action=labels.audit_action, audit_group=labels.audit_group,
                                 field_label=labels.field_label, quality_label=labels.quality_label,
                                 subject_short=labels.subject_short, job_status=labels.job_status)
    app.jinja_env.globals.update(ROLES=ROLES, GENDERS=GENDERS, LEVELS=LEVELS, CHECKPOINTS=CHECKPOINTS,
                                  RECORD_STATUSES=RECORD_STATUSES, SUBMISSION_STATUSES=SUBMISSION_STATUSES)

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
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
