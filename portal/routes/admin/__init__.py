"""Administration: the school, years and calendar, classes, subjects, staff, assignments, pupils.

Every view here is for the school administrator; the check runs before any of them.
"""
from flask import Blueprint
from flask_login import current_user

from portal.services.accounts import permissions

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


@bp.before_request
def _admin_only():
    permissions.require(permissions.is_admin(current_user))


from . import classes, imports, pupils, staff, subjects, trust, views, years  # noqa: E402,F401  (routes register on bp)
