"""The Timeline of a plan over periods (contract v2, ``run.md``): per period, what the design costs,
what opens and closes, the capacity each bloc holds and each product's concern share against its
cap; as a results sheet (with native Excel charts, added by ``model.report``), as a PNG, and as
console lines.

Everything here is read from the result tables (Costs, Sites, Dependency) and the input, never
from the model: the Timeline restates what the other sheets say, period by period.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from model import atomic
from model.network import Network

CAPACITY = "capacity: "
SHARE = "concern share: "
CAP = "cap: "
"""Prefixes of the Timeline's per-bloc and per-product columns (``capacity: Ally``)."""


def bloc_of(net: Network, country: str) -> str:
    """A country's bloc label, or the country itself where it has none."""
    return net.bloc.get(country) or country


def timeline_table(tables: dict[str, pd.DataFrame], net: Network) -> pd.DataFrame:
    """One row per period: ``period``, ``years``, ``weight`` W[t], ``yearly_cost`` (the sum of
    the Costs rows' undiscounted yearly values in t), ``weighted_cost`` (W[t] times it: the rows
    sum to the objective), ``opens`` and ``closes`` (the sites that start or stop operating in t),
    then the capacity in place per bloc (``capacity: <bloc>``, Sites.capacity summed by the bloc of
    the site's country), and per product where its concern share stands against its cap
    (``concern share: <product>`` and ``cap: <product>``, in the capped market nearest its cap:
    ``nearest_cap``)."""
    costs = tables["Costs"]
    costs = costs[costs["period"] != "total"]
    sites, dep = tables["Sites"], tables["Dependency"]
    dep = dep[dep["scope"] == "each"]
    blocs = list(dict.fromkeys(bloc_of(net, c) for c in net.countries))
    products = list(dict.fromkeys(dep["product"]))
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
        capacity: dict[str, float] = defaultdict(float)
        for country, cap in zip(s["country"], s["capacity"], strict=True):
            capacity[bloc_of(net, country)] += float(cap)
        row |= {f"{CAPACITY}{b}": capacity[b] for b in blocs}
        d = dep[dep["period"] == t]
        for p in products:
            row[f"{SHARE}{p}"], row[f"{CAP}{p}"] = nearest_cap(d[d["product"] == p])
        rows.append(row)
        previous = operating
    return pd.DataFrame(rows)


def nearest_cap(dependency: pd.DataFrame) -> tuple[float, float]:
    """(concern share, cap) of the product's `each` Dependency row that stands nearest its cap
    (largest share - cap) among the capped markets (cap < 1); without a capped market, the share
    of all its supply and cap 1."""
    capped = dependency[dependency["cap"] < 1]
    if len(capped):
        shares = capped["concern_share"].tolist()
        caps = capped["cap"].tolist()
        k = max(range(len(caps)), key=lambda i: shares[i] - caps[i])
        return float(shares[k]), float(caps[k])
    supplied = float(dependency["supplied"].sum())
    return (float(dependency["concern_supplied"].sum()) / supplied if supplied > 0 else 0.0), 1.0


def columns_with(table: pd.DataFrame, prefix: str) -> list[str]:
    """The Timeline's columns that start with ``prefix`` (one per bloc or product)."""
    return [c for c in table.columns if c.startswith(prefix)]


def timeline_png(table: pd.DataFrame, currency: str, path: Path) -> Path:
    """The Timeline as a PNG of three panels sharing the period axis: capacity by bloc (stacked
    bars), concern share by product (lines; dashed: the cap of the market nearest it), cost per
    period (bars: yearly cost; the weighted cost in the labels). Written atomically beside the results workbook."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    periods = [str(t) for t in table["period"]]
    fig, axes = plt.subplots(3, 1, figsize=(9, 10), dpi=110, sharex=True)
    bottom = [0.0] * len(table)
    for column in columns_with(table, CAPACITY):
        values = table[column].tolist()
        axes[0].bar(periods, values, bottom=bottom, label=column.removeprefix(CAPACITY))
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    axes[0].set_title("Capacity in place by bloc")
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].legend(fontsize=8)
    for column in columns_with(table, SHARE):
        product = column.removeprefix(SHARE)
        (line,) = axes[1].plot(periods, table[column] * 100, marker="o", label=product)
        axes[1].plot(periods, table[f"{CAP}{product}"] * 100, linestyle="--", color=line.get_color(), alpha=0.7)
    axes[1].set_title("Concern share by product, in the market nearest its cap (dashed: that cap)")
    axes[1].set_ylabel("%")
    axes[1].set_ylim(0, 105)
    axes[1].legend(fontsize=8)
    bars = axes[2].bar(periods, table["yearly_cost"], color="#1f5fa8")
    for bar, weighted in zip(bars, table["weighted_cost"], strict=True):
        axes[2].annotate(
            f"{weighted:,.0f} weighted", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", fontsize=7
        )
    axes[2].set_title(f"Yearly cost per period ({currency})")
    axes[2].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[2].set_xlabel("period (first year)")
    for ax in axes:
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        atomic.give_normal_permissions(tmp, path)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def print_timeline(line: Callable[[str], None], table: pd.DataFrame, currency: str) -> None:
    """Console lines, one block per period: its yearly and weighted cost, what opens and closes,
    and each product's concern share against its cap, in the capped market nearest its cap."""
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
            cap = r[f"{CAP}{product}"]
            shares.append(f"{product} {r[column]:.1%}" + (f" / cap {cap:.1%}" if cap < 1 else ""))
        if shares:
            line("    concern share (market nearest its cap): " + "; ".join(shares))
