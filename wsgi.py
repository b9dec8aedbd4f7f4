"""WSGI entry point: `waitress-serve wsgi:app`.

The demo runs batch signing and the scheduled jobs (backup, timestamp renewal, package re-sending) in threads
of this process; in production HOCBA_SEPARATE_WORKER=true leaves all of them to `python -m portal.worker`
(deploy/hocba-worker.service), so several web processes can serve the school and a restart of one never
cuts a batch short.
"""
import sys

from portal import create_app, jobs, worker
from portal.db import SchemaTooNew

try:
    app = create_app()
except SchemaTooNew as err:  # older code on a newer database: say so plainly in the journal and stop
    sys.exit(str(err))
if not app.config["SEPARATE_WORKER"]:
    jobs.start_workers()
    worker.start_in_process(app)
