"""Result tables -> the results workbook of ``docs/contract/run.md`` (written atomically).

Written with XlsxWriter (about twice as fast as openpyxl in write-only mode, see docs/performance.md).
Numbers are written as numbers with number formats; header rows are frozen and bold; column
widths fit their contents; native Excel charts show the cost breakdown, concern shares against
caps, scenario service and tradeoff frontiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.charts import AXIS_LABELS, UNSERVED_COLOR, UNSERVED_LABEL, bloc_colors, objective_label
from model.families import FAMILIES
from model.families.flows import UNMET_PENALTY_LABEL
from model.families.protocol import EXPECTED_DISRUPTION_LABEL
from model.issues import Issue
from model.tables import declared
from model.timeline import CAP, CONCERN_BLOCS, MADE, capacity_groups, columns_with
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

FIRST_SHEETS = ("Summary", "Costs", "Timeline")
"""The sheets before the family tables: what the run found, its costs, and (with periods) the
plan over time."""
LAST_SHEETS = (
    "StressSummary",
    "Stress",
    "Alternatives",
    "AlternativeSites",
    "Tradeoff",
    "TradeoffResilience",
    "Warnings",
)
"""The sheets after the family tables (in the order their declared ``place`` gives): the studies
of the design, and the warnings."""
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


def column_format(sheet: str) -> ColumnFormat:
    """The number format of each numeric column of ``sheet``: a year without a thousands
    separator; a family table's column by its declared unit (``UNIT_FORMATS``; whole quantities
    keep the count format: 600, not 600.0); any other by its name (shares, money, row numbers),
    else by its type."""
    table = declared().get(sheet)
    units = {c.name: c.unit for c in table.columns} if table is not None else {}

    def fmt(column: str, values: pd.Series) -> str | None:
        by_name = YEAR if column in YEAR_COLUMNS else _by_name(column, values)
        unit = units.get(column)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric and unit in UNIT_FORMATS and not (unit == "quantity" and by_name == COUNT):
            return UNIT_FORMATS[unit]
        return by_name

    return fmt


def _by_name(column: str, values: pd.Series) -> str:
    """Number format by meaning (shares, money), else by type (counts, quantities)."""
    if column in SHARE_COLUMNS or column.startswith((SHARE_PREFIX, CAP, MADE)):
        return SHARE
    if column in MONEY_COLUMNS:
        return MONEY
    if column.endswith("_row"):  # a sheet row number (caps_row), blank where there is none
        return COUNT
    return type_format(column, values)


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


def sheet_order(names: Iterable[str]) -> list[str]:
    """The order of the results workbook's sheets: ``FIRST_SHEETS``, the family tables by their
    declared ``place``, any other sheet, then ``LAST_SHEETS``."""
    names = list(names)
    places = {name: table.place for name, table in declared().items()}
    family = sorted((n for n in names if n in places), key=lambda n: places[n])
    other = [n for n in names if n not in places and n not in FIRST_SHEETS and n not in LAST_SHEETS]
    return [
        *(n for n in FIRST_SHEETS if n in names),
        *family,
        *other,
        *(n for n in LAST_SHEETS if n in names),
    ]


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
