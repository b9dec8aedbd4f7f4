"""Default settings. Secrets come from instance/config.py (written on first start) or the environment."""

DEFAULTS = {
    "SECRET_KEY": None,
    # Relative to the instance folder unless absolute.
    "DATABASE": "hocba.sqlite3",
    # PostgreSQL instead of the SQLite file: "postgresql://user:password@host:5432/hocba" (also read from the
    # DATABASE_URL or HOCBA_DATABASE_URL environment variable). Empty: SQLite.
    "DATABASE_URL": "",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # A teacher may keep a form open for a whole lesson.
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Uploads: anything larger is refused before it is read.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 5000,
    "IMPORT_MAX_COLUMNS": 100,  # the templates have at most 15; a school's own export may have more
    "IMPORT_MAX_CELLS": 200_000,  # over every sheet of the file, counted while streaming
    "IMPORT_MAX_UNZIPPED_BYTES": 64 * 1024 * 1024,
    # Login throttling (services/accounts/login_throttle.py), failures counted within the window: after
    # LOGIN_FREE_FAILURES the next try waits 1, 2, 4 … s, capped per account (so its owner is delayed, never
    # locked out) and, higher, per account+address; hard limits per account+address and per address (high:
    # a whole school may share one NAT address).
    "LOGIN_WINDOW_SECONDS": 3600,
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_MAX_WAIT_ACCOUNT": 60,
    "LOGIN_MAX_WAIT_PAIR": 15 * 60,
    "LOGIN_MAX_FAILURES_PER_PAIR": 20,
    "LOGIN_FREE_FAILURES_PER_IP": 100,
    "LOGIN_MAX_WAIT_IP": 30,
    "LOGIN_MAX_FAILURES_PER_IP": 500,
    # Public address used in QR codes and verification links. When it starts with https:// (or PREFER_HTTPS
    # is set) cookies are Secure and responses carry HSTS; a request that arrives over HTTPS gets both anyway.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "PREFER_HTTPS": False,
    # Number of reverse proxies in front of the portal whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    "TRUSTED_PROXIES": 0,
    # Signing. Relative paths are inside the instance folder.
    "TRUST_DIR": "trust",  # PEM trust anchors (national root CA, Government Cipher Committee CA)
    "RECORDS_DIR": "records",  # signed and issued PDFs
    "SIGNING_CHAIN": {"TH": ["homeroom", "principal", "seal"],
                      "THCS": ["subject", "homeroom", "principal", "seal"],
                      "THPT": ["subject", "homeroom", "principal", "seal"]},
    "TSA_URL": "",  # an RFC 3161 time-stamping authority; empty = no timestamps (the demo PKI brings its own)
    "TSA_TIMEOUT_S": 20,
    # Batch signing runs on this many processes (0 = one per core); each is a fresh interpreter, kept warm
    # for the next batch and closed after this many idle seconds.
    "SIGNING_WORKERS": 0,
    "SIGNING_POOL_IDLE_S": 300,
    # Renew an issued record's archive timestamp this long before the timestamping certificate expires.
    "LTV_RENEW_MARGIN_DAYS": 365,
    # The demo PKI (CRL/OCSP/TSA served locally on this port while the demo signs); empty dir = instance/demo-pki.
    "DEMO_PKI_DIR": "",
    "DEMO_PKI_PORT": 5080,
    # Records print PUBLIC_BASE_URL in their QR code: a loopback address is refused unless this is set (demo).
    "ALLOW_LOOPBACK_PUBLIC_URL": False,
    "CERT_EXPIRY_WARNING_DAYS": 30,
    # Remote signing service (submit a hash, the signer confirms on their phone, poll for the result).
    "REMOTE_SIGNING_URL": "",
    "REMOTE_SIGNING_TIMEOUT": 180,
    # Which service REMOTE_SIGNING_URL is: "generic" (the protocol in signing/remote.py), "smartca" (VNPT SmartCA,
    # e.g. https://gwsca.vnpt.vn/sca/sp769) or "mysign" (Viettel MySign, https://remotesigning.viettel.vn).
    # CLIENT_ID/SECRET: SmartCA's sp_id/sp_password or MySign's client_id/client_secret, given by the provider.
    "REMOTE_SIGNING_PROVIDER": "generic",
    "REMOTE_SIGNING_CLIENT_ID": "",
    "REMOTE_SIGNING_CLIENT_SECRET": "",
    "REMOTE_SIGNING_PROFILE_ID": "adss:ras:profile:001",  # MySign's RAS profile
    "REMOTE_SIGNING_POLL_S": 0,  # 0 = the provider's own advice (SmartCA 10 s, MySign 2 s)
    # Background jobs (batch signing): huey with SQLite storage in the instance folder.
    "HUEY_FILE": "huey.sqlite3",
    # The job queue in Redis instead of HUEY_FILE ("redis://host:6379/0", or HUEY_REDIS_URL in the environment),
    # so web processes and workers may run on several machines. Empty: SQLite.
    "HUEY_REDIS_URL": "",
    # On Redis each queue's name carries this portal's tag, so portals sharing one Redis never take each
    # other's jobs. Empty: derived from where the database is (the same for all of one portal's processes).
    "HUEY_QUEUE_TAG": "",
    # Production (deploy/hocba-worker.service): scheduled jobs run in their own process, not in the web one.
    "SEPARATE_WORKER": False,
    "WORKER_THREADS": 2,
    "RENEW_HOUR": 3,  # archive-timestamp renewal, local time (the backup runs at BACKUP_HOUR)
    # A LAN-only school's Caddy internal CA root, offered to phones on /chung-chi-may-chu (empty: none).
    "SERVER_CA_FILE": "",
    # The sector database's receiving endpoint; empty = the administrator downloads the ZIP instead.
    "PACKAGE_ENDPOINT": "",
    "PACKAGE_TOKEN": "",
    "PACKAGES_DIR": "packages",
    # Daily backups (huey periodic task at BACKUP_HOUR): keep N daily and M weekly copies.
    "BACKUP_DIR": "backups",
    "BACKUP_HOUR": 2,
    "BACKUP_KEEP_DAILY": 7,
    "BACKUP_KEEP_WEEKLY": 8,
    "BACKUP_PASSPHRASE": "",
    # Every nightly backup is copied off the machine right after it is made: to a mounted folder (another
    # disk, a network share) or by rsync over SSH to "user@host:/path" (key login). One of the two.
    "BACKUP_COPY_DIR": "",
    "BACKUP_COPY_RSYNC": "",
    # Secrets kept outside the database (services/system/keys.py): instance/secrets/audit.key and access-codes.key,
    # created on first use with mode 0600, unless given here or as HOCBA_AUDIT_KEY / HOCBA_ACCESS_CODE_KEY.
    "SECRETS_DIR": "secrets",
    "AUDIT_KEY": "",
    "ACCESS_CODE_KEY": "",
    # Heads of the audit trail recorded at each backup, to find a trail whose newest rows were cut off.
    "AUDIT_ANCHOR_FILE": "audit-anchors.log",
    "HUEY_IMMEDIATE": False,
}
