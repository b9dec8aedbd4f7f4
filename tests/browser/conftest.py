"""A live server on 127.0.0.1:0 and Playwright driving Debian's chromium."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(tmp_path, demo_template):
    path = tmp_path / "live.sqlite3"
    shutil.copy(demo_template, path)
    shutil.copytree(demo_template.parent / "trust", tmp_path / "trust")
    shutil.copytree(demo_template.parent / "secrets", tmp_path / "secrets")
    app = make_app(path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def chromium():
    # Module scope: Playwright's sync API keeps an event loop running in the main thread while it is
    # open, and pyHanko's synchronous calls need to start their own.
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def watch_csp(page) -> list[str]:
    """Every Content-Security-Policy violation the page reports (Chromium logs each as a console error)."""
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


@pytest.fixture
def phone(chromium):
    """A phone-sized page (390×844, touch); any CSP violation during the test fails it."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                   is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = watch_csp(page)
    yield page
    context.close()
    assert violations == [], violations


def login(page, base, username, password="demo1234"):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
