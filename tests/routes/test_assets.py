"""Static files under content-hashed names: cached a year, compressed, and an old name still works."""
import gzip
import re


def asset_urls(client):
    page = client.get("/login").get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/s/[^"]+)"', page)


def test_pages_reference_hashed_files_served_compressed_and_immutable(client):
    urls = asset_urls(client)
    assert {u.rsplit(".", 2)[0] for u in urls} == {"/s/app", "/s/htmx.min", "/s/favicon"}
    for url in urls:
        resp = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        if url.endswith((".css", ".js")):
            assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
            plain = client.get(url).data  # no Accept-Encoding: the file as it is
            assert gzip.decompress(resp.data) == plain
        again = client.get(url, headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304


def test_an_old_name_gets_the_current_file_uncached_and_junk_is_404(client):
    css = next(u for u in asset_urls(client) if u.endswith(".css"))
    old = client.get("/s/app.0000000000.css")
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    assert old.data == client.get(css).data
    assert client.get("/s/nothing.0000000000.js").status_code == 404
    assert client.get("/s/config.py").status_code == 404  # only the files the pages use are served here


def test_favicon_needs_no_login(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
