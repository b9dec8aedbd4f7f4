"""Blueprints: one per module; views parse → call a service → render."""
from werkzeug.routing import IntegerConverter

# SQLite integers are signed 64-bit: a larger id in a URL cannot name a row, and binding it raises
# OverflowError (a 500). The bounded converter makes such a URL simply not match: a 404.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """<int:…> in every route: a non-negative integer SQLite can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app):
    app.url_map.converters["int"] = IdConverter  # before any rule is added
    from . import (admin, auth, classes, documents, evaluation, home, parents, review, secondary, server_ca, signing,
                   summary, transfer, verify)

    for module in (auth, home, classes, admin, evaluation, summary, review, transfer, documents, signing, verify, parents,
                   server_ca, secondary):
        app.register_blueprint(module.bp)

    @app.get("/healthz", endpoint="health")
    def health():
        return {"status": "ok"}
