"""Static files for the browser: content-hashed names, cached for a year, served compressed.

`asset_url("app.css")` gives `/s/app.<hash>.css`. The hash changes with the content, so a browser may keep
a file forever (`immutable`) and a reload re-downloads nothing; a new release gets new names. Each file is
read and compressed once per process (gzip, and brotli where the module is there): teachers are on phones
and school networks are slow. The PDF fonts in static/fonts are not served this way (WeasyPrint reads
them from disk).
"""
import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for

try:  # brotli comes with WeasyPrint's font tools; gzip alone is fine without it
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

# What the pages reference; anything else in static/ stays under Flask's plain /static/ route.
SERVED = ("app.css", "app.js", "htmx.min.js", "favicon.svg", "favicon.ico")
COMPRESSIBLE = {".css", ".js", ".svg", ".ico", ".json"}
YEAR = 365 * 24 * 3600

bp = Blueprint("assets", __name__)


@dataclass
class Asset:
    name: str  # app.css
    digest: str  # first 10 hex digits of SHA-256
    mimetype: str
    raw: bytes
    gz: bytes | None
    br: bytes | None

    @property
    def hashed(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{ext}"


class Manifest:
    """Every served asset by its plain and its hashed name, built on first use (again when a file
    changes, in debug mode)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._by_name: dict[str, Asset] = {}
        self._by_hashed: dict[str, Asset] = {}
        self._mtimes: dict[str, float] = {}

    def _load(self, name: str) -> Asset | None:
        path = self.folder / name
        if not path.is_file():
            return None
        raw = path.read_bytes()
        compress = path.suffix in COMPRESSIBLE and len(raw) > 512
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mimetype.startswith("text/") or mimetype in ("application/javascript", "image/svg+xml"):
            mimetype += "; charset=utf-8"
        return Asset(name, hashlib.sha256(raw).hexdigest()[:10], mimetype, raw,
                     gzip.compress(raw, compresslevel=9, mtime=0) if compress else None,
                     brotli.compress(raw, quality=11) if compress and brotli else None)

    def _fresh(self, check_mtime: bool) -> None:
        with self._lock:
            for name in SERVED:
                path = self.folder / name
                mtime = path.stat().st_mtime if path.exists() else -1.0
                if name in self._by_name and (not check_mtime or self._mtimes.get(name) == mtime):
                    continue
                asset = self._load(name)
                old = self._by_name.pop(name, None)
                if old is not None:
                    self._by_hashed.pop(old.hashed, None)
                if asset is not None:
                    self._by_name[name] = asset
                    self._by_hashed[asset.hashed] = asset
                self._mtimes[name] = mtime

    def get(self, name: str, check_mtime: bool = False) -> Asset | None:
        if check_mtime or name not in self._by_name:
            self._fresh(check_mtime)
        return self._by_name.get(name)

    def by_hashed(self, hashed: str, check_mtime: bool = False) -> Asset | None:
        if check_mtime or not self._by_name:
            self._fresh(check_mtime)
        return self._by_hashed.get(hashed)


def _manifest() -> Manifest:
    return current_app.extensions["hocba_assets"]


def asset_url(name: str) -> str:
    """The hashed URL of a static file the pages use."""
    asset = _manifest().get(name, check_mtime=current_app.debug)
    if asset is None:
        return url_for("static", filename=name)
    return url_for("assets.file", hashed=asset.hashed)


def _send(asset: Asset, cache: str) -> Response:
    accepted = request.headers.get("Accept-Encoding", "")
    body, encoding = asset.raw, None
    if asset.br is not None and "br" in accepted:
        body, encoding = asset.br, "br"
    elif asset.gz is not None and "gzip" in accepted:
        body, encoding = asset.gz, "gzip"
    resp = Response(body, mimetype=None, content_type=asset.mimetype)
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    if asset.gz is not None:
        resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = cache
    resp.set_etag(asset.digest)
    return resp.make_conditional(request)


@bp.get("/s/<hashed>")
def file(hashed):
    manifest = _manifest()
    asset = manifest.by_hashed(hashed, check_mtime=current_app.debug)
    if asset is not None:
        return _send(asset, f"public, max-age={YEAR}, immutable")
    # An old name (a page cached across a release): the current file, but not cached for long.
    stem, _, ext = hashed.rpartition(".")
    name = f"{stem.rpartition('.')[0]}.{ext}" if "." in stem else ""
    asset = manifest.get(name) if name in SERVED else None
    if asset is None:
        abort(404)
    return _send(asset, "no-cache")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every page, logged in or not: answer, never a login redirect."""
    asset = _manifest().get("favicon.ico")
    if asset is None:
        abort(404)
    return _send(asset, "public, max-age=604800")


def init_app(app) -> None:
    app.extensions["hocba_assets"] = Manifest(Path(app.static_folder))
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)
