"""Base model and small shared field helpers."""
import datetime as dt
import unicodedata

from peewee import CharField, Model, TextField

from portal.db import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def nfc(value):
    """Every stored string is NFC: decomposed input would break search and comparison."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


class NFCCharField(CharField):
    def db_value(self, value):
        return super().db_value(nfc(value))


class NFCTextField(TextField):
    def db_value(self, value):
        return super().db_value(nfc(value))


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
