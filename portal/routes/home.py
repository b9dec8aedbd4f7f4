"""The start page: each person sees their own work first."""
from flask import Blueprint
from flask_login import current_user

from portal.htmx import render
from portal.services import access
from portal.services.school import class_roster, class_sizes, current_year

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    year = current_year()
    classes = list(access.visible_classes(current_user, year)) if year else []
    own = [c for c in classes if access.is_homeroom_of(current_user, c)]
    rosters = {c.id: class_roster(c) for c in own}
    return render("home/page.html", year=year, classes=classes, own=own, rosters=rosters,
                  sizes=class_sizes(year) if year else {})
