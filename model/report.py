"""Result tables -> the results workbook of ``docs/contract/run.md`` (written atomically).

Written with XlsxWriter (about twice as fast as openpyxl in write-only mode, see docs/performance.md).
Numbers are written as numbers with number formats; header rows are frozen and bold; column
widths fit their contents; native Excel charts show the cost breakdown, concern shares against
caps, scenario service and tradeoff frontiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.charts import AXIS_LABELS, UNSERVED_COLOR, UNSERVED_LABEL, bloc_colors, objective_label
from model.families import FAMILIES
from model.families.protocol import unit_in
from model.issues import Issue
from model.results import warnings_table
from model.tables import declared
from model.timeline import CONCERN_BLOCS, MADE, capacity_groups, columns_with
from model.timeline import SHARE as SHARE_PREFIX
from model.xlsx import (
    CM,
    COUNT,
    GENERAL,
    MONEY,
    QTY,
    SHARE,
    Book,
    CellStyle,
    ColumnFormat,
    clean,
    save_atomically,
    series,
    type_format,
)

UNIT_FORMATS = {
    "money": MONEY,
    "money/unit": MONEY,
    "money/point": MONEY,
    "quantity": QTY,
    "share": SHARE,
    "count": COUNT,
    "row": COUNT,
    "year": "0",  # a year reads 2025, not 2,025
    "years": QTY,
    "seconds": QTY,
    "per row": MONEY,  # the Summary's values: each number formatted by its metric (_summary_style)
}
"""The number format of each unit a result column declares (``model.tables``)."""


def column_format(sheet: str, compared: bool = False, units: Mapping[str, str] | None = None) -> ColumnFormat:
    """The number format of each numeric column of ``sheet``: by its declared unit
    (``UNIT_FORMATS``: ``model.tables``; whole quantities keep the count format, 600 not 600.0),
    ``units`` naming the unit of columns a sheet of its own declares (the comparison's Costs);
    else by its type. ``compared``: a comparison's sheet, whose ``x_A`` and ``x_B`` are the
    declared column ``x`` of either run."""
    table = declared().get(sheet)

    def fmt(column: str, values: pd.Series) -> str | None:
        name = re.sub(r"_[AB]$", "", column) if compared else column
        unit = (units or {}).get(column) or (unit_in(table, name) if table is not None else None)
        by_type = type_format(column, values)
        if unit in UNIT_FORMATS and not (unit == "quantity" and by_type == COUNT):
            return UNIT_FORMATS[unit]
        return by_type

    return fmt


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
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in map(clean, df["value"])]

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


def add_frontier_chart(book: Book, ws: Worksheet, table: pd.DataFrame, parameter_column: str, currency: str) -> None:
    """A scatter chart with lines: objective against the swept parameter, from the sheet's cells."""
    n = len(table)
    if n == 0:
        return
    cols = list(table.columns)
    x = cols.index(parameter_column)
    chart = book.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    points = series(ws.get_name(), n, cols.index("objective"), (x, x)) | {"marker": {"type": "circle"}}
    if "met_by_unserved_demand" in cols:  # those points red, labelled: the cap is met by leaving demand unserved
        flags = [bool(v) if v is not None and v == v else False for v in table["met_by_unserved_demand"]]
        red = {"type": "square", "size": 8, "fill": {"color": UNSERVED_COLOR}, "border": {"color": UNSERVED_COLOR}}
        points["points"] = [{"fill": red["fill"], "border": red["border"]} if f else None for f in flags]
        if any(flags):
            points["data_labels"] = {
                "custom": [{"value": "unserved demand"} if f else {"delete": True} for f in flags],
                "position": "above",
                "font": {"color": UNSERVED_COLOR, "size": 8},
            }
    target = "the dependency cap" if parameter_column == "cap" else "the survival target"
    chart.add_series(points)
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
                series("Timeline", n, cols.index(c)) | {"name": bloc, "fill": {"color": colors[bloc]}, "gap": 80}
            )
        stacked.set_title({"name": f"Capacity in place: {product}", "name_font": {"size": 11}})
        stacked.set_x_axis({"name": "period"})
        stacked.set_y_axis({"name": product, "num_format": "#,##0"})
        stacked.set_size({"width": 16 * CM, "height": 9 * CM})
        ws.insert_chart(row + 20 * k, 0, stacked)
    shares = book.wb.add_chart({"type": "line"})
    for c in columns_with(table, SHARE_PREFIX):
        shares.add_series(
            series("Timeline", n, cols.index(c))
            | {"name": f"{c.removeprefix(SHARE_PREFIX)}: nearest its cap", "marker": {"type": "circle"}}
        )
    for c in columns_with(table, MADE):
        shares.add_series(
            series("Timeline", n, cols.index(c))
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
    cost.add_series(series("Timeline", n, cols.index("yearly_cost")))
    cost.add_series(series("Timeline", n, cols.index("weighted_cost")))
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
            chart.add_series(series("Costs", len(costs), 1) | {"name": "yearly cost"})
            title = f"Yearly cost by component ({currency} a year)"
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": currency, "num_format": "#,##0"})  # a bar chart's value axis is x
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 9 * CM})
        sheets["Costs"].insert_chart("D2", chart)
    if "Timeline" in tables and "Timeline" in sheets:
        add_timeline_charts(book, sheets["Timeline"], tables["Timeline"], currency)


def with_units(
    tables: dict[str, pd.DataFrame], units: dict[str, str], site_product: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """The tables with a ``unit`` column (each row's product unit, from Products.``unit``) where
    their declaration says they list quantities of several products (``Table.units``): after
    ``product``, or after ``site`` (the site's product, ``site_product``) where a table has no
    product: tonnes and k wafers never sit side by side without their unit."""
    out = dict(tables)
    for name, table in declared().items():
        df = tables.get(name)
        if not table.units or df is None or "unit" in df.columns or table.units not in df.columns:
            continue
        if table.units == "product":
            unit = [units.get(p, "") for p in df["product"]]
        elif site_product:
            unit = [units.get(site_product.get(s, ""), "") for s in df["site"]]
        else:
            continue
        df = df.copy()
        df.insert(list(df.columns).index(table.units) + 1, "unit", unit)
        out[name] = df
    return out


UNDECLARED = 500
"""Where a sheet no module declares stands in the workbook (before the Warnings)."""


def sheet_order(names: Iterable[str]) -> list[str]:
    """The order of the results workbook's sheets: by their declared ``place`` (the Summary, Costs
    and Timeline first, the family tables, the studies' sheets, the Warnings last)."""
    places = {name: table.place for name, table in declared().items()}
    return sorted(names, key=lambda n: places.get(n, UNDECLARED))


def write_results(
    path: str | Path,
    tables: dict[str, pd.DataFrame],
    warnings: Iterable[Issue | str] = (),
    currency: str = "USD",
    units: dict[str, str] | None = None,
    site_product: dict[str, str] | None = None,
) -> Path:
    """Write the results workbook atomically; returns the path written (see ``atomic_save``).
    With ``units`` (product -> unit, and ``site_product``: site -> product), every sheet listing
    quantities of several products gets a ``unit`` column (``with_units``). Each family lays out
    its own tables for the workbook (``as_written``) and draws its charts (``charts``)."""
    all_tables = with_units(tables, units, site_product) if units else dict(tables)
    for family in FAMILIES:
        if hasattr(family, "as_written"):
            family.as_written(all_tables)
    all_tables["Warnings"] = warnings_table(warnings)

    def fill(book: Book) -> None:
        sheets = {}
        for name in sheet_order(all_tables):
            df = all_tables[name]
            style = (
                _summary_style(df) if name == "Summary" else _tradeoff_style(df) if name in TRADEOFF_SHEETS else None
            )
            sheets[name] = book.table(name, df, style, column_format(name))
        _charts(book, sheets, all_tables, currency)
        for family in FAMILIES:
            if hasattr(family, "charts"):
                family.charts(book, sheets, all_tables)

    return save_atomically(fill, path)
