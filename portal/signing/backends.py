"""Signer backends behind one interface: where the private key lives differs, the signature does not.

(a) PKCS#12 held by the portal, the key encrypted under the signer's passphrase;
(b) a PKCS#11 token or HSM (the USB tokens schools use), unlocked with its PIN;
(c) a remote signing service: the hash goes out, the signer confirms on their phone, the signature
    comes back (see remote.py).
Keys and secrets come in as arguments; nothing here reads the app's configuration.
"""
from pyhanko.sign import signers

from . import certs
from .pdf import simple_signer, to_asn1


class SignerBackend:
    """Makes a pyHanko Signer once the person has given their secret (passphrase or PIN)."""

    def signer(self, secret: str) -> signers.Signer:
        raise NotImplementedError

    def close(self) -> None:
        """Release whatever the signer held (a token session)."""


class Pkcs12Backend(SignerBackend):
    def __init__(self, key_pem_encrypted: str, cert, chain):
        self.key_pem_encrypted, self.cert, self.chain = key_pem_encrypted, cert, chain

    def signer(self, secret: str) -> signers.Signer:
        key = certs.decrypt_key(self.key_pem_encrypted, secret)
        return simple_signer(key, self.cert, self.chain)


class Pkcs11Backend(SignerBackend):
    def __init__(self, lib: str, token_label: str, key_label: str, cert, chain):
        self.lib, self.token_label, self.key_label, self.cert, self.chain = lib, token_label, key_label, cert, chain
        self.session = None

    def signer(self, secret: str) -> signers.Signer:
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            self.session = open_pkcs11_session(self.lib, token_criteria=TokenCriteria(label=self.token_label),
                                               user_pin=secret)
        except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.PinInvalid):
            raise certs.CertificateProblem("Mã PIN của USB token không đúng.") from None
        except Exception:
            raise certs.CertificateProblem("Không mở được USB token (kiểm tra token đã cắm và nhãn token).") from None
        return PKCS11Signer(self.session, key_label=self.key_label, signing_cert=to_asn1(self.cert),
                            other_certs_to_pull=None, bulk_fetch=False,
                            ca_chain=[to_asn1(c) for c in self.chain])

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


class RemoteBackend(SignerBackend):
    def __init__(self, client, account: str, cert, chain):
        self.client, self.account, self.cert, self.chain = client, account, cert, chain

    def signer(self, secret: str) -> signers.Signer:
        from .remote import RemoteSigner
        return RemoteSigner(self.client, self.account, self.cert, self.chain)
