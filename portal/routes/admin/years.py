"""School years, terms and the calendar of deadlines."""
from flask import flash, request, url_for
from flask_login import current_user

from portal.forms import parse_vn_date
from portal.forms.admin import YearForm
from portal.htmx import redirect_to, render
from portal.models import CalendarDate, Grade, SchoolYear
from portal.routes import get_or_404
from portal.services import ServiceError
from portal.services.school import calendar, settings
from portal.services.school.years import create_year, set_current_year

from . import bp



@bp.route("/nam-hoc", methods=["GET", "POST"])
def years():
    form = YearForm()
    if form.validate_on_submit():
        school = settings.school_or_none()
        if school is None:
            form.first_year.errors.append("Vui lòng nhập thông tin trường trước.")
        else:
            try:
                year = create_year(current_user, school, form.first_year.data, form.make_current.data)
            except ServiceError as err:
                form.first_year.errors.append(err.message)
            else:
                flash(f"Đã tạo năm học {year.name}.", "success")
                return redirect_to(url_for("admin.years"))
    years = SchoolYear.newest_first()
    return render("admin/years.html", form=form, years=years, status=422 if request.method == "POST" else 200)


@bp.post("/nam-hoc/<int:year_id>/hien-tai")
def make_current(year_id):
    year = get_or_404(SchoolYear, year_id)
    set_current_year(year)
    flash(f"Năm học hiện tại: {year.name}.", "success")
    return redirect_to(url_for("admin.years"))


@bp.route("/nam-hoc/<int:year_id>/lich", methods=["GET", "POST"])
def year_calendar(year_id):
    year = get_or_404(SchoolYear, year_id)
    rows = list(CalendarDate.of_year(year))
    errors, typed = {}, {}
    if request.method == "POST":
        dates = {}
        for row in rows:
            text = request.form.get(f"date-{row.id}", "")
            typed[row.id] = text
            try:
                dates[row.id] = parse_vn_date(text)
            except ValueError as err:
                errors[row.id] = str(err)
        if not errors:
            try:
                settings.set_calendar(current_user, year, dates)
            except ServiceError as err:
                errors[0] = err.message
            else:
                flash("Đã lưu lịch năm học.", "success")
                return redirect_to(url_for("admin.year_calendar", year_id=year.id))
    grades = Grade.numbers()
    return render("admin/calendar.html", year=year, rows=rows, errors=errors, typed=typed,
                  label=calendar.label, grades=grades, status=422 if errors else 200)
