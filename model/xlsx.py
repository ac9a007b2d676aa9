"""Writing tables to an Excel workbook with XlsxWriter: cell formats made once, numbers written as
numbers with number formats, a bold frozen header, fitted widths, and the workbook saved whole or
not at all (``save_atomically``). What a results sheet's columns mean, and so their formats, is the
caller's (``model.report``); this module knows no sheet.

XlsxWriter is about twice as fast as openpyxl in write-only mode (docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.atomic import atomic_save
from model.collector import collector_paused

HEADER_FILL = "#DDEBF7"
CHANGED_FILL = "#FFF2A8"
MONEY = "#,##0.00"
QTY = "#,##0.0##"  # not "#,##0.###", which leaves a bare decimal point on whole numbers ("3.")
COUNT = "#,##0"
SHARE = "0.0%"
BOOL = '"TRUE";"TRUE";"FALSE"'  # booleans read TRUE/FALSE in LibreOffice too (it shows 1/0 without a format)
GENERAL = "General"
SIGNIFICANT = 3  # a number below 1 shows at least this many significant digits (0.008, 0.0104, 0.0002)
CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)
ROW_CM = 0.53  # a default worksheet row (20 px)
BAR_CM = 0.45  # one bar of a horizontal bar chart


def _decimals_shown(num_format: str) -> int:
    """How many decimals ``num_format`` can show (``#,##0.0##`` -> 3, ``0.0%`` -> 1)."""
    _, _, frac = num_format.partition(".")
    return sum(1 for ch in frac if ch in "0#")


def significant_format(v: float, num_format: str) -> str | None:
    """A format that shows ``v`` to ``SIGNIFICANT`` significant digits where ``num_format`` would
    show fewer (0.008 as 0.008, not 0.01; freight 0.0002 as 0.0002, not 0.00; a gap of 0.0049%
    as such, not 0.00%), else None. Only numbers below 1 (1% for percentages) need it; larger
    ones keep their format. Applies to the money, quantity and percentage formats."""
    if num_format.endswith("%"):
        a, suffix = abs(v) * 100, "%"
    elif num_format in (MONEY, QTY):
        a, suffix = abs(v), ""
    else:
        return None
    if not 0 < a < 1:
        return None
    text = f"{float(f'{a:.{SIGNIFICANT}g}'):.15f}".rstrip("0")
    need = len(text.partition(".")[2])
    if need <= _decimals_shown(num_format):
        return None
    return ("#,##0." if suffix == "" else "0.") + "0" * need + suffix


def clean(v: Any) -> Any:
    """Values written as real cells: numbers stay numbers; NaN, infinity, None and "" become blank."""
    if v is None or v.__class__ is str:
        return v or None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()  # numpy scalar -> Python
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def write_column(
    ws: Worksheet,
    j: int,
    values: list[Any],
    cell_format: Format | None = None,
    format_of: Callable[[int], Format | None] | None = None,
    bool_format: Format | None = None,
) -> None:
    """Column ``j`` from the second row down: numbers as numbers, booleans as booleans, text as
    text (never a formula); blanks stay empty. Value ``i`` (from 0) gets ``format_of(i)`` when
    that is not None, else ``cell_format`` (None: the column's own format); booleans without a
    format of their own get ``bool_format``."""
    for i, v in enumerate(values):
        v = clean(v)
        if v is None:
            continue
        fmt = (format_of(i) if format_of is not None else None) or cell_format
        if isinstance(v, bool):
            ws.write_boolean(i + 1, j, v, fmt or bool_format)
        elif isinstance(v, (int, float)):
            ws.write_number(i + 1, j, v, fmt)
        else:
            ws.write_string(i + 1, j, str(v), fmt)


def _has_small(values: pd.Series, numeric: bool) -> bool:
    """Whether any value is a number strictly between -1 and 1 but not 0 (one that may need more
    decimals than its column's format: ``significant_format``)."""
    if numeric:
        a = values.abs()
        return bool(((a < 1) & (a > 0)).any())
    return any(isinstance(v, float) and -1 < v < 1 and v != 0 for v in values)


def type_format(column: str, values: pd.Series) -> str:
    """A number format by type: whole numbers as counts, others as quantities."""
    return COUNT if pd.api.types.is_integer_dtype(values) else QTY


ColumnFormat = Callable[[str, pd.Series], "str | None"]
"""``column_format(column, values)``: the number format of a column of a sheet (None: General)."""

CellStyle = Callable[[int, str], "tuple[str | None, str | None] | None"]
"""``style(i, column)`` for data row ``i`` (from 0): ``(number_format, fill)`` overriding the
column's number format and adding a fill (either may be None), or None for the column's own."""


class Book:
    """An XlsxWriter workbook with its cell formats made once each (XlsxWriter wants that)."""

    def __init__(self, path: str | Path):
        self.wb = xlsxwriter.Workbook(
            str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True}
        )  # in memory: no temporary file per sheet (then written once by atomic_save)
        self._formats: dict[tuple[str | None, bool, str | None], Format] = {}

    def format(self, num_format: str | None = None, bold: bool = False, fill: str | None = None) -> Format:
        key = (num_format, bold, fill)
        if key not in self._formats:
            spec: dict[str, Any] = {}
            if num_format:
                spec["num_format"] = num_format
            if bold:
                spec["bold"] = True
            if fill:
                spec["bg_color"] = fill
                spec["pattern"] = 1
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def table(
        self,
        name: str,
        df: pd.DataFrame,
        style: CellStyle | None = None,
        column_format: ColumnFormat | None = None,
    ) -> Worksheet:
        """One sheet from a DataFrame: bold frozen header, formats by column, fitted widths.
        ``column_format`` gives a numeric column's number format (default ``type_format``: whole
        numbers as counts, others as quantities); ``style`` overrides the format of single cells
        (see ``CellStyle``)."""
        ws = self.wb.add_worksheet(name)
        cols = list(df.columns)
        header = self.format(bold=True, fill=HEADER_FILL)
        for j, col in enumerate(cols):
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
            col_fmt = (column_format or type_format)(col, df[col]) if (numeric or col == "value") else None
            values = df[col].tolist()
            width = len(str(col))
            for v in map(clean, values[:2000]):
                if v is not None:
                    width = max(width, len(f"{v:,.2f}" if isinstance(v, float) else str(v)))
            # the column's number format applies to every cell written without a format of its own
            ws.set_column(j, j, min(max(width + 2, 9), 70), self.format(col_fmt) if col_fmt else None)
            ws.write_string(0, j, str(col), header)
            cells = style is not None or (col_fmt is not None and _has_small(df[col], numeric))
            format_of = self._cell_formats(style, col, col_fmt, values) if cells else None
            write_column(ws, j, values, format_of=format_of, bool_format=self.format(BOOL))
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)  # header on every printed page
        ws.fit_to_pages(1, 0)  # printed: all columns on one page width
        return ws

    def _cell_formats(
        self, style: CellStyle | None, col: str, col_fmt: str | None, values: list[Any]
    ) -> Callable[[int], Format | None]:
        """Each cell's own format, where it differs from its column's: the ``style`` override, a
        format that shows a small number to ``SIGNIFICANT`` digits, a boolean's."""

        def format_of(i: int) -> Format | None:
            v = values[i]
            if style is None and v.__class__ is float and not (-1 < v < 1 and v != 0):
                return None  # the common case, fast: a number the column's format shows well
            override = style(i, col) if style is not None else None
            num_format, fill = override if override is not None else (None, None)
            num_format = num_format or col_fmt
            if isinstance(v, bool):
                num_format = BOOL if num_format in (None, col_fmt) else num_format
            elif num_format and isinstance(v, float) and -1 < v < 1 and v != 0:
                num_format = significant_format(v, num_format) or num_format
                if override is None and num_format == col_fmt:
                    return None
            elif override is None:
                return None
            return self.format(num_format, fill=fill)

        return format_of

    def save(self) -> None:
        self.wb.close()


class _Deferred:
    """What ``atomic_save`` saves: the workbook is written to whichever path it is given."""

    def __init__(self, write: Callable[[Path], None]):
        self.write = write

    def save(self, path: str | Path) -> None:
        self.write(Path(path))


def save_atomically(write: Callable[[Book], None], path: str | Path) -> Path:
    """Let ``write`` fill a new :class:`Book`, saved whole or not at all (see ``atomic_save``).

    The collector is paused meanwhile: a write makes many small objects while a Pyomo model may
    still be alive, and every collection would walk that model too (see ``collector_paused``)."""

    def to(target: Path) -> None:
        book = Book(target)
        write(book)
        book.save()

    with collector_paused():
        return atomic_save(_Deferred(to), Path(path))


def series(sheet: str, n: int, value_col: int, category_cols: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """A chart series from a table sheet: its header names it, rows 2 to n + 1 hold the values,
    the categories are in columns ``category_cols`` (first, last: two columns give two levels)."""

    def cell(r: int, c: int) -> str:
        return xl_rowcol_to_cell(r, c, True, True)

    first, last = category_cols
    return {
        "name": f"='{sheet}'!{cell(0, value_col)}",
        "categories": f"='{sheet}'!{cell(1, first)}:{cell(n, last)}",
        "values": f"='{sheet}'!{cell(1, value_col)}:{cell(n, value_col)}",
    }


def rows_for(height_cm: float) -> int:
    """How many worksheet rows a chart ``height_cm`` tall covers, and one row beneath it."""
    return math.ceil(height_cm / ROW_CM) + 1


def runs(values: list[Any]) -> list[tuple[Any, int, int]]:
    """(value, first index, last index) of each run of equal consecutive values."""
    runs: list[tuple[Any, int, int]] = []
    for i, v in enumerate(values):
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1], i)
        else:
            runs.append((v, i, i))
    return runs
