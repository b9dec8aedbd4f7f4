"""Measuring an untrusted .xlsx before openpyxl loads it.

openpyxl builds a whole row before it yields it, pads every row to the width the sheet declares, and
(when a sheet declares no dimension) walks the sheet once more while loading. A 182 KB file holding one
row of two million cells then costs seconds and more than a gigabyte. So every worksheet is streamed
first, element by element, and the scan stops as soon as a row, column or cell count passes its cap; the
declared <dimension> is never trusted.
"""
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

SHEET_TYPE = "/worksheet"
_COLUMN = re.compile(r"^([A-Za-z]{1,3})")


class TooLarge(Exception):
    """The sheet passes a cap; `message` is for the user (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Malformed(Exception):
    """Not a workbook this reader will open."""


@dataclass
class Caps:
    rows: int  # data rows, the header not counted
    columns: int
    cells: int  # over every worksheet of the file


@dataclass
class Measure:
    rows: int = 0  # rows holding at least one value, in the first sheet
    columns: int = 0  # the widest column holding a value, in the first sheet


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parser_source(zf: zipfile.ZipFile, name: str):
    with zf.open(name) as fh:
        head = fh.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:  # never in a real workbook; entity tricks are
        raise Malformed(name)
    return zf.open(name)


def _small_tree(zf: zipfile.ZipFile, name: str):
    with _parser_source(zf, name) as fh:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            return etree.parse(fh, parser).getroot()
        except etree.XMLSyntaxError:
            raise Malformed(name) from None


def _relations(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(id, type, part name) of every part the workbook refers to."""
    out = []
    for rel in _small_tree(zf, "xl/_rels/workbook.xml.rels"):
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((rel.get("Id"), rel.get("Type") or "", path))
    return out


def worksheet_parts(zf: zipfile.ZipFile, relations) -> list[str]:
    """The worksheets in workbook order (the first is the one imported), from workbook.xml and its rels."""
    names = set(zf.namelist())
    targets = {rid: path for rid, kind, path in relations if kind.endswith(SHEET_TYPE)}
    parts = []
    for el in _small_tree(zf, "xl/workbook.xml").iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                parts.append(targets.pop(rid))
    parts += targets.values()  # a worksheet the workbook does not list is still loaded: measure it too
    if not parts or any(p not in names for p in parts):
        raise Malformed("worksheets")
    return parts


def _count_strings(zf: zipfile.ZipFile, name: str, caps: Caps) -> None:
    """openpyxl loads every shared string at once: as many as the cells allowed, no more."""
    count = 0
    with _parser_source(zf, name) as fh:
        try:
            for _, el in etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True,
                                         huge_tree=False):
                if _local(el.tag) == "si":
                    count += 1
                    if count > caps.cells:
                        raise TooLarge(f"Tệp có quá nhiều ô dữ liệu (tối đa {caps.cells:,} ô).".replace(",", ".")
                                       + " Vui lòng chia nhỏ tệp hoặc xóa các dòng, cột thừa.")
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
        except etree.XMLSyntaxError:
            raise Malformed(name) from None


def _column_of(ref: str | None, previous: int) -> int:
    if not ref:
        return previous + 1  # the reference is optional: the cell follows the previous one
    m = _COLUMN.match(ref)
    if m is None:
        raise Malformed(ref)
    n = 0
    for ch in m.group(1).upper():
        n = n * 26 + ord(ch) - 64
    return n


def _scan(zf: zipfile.ZipFile, name: str, caps: Caps, budget: list[int], first: bool) -> Measure:
    """Stream one worksheet; raise TooLarge as soon as a cap is passed. `budget` holds the cells left."""
    measure = Measure()
    too_wide = TooLarge(f"Tệp có quá nhiều cột (tối đa {caps.columns} cột). Vui lòng dùng tệp mẫu và xóa các cột thừa.")
    too_many = TooLarge(f"Tệp có quá nhiều ô dữ liệu (tối đa {caps.cells:,} ô).".replace(",", ".")
                        + " Vui lòng chia nhỏ tệp hoặc xóa các dòng, cột thừa.")
    too_long = TooLarge(f"Tệp có quá nhiều dòng (tối đa {caps.rows} dòng dữ liệu).")
    seen = 0
    column, has_value = 0, False
    with _parser_source(zf, name) as fh:
        events = etree.iterparse(fh, events=("start", "end"), resolve_entities=False, no_network=True,
                                 huge_tree=False, remove_comments=True)
        try:
            for event, el in events:
                seen += 1
                if seen > 8 * caps.cells + 1000:  # parse events: junk elements cost time too
                    raise too_many
                tag = _local(el.tag)
                if event == "start":
                    if tag == "row":
                        column, has_value = 0, False
                    elif tag == "c":
                        budget[0] -= 1
                        if budget[0] < 0:
                            raise too_many
                        column = _column_of(el.get("r"), column)
                    continue
                if tag in ("v", "is", "t", "f"):
                    continue  # read by the cell's end, below
                if tag == "c" and any(_local(ch.tag) in ("v", "is") for ch in el):
                    # An empty cell that only carries a style may sit anywhere (it counts as a cell only).
                    if column > caps.columns:
                        raise too_wide
                    has_value = True
                    measure.columns = max(measure.columns, column)
                elif tag == "row" and has_value:
                    measure.rows += 1
                    if first and measure.rows > caps.rows + 1:  # + the header
                        raise too_long
                if tag in ("worksheet", "sheetData"):
                    continue
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError:
            raise Malformed(name) from None
    return measure


def measure(zf: zipfile.ZipFile, caps: Caps) -> Measure:
    """The first sheet's size, after checking every worksheet against the caps (TooLarge, Malformed)."""
    if "xl/workbook.xml" not in zf.namelist() or "xl/_rels/workbook.xml.rels" not in zf.namelist():
        raise Malformed("xl/workbook.xml")
    relations = _relations(zf)
    for _, kind, path in relations:
        if kind.endswith("/sharedStrings") and path in zf.namelist():
            _count_strings(zf, path, caps)
    budget = [caps.cells]
    out = Measure()
    for i, part in enumerate(worksheet_parts(zf, relations)):
        m = _scan(zf, part, caps, budget, first=i == 0)
        if i == 0:
            out = m
    return out
