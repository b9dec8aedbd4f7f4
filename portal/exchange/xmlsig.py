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


XADES_ID = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"


def verify_with_xmlsec(xml: bytes, trusted_pems: list, untrusted_pem: bytes = b"") -> bool:
    """Check an XAdES signature with the independent xmlsec1 tool against the trust anchors."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "doc.xml"
        doc.write_bytes(xml)
        cmd = ["xmlsec1", "--verify", "--id-attr:Id", XADES_ID]
        for i, pem in enumerate(trusted_pems):
            path = Path(tmp) / f"trusted{i}.pem"
            path.write_bytes(pem)
            cmd += ["--trusted-pem", str(path)]
        if untrusted_pem:
            (Path(tmp) / "chain.pem").write_bytes(untrusted_pem)
            cmd += ["--untrusted-pem", str(Path(tmp) / "chain.pem")]
        try:
            return subprocess.run(cmd + [str(doc)], capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False


def without_signature(xml: bytes) -> bytes:
    """The document with its ds:Signature removed, re-serialised for comparison."""
    root = etree.fromstring(xml)
    for sig in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(sig)
    return etree.tostring(root, encoding="UTF-8")
