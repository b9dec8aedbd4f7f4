"""The stamp's font embedded once per set of glyphs, not cut again for every signature.

pyHanko's GlyphAccumulator subsets and re-serialises the font program (fontTools) for each signature
appearance: ≈ 25 ms per stamp, two per principal's step (the stamp and the date line), about a third of a
bare signature. The stamps of one signer differ only in the digits of the signing time, so here every
stamp also carries the ten digits, its glyph set is the same record after record, and the font program
made for the first is embedded again as is (the same bytes, in each PDF's own stream object).

The font is TrueType (static/fonts/NotoSerif-Stamp.ttf): its glyph ids are kept by the subset (pyHanko
does so for CIDFontType2), so the program of one glyph set serves every text drawn with those glyphs.
"""
from __future__ import annotations

import threading

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, GlyphAccumulatorFactory

ALWAYS = "0123456789"  # the signing time's digits: in every stamp, so the glyph set does not vary with it
_MAX_PROGRAMS = 64

_programs: dict[tuple, tuple[generic.DictionaryObject, bytes]] = {}
_lock = threading.Lock()


def _font_file(font: CIDFontType2, writer, stream_dict: generic.DictionaryObject, encoded: bytes):
    """Embed a font program already made (CIDFontType2.set_font_file, without making it)."""
    stream = generic.StreamObject(generic.DictionaryObject(dict(stream_dict)), encoded_data=encoded)
    ref = writer.add_object(stream)
    font._font_descriptor[generic.NameObject("/FontFile2")] = ref
    return ref


class KeptSubsetAccumulator(GlyphAccumulator):
    def __init__(self, *args, font_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._font_key = font_key

    def prepare_write(self):
        if self._write_prepared or not isinstance(self.cidfont_obj, CIDFontType2):
            return super().prepare_write()
        self.shape(ALWAYS)
        key = (self._font_key, frozenset(self._glyphs))
        with _lock:
            made = _programs.get(key)
        if made is None:
            super().prepare_write()
            stream = self.cidfont_obj._font_descriptor["/FontFile2"].get_object()
            entries = generic.DictionaryObject({k: v for k, v in stream.items() if k in ("/Filter", "/Length1")})
            with _lock:
                if len(_programs) >= _MAX_PROGRAMS:
                    _programs.clear()
                _programs[key] = (entries, stream.encoded_data)
            return None
        entries, encoded = made
        font = self.cidfont_obj
        font.set_font_file = lambda writer: _font_file(font, writer, entries, encoded)
        self._subset_created = True  # the subset exists already: only its widths and ToUnicode are written
        return super().prepare_write()


class KeptSubsetFactory(GlyphAccumulatorFactory):
    """GlyphAccumulatorFactory whose accumulators reuse the font program made for the same glyphs."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return KeptSubsetAccumulator(
            writer=writer, font_handle=open(self.font_file, "rb"), font_size=self.font_size,  # noqa: SIM115
            ot_script_tag=self.ot_script_tag, ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction, bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream, font_key=f"{self.font_file}:{self.font_size}")
