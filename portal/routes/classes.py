"""Class lists: who is in a class, for the people allowed to see it."""
from flask import Blueprint
from flask_login import current_user

from portal.htmx import render
from portal.models import SchoolClass
from portal.routes import get_or_404
from portal.services.accounts import permissions
from portal.services.records.chain import issued_records
from portal.services.school.identity import masked
from portal.services.school.years import class_roster, class_sizes, current_year

bp = Blueprint("classes", __name__, url_prefix="/lop")



@bp.get("/")
def index():
    year = current_year()
    classes = list(permissions.visible_classes(current_user, year)) if year else []
    return render("classes/list.html", year=year, classes=classes, sizes=class_sizes(year) if year else {})


@bp.get("/<int:class_id>")
def detail(class_id):
    klass = get_or_404(SchoolClass, class_id)
    permissions.require(permissions.can_view_class(current_user, klass))
    issued = {rv.pupil_id: rv for rv in issued_records(klass)}
    return render("classes/detail.html", "classes/_partials/roster.html", klass=klass,
                  pupils=class_roster(klass), details=permissions.can_view_pupil_details(current_user, klass),
                  records=permissions.can_read_record(current_user, klass), masked=masked, issued=issued,
                  board=permissions.is_board(current_user))
