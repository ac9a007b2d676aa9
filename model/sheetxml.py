"""The cell values of one worksheet, read straight from its XML by Python's C parser.

openpyxl opens the workbook (sheet names, shared strings, styles: small parts, parsed safely by
``defusedxml``), and this module reads the worksheets' cells. openpyxl's own sheet reader goes
through ``defusedxml``'s pure-Python XML parser and builds a dict per cell; here the C parser
(``xml.etree.ElementTree.iterparse``) builds the elements and one loop turns each row into a
tuple of values: 3x faster on the 100,000-row OR-Library workbooks, 2x on the L network
(docs/performance.md).

Values are those of openpyxl's ``iter_rows(values_only=True)`` in its data-only mode (numbers as
int or float, shared and inline strings, booleans, error codes as text, dates for date-formatted
numbers), with one addition the contract needs: a formula whose value was never calculated and
saved is ``NO_CACHED_VALUE``, not None, so that it can be reported at its cell.

Safety: entity definitions (the "XML bomb") can only appear in a document type declaration,
which XML allows only before the root element; ``refuse_doctype`` reads that prolog with expat
and refuses any declaration before the cells are parsed.
"""

from __future__ import annotations

import io
import pyexpat
import xml.etree.ElementTree as ET
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _V, _F, _IS, _SI, _T, _R = (f"{_NS}{tag}" for tag in ("row", "v", "f", "is", "si", "t", "r"))
_DIGITS = "0123456789"


class _NoCachedValue:
    """Marks a formula cell whose value was never computed and saved by a spreadsheet app."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<formula without saved value>"


NO_CACHED_VALUE = _NoCachedValue()


class UnsafeXmlError(ValueError):
    """The part declares a document type (where entity definitions, e.g. XML bombs, live)."""


class _RootReachedError(Exception):
    pass


def refuse_doctype(stream: IO[bytes]) -> None:
    """Raise ``UnsafeXmlError`` if the XML in ``stream`` has a document type declaration.

    Reads only the prolog: parsing stops at the root element's start tag, after which XML
    allows no declaration.
    """
    parser = pyexpat.ParserCreate()

    def doctype(*_: Any) -> None:
        raise UnsafeXmlError("the XML declares a document type (entity definitions are refused)")

    def root(*_: Any) -> None:
        raise _RootReachedError

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := stream.read(1 << 14):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RootReachedError:
        return


class _Reader(ExcelReader):
    """openpyxl's workbook reader, with the shared strings read by the C parser (``shared_strings``)."""

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            with self.archive.open(content_type.PartName[1:]) as src:
                self.shared_strings = shared_strings(src)


def open_workbook(path: Any) -> Any:
    """``openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)``, with the
    shared strings read by the C parser: openpyxl reads them through defusedxml's pure-Python
    parser and builds an object per string."""
    reader = _Reader(path, read_only=True, keep_vba=False, data_only=True, keep_links=False)
    reader.read()
    return reader.wb


def shared_strings(src: IO[bytes]) -> list[str]:
    """The shared-string table as openpyxl reads it (text of each ``<si>``; ``x005F_`` removed)."""
    data = src.read()
    refuse_doctype(io.BytesIO(data))
    out = []
    for _, element in ET.iterparse(io.BytesIO(data), events=("end",)):
        if element.tag == _SI:
            out.append(_text_of(element).replace("x005F_", ""))
            element.clear()
    return out


def _inline_text(cell: ET.Element) -> str | None:
    """Text of an inline string (see ``_text_of``)."""
    node = cell.find(_IS)
    return None if node is None else _text_of(node)


def _text_of(node: ET.Element) -> str:
    """Text of a string item: plain ``<t>``, or rich-text runs ``<r><t>``; phonetic runs skipped."""
    parts = []
    for child in node:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.append(child.findtext(_T) or "")
    return "".join(parts)


def read_rows(ws: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) for every row from 1 to the last row with cells, of a read-only sheet.

    Rows missing from the file come back empty, as openpyxl returns them; each row's tuple runs
    to its last cell.
    """
    book = ws.parent
    with ws._get_source() as src:
        refuse_doctype(src)
    with ws._get_source() as src:
        return _rows(src, ws._shared_strings, book._date_formats, book._timedelta_formats, book.epoch)


def _rows(
    src: IO[bytes], shared: list[str], date_styles: set[int], timedelta_styles: set[int], epoch: Any
) -> list[tuple[int, tuple[Any, ...]]]:
    out: list[tuple[int, tuple[Any, ...]]] = []
    columns: dict[str, int] = {}
    number = 0  # the row number of the previous row
    for _, element in ET.iterparse(src, events=("end",)):
        if element.tag != _ROW:
            continue
        r = element.get("r")
        index = _row_number(r) if r else number + 1
        if index <= number:  # a repeated or out-of-order row: openpyxl skips it too
            element.clear()
            continue
        out.extend((k, ()) for k in range(number + 1, index))
        number = index
        cells: list[tuple[int, Any]] = []
        col = 0
        for cell in element:
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                col = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
            else:
                col += 1
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                cells.append((col, _inline_text(cell)))
                continue
            text = cell.findtext(_V) or None
            if text is None:
                cells.append((col, NO_CACHED_VALUE if cell.find(_F) is not None else None))
                continue
            if kind == "n":
                value: Any = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                style = cell.get("s")
                if style and int(style) in date_styles:
                    try:
                        value = from_excel(value, epoch, timedelta=int(style) in timedelta_styles)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"  # a date outside the calendar: openpyxl's error value
            elif kind == "s":
                value = shared[int(text)]
            elif kind == "b":
                value = bool(int(text))
            elif kind == "d":
                value = from_ISO8601(text)
            else:  # "str" (a formula's text result), "e" (an error code such as #N/A)
                value = text
            cells.append((col, value))
        element.clear()
        if cells:
            values: list[Any] = [None] * max(c for c, _ in cells)
            for c, v in cells:
                values[c - 1] = v
            out.append((index, tuple(values)))
        else:
            out.append((index, ()))
    return out


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(value)
