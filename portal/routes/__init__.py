"""Blueprints: one per module; views parse → call a service → render."""


def register_blueprints(app):
    from . import (admin, auth, classes, documents, evaluation, home, parents, review, server_ca, signing, summary,
                   transfer, verify)

    for module in (auth, home, classes, admin, evaluation, summary, review, transfer, documents, signing, verify, parents,
                   server_ca):
        app.register_blueprint(module.bp)

    @app.get("/healthz", endpoint="health")
    def health():
        return {"status": "ok"}
