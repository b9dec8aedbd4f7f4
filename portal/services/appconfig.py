"""The one door from services to the Flask application: its configuration and its instance folder.

Services read nothing else from Flask: the acting user, the request's address and URLs come in as
arguments from routes and the CLI (tests/unit/test_layering.py checks it).
"""
from flask import current_app, has_app_context


def app_config():
    """The running application's configuration (a dict-like Config)."""
    return current_app.config


def instance_path() -> str:
    return current_app.instance_path


def has_app() -> bool:
    """Is an application running here (False in a bare process, e.g. a test building keys by hand)?"""
    return has_app_context()
