from portal.htmx import render

from . import bp


@bp.get("/")
def index():
    return render("admin/index.html")


@bp.get("/nam-hoc")
def years():
    return render("admin/index.html")
