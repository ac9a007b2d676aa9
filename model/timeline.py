"""The Timeline of a plan over periods (contract v2, ``run.md``): per period, what the design costs,
what opens and closes, the capacity each bloc holds and each product's concern share against its
cap; as a results sheet (with native Excel charts, added by ``model.report``), as a PNG, and as
console lines.

Everything here is read from the result tables (Costs, Sites, Dependency) and the input, never
from the model: the Timeline restates what the other sheets say, period by period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from model import atomic
from model.charts import bloc_colors
from model.families.dependency import concern_caps
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


def timeline_png(table: pd.DataFrame, currency: str, path: Path) -> Path:
    """The Timeline as a PNG of three panels sharing the period axis: capacity in place (a
    stacked bar per product and period, stacked by bloc, each in its product's unit; the concern
    blocs red), concern share by product (solid: in the capped market nearest its cap, dashed:
    that cap; dotted: the share made in concern countries), cost per period (bars: yearly cost;
    the weighted cost in the labels). Written atomically beside the results workbook."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    periods = [str(t) for t in table["period"]]
    x = list(range(len(periods)))
    fig, axes = plt.subplots(3, 1, figsize=(9, 10.5), dpi=110, sharex=True)
    groups = capacity_groups(table)
    blocs = list(dict.fromkeys(b for cols in groups.values() for b, _ in cols))
    colors = bloc_colors(blocs, table.attrs.get(CONCERN_BLOCS, []))
    width = 0.8 / max(1, len(groups))
    top = 0.0
    labelled: set[str] = set()
    for k, (product, cols) in enumerate(groups.items()):
        at = [i - 0.4 + width * (k + 0.5) for i in x]
        bottom = [0.0] * len(table)
        for bloc, column in cols:
            values = table[column].astype(float).tolist()
            label = bloc if bloc not in labelled else None
            labelled.add(bloc)
            axes[0].bar(at, values, width=width * 0.9, bottom=bottom, color=colors[bloc], label=label)
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        for xi, h in zip(at, bottom, strict=True):
            axes[0].annotate(product, (xi, h), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7)
        top = max([top, *bottom])
    axes[0].set_title("Capacity in place by product and bloc (each bar in its product's unit; hubs not counted)")
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].set_ylim(0, top * 1.4 if top > 0 else 1)  # room for the labels and the legend under the frame
    if labelled:
        axes[0].legend(fontsize=8, loc="upper left", ncol=max(1, len(blocs)))
    for column in columns_with(table, MADE):
        product = column.removeprefix(MADE)
        share = f"{SHARE}{product}"
        if share in table.columns:
            (line,) = axes[1].plot(x, table[share] * 100, marker="o", label=f"{product}: nearest its cap")
            axes[1].plot(x, table[f"{CAP}{product}"] * 100, linestyle="--", color=line.get_color(), alpha=0.7)
            color = line.get_color()
        else:
            color = None
        axes[1].plot(
            x,
            table[column] * 100,
            linestyle=":",
            marker=".",
            color=color,
            label=f"{product}: made in concern countries",
        )
    axes[1].set_title(
        "Concern share by product: in the capped market nearest its cap (dashed: that cap); dotted: made in concern"
        " countries",
        fontsize=9,
    )
    axes[1].set_ylabel("%")
    axes[1].set_ylim(0, 105)
    axes[1].legend(fontsize=7)
    bars = axes[2].bar(x, table["yearly_cost"], color="#1f5fa8")
    for bar, weighted in zip(bars, table["weighted_cost"], strict=True):
        axes[2].annotate(
            f"{weighted:,.0f} weighted", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", fontsize=7
        )
    axes[2].set_title(f"Yearly cost per period ({currency})")
    axes[2].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[2].set_xlabel("period (first year)")
    axes[2].set_xticks(x, periods)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return atomic.save_figure(fig, path)


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
