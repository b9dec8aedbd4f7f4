"""The start page: each person sees their own work first — the to-do list against the calendar."""
from flask import Blueprint
from flask_login import current_user

from portal.htmx import render
from portal.models import ChangeRequest
from portal.services.accounts import permissions
from portal.services.evaluation import results
from portal.services.school.years import class_roster, class_sizes, current_year

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    year = current_year()
    classes = list(permissions.visible_classes(current_user, year)) if year else []
    own = [c for c in classes if permissions.is_homeroom_of(current_user, c)]
    rosters = {c.id: class_roster(c) for c in own}
    cp = results.current_checkpoint(year) if year else None
    todo = []
    if year and not permissions.sees_whole_school(current_user):
        for klass in classes:
            missing = [m for m in results.completeness(klass, cp, current_user) if not m.done]
            if missing:
                todo.append((klass, missing))
    from portal.services.school.certificates import expiring
    expiring_certs = [c for c in expiring() if c.user_id == current_user.id]
    pending = ChangeRequest.pending().count() if permissions.is_board(current_user) else 0
    return render("home/page.html", year=year, classes=classes, own=own, rosters=rosters, cp=cp, todo=todo,
                  deadline=results.deadline(classes[0], cp) if classes and cp else None, pending=pending,
                  expiring_certs=expiring_certs,
                  sizes=class_sizes(year) if year else {})
