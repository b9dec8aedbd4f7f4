"""XAdES-BES enveloped signatures on the package XML, with endesive's xades module (works here)."""
import io

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from endesive.xades import BES
from lxml import etree


def sign(xml: bytes, key, cert) -> bytes:
    """Sign the whole document with the school's seal key; the certificate goes in KeyInfo."""
    def signproc(data: bytes, algorithm: str) -> bytes:
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    tree = BES().enveloped(xml, cert, cert.public_bytes(serialization.Encoding.DER), signproc, None, None)
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True, standalone=False)


def validate_schema(xml: bytes, xsd_path) -> list[str]:
    """Problems against the XSD (empty when valid)."""
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    doc = etree.parse(io.BytesIO(xml))
    if schema.validate(doc):
        return []
    return [f"dòng {e.line}: {e.message}" for e in schema.error_log]
