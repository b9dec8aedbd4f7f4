"""The ONE place that reads HX-* headers: page or partial, and how to redirect.

htmx 4 sends `HX-Request-Type: partial` when it will swap a fragment and `full` when the target is the
body (boosted links and forms). A history restore always needs the whole page.
"""
from flask import redirect, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_partial() -> bool:
    return (
        is_htmx()
        and request.headers.get("HX-Request-Type") == "partial"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """Render `partial` for an htmx fragment request, else the full `page`."""
    template = partial if (partial and wants_partial()) else page
    return render_template(template, **context), status


def redirect_to(url: str):
    """After a successful POST: htmx follows HX-Location without a page reload; plain forms get a 303."""
    if is_htmx():
        return "", 204, {"HX-Location": url}
    return redirect(url, code=303)
