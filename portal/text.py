"""What stored text may contain: NFC, line breaks as "\\n", no control or invisible characters.

Text arrives from forms, spreadsheets, other schools' files and pasted Word documents. Word's soft line
break pastes as U+000B, a NUL can ride along, and zero-width spaces hide in copied names; none of them can
be printed on a học bạ, several cannot even be written to XML ("All strings must be XML compatible"), and
a reason made only of an invisible character would look given when it is empty. Everything stored is
cleaned here, once, the same way (models/base.py applies it to every text column; services apply it
before they validate, so "required" means visibly present).

Pure: imports nothing from the portal, so the XML mapping and the models can share it.
"""
import re
import unicodedata

# Line separators other than "\n": Word's soft break (VT), form feed, NEL, and the Unicode line and
# paragraph separators. They mean "new line", so they become one.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Removed: C0 controls but tab and newline, DEL, C1 controls, zero-width space/joiners, word joiner,
# BOM / zero-width no-break space, bidirectional overrides and isolates (they can make a name read
# differently from what is stored), lone surrogates and the non-characters XML refuses.
_REMOVED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
                      "\ufeff\ufffe\uffff\ud800-\udfff]")


def clean_text(value, multiline: bool = True):
    """NFC; CRLF, CR and other line separators → "\\n" (→ a space when not multiline); tab → space;
    control and zero-width characters removed. Non-strings pass through unchanged."""
    if not isinstance(value, str):
        return value
    text = _REMOVED.sub("", _LINE_BREAKS.sub("\n", value))
    text = text.replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    return unicodedata.normalize("NFC", text)


def clean_line(value):
    """One line of text (a name, a code, a place), cleaned, trimmed, inner runs of spaces kept as typed."""
    text = clean_text(value, multiline=False)
    return text.strip() if isinstance(text, str) else text


def clean_words(value):
    """A name: cleaned, with every run of whitespace made one space."""
    text = clean_text(value, multiline=False)
    return " ".join(text.split()) if isinstance(text, str) else text
