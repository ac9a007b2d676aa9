"""The cell values of an .xlsx workbook, read from its XML parts (the file format, ECMA-376).

An .xlsx file is a zip archive of XML parts: ``xl/workbook.xml`` lists the sheets (names in
order, and the relationship that names each sheet's part), ``xl/sharedStrings.xml`` holds the
text of shared-string cells, ``xl/styles.xml`` the number formats that make a number a date, and
each worksheet part its cells. This module reads those parts with ``zipfile`` and Python's C XML
parser (``xml.etree.ElementTree``), one loop per row turning cells into a tuple of values.
openpyxl is used only through its public helpers for what Excel's format leaves to convention
(built-in number formats, which formats are dates, serial numbers to dates), so the values are
those of openpyxl's ``load_workbook(read_only=True, data_only=True)`` and
``iter_rows(values_only=True)``: numbers as int or float, shared and inline strings, booleans,
error codes as text, dates for date-formatted numbers. ``tests/test_sheetxml.py`` compares the
two on the project's workbooks, hand-written XML and random grids from both writers. openpyxl's
own reader goes through ``defusedxml``'s pure-Python parser and builds an object per cell; this
one is about 2.3x faster, on the L network and on 100,000-row workbooks (docs/performance.md).

One addition the contract needs: a formula whose value was never calculated and saved is
``NO_CACHED_VALUE``, not None, so that it can be reported at its cell.

Safety: entity definitions (the "XML bomb") can only appear in a document type declaration,
which XML allows only before the root element; ``refuse_doctype`` reads that prolog with expat
and refuses any declaration before a part is parsed, for every part this module reads.
"""

from __future__ import annotations

import io
import posixpath
import pyexpat
import xml.etree.ElementTree as ET
import zipfile
from typing import IO, Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _V, _F, _IS, _SI, _T, _R = (f"{_NS}{tag}" for tag in ("row", "v", "f", "is", "si", "t", "r"))
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
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


class Sheet:
    """One sheet of an opened workbook: its name and where its cells are (``read_rows`` reads them)."""

    def __init__(self, book: Book, title: str, part: str) -> None:
        self.parent = book
        self.title = title
        self.part = part

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Sheet {self.title!r} ({self.part})>"


class Book:
    """An .xlsx workbook opened for its cell values (see the module docstring).

    ``sheetnames`` in the workbook's order, ``book[title]`` a ``Sheet``, ``close()`` (or ``with``)
    when done. Opening reads the workbook part, the shared strings and the styles; each sheet's
    cells are read when ``read_rows`` asks for them.
    """

    def __init__(self, path: Any) -> None:
        self._zip = zipfile.ZipFile(path)
        try:
            self._open()
        except BaseException:
            self._zip.close()
            raise

    def _open(self) -> None:
        names = set(self._zip.namelist())
        office = _targets(self._part("_rels/.rels"), "_rels/.rels", "/officeDocument") if "_rels/.rels" in names else []
        workbook = office[0] if office else "xl/workbook.xml"
        if workbook not in names:
            raise ValueError("it has no workbook part (xl/workbook.xml): it is not an Excel workbook")
        rels_name = _rels_of(workbook)
        rels = self._part(rels_name) if rels_name in names else None
        root = self._part(workbook)
        by_id = _relationships(rels, rels_name) if rels is not None else {}
        props = root.find(f"{_NS}workbookPr")
        date1904 = props is not None and props.get("date1904", "false").lower() not in ("false", "f", "0", "")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.worksheets: list[Sheet] = []
        for sheet in root.iter(f"{_NS}sheet"):
            title, rid = sheet.get("name", ""), sheet.get(_REL_ID)
            if not rid:  # as openpyxl (which warns): old .xlsm files can list such invalid sheets
                continue
            part = by_id.get(rid, (None, None))[1]
            if part is None:
                raise ValueError(f"the workbook lists sheet '{title}' but not where its cells are")
            if part in names:  # as openpyxl: a sheet whose part is missing is left out
                self.worksheets.append(Sheet(self, title, part))
        self.sheetnames = [ws.title for ws in self.worksheets]
        strings = [t for kind, t in by_id.values() if kind.endswith("/sharedStrings") and t in names]
        self.shared_strings: list[str] = []
        if strings:
            with self._zip.open(strings[0]) as src:
                self.shared_strings = shared_strings(src)
        styles = [t for kind, t in by_id.values() if kind.endswith("/styles") and t in names]
        styles += ["xl/styles.xml"] if "xl/styles.xml" in names else []
        self.date_styles, self.timedelta_styles = date_styles(self._part(styles[0])) if styles else (set(), set())

    def _part(self, name: str) -> ET.Element:
        """The part ``name`` parsed, after ``refuse_doctype``."""
        data = self._zip.read(name)
        refuse_doctype(io.BytesIO(data))
        return ET.fromstring(data)

    def open_part(self, name: str) -> IO[bytes]:
        return self._zip.open(name)

    def __getitem__(self, title: str) -> Sheet:
        for ws in self.worksheets:
            if ws.title == title:
                return ws
        raise KeyError(f"Worksheet {title} does not exist.")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_workbook(path: Any) -> Book:
    """Open the .xlsx workbook at ``path`` (a path or a binary file) for its cell values.

    Raises ``zipfile.BadZipFile`` for a file that is not a zip archive, ``UnsafeXmlError`` for a
    part with a document type declaration, and ``ValueError`` (or ``KeyError`` for a missing
    part, ``xml.etree.ElementTree.ParseError`` for malformed XML) for an archive that is not a
    readable workbook.
    """
    return Book(path)


def _rels_of(part: str) -> str:
    """Where the relationships of ``part`` are: ``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(root: ET.Element, rels_name: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, part name in the archive) of the internal relationships in a ``.rels`` part.

    Targets are relative to the folder of the part the relationships belong to (the folder
    above ``_rels``), or absolute from the archive's root when they start with "/"."""
    base = posixpath.dirname(posixpath.dirname(rels_name))
    out = {}
    for rel in root.iter(_REL):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        name = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), name)
    return out


def _targets(root: ET.Element, rels_name: str, kind: str) -> list[str]:
    return [name for t, name in _relationships(root, rels_name).values() if t.endswith(kind)]


def date_styles(root: ET.Element) -> tuple[set[int], set[int]]:
    """The cell styles (positions in ``cellXfs``) whose number format shows a date, and those
    that show a duration, as openpyxl decides it: a style's format is its custom format
    (``numFmts``) or else the built-in format of that number; openpyxl's public
    ``is_date_format`` and ``is_timedelta_format`` judge it."""
    custom = {}
    formats = root.find(f"{_NS}numFmts")
    for fmt in formats if formats is not None else ():
        if fmt.get("numFmtId") is not None:
            custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
    dates: set[int] = set()
    durations: set[int] = set()
    xfs = root.find(f"{_NS}cellXfs")
    for i, xf in enumerate(xfs.iter(f"{_NS}xf") if xfs is not None else ()):
        number = int(xf.get("numFmtId", 0))
        code = custom[number] if number in custom else BUILTIN_FORMATS.get(number)
        if is_date_format(code):
            dates.add(i)
        if is_timedelta_format(code):
            durations.add(i)
    return dates, durations


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


def read_rows(ws: Sheet) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) for every row from 1 to the last row with cells, of a sheet of a
    workbook opened by ``open_workbook``.

    Rows missing from the file come back empty, as openpyxl returns them; each row's tuple runs
    to its last cell. Raises ``UnsafeXmlError`` if the sheet's part declares a document type.
    """
    book = ws.parent
    with book.open_part(ws.part) as src:
        refuse_doctype(src)
    with book.open_part(ws.part) as src:
        return _rows(src, book.shared_strings, book.date_styles, book.timedelta_styles, book.epoch)


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
