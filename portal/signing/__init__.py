"""PDF/XML signing and verification; keys come in as arguments, never from the app context."""

import logging

# pyHanko logs every failed validation with a traceback at WARNING; the portal reports the outcome itself.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
