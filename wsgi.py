"""WSGI entry point: `waitress-serve wsgi:app`. Starts the in-process job workers (batch signing, daily backup)."""
from portal import create_app, jobs

app = create_app()
jobs.start_workers(workers=2, periodic=True)
