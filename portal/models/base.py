"""Base model and small shared field helpers."""
import datetime as dt
import unicodedata

from peewee import CharField, Model, TextField

from portal.db import db
from portal.text import clean_text


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def nfc(value):
    """Every stored string is NFC: decomposed input would break search and comparison."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


# The audit trail stores exactly the text its hash chain was computed over: rewriting it here would
# make an honest entry look tampered with. What it records is cleaned by the services beforehand.
VERBATIM_MODELS = frozenset({"AuditEntry"})


class _CleanText:
    """Text columns store clean text (portal/text.py): NFC, no control or zero-width characters."""

    multiline = True

    def __init__(self, *args, verbatim: bool = False, **kwargs):
        # verbatim: a signed or hashed artefact (the frozen record JSON) is stored byte for byte, NFC only.
        self.verbatim = verbatim
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if self.verbatim or getattr(self.model, "__name__", "") in VERBATIM_MODELS:
            return super().db_value(nfc(value))
        return super().db_value(clean_text(value, self.multiline))


class NFCCharField(_CleanText, CharField):
    """One line: a line break typed or pasted into it becomes a space."""

    multiline = False


class NFCTextField(_CleanText, TextField):
    pass


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def by_id(cls, row_id):
        """The row with this id, or None; no id (a blank form field) reads nothing."""
        if row_id is None:
            return None
        prepared = cls.__dict__.get("_by_id")
        if prepared is None:  # one per model class, its SQL written once (portal/models/prepared.py)
            from .prepared import Prepared
            prepared = Prepared(lambda i: cls.select().where(cls.id == i).limit(1))
            setattr(cls, "_by_id", prepared)
        return prepared.first(row_id)
