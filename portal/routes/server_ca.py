"""The public page where a teacher installs the server's own CA on a phone (LAN-only schools)."""
from flask import Blueprint, abort, current_app, url_for

from portal.htmx import render
from portal.services import ServiceError
from portal.services.system import server_ca

from .files import download

bp = Blueprint("server_ca", __name__, url_prefix="/chung-chi-may-chu")


@bp.get("/")
def page():
    try:
        ca = server_ca.load()
    except ServiceError as err:
        return render("server_ca/page.html", ca=None, error=err.message, status=503)
    if ca is None:
        return render("server_ca/page.html", ca=None, error=None)
    url = server_ca.download_url(current_app.config["PUBLIC_BASE_URL"], url_for("server_ca.certificate"))
    return render("server_ca/page.html", ca=ca, error=None, url=url, qr=server_ca.qr_data_uri(url),
                  download_name=server_ca.DOWNLOAD_NAME)


@bp.get("/" + server_ca.DOWNLOAD_NAME)
def certificate():
    try:
        ca = server_ca.load()
    except ServiceError:
        ca = None
    if ca is None:
        abort(404)
    # DER with this type: Android and iOS both offer to install it as a CA certificate.
    return download(ca.der, server_ca.DOWNLOAD_NAME, mimetype="application/x-x509-ca-cert")
