"""Blueprints: one per module; views parse → call a service → render."""


def register_blueprints(app):
    from . import admin, auth, classes, home

    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(classes.bp)
    app.register_blueprint(admin.bp)

    @app.get("/healthz", endpoint="health")
    def health():
        return {"status": "ok"}
