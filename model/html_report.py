"""Result tables -> a self-contained HTML report beside the results workbook.

One HTML file that opens offline in any browser: plotly.js is embedded once in the page (about
4.8 MB), so nothing is fetched at view time. Made from the result tables (the DataFrames the
results workbook is written from) and a few facts of the ``Network`` (blocs, concern countries,
currency, units, site costs, periods), never from the Pyomo model. Sections, each present only
when its data exist, in the order a planner asks the questions:

* **Headline**: the objective, normal-year cost, expected disruption cost (when the Summary has
  them), status and gap; one line per question linking to its section (what is built, what
  binds, the worst crisis, how sure); unmet demand; the yearly cost of each period by component.
* **Calibration** (with ``Calibration``): the first year against today's trade.
* **What to build, where and when**: the build-out plan (``build_plan``: builds, openings,
  modules and closures read from Sites, each with its capacity, fixed and module cost) as a
  Gantt-like chart and a table; the capacity in place, one panel per product in its own unit.
* **How dependent, stage by stage**: a heat map of the highest concern share per stage and
  period (direct and look-through), and every capped share against its cap, per stage, market,
  whose share (concern supply or a single country, ``Caps.of``) and period.
* **What happens in each crisis**: per period (the last first), the served share of each market
  per crisis and product, the extra cost of the year and the stock drawn; the worst cells marked.
* **Chains**: per product chain, a Sankey diagram by tier and country, nodes coloured by the
  country's bloc, for the scenario (baseline or one of the scenarios) and period chosen in two
  selectors at the top of the section (the baseline of the last period first). Nodes are ``p made
  in c`` and ``p delivered in m``, placed by hand (``sankey_view``): a column per step of each
  product in tier order, the country alone beside a node and the product over its columns, so
  that labels never collide. A link ``(p made in o) -> (p delivered in m)`` carries ``sum
  Flows.quantity`` over the sites of ``p`` in ``o`` shipping to ``m``. When an ``Inputs`` table
  exists (tiers), a link ``(i delivered in c) -> (p made in c)`` carries ``sum
  Inputs.quantity_used`` over the sites of ``p`` in ``c`` using ``i``. Chains are the connected
  components of the graph whose edges are the (product, input) pairs of ``Inputs`` (each product
  alone without it). A scenario's diagram is drawn from each site's production (``ScenarioSites``)
  and each market's supply and stock drawn (``Scenarios``), not from the crisis's site-to-market
  flows (``ScenarioFlows``): it goes ``p made in c`` -> ``p, all makers`` (one pool node per
  product) -> ``p delivered in m``, plus ``p stock drawn in m`` -> ``p delivered in m``; the
  caption says so. With tiers, an input's pools come from ``ScenarioInputs`` (what arrives, the
  stock drawn there) and ``i delivered in c`` -> ``p made in c`` carries the plants' scenario use.
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
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model import htmlkit as kit
from model.atomic import atomic_save
from model.families import FAMILIES
from model.families.protocol import Glance, Section
from model.families.recipes import chain_tiers, chains, recipe_edges
from model.htmlkit import Facts
from model.network import Network

BASELINE = ""
"""The scenario key of the baseline (normal year) in the chain diagrams."""
BASELINE_LABEL = "Baseline (normal year)"
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


# ---- chains and Sankey links -------------------------------------------------------------------


Node = tuple[str, str, str]
"""(kind, product, country): kind ``made``, ``delivered``, ``pool`` (country ""), or ``stock``."""


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
            f = kit.at_period(flows, period)
            f = f[f["product"].astype(str).isin(members)]
            for (p, o, m), q in f.groupby(["product", "origin", "market"], sort=False)["quantity"].sum().items():
                out[(("made", str(p), str(o)), ("delivered", str(p), str(m)))] += float(q)
        inputs = tables.get("Inputs")
        if inputs is not None and len(inputs):
            t = kit.at_period(inputs, period)
            t = t[t["product"].astype(str).isin(members)]
            for (p, i, c), q in t.groupby(["product", "input", "country"], sort=False)["quantity_used"].sum().items():
                out[(("delivered", str(i), str(c)), ("made", str(p), str(c)))] += float(q)
    else:
        sites, scen_sites = tables.get("Sites"), tables.get("ScenarioSites")
        if sites is not None and scen_sites is not None and len(scen_sites):
            where = sites.drop_duplicates("site").set_index("site")[["country", "product"]]
            s = kit.at_period(scen_sites, period)
            s = s[s["scenario"].astype(str) == scenario].join(where, on="site")
            s = s[s["product"].astype(str).isin(members)]
            for (p, c), q in s.groupby(["product", "country"], sort=False)["production"].sum().items():
                out[(("made", str(p), str(c)), ("pool", str(p), ""))] += float(q)
        scen = tables.get("Scenarios")
        if scen is not None and len(scen):
            d = kit.at_period(scen, period)
            d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
            for r in d.itertuples():
                p, m = str(r.product), str(r.market)
                out[(("pool", p, ""), ("delivered", p, m))] += float(r.supplied)
                out[(("stock", p, m), ("delivered", p, m))] += float(r.stock_drawn)
        scen_inputs = tables.get("ScenarioInputs")
        if scen_inputs is not None and len(scen_inputs):
            d = kit.at_period(scen_inputs, period)
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
    return {k: v for k, v in out.items() if v > kit.EPS}


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
        if q > kit.EPS and (str(r["site"]), str(r["input"])) not in rate:
            rate[(str(r["site"]), str(r["input"]))] = float(r["quantity_used"]) / q
    ss = kit.at_period(scen_sites, period)
    scen_prod = ss[ss["scenario"].astype(str) == scenario].groupby("site")["production"].sum()
    used_by: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (i, c) -> [(site, p)]
    for r in kit.at_period(inputs, period).drop_duplicates(["site", "input"]).itertuples():
        if str(r.product) in members:
            used_by[(str(r.input), str(r.country))].append((str(r.site), str(r.product)))
    d = kit.at_period(scen_inputs, period)
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
        if rest > kit.EPS and weight > kit.EPS:
            for (_, p), q in unknown.items():
                out[(i, c, p)] += rest * q / weight
    return dict(out)


def _node_label(node: Node, single: bool) -> str:
    """A node's full name (in its hover and the trace's ``meta``): ``oxide made in China``."""
    kind, p, c = node
    what = "" if single else f"{p} "
    if kind == "made":
        return f"{what}made in {c}"
    if kind == "delivered":
        return f"{what}delivered in {c}"
    if kind == "stock":
        return f"{what}stock drawn in {c}"
    return f"{p}, all makers"


def _short_label(node: Node) -> str:
    """What is written beside a node: its country (the product and the step are in the column's
    heading), ``stock: c`` for a stockpile, ``all makers`` for a crisis's pool."""
    kind, _, c = node
    return "all makers" if kind == "pool" else f"stock: {c}" if kind == "stock" else c


# ---- figures -----------------------------------------------------------------------------------


SANKEY_PAD = 18
"""Pixels between two nodes of a column: at least a label's height, so labels never overlap."""
SANKEY_THICKNESS = 14
SANKEY_WIDTH = 1100
"""The plot width the labels are fitted to (the page is at most 1200 px wide)."""
LABEL_ROOM = 130
"""Pixels right of the last column for its labels (plotly writes a label right of its node, except in
the rightmost column: a hidden node at the right edge keeps the last real column's labels on the right)."""
CHAR_PX = 6.6
"""Width of a character of the 11 px node labels, about."""
STEP = {"made": 0, "pool": 1, "stock": 1, "delivered": 2}
STEP_TITLE = {0: "made in", 1: "", 2: "delivered in"}
PHANTOM_SHARE = 1e-9
"""The hidden link's value, as a share of the largest node's."""


@dataclass
class SankeyView:
    """One chain's diagram for one (scenario, period) choice: the plotly trace, the column headings
    (layout annotations, swapped with the trace) and the height it needs."""

    trace: dict[str, Any]
    annotations: list[dict[str, Any]]
    height: int


def _node_values(links: Mapping[tuple[Node, Node], float]) -> dict[Node, float]:
    """A node's size as plotly's Sankey (d3-sankey) draws it: the larger of what enters and leaves it."""
    into: dict[Node, float] = defaultdict(float)
    out: dict[Node, float] = defaultdict(float)
    for (a, b), v in links.items():
        out[a] += v
        into[b] += v
    return {n: max(into.get(n, 0.0), out.get(n, 0.0)) for n in dict.fromkeys([*out, *into])}


def _d3_layers(links: Iterable[tuple[Node, Node]], nodes: list[Node]) -> dict[Node, int]:
    """The columns d3-sankey (plotly's layout) groups nodes into with ``node.align = "right"``: the
    longest path to a sink, counted from the right. Plotly sizes every node from them (the scale at
    which the fullest of them fills the height), so the positions given here use the same scale.
    Aligned right, they are the columns drawn here: a plant without inputs sits with the other
    plants of its product, and a stockpile with the pool it feeds."""
    sources: dict[Node, list[Node]] = defaultdict(list)
    targets: dict[Node, list[Node]] = defaultdict(list)
    for a, b in links:
        targets[a].append(b)
        sources[b].append(a)

    def longest(step: Mapping[Node, list[Node]]) -> dict[Node, int]:
        out = dict.fromkeys(nodes, 0)
        current, x = set(nodes), 0
        while current and x <= len(nodes):
            nxt: set[Node] = set()
            for n in current:
                out[n] = x
                nxt.update(step[n])
            current, x = nxt, x + 1
        return out

    depth, height = longest(targets), longest(sources)
    width = max(depth.values(), default=0) + 1
    return {n: width - 1 - height[n] for n in nodes}


def sankey_view(
    links: Mapping[tuple[Node, Node], float],
    facts: Facts,
    chain: tuple[str, ...],
    tier: Mapping[str, int],
    visible: bool,
    height: int | None = None,
) -> SankeyView:
    """One plotly Sankey trace (a plain dict) of ``links`` with every node placed by hand: a column
    per step of each product in tier order (made in, pooled or stock, delivered in; products of the
    same tier share their columns, one below the other), nodes ordered by bloc and country down each
    column, ``SANKEY_PAD`` pixels apart so that their labels (the country alone: the product and the
    step are the column's heading) never overlap, and labels cut to the room between two columns.
    Nodes coloured by their country's bloc (pool nodes grey, stock nodes gold), links in their
    source's colour, half transparent; the full name of each node in its hover and in the trace's
    ``meta["nodes"]``. ``tier``: each product's tier. ``height`` (plot pixels): the chain's, the
    same for every choice (None: what this choice needs)."""
    values = _node_values(links)
    nodes = list(values)
    bloc_rank = {b: k for k, b in enumerate(facts.bloc_colors())}
    rank = {p: k for k, p in enumerate(chain)}

    def column_key(n: Node) -> int:
        kind, p, _ = n
        return 3 * tier.get(p, 0) + STEP[kind]

    used = sorted({column_key(n) for n in nodes})
    column = {n: used.index(column_key(n)) for n in nodes}
    n_columns = max(len(used), 1)

    def order(n: Node) -> tuple[Any, ...]:
        kind, p, c = n
        return (rank.get(p, 0), kind != "pool", bloc_rank.get(facts.bloc.get(c, ""), len(bloc_rank)), c)

    by_column: dict[int, list[Node]] = defaultdict(list)
    for n in sorted(nodes, key=order):
        by_column[column[n]].append(n)
    # two hidden nodes at the right edge, joined by a hairline: plotly writes a label left of its node
    # in the rightmost column only, so the last real column keeps its labels on the right
    left: Node = ("hidden", "", "left")
    right: Node = ("hidden", "", "right")
    all_links = dict(links)
    if nodes:
        all_links[(left, right)] = PHANTOM_SHARE * max(values.values())
    all_values = _node_values(all_links)
    layer_nodes: dict[int, list[Node]] = defaultdict(list)
    for n, k in _d3_layers(all_links, list(all_values)).items():
        layer_nodes[k].append(n)

    def scale(h: float) -> float:  # d3-sankey's ky: the fullest of its columns fills the height
        return min(
            (
                (h - (len(ns) - 1) * SANKEY_PAD) / total
                for ns in layer_nodes.values()
                if (total := sum(all_values[n] for n in ns)) > 0
            ),
            default=1.0,
        )

    def needed(h: float) -> float:
        ky = scale(h)
        return max(
            (sum(values[n] for n in ns) * ky + (len(ns) - 1) * SANKEY_PAD for ns in by_column.values()), default=0
        )

    most = max((len(ns) for ns in by_column.values()), default=1)
    plot_h = float(height or max(240, 1.7 * SANKEY_PAD * most))
    for _ in range(12):  # taller until every column fits at plotly's scale (it does unless a column is split)
        if height is not None or needed(plot_h) <= plot_h + 1e-6:
            break
        plot_h = max(plot_h * 1.1, needed(plot_h) + SANKEY_PAD)
    ky = scale(plot_h)
    span = 1 - LABEL_ROOM / SANKEY_WIDTH
    x_of = {c: 0.001 + (span - 0.001) * c / (n_columns - 1) if n_columns > 1 else 0.001 for c in range(n_columns)}
    xs: dict[Node, float] = {left: 0.999, right: 0.999}
    ys: dict[Node, float] = {left: 0.001, right: 0.999}
    for c, ns in by_column.items():
        top = 0.0
        for n in ns:
            h = values[n] * ky
            xs[n] = x_of[c]
            ys[n] = min(max((top + h / 2) / plot_h, 0.001), 0.999)
            top += h + SANKEY_PAD

    def color(n: Node) -> str:
        kind, _, c = n
        if kind == "hidden":
            return "rgba(0,0,0,0)"
        return kit.POOL_COLOR if kind == "pool" else kit.STOCK_COLOR if kind == "stock" else facts.country_color(c)

    single = len(chain) == 1
    gap_px = (span * SANKEY_WIDTH) / max(n_columns - 1, 1) - SANKEY_THICKNESS - 10
    room = max(6, int((gap_px if n_columns > 1 else LABEL_ROOM) / CHAR_PX))
    last_room = max(6, int((LABEL_ROOM - SANKEY_THICKNESS) / CHAR_PX))

    def cut(text: str, chars: int) -> str:
        return text if len(text) <= chars else text[: chars - 1] + "…"

    drawn = [*nodes, left, right] if nodes else []
    full = {n: _node_label(n, single) for n in nodes}
    index = {n: i for i, n in enumerate(drawn)}

    def info(n: Node) -> str:
        kind, _, c = n
        if kind == "hidden":
            return ""
        bloc = facts.bloc.get(c, "") if kind in ("made", "delivered") else ""
        return html.escape(full[n] + (f" ({bloc} bloc)" if bloc else ""))

    def label(n: Node) -> str:
        if n[0] == "hidden":
            return ""
        return html.escape(cut(_short_label(n), last_room if column[n] == n_columns - 1 else room))

    trace = {
        "type": "sankey",
        "visible": visible,
        "arrangement": "snap",
        "valueformat": ",.4~g",
        "meta": {"nodes": [html.escape(full[n]) for n in nodes]},
        "node": {
            "label": [label(n) for n in drawn],
            "x": [xs[n] for n in drawn],
            "y": [ys[n] for n in drawn],
            "align": "right",
            "color": [color(n) for n in drawn],
            "customdata": [info(n) for n in drawn],
            "hovertemplate": "%{customdata}<br>%{value:,.4~g}<extra></extra>",
            "pad": SANKEY_PAD,
            "thickness": SANKEY_THICKNESS,
            "line": {"width": 0},  # (per node it is not honoured: the hidden nodes would show theirs)
        },
        "link": {
            "source": [index[a] for a, _ in all_links],
            "target": [index[b] for _, b in all_links],
            "value": [float(v) for v in all_links.values()],
            "color": [color(a) if a[0] == "hidden" else kit.rgba(color(a), 0.4) for a, _ in all_links],
            "customdata": [html.escape(facts.unit.get(a[1], "")) for a, _ in all_links],
            "hovertemplate": "%{source.customdata} → %{target.customdata}<br>%{value:,.4~g} %{customdata}"
            "<extra></extra>",
        },
    }
    present = {p for _, p, _ in nodes}
    return SankeyView(trace, _column_headings(chain, tier, used, x_of, present), int(plot_h))


def _column_headings(
    chain: tuple[str, ...], tier: Mapping[str, int], used: list[int], x_of: Mapping[int, float], present: set[str]
) -> list[dict[str, Any]]:
    """Layout annotations over the columns: the products of each tier over their columns (wrapped to
    their width; products that share a tier's columns named top to bottom, as their nodes stand),
    and under them each column's step (made in, delivered in)."""
    out: list[dict[str, Any]] = []
    spacing = (1 - LABEL_ROOM / SANKEY_WIDTH) * SANKEY_WIDTH / max(len(used) - 1, 1)
    groups: dict[int, list[str]] = defaultdict(list)
    for p in chain:
        if p in present:
            groups[tier.get(p, 0)].append(p)
    for k, products in groups.items():
        cols = [c for c, key in enumerate(used) if key // 3 == k]
        if not cols:
            continue
        chars = max(10, int(spacing * (len(cols) - 0.2) / 7.2))
        lines: list[str] = []
        for j, p in enumerate(products):
            where = "" if len(products) == 1 else " (top)" if j == 0 else " (below)"
            lines += textwrap.wrap(f"{p}{where}", chars) or [p]
        out.append(
            {
                "text": "<br>".join(f"<b>{html.escape(x)}</b>" for x in lines),
                "x": x_of[cols[0]],
                "y": 1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "xshift": -SANKEY_THICKNESS // 2,
                "yshift": 16,
                "align": "left",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
        for c in cols:
            if STEP_TITLE[used[c] % 3]:
                out.append(
                    {
                        "text": STEP_TITLE[used[c] % 3],
                        "x": x_of[c],
                        "y": 1,
                        "xref": "paper",
                        "yref": "paper",
                        "xanchor": "left",
                        "yanchor": "bottom",
                        "xshift": -SANKEY_THICKNESS // 2,
                        "yshift": 2,
                        "showarrow": False,
                        "font": {"size": 10, "color": "#666"},
                    }
                )
    return out


# ---- sections ----------------------------------------------------------------------------------


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


def _unmet_glance(tables: Mapping[str, pd.DataFrame], facts: Facts) -> list[Glance]:
    unmet = tables.get("Unmet")
    parts = []
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
                        f"{kit.qty(float(r['unmet']))} {unit}",
                        f"{kit.qty(float(r['demand']))} {unit}",
                        kit.pct(float(r["unmet"]) / float(r["demand"])) if float(r["demand"]) > 0 else "",
                    ]
                )
            header = ["product", "market", *(["period"] if "period" in unmet.columns else []), "unmet", "demand"]
            parts.append("<h3>Unmet demand (baseline)</h3>" + kit.table([*header, "share"], rows))
        else:
            parts.append('<p class="ok">Unmet demand in the normal year: none, every market is served in full.</p>')
    return [Glance(50, below=x) for x in parts]


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


# ---- the build-out plan ------------------------------------------------------------------------


# ---- dependency --------------------------------------------------------------------------------


# ---- crises ------------------------------------------------------------------------------------


def _legend(facts: Facts) -> str:
    items = []
    for b, color in facts.bloc_colors().items():
        countries = ", ".join(c for c, x in facts.bloc.items() if x == b)
        items.append(
            f'<span class="key"><span class="swatch" style="background:{color}"></span>'
            f"{html.escape(b)} <small>({html.escape(countries)})</small></span>"
        )
    items.append(f'<span class="key"><span class="swatch" style="background:{kit.POOL_COLOR}"></span>all makers</span>')
    items.append(
        f'<span class="key"><span class="swatch" style="background:{kit.STOCK_COLOR}"></span>stock drawn</span>'
    )
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
        rows = kit.at_period(unmet, period) if unmet is not None else None
        short = rows[rows["product"].astype(str).isin(members)] if rows is not None and len(rows) else None
    else:
        text = (
            f"Scenario '{scenario}'{where}: each country's production flows into one node per product "
            "(which site served which market in the crisis is on the ScenarioFlows sheet), then to where it "
            "is delivered (an input: on to the plants there that use it), with strategic stock drawn."
        )
        scen = tables.get("Scenarios")
        rows = kit.at_period(scen, period) if scen is not None else None
        short = (
            rows[(rows["scenario"].astype(str) == scenario) & rows["product"].astype(str).isin(members)]
            if rows is not None and len(rows)
            else None
        )
    if short is not None and len(short):
        short = short[short["unmet"] > kit.EPS]
        if len(short):
            text += " Unmet: " + "; ".join(
                f"{r.product} in {r.market} {kit.qty(float(r.unmet))} {facts.unit.get(str(r.product), '')}".rstrip()
                for r in short.itertuples()
            )
            text += "."
    return text


def chain_section(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """One Sankey per product chain, with one trace per (scenario, period) choice (the selectors at
    the top switch which is visible, and the column headings with it); the baseline of the last
    period shown first (the network as built); empty when there are no flows."""
    if not kit.has(tables, "Flows") and not kit.has(tables, "ScenarioSites"):
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
    periods = kit.periods_of(tables) or [None]
    choices = [(si, pi) for si in range(len(scenarios)) for pi in range(len(periods))]
    first = (0, len(periods) - 1)
    tier = chain_tiers(dict.fromkeys(products), edges)
    blocks = []
    for k, chain in enumerate(chains(dict.fromkeys(products), edges)):
        links = [sankey_links(tables, chain, scenarios[si], periods[pi]) for si, pi in choices]
        height = max(sankey_view(x, facts, chain, tier, False).height for x in links)
        views = [sankey_view(x, facts, chain, tier, c == first, height) for x, c in zip(links, choices, strict=True)]
        captions = [_caption(tables, chain, scenarios[si], periods[pi], facts) for si, pi in choices]
        lines = max((a["text"].count("<br>") + 1 for v in views for a in v.annotations), default=1)
        margin = {"l": 10, "r": 10, "t": 30 + 16 * lines, "b": 10}
        shown = choices.index(first)
        layout = kit.layout(
            height=height + margin["t"] + margin["b"], margin=margin, annotations=views[shown].annotations
        )
        div = kit.plot_div(f"chain-{k}", [v.trace for v in views], layout)
        keys = [f"s{si}p{pi}" for si, pi in choices]
        title = " → ".join(chain)
        blocks.append(
            f'<div class="chain" data-choices="{html.escape(json.dumps(keys))}" '
            f'data-captions="{html.escape(json.dumps(captions))}" '
            f'data-annotations="{html.escape(json.dumps([v.annotations for v in views]))}">'
            f"<h3>{html.escape(title)}</h3>"
            f'<p class="caption">{html.escape(captions[shown])}</p>{div}</div>'
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
        last = f"p{len(periods) - 1}"
        selectors += f' <label>Period <select id="choose-period" data-first="{last}">{period_options}</select></label>'
    intro = (
        "<p>Each diagram is one product chain (products connected by recipes), read left to right by tier: "
        "where each product is made and where it is delivered, by country; nodes and links are coloured by the "
        "country's bloc. "
        + (
            f"It opens on the last period ({html.escape(str(periods[-1]))}), the network as built; "
            if len(periods) > 1
            else ""
        )
        + "choose a crisis or a period above the diagrams. Hover over a node or a link for its name and quantity.</p>"
    )
    return (
        '<section id="chains"><h2>Product chains</h2>'
        + intro
        + (f'<div class="selectors">{selectors}</div>' if selectors else "")
        + _legend(facts)
        + "".join(blocks)
        + "</section>"
    )


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


def family_sections(tables: Mapping[str, pd.DataFrame], facts: Facts, own: list[Section]) -> list[Section]:
    """The families' sections of the report (``html``), by place (lower first; the order of
    ``FAMILIES`` between equal places)."""
    found = [s for family in FAMILIES if hasattr(family, "html") for s in family.html(tables, facts)]
    return sorted([*found, *own], key=lambda s: s.place)


def render_html(tables: Mapping[str, pd.DataFrame], facts: Facts) -> str:
    """The whole report as one HTML document (plotly.js embedded, no external reference)."""
    from plotly import __version__ as plotly_version
    from plotly.offline import get_plotlyjs

    s = _summary(tables)
    source = str(s.get("input_file") or facts.source or "")
    title = f"Supply network redesign: {Path(source).name}" if source else "Supply network redesign"
    run_at = str(s.get("run_at", "")) or _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    glances = [g for family in FAMILIES if hasattr(family, "glance") for g in family.glance(tables, facts)]
    glances += _unmet_glance(tables, facts)
    glances.sort(key=lambda g: g.place)
    own = [
        Section(50, chain_section(tables, facts)),
    ]
    sections = [
        headline_section(tables, facts, glances),
        *(s.html for s in family_sections(tables, facts, own)),
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
