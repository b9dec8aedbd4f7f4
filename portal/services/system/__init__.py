"""The portal's own machinery, used by every feature and by the operators.

- audit, audit_check: appending to the sealed audit trail and checking it
- keys: instance secrets kept outside the database
- collation: Vietnamese ordering
- tables, xlsx_scan: reading and writing untrusted spreadsheets safely (school lists, results)
- deployment, doctor: putting a portal into service and checking it
- server_ca: the LAN server's own certificate authority offered to phones
"""
