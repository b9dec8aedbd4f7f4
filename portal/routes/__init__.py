"""Blueprints: one per module; views parse → call a service → render."""
from flask import abort
from werkzeug.routing import IntegerConverter

# SQLite integers are signed 64-bit: a larger id in a URL cannot name a row, and binding it raises
# OverflowError (a 500). The bounded converter makes such a URL simply not match: a 404.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """<int:…> in every route: a non-negative integer SQLite can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def get_or_404(model, row_id):
    """The row of `model` with this id, or the 404 page."""
    row = model.by_id(row_id)
    if row is None:
        abort(404)
    return row


def uploaded(form):
    """An upload form's POST: (filename, bytes) of the chosen file, or None with the form's error set.
    Returns None on a GET too; `status_of(form)` says whether the request failed."""
    from flask import request

    if not form.validate_on_submit():
        return None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors.append("Vui lòng chọn tệp.")
        return None
    return upload.filename, upload.read()


def import_status(report) -> int:
    """200 for a page without a file or with a report of no errors; 422 for a refused POST or file."""
    from flask import request

    if request.method != "POST":
        return 200
    return 200 if report is not None and report.ok else 422


def register_blueprints(app):
    app.url_map.converters["int"] = IdConverter  # before any rule is added
    # routes/chain.py is the "signing" blueprint, routes/records.py the "documents" one: the module says the
    # layer, the blueprint keeps the endpoint names templates use (url_for("signing.index")).
    from . import (admin, auth, chain, classes, evaluation, home, parents, records, review, secondary, server_ca,
                   summary, transfer, verify)

    for module in (auth, home, classes, admin, evaluation, summary, review, transfer, records, chain, verify, parents,
                   server_ca, secondary):
        app.register_blueprint(module.bp)

    @app.get("/healthz", endpoint="health")
    def health():
        return {"status": "ok"}
