"""A product chain's Sankey diagram laid out by hand for the HTML report: links between nodes
(``Node``: made in a country, delivered in a country, a crisis's pool of all makers, stock drawn)
-> one plotly trace with every node placed, and the column headings.

The flows family reads the links from its tables (``model.families.flows.sankey_links``); this
module names no table and imports no family.
"""

from __future__ import annotations

import html
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from model import htmlkit as kit

Node = tuple[str, str, str]
"""(kind, product, country): kind ``made``, ``delivered``, ``pool`` (country ""), or ``stock``."""


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
    facts: kit.Facts,
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
