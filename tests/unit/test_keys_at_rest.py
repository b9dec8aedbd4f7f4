"""Stored signing keys: scrypt (N=2^17, r=8, p=1) + AES-256-GCM; keys stored under the old PBKDF2 wrapping
are still read and re-wrapped once their owner unlocks them."""
import base64
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from portal.db import db
from portal.models import AuditEntry, Certificate
from portal.services.exchange.packaging import seal_key
from portal.services.school import certificates
from portal.signing import certs
from tests.signing_helpers import PASS, user

KEY = ec.generate_private_key(ec.SECP256R1())


def blob_of(pem: str) -> bytes:
    body = pem.split("-----", 2)[2].rsplit("-----END", 1)[0]
    return base64.b64decode("".join(body.split()))


def legacy_pem(key, passphrase: str) -> str:
    """What the portal stored before: PKCS#8 PEM under OpenSSL's PBKDF2 (2,048 iterations)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase.encode())).decode()


def same_key(a, b) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_key().public_bytes(*fmt) == b.public_key().public_bytes(*fmt)


def test_new_keys_are_sealed_with_scrypt_of_todays_strength_and_unlock():
    pem = certs.encrypt_key(KEY, "mật khẩu dài 2026")
    assert pem.startswith("-----BEGIN HOCBA ENCRYPTED PRIVATE KEY-----")
    blob = blob_of(pem)
    assert blob[:4] == b"HBK1" and tuple(blob[4:7]) == (17, 8, 1)  # log2 N, r, p
    assert not certs.needs_rewrap(pem)
    started = time.perf_counter()
    assert same_key(certs.decrypt_key(pem, "mật khẩu dài 2026"), KEY)
    assert time.perf_counter() - started > 0.05  # a real memory-hard derivation, not a fast hash


@pytest.mark.parametrize("damage", ["passphrase", "ciphertext", "parameters"])
def test_wrong_passphrase_or_altered_key_is_refused_with_a_message(damage):
    pem = certs.encrypt_key(KEY, "dung-roi-2026")
    blob = bytearray(blob_of(pem))
    if damage == "ciphertext":
        blob[-5] ^= 1
    elif damage == "parameters":
        blob[4] = 16  # a weaker N than sealed: authenticated header, so it cannot be downgraded
    altered = ("-----BEGIN HOCBA ENCRYPTED PRIVATE KEY-----\n" + base64.b64encode(bytes(blob)).decode()
               + "\n-----END HOCBA ENCRYPTED PRIVATE KEY-----\n")
    with pytest.raises(certs.CertificateProblem, match="passphrase"):
        certs.decrypt_key(altered, "sai-roi" if damage == "passphrase" else "dung-roi-2026")


def test_absurd_parameters_are_refused_before_any_derivation():
    blob = bytearray(blob_of(certs.encrypt_key(KEY, "x")))
    blob[4] = 40  # 2^40: would exhaust the machine
    pem = ("-----BEGIN HOCBA ENCRYPTED PRIVATE KEY-----\n" + base64.b64encode(bytes(blob)).decode()
           + "\n-----END HOCBA ENCRYPTED PRIVATE KEY-----\n")
    started = time.perf_counter()
    with pytest.raises(certs.CertificateProblem, match="định dạng không hỗ trợ"):
        certs.decrypt_key(pem, "x")
    assert time.perf_counter() - started < 0.05


def test_old_pbkdf2_keys_are_still_read_and_flagged_for_rewrapping():
    old = legacy_pem(KEY, "cu-2025")
    assert certs.needs_rewrap(old)
    assert same_key(certs.decrypt_key(old, "cu-2025"), KEY)
    with pytest.raises(certs.CertificateProblem, match="không đúng"):
        certs.decrypt_key(old, "sai")


def store_legacy(row: Certificate) -> str:
    key = certs.decrypt_key(row.key_pem_encrypted, PASS)
    old = legacy_pem(key, PASS)
    Certificate.update(key_pem_encrypted=old).where(Certificate.id == row.id).execute()
    return old


def test_unlocking_an_old_key_rewraps_it_once_with_the_same_passphrase(demo_app):
    with demo_app.app_context(), db.connection_context():
        row = certificates.active(user("gvcn.1a"), "personal")
        store_legacy(row)
        row = Certificate.get_by_id(row.id)
        assert certificates.rewrap_if_needed(row, PASS) is True
        stored = Certificate.get_by_id(row.id).key_pem_encrypted
        assert stored.startswith("-----BEGIN HOCBA ENCRYPTED PRIVATE KEY-----") and not certs.needs_rewrap(stored)
        assert certs.decrypt_key(stored, PASS) is not None
        assert certificates.rewrap_if_needed(Certificate.get_by_id(row.id), PASS) is False
        assert AuditEntry.select().where(AuditEntry.action == "certificate.key_rewrapped").count() == 1


def test_the_seal_key_is_rewrapped_when_the_clerk_unlocks_it(demo_app):
    with demo_app.app_context(), db.connection_context():
        clerk = user("vanthu")
        row = certificates.active(clerk, "organisation")
        store_legacy(row)
        key, cert = seal_key(clerk, PASS)
        assert key is not None
        assert not certs.needs_rewrap(Certificate.get_by_id(row.id).key_pem_encrypted)
