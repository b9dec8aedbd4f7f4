"""WSGI entry point: `waitress-serve wsgi:app`."""
from portal import create_app

app = create_app()
