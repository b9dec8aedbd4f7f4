"""A live server on 127.0.0.1:0 and Playwright driving Debian's chromium."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Live(str):
    """The live server's base URL, carrying its app (for setting up data the way a test needs)."""

    app = None


def serve_copy(template, tmp_path):
    """A live server on a copy of a seeded template database (with its trust and secrets folders, when it
    has them); yields its base URL and stops it afterwards."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(template, path)
    for folder in ("trust", "secrets"):
        if (template.parent / folder).exists():
            shutil.copytree(template.parent / folder, tmp_path / folder)
    app = make_app(path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = Live(f"http://127.0.0.1:{server.server_port}")
    base.app = app
    yield base
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(tmp_path, demo_template):
    yield from serve_copy(demo_template, tmp_path)


def in_thread(fn, *args, **kwargs):
    """Run fn away from Playwright's event loop (pyHanko starts its own); return its result."""
    out = {}

    def run():
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as err:  # re-raised in the test's thread
            out["error"] = err

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=120)
    if "error" in out:
        raise out["error"]
    return out.get("value")


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


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, base, username, password="demo1234"):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
