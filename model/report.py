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
from model.charts import AXIS_LABELS, CONCERN_COLOR, UNSERVED_COLOR, UNSERVED_LABEL, bloc_colors, objective_label
from model.collector import collector_paused
from model.families.dependency import concern_caps
from model.families.flows import UNMET_PENALTY_LABEL
from model.families.protocol import EXPECTED_DISRUPTION_LABEL
from model.issues import Issue
from model.tables import unit_of
from model.timeline import CAP, CONCERN_BLOCS, MADE, capacity_groups, columns_with
from model.timeline import SHARE as SHARE_PREFIX

SHEET_ORDER = (
    "Summary",
    "Costs",
    "Timeline",
    "Flows",
    "Sites",
    "Dependency",
    "Calibration",
    "Inputs",
    "ConcernFree",
    "Upstream",
    "Groups",
    "Unmet",
    "Scenarios",
    "ScenarioSummary",
    "ScenarioFlows",
    "ScenarioSites",
    "ScenarioInputs",
    "Stockpiles",
    "StressSummary",
    "Stress",
    "Alternatives",
    "AlternativeSites",
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
BOOL = '"TRUE";"TRUE";"FALSE"'  # booleans read TRUE/FALSE in LibreOffice too (it shows 1/0 without a format)
GENERAL = "General"
SIGNIFICANT = 3  # a number below 1 shows at least this many significant digits (0.008, 0.0104, 0.0002)
SHARE_COLUMNS = {
    "over_optimum",
    "utilization",
    "concern_share",
    "cap",
    "served_share",
    "worst_served_share",
    "tariff_rate",
    "unmet_share",
    "max_shortfall",
    "capacity_loss",
    "busiest_scenario_utilization",
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
    "yearly_value",
    "yearly_cost",
    "weighted_cost",
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
    "scenario_cost",
    "normal_cost",
    "extra_cost",
    "penalty",
    "restock_cost",
    "normal_year_cost",
    "expected_disruption_cost",
    "expected_disruption_penalty",
    "unmet_penalty",
}
UNIT_FORMATS = {
    "money": MONEY,
    "money/unit": MONEY,
    "money/point": MONEY,
    "quantity": QTY,
    "share": SHARE,
    "count": COUNT,
    "row": COUNT,
    "year": "0",
    "years": QTY,
}
"""The number format of each unit a family's result column declares (``model.tables``); the
tables no family makes (Summary, Costs, Timeline, the tradeoff, stress and alternatives sheets)
are formatted by their columns' names below."""
YEAR = "0"  # a year reads 2025, not 2,025
YEAR_COLUMNS = {"period", "opens", "closes", "available_from", "available_until", "year"}
"""Columns that hold years (a period is named by its first year): no thousands separator."""
CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)


def _fmt(column: str, values: pd.Series) -> str:
    """Number format by meaning (shares, money), else by type (counts, quantities)."""
    if column in YEAR_COLUMNS:
        return YEAR
    if column in SHARE_COLUMNS or column.startswith((SHARE_PREFIX, CAP, MADE)):
        return SHARE
    if column in MONEY_COLUMNS:
        return MONEY
    if column.endswith("_row"):  # a sheet row number (caps_row), blank where there is none
        return COUNT
    return COUNT if pd.api.types.is_integer_dtype(values) else QTY


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
    bool_format: Format | None = None,
) -> None:
    """Column ``j`` from the second row down: numbers as numbers, booleans as booleans, text as
    text (never a formula); blanks stay empty. Value ``i`` (from 0) gets ``format_of(i)`` when
    that is not None, else ``cell_format`` (None: the column's own format); booleans without a
    format of their own get ``bool_format``."""
    for i, v in enumerate(values):
        v = _clean(v)
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
            unit = unit_of(name, col)  # a family's table: the format its declared unit gives
            if numeric and unit in UNIT_FORMATS and not (unit == "quantity" and col_fmt == COUNT):
                col_fmt = UNIT_FORMATS[unit]  # (whole quantities keep the count format: 600, not 600.0)
            values = df[col].tolist()
            width = len(str(col))
            for v in map(_clean, values[:2000]):
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


SETTING_FORMATS = {"setting.dependency_cap": "0.0%", "setting.time_limit_s": "#,##0.###", "setting.scenarios": COUNT}
"""Summary settings in their own formats (any other ``setting.*`` number: General, as typed)."""


TRADEOFF_SHEETS = ("Tradeoff", "TradeoffResilience")
UNSERVED_FILL = "#F8CBAD"  # a point met by leaving demand unserved
NO_DESIGN_FILL = "#D9D9D9"  # a point with no feasible design


def _tradeoff_style(df: pd.DataFrame) -> CellStyle:
    """A Tradeoff sheet's points that need a second look, marked: the flag and ``unserved`` cells
    of a point met by leaving demand unserved in red, the ``status`` and ``explanation`` cells of
    a point with no design in grey."""
    flagged = [v is True for v in df.get("met_by_unserved_demand", pd.Series([None] * len(df))).tolist()]
    missing = df["objective"].isna().tolist() if "objective" in df else [False] * len(df)

    def style(i: int, col: str) -> tuple[str | None, str | None] | None:
        if flagged[i] and col in ("met_by_unserved_demand", "unserved"):
            return None, UNSERVED_FILL
        if missing[i] and col in ("status", "explanation"):
            return None, NO_DESIGN_FILL
        return None

    return style


def _summary_style(df: pd.DataFrame) -> CellStyle:
    """Summary holds mixed values: each number in ``value`` is formatted by its metric."""
    metrics = [str(m) for m in df["metric"]]
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in map(_clean, df["value"])]

    def style(i: int, col: str) -> tuple[str | None, str | None] | None:
        if col != "value" or not numbers[i]:
            return None
        m = metrics[i]
        if m in SETTING_FORMATS:
            return SETTING_FORMATS[m], None
        if m.startswith("setting."):
            return GENERAL, None  # its own value as typed: 0.0001, 120, 0
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
    series = _series(ws.get_name(), n, cols.index("objective"), (x, x)) | {"marker": {"type": "circle"}}
    if "met_by_unserved_demand" in cols:  # those points red, labelled: the cap is met by leaving demand unserved
        flags = [bool(v) if v is not None and v == v else False for v in table["met_by_unserved_demand"]]
        red = {"type": "square", "size": 8, "fill": {"color": UNSERVED_COLOR}, "border": {"color": UNSERVED_COLOR}}
        series["points"] = [{"fill": red["fill"], "border": red["border"]} if f else None for f in flags]
        if any(flags):
            series["data_labels"] = {
                "custom": [{"value": "unserved demand"} if f else {"delete": True} for f in flags],
                "position": "above",
                "font": {"color": UNSERVED_COLOR, "size": 8},
            }
    target = "the dependency cap" if parameter_column == "cap" else "the survival target"
    chart.add_series(series)
    flagged = "met_by_unserved_demand" in cols and bool(table["met_by_unserved_demand"].fillna(False).any())
    note = f" (red: {UNSERVED_LABEL})" if flagged else ""
    feasible = bool(table["objective"].notna().any())
    title = (
        f"{objective_label(table)} against {target}{note}"
        if feasible
        else f"Nothing was feasible: no design meets {target} at any value swept (see the explanation column)"
    )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    x_axis = {"name": AXIS_LABELS[parameter_column], "num_format": "0%", "reverse": True}  # tighter right
    if parameter_column == "cap":
        x_axis |= {"min": 0, "max": 1}  # a share: never past 100%
    chart.set_x_axis(x_axis)
    if feasible:
        chart.set_y_axis({"name": f"{objective_label(table)} ({currency})", "num_format": "#,##0"})
    else:  # no cost to show: no cost axis (its ticks would read 0 around nothing)
        chart.set_y_axis({"visible": False, "major_gridlines": {"visible": False}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 20 * CM, "height": 10 * CM})
    ws.insert_chart(n + 3, 0, chart)


def add_timeline_charts(book: Book, ws: Worksheet, table: pd.DataFrame, currency: str) -> None:
    """Native charts under the Timeline table, from its cells: capacity in place per product
    (stacked columns by bloc, one chart per product, in its unit; the concern blocs red, as in
    the HTML report), concern share by product (lines: in the capped market nearest its cap, and
    the share made in concern countries, dotted), and the yearly and weighted cost per period."""
    n, cols = len(table), list(table.columns)
    if n == 0:
        return
    row = n + 3
    groups = capacity_groups(table)
    blocs = list(dict.fromkeys(b for group in groups.values() for b, _ in group))
    colors = bloc_colors(blocs, table.attrs.get(CONCERN_BLOCS, []))
    for k, (product, group) in enumerate(groups.items()):
        stacked = book.wb.add_chart({"type": "column", "subtype": "stacked"})
        for bloc, c in group:
            stacked.add_series(
                _series("Timeline", n, cols.index(c)) | {"name": bloc, "fill": {"color": colors[bloc]}, "gap": 80}
            )
        stacked.set_title({"name": f"Capacity in place: {product}", "name_font": {"size": 11}})
        stacked.set_x_axis({"name": "period"})
        stacked.set_y_axis({"name": product, "num_format": "#,##0"})
        stacked.set_size({"width": 16 * CM, "height": 9 * CM})
        ws.insert_chart(row + 20 * k, 0, stacked)
    shares = book.wb.add_chart({"type": "line"})
    for c in columns_with(table, SHARE_PREFIX):
        shares.add_series(
            _series("Timeline", n, cols.index(c))
            | {"name": f"{c.removeprefix(SHARE_PREFIX)}: nearest its cap", "marker": {"type": "circle"}}
        )
    for c in columns_with(table, MADE):
        shares.add_series(
            _series("Timeline", n, cols.index(c))
            | {"name": f"{c.removeprefix(MADE)}: made in concern countries", "line": {"dash_type": "round_dot"}}
        )
    shares.set_title(
        {
            "name": "Concern share by product (in the capped market nearest its cap; made in concern countries)",
            "name_font": {"size": 10},
        }
    )
    shares.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    shares.set_legend({"position": "bottom"})
    shares.set_size({"width": 16 * CM, "height": 9 * CM})
    ws.insert_chart(row, 9, shares)
    cost = book.wb.add_chart({"type": "column"})
    cost.add_series(_series("Timeline", n, cols.index("yearly_cost")))
    cost.add_series(_series("Timeline", n, cols.index("weighted_cost")))
    cost.set_title({"name": "Cost per period"})
    cost.set_y_axis({"name": currency, "num_format": "#,##0"})
    cost.set_size({"width": 16 * CM, "height": 9 * CM})
    ws.insert_chart(row + 20, 9, cost)


def _charts(book: Book, sheets: dict[str, Worksheet], tables: dict[str, pd.DataFrame], currency: str) -> None:
    for sheet, column in (("Tradeoff", "cap"), ("TradeoffResilience", "max_shortfall")):
        if sheet in tables and sheet in sheets:
            add_frontier_chart(book, sheets[sheet], tables[sheet], column, currency)
    costs = tables.get("Costs")
    if costs is not None and len(costs) and "Costs" in sheets:
        chart = book.wb.add_chart({"type": "bar"})
        if "period" in costs.columns:  # the total rows, last: component (column 1) and value (column 4)
            first = len(costs) - int((costs["period"] == "total").sum()) + 1
            cell = lambda r, c: xl_rowcol_to_cell(r, c, True, True)  # noqa: E731
            chart.add_series(
                {
                    "name": "total over the horizon",
                    "categories": f"='Costs'!{cell(first, 1)}:{cell(len(costs), 1)}",
                    "values": f"='Costs'!{cell(first, 4)}:{cell(len(costs), 4)}",
                }
            )
            title = f"Cost by component over the horizon ({currency}: each period's yearly cost x its weight, summed)"
        else:
            chart.add_series(_series("Costs", len(costs), 1) | {"name": "yearly cost"})
            title = f"Yearly cost by component ({currency} a year)"
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": currency, "num_format": "#,##0"})  # a bar chart's value axis is x
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 9 * CM})
        sheets["Costs"].insert_chart("D2", chart)
    if "Timeline" in tables and "Timeline" in sheets:
        add_timeline_charts(book, sheets["Timeline"], tables["Timeline"], currency)
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "Dependency" in sheets:
        dependency_charts(book, sheets["Dependency"], concern_caps(dep))  # the sheet's first rows
    ss = tables.get("ScenarioSummary")
    if ss is not None and len(ss) and "ScenarioSummary" in sheets:
        scenario_chart(book, sheets["ScenarioSummary"], ss)


ROW_CM = 0.53  # a default worksheet row (20 px)
BAR_CM = 0.45  # one bar of a horizontal bar chart


def _rows_for(height_cm: float) -> int:
    return math.ceil(height_cm / ROW_CM) + 1


CHART_LABEL = "chart label"
"""The header of the Dependency sheet's column beside the table that names each bar of its charts."""


def bar_labels(dep: pd.DataFrame) -> list[str]:
    """A Dependency chart's label of each row: its market, with its period (``EU, 2030``), and its
    basis where the same market and period has a row on each (``EU, 2030, direct``)."""
    has_period = "period" in dep.columns
    keys = list(zip(dep["product"], dep["market"], dep["period"] if has_period else [None] * len(dep), strict=True))
    count: dict[tuple[Any, ...], int] = {}
    for k in keys:
        count[k] = count.get(k, 0) + 1
    basis = dep["basis"].tolist() if "basis" in dep.columns else [""] * len(dep)
    out = []
    for k, b in zip(keys, basis, strict=True):
        text = str(k[1]) + (f", {k[2]}" if has_period else "")
        out.append(text + (f", {b}" if count[k] > 1 and b else ""))
    return out


def dependency_charts(book: Book, ws: Worksheet, dep: pd.DataFrame) -> None:
    """One horizontal bar chart per product (concern share and cap per market and period), each as
    tall as its bars need, stacked beside the table: readable with six markets or sixty, five
    products or fifty, one period or ten. Each chart reads the product's own rows (``group_rows``
    makes them contiguous); each bar is named in a column beside the table (``bar_labels``: the
    market and the period, and the basis where a market has a cap on each)."""
    cols = list(dep.columns)
    share, cap = cols.index("concern_share"), cols.index("cap")
    name = ws.get_name()
    label = len(cols) + 1
    header = book.format(bold=True, fill=HEADER_FILL)
    ws.write_string(0, label, CHART_LABEL, header)
    labels = bar_labels(dep)
    for i, text in enumerate(labels):
        ws.write_string(i + 1, label, text)
    ws.set_column(label, label, max([len(CHART_LABEL), *map(len, labels)]) + 2)
    each = "market and period" if "period" in dep.columns else "market"
    row = 1
    for product, first, last in _runs(dep["product"].tolist()):
        n = last - first + 1
        chart = book.wb.add_chart({"type": "bar"})
        for j, color in ((share, CONCERN_COLOR), (cap, "#c9c9c9")):  # concern red, as in the HTML report
            chart.add_series(
                {
                    "name": f"='{name}'!{xl_rowcol_to_cell(0, j, True, True)}",
                    "categories": f"='{name}'!{xl_rowcol_to_cell(first + 1, label, True, True)}:"
                    f"{xl_rowcol_to_cell(last + 1, label, True, True)}",
                    "values": f"='{name}'!{xl_rowcol_to_cell(first + 1, j, True, True)}:"
                    f"{xl_rowcol_to_cell(last + 1, j, True, True)}",
                    "fill": {"color": color},
                    "gap": 60,
                }
            )
        chart.set_title(
            {"name": f"{product}: concern share of supply against its cap, by {each}", "name_font": {"size": 11}}
        )
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})  # bars top to bottom, in the table's order
        chart.set_legend({"position": "bottom"})
        height = 3.2 + 2 * BAR_CM * n
        chart.set_size({"width": 16 * CM, "height": height * CM})
        ws.insert_chart(row, label + 2, chart)
        row += _rows_for(height)


def _runs(values: list[Any]) -> list[tuple[Any, int, int]]:
    """(value, first index, last index) of each run of equal consecutive values."""
    runs: list[tuple[Any, int, int]] = []
    for i, v in enumerate(values):
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1], i)
        else:
            runs.append((v, i, i))
    return runs


def group_rows(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of each value of ``column`` together, values in order of first appearance (a
    product's chart then reads one block of cells)."""
    first = {v: i for i, v in reversed(list(enumerate(df[column])))}
    order = sorted(range(len(df)), key=lambda i: (first[df[column].iloc[i]], i))
    return df.iloc[order].reset_index(drop=True)


def scenario_chart(book: Book, ws: Worksheet, ss: pd.DataFrame) -> None:
    """Served share per scenario and product: a block beside the table (scenarios down, products
    across: the chart's data, in the sheet for anyone to read) and a horizontal bar chart of it,
    one bar per product in each scenario's group, a legend naming the products, as tall as the
    scenarios need. With periods, a row per scenario and period ("Oxide ban, 2025"): every
    period, not the last one alone."""
    if "period" in ss.columns:
        label = [f"{w}, {t}" for w, t in zip(ss["scenario"], ss["period"], strict=True)]
    else:
        label = [str(w) for w in ss["scenario"]]
    scenarios = list(dict.fromkeys(label))
    products = list(dict.fromkeys(ss["product"]))
    served = dict(zip(zip(label, ss["product"], strict=True), ss["served_share"], strict=True))
    c0 = len(ss.columns) + 1
    header = book.format(bold=True, fill=HEADER_FILL)
    title = "served_share by scenario" + (" and period" if "period" in ss.columns else "")
    ws.write_string(0, c0, title, header)
    for j, p in enumerate(products):
        ws.write_string(0, c0 + 1 + j, str(p), header)
    share = book.format(SHARE)
    for i, w in enumerate(scenarios):
        ws.write_string(i + 1, c0, str(w))
        for j, p in enumerate(products):
            v = _clean(served.get((w, p)))
            if v is not None:
                ws.write_number(i + 1, c0 + 1 + j, v, share)
    ws.set_column(c0, c0, max(len(title), *(len(str(w)) for w in scenarios)) + 2)
    name = ws.get_name()
    n = len(scenarios)
    chart = book.wb.add_chart({"type": "bar"})
    for j in range(len(products)):
        chart.add_series(_series(name, n, c0 + 1 + j, (c0, c0)) | {"gap": 80})
    each = "each scenario and period" if "period" in ss.columns else "each scenario"
    chart.set_title({"name": f"Share of demand served in {each}, by product", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    height = 4.0 + n * (BAR_CM * len(products) + 0.4)
    chart.set_size({"width": 18 * CM, "height": height * CM})
    ws.insert_chart(n + 3, c0, chart)


def cost_split(costs: pd.DataFrame) -> dict[str, float]:
    """The Costs sheet split for a planner: ``normal_year_cost`` (every component but the expected
    disruption cost: the yearly cost without disruption), ``expected_disruption_cost`` (what the
    crises add to the normal year, in expectation: sum_ω π[ω] (op^ω - op)) and ``unmet_penalty``
    (the normal year's unmet demand x penalty, part of the normal year).
    normal_year_cost + expected_disruption_cost = objective. With periods, each is its total over
    the horizon (the Costs sheet's ``total`` rows)."""
    if "period" in costs.columns:
        costs = costs[costs["period"] == "total"]
    by = dict(zip(costs["component"], costs["value"].astype(float)))
    disruption = by.get(EXPECTED_DISRUPTION_LABEL, 0.0)
    return {
        "normal_year_cost": float(sum(by.values())) - disruption,
        "expected_disruption_cost": disruption,
        "unmet_penalty": by.get(UNMET_PENALTY_LABEL, 0.0),
    }


COST_SPLIT_MEANINGS = {
    "normal_year_cost": "what the network costs in a year without disruption: every cost but the expected "
    "disruption cost (production, tariffs, freight, fixed, modules, reserve, stock holding, unmet demand)",
    "expected_disruption_cost": "what disruptions add to a normal year, in expectation: each crisis's extra cost "
    "(its year's cost, restocking what it draws included, less a normal year's) times its yearly probability, "
    "summed",
    "objective": "what the design minimises, the expected yearly cost: the normal-year cost plus the expected "
    "disruption cost (the sum of the Costs sheet); not a cost paid in any one year",
}


def with_cost_split(summary: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """The Summary with ``normal_year_cost`` and ``expected_disruption_cost`` rows right after the
    objective (objective = normal_year_cost + expected_disruption_cost), each with its meaning."""
    split = cost_split(costs)
    out = summary[~summary["metric"].isin(["normal_year_cost", "expected_disruption_cost"])].reset_index(drop=True)
    at = int(out.index[out["metric"] == "objective"][0]) + 1 if (out["metric"] == "objective").any() else 0
    out.loc[out["metric"] == "objective", "meaning"] = COST_SPLIT_MEANINGS["objective"]
    rows = pd.DataFrame(
        [
            {"metric": k, "value": split[k], "meaning": COST_SPLIT_MEANINGS[k]}
            for k in ("normal_year_cost", "expected_disruption_cost")
        ]
    )
    return pd.concat([out.iloc[:at], rows, out.iloc[at:]], ignore_index=True)


def warnings_table(issues: Iterable[Issue | str]) -> pd.DataFrame:
    rows = []
    for i in issues:
        if isinstance(i, Issue):
            rows.append({"sheet": i.sheet, "cell": i.cell, "message": i.message})
        else:
            rows.append({"sheet": "", "cell": "", "message": str(i)})
    return pd.DataFrame(rows, columns=["sheet", "cell", "message"])


QUANTITY_SHEETS = (
    "Flows",
    "Sites",
    "Dependency",
    "Unmet",
    "Scenarios",
    "ScenarioFlows",
    "ScenarioSites",
    "Stockpiles",
    "ConcernFree",
    "ScenarioInputs",
)
"""Sheets that list quantities of different products side by side: each row gets its unit."""


def with_units(tables: dict[str, pd.DataFrame], units: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The tables with a ``unit`` column (each row's product unit, from Products.``unit``) after
    ``product`` (ScenarioSites, which has no product column, after ``site``), where quantities of
    different products are listed: tonnes and k wafers never sit side by side without their unit."""
    out = dict(tables)
    site_product: dict[str, str] = {}
    if "Sites" in tables and {"site", "product"} <= set(tables["Sites"].columns):
        site_product = dict(zip(tables["Sites"]["site"], tables["Sites"]["product"]))
    for name in QUANTITY_SHEETS:
        df = tables.get(name)
        if df is None or "unit" in df.columns:
            continue
        if "product" in df.columns:
            unit = [units.get(p, "") for p in df["product"]]
            at = list(df.columns).index("product") + 1
        elif "site" in df.columns and site_product:
            unit = [units.get(site_product.get(s, ""), "") for s in df["site"]]
            at = list(df.columns).index("site") + 1
        else:
            continue
        df = df.copy()
        df.insert(at, "unit", unit)
        out[name] = df
    return out


def write_results(
    path: str | Path,
    tables: dict[str, pd.DataFrame],
    warnings: Iterable[Issue | str] = (),
    currency: str = "USD",
    units: dict[str, str] | None = None,
) -> Path:
    """Write the results workbook atomically; returns the path written (see ``atomic_save``).
    With ``units`` (product -> unit), every sheet listing quantities of several products gets a
    ``unit`` column (``with_units``)."""
    all_tables = with_units(tables, units) if units else dict(tables)
    if "Dependency" in all_tables and "product" in all_tables["Dependency"].columns:
        dep = all_tables["Dependency"]  # the normal year's rows by product (the charts read them), then the crises'
        normal = concern_caps(dep)
        all_tables["Dependency"] = pd.concat([group_rows(normal, "product"), dep.drop(normal.index)], ignore_index=True)
    all_tables["Warnings"] = warnings_table(warnings)
    order = [n for n in SHEET_ORDER if n in all_tables] + [n for n in all_tables if n not in SHEET_ORDER]

    def fill(book: Book) -> None:
        sheets = {}
        for name in order:
            df = all_tables[name]
            style = (
                _summary_style(df) if name == "Summary" else _tradeoff_style(df) if name in TRADEOFF_SHEETS else None
            )
            sheets[name] = book.table(name, df, style)
        _charts(book, sheets, all_tables, currency)

    return save_atomically(fill, path)
