"""Result tables -> a self-contained HTML report beside the results workbook.

One HTML file that opens offline in any browser: plotly.js is embedded once in the page (about
4.8 MB), so nothing is fetched at view time. Made from the result tables (the DataFrames the
results workbook is written from) and a few facts of the ``Network`` (blocs, concern countries,
currency, units), never from the Pyomo model. Sections, each present only when its data exist:

* **Headline**: status with gap, objective, normal-year and expected disruption cost (when the
  Summary has them), unmet demand, and every capped concern share against its cap.
* **Chains**: per product chain, a Sankey diagram by tier and country, nodes coloured by the
  country's bloc, for the scenario (baseline or one of the scenarios) and period chosen in two
  selectors at the top of the section. Nodes are ``p made in c`` and ``p delivered in m``; a link
  ``(p made in o) -> (p delivered in m)`` carries ``sum Flows.quantity`` over the sites of ``p``
  in ``o`` shipping to ``m``. When an ``Inputs`` table exists (tiers), a link ``(i delivered in
  c) -> (p made in c)`` carries ``sum Inputs.quantity_used`` over the sites of ``p`` in ``c``
  using ``i``, so a chain reads left to right by tier. Chains are the connected components of the
  graph whose edges are the (product, input) pairs of ``Inputs`` (each product alone without it).
  A scenario's diagram is drawn from each site's production (``ScenarioSites``) and each
  market's supply and stock drawn (``Scenarios``), not yet from the crisis's site-to-market flows
  (``ScenarioFlows``): it goes ``p made in c`` -> ``p, all makers`` (one pool node per product) ->
  ``p delivered in m``, plus ``p stock drawn in m`` -> ``p delivered in m``; the caption says so.
  With tiers, an input's pools come from ``ScenarioInputs`` (what arrives, the stock drawn there)
  and ``i delivered in c`` -> ``p made in c`` carries the plants' scenario use of it.
* **Timeline** (when the tables have a ``period`` column): capacity by bloc (``Sites``), capped
  concern shares against their caps (``Dependency``) and cost per period (``Costs``).
* **Frontier** (when a sweep ran): cost against the cap (``Tradeoff``) and against the survival
  target (``TradeoffResilience``); points met by leaving demand unserved marked and listed.

Written atomically (``model.atomic.atomic_save``): a temporary file in the same folder, then an
atomic rename, with the permissions a normally saved file gets. A file at the report's path that
this tool did not write (no ``GENERATOR`` tag) is never replaced without ``--force``
(``report_refusal``, checked by the command line before it solves).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.atomic import atomic_save
from model.families.dependency import concern_caps, normal_year
from model.network import Network

TOTAL = "total"
"""The ``period`` of the Costs rows that hold each component's total over the horizon
(``model.results.TOTAL``; not imported, so that the report needs no model code)."""
BASELINE = ""
"""The scenario key of the baseline (normal year) in the chain diagrams."""
BASELINE_LABEL = "Baseline (normal year)"
CONCERN_COLOR = "#d62728"
PALETTE = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#bcbd22", "#e377c2", "#7f7f7f")
POOL_COLOR = "#9e9e9e"
STOCK_COLOR = "#c9a227"
UNSERVED_COLOR = "#c00000"
"""The mark of a sweep point met by leaving demand unserved (``model.charts.UNSERVED_COLOR``)."""
UNSERVED_LABEL = "met by leaving demand unserved"
"""Its words, as on the console and the PNG (``model.charts.UNSERVED_LABEL``)."""
EPS = 1e-9
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
AXIS_TITLES = {
    "cap": "Dependency cap (share of supply from concern countries)",
    "max_shortfall": "Survival target (most share of demand that may go unserved)",
}
FRONTIERS = (("Tradeoff", "cap"), ("TradeoffResilience", "max_shortfall"))
GENERATOR = "supply-network-redesign report"
"""The ``<meta name="generator">`` of every report, near the top of the file: how a rerun knows
that the file it is about to replace is a report of this tool and not a page the user made."""


@dataclass(frozen=True)
class Facts:
    """What the report needs of the network besides the result tables."""

    bloc: Mapping[str, str]
    """Countries.bloc per country."""
    concern: frozenset[str] = frozenset()
    currency: str = "USD"
    unit: Mapping[str, str] = field(default_factory=dict)
    products: tuple[str, ...] = ()
    """Products in workbook order (the order of the chains)."""
    source: str = ""

    @classmethod
    def of(cls, net: Network) -> Facts:
        return cls(
            bloc=dict(net.bloc),
            concern=frozenset(net.concern),
            currency=net.settings.currency,
            unit=dict(net.unit),
            products=tuple(net.products),
            source=net.source,
        )

    def bloc_colors(self) -> dict[str, str]:
        """One colour per bloc: red for a bloc holding a concern country, the palette for the others
        in order of first appearance."""
        colors: dict[str, str] = {}
        concern_blocs = {self.bloc.get(c) for c in self.concern}
        others = iter(PALETTE * 4)
        for b in dict.fromkeys(self.bloc.values()):
            colors[b] = CONCERN_COLOR if b in concern_blocs else next(others)
        return colors

    def country_color(self, country: str) -> str:
        return self.bloc_colors().get(self.bloc.get(country, ""), POOL_COLOR)


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


# ---- chains and Sankey links -------------------------------------------------------------------


def _has(tables: Mapping[str, pd.DataFrame], name: str) -> bool:
    t = tables.get(name)
    return t is not None and len(t) > 0


def _periods(tables: Mapping[str, pd.DataFrame]) -> list[Any]:
    """The periods of the results (sorted), or [] when no table has a ``period`` column."""
    found: set[Any] = set()
    for t in tables.values():
        if t is not None and "period" in t.columns:
            found.update(v for v in t["period"].tolist() if v is not None and not _isnan(v) and v != TOTAL)
    return sorted(found, key=lambda v: (str(type(v)), v))


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def recipe_edges(tables: Mapping[str, pd.DataFrame]) -> set[tuple[str, str]]:
    """(product, input) pairs of the ``Inputs`` table with some quantity used."""
    t = tables.get("Inputs")
    if t is None or not len(t):
        return set()
    used = t[t["quantity_used"] > EPS]
    return set(zip(used["product"].astype(str), used["input"].astype(str)))


def tiers(products: Iterable[str], edges: set[tuple[str, str]]) -> dict[str, int]:
    """tier[p] = 0 for a product made from no input, else 1 + max tier of its inputs (a cycle, which
    the model forbids, is cut where it closes)."""
    inputs: dict[str, set[str]] = defaultdict(set)
    for p, i in edges:
        inputs[p].add(i)
    tier: dict[str, int] = {}

    def visit(p: str, path: frozenset[str]) -> int:
        if p not in tier:
            ins = [i for i in inputs[p] if i not in path]
            tier[p] = 1 + max(visit(i, path | {p}) for i in ins) if ins else 0
        return tier[p]

    for p in list(products) + [x for e in edges for x in e]:
        visit(p, frozenset())
    return tier


def chains(products: Iterable[str], edges: set[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The connected components of the recipe graph (products; an edge per (product, input)), each
    ordered by tier then by first appearance in ``products``; chains in order of their first product."""
    order = list(dict.fromkeys([*products, *(x for e in edges for x in e)]))
    parent = {p: p for p in order}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for p, i in edges:
        parent[find(p)] = find(i)
    tier = tiers(order, edges)
    groups: dict[str, list[str]] = {}
    for p in order:
        groups.setdefault(find(p), []).append(p)
    return [tuple(sorted(g, key=lambda p: (tier[p], order.index(p)))) for g in groups.values()]


Node = tuple[str, str, str]
"""(kind, product, country): kind ``made``, ``delivered``, ``pool`` (country ""), or ``stock``."""


def _at(t: pd.DataFrame, period: Any) -> pd.DataFrame:
    """Rows of ``period`` (all rows when the table has no ``period`` column or period is None)."""
    if period is None or "period" not in t.columns:
        return t
    return t[t["period"] == period]


def sankey_links(
    tables: Mapping[str, pd.DataFrame], chain: Iterable[str], scenario: str = BASELINE, period: Any = None
) -> dict[tuple[Node, Node], float]:
    """The links of one chain's diagram and their quantities, summed per (source, target) node.

    Baseline: ``(made, p, o) -> (delivered, p, m)`` = sum of ``Flows.quantity`` with product p,
    origin o, market m; with ``Inputs``: ``(delivered, i, c) -> (made, p, c)`` = sum of
    ``Inputs.quantity_used`` with product p, input i, country c. Scenario ω: ``(made, p, c) ->
    (pool, p)`` = sum of ``ScenarioSites.production`` of ω over the sites of p in c (country and
    product from ``Sites``); ``(pool, p) -> (delivered, p, m)`` = ``Scenarios.supplied`` and
    ``(stock, p, m) -> (delivered, p, m)`` = ``Scenarios.stock_drawn`` of ω; with tiers, for each
    ``ScenarioInputs`` row (i, c) of ω: ``(pool, i) -> (delivered, i, c)`` = its ``supplied`` (all
    that arrives, plants' use included), ``(stock, i, c) -> (delivered, i, c)`` = its
    ``stock_drawn`` (once, where Scenarios has the pool too) and ``(delivered, i, c) -> (made, p,
    c)`` = the plants' use (``scenario_input_use``). Links of zero quantity are left out."""
    members = set(chain)
    out: dict[tuple[Node, Node], float] = defaultdict(float)
    if scenario == BASELINE:
        flows = tables.get("Flows")
        if flows is not None and len(flows):
            f = _at(flows, period)
            f = f[f["product"].astype(str).isin(members)]
            for (p, o, m), q in f.groupby(["product", "origin", "market"], sort=False)["quantity"].sum().items():
                out[(("made", str(p), str(o)), ("delivered", str(p), str(m)))] += float(q)
        inputs = tables.get("Inputs")
        if inputs is not None and len(inputs):
            t = _at(inputs, period)
            t = t[t["product"].astype(str).isin(members)]
            for (p, i, c), q in t.groupby(["product", "input", "country"], sort=False)["quantity_used"].sum().items():
                out[(("delivered", str(i), str(c)), ("made", str(p), str(c)))] += float(q)
    else:
        sites, scen_sites = tables.get("Sites"), tables.get("ScenarioSites")
        if sites is not None and scen_sites is not None and len(scen_sites):
            where = sites.drop_duplicates("site").set_index("site")[["country", "product"]]
            s = _at(scen_sites, period)
            s = s[s["scenario"].astype(str) == scenario].join(where, on="site")
            s = s[s["product"].astype(str).isin(members)]
            for (p, c), q in s.groupby(["product", "country"], sort=False)["production"].sum().items():
                out[(("made", str(p), str(c)), ("pool", str(p), ""))] += float(q)
        scen = tables.get("Scenarios")
        if scen is not None and len(scen):
            d = _at(scen, period)
            d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
            for r in d.itertuples():
                p, m = str(r.product), str(r.market)
                out[(("pool", p, ""), ("delivered", p, m))] += float(r.supplied)
                out[(("stock", p, m), ("delivered", p, m))] += float(r.stock_drawn)
        scen_inputs = tables.get("ScenarioInputs")
        if scen_inputs is not None and len(scen_inputs):
            d = _at(scen_inputs, period)
            d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
            for r in d.itertuples():
                i, c = str(r.product), str(r.market)
                # all that arrives (a pool with final demand too already has its stock from Scenarios)
                had_stock = out.get((("stock", i, c), ("delivered", i, c)), 0.0) > 0
                out[(("pool", i, ""), ("delivered", i, c))] = float(r.supplied)
                if not had_stock:
                    out[(("stock", i, c), ("delivered", i, c))] += float(r.stock_drawn)
            for (i, c, p), q in scenario_input_use(tables, scenario, period, members).items():
                out[(("delivered", i, c), ("made", p, c))] += q
    return {k: v for k, v in out.items() if v > EPS}


def scenario_input_use(
    tables: Mapping[str, pd.DataFrame], scenario: str, period: Any, members: set[str]
) -> dict[tuple[str, str, str], float]:
    """Scenario ω's use of input i in country c by the plants of product p there, (i, c, p) ->
    quantity, for the products in ``members``: ``ScenarioInputs.used`` of (i, c) split over the
    plants that use i there (the sites of ``Inputs``) by a[s,i] prod^ω[s], with the rate a[s,i] =
    quantity_used / production of any period in which the plant produced in the baseline
    (``Inputs``, ``Sites``) and prod^ω[s] from ``ScenarioSites``; what plants of unknown rate use
    (used less the rest) goes to them in proportion to their scenario production. With one
    consuming product in c (the usual case) this is ``used`` exactly."""
    scen_inputs, inputs = tables.get("ScenarioInputs"), tables.get("Inputs")
    sites, scen_sites = tables.get("Sites"), tables.get("ScenarioSites")
    if scen_inputs is None or inputs is None or sites is None or scen_sites is None or not len(scen_inputs):
        return {}
    produced = sites.groupby(["site", "period"] if "period" in sites.columns else ["site"])["production"].sum()
    rate: dict[tuple[str, str], float] = {}
    for r in inputs.to_dict("records"):
        key = (r["site"], r["period"]) if "period" in inputs.columns else r["site"]
        q = float(produced.get(key, 0.0))
        if q > EPS and (str(r["site"]), str(r["input"])) not in rate:
            rate[(str(r["site"]), str(r["input"]))] = float(r["quantity_used"]) / q
    ss = _at(scen_sites, period)
    scen_prod = ss[ss["scenario"].astype(str) == scenario].groupby("site")["production"].sum()
    used_by: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (i, c) -> [(site, p)]
    for r in _at(inputs, period).drop_duplicates(["site", "input"]).itertuples():
        if str(r.product) in members:
            used_by[(str(r.input), str(r.country))].append((str(r.site), str(r.product)))
    d = _at(scen_inputs, period)
    d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in d.itertuples():
        i, c, used = str(r.product), str(r.market), float(r.used)
        plants = used_by.get((i, c), [])
        known = {(s, p): rate[(s, i)] * float(scen_prod.get(s, 0.0)) for s, p in plants if (s, i) in rate}
        unknown = {(s, p): float(scen_prod.get(s, 0.0)) for s, p in plants if (s, i) not in rate}
        for (_, p), q in known.items():
            out[(i, c, p)] += q
        rest, weight = used - sum(known.values()), sum(unknown.values())
        if rest > EPS and weight > EPS:
            for (_, p), q in unknown.items():
                out[(i, c, p)] += rest * q / weight
    return dict(out)


def _node_label(node: Node, single: bool) -> str:
    kind, p, c = node
    what = "" if single else f"{p} "
    if kind == "made":
        return f"{what}made in {c}"
    if kind == "delivered":
        return f"{what}delivered in {c}"
    if kind == "stock":
        return f"{what}stock drawn in {c}"
    return f"{p}, all makers"


# ---- figures -----------------------------------------------------------------------------------


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def sankey_trace(
    links: Mapping[tuple[Node, Node], float], facts: Facts, chain: tuple[str, ...], visible: bool
) -> dict[str, Any]:
    """One plotly Sankey trace (a plain dict) of ``links``: nodes coloured by their country's bloc
    (pool nodes grey, stock nodes gold), links in their source's colour, half transparent."""
    nodes: list[Node] = []
    index: dict[Node, int] = {}
    for a, b in links:
        for n in (a, b):
            if n not in index:
                index[n] = len(nodes)
                nodes.append(n)

    def color(n: Node) -> str:
        kind, _, c = n
        return POOL_COLOR if kind == "pool" else STOCK_COLOR if kind == "stock" else facts.country_color(c)

    single = len(chain) == 1
    blocs = [facts.bloc.get(c, "") if c else "" for _, _, c in nodes]
    node_info = [
        f"{html.escape(p)}, {html.escape(c)} ({html.escape(b)} bloc)" if c else html.escape(p)
        for (_, p, c), b in zip(nodes, blocs)
    ]
    units = [facts.unit.get(a[1], "") for a, _ in links]
    return {
        "type": "sankey",
        "visible": visible,
        "arrangement": "snap",
        "valueformat": ",.4~g",
        "node": {
            "label": [html.escape(_node_label(n, single)) for n in nodes],
            "color": [color(n) for n in nodes],
            "customdata": node_info,
            "hovertemplate": "%{label}<br>%{customdata}<br>%{value:,.4~g}<extra></extra>",
            "pad": 12,
            "thickness": 16,
            "line": {"width": 0.5, "color": "#555"},
        },
        "link": {
            "source": [index[a] for a, _ in links],
            "target": [index[b] for _, b in links],
            "value": [float(v) for v in links.values()],
            "color": [_rgba(color(a), 0.4) for a, _ in links],
            "customdata": [html.escape(u) for u in units],
            "hovertemplate": "%{source.label} → %{target.label}<br>%{value:,.4~g} %{customdata}<extra></extra>",
        },
    }


def _layout(title: str = "", height: int = 420, **more: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 40 if title else 20, "b": 50},
        "font": {"family": "Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    if title:
        layout["title"] = {"text": html.escape(title), "x": 0.01}
    layout.update(more)
    return layout


def _plot_div(div_id: str, data: list[dict[str, Any]], layout: dict[str, Any]) -> str:
    """A plot container and the script that draws it (plotly's JSON encoder escapes ``<``)."""
    import plotly.io as pio

    fig = {"data": data, "layout": layout}
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=PLOT_CONFIG, validate=True)


# ---- sections ----------------------------------------------------------------------------------


def _summary(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    t = tables.get("Summary")
    if t is None or not len(t):
        return {}
    return {str(k): v for k, v in zip(t["metric"], t["value"]) if v is not None and not _isnan(v)}


def _money(v: Any, currency: str) -> str:
    return f"{float(v):,.0f} {currency}" if abs(float(v)) >= 100 else f"{float(v):,.2f} {currency}"


def _qty(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _whose(of: object) -> str:
    """Whose share a Dependency row measures: a single country, or concern supply (blank)."""
    return of if isinstance(of, str) and of else "concern"


def _pct(v: Any) -> str:
    return f"{float(v):.1%}"


def _card(label: str, value: str, note: str = "", css: str = "") -> str:
    note_html = f'<div class="note">{html.escape(note)}</div>' if note else ""
    return (
        f'<div class="card {css}"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>{note_html}</div>'
    )


FOLD_ROWS = 25
"""A headline table longer than this is folded (click to open), so the charts stay in reach."""


def _table(header: list[str], rows: list[list[str]], css: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{css[i]}"' if css and css[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if len(rows) > FOLD_ROWS:
        return f"<details><summary>{len(rows)} rows (click to show)</summary>{table}</details>"
    return table


def headline_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """Status with gap, objective, the cost split when the Summary has it, unmet demand, and each
    capped concern share against its cap."""
    s = _summary(tables)
    cur = str(s.get("currency", facts.currency))
    cards = []
    status = str(s.get("status", "unknown"))
    gap = s.get("mip_gap")
    gap_text = f"gap {float(gap):.2%}" if isinstance(gap, (int, float)) else ""
    note = "cheapest design, proven within the gap" if status == "optimal" else "stopped at a limit: not proven optimal"
    cards.append(_card("Status", f"{status}" + (f" ({gap_text})" if gap_text else ""), note, status))
    if "objective" in s:
        cards.append(_card("Total cost (objective)", _money(s["objective"], cur), "the sum of the Costs sheet"))
    if "normal_year_cost" in s:
        cards.append(_card("Normal-year cost", _money(s["normal_year_cost"], cur), "a year without disruption"))
    if "expected_disruption_cost" in s:
        cards.append(
            _card(
                "Expected disruption cost",
                _money(s["expected_disruption_cost"], cur),
                "what crises add x their probability",
            )
        )
    unmet = tables.get("Unmet")
    parts = [f'<div class="cards">{"".join(cards)}</div>']
    if unmet is not None:
        if len(unmet):
            rows = []
            for r in unmet.to_dict("records"):
                unit = facts.unit.get(str(r["product"]), "")
                period = [str(r["period"])] if "period" in unmet.columns else []
                rows.append(
                    [
                        str(r["product"]),
                        str(r["market"]),
                        *period,
                        f"{_qty(float(r['unmet']))} {unit}",
                        f"{_qty(float(r['demand']))} {unit}",
                        _pct(float(r["unmet"]) / float(r["demand"])) if float(r["demand"]) > 0 else "",
                    ]
                )
            header = ["product", "market", *(["period"] if "period" in unmet.columns else []), "unmet", "demand"]
            parts.append("<h3>Unmet demand (baseline)</h3>" + _table([*header, "share"], rows))
        else:
            parts.append('<h3>Unmet demand (baseline)</h3><p class="ok">None: every market is served in full.</p>')
    dep = tables.get("Dependency")
    if dep is not None and len(dep):
        capped = normal_year(dep)
        capped = capped[capped["cap"] < 1 - EPS]
        if len(capped):
            has_period = "period" in capped.columns
            has_basis = "basis" in capped.columns
            has_of = "of" in capped.columns and bool((capped["of"].fillna("") != "").any())
            rows, css = [], []
            for r in capped.to_dict("records"):
                share, cap = float(r["concern_share"]), float(r["cap"])
                if share > cap + 1e-6:
                    state = "over cap"
                elif bool(r.get("binding")):
                    state = "binding"
                elif bool(r.get("at_cap")):  # at the cap, but loosening it would save nothing
                    state = "at cap, held by another constraint"
                else:
                    state = "under cap"
                rows.append(
                    [
                        str(r["product"]),
                        str(r["market"]),
                        *([str(r["period"])] if has_period else []),
                        *([str(r["basis"])] if has_basis else []),
                        *([_whose(r.get("of"))] if has_of else []),
                        _pct(share),
                        _pct(cap),
                        state,
                    ]
                )
                css.append(state.replace(" ", "-"))
            header = [
                "product",
                "market",
                *(["period"] if has_period else []),
                *(["basis"] if has_basis else []),
                *(["share of"] if has_of else []),
                "share",
                "cap",
                "",
            ]
            title = "Concern share of supply against its cap" + (" (and single countries')" if has_of else "")
            parts.append(f"<h3>{title}</h3>" + _table(header, rows, css))
        else:
            parts.append("<h3>Concern share of supply against its cap</h3><p>No product has a cap below 100%.</p>")
    return '<section id="headline"><h2>Headline</h2>' + "".join(parts) + "</section>"


def _legend(facts: Facts) -> str:
    items = []
    for b, color in facts.bloc_colors().items():
        countries = ", ".join(c for c, x in facts.bloc.items() if x == b)
        items.append(
            f'<span class="key"><span class="swatch" style="background:{color}"></span>'
            f"{html.escape(b)} <small>({html.escape(countries)})</small></span>"
        )
    items.append(f'<span class="key"><span class="swatch" style="background:{POOL_COLOR}"></span>all makers</span>')
    items.append(f'<span class="key"><span class="swatch" style="background:{STOCK_COLOR}"></span>stock drawn</span>')
    return '<div class="legend">' + "".join(items) + "</div>"


def _caption(
    tables: Mapping[str, pd.DataFrame], chain: tuple[str, ...], scenario: str, period: Any, facts: Facts
) -> str:
    """What the diagram shows, and the demand left unmet, for one (chain, scenario, period)."""
    members = set(chain)
    where = f" in {period}" if period is not None else ""
    if scenario == BASELINE:
        text = f"Baseline{where}: baseline flows from where each product is made to where it is delivered."
        unmet = tables.get("Unmet")
        rows = _at(unmet, period) if unmet is not None else None
        short = rows[rows["product"].astype(str).isin(members)] if rows is not None and len(rows) else None
    else:
        text = (
            f"Scenario '{scenario}'{where}: each country's production flows into one node per product "
            "(which site served which market in the crisis is on the ScenarioFlows sheet), then to where it "
            "is delivered (an input: on to the plants there that use it), with strategic stock drawn."
        )
        scen = tables.get("Scenarios")
        rows = _at(scen, period) if scen is not None else None
        short = (
            rows[(rows["scenario"].astype(str) == scenario) & rows["product"].astype(str).isin(members)]
            if rows is not None and len(rows)
            else None
        )
    if short is not None and len(short):
        short = short[short["unmet"] > EPS]
        if len(short):
            text += " Unmet: " + "; ".join(
                f"{r.product} in {r.market} {_qty(float(r.unmet))} {facts.unit.get(str(r.product), '')}".rstrip()
                for r in short.itertuples()
            )
            text += "."
    return text


def chain_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """One Sankey per product chain, with one trace per (scenario, period) choice (the selectors at
    the top switch which is visible); empty when there are no flows."""
    if not _has(tables, "Flows") and not _has(tables, "ScenarioSites"):
        return ""
    edges = recipe_edges(tables)
    products = list(facts.products)
    for name in ("Flows", "Sites"):
        t = tables.get(name)
        if t is not None and len(t):
            products += [str(p) for p in t["product"].tolist()]
    scenarios = [BASELINE]
    for name in ("Scenarios", "ScenarioSites"):
        t = tables.get(name)
        if t is not None and len(t):
            scenarios += [str(w) for w in t["scenario"].tolist()]
    scenarios = list(dict.fromkeys(scenarios))
    periods = _periods(tables) or [None]
    choices = [(si, pi) for si in range(len(scenarios)) for pi in range(len(periods))]
    blocks = []
    for k, chain in enumerate(chains(dict.fromkeys(products), edges)):
        traces, captions = [], []
        for si, pi in choices:
            links = sankey_links(tables, chain, scenarios[si], periods[pi])
            traces.append(sankey_trace(links, facts, chain, visible=(si, pi) == (0, 0)))
            captions.append(_caption(tables, chain, scenarios[si], periods[pi], facts))
        title = " → ".join(chain)
        height = max(320, 34 * max(len(t["node"]["label"]) for t in traces) // 2 + 120)
        div = _plot_div(f"chain-{k}", traces, _layout(height=height))
        keys = [f"s{si}p{pi}" for si, pi in choices]
        blocks.append(
            f'<div class="chain" data-choices="{html.escape(json.dumps(keys))}" '
            f'data-captions="{html.escape(json.dumps(captions))}">'
            f"<h3>{html.escape(title)}</h3>"
            f'<p class="caption">{html.escape(captions[0])}</p>{div}</div>'
        )
    scenario_options = "".join(
        f'<option value="s{i}">{html.escape(w or BASELINE_LABEL)}</option>' for i, w in enumerate(scenarios)
    )
    selectors = (
        f'<label>Scenario <select id="choose-scenario">{scenario_options}</select></label>'
        if len(scenarios) > 1
        else ""
    )
    if periods != [None]:
        period_options = "".join(f'<option value="p{i}">{html.escape(str(t))}</option>' for i, t in enumerate(periods))
        selectors += f' <label>Period <select id="choose-period">{period_options}</select></label>'
    intro = (
        "<p>Each diagram is one product chain (products connected by recipes), read left to right by tier: "
        "where each product is made and where it is delivered, by country; nodes and links are coloured by the "
        "country's bloc. Hover over a link for its quantity.</p>"
    )
    return (
        '<section id="chains"><h2>Product chains</h2>'
        + intro
        + (f'<div class="selectors">{selectors}</div>' if selectors else "")
        + _legend(facts)
        + "".join(blocks)
        + "</section>"
    )


def timeline_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """With periods: capacity by bloc per period (stacked bars), capped concern shares with their
    caps (lines; the cap dashed), and cost per period by component (stacked bars)."""
    if not _periods(tables):
        return ""
    charts = []
    colors = facts.bloc_colors()
    sites = tables.get("Sites")
    if sites is not None and len(sites) and "period" in sites.columns:
        s = sites.assign(bloc=[facts.bloc.get(str(c), "other") for c in sites["country"]])
        by = s.groupby(["bloc", "period"])["capacity"].sum()
        periods = sorted(s["period"].unique().tolist())
        data = [
            {
                "type": "bar",
                "name": html.escape(str(b)),
                "x": [str(t) for t in periods],
                "y": [float(by.get((b, t), 0.0)) for t in periods],
                "marker": {"color": colors.get(b, POOL_COLOR)},
            }
            for b in dict.fromkeys([*colors, *s["bloc"]])
            if (by.xs(b, level="bloc").sum() if b in by.index.get_level_values("bloc") else 0) > EPS
        ]
        charts.append(
            _plot_div(
                "timeline-capacity",
                data,
                _layout(
                    "Capacity by bloc (all products; units per product as in the workbook)",
                    barmode="stack",
                    xaxis={"type": "category", "title": {"text": "period"}},
                    yaxis={"title": {"text": "capacity"}},
                ),
            )
        )
    dep = tables.get("Dependency")
    if dep is not None and len(dep) and "period" in dep.columns:
        capped = concern_caps(dep)
        capped = capped[capped["cap"] < 1 - EPS]
        keys = [c for c in ("product", "market", "basis") if c in capped.columns]
        data = []
        for i, (key, d) in enumerate(capped.groupby(keys, sort=False)):
            d = d.sort_values("period")
            name = html.escape(" · ".join(str(k) for k in key))
            color = PALETTE[i % len(PALETTE)]
            x = [str(t) for t in d["period"]]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": name,
                    "legendgroup": name,
                    "x": x,
                    "y": d["concern_share"].astype(float).tolist(),
                    "line": {"color": color},
                }
            )
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": f"cap: {name}",
                    "legendgroup": name,
                    "x": x,
                    "y": d["cap"].astype(float).tolist(),
                    "line": {"color": color, "dash": "dash"},
                }
            )
        if data:
            charts.append(
                _plot_div(
                    "timeline-concern",
                    data,
                    _layout(
                        "Concern share of supply against its cap (dashed)",
                        xaxis={"type": "category", "title": {"text": "period"}},
                        yaxis={"title": {"text": "share"}, "tickformat": ".0%", "rangemode": "tozero"},
                    ),
                )
            )
    costs = tables.get("Costs")
    if costs is not None and len(costs) and "period" in costs.columns:
        c = costs[costs["period"].notna() & (costs["period"] != TOTAL)]  # the horizon totals are not a period
        periods = sorted(c["period"].unique().tolist())
        by = c.groupby(["component", "period"])["value"].sum()
        data = [
            {
                "type": "bar",
                "name": html.escape(str(comp)),
                "x": [str(t) for t in periods],
                "y": [float(by.get((comp, t), 0.0)) for t in periods],
            }
            for comp in dict.fromkeys(c["component"].tolist())
        ]
        charts.append(
            _plot_div(
                "timeline-cost",
                data,
                _layout(
                    f"Cost per period by component ({facts.currency})",
                    barmode="relative",
                    xaxis={"type": "category", "title": {"text": "period"}},
                    yaxis={"title": {"text": facts.currency}},
                ),
            )
        )
    if not charts:
        return ""
    return '<section id="timeline"><h2>Timeline</h2>' + "".join(charts) + "</section>"


def _text(v: Any) -> str:
    """A cell as text, blank for a missing one."""
    return "" if v is None or _isnan(v) else str(v)


def _unserved(row: Mapping[str, Any]) -> bool:
    """The sweep point meets its cap (or target) partly by leaving more demand unserved than the
    loosest point (``met_by_unserved_demand``, as the console and the PNG flag it)."""
    v = row.get("met_by_unserved_demand")
    return v is not None and not _isnan(v) and bool(v)


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
        hover = []
        for r in ok.to_dict("records"):
            lines = [f"status {r.get('status', '')}", f"cost +{float(r.get('cost_increase_pct', 0) or 0):.2%}"]
            price = r.get("price_per_point")
            if price is not None and not _isnan(price):
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
                    "marker": {"symbol": "square", "size": 11, "color": UNSERVED_COLOR},
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
        layout = _layout(
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
        charts.append(_plot_div(f"frontier-{column}", data, layout) + unserved_note + note)
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
                "" if cost is None or _isnan(cost) else _money(cost, facts.currency),
                "" if _isnan(r.get("over_optimum")) else f"+{float(r['over_optimum']):.2%}",
                str(int(r["differs_by"])),
                str(r.get("built", "")),
            ]
        )
    parts = [_table(["design", "cost", "over the optimum", "operate decisions changed", "builds"], rows)]
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
    if extra is None or _isnan(extra):
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
    for period in _periods({"Stress": stress}) or [None]:
        part = _at(stress, period) if period is not None else stress
        lost = list(dict.fromkeys(part["lost"]))
        markets = list(dict.fromkeys(part["market"]))
        worst = part.groupby(["lost", "market"])["served_share"].min()
        extra, failed = {}, set()
        if summary is not None and len(summary):
            srows = _at(summary, period) if period is not None and "period" in summary.columns else summary
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
            "colorscale": [[0, UNSERVED_COLOR], [0.5, "#f4b183"], [1, "#ffffff"]],
            "colorbar": {"title": {"text": "served"}, "tickformat": ".0%"},
            "hovertemplate": "lost %{y}<br>%{x}: worst product %{z:.1%} served<extra></extra>",
        }
        when = f" in {period}" if period is not None else ""
        layout = _layout(
            f"Worst served share by market when a country is lost{when}",
            height=120 + 22 * len(lost),
            xaxis={"side": "top", "tickangle": -30},
            yaxis={"autorange": "reversed", "automargin": True},
            margin={"l": 220, "r": 30, "t": 110, "b": 20},
        )
        charts.append(_plot_div(f"stress-{period if period is not None else 'all'}", [trace], layout))
    return (
        '<section id="stress"><h2>Stress atlas</h2><p>Each country with a site lost in turn for a year, '
        "with the design fixed (what operates, modules, stock held) and the stock held drawn: the worst "
        "share of any product's demand served in each market, and what the year costs beyond a normal "
        "one. The Stress and StressSummary sheets give every product.</p>" + "".join(charts) + "</section>"
    )


def calibration_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The first year against today's trade (with ``Calibration``): modelled against observed
    share of world production, product by product (each stage of a chain a group of bars, in the
    Observed sheet's order), and a table of the rows beyond the tolerance with their sources."""
    cal = tables.get("Calibration")
    if cal is None or not len(cal):
        return ""
    x = [list(cal["product"].astype(str)), list(cal["country"].astype(str))]
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": x,
            "y": [float(v) for v in cal[column]],
            "marker": {"color": color},
            "hovertemplate": f"%{{x}}<br>{name}: %{{y:.1%}}<extra></extra>",
        }
        for name, column, color in (("observed", "observed", "#7f7f7f"), ("modelled", "modelled", PALETTE[0]))
    ]
    layout = _layout(
        "Share of world production in the first period: modelled against observed",
        height=440,
        barmode="group",
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": {"text": "share of world production"}},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 70, "r": 20, "t": 60, "b": 120},
    )
    flagged = cal[cal["flag"].fillna("") != ""]
    if len(flagged):
        rows = [
            [
                str(r.product),
                str(r.country),
                _pct(r.observed),
                _pct(r.modelled),
                f"{float(r.difference) * 100:+.0f} points",
                str(r.source) if isinstance(r.source, str) else "",
                str(getattr(r, "why", "") or ""),
            ]
            for r in flagged.itertuples()
        ]
        note = f"<h3>Beyond the tolerance ({len(flagged)} of {len(cal)})</h3>" + _table(
            ["product", "country", "observed", "modelled", "difference", "source", "why"],
            rows,
            ["over-cap"] * len(rows),
        )
    else:
        note = f'<p class="ok">Every one of the {len(cal)} observed shares is within the tolerance.</p>'
    return (
        "<section id=\"calibration\"><h2>The first year against today's trade</h2><p>Each country's share "
        "of what all plants of a product make in the first period's normal year, beside the share observed "
        "today (the Observed sheet, with its sources). A first year far from today's trade is a reason to "
        "doubt the later years: see the Calibration sheet.</p>"
        + _plot_div("calibration", traces, layout)
        + note
        + "</section>"
    )


# ---- the page ----------------------------------------------------------------------------------

STYLE = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:1.5em;margin-bottom:0}h2{border-bottom:2px solid #ddebf7;padding-bottom:4px;margin-top:32px}
.sub{color:#666;margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ccd;border-radius:6px;padding:10px 14px;min-width:180px;background:#f8fbff}
.card .label{font-size:.85em;color:#555}.card .value{font-size:1.4em;font-weight:600}
.card .note{font-size:.8em;color:#777}
.card.feasible{background:#fff4e5}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #dde;padding:3px 8px;text-align:left}th{background:#ddebf7}
tr.binding td{background:#fff2a8}tr.over-cap td{background:#f8d0d0}.ok{color:#2a7a2a}
.selectors{margin:10px 0;padding:8px;background:#f4f4f4;border-radius:6px}select{font-size:1em;margin-right:16px}
.legend{margin:8px 0}.key{margin-right:16px;white-space:nowrap}
.unserved{color:#c00000}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;border-radius:2px}
.caption{color:#444;font-size:.9em}.chain{margin-bottom:24px}footer{margin-top:32px;color:#888;font-size:.8em}
"""

SWITCH_SCRIPT = """
(function () {
  var CONFIG = %s;
  var scenario = document.getElementById("choose-scenario");
  var period = document.getElementById("choose-period");
  function show() {
    var key = (scenario ? scenario.value : "s0") + (period ? period.value : "p0");
    var boxes = document.querySelectorAll("div.chain[data-choices]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var keys = JSON.parse(box.getAttribute("data-choices"));
      var captions = JSON.parse(box.getAttribute("data-captions"));
      var plot = box.querySelector(".plotly-graph-div");
      var data = plot.data.map(function (trace, j) { trace.visible = keys[j] === key; return trace; });
      Plotly.newPlot(plot, data, plot.layout, CONFIG);  // drawn afresh: no transition from the last choice
      box.querySelector(".caption").textContent = captions[keys.indexOf(key)] || "";
    }
  }
  if (scenario) scenario.addEventListener("change", show);
  if (period) period.addEventListener("change", show);
})();
"""


def render_html(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The whole report as one HTML document (plotly.js embedded, no external reference)."""
    from plotly import __version__ as plotly_version
    from plotly.offline import get_plotlyjs

    s = _summary(tables)
    source = str(s.get("input_file") or facts.source or "")
    title = f"Supply network redesign: {Path(source).name}" if source else "Supply network redesign"
    run_at = str(s.get("run_at", "")) or _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    sections = [
        headline_section(tables, facts),
        calibration_section(tables, facts),
        chain_section(tables, facts),
        timeline_section(tables, facts),
        frontier_section(tables, facts),
        stress_section(tables, facts),
        alternatives_section(tables, facts),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="generator" content="{GENERATOR}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        '<script>window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="sub">Run at {html.escape(run_at)}; input {html.escape(source)}. '
        "The same numbers are in the results workbook beside this file.</p>"
        + "".join(x for x in sections if x)
        + f"<footer>Made by supply-network-redesign with plotly {html.escape(plotly_version)} "
        "(embedded: opens offline).</footer>"
        f"<script>{SWITCH_SCRIPT % json.dumps(PLOT_CONFIG)}</script></body></html>\n"
    )
