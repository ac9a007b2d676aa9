"""The results writer (XlsxWriter): cell types, number formats, blanks, frozen headers, charts."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from bench import io as bench_io
from model.families.dependency import normal_year
from model.report import write_results
from model.results import cost_split, summary_meaning, with_cost_split
from model.xlsx import BOOL, MONEY, QTY, SHARE, significant_format
from tests.xlsx_charts import C, anchored_charts, category_ref, charts, series


def test_cells_keep_their_types_and_formats(tmp_path: Path) -> None:
    costs = pd.DataFrame({"component": ["production", "freight"], "value": [1234.5, 0.25]})
    sites = pd.DataFrame(
        {
            "site": ["A", "B", "C"],
            "built": [True, False, True],
            "modules_added": np.array([0, 2, 1], dtype=np.int64),
            "production": [10.5, float("nan"), 3.0],
            "utilization": [0.5, 0.0, math.inf],
        }
    )
    path = write_results(tmp_path / "r.xlsx", {"Costs": costs, "Sites": sites}, ["a warning"], currency="EUR")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Costs", "Sites", "Warnings"]
    ws = wb["Sites"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == list(sites.columns)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("A", True, 0, 10.5, 0.5)
    assert rows[1][1] is False and rows[1][3] is None  # NaN is a blank cell, not text
    assert rows[2][4] is None  # so is infinity
    assert ws["C3"].number_format == "#,##0"  # integer column: a count
    assert ws["D2"].number_format == QTY
    assert ws["E2"].number_format == SHARE
    assert wb["Costs"]["B2"].number_format == "#,##0.00" and wb["Costs"]["B2"].value == 1234.5
    assert charts(path, "Costs") and not charts(path, "Sites")  # the cost breakdown chart, only there
    assert [c.value for c in wb["Warnings"][2]] == [None, None, "a warning"]


def test_a_large_table_is_written_whole(tmp_path: Path) -> None:
    df = bench_io.flows_table(3000)
    path = write_results(tmp_path / "big.xlsx", {"Flows": df})
    ws = load_workbook(path, read_only=True)["Flows"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3000
    assert rows[-1][0] == df["site"].iloc[-1] and rows[-1][3] == df["flow"].iloc[-1]
    bench_io.openpyxl_write_only(tmp_path / "o.xlsx", df)  # the comparison writer of bench/io.py works too
    assert load_workbook(tmp_path / "o.xlsx")["Flows"].max_row == 3001


def test_every_summary_row_says_what_it_means(solved_sample) -> None:
    summary = solved_sample["Summary"]
    assert list(summary.columns) == ["metric", "value", "meaning"]
    unexplained = summary.loc[summary["meaning"] == "", "metric"].tolist()
    assert not unexplained, unexplained
    assert summary_meaning("seconds.polish_highs") != summary_meaning("seconds.polish")


# ---- sheets that read right ----------------------------------------------------------


def test_small_numbers_keep_three_significant_digits(tmp_path: Path) -> None:
    """0.008 and 0.0104 (unit costs) and 0.0002 (freight) must not read 0.01 and 0.00."""
    flows = pd.DataFrame(
        {
            "product": ["oxide", "oxide", "oxide", "chip"],
            "quantity": [0.0002, 1500.0, 0.25, 3.0],
            "unit_cost": [0.008, 0.0104, 0.0002, 12.5],
            "tariff_rate": [0.0002, 0.25, 0.0, 0.5],
        }
    )
    ws = load_workbook(write_results(tmp_path / "r.xlsx", {"Flows": flows}))["Flows"]
    header = [c.value for c in ws[1]]
    fmt = {col: [ws.cell(i + 2, header.index(col) + 1).number_format for i in range(4)] for col in flows}
    assert fmt["unit_cost"] == ["#,##0.000", "#,##0.0000", "#,##0.0000", "#,##0.00"]  # 0.008 0.0104 0.0002 12.50
    assert fmt["quantity"] == ["#,##0.0000", QTY, QTY, QTY]  # 0.0002; 1,500.0; 0.25; 3.0
    assert fmt["tariff_rate"][:2] == ["0.00%", SHARE]  # shows 0.02%; 25.0%
    assert significant_format(0.5, MONEY) is None and significant_format(12.3, MONEY) is None


def test_booleans_are_written_with_a_boolean_format(tmp_path: Path) -> None:
    """LibreOffice shows a boolean cell without a boolean format as 1/0."""
    sites = pd.DataFrame({"site": ["A", "B"], "built": [True, False], "capacity": [1.0, 2.0]})
    ws = load_workbook(write_results(tmp_path / "r.xlsx", {"Sites": sites}))["Sites"]
    assert ws["B2"].value is True and ws["B3"].value is False
    assert ws["B2"].number_format == BOOL and ws["B3"].number_format == BOOL


def test_summary_settings_in_their_own_formats(tmp_path: Path) -> None:
    summary = pd.DataFrame(
        {
            "metric": ["objective", "mip_gap", "setting.mip_gap", "setting.dependency_cap", "setting.time_limit_s"],
            "value": [1234.5, 0.00012, 0.0001, 0.3, 120],
            "meaning": ["", "", "", "", ""],
        }
    )
    ws = load_workbook(write_results(tmp_path / "r.xlsx", {"Summary": summary}))["Summary"]
    fmts = {ws.cell(r, 1).value: ws.cell(r, 2).number_format for r in range(2, 7)}
    assert fmts["setting.mip_gap"] == "General"  # 0.0001, as typed (was 0.00)
    assert fmts["setting.dependency_cap"] == "0.0%"
    assert fmts["objective"] == MONEY and fmts["mip_gap"] == "0.000%"  # the gap reads 0.012%, not 0.01%


def test_quantities_of_different_products_carry_their_unit(tmp_path: Path, solved_sample, sample_network) -> None:
    res = solved_sample
    path = write_results(
        tmp_path / "r.xlsx", res.tables, units=sample_network.unit, site_product=sample_network.site_product
    )
    wb = load_workbook(path, read_only=True)
    for sheet in ("Flows", "Sites", "Dependency", "Unmet", "Scenarios", "ScenarioSites", "Stockpiles"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        header = list(rows[0])
        assert "unit" in header, sheet
        units = {r[header.index("unit")] for r in rows[1:]}
        assert len(rows) == 1 or (None not in units and "" not in units), (sheet, units)
    sites = list(wb["Sites"].iter_rows(values_only=True))
    h = list(sites[0])
    tsmc = next(r for r in sites if r[0] == "TSMC Hsinchu-Tainan")
    assert tsmc[h.index("unit")] == "k wafers (300 mm)"
    assert "busiest_scenario" in h and "worst_scenario" not in h  # it holds the busiest scenario


def test_dependency_and_scenario_charts_readable_at_ten_times_the_sample(tmp_path: Path, solved_sample) -> None:
    """One Dependency chart per product, as tall as its markets; the ScenarioSummary chart's
    categories are the scenarios, one series (legend entry) per product. Read from the file's
    drawing and chart parts (tests/xlsx_charts.py), not openpyxl's internals."""
    res = solved_sample
    dep, ss = res["Dependency"], res["ScenarioSummary"]  # with the crises' rows: the charts read the normal year's
    normal = normal_year(dep)
    big_dep = pd.concat(
        [normal.assign(market=normal["market"] + f" {k}") for k in range(10)], ignore_index=True
    )  # ten times the pairs, products interleaved
    big_ss = pd.concat([ss.assign(scenario=ss["scenario"] + f" {k}") for k in range(10)], ignore_index=True)
    for name, d, s in (("sample", dep, ss), ("ten", big_dep, big_ss)):
        path = write_results(tmp_path / f"{name}.xlsx", {"Dependency": d, "ScenarioSummary": s})
        drawn = anchored_charts(path, "Dependency")
        products = list(dict.fromkeys(normal_year(d)["product"]))
        assert len(drawn) == len(products), name
        for (first, last, chart), product in zip(drawn, products):
            n = int((normal_year(d)["product"] == product).sum())
            assert last - first >= n, (name, product)  # at least a sheet row per market
            ref = category_ref(series(chart)[0])  # the product's own block of market cells
            rows = [int(x) for x in re.findall(r"\$(\d+)", ref)]
            assert rows[1] - rows[0] + 1 == n
        ((first, last, chart),) = anchored_charts(path, "ScenarioSummary")
        assert len(series(chart)) == ss["product"].nunique()
        cats = {tuple(category_ref(sr).split("!")[1].split(":")) for sr in series(chart)}
        assert len(cats) == 1  # every product's bars share the scenario categories
        n_scen = s["scenario"].nunique()
        ws = load_workbook(path)["ScenarioSummary"]
        header = [c.value for c in ws[1]]
        block = header.index("served_share by scenario") + 1
        names = [ws.cell(r, block).value for r in range(2, n_scen + 2)]
        assert names == list(dict.fromkeys(s["scenario"]))
        assert last - first >= n_scen * 2


def test_summary_gives_the_normal_year_beside_the_objective() -> None:
    costs = pd.DataFrame(
        {
            "component": ["production", "unmet-demand penalty (baseline)", "expected disruption cost"],
            "value": [100.0, 5.0, 20.0],
        }
    )
    assert cost_split(costs) == {"normal_year_cost": 105.0, "expected_disruption_cost": 20.0, "unmet_penalty": 5.0}
    summary = pd.DataFrame(
        {"metric": ["status", "objective", "currency"], "value": ["optimal", 125.0, "USD"], "meaning": ["", "", ""]}
    )
    out = with_cost_split(summary, costs)
    assert out["metric"].tolist() == ["status", "objective", "normal_year_cost", "expected_disruption_cost", "currency"]
    assert out["value"].tolist()[1:4] == [125.0, 105.0, 20.0]
    assert all(out["meaning"].iloc[1:4].str.len() > 20)


def test_years_read_as_years(tmp_path: Path) -> None:
    """A period (named by its first year) and the years a site opens or closes read 2025, not
    2,025 or 2,027.0 (the trial's Flows, Sites, Dependency and Timeline sheets did): the Sites
    table declares them years."""
    sites = pd.DataFrame(
        {
            "period": np.array([2025, 2027], dtype=np.int64),
            "site": ["AU oxide", "AU oxide"],
            "capacity": np.array([0, 600], dtype=np.int64),
            "opens": [float("nan"), 2027.0],
            "closes": [2027.0, float("nan")],
        }
    )
    ws = load_workbook(write_results(tmp_path / "r.xlsx", {"Sites": sites}))["Sites"]
    assert [ws[f"{c}3"].number_format for c in "ACD"] == ["0", "#,##0", "0"]
    assert ws["E2"].number_format == "0"


A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def chart_title(chart: ET.Element) -> str:
    """The text of a chart's title (``c:title``'s runs)."""
    title = chart.find(f".//{C}title")
    return "".join(t.text or "" for t in title.iter(f"{A}t")) if title is not None else ""


def series_name(ser: ET.Element) -> str:
    """A series' name: its literal text, or the cell it is read from."""
    return ser.findtext(f"{C}tx/{C}v") or ser.findtext(f"{C}tx/{C}strRef/{C}f") or ""


def test_the_costs_chart_title_and_series_agree(tmp_path: Path) -> None:
    """Over periods the Costs chart draws each component's total over the horizon (the ``total``
    rows) and its title and series say so; without periods, the yearly cost by component."""
    rows = [(t, c, v, 2.0, 2 * v) for t in (2025, 2030) for c, v in (("production", 100.0), ("freight", 10.0))]
    rows += [("total", "production", None, None, 400.0), ("total", "freight", None, None, 40.0)]
    costs = pd.DataFrame(rows, columns=["period", "component", "yearly_value", "weight", "value"])
    (chart,) = charts(write_results(tmp_path / "p.xlsx", {"Costs": costs}, currency="EUR"), "Costs")
    assert (
        chart_title(chart) == "Cost by component over the horizon (EUR: each period's yearly cost x its weight, summed)"
    )
    (ser,) = series(chart)
    assert series_name(ser) == "total over the horizon" and category_ref(ser) == "'Costs'!$B$6:$B$7"
    one = pd.DataFrame({"component": ["production", "freight"], "value": [100.0, 10.0]})
    (chart,) = charts(write_results(tmp_path / "y.xlsx", {"Costs": one}, currency="EUR"), "Costs")
    assert chart_title(chart) == "Yearly cost by component (EUR a year)"
    assert series_name(series(chart)[0]) == "yearly cost"


def test_dependency_bars_name_their_period(tmp_path: Path) -> None:
    """Over periods each Dependency bar is named by its market and period (and its basis where
    the market has a row on each basis in that period), in a column beside the table that the
    charts read; without periods, by its market."""
    pools = (("EU", "lookthrough", 1.0, 1.0), ("EU", "direct", 0.65, 0.65), ("USA", "lookthrough", 0.8, 0.8))
    dep = pd.DataFrame(
        [(t, "magnet", m, basis, share, cap) for t in (2025, 2030) for m, basis, share, cap in pools],
        columns=["period", "product", "market", "basis", "concern_share", "cap"],
    )
    path = write_results(tmp_path / "d.xlsx", {"Dependency": dep})
    ws = load_workbook(path)["Dependency"]
    header = [c.value for c in ws[1]]
    column = header.index("chart label") + 1
    labels = [ws.cell(r, column).value for r in range(2, len(dep) + 2)]
    assert labels == [
        "EU, 2025, lookthrough",
        "EU, 2025, direct",
        "USA, 2025",
        "EU, 2030, lookthrough",
        "EU, 2030, direct",
        "USA, 2030",
    ]
    (chart,) = charts(path, "Dependency")
    letter = ws.cell(1, column).column_letter
    assert {category_ref(s) for s in series(chart)} == {f"'Dependency'!${letter}$2:${letter}$7"}
    assert chart_title(chart) == "magnet: concern share of supply against its cap, by market and period"
    one = dep[dep["period"] == 2025].drop(columns="period")
    ws = load_workbook(write_results(tmp_path / "o.xlsx", {"Dependency": one}))["Dependency"]
    column = [c.value for c in ws[1]].index("chart label") + 1
    assert [ws.cell(r, column).value for r in range(2, 5)] == ["EU, lookthrough", "EU, direct", "USA"]


def test_a_frontier_with_no_feasible_point_says_so(tmp_path: Path) -> None:
    """Every point infeasible: the chart's title says nothing was feasible and it has no cost axis
    (which would read 0 around nothing)."""
    table = pd.DataFrame({"cap": [0.5, 0.2], "status": ["infeasible", "infeasible"], "objective": [None, None]})
    (chart,) = charts(write_results(tmp_path / "f.xlsx", {"Tradeoff": table}), "Tradeoff")
    assert chart_title(chart).startswith("Nothing was feasible: no design meets the dependency cap at any value")
    value_axes = [ax for ax in chart.iter(f"{C}valAx") if ax.find(f"{C}axPos").get("val") in ("l", "r")]
    assert [ax.find(f"{C}delete").get("val") for ax in value_axes] == ["1"]
    table["objective"] = [10.0, None]
    (chart,) = charts(write_results(tmp_path / "g.xlsx", {"Tradeoff": table}), "Tradeoff")
    assert chart_title(chart).startswith("Total yearly cost against the dependency cap")
