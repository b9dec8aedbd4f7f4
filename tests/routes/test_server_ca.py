"""/chung-chi-may-chu: a LAN-only school's phones install Caddy's internal CA from a public page by QR;
only a CA certificate is ever served from the configured file."""
import datetime as dt
import hashlib
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.services.system.server_ca import download_url


def _cert(is_ca: bool) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Caddy Local Authority - 2026 ECC Root")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(dt.datetime(2036, 1, 2, tzinfo=dt.timezone.utc))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture
def ca_file(app, tmp_path):
    pem, _ = _cert(is_ca=True)
    path = tmp_path / "root.crt"
    path.write_bytes(pem)
    app.config.update(SERVER_CA_FILE=str(path), PUBLIC_BASE_URL="https://hocba.truong.lan")
    return path


def test_page_is_public_and_shows_qr_link_and_fingerprint(client, ca_file):
    der = ssl.PEM_cert_to_DER_cert(ca_file.read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    resp = client.get("/chung-chi-may-chu/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert ":".join(digest[i:i + 2] for i in range(0, 64, 2)) in html
    assert "http://hocba.truong.lan/chung-chi-may-chu/hocba-may-chu-ca.crt" in html
    assert 'src="data:image/svg+xml' in html and "Caddy Local Authority - 2026 ECC Root" in html
    assert "02/01/2036" in html


def test_certificate_download_is_the_der_ca_for_phones(client, ca_file):
    resp = client.get("/chung-chi-may-chu/hocba-may-chu-ca.crt")
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-x509-ca-cert"
    assert resp.data == ssl.PEM_cert_to_DER_cert(ca_file.read_text())
    assert 'filename="hocba-may-chu-ca.crt"' in resp.headers["Content-Disposition"]


def test_without_a_configured_ca_nothing_to_install(client, app):
    app.config["SERVER_CA_FILE"] = ""
    resp = client.get("/chung-chi-may-chu/")
    assert resp.status_code == 200 and "không cần cài thêm gì" in resp.get_data(as_text=True)
    assert client.get("/chung-chi-may-chu/hocba-may-chu-ca.crt").status_code == 404


@pytest.mark.parametrize("content, expected", [
    ("key", "chứa khóa bí mật"),
    ("leaf", "không phải là chứng chỉ gốc"),
    ("junk", "không phải là chứng chỉ X.509"),
    ("missing", "Không đọc được tệp"),
], ids=["private-key", "not-a-ca", "not-a-certificate", "missing-file"])
def test_wrong_file_is_never_served_and_the_page_says_why(client, app, tmp_path, content, expected):
    pem, key = _cert(is_ca=content != "leaf")
    path = tmp_path / "root.crt"
    if content != "missing":
        path.write_bytes({"key": pem + key, "leaf": pem, "junk": b"not a certificate"}[content])
    app.config["SERVER_CA_FILE"] = str(path)
    resp = client.get("/chung-chi-may-chu/")
    assert resp.status_code == 503 and expected in resp.get_data(as_text=True)
    download = client.get("/chung-chi-may-chu/hocba-may-chu-ca.crt")
    assert download.status_code == 404 and b"PRIVATE KEY" not in download.data


@pytest.mark.parametrize("public, expected", [
    ("https://hocba.truong.lan", "http://hocba.truong.lan/x.crt"),
    ("https://hocba.truong.lan:8443", "http://hocba.truong.lan/x.crt"),
    ("https://[fd00::10]", "http://[fd00::10]/x.crt"),
    ("http://192.168.1.10:8080", "http://192.168.1.10:8080/x.crt"),
], ids=["https", "https-other-port", "ipv6", "plain-http"])
def test_phone_fetches_the_ca_over_plain_http_on_the_usual_port(public, expected):
    assert download_url(public, "/x.crt") == expected
