"""Playwright helpers for the phone benchmark (and its tests): a live server, a phone, bytes on the wire."""
import logging
import shutil
import threading
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True,
             locale="vi-VN")


@contextmanager
def live(app):
    """The app on 127.0.0.1:<free port>, threaded like the production server."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium():
    if not shutil.which(CHROMIUM):
        raise SystemExit("Debian chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Wire:
    """Bytes received by one page (headers and bodies, compressed as sent; cache hits cost nothing),
    and the console errors it logged."""

    def __init__(self, page):
        self.page = page
        self.bytes = 0
        self.requests = []
        self.errors = []
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: self._done(urls.get(e["requestId"], "?"), e["encodedDataLength"]))
        page.on("console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda err: self.errors.append(f"{page.url}: {err}"))

    def _done(self, url, size):
        self.bytes += int(size)
        self.requests.append((url, int(size)))

    @contextmanager
    def measure(self):
        """Bytes received while the block runs (wait for the page to settle inside it)."""
        start, first = self.bytes, len(self.requests)
        box = {}
        yield box
        self.page.wait_for_load_state("networkidle")
        box["bytes"] = self.bytes - start
        box["requests"] = self.requests[first:]


def login(page, base, username, password="demo1234"):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
