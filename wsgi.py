"""WSGI entry point: `waitress-serve wsgi:app`.

Batch signing runs in worker threads of this process (its passphrase stays in this process's memory).
The scheduled jobs (backup, timestamp renewal, package re-sending) run here too for the demo; in
production HOCBA_SEPARATE_WORKER=true leaves them to `python -m portal.worker` (deploy/hocba-worker.service).
"""
import sys

from portal import create_app, jobs, worker
from portal.db import SchemaTooNew

try:
    app = create_app()
except SchemaTooNew as err:  # older code on a newer database: say so plainly in the journal and stop
    sys.exit(str(err))
jobs.start_workers(workers=2)
if not app.config["SEPARATE_WORKER"]:
    worker.start_in_process(app)
