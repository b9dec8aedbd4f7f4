"""Vietnamese ordering with ICU's collation for `vi` (ă after a, đ after d, tones as accents)."""
import unicodedata

import icu

from portal.models import split_name

_collator = icu.Collator.createInstance(icu.Locale("vi_VN"))


def text_key(text: str) -> bytes:
    return _collator.getSortKey(unicodedata.normalize("NFC", text or ""))


def name_key(full_name: str) -> tuple[bytes, bytes]:
    """Class-list order: by given name, then the rest of the name as written."""
    given, rest = split_name(full_name or "")
    return text_key(given), text_key(rest)


def sort_people(items, name=lambda x: x.full_name):
    return sorted(items, key=lambda x: name_key(name(x)))
