"""Result tables -> a self-contained HTML report beside the results workbook.

One HTML file that opens offline in any browser: plotly.js is embedded once in the page (about
4.8 MB), so nothing is fetched at view time. Made from the result tables (the DataFrames the
results workbook is written from) and a few facts of the ``Network`` (``htmlkit.Facts``: blocs,
concern countries, currency, units, site costs, periods), never from the Pyomo model. This module
is the page; it names no family table: each family renders its own sections (``html`` ->
``Section``) and its part of the headline (``glance`` -> ``Glance``), with the helpers of
``model.htmlkit``. Sections, each present only when its data exist, in the order a planner asks
the questions:

* **Headline**: the objective, normal-year cost, expected disruption cost (when the Summary has
  them), status and gap; the families' lines, one per question linking to its section (what is
  built, what binds, the worst crisis), then how sure (the status and gap, the families' phrases
  such as the calibration's, what the studies say, links to their sections); what the families
  show under the lines (the baseline's unmet demand); the yearly cost of each period by component.
* **The families' sections**, by ``Section.place``: the first year against today's trade
  (calibration), what to build, where and when (capacity), how dependent, stage by stage
  (dependency), what happens in each crisis (scenarios), the product chains as Sankey diagrams
  (flows; laid out by ``model.sankey``) with the scenario and period selectors this page scripts.
* **Frontier** (when a sweep ran): cost against the cap (``Tradeoff``) and against the survival
  target (``TradeoffResilience``); points met by leaving demand unserved marked and listed; a
  sweep with no feasible point says so instead of drawing an empty chart.
* **Stress atlas** and **near-optimal alternatives** (with their studies).

Written atomically (``model.atomic.atomic_save``): a temporary file in the same folder, then an
atomic rename, with the permissions a normally saved file gets. A file at the report's path that
this tool did not write (no ``GENERATOR`` tag) is never replaced without ``--force``
(``report_refusal``, checked by the command line before it solves).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from model import htmlkit as kit
from model.atomic import atomic_save
from model.families import FAMILIES
from model.families.protocol import Glance, Section
from model.htmlkit import Facts
from model.network import Network

UNSERVED_LABEL = "met by leaving demand unserved"
"""Its words, as on the console and the PNG (``model.charts.UNSERVED_LABEL``)."""
AXIS_TITLES = {
    "cap": "Dependency cap (share of supply from concern countries)",
    "max_shortfall": "Survival target (most share of demand that may go unserved)",
}
FRONTIERS = (("Tradeoff", "cap"), ("TradeoffResilience", "max_shortfall"))
GENERATOR = "supply-network-redesign report"
"""The ``<meta name="generator">`` of every report, near the top of the file: how a rerun knows
that the file it is about to replace is a report of this tool and not a page the user made."""


# ---- paths and writing -------------------------------------------------------------------------


def report_path(results_path: str | Path) -> Path:
    """``outputs/x_results.xlsx`` -> ``outputs/x_report.html`` (any other ``y.xlsx`` -> ``y_report.html``)."""
    p = Path(results_path)
    stem = p.stem.removesuffix("_results") if p.suffix.lower() == ".xlsx" else p.name
    return p.with_name(f"{stem}_report.html")


def is_tool_report(path: str | Path) -> bool:
    """``path`` is a report this tool wrote (its generator tag in the first kilobytes)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">'.encode() in head


def report_refusal(path: str | Path, force: bool) -> str | None:
    """Why writing the report to ``path`` would destroy a file the user made (None if it would
    not): a folder, or an existing file that is not a report of this tool (unless ``force``)."""
    p = Path(path)
    if p.is_dir():
        return f"{p} is a folder, where the HTML report would go; give --out another name, or add --no-report"
    if p.exists() and not force and not is_tool_report(p):
        return (
            f"{p}, where the HTML report would go, already exists and is not a report of this tool; it was "
            "left as it is. Give --out another name, add --no-report, or add --force to replace it"
        )
    return None


class _Text:
    """What ``atomic_save`` saves: the text, written to whichever path it is given."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.data)


def write_html_report(path: str | Path, tables: Mapping[str, pd.DataFrame], net: Network | Facts) -> Path:
    """Write the report to ``path`` whole or not at all; returns the path written (``atomic_save``:
    beside it with a time stamp if ``path`` cannot be replaced)."""
    facts = net if isinstance(net, Facts) else Facts.of(net)
    return atomic_save(_Text(render_html(tables, facts)), Path(path))


# ---- the headline ------------------------------------------------------------------------------


def _summary(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    t = tables.get("Summary")
    if t is None or not len(t):
        return {}
    return {str(k): v for k, v in zip(t["metric"], t["value"]) if v is not None and not kit.isnan(v)}


def _cost_cards(tables: Mapping[str, pd.DataFrame], facts: Facts) -> list[str]:
    """The headline's cards: objective, normal-year cost and expected disruption cost (those the
    Summary has), status and gap."""
    s = _summary(tables)
    cur = str(s.get("currency", facts.currency))
    costs = tables.get("Costs")
    over = costs is not None and "period" in costs.columns
    span = " over the horizon" if over else " a year"
    cards = []
    if "objective" in s:
        what = (
            "each period's expected yearly cost x its weight, summed"
            if over
            else "the expected yearly cost: the sum of the Costs sheet"
        )
        cards.append(kit.card("Total cost (objective)", kit.money(s["objective"], cur), what))
    if "normal_year_cost" in s:
        cards.append(kit.card("Normal-year cost", kit.money(s["normal_year_cost"], cur), f"without disruption{span}"))
    if "expected_disruption_cost" in s:
        cards.append(
            kit.card(
                "Expected disruption cost",
                kit.money(s["expected_disruption_cost"], cur),
                f"what crises add x their probability{span}",
            )
        )
    status = str(s.get("status", "unknown"))
    note = "cheapest design, proven within the gap" if status == "optimal" else "stopped at a limit: not proven optimal"
    cards.append(kit.card("Status", status, note, status))
    gap = s.get("mip_gap")
    if isinstance(gap, (int, float)):
        cards.append(kit.card("Gap", f"{float(gap):.2%}", "at most this much dearer than the cheapest design"))
    return cards


def headline_section(tables: Mapping[str, pd.DataFrame], facts: Facts, glances: list[Glance]) -> str:
    """The five answers on one screen: the cost cards (objective, normal-year cost, expected
    disruption cost, status, gap), a line per question pointing to its section (the families'
    lines: what is built, what binds, the worst crisis; then how sure), what the families show under
    the lines (the baseline's unmet demand) and the yearly cost by period."""
    parts = [f'<div class="cards">{"".join(_cost_cards(tables, facts))}</div>', _at_a_glance(tables, facts, glances)]
    parts += [g.below for g in glances if g.below]
    parts.append(cost_chart(tables, facts))
    return '<section id="headline"><h2>Headline</h2>' + "".join(parts) + "</section>"


def _at_a_glance(tables: Mapping[str, pd.DataFrame], facts: Facts, glances: list[Glance]) -> str:
    """One line per question, each linking to the section that answers it: the families' lines,
    then how sure (the status and gap, the families' phrases, what the studies say) with links to
    the families' sections and the studies'."""
    items = [g.line for g in glances if g.line]
    s = _summary(tables)
    sure = [f"status {s.get('status', 'unknown')}"]
    if isinstance(s.get("mip_gap"), (int, float)):
        sure.append(f"within {float(s['mip_gap']):.2%} of the cheapest design")
    sure += [g.sure for g in glances if g.sure]
    sure += _how_sure(tables, facts)
    links = [g.see for g in glances if g.see]
    for sheet, anchor, what in (
        ("Stress", "stress", "the stress atlas"),
        ("Alternatives", "alternatives", "near-optimal alternatives"),
        ("Tradeoff", "frontier", "the frontier"),
    ):
        if kit.has(tables, sheet):
            links.append(f'<a href="#{anchor}">{what}</a>')
    items.append(
        "<li>How sure: " + html.escape(", ".join(sure)) + (f"; see {', '.join(links)}" if links else "") + "</li>"
    )
    return '<ul class="glance">' + "".join(items) + "</ul>"


def _how_sure(tables: Mapping[str, pd.DataFrame], facts: Facts) -> list[str]:
    """What the studies say about how sure the answer is, a phrase each: the costliest country lost
    (StressSummary), the near-optimal alternatives and the builds they all share (Alternatives,
    AlternativeSites)."""
    out = []
    stress = tables.get("StressSummary")
    if stress is not None and len(stress) and "extra_cost" in stress.columns and stress["extra_cost"].notna().any():
        r = stress.loc[stress["extra_cost"].astype(float).idxmax()]
        when = f" in {r['period']}" if "period" in stress.columns else ""
        text = f"the costliest country to lose is {r['lost']}{when} (+{kit.money(r['extra_cost'], facts.currency)})"
        share = r.get("worst_served_share")
        if share is not None and not kit.isnan(share) and float(share) < 1 - 1e-6:
            text += f", {float(share):.0%} of {r['worst_product']} served in {r['worst_market']}"
        out.append(text)
    alt = tables.get("Alternatives")
    if alt is not None and len(alt) > 1 and "over_optimum" in alt.columns:
        others = alt[alt["alternative"].astype(int) != 0]
        text = (
            f"{len(others)} near-optimal design{'s' if len(others) != 1 else ''} within "
            f"{float(others['over_optimum'].max()):.1%} of the optimum"
        )
        sites = tables.get("AlternativeSites")
        if sites is not None and len(sites):
            from model.alternatives import robustness

            groups = robustness(sites)
            built = len(groups["every"]) + len(groups["some"])
            text += f"; {len(groups['every'])} of the {built} sites they build are built in every one"
        out.append(text)
    return out


def cost_chart(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """What each period costs, by component: with periods, each period's yearly cost (stacked bars
    of ``Costs.yearly_value``; without that column, the period's ``value``, titled so); without
    periods, the yearly cost by component. Titles say which."""
    costs = tables.get("Costs")
    if costs is None or not len(costs) or "component" not in costs.columns:
        return ""
    if "period" not in costs.columns:
        comps = costs.groupby("component", sort=False)["value"].sum()
        data = [
            {
                "type": "bar",
                "orientation": "h",
                "x": [float(v) for v in comps.values],
                "y": [html.escape(str(c)) for c in comps.index],
                "marker": {"color": kit.PALETTE[0]},
                "hovertemplate": "%{y}: %{x:,.0f}<extra></extra>",
            }
        ]
        layout = kit.layout(
            f"Yearly cost by component ({facts.currency} a year)",
            height=120 + 26 * len(comps),
            xaxis={"title": {"text": f"{facts.currency} a year"}},
            yaxis={"autorange": "reversed", "automargin": True},
        )
        return kit.plot_div("cost-components", data, layout)
    c = costs[costs["period"].notna() & (costs["period"] != kit.TOTAL)]
    yearly = "yearly_value" in c.columns
    column = "yearly_value" if yearly else "value"
    periods = sorted(c["period"].unique().tolist())
    by = c.groupby(["component", "period"])[column].sum()
    data = [
        {
            "type": "bar",
            "name": html.escape(str(comp)),
            "x": [str(t) for t in periods],
            "y": [float(by.get((comp, t), 0.0)) for t in periods],
            "hovertemplate": "%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
        }
        for comp in dict.fromkeys(c["component"].tolist())
    ]
    title = (
        f"Yearly cost in each period, by component ({facts.currency} a year)"
        if yearly
        else f"Cost of each period by component ({facts.currency}, the Costs sheet's value)"
    )
    layout = kit.layout(
        title,
        height=360,
        barmode="relative",
        xaxis={"type": "category", "title": {"text": "period (first year)"}},
        yaxis={"title": {"text": f"{facts.currency} a year" if yearly else facts.currency}},
    )
    return kit.plot_div("timeline-cost", data, layout)


# ---- the studies -------------------------------------------------------------------------------


def _text(v: Any) -> str:
    """A cell as text, blank for a missing one."""
    return "" if v is None or kit.isnan(v) else str(v)


def _unserved(row: Mapping[str, Any]) -> bool:
    """The sweep point meets its cap (or target) partly by leaving more demand unserved than the
    loosest point (``met_by_unserved_demand``, as the console and the PNG flag it)."""
    v = row.get("met_by_unserved_demand")
    return v is not None and not kit.isnan(v) and bool(v)


def frontier_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """Cost against the swept parameter, tightest to the right; infeasible points listed. A point
    met by leaving demand unserved (``met_by_unserved_demand``) says so in its hover, is marked
    (a red square, as in the PNG) and is listed under the chart with its ``unserved`` text, as on
    the console."""
    charts = []
    for sheet, column in FRONTIERS:
        t = tables.get(sheet)
        if t is None or not len(t):
            continue
        ok = t[t["objective"].notna()]
        if not len(ok):  # no point to draw: an empty chart would show an axis around 0 and nothing else
            what = "cap" if column == "cap" else "survival target"
            values = ", ".join(f"{float(v):.1%} ({st})" for v, st in zip(t[column], t["status"], strict=True))
            charts.append(
                f'<p class="unserved" id="frontier-{column}-none"><b>Nothing was feasible</b>: no design meets the '
                f"{what} at any value swept ({html.escape(values)}). The {sheet} sheet's explanation column says "
                "what would have to give.</p>"
            )
            continue
        hover = []
        for r in ok.to_dict("records"):
            lines = [f"status {r.get('status', '')}", f"cost +{float(r.get('cost_increase_pct', 0) or 0):.2%}"]
            price = r.get("price_per_point")
            if price is not None and not kit.isnan(price):
                lines.append(f"{float(price):,.2f} {facts.currency} per point")
            if r.get("design_change"):
                lines.append(str(r["design_change"]))
            if _unserved(r):
                lines.append(f"{UNSERVED_LABEL}: {_text(r.get('unserved'))}".rstrip(": "))
            hover.append(html.escape("<br>".join(lines)).replace("&lt;br&gt;", "<br>"))
        data = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "cost",
                "x": ok[column].astype(float).tolist(),
                "y": ok["objective"].astype(float).tolist(),
                "customdata": hover,
                "hovertemplate": "%{x:.1%}: %{y:,.0f}<br>%{customdata}<extra></extra>",
                "line": {"color": "#1f5fa8"},
            }
        ]
        flagged = [i for i, r in enumerate(ok.to_dict("records")) if _unserved(r)]
        unserved_note = ""
        if flagged:  # marked as in the PNG and listed as on the console
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"{UNSERVED_LABEL} (see the unserved column)",
                    "x": [data[0]["x"][i] for i in flagged],
                    "y": [data[0]["y"][i] for i in flagged],
                    "customdata": [hover[i] for i in flagged],
                    "hovertemplate": "%{x:.1%}: %{y:,.0f}<br>%{customdata}<extra></extra>",
                    "marker": {"symbol": "square", "size": 11, "color": kit.UNSERVED_COLOR},
                }
            )
            what = "cap" if column == "cap" else "survival target"
            n = len(flagged)
            unserved_note = (
                f'<p class="unserved">{n} point{"s" if n != 1 else ""} meet{"s" if n == 1 else ""} the {what} '
                "partly by leaving demand unserved (at its unmet_penalty) rather than by buying supply: "
                "their cost increase is mostly penalty, not de-risking. "
                + html.escape(
                    "; ".join(
                        f"{data[0]['x'][i]:.1%}: {_text(ok.iloc[i].get('unserved')) or 'more demand unserved'}"
                        for i in flagged
                    )
                )
                + ".</p>"
            )
        title = "What each point of de-risking costs" if column == "cap" else "What each point of resilience costs"
        layout = kit.layout(
            title,
            xaxis={"title": {"text": AXIS_TITLES[column]}, "tickformat": ".0%", "autorange": "reversed"},
            yaxis={"title": {"text": f"total cost ({facts.currency})"}},
        )
        missing = t[t["objective"].isna()]
        note = (
            "<p>No design at: "
            + html.escape(", ".join(f"{float(v):.1%} ({s})" for v, s in zip(missing[column], missing["status"])))
            + ".</p>"
            if len(missing)
            else ""
        )
        charts.append(kit.plot_div(f"frontier-{column}", data, layout) + unserved_note + note)
    if not charts:
        return ""
    return (
        '<section id="frontier"><h2>Frontier</h2><p>The cheapest design at each value of the sweep '
        "(tighter to the right). Hover over a point for the cost increase and what changes in the design.</p>"
        + "".join(charts)
        + "</section>"
    )


def alternatives_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The near-optimal alternatives (with ``Alternatives``): each design's cost against the
    optimum, how many operate decisions it changes and what it builds; then the candidates built
    in every design (robust), in some (a choice the slack leaves open) and in none."""
    table = tables.get("Alternatives")
    if table is None or not len(table):
        return ""
    rows = []
    for r in table.to_dict("records"):
        cost = r.get("objective")
        rows.append(
            [
                "optimum" if int(r["alternative"]) == 0 else str(int(r["alternative"])),
                "" if cost is None or kit.isnan(cost) else kit.money(cost, facts.currency),
                "" if kit.isnan(r.get("over_optimum")) else f"+{float(r['over_optimum']):.2%}",
                str(int(r["differs_by"])),
                str(r.get("built", "")),
            ]
        )
    parts = [kit.table(["design", "cost", "over the optimum", "operate decisions changed", "builds"], rows)]
    sites = tables.get("AlternativeSites")
    if sites is not None and len(sites):
        from model.alternatives import robustness

        groups = robustness(sites)
        for key, label in (("every", "Built in every design"), ("some", "Built in some"), ("none", "Built in none")):
            parts.append(f"<p><b>{label}:</b> {html.escape(', '.join(groups[key]) or 'none')}</p>")
    return (
        '<section id="alternatives"><h2>Near-optimal alternatives</h2><p>Designs that cost almost the '
        "optimum and decide as differently as possible which sites operate when: a build in every "
        "design is robust; one in some is a choice the slack leaves open.</p>" + "".join(parts) + "</section>"
    )


def _lost_label(country: str, extra: Any, currency: str) -> str:
    """A heat map row's label: the country lost and what the year costs beyond a normal one."""
    if extra is None or kit.isnan(extra):
        return str(country)
    sign = "+" if float(extra) >= 0 else "-"
    return f"{country} ({sign}{abs(float(extra)):,.0f} {currency})"


def stress_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The stress atlas (with ``Stress``): one heat map per period, a row per lost country and a
    column per market, each cell the worst served share of any product in that market when that
    country is lost (red: nothing served, white: all of it), the extra cost of the year in the row
    label. Rows and columns in the Stress table's order; the map grows with the countries (a row
    of 22 px each) so that 40 lost countries stay readable."""
    stress = tables.get("Stress")
    if stress is None or ("StressSummary" not in tables and not len(stress)):
        return ""
    summary = tables.get("StressSummary")
    charts = []
    for period in kit.periods_of({"Stress": stress}) or [None]:
        part = kit.at_period(stress, period) if period is not None else stress
        lost = list(dict.fromkeys(part["lost"]))
        markets = list(dict.fromkeys(part["market"]))
        worst = part.groupby(["lost", "market"])["served_share"].min()
        extra, failed = {}, set()
        if summary is not None and len(summary):
            srows = kit.at_period(summary, period) if period is not None and "period" in summary.columns else summary
            extra = dict(zip(srows["lost"], srows["extra_cost"]))
            failed = {c for c, st in zip(srows["lost"], srows["status"]) if st != "optimal"}
            lost = list(dict.fromkeys([*srows["lost"], *lost]))  # a case without a solution keeps its row
        labels = [f"{c} (not solved)" if c in failed else _lost_label(c, extra.get(c), facts.currency) for c in lost]
        z = [[float(worst.get((c, m), float("nan"))) for m in markets] for c in lost]
        text = [["" if v != v else f"{v:.0%}" for v in row] for row in z]
        trace = {
            "type": "heatmap",
            "z": z,
            "x": markets,
            "y": labels,
            "text": text,
            "texttemplate": "%{text}",
            "zmin": 0,
            "zmax": 1,
            "colorscale": [[0, kit.UNSERVED_COLOR], [0.5, "#f4b183"], [1, "#ffffff"]],
            "colorbar": {"title": {"text": "served"}, "tickformat": ".0%"},
            "hovertemplate": "lost %{y}<br>%{x}: worst product %{z:.1%} served<extra></extra>",
        }
        when = f" in {period}" if period is not None else ""
        layout = kit.layout(
            f"Worst served share by market when a country is lost{when}",
            height=120 + 22 * len(lost),
            xaxis={"side": "top", "tickangle": -30},
            yaxis={"autorange": "reversed", "automargin": True},
            margin={"l": 220, "r": 30, "t": 110, "b": 20},
        )
        charts.append(kit.plot_div(f"stress-{period if period is not None else 'all'}", [trace], layout))
    return (
        '<section id="stress"><h2>Stress atlas</h2><p>Each country with a site lost in turn for a year, '
        "with the design fixed (what operates, modules, stock held) and the stock held drawn: the worst "
        "share of any product's demand served in each market, and what the year costs beyond a normal "
        "one. The Stress and StressSummary sheets give every product.</p>" + "".join(charts) + "</section>"
    )


# ---- the page ----------------------------------------------------------------------------------

SWITCH_SCRIPT = """
(function () {
  var CONFIG = %s;
  var scenario = document.getElementById("choose-scenario");
  var period = document.getElementById("choose-period");
  // the choice the page opens on (the baseline of the last period), whatever a reload restored
  if (scenario) scenario.value = "s0";
  if (period) period.value = period.getAttribute("data-first");
  function show() {
    var key = (scenario ? scenario.value : "s0") + (period ? period.value : "p0");
    var boxes = document.querySelectorAll("div.chain[data-choices]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var keys = JSON.parse(box.getAttribute("data-choices"));
      var captions = JSON.parse(box.getAttribute("data-captions"));
      var headings = JSON.parse(box.getAttribute("data-annotations") || "[]");
      var plot = box.querySelector(".plotly-graph-div");
      var data = plot.data.map(function (trace, j) { trace.visible = keys[j] === key; return trace; });
      var layout = Object.assign({}, plot.layout, {annotations: headings[keys.indexOf(key)] || []});
      Plotly.newPlot(plot, data, layout, CONFIG);  // drawn afresh: no transition from the last choice
      box.querySelector(".caption").textContent = captions[keys.indexOf(key)] || "";
    }
  }
  if (scenario) scenario.addEventListener("change", show);
  if (period) period.addEventListener("change", show);
})();
"""


def _contents(sections: list[str]) -> str:
    """A line of links to the sections present, in their order (each section's id and heading)."""
    import re

    links = []
    for text in sections:
        found = re.match(r'<section id="([^"]+)"><h2>(.*?)</h2>', text)
        if found:
            links.append(f'<a href="#{found.group(1)}">{found.group(2)}</a>')
    return f'<nav class="contents">{" · ".join(links)}</nav>' if len(links) > 1 else ""


def family_sections(tables: Mapping[str, pd.DataFrame], facts: Facts) -> list[Section]:
    """The families' sections of the report (``html``), by place (lower first; the order of
    ``FAMILIES`` between equal places)."""
    found = [s for family in FAMILIES if hasattr(family, "html") for s in family.html(tables, facts)]
    return sorted(found, key=lambda s: s.place)


def family_glances(tables: Mapping[str, pd.DataFrame], facts: Facts) -> list[Glance]:
    """The families' parts of the headline (``glance``), by place (lower first; the order of
    ``FAMILIES`` between equal places)."""
    found = [g for family in FAMILIES if hasattr(family, "glance") for g in family.glance(tables, facts)]
    return sorted(found, key=lambda g: g.place)


def render_html(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The whole report as one HTML document (plotly.js embedded, no external reference)."""
    from plotly import __version__ as plotly_version
    from plotly.offline import get_plotlyjs

    s = _summary(tables)
    source = str(s.get("input_file") or facts.source or "")
    title = f"Supply network redesign: {Path(source).name}" if source else "Supply network redesign"
    run_at = str(s.get("run_at", "")) or _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    sections = [
        headline_section(tables, facts, family_glances(tables, facts)),
        *(s.html for s in family_sections(tables, facts)),
        frontier_section(tables, facts),
        stress_section(tables, facts),
        alternatives_section(tables, facts),
    ]
    sections = [x for x in sections if x]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="generator" content="{GENERATOR}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{kit.STYLE}</style>"
        '<script>window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="sub">Run at {html.escape(run_at)}; input {html.escape(source)}. '
        "The same numbers are in the results workbook beside this file.</p>"
        + _contents(sections)
        + "".join(sections)
        + f"<footer>Made by supply-network-redesign with plotly {html.escape(plotly_version)} "
        "(embedded: opens offline).</footer>"
        f"<script>{SWITCH_SCRIPT % json.dumps(kit.PLOT_CONFIG)}</script></body></html>\n"
    )
