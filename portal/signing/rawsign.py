"""A raw signature with a key object already parsed: what pyHanko's signer and certomancer's backend would
otherwise re-parse from DER (with RSA's full consistency check, ≈ 30 ms) for every signature."""
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def sign_with_key(key, algorithm: str, data: bytes, digest) -> bytes | None:
    """RSA PKCS#1 v1.5 or ECDSA (`algorithm` as asn1crypto names them) with `digest` (a cryptography hash);
    None for any other mechanism or key, which the caller's library then signs."""
    if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), digest)
    if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(digest))
    return None
