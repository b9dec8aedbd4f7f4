"""Học bạ số portal: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from . import db as database
from .config import DEFAULTS


def _ensure_instance_config(instance_path: Path) -> None:
    """First start: create instance/ and a random SECRET_KEY that never leaves this machine."""
    instance_path.mkdir(parents=True, exist_ok=True)
    config_file = instance_path / "config.py"
    if not config_file.exists():
        config_file.write_text(
            "# Written on first start; keep it secret, never commit it.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n",
            encoding="utf-8",
        )
        config_file.chmod(0o600)


# Commands that need neither the web pages nor the job queue: the app is built without them.
OFFLINE_COMMANDS = {"verify"}


def _offline_command() -> bool:
    """Is this process `flask … verify …` (the command word right after the global options)?"""
    import sys

    if not sys.argv or Path(sys.argv[0]).name not in ("flask", "__main__.py"):
        return False
    args = sys.argv[1:]
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in ("--app", "-A", "--env-file", "-e") else args[1:]
    return bool(args) and args[0] in OFFLINE_COMMANDS


def create_app(test_config=None):
    # HOCBA_INSTANCE_PATH: the school's data outside the code checkout (e.g. /var/lib/hocba).
    instance = os.environ.get("HOCBA_INSTANCE_PATH")
    app = Flask(__name__, instance_path=os.path.abspath(instance) if instance else None, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        _ensure_instance_config(Path(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("HOCBA")
        for key in ("DATABASE_URL", "HUEY_REDIS_URL"):  # the names hosting platforms use
            if os.environ.get(key) and not app.config.get(key):
                app.config[key] = os.environ[key]
    else:
        app.config.from_mapping(test_config)
    for key in ("DATABASE", "TRUST_DIR", "RECORDS_DIR", "HUEY_FILE", "PACKAGES_DIR", "BACKUP_DIR",
                "SECRETS_DIR", "AUDIT_ANCHOR_FILE"):
        if not os.path.isabs(app.config[key]):
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            app.config[key] = os.path.join(app.instance_path, app.config[key])

    database.init_app(app)
    from .services.system import keys
    keys.init_app(app)

    from .cli import register_cli

    if test_config is None and _offline_command():
        register_cli(app)  # `flask verify`: no pages, no job queue — it answers in a fraction of the time
        return app
    from . import assets, auth, errors, jobs, webui
    from .routes import register_blueprints

    jobs.init_app(app)
    auth.init_app(app)
    webui.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    register_blueprints(app)
    register_cli(app)
    return app
