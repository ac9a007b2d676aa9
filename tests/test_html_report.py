"""The HTML report (``model/html_report.py``): written whole, each section when its data exist,
Sankey links that sum to the flows, nothing fetched from the network, ``--no-report``; and in a
real browser (headless Chromium): charts rendered without script errors, a screenshot not blank."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model import html_report, htmlkit, sankey
from model.atomic import current_umask
from model.cli import main
from model.families import FAMILIES
from model.families.flows import BASELINE, sankey_links, scenario_input_use
from model.families.recipes import chain_tiers, chains
from model.html_report import Facts, render_html, report_path, write_html_report
from tests.helpers import SAMPLE

FACTS = Facts(
    bloc={"Home": "Domestic", "Ally": "Ally", "Rival": "Concern"},
    concern=frozenset({"Rival"}),
    currency="EUR",
    unit={"ore": "t", "oxide": "t", "magnet": "k", "chip": "k"},
    products=("chip", "ore", "oxide", "magnet"),
)
PERIODS = (2025, 2030)
GROWTH = {2025: 1.0, 2030: 2.0}


def tiered_tables(periods: tuple[int, ...] | None = PERIODS) -> dict[str, pd.DataFrame]:
    """Hand-made results of version 2 of the contract: a three-tier chain ore -> oxide -> magnet
    (oxide made in Rival from Rival ore and in Home from Ally ore; magnets made in Home and Ally
    from oxide) and a chip alone; one scenario 'Ban' (Rival's oxide plant lost), a sweep of the cap.
    Every quantity of 2030 is twice that of 2025. ``periods=None``: no period column (one year)."""
    years = periods or (None,)

    def rows(records: list[dict[str, Any]], quantity_columns: tuple[str, ...]) -> pd.DataFrame:
        out = []
        for t in years:
            for r in records:
                r = dict(r)
                if t is not None:
                    for c in quantity_columns:
                        r[c] = r[c] * GROWTH[t]
                    r = {"period": t, **r}
                out.append(r)
        return pd.DataFrame(out)

    flows = rows(
        [
            {"site": "mine_r", "origin": "Rival", "product": "ore", "market": "Rival", "quantity": 30.0},
            {"site": "mine_a", "origin": "Ally", "product": "ore", "market": "Home", "quantity": 20.0},
            {"site": "sep_r", "origin": "Rival", "product": "oxide", "market": "Ally", "quantity": 10.0},
            {"site": "sep_r", "origin": "Rival", "product": "oxide", "market": "Home", "quantity": 5.0},
            {"site": "sep_h", "origin": "Home", "product": "oxide", "market": "Home", "quantity": 15.0},
            {"site": "mag_h", "origin": "Home", "product": "magnet", "market": "Home", "quantity": 40.0},
            {"site": "mag_a", "origin": "Ally", "product": "magnet", "market": "Home", "quantity": 10.0},
            {"site": "mag_a", "origin": "Ally", "product": "magnet", "market": "Ally", "quantity": 5.0},
            {"site": "fab_a", "origin": "Ally", "product": "chip", "market": "Home", "quantity": 7.0},
        ],
        ("quantity",),
    )
    inputs = rows(
        [
            {"site": "sep_r", "country": "Rival", "product": "oxide", "input": "ore", "quantity_used": 30.0},
            {"site": "sep_h", "country": "Home", "product": "oxide", "input": "ore", "quantity_used": 20.0},
            {"site": "mag_h", "country": "Home", "product": "magnet", "input": "oxide", "quantity_used": 20.0},
            {"site": "mag_a", "country": "Ally", "product": "magnet", "input": "oxide", "quantity_used": 10.0},
        ],
        ("quantity_used",),
    )
    inputs["concern_free_used"] = inputs["quantity_used"] * 0.5
    site_list = [
        ("mine_r", "Rival", "ore", 40.0),
        ("mine_a", "Ally", "ore", 20.0),
        ("sep_r", "Rival", "oxide", 20.0),
        ("sep_h", "Home", "oxide", 15.0),
        ("mag_h", "Home", "magnet", 40.0),
        ("mag_a", "Ally", "magnet", 20.0),
        ("fab_a", "Ally", "chip", 10.0),
    ]
    sites = rows(
        [
            {"site": s, "country": c, "product": p, "status": "existing", "built": True, "capacity": cap}
            for s, c, p, cap in site_list
        ],
        ("capacity",),
    )
    scenario_sites = rows(
        [
            {"scenario": "Ban", "site": "mine_r", "production": 0.0},
            {"scenario": "Ban", "site": "mine_a", "production": 20.0},
            {"scenario": "Ban", "site": "sep_r", "production": 0.0},
            {"scenario": "Ban", "site": "sep_h", "production": 15.0},
            {"scenario": "Ban", "site": "mag_h", "production": 30.0},
            {"scenario": "Ban", "site": "mag_a", "production": 12.0},
            {"scenario": "Ban", "site": "fab_a", "production": 7.0},
        ],
        ("production",),
    )
    scenarios = rows(
        [
            {"scenario": "Ban", "product": "magnet", "market": "Home", "demand": 50.0, "supplied": 37.0},
            {"scenario": "Ban", "product": "magnet", "market": "Ally", "demand": 5.0, "supplied": 5.0},
            {"scenario": "Ban", "product": "chip", "market": "Home", "demand": 7.0, "supplied": 7.0},
        ],
        ("demand", "supplied"),
    )
    home_magnets = (scenarios["product"] == "magnet") & (scenarios["market"] == "Home")
    scenarios["stock_drawn"] = home_magnets * 8.0 * (scenarios["period"].map(GROWTH) if periods else 1.0)
    scenarios["unmet"] = scenarios["demand"] - scenarios["supplied"] - scenarios["stock_drawn"]
    scenarios["served_share"] = 1 - scenarios["unmet"] / scenarios["demand"]
    dependency = rows(
        [
            {"product": "magnet", "market": "Home", "concern_share": 0.25, "cap": 0.25, "binding": True},
            {"product": "chip", "market": "Home", "concern_share": 0.0, "cap": 1.0, "binding": False},
        ],
        (),
    )
    if periods:
        dependency.loc[dependency["period"] == periods[-1], "cap"] = [0.2, 1.0]
        dependency.loc[dependency["period"] == periods[-1], "concern_share"] = [0.2, 0.0]
    costs = rows(
        [{"component": "production", "value": 500.0}, {"component": "expected disruption cost", "value": 40.0}],
        ("value",),
    )
    summary = pd.DataFrame(
        [
            ("status", "optimal"),
            ("objective", float(costs["value"].sum())),
            ("normal_year_cost", float(costs["value"].sum()) - 40.0 * len(years)),
            ("expected_disruption_cost", 40.0 * len(years)),
            ("currency", "EUR"),
            ("mip_gap", 0.0001),
            ("input_file", "/data/tiers.xlsx"),
            ("run_at", "2026-11-29T04:00:00+00:00"),
        ],
        columns=["metric", "value"],
    )
    unmet = pd.DataFrame(columns=["product", "market", "demand", "unmet", "unmet_share"])
    tradeoff = pd.DataFrame(
        {
            "cap": [1.0, 0.5, 0.2, 0.0],
            "status": ["optimal", "optimal", "optimal", "infeasible"],
            "objective": [1000.0, 1040.0, 1200.0, None],
            "cost_increase_pct": [0.0, 0.04, 0.2, None],
            "price_per_point": [None, 0.8, 5.33, None],
            "design_change": ["", "+sep_h", "+mag_a +2 modules", ""],
        }
    )
    return {
        "Summary": summary,
        "Costs": costs,
        "Flows": flows,
        "Inputs": inputs,
        "Sites": sites,
        "Dependency": dependency,
        "Unmet": unmet,
        "Scenarios": scenarios,
        "ScenarioSites": scenario_sites,
        "Tradeoff": tradeoff,
    }


def plots(page: str) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Every ``Plotly.newPlot(id, data, layout, config)`` call of the page: id -> (data, layout)."""
    decoder = json.JSONDecoder()
    out = {}
    for m in re.finditer(r"Plotly\.newPlot\(\s*(?=\")", page):  # the calls with a literal id
        pos = m.end()
        values = []
        for _ in range(3):
            value, end = decoder.raw_decode(page, pos)
            values.append(value)
            pos = re.compile(r"\s*,\s*").match(page, end).end()  # type: ignore[union-attr]
        out[values[0]] = (values[1], values[2])
    return out


def chain_traces(page: str) -> list[list[dict[str, Any]]]:
    found = plots(page)
    return [found[k][0] for k in sorted((k for k in found if k.startswith("chain-")), key=lambda k: int(k[6:]))]


def trace_links(trace: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(source name, target name) -> value of one Sankey trace, by the nodes' full names (the
    trace's ``meta``; the label beside a node is its country alone); the hidden hairline that keeps
    the last column's labels on the right is left out."""
    names = trace["meta"]["nodes"]
    link = trace["link"]
    return {
        (names[s], names[t]): v
        for s, t, v in zip(link["source"], link["target"], link["value"], strict=True)
        if s < len(names) and t < len(names)
    }


# ---- paths and the atomic write -----------------------------------------------------------------


def test_report_path_is_beside_the_results_workbook() -> None:
    assert report_path("outputs/net_results.xlsx") == Path("outputs/net_report.html")
    assert report_path("/x/y/mine.xlsx") == Path("/x/y/mine_report.html")
    assert report_path("a_results_20261129-040000.xlsx") == Path("a_results_20261129-040000_report.html")


def test_written_whole_with_normal_permissions_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "net_report.html"
    written = write_html_report(target, tiered_tables(), FACTS)
    assert written == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert sorted(os.listdir(tmp_path)) == ["net_report.html"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~current_umask()
    target.chmod(0o640)  # a replaced file keeps its permissions
    write_html_report(target, tiered_tables(None), FACTS)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_earlier_report_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "net_report.html"
    target.write_text("the earlier report")

    def half_then_fail(self: Any, path: str | Path) -> None:
        Path(path).write_bytes(self.data[: len(self.data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(html_report._Text, "save", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_html_report(target, tiered_tables(), FACTS)
    assert target.read_text() == "the earlier report"
    assert sorted(os.listdir(tmp_path)) == ["net_report.html"]


# ---- content ------------------------------------------------------------------------------------


def test_no_network_reference_in_the_page() -> None:
    page = render_html(tiered_tables(), FACTS)
    assert "Plotly.newPlot" in page and "plotly.js v" in page  # the library is in the file
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE), "a script loaded from elsewhere"
    assert not re.search(r"<link[^>]*\bhref\s*=", page, re.IGNORECASE), "a style sheet loaded from elsewhere"
    assert not re.search(r"<(img|iframe)[^>]*\bsrc\s*=\s*[\"']?https?:", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", page, re.IGNORECASE)


SECTIONS = ("headline", "buildout", "dependency", "crises", "chains", "frontier")
"""The report's sections in the order a planner reads them (calibration, stress and alternatives
come with their studies)."""


def test_every_section_when_its_data_exist() -> None:
    page = render_html(tiered_tables(), FACTS)
    at = [page.index(f'<section id="{section}">') for section in SECTIONS]
    assert at == sorted(at)  # the headline, the build-out, dependency, crises, then the Sankeys
    found = plots(page)
    assert set(found) == {
        "chain-0",
        "chain-1",
        "timeline-capacity",
        "timeline-cost",
        "dependency-heatmap",
        "frontier-cap",
    }
    assert '<div class="label">Status</div><div class="value">optimal</div>' in page
    assert '<div class="label">Gap</div><div class="value">0.01%</div>' in page
    assert "Normal-year cost" in page and "Expected disruption cost" in page
    assert "none, every market is served in full." in page
    assert '<option value="s1">Ban</option>' in page
    assert '<option value="p0">2025</option>' in page and '<option value="p1">2030</option>' in page
    assert '<select id="choose-period" data-first="p1">' in page  # the page opens on the last period
    assert "No design at: 0.0% (infeasible)" in page


def test_the_page_names_no_family_table_and_what_the_families_import_imports_no_family() -> None:
    """The page renders what the families declare (their ``html`` and ``glance``): its source names
    no family table. The modules the families' sections import at their top (``model.htmlkit``,
    ``model.sankey``) import no family, so that no import comes back to ``model.families``."""
    sheets = [table.sheet for family in FAMILIES for table in getattr(family, "TABLES", ())]
    assert "Sites" in sheets and "Flows" in sheets
    page = Path(html_report.__file__).read_text(encoding="utf-8")
    assert [s for s in sheets if f'"{s}"' in page or f"'{s}'" in page] == []
    assert [f.__name__ for f in FAMILIES if hasattr(f, "html")] == [
        "model.families.flows",
        "model.families.capacity",
        "model.families.dependency",
        "model.families.scenarios",
        "model.families.calibration",
    ]
    for module in (htmlkit, sankey):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert [m for m in imported if m.startswith("model.families")] == [], module.__name__


def test_sections_without_their_data_are_left_out() -> None:
    tables = tiered_tables(None)
    for name in ("Tradeoff", "Scenarios", "ScenarioSites", "Inputs"):
        tables.pop(name)
    summary = tables["Summary"]
    tables["Summary"] = summary[~summary["metric"].isin(["normal_year_cost", "expected_disruption_cost"])]
    page = render_html(tables, FACTS)
    assert '<section id="headline">' in page and '<section id="chains">' in page
    for absent in ("buildout", "crises", "frontier"):  # nothing built, no crisis, no sweep
        assert f'<section id="{absent}">' not in page
    assert "Normal-year cost" not in page and "Expected disruption cost" not in page
    assert 'id="choose-scenario"' not in page and 'id="choose-period"' not in page
    assert set(plots(page)) == {*(f"chain-{k}" for k in range(4)), "cost-components"}  # no Inputs: each alone


def test_chains_are_the_connected_components_of_the_recipes_ordered_by_tier() -> None:
    edges = {("oxide", "ore"), ("magnet", "oxide"), ("cell", "cathode"), ("cell", "anode")}
    products = ["chip", "cell", "magnet", "ore", "oxide", "anode", "cathode"]
    assert chain_tiers(products, edges) == {
        "chip": 0,
        "cell": 1,
        "magnet": 2,
        "ore": 0,
        "oxide": 1,
        "anode": 0,
        "cathode": 0,
    }
    assert chains(products, edges) == [("chip",), ("anode", "cathode", "cell"), ("ore", "oxide", "magnet")]
    assert chains(["b", "a"], set()) == [("b",), ("a",)]


def test_tiered_sankey_links_sum_to_the_flows_and_inputs_per_period() -> None:
    """In each period, ore -> oxide -> magnet: made -> delivered links equal Flows summed over
    sites per (product, origin, market) (Rival's oxide to Home 5, Home's own 15, ...), and
    delivered -> made links equal Inputs.quantity_used per (input, country, product)."""
    tables = tiered_tables()
    for t in PERIODS:
        g = GROWTH[t]
        links = sankey_links(tables, ("ore", "oxide", "magnet"), BASELINE, t)
        assert links == pytest.approx(
            {
                (("made", "ore", "Rival"), ("delivered", "ore", "Rival")): 30 * g,
                (("made", "ore", "Ally"), ("delivered", "ore", "Home")): 20 * g,
                (("made", "oxide", "Rival"), ("delivered", "oxide", "Ally")): 10 * g,
                (("made", "oxide", "Rival"), ("delivered", "oxide", "Home")): 5 * g,
                (("made", "oxide", "Home"), ("delivered", "oxide", "Home")): 15 * g,
                (("made", "magnet", "Home"), ("delivered", "magnet", "Home")): 40 * g,
                (("made", "magnet", "Ally"), ("delivered", "magnet", "Home")): 10 * g,
                (("made", "magnet", "Ally"), ("delivered", "magnet", "Ally")): 5 * g,
                (("delivered", "ore", "Rival"), ("made", "oxide", "Rival")): 30 * g,
                (("delivered", "ore", "Home"), ("made", "oxide", "Home")): 20 * g,
                (("delivered", "oxide", "Home"), ("made", "magnet", "Home")): 20 * g,
                (("delivered", "oxide", "Ally"), ("made", "magnet", "Ally")): 10 * g,
            }
        )
        assert sankey_links(tables, ("chip",), BASELINE, t) == {
            (("made", "chip", "Ally"), ("delivered", "chip", "Home")): 7 * g
        }


def test_scenario_sankey_goes_through_one_pool_per_product() -> None:
    """Scenario 'Ban' in 2030: magnets made in Home 60 and Ally 24 into the pool; from the pool
    74 to Home and 10 to Ally (Scenarios.supplied), and 16 of stock drawn in Home."""
    links = sankey_links(tiered_tables(), ("ore", "oxide", "magnet"), "Ban", 2030)
    pool = ("pool", "magnet", "")
    assert links[(("made", "magnet", "Home"), pool)] == pytest.approx(60)
    assert links[(("made", "magnet", "Ally"), pool)] == pytest.approx(24)
    assert links[(pool, ("delivered", "magnet", "Home"))] == pytest.approx(74)
    assert links[(pool, ("delivered", "magnet", "Ally"))] == pytest.approx(10)
    assert links[(("stock", "magnet", "Home"), ("delivered", "magnet", "Home"))] == pytest.approx(16)
    assert (("made", "oxide", "Rival"), ("pool", "oxide", "")) not in links  # zero production: no link
    assert links[(("made", "oxide", "Home"), ("pool", "oxide", ""))] == pytest.approx(30)


def test_the_page_holds_one_trace_per_scenario_and_period_with_the_links() -> None:
    """One trace per (scenario, period); the baseline of the last period shown first (the
    network as built, not the first period before anything is built)."""
    page = render_html(tiered_tables(), FACTS)
    magnet_chain = chain_traces(page)[1]
    assert len(magnet_chain) == 2 * len(PERIODS)  # (baseline, Ban) x (2025, 2030)
    assert [t["visible"] for t in magnet_chain] == [False, True, False, False]
    links = trace_links(magnet_chain[1])  # baseline, 2030
    assert links[("oxide made in Rival", "oxide delivered in Home")] == pytest.approx(10)
    assert links[("oxide delivered in Ally", "magnet made in Ally")] == pytest.approx(20)
    assert sum(links.values()) == pytest.approx(2 * (30 + 20 + 10 + 5 + 15 + 40 + 10 + 5 + 30 + 20 + 20 + 10))
    trace = magnet_chain[0]
    colors = dict(zip(trace["meta"]["nodes"], trace["node"]["color"]))
    assert colors["ore made in Rival"] == htmlkit.CONCERN_COLOR  # coloured by bloc
    assert colors["magnet made in Home"] != colors["magnet made in Ally"]
    assert colors["oxide made in Home"] == colors["magnet made in Home"]


def panels(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """A small-multiples figure: panel title -> {trace name: y values}, each trace in the panel of
    its axes (the subplot titles are the layout's annotations, in the axes' order)."""
    titles = [a["text"] for a in layout["annotations"]]
    out: dict[str, dict[str, list[float]]] = {}
    for t in data:
        k = int(t.get("xaxis", "x")[1:] or 1) - 1
        out.setdefault(titles[k], {})[t["name"]] = t["y"]
    return out


def test_capacity_is_one_panel_per_product_in_its_unit() -> None:
    """Tonnes, thousands of wafers and magnets are never stacked together: a panel per product,
    titled with its unit, stacked by bloc (ore: Rival's mine 40 and Ally's 20; oxide: sep_r 20 in
    Rival, sep_h 15 at Home; magnet: Home 40, Ally 20; chip: Ally 10; 2030 twice 2025)."""
    data, layout = plots(render_html(tiered_tables(), FACTS))["timeline-capacity"]
    assert panels(data, layout) == {
        "chip (k)": {"Ally": [10, 20]},
        "ore (t)": {"Ally": [20, 40], "Concern": [40, 80]},
        "oxide (t)": {"Domestic": [15, 30], "Concern": [20, 40]},
        "magnet (k)": {"Domestic": [40, 80], "Ally": [20, 40]},
    }
    assert "one panel per product in its own unit" in layout["title"]["text"]
    assert len([k for k in layout if k.startswith("yaxis")]) == 4
    legend = [t["name"] for t in data if t["showlegend"]]
    assert sorted(legend) == ["Ally", "Concern", "Domestic"]  # one legend entry per bloc


def test_the_cost_chart_says_what_it_plots() -> None:
    """With Costs.yearly_value the chart is each period's yearly cost and says so; without it, the
    period's value, titled as such; without periods, the yearly cost by component."""
    tables = tiered_tables()
    data, layout = plots(render_html(tables, FACTS))["timeline-cost"]
    assert layout["title"]["text"].startswith("Cost of each period by component")
    tables["Costs"] = tables["Costs"].assign(yearly_value=tables["Costs"]["value"] / 2)
    data, layout = plots(render_html(tables, FACTS))["timeline-cost"]
    assert layout["title"]["text"] == "Yearly cost in each period, by component (EUR a year)"
    assert {t["name"]: t["y"] for t in data} == {"production": [250, 500], "expected disruption cost": [20, 40]}
    data, layout = plots(render_html(tiered_tables(None), FACTS))["cost-components"]
    assert layout["title"]["text"] == "Yearly cost by component (EUR a year)"
    assert data[0]["y"] == ["production", "expected disruption cost"] and data[0]["x"] == [500, 40]


def test_the_frontier_from_the_sweep() -> None:
    found = plots(render_html(tiered_tables(), FACTS))
    frontier = found["frontier-cap"][0][0]
    assert frontier["x"] == [1.0, 0.5, 0.2] and frontier["y"] == [1000, 1040, 1200]


def test_the_resilience_frontier_and_a_run_stopped_at_a_limit() -> None:
    tables = tiered_tables(None)
    tables["TradeoffResilience"] = pd.DataFrame(
        {"max_shortfall": [0.5, 0.2], "status": ["optimal", "feasible"], "objective": [900.0, 950.0]}
    )
    summary = tables["Summary"].set_index("metric")
    summary.loc["status", "value"], summary.loc["mip_gap", "value"] = "feasible", 0.023
    tables["Summary"] = summary.reset_index()
    page = render_html(tables, FACTS)
    frontier = plots(page)["frontier-max_shortfall"]
    assert frontier[0][0]["x"] == [0.5, 0.2] and frontier[0][0]["y"] == [900, 950]
    assert frontier[1]["xaxis"]["title"]["text"] == html_report.AXIS_TITLES["max_shortfall"]
    assert '<div class="value">feasible</div><div class="note">stopped at a limit: not proven optimal</div>' in page
    assert '<div class="label">Gap</div><div class="value">2.30%</div>' in page


def test_a_long_dependency_table_scrolls() -> None:
    """Thirty capped markets: the table scrolls in its box (the sections after it stay in reach),
    every row in it; a short table does not."""
    tables = tiered_tables(None)
    many = pd.DataFrame({"product": "magnet", "market": [f"M{i}" for i in range(30)], "concern_share": 0.1, "cap": 0.2})
    tables["Dependency"] = many.assign(binding=False)
    page = render_html(tables, FACTS)
    assert '<div class="scroll"><table id="dependency-table">' in page and page.count("<td>M") == 30
    assert '<div class="scroll"><table id="dependency-table">' not in render_html(tiered_tables(None), FACTS)


def test_a_cap_at_its_limit_that_costs_nothing_is_not_called_binding() -> None:
    """A cap at its limit with no marginal cost is held by another constraint; the
    headline says so, as the console and the Dependency sheet's at_cap/binding columns do."""
    tables = tiered_tables(None)
    tables["Dependency"] = pd.DataFrame(
        [
            {
                "product": "magnet",
                "market": "Home",
                "concern_share": 0.65,
                "cap": 0.65,
                "binding": False,
                "at_cap": True,
            },
            {"product": "chip", "market": "Home", "concern_share": 0.25, "cap": 0.25, "binding": True, "at_cap": True},
        ]
    )
    page = render_html(tables, FACTS)
    assert page.count(">25.0% look-through, at cap, held by another constraint<") == 0
    assert page.count(">65.0% look-through, at cap, held by another constraint<") == 1
    assert ">25.0% look-through, binding<" in page


def test_user_text_is_escaped() -> None:
    tables = tiered_tables(None)
    tables["Flows"].loc[0, "market"] = "<script>alert(1)</script>"
    page = render_html(tables, FACTS)
    assert "<script>alert(1)</script>" not in page


@pytest.fixture(scope="module")
def sample_run(sample_network: Any, solved_sample: Any) -> tuple[Any, Any]:
    """The sample and its results, solved once per test session (tests/conftest.py)."""
    return sample_network, solved_sample


def test_sample_links_sum_to_its_flows_and_scenario_production(sample_run: tuple[Any, Any]) -> None:
    net, result = sample_run
    tables = result.tables
    page = render_html(tables, Facts.of(net))
    traces = chain_traces(page)
    assert len(traces) == len(net.products)  # no recipes: each product alone
    flows = tables["Flows"]
    for product, per_choice in zip(net.products, traces, strict=True):
        expected: dict[tuple[str, str], float] = defaultdict(float)
        for r in flows[flows["product"] == product].itertuples():
            expected[(f"made in {r.origin}", f"delivered in {r.market}")] += r.quantity
        assert trace_links(per_choice[0]) == pytest.approx(dict(expected))
        for w, trace in zip(net.scenarios, per_choice[1:], strict=True):
            links = trace_links(trace)
            made = sum(v for (a, _), v in links.items() if a.startswith("made in"))
            sites = tables["Sites"].set_index("site")["product"]
            ss = tables["ScenarioSites"]
            ss = ss[(ss["scenario"] == w) & (ss["site"].map(sites) == product)]
            assert made == pytest.approx(float(ss["production"].sum()))
            sc = tables["Scenarios"]
            sc = sc[(sc["scenario"] == w) & (sc["product"] == product)]
            delivered = sum(v for (_, b), v in links.items() if b.startswith("delivered in"))
            assert delivered == pytest.approx(float((sc["supplied"] + sc["stock_drawn"]).sum()))


# ---- the command line ---------------------------------------------------------------------------


def test_run_writes_the_report_and_prints_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net_results.xlsx"
    assert main([str(SAMPLE), "--out", str(out), "--quiet"]) == 0
    report = tmp_path / "net_report.html"
    assert f"Report: {report.absolute()}" in capsys.readouterr().out
    assert '<section id="chains">' in report.read_text(encoding="utf-8")


def test_no_report_writes_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net_results.xlsx"
    assert main([str(SAMPLE), "--out", str(out), "--quiet", "--no-report"]) == 0
    assert "Report:" not in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["net_results.xlsx"]


def test_a_page_the_user_made_is_never_replaced_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net_results.xlsx"
    mine = tmp_path / "net_report.html"
    mine.write_text("<html>my own notes</html>")
    assert main([str(SAMPLE), "--out", str(out), "--quiet"]) == 2
    said = capsys.readouterr().out
    assert "Nothing written" in said and "--no-report" in said and "--force" in said
    assert mine.read_text() == "<html>my own notes</html>" and not out.exists()
    assert main([str(SAMPLE), "--out", str(out), "--quiet", "--no-report"]) == 0
    assert mine.read_text() == "<html>my own notes</html>"
    assert main([str(SAMPLE), "--out", str(out), "--quiet", "--force"]) == 0
    assert html_report.is_tool_report(mine)
    assert main([str(SAMPLE), "--out", str(out), "--quiet"]) == 0  # a rerun replaces its own report
    (tmp_path / "dir_results.xlsx").with_name("dir_report.html").mkdir()
    assert main([str(SAMPLE), "--out", str(tmp_path / "dir_results.xlsx"), "--quiet"]) == 2
    assert "is a folder" in capsys.readouterr().out


# ---- in a real browser --------------------------------------------------------------------------

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
RECORDER = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message) + " at line " + e.lineno); });
window.addEventListener("unhandledrejection", function (e) { window.__errors.push("rejected: " + String(e.reason)); });
(function () {
  var err = console.error;
  console.error = function () {
    window.__errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    err.apply(console, arguments);
  };
})();
</script>"""
CENSUS = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  function census() {
    var out = {};
    function shown(d, selector) {  // drawn and on screen (plotly may keep a hidden trace's elements)
      return Array.prototype.filter.call(d.querySelectorAll(selector), function (e) {
        var box = e.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== "hidden";
      }).length;
    }
    document.querySelectorAll(".plotly-graph-div").forEach(function (d) {
      out[d.id] = {svg: d.querySelectorAll("svg.main-svg").length, nodes: shown(d, ".sankey-node"),
                   links: shown(d, ".sankey-link"), bars: d.querySelectorAll(".bars .point").length,
                   lines: d.querySelectorAll(".scatterlayer .trace").length};
    });
    return out;
  }
  var result = {first: census(), views: {}};
  var s = document.getElementById("choose-scenario"), p = document.getElementById("choose-period");
  var sv = s ? Array.prototype.map.call(s.options, function (o) { return o.value; }) : ["s0"];
  var pv = p ? Array.prototype.map.call(p.options, function (o) { return o.value; }) : ["p0"];
  var todo = [];
  sv.forEach(function (a) { pv.forEach(function (b) { todo.push([a, b]); }); });
  function next() {  // one choice at a time, counted after plotly's transitions have ended
    if (!todo.length) {
      result.errors = window.__errors;
      var pre = document.createElement("pre"); pre.id = "test-result"; pre.textContent = JSON.stringify(result);
      document.body.appendChild(pre);
      return;
    }
    var ab = todo.shift();
    if (s) { s.value = ab[0]; s.dispatchEvent(new Event("change")); }
    if (p) { p.value = ab[1]; p.dispatchEvent(new Event("change")); }
    setTimeout(function () { result.views[ab[0] + ab[1]] = census(); next(); }, 2000);
  }
  next();
}, 1000); });
</script>"""


def chromium(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with nothing that reaches out to the network (or hangs without it)."""
    profile = tempfile.mkdtemp(dir=cwd)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=60000",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium); .ci/run installs it")
@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    """Every chart drawn (an SVG in each container, the Sankey's nodes and links for every
    scenario and period chosen in the selectors), no script error, a screenshot that is not blank
    and shows the concern bloc's red. The report itself is unchanged: the test's error recorder and
    census go into a copy of it."""
    from PIL import Image, ImageStat

    tables = tiered_tables()
    report = write_html_report(tmp_path / "tiers_report.html", tables, FACTS)
    page = report.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + RECORDER, 1).replace("</body>", CENSUS + "</body>"))
    done = chromium(["--dump-dom", probe.as_uri()], tmp_path)
    found = re.search(r'<pre id="test-result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"the page did not finish loading in Chromium: {done.stderr[-2000:]}"
    result = json.loads(html_report.html.unescape(found.group(1)))
    assert result["errors"] == []
    first = result["first"]
    assert set(first) == {
        "chain-0",
        "chain-1",
        "timeline-capacity",
        "timeline-cost",
        "dependency-heatmap",
        "frontier-cap",
    }
    assert all(v["svg"] > 0 for v in first.values()), first
    assert first["timeline-capacity"]["bars"] == 7 * len(PERIODS)  # (product, bloc) pairs, one panel a product
    assert first["frontier-cap"]["lines"] == 1
    traces = chain_traces(page)
    for k, (si, pi) in enumerate((si, pi) for si in range(2) for pi in range(len(PERIODS))):
        view = result["views"][f"s{si}p{pi}"]
        for c, per_choice in enumerate(traces):
            drawn, trace = view[f"chain-{c}"], per_choice[k]
            assert drawn["nodes"] == len(trace["node"]["label"]), (k, c, drawn)
            assert drawn["links"] == len(trace["link"]["value"]), (k, c, drawn)

    shot = tmp_path / "shot.png"
    done = chromium([f"--screenshot={shot}", "--window-size=1280,3000", report.as_uri()], tmp_path)
    assert shot.exists(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 3000)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20  # a blank page has 0
    red = htmlkit.CONCERN_COLOR
    target = tuple(int(red[i : i + 2], 16) for i in (1, 3, 5))
    reds = sum(
        n
        for n, rgb in image.getcolors(1280 * 3000)  # type: ignore[union-attr]
        if all(abs(a - b) <= 6 for a, b in zip(rgb, target))
    )
    assert reds > 200, "no node in the concern bloc's colour on the screen"


def test_scenario_sankey_draws_the_stock_of_an_intermediate() -> None:
    """The reviewer's oxide ban in 2025, made small: China's oxide plant is lost, the Japanese
    magnet plant (idle in the 2025 baseline, 1.3 t oxide per magnet by 2027's baseline: 208 /
    160) makes 153.85 magnets from the 200 t of oxide drawn from Japan's stockpile, and a
    magnet plant in Japan that made none in any baseline (rate unknown) makes 10 from the 13 t
    of oxide that arrive from Australia. The diagram draws the stock and the oxide into each
    plant: stock 200 -> oxide delivered in Japan; oxide, all makers 13 -> oxide delivered in
    Japan; oxide delivered in Japan -> magnet made in Japan 213 (200 by rate, 13 the rest), so
    "magnet made in Japan" no longer appears from nothing."""
    sites = pd.DataFrame(
        [
            {"period": t, "site": s, "country": c, "product": p, "production": q}
            for t, s, c, p, q in [
                (2025, "cn_oxide", "China", "oxide", 390.0),
                (2025, "au_oxide", "Australia", "oxide", 0.0),
                (2025, "jp_magnet", "Japan", "magnet", 0.0),
                (2025, "jp_new", "Japan", "magnet", 0.0),
                (2027, "au_oxide", "Australia", "oxide", 208.0),
                (2027, "jp_magnet", "Japan", "magnet", 160.0),
                (2027, "jp_new", "Japan", "magnet", 0.0),
            ]
        ]
    )
    inputs = pd.DataFrame(
        [
            {"period": t, "site": s, "country": "Japan", "product": "magnet", "input": "oxide", "quantity_used": q}
            for t, s, q in [
                (2025, "jp_magnet", 0.0),
                (2025, "jp_new", 0.0),
                (2027, "jp_magnet", 208.0),
                (2027, "jp_new", 0.0),
            ]
        ]
    )
    scenario_sites = pd.DataFrame(
        [
            {"period": 2025, "scenario": "Oxide ban", "site": s, "production": q}
            for s, q in [("cn_oxide", 0.0), ("au_oxide", 13.0), ("jp_magnet", 200 / 1.3), ("jp_new", 10.0)]
        ]
    )
    scenarios = pd.DataFrame(
        [
            {
                "period": 2025,
                "scenario": "Oxide ban",
                "product": "magnet",
                "market": "USA",
                "demand": 200.0,
                "supplied": 200 / 1.3 + 10,
                "stock_drawn": 0.0,
                "unmet": 200 - 200 / 1.3 - 10,
            }
        ]
    )
    scenario_inputs = pd.DataFrame(
        [
            {
                "period": 2025,
                "scenario": "Oxide ban",
                "product": "oxide",
                "market": "Japan",
                "supplied": 13.0,
                "stock_drawn": 200.0,
                "used": 213.0,
                "baseline_used": 0.0,
            }
        ]
    )
    tables = {
        "Sites": sites,
        "Inputs": inputs,
        "ScenarioSites": scenario_sites,
        "Scenarios": scenarios,
        "ScenarioInputs": scenario_inputs,
    }
    links = sankey_links(tables, ("oxide", "magnet"), "Oxide ban", 2025)
    delivered = ("delivered", "oxide", "Japan")
    assert links[(("stock", "oxide", "Japan"), delivered)] == pytest.approx(200)
    assert links[(("pool", "oxide", ""), delivered)] == pytest.approx(13)
    assert links[(delivered, ("made", "magnet", "Japan"))] == pytest.approx(213)
    assert scenario_input_use(tables, "Oxide ban", 2025, {"oxide", "magnet"}) == {
        ("oxide", "Japan", "magnet"): pytest.approx(213)
    }
    into = sum(v for (_, b), v in links.items() if b == delivered)
    out_of = sum(v for (a, _), v in links.items() if a == delivered)
    assert into == pytest.approx(out_of)  # the pool balances: what arrives and is drawn is used


def test_the_frontier_flags_points_met_by_leaving_demand_unserved() -> None:
    """The reviewer's sweep (1, 0.5, 0.2), made small: the 50% and 20% points meet the cap by
    leaving magnets unserved in Home (Tradeoff.met_by_unserved_demand, unserved). The console,
    the Tradeoff sheet and the PNG flag them; the page does too: in the hover, with a red square
    of their own (a second trace) and in a line under the chart. The loosest point is not flagged."""
    tables = tiered_tables(None)
    tradeoff = tables["Tradeoff"]
    tradeoff["met_by_unserved_demand"] = [False, True, True, None]
    tradeoff["unserved"] = ["", "magnet: Home 8 k", "magnet: Home 20 k", ""]
    page = render_html(tables, FACTS)
    data, _ = plots(page)["frontier-cap"]
    assert len(data) == 2
    cost, marked = data
    assert "unserved" not in cost["customdata"][0]
    assert "met by leaving demand unserved: magnet: Home 8 k" in cost["customdata"][1]
    assert "met by leaving demand unserved: magnet: Home 20 k" in cost["customdata"][2]
    assert marked["x"] == [0.5, 0.2] and marked["y"] == [1040, 1200]
    assert marked["marker"]["symbol"] == "square" and marked["name"].startswith("met by leaving demand unserved")
    assert "2 points meet the cap partly by leaving demand unserved" in page
    assert "50.0%: magnet: Home 8 k; 20.0%: magnet: Home 20 k" in page
    tradeoff["met_by_unserved_demand"] = False
    assert len(plots(render_html(tables, FACTS))["frontier-cap"][0]) == 1  # nothing flagged: no mark, no line


def test_a_frontier_with_no_feasible_point_says_so() -> None:
    """Every point of the sweep infeasible: no chart (it would be an axis around 0 with "-0"
    ticks and nothing on it) but a line that says nothing was feasible, with each value's status."""
    tables = tiered_tables(None)
    tables["Tradeoff"] = pd.DataFrame(
        {"cap": [0.5, 0.2], "status": ["infeasible", "infeasible"], "objective": [None, None]}
    )
    page = render_html(tables, FACTS)
    assert "frontier-cap" not in plots(page)
    assert "<b>Nothing was feasible</b>: no design meets the cap at any value swept" in page
    assert "(50.0% (infeasible), 20.0% (infeasible))" in page
