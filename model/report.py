"""Result tables -> the results workbook of ``shared/spec/run.md`` (written atomically).

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
from model.issues import Issue

SHEET_ORDER = (
    "Summary",
    "Costs",
    "Flows",
    "Sites",
    "Dependency",
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
    mark: Callable[[int], bool] | None = None,
    marked: Format | None = None,
) -> None:
    """Column ``j`` from the second row down: numbers as numbers, booleans as booleans, text as
    text (never a formula); blanks stay empty. Value ``i`` (from 0) with ``mark(i)`` gets ``marked``."""
    for i, v in enumerate(values):
        v = _clean(v)
        if v is None:
            continue
        fmt = marked if mark is not None and mark(i) else cell_format
        if v.__class__ is float or v.__class__ is int:
            ws.write_number(i + 1, j, v, fmt)
        elif isinstance(v, bool):
            ws.write_boolean(i + 1, j, v, fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(i + 1, j, v, fmt)
        else:
            ws.write_string(i + 1, j, str(v), fmt)


class Book:
    """An XlsxWriter workbook with its cell formats made once each (XlsxWriter wants that)."""

    def __init__(self, path: str | Path):
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
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
        formats: dict[str, str] | None = None,
        highlight: Callable[[int, str], bool] | None = None,
    ) -> Worksheet:
        """One sheet from a DataFrame: bold frozen header, formats by column, fitted widths.

        ``highlight(i, column)`` marks data cell (row i from 0, column) with the changed fill.
        """
        ws = self.wb.add_worksheet(name)
        cols = list(df.columns)
        formats = formats or {}
        header = self.format(bold=True, fill=HEADER_FILL)
        col_fmt: list[str | None] = []
        columns: list[list[Any]] = []
        for j, col in enumerate(cols):
            fmt = formats.get(col) or _fmt(col, df[col])
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
            col_fmt.append(fmt if (numeric or col == "value") else None)
            values = df[col].tolist()
            columns.append(values)
            width = len(str(col))
            for v in map(_clean, values[:2000]):
                if v is not None:
                    width = max(width, len(f"{v:,.2f}" if isinstance(v, float) else str(v)))
            # the column's number format applies to every cell written without a format of its own
            ws.set_column(j, j, min(max(width + 2, 9), 70), self.format(col_fmt[j]) if col_fmt[j] else None)
            ws.write_string(0, j, str(col), header)
        for j, values in enumerate(columns):
            if highlight is None:
                write_column(ws, j, values)
            else:
                col = cols[j]
                write_column(
                    ws,
                    j,
                    values,
                    mark=lambda i, col=col: highlight(i, col),
                    marked=self.format(col_fmt[j], fill=CHANGED_FILL),
                )
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)  # header on every printed page
        ws.fit_to_pages(1, 0)  # printed: all columns on one page width
        return ws

    def save(self) -> None:
        self.wb.close()


class _Deferred:
    """What ``atomic_save`` saves: the workbook is written to whichever path it is given."""

    def __init__(self, write: Callable[[Path], None]):
        self.write = write

    def save(self, path: str | Path) -> None:
        self.write(Path(path))


def save_atomically(write: Callable[[Book], None], path: str | Path) -> Path:
    """Let ``write`` fill a new :class:`Book`, saved whole or not at all (see ``atomic_save``)."""

    def to(target: Path) -> None:
        book = Book(target)
        write(book)
        book.save()

    return atomic_save(_Deferred(to), Path(path))


def _summary_formats(book: Book, ws: Worksheet, df: pd.DataFrame) -> None:
    """Summary holds mixed values: format each number by its metric (rewrites those cells)."""
    for i, (metric, value) in enumerate(zip(df["metric"], df["value"]), start=1):
        v = _clean(value)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        m = str(metric)
        if m in ("mip_gap",) or m.endswith("served_share"):
            fmt = "0.00%"
        elif m.startswith("seconds.") or m == "solve_seconds":
            fmt = "0.000"
        elif m.startswith("model_") or m in ("modules_added",):
            fmt = "0"
        else:
            fmt = MONEY
        ws.write_number(i, 1, v, book.format(fmt))


def _ref(sheet: str, r0: int, c0: int, r1: int, c1: int) -> str:
    return f"='{sheet}'!{xl_rowcol_to_cell(r0, c0, True, True)}:{xl_rowcol_to_cell(r1, c1, True, True)}"


def add_frontier_chart(book: Book, ws: Worksheet, table: pd.DataFrame, parameter_column: str, currency: str) -> None:
    """A scatter chart with lines: objective against the swept parameter, from the sheet's cells."""
    n = len(table)
    if n == 0:
        return
    cols = list(table.columns)
    x, y = cols.index(parameter_column), cols.index("objective")
    name = ws.get_name()
    chart = book.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    chart.add_series(
        {
            "name": _ref(name, 0, y, 0, y).split(":")[0],
            "categories": _ref(name, 1, x, n, x),
            "values": _ref(name, 1, y, n, y),
            "marker": {"type": "circle"},
        }
    )
    chart.set_title(
        {
            "name": "Total yearly cost against "
            + ("the dependency cap" if parameter_column == "cap" else "the survival target")
        }
    )
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
        n = len(costs)
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series(
            {"name": "='Costs'!$B$1", "categories": _ref("Costs", 1, 0, n, 0), "values": _ref("Costs", 1, 1, n, 1)}
        )
        chart.set_title({"name": "Yearly cost by component"})
        chart.set_x_axis({"name": currency, "num_format": "#,##0"})  # a bar chart's value axis is x
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 9 * CM})
        sheets["Costs"].insert_chart("D2", chart)
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "Dependency" in sheets:
        n = len(dep)
        cols = list(dep.columns)
        share, cap = cols.index("concern_share"), cols.index("cap")
        cats = _ref("Dependency", 1, 0, n, 1)  # product and market: two-level categories
        chart = book.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": _ref("Dependency", 0, share, 0, share).split(":")[0],
                "categories": cats,
                "values": _ref("Dependency", 1, share, n, share),
            }
        )
        line = book.wb.add_chart({"type": "line"})
        line.add_series(
            {
                "name": _ref("Dependency", 0, cap, 0, cap).split(":")[0],
                "categories": cats,
                "values": _ref("Dependency", 1, cap, n, cap),
            }
        )
        chart.combine(line)
        chart.set_title({"name": "Concern share of supply against its cap"})
        chart.set_y_axis({"name": "share of supply", "num_format": "0%", "min": 0, "max": 1})
        chart.set_size({"width": 24 * CM, "height": 10 * CM})
        sheets["Dependency"].insert_chart(1, len(cols) + 1, chart)
    ss = tables.get("ScenarioSummary")
    if ss is not None and len(ss) and "ScenarioSummary" in sheets:
        n = len(ss)
        col = list(ss.columns).index("served_share")
        chart = book.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": _ref("ScenarioSummary", 0, col, 0, col).split(":")[0],
                "categories": _ref("ScenarioSummary", 1, 0, n, 0),
                "values": _ref("ScenarioSummary", 1, col, n, col),
            }
        )
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
            sheets[name] = book.table(name, all_tables[name])
            if name == "Summary":
                _summary_formats(book, sheets[name], all_tables[name])
        _charts(book, sheets, all_tables, currency)

    return save_atomically(fill, path)
