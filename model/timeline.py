"""The Timeline of a plan over periods (contract v2, ``run.md``): per period, what the design costs,
what opens and closes, the capacity each bloc holds and each product's concern share against its
cap; as a results sheet (with native Excel charts, added by ``model.report``), as a PNG, and as
console lines.

Everything here is read from the result tables (Costs, Sites, Dependency) and the input, never
from the model: the Timeline restates what the other sheets say, period by period.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from model import atomic
from model.charts import bloc_colors
from model.families.dependency import concern_caps
from model.families.protocol import Col, Table
from model.network import Network

CAPACITY = "capacity: "
SHARE = "concern share: "
CAP = "cap: "
MADE = "made in concern countries: "
"""Prefixes of the Timeline's per-product columns (``capacity: oxide (t REO) in Ally``,
``concern share: magnet``, ``cap: magnet``, ``made in concern countries: oxide``)."""
IN_BLOC = " in "
CONCERN_BLOCS = "concern_blocs"
"""``DataFrame.attrs`` key of the Timeline: the blocs holding a concern country (drawn red)."""


TABLES = (
    Table(
        "Timeline",
        "one row per period: what the design costs, what opens and closes, the capacity each bloc holds, "
        "and each product's concern share against its cap and made in concern countries",
        ("period",),
        (
            Col("period", "year", "the period (its first year)"),
            Col("years", "count", "the years it stands for"),
            Col("weight", "years", "its weight W[t]: its years, discounted"),
            Col("yearly_cost", "money", "the sum of its Costs rows' yearly values, undiscounted"),
            Col("weighted_cost", "money", "W[t] x yearly_cost: the rows sum to the objective"),
            Col("opens", "text", "the sites that start operating in the period"),
            Col("closes", "text", "the sites that stop operating in the period"),
            Col(
                f"{CAPACITY}<product> (<unit>){IN_BLOC}<bloc>",
                "quantity",
                "the capacity in place of the product in the bloc's countries (hubs not counted)",
            ),
            Col(f"{SHARE}<product>", "share", "its concern share in the capped market nearest its cap"),
            Col(f"{CAP}<product>", "share", "that market's cap (blank where no market of the product is capped)"),
            Col(f"{MADE}<product>", "share", "the share of the product made in concern countries"),
        ),
        when="with a Periods sheet",
        place=-10,
    ),
)
"""The Timeline sheet, declared as the families declare theirs (``model.tables``)."""


def bloc_of(net: Network, country: str) -> str:
    """A country's bloc label, or the country itself where it has none."""
    return net.bloc.get(country) or country


def capacity_column(product: str, unit: str, bloc: str) -> str:
    """``capacity: oxide (t REO) in Ally``: one product's capacity in one bloc, in its unit."""
    return f"{CAPACITY}{product}{f' ({unit})' if unit else ''}{IN_BLOC}{bloc}"


def capacity_groups(table: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The Timeline's capacity columns by product: ``oxide (t REO)`` -> [(bloc, column), ...]
    (quantities of different products are never stacked together)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for column in columns_with(table, CAPACITY):
        product, _, bloc = column.removeprefix(CAPACITY).rpartition(IN_BLOC)
        groups.setdefault(product, []).append((bloc, column))
    return groups


def timeline_table(tables: dict[str, pd.DataFrame], net: Network) -> pd.DataFrame:
    """One row per period: ``period``, ``years``, ``weight`` W[t], ``yearly_cost`` (the sum of
    the Costs rows' undiscounted yearly values in t), ``weighted_cost`` (W[t] times it: the rows
    sum to the objective), ``opens`` and ``closes`` (the sites that start or stop operating in t);
    then per product p and bloc b with a site making p, the capacity in place
    (``capacity: <p> (<unit>) in <b>``: Sites.capacity summed over the sites of p in b's
    countries; hubs, which pass a product on and make none, are not counted); per product with a
    capped market in some period, where its concern share stands against its cap
    (``concern share: <p>`` and ``cap: <p>``, in the capped market nearest its cap:
    ``nearest_cap``; blank in a period where no market of p is capped); and per product the share
    of it made in concern countries (``made in concern countries: <p>``: production at the
    non-hub sites in concern countries over all non-hub production; 0 where none is made). The
    blocs holding a concern country are in ``attrs[CONCERN_BLOCS]``."""
    costs = tables["Costs"]
    costs = costs[costs["period"] != "total"]
    sites, dep = tables["Sites"], concern_caps(tables["Dependency"])
    dep = dep[dep["scope"] == "each"]
    makers = sites[~sites["site"].isin(net.hubs)]
    blocs = list(dict.fromkeys(bloc_of(net, c) for c in net.countries))
    made_in = {(p, bloc_of(net, c)) for p, c in zip(makers["product"], makers["country"], strict=True)}
    products = list(dict.fromkeys([*net.products, *makers["product"]]))
    capped = [p for p in dict.fromkeys(dep["product"]) if (dep[dep["product"] == p]["cap"] < 1).any()]
    rows = []
    previous: set[str] = set()
    for period in net.periods:
        t = period.year
        c = costs[costs["period"] == t]
        s = sites[sites["period"] == t]
        operating = set(s[s["built"].astype(bool)]["site"])
        row: dict[str, Any] = {
            "period": t,
            "years": period.years,
            "weight": period.weight,
            "yearly_cost": float(c["yearly_value"].sum()),
            "weighted_cost": float(c["value"].sum()),
            "opens": ", ".join(x for x in s["site"] if x in operating - previous and (previous or x in net.candidates)),
            "closes": ", ".join(x for x in s["site"] if x in previous - operating),
        }
        m = makers[makers["period"] == t]
        capacity: dict[tuple[str, str], float] = defaultdict(float)
        for product, country, cap in zip(m["product"], m["country"], m["capacity"], strict=True):
            capacity[(product, bloc_of(net, country))] += float(cap)
        for p in products:
            for b in blocs:
                if (p, b) in made_in:
                    row[capacity_column(p, net.unit.get(p, ""), b)] = capacity[(p, b)]
        d = dep[dep["period"] == t]
        for p in capped:
            row[f"{SHARE}{p}"], row[f"{CAP}{p}"] = nearest_cap(d[d["product"] == p])
        for p in products:
            made = m[m["product"] == p]
            total = float(made["production"].sum())
            concern = float(made[made["site"].isin(net.concern_sites)]["production"].sum())
            row[f"{MADE}{p}"] = concern / total if total > 0 else 0.0
        rows.append(row)
        previous = operating
    table = pd.DataFrame(rows)
    table.attrs[CONCERN_BLOCS] = [b for b in blocs if any(bloc_of(net, c) == b for c in net.concern)]
    return table


def nearest_cap(dependency: pd.DataFrame) -> tuple[float, float]:
    """(concern share, cap) of the product's `each` Dependency row that stands nearest its cap
    (largest share - cap) among the capped markets (cap < 1); (NaN, NaN) without a capped market
    (a share over all markets would count a hub's throughput twice: in the hub's pool and the
    next)."""
    capped = dependency[dependency["cap"] < 1]
    if len(capped):
        shares = capped["concern_share"].tolist()
        caps = capped["cap"].tolist()
        k = max(range(len(caps)), key=lambda i: shares[i] - caps[i])
        return float(shares[k]), float(caps[k])
    return float("nan"), float("nan")


def columns_with(table: pd.DataFrame, prefix: str) -> list[str]:
    """The Timeline's columns that start with ``prefix`` (one per bloc or product)."""
    return [c for c in table.columns if c.startswith(prefix)]


PANEL_WIDTH = 3.7
PANEL_HEIGHT = 2.7
"""Inches per product panel of the Timeline PNG: the same at any size of network, so that a network
ten times the sample's is as readable (its picture is longer, not smaller)."""
PANEL_COLUMNS = 4
DPI = 100
MAX_PIXELS = 60000
"""matplotlib draws at most 2^16 pixels a side: a taller picture gets a lower resolution."""


def compact(v: float) -> str:
    """An axis tick in few characters: 0, 250, 2.5k, 120k, 1.5M, 2B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.3g}{suffix}"
    return f"{v:.3g}"


def _panel_products(table: pd.DataFrame) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(product, its title with the unit, its capacity columns by bloc) per product of the
    Timeline, in its order: the products with a capacity column or a share made in concern
    countries (every product made somewhere)."""
    groups = capacity_groups(table)
    products = [c.removeprefix(MADE) for c in columns_with(table, MADE)]
    out = []
    for p in dict.fromkeys(products):
        label = next((g for g in groups if g == p or g.startswith(f"{p} (")), p)
        out.append((p, label, groups.get(label, [])))
    for label, cols in groups.items():  # a capacity without a share column (not written by timeline_table)
        if all(label != x for _, x, _ in out):
            out.append((label, label, cols))
    return out


def timeline_figure(table: pd.DataFrame, currency: str) -> Any:
    """The Timeline as a matplotlib figure: one small panel per product (titled with its unit),
    four to a row, each with the capacity in place per period (bars stacked by bloc, in the
    product's unit; the concern blocs red) and, on a right-hand axis from 0 to 100%, the product's
    concern share in the capped market nearest its cap (solid), that cap (dashed) and the share
    made in concern countries (dotted); then a panel of the yearly cost per period (the weighted
    cost written on each bar). One legend for the whole figure, above the panels, never on them.
    Each panel's size is fixed (``PANEL_WIDTH`` x ``PANEL_HEIGHT`` inches), so the picture grows with
    the network and stays readable. Product panels are labelled ``product: <name>``."""
    import textwrap

    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    periods = [str(t) for t in table["period"]]
    x = list(range(len(periods)))
    panels = _panel_products(table)
    n = len(panels) + 1  # and the cost
    cols = min(PANEL_COLUMNS, n)
    rows = math.ceil(n / cols)
    blocs = list(dict.fromkeys(b for _, _, group in panels for b, _ in group))
    colors = bloc_colors(blocs, table.attrs.get(CONCERN_BLOCS, []))
    legend_in = 0.35 + 0.22 * math.ceil((len(blocs) + 3) / 6)
    title_in = 0.35  # two lines of a panel's title
    width, height = cols * PANEL_WIDTH + 0.4, rows * PANEL_HEIGHT + legend_in + title_in + 0.3
    dpi = min(DPI, MAX_PIXELS / height)
    fig = plt.figure(figsize=(width, height), dpi=dpi)
    grid = fig.add_gridspec(
        rows,
        cols,
        left=0.55 / width,
        right=1 - 0.55 / width,
        top=1 - (legend_in + title_in) / height,
        bottom=0.35 / height,
        hspace=0.65,
        wspace=0.55,
    )
    rotate = 90 if len(periods) > 6 else 0

    def period_axis(ax: Any) -> None:
        step = max(1, math.ceil(len(periods) / 12))
        ax.set_xticks(x[::step], periods[::step], fontsize=7, rotation=rotate)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, axis="y", alpha=0.3)

    for k, (product, label, group) in enumerate(panels):
        ax = fig.add_subplot(grid[k // cols, k % cols], label=f"product: {product}")
        ax.set_title("\n".join(textwrap.wrap(label, 42)[:2]), fontsize=8.5)
        bottom = [0.0] * len(table)
        for bloc, column in group:
            values = table[column].astype(float).fillna(0.0).tolist()
            ax.bar(x, values, width=0.7, bottom=bottom, color=colors[bloc])
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        top = max(bottom, default=0.0)
        ax.set_ylim(0, top * 1.35 if top > 0 else 1)  # room above the bars for the share lines
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: compact(v)))
        period_axis(ax)
        share = ax.twinx()
        share.set_ylim(0, 105)
        share.set_yticks([0, 50, 100], ["0", "50%", "100%"], fontsize=7)
        if f"{SHARE}{product}" in table.columns:
            share.plot(x, table[f"{SHARE}{product}"] * 100, color="#111111", marker="o", markersize=3, lw=1.4)
            share.plot(x, table[f"{CAP}{product}"] * 100, color="#7a0000", linestyle="--", lw=1.2)
        if f"{MADE}{product}" in table.columns:
            share.plot(x, table[f"{MADE}{product}"] * 100, color="#555555", linestyle=":", lw=1.4)
    k = len(panels)
    ax = fig.add_subplot(grid[k // cols, k % cols], label="cost")
    bars = ax.bar(x, table["yearly_cost"], width=0.7, color="#1f5fa8")
    for bar, weighted in zip(bars, table["weighted_cost"], strict=True):
        ax.annotate(
            f"{weighted:,.0f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=6.5,
            rotation=rotate,
        )
    ax.set_ylim(0, max(table["yearly_cost"].max() * 1.3, 1))
    ax.set_title(f"Yearly cost per period ({currency})\non the bars: weighted (years, discount)", fontsize=8.5)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: compact(v)))
    period_axis(ax)
    handles = [Patch(color=colors[b], label=f"capacity in {b}") for b in blocs] + [
        Line2D([], [], color="#111111", marker="o", markersize=3, label="concern share (right axis), capped market"),
        Line2D([], [], color="#7a0000", linestyle="--", label="its cap"),
        Line2D([], [], color="#555555", linestyle=":", label="share made in concern countries (right axis)"),
    ]
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.08 / height),
        ncol=min(len(handles), 6 if width > 12 else 3),
        fontsize=8,
        frameon=False,
    )
    return fig


def timeline_png(table: pd.DataFrame, currency: str, path: Path) -> Path:
    """The Timeline as a PNG (``timeline_figure``), written atomically beside the results workbook."""
    return atomic.save_figure(timeline_figure(table, currency), path)


def print_timeline(line: Callable[[str], None], table: pd.DataFrame, currency: str) -> None:
    """Console lines, one block per period: its yearly and weighted cost, what opens and closes,
    each capped product's concern share against its cap (in the capped market nearest its cap),
    and each product's share made in concern countries."""
    line("Per period (yearly cost; weighted: counted for the period's years, discounted):")
    for r in table.to_dict("records"):
        line(
            f"  {r['period']} ({r['years']} yr, weight {r['weight']:.3g}): {r['yearly_cost']:,.2f} {currency} a year, "
            f"{r['weighted_cost']:,.2f} weighted"
        )
        if r["opens"]:
            line(f"    opens: {r['opens']}")
        if r["closes"]:
            line(f"    closes: {r['closes']}")
        shares = []
        for column in columns_with(table, SHARE):
            product = column.removeprefix(SHARE)
            if r[column] == r[column]:  # blank in a period without a capped market
                shares.append(f"{product} {r[column]:.1%} / cap {r[f'{CAP}{product}']:.1%}")
        if shares:
            line("    concern share (market nearest its cap): " + "; ".join(shares))
        made = [f"{c.removeprefix(MADE)} {r[c]:.1%}" for c in columns_with(table, MADE)]
        if made:
            line("    made in concern countries: " + "; ".join(made))
