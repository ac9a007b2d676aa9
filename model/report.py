"""Result tables -> the results workbook of ``shared/spec/run.md`` (written atomically).

Numbers are written as numbers with number formats; header rows are frozen and bold; column
widths fit their contents; native Excel charts show the cost breakdown, concern shares against
caps, and scenario service.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from model.atomic import atomic_save
from model.charts import add_frontier_chart
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
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
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


def _fmt(column: str, values: pd.Series) -> str:
    """Number format by meaning (shares, money), else by type (counts, quantities)."""
    if column in SHARE_COLUMNS:
        return SHARE
    if column in MONEY_COLUMNS:
        return MONEY
    return COUNT if pd.api.types.is_integer_dtype(values) else QTY


def _clean(v: Any) -> Any:
    """Values openpyxl writes as real cells: numbers stay numbers; NaN/None become blank."""
    if v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()  # numpy scalar -> Python
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
    return v


def write_table(wb: Workbook, name: str, df: pd.DataFrame, formats: dict[str, str] | None = None) -> Any:
    """One sheet from a DataFrame: bold frozen header, formats by column, fitted widths."""
    ws = wb.create_sheet(name)
    cols = list(df.columns)
    ws.append(cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in df.itertuples(index=False, name=None):
        ws.append([_clean(v) for v in row])
    formats = formats or {}
    for j, col in enumerate(cols, start=1):
        fmt = formats.get(col) or _fmt(col, df[col])
        values = df[col].tolist() if len(df) else []
        width = len(str(col))
        for v in values[:2000]:
            v = _clean(v)
            if v is None:
                continue
            text = f"{v:,.2f}" if isinstance(v, float) else str(v)
            width = max(width, len(text))
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 9), 70)
        if fmt and len(df) and (pd.api.types.is_numeric_dtype(df[col]) or col == "value"):
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(df) + 1, min_col=j, max_col=j):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"  # header on every printed page
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed: all columns on one page width
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    return ws


def _summary_formats(df: pd.DataFrame, ws: Any) -> None:
    """Summary holds mixed values: format each number by its metric."""
    for i, metric in enumerate(df["metric"], start=2):
        cell = ws.cell(row=i, column=2)
        if not isinstance(cell.value, (int, float)) or isinstance(cell.value, bool):
            continue
        m = str(metric)
        if m in ("mip_gap",) or m.endswith("served_share"):
            cell.number_format = "0.00%"
        elif m.startswith("seconds.") or m == "solve_seconds":
            cell.number_format = "0.000"
        elif m.startswith("model_") or m in ("modules_added",):
            cell.number_format = "0"
        else:
            cell.number_format = MONEY


def _charts(wb: Workbook, tables: dict[str, pd.DataFrame], currency: str) -> None:
    for sheet, column in (("Tradeoff", "cap"), ("TradeoffResilience", "max_shortfall")):
        if sheet in tables and sheet in wb.sheetnames:
            add_frontier_chart(wb[sheet], tables[sheet], column, currency)
    costs = tables.get("Costs")
    if costs is not None and len(costs):
        ws = wb["Costs"]
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Yearly cost by component"
        chart.x_axis.title = None
        chart.y_axis.title = currency
        chart.legend = None
        data = Reference(ws, min_col=2, min_row=1, max_row=len(costs) + 1)
        cats = Reference(ws, min_col=1, min_row=2, max_row=len(costs) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, "D2")
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "Dependency" in wb.sheetnames:
        ws = wb["Dependency"]
        n = len(dep)
        share_col = list(dep.columns).index("concern_share") + 1
        cap_col = list(dep.columns).index("cap") + 1
        chart = BarChart()
        chart.title = "Concern share of supply against its cap"
        chart.y_axis.title = "share of supply"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.add_data(Reference(ws, min_col=share_col, min_row=1, max_row=n + 1), titles_from_data=True)
        line = LineChart()
        line.add_data(Reference(ws, min_col=cap_col, min_row=1, max_row=n + 1), titles_from_data=True)
        cats = Reference(ws, min_col=1, min_row=2, max_col=2, max_row=n + 1)
        chart.set_categories(cats)
        line.set_categories(cats)
        chart += line
        chart.height, chart.width = 10, 24
        ws.add_chart(chart, f"{get_column_letter(len(dep.columns) + 2)}2")
    ss = tables.get("ScenarioSummary")
    if ss is not None and len(ss) and "ScenarioSummary" in wb.sheetnames:
        ws = wb["ScenarioSummary"]
        col = list(ss.columns).index("served_share") + 1
        chart = BarChart()
        chart.title = "Share of demand served in each scenario"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=len(ss) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(ss) + 1))
        chart.legend = None
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, f"{get_column_letter(len(ss.columns) + 2)}2")


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
    wb = Workbook()
    wb.remove(wb.active)
    all_tables = dict(tables)
    all_tables["Warnings"] = warnings_table(warnings)
    for name in SHEET_ORDER:
        if name in all_tables:
            ws = write_table(wb, name, all_tables[name])
            if name == "Summary":
                _summary_formats(all_tables[name], ws)
    for name, df in all_tables.items():
        if name not in SHEET_ORDER:
            write_table(wb, name, df)
    _charts(wb, all_tables, currency)
    return atomic_save(wb, Path(path))
