"""The production set-up for a LAN-only school, for real: Debian's Caddy with deploy/Caddyfile.lan (its
internal CA) in front of the portal served by waitress on 127.0.0.1, and a phone-sized Chromium that
trusts that CA (an NSS database of its own) and reaches the portal by name over HTTPS.

Only what cannot be in a test is changed in the Caddyfile: the names (hocba.test instead of the school's),
the upstream port, and ports 80/443 (free ports on 127.0.0.1, so the redirect carries the HTTPS port).
"""
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from waitress.server import create_server

from portal.config import DEFAULTS
from portal.db import db
from portal.models import SubjectResult
from portal.signing.responder import free_port
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.browser.test_evaluation_phone import first_pupil_card, wait_saved
from tests.conftest import make_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HOST = "hocba.test"


def caddyfile(app_port: int, http_port: int, https_port: int, storage: Path) -> str:
    text = (ROOT / "deploy" / "Caddyfile.lan").read_text(encoding="utf-8")
    swaps = [("hocba.truong.lan, 192.168.1.10 {", f"{HOST} {{"),
             ("http://hocba.truong.lan, http://192.168.1.10 {", f"http://{HOST} {{"),
             ("127.0.0.1:8000 127.0.0.1:8001", f"127.0.0.1:{app_port}"),
             ("redir https://{host}{uri}", f"redir https://{{host}}:{https_port}{{uri}}")]
    for old, new in swaps:
        assert old in text, f"deploy/Caddyfile.lan no longer has {old!r}"
        text = text.replace(old, new)
    test_globals = (f"\tadmin off\n\tdefault_bind 127.0.0.1\n\thttp_port {http_port}\n\thttps_port {https_port}\n"
                    f"\tstorage file_system {{\n\t\troot {storage}\n\t}}\n")
    start = text.index("{\n")  # the global options block comes first
    return text[:start + 2] + test_globals + text[start + 2:]


def wait_for_tls(port: int, cafile: Path, deadline: float) -> None:
    """Until Caddy presents a certificate for HOST that chains to its root."""
    while time.monotonic() < deadline:
        if cafile.exists():
            try:
                ctx = ssl.create_default_context(cafile=str(cafile))
                with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
                    with ctx.wrap_socket(raw, server_hostname=HOST):
                        return
            except (OSError, ssl.SSLError):
                pass
        time.sleep(0.2)
    raise AssertionError("Caddy never served a certificate for hocba.test")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, demo_template):
    if not shutil.which("caddy"):
        pytest.fail("Debian caddy is missing: `make test` installs it")
    tmp = tmp_path_factory.mktemp("caddy")
    shutil.copy(demo_template, tmp / "live.sqlite3")
    shutil.copytree(demo_template.parent / "trust", tmp / "trust")
    http_port, https_port = free_port(), free_port()
    public = f"https://{HOST}:{https_port}"
    app = make_app(tmp / "live.sqlite3", PUBLIC_BASE_URL=public, TRUSTED_PROXIES=1,
                   SERVER_CA_FILE=str(tmp / "caddy" / "pki" / "authorities" / "local" / "root.crt"),
                   BACKUP_DIR=str(tmp / "backups"))
    app.instance_path = str(tmp / "instance")
    (tmp / "instance").mkdir()
    (tmp / "instance" / "config.py").write_text("SECRET_KEY = 'test-secret'\n", encoding="utf-8")
    (tmp / "instance" / "config.py").chmod(0o600)
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    config = tmp / "Caddyfile"
    config.write_text(caddyfile(server.effective_port, http_port, https_port, tmp / "caddy"), encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp), "XDG_DATA_HOME": str(tmp / "xdg"), "XDG_CONFIG_HOME": str(tmp / "xdg")}
    log = open(tmp / "caddy.log", "wb")
    caddy = subprocess.Popen(["caddy", "run", "--config", str(config), "--adapter", "caddyfile"], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    root = tmp / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        wait_for_tls(https_port, root, time.monotonic() + 30)
        yield {"app": app, "public": public, "http": f"http://{HOST}:{http_port}", "http_port": http_port,
               "root": root, "tmp": tmp}
    finally:
        caddy.terminate()
        try:
            caddy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            caddy.kill()
        log.close()
        server.close()


@pytest.fixture(scope="module")
def trusting_chromium(deployment):
    """Chromium with Caddy's root in its own NSS database, resolving hocba.test to 127.0.0.1."""
    home = deployment["tmp"] / "browser-home"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "Caddy internal CA (test)", "-t", "C,,",
                    "-i", str(deployment["root"])], check=True, capture_output=True)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS + [f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
                                    env={**os.environ, "HOME": str(home)})
        yield browser
        browser.close()


@pytest.fixture
def phone(trusting_chromium):
    context = trusting_chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                            is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_phone_logs_in_over_https_by_name_and_saves_a_cell(deployment, phone):
    base = deployment["public"]
    login(phone, base, "gvcn.1a")  # a certificate error would stop here: the CA is trusted, not ignored
    assert phone.url.startswith(f"https://{HOST}:")
    klass, tv = first_pupil_card(base, phone)
    phone.locator("fieldset.seg.level input[value='T'] + label").first.tap()  # one-tap level buttons
    wait_saved(phone, "form.cell:has(fieldset.seg.level)")
    pupil_id = int(phone.url.split("/hs/")[1].split("/")[0])
    with db.connection_context():
        assert SubjectResult.get(pupil=pupil_id, subject=tv, checkpoint="CK1", school_class=klass).level == "T"


@pytest.mark.skipif("TRUSTED_PROXIES" not in DEFAULTS,
                    reason="Secure cookies behind TLS (X-Forwarded-Proto, TRUSTED_PROXIES) come with branch "
                           "h-integrity, not merged into this branch yet")
def test_cookies_are_secure_behind_caddy(deployment, phone):
    login(phone, deployment["public"], "gvcn.1a")
    cookies = {c["name"]: c for c in phone.context.cookies()}
    assert cookies and all(c["secure"] for c in cookies.values()), cookies


def test_plain_http_redirects_to_https_in_the_browser_and_on_the_wire(deployment, phone):
    phone.goto(f"{deployment['http']}/login")
    assert phone.url == f"{deployment['public']}/login"
    conn = socket.create_connection(("127.0.0.1", deployment["http_port"]), timeout=5)
    conn.sendall(f"GET /lop/?x=1 HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    head = conn.recv(4096).decode("latin-1")
    conn.close()
    assert head.split()[1] in ("301", "308")
    assert f"Location: {deployment['public']}/lop/?x=1" in head


def test_phone_fetches_caddys_real_root_over_plain_http_from_the_qr_page(deployment, phone):
    opener = urllib.request.build_opener()
    request = urllib.request.Request(f"http://127.0.0.1:{deployment['http_port']}/chung-chi-may-chu/hocba-may-chu-ca.crt",
                                     headers={"Host": HOST})
    with opener.open(request, timeout=10) as resp:
        body, kind = resp.read(), resp.headers["Content-Type"]
    assert kind == "application/x-x509-ca-cert"
    assert body == ssl.PEM_cert_to_DER_cert(deployment["root"].read_text())
    phone.goto(f"{deployment['public']}/chung-chi-may-chu/")
    assert phone.locator("img.qr").is_visible()
    assert f"http://{HOST}/chung-chi-may-chu/hocba-may-chu-ca.crt" in phone.content()


def test_doctor_passes_on_the_demo_behind_caddy_except_what_a_demo_cannot_have(deployment):
    from portal.services.exchange.backup import scheduled_backup
    from portal.services.exchange.scheduled import beat
    from portal.services.system.doctor import ntp_synchronised, run_checks

    app = deployment["app"]
    with app.app_context(), db.connection_context():
        scheduled_backup()  # what the worker does each night
        beat()
        found = {f.code: f for f in run_checks()}
    problems = {c for c, f in found.items() if f.status == "problem"}
    warnings = {c for c, f in found.items() if f.status == "warning"}
    # The machine's clock is the machine's, not the demo's: a problem only where NTP is really off.
    assert problems == ({"clock"} if ntp_synchronised() is False else set()), [found[c].message for c in problems]
    # What the demo cannot have: its own TSA (no TSA_URL), real data, an encrypted backup, a target to copy
    # backups off the machine; and a container cannot say whether its clock is synchronised.
    assert warnings <= {"tsa", "demo", "backup_encryption", "backup_copy", "clock"}
    assert {"tsa", "demo", "backup_encryption"} <= warnings
