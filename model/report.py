"""Result tables -> the results workbook of ``docs/contract/run.md`` (written atomically).

Written with XlsxWriter (about twice as fast as openpyxl in write-only mode, see docs/performance.md).
Numbers are written as numbers with number formats; header rows are frozen and bold; column
widths fit their contents; native Excel charts show the cost breakdown, concern shares against
caps, scenario service and tradeoff frontiers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.atomic import atomic_save
from model.charts import AXIS_LABELS
from model.collector import collector_paused
from model.issues import Issue

SHEET_ORDER = (
    "Summary",
    "Costs",
    "Flows",
    "Sites",
    "Dependency",
    "Inputs",
    "ConcernFree",
    "Upstream",
    "Groups",
    "Unmet",
    "Scenarios",
    "ScenarioSummary",
    "ScenarioSites",
    "Stockpiles",
    "Tradeoff",
    "TradeoffResilience",
    "Warnings",
)
HEADER_FILL = "#DDEBF7"
CHANGED_FILL = "#FFF2A8"
MONEY = "#,##0.00"
QTY = "#,##0.0##"  # not "#,##0.###", which leaves a bare decimal point on whole numbers ("3.")
COUNT = "#,##0"
SHARE = "0.0%"
SHARE_COLUMNS = {
    "utilization",
    "concern_share",
    "cap",
    "served_share",
    "worst_served_share",
    "tariff_rate",
    "unmet_share",
    "max_shortfall",
    "capacity_loss",
    "worst_scenario_utilization",
    "cost_increase_pct",
    "mip_gap",
    "expected_shortfall",
    "concern_share_direct",
    "concern_share_lookthrough",
    "concern_free_share",
    "share",
}
MONEY_COLUMNS = {
    "value",
    "delivered_unit_cost",
    "unit_cost",
    "freight_cost",
    "total_cost",
    "marginal_cost_per_point",
    "cost",
    "objective",
    "holding_cost",
    "price_per_point",
    "tariff_base",
}
CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)


def _fmt(column: str, values: pd.Series) -> str:
    """Number format by meaning (shares, money), else by type (counts, quantities)."""
    if column in SHARE_COLUMNS:
        return SHARE
    if column in MONEY_COLUMNS:
        return MONEY
    return COUNT if pd.api.types.is_integer_dtype(values) else QTY


def _clean(v: Any) -> Any:
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
) -> None:
    """Column ``j`` from the second row down: numbers as numbers, booleans as booleans, text as
    text (never a formula); blanks stay empty. Value ``i`` (from 0) gets ``format_of(i)`` when
    that is not None, else ``cell_format`` (None: the column's own format)."""
    for i, v in enumerate(values):
        v = _clean(v)
        if v is None:
            continue
        fmt = (format_of(i) if format_of is not None else None) or cell_format
        if isinstance(v, bool):
            ws.write_boolean(i + 1, j, v, fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(i + 1, j, v, fmt)
        else:
            ws.write_string(i + 1, j, str(v), fmt)


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

    def table(self, name: str, df: pd.DataFrame, style: CellStyle | None = None) -> Worksheet:
        """One sheet from a DataFrame: bold frozen header, formats by column, fitted widths;
        ``style`` overrides the format of single cells (see ``CellStyle``)."""
        ws = self.wb.add_worksheet(name)
        cols = list(df.columns)
        header = self.format(bold=True, fill=HEADER_FILL)
        for j, col in enumerate(cols):
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
            col_fmt = _fmt(col, df[col]) if (numeric or col == "value") else None
            values = df[col].tolist()
            width = len(str(col))
            for v in map(_clean, values[:2000]):
                if v is not None:
                    width = max(width, len(f"{v:,.2f}" if isinstance(v, float) else str(v)))
            # the column's number format applies to every cell written without a format of its own
            ws.set_column(j, j, min(max(width + 2, 9), 70), self.format(col_fmt) if col_fmt else None)
            ws.write_string(0, j, str(col), header)
            write_column(ws, j, values, format_of=self._cell_formats(style, col, col_fmt) if style else None)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)  # header on every printed page
        ws.fit_to_pages(1, 0)  # printed: all columns on one page width
        return ws

    def _cell_formats(self, style: CellStyle, col: str, col_fmt: str | None) -> Callable[[int], Format | None]:
        def format_of(i: int) -> Format | None:
            override = style(i, col)
            if override is None:
                return None
            num_format, fill = override
            return self.format(num_format or col_fmt, fill=fill)

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


def _summary_style(df: pd.DataFrame) -> CellStyle:
    """Summary holds mixed values: each number in ``value`` is formatted by its metric."""
    metrics = [str(m) for m in df["metric"]]
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in map(_clean, df["value"])]

    def style(i: int, col: str) -> tuple[str | None, str | None] | None:
        if col != "value" or not numbers[i]:
            return None
        m = metrics[i]
        if m == "mip_gap" or m.endswith("served_share"):
            return "0.00%", None
        if m.startswith("seconds.") or m == "solve_seconds":
            return "0.000", None
        if m.startswith("model_") or m == "modules_added":
            return "0", None
        return MONEY, None

    return style


def _series(sheet: str, n: int, value_col: int, category_cols: tuple[int, int] = (0, 0)) -> dict[str, Any]:
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


def add_frontier_chart(book: Book, ws: Worksheet, table: pd.DataFrame, parameter_column: str, currency: str) -> None:
    """A scatter chart with lines: objective against the swept parameter, from the sheet's cells."""
    n = len(table)
    if n == 0:
        return
    cols = list(table.columns)
    x = cols.index(parameter_column)
    chart = book.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    chart.add_series(_series(ws.get_name(), n, cols.index("objective"), (x, x)) | {"marker": {"type": "circle"}})
    target = "the dependency cap" if parameter_column == "cap" else "the survival target"
    chart.set_title({"name": f"Total yearly cost against {target}"})
    chart.set_x_axis({"name": AXIS_LABELS[parameter_column], "num_format": "0%", "reverse": True})  # tighter right
    chart.set_y_axis({"name": f"Total yearly cost ({currency})", "num_format": "#,##0"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 20 * CM, "height": 10 * CM})
    ws.insert_chart(n + 3, 0, chart)


def _charts(book: Book, sheets: dict[str, Worksheet], tables: dict[str, pd.DataFrame], currency: str) -> None:
    for sheet, column in (("Tradeoff", "cap"), ("TradeoffResilience", "max_shortfall")):
        if sheet in tables and sheet in sheets:
            add_frontier_chart(book, sheets[sheet], tables[sheet], column, currency)
    costs = tables.get("Costs")
    if costs is not None and len(costs) and "Costs" in sheets:
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series(_series("Costs", len(costs), 1))
        chart.set_title({"name": "Yearly cost by component"})
        chart.set_x_axis({"name": currency, "num_format": "#,##0"})  # a bar chart's value axis is x
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 9 * CM})
        sheets["Costs"].insert_chart("D2", chart)
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "Dependency" in sheets:
        n, cols = len(dep), list(dep.columns)
        chart = book.wb.add_chart({"type": "column"})
        chart.add_series(_series("Dependency", n, cols.index("concern_share"), (0, 1)))  # product, market
        line = book.wb.add_chart({"type": "line"})
        line.add_series(_series("Dependency", n, cols.index("cap"), (0, 1)))
        chart.combine(line)
        chart.set_title({"name": "Concern share of supply against its cap"})
        chart.set_y_axis({"name": "share of supply", "num_format": "0%", "min": 0, "max": 1})
        chart.set_size({"width": 24 * CM, "height": 10 * CM})
        sheets["Dependency"].insert_chart(1, len(cols) + 1, chart)
    ss = tables.get("ScenarioSummary")
    if ss is not None and len(ss) and "ScenarioSummary" in sheets:
        chart = book.wb.add_chart({"type": "column"})
        chart.add_series(_series("ScenarioSummary", len(ss), list(ss.columns).index("served_share")))
        chart.set_title({"name": "Share of demand served in each scenario"})
        chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 9 * CM})
        sheets["ScenarioSummary"].insert_chart(1, len(ss.columns) + 1, chart)


def warnings_table(issues: Iterable[Issue | str]) -> pd.DataFrame:
    rows = []
    for i in issues:
        if isinstance(i, Issue):
            rows.append({"sheet": i.sheet, "cell": i.cell, "message": i.message})
        else:
            rows.append({"sheet": "", "cell": "", "message": str(i)})
    return pd.DataFrame(rows, columns=["sheet", "cell", "message"])


def write_results(
    path: str | Path,
    tables: dict[str, pd.DataFrame],
    warnings: Iterable[Issue | str] = (),
    currency: str = "USD",
) -> Path:
    """Write the results workbook atomically; returns the path written (see ``atomic_save``)."""
    all_tables = dict(tables)
    all_tables["Warnings"] = warnings_table(warnings)
    order = [n for n in SHEET_ORDER if n in all_tables] + [n for n in all_tables if n not in SHEET_ORDER]

    def fill(book: Book) -> None:
        sheets = {}
        for name in order:
            df = all_tables[name]
            sheets[name] = book.table(name, df, _summary_style(df) if name == "Summary" else None)
        _charts(book, sheets, all_tables, currency)

    return save_atomically(fill, path)
