"""Records leaving and entering the school: packages for the sector database, transfers, backups.

- packaging: ZIP packages of issued records (signed XML + PDF per pupil)
- sending: delivering packages with retries; registry: create/revoke messages to the sector database
- transfer: handing a học bạ to another school and receiving one
- backup: backups, restore and backup copies
- scheduled: the worker's nightly jobs (backup, timestamp renewal, re-sending) and its heartbeat
"""
