"""Dependency caps on concern countries: constraints (4) `each` and (5) `total`; the Dependency
table with each cap's marginal cost; the cap invariants."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.families.common import Adjacency
from model.families.protocol import Context, Extraction, period_columns, value, with_period
from model.families.verify import TOL, rows_of
from model.network import Network

DIMENSIONS = {
    "DEPENDENCY_EACH": ("product", "market", "period"),
    "DEPENDENCY_TOTAL": ("total_cap", "period"),
    "dependency_each": ("product", "market", "period"),
    "dependency_total": ("total_cap", "period"),
}
BINDING_TOL = 1e-6
PRICED_TOL = 1e-6  # money per point: a cap whose marginal cost is below this saves nothing if loosened


def each_caps(net: Network, adj: Adjacency) -> list[tuple[str, str]]:
    """(p, m) whose resolved cap < 1 and that concern sites can reach (otherwise trivially met)."""
    return [
        (p, mk)
        for (p, mk), cap in net.cap_each.items()
        if cap < 1 and net.demand.get((p, mk), 0) > 0 and any(s in adj.concern_sites for s in adj.arcs_to[(p, mk)])
    ]


def total_caps(net: Network, adj: Adjacency) -> list[int]:
    """Indices into ``net.cap_total`` (the ``total_cap`` position) that can bind."""
    return [
        i
        for i, tc in enumerate(net.cap_total)
        if tc.cap < 1 and any(s in adj.concern_sites for mk in tc.markets for s in adj.arcs_to[(tc.product, mk)])
    ]


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraints ``dependency_each`` (4) and ``dependency_total`` (5). No variables, no costs.

    (4)  sum_{s: c(s) in K} x[s,m,t] - cap_pm * sum_s x[s,m,t] <= 0          for each (p, m)
    (5)  sum_{m in row} [ sum_{s: c(s) in K} x[s,m,t] - cap * sum_s x[s,m,t] ] <= 0
                                                   for each `total` Caps row and matching product

    Sums run over sites making p. The share is measured on delivered quantity (supply), not
    demand; the caps bind the baseline only.
    """
    periods = ctx.periods
    concern = ctx.adj.concern_sites

    def share_excess(p: str, mk: str, cap: float, t: int) -> object:
        return sum(((1 - cap) if s in concern else -cap) * m.flow[s, mk, t] for s in ctx.adj_at(t).arcs_to[(p, mk)])

    m.DEPENDENCY_EACH = pyo.Set(
        dimen=3,
        initialize=[(p, mk, t) for t in periods for p, mk in each_caps(ctx.at(t), ctx.adj_at(t))],
        ordered=True,
        doc="capped (product, market, period)",
    )
    m.dependency_each = pyo.Constraint(
        m.DEPENDENCY_EACH,
        rule=lambda _m, p, mk, t: share_excess(p, mk, ctx.at(t).cap_each[(p, mk)], t) <= 0,
        doc="(4) concern share of supply <= cap, each market",
    )
    m.DEPENDENCY_TOTAL = pyo.Set(
        dimen=2,
        initialize=[(i, t) for t in periods for i in total_caps(ctx.at(t), ctx.adj_at(t))],
        ordered=True,
        doc="(index into the total caps, period) that can bind",
    )

    def total_rule(_m: pyo.ConcreteModel, i: int, t: int) -> object:
        tc = ctx.at(t).cap_total[i]
        return sum(share_excess(tc.product, mk, tc.cap, t) for mk in tc.markets) <= 0

    m.dependency_total = pyo.Constraint(
        m.DEPENDENCY_TOTAL, rule=total_rule, doc="(5) concern share <= cap, summed over markets"
    )


DEPENDENCY_COLUMNS = [
    "product",
    "market",
    "supplied",
    "concern_supplied",
    "concern_share",
    "cap",
    "at_cap",
    "binding",
    "marginal_cost_per_point",
    "scope",
    "caps_row",
]


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Dependency: per capped pool (`each`) and `total` row, supply, concern share, whether the cap
    binds and its marginal cost per point; and the extra figure
    ``default_cap_marginal_per_point``."""
    net = ctx.net
    supplied: dict[tuple[str, str, int], float] = defaultdict(float)
    concern_supplied: dict[tuple[str, str, int], float] = defaultdict(float)
    for (s, mk, t), var in m.flow.items():
        q = value(var)
        if q <= 1e-9:
            continue
        key = (net.site_product[s], mk, t)
        supplied[key] += q
        if net.site_country[s] in net.concern:
            concern_supplied[key] += q
    rows = []
    for t in ctx.periods:
        view = ctx.at(t)
        for p, mk in view.positive_demand:
            k = (p, mk, t)
            constraint = m.dependency_each[k] if k in m.DEPENDENCY_EACH else None
            row = _row(p, mk, "each", supplied[k], concern_supplied[k], view.cap_each[(p, mk)], constraint, solved)
            rows.append(with_period(row, net, t))
        for i, tc in enumerate(view.cap_total):
            sup = sum(supplied[(tc.product, mk, t)] for mk in tc.markets)
            con = sum(concern_supplied[(tc.product, mk, t)] for mk in tc.markets)
            constraint = m.dependency_total[i, t] if (i, t) in m.DEPENDENCY_TOTAL else None
            label = ", ".join(tc.markets)
            row = _row(tc.product, label, "total", sup, con, tc.cap, constraint, solved, tc.row)
            rows.append(with_period(row, net, t))
    table = pd.DataFrame(rows, columns=period_columns(net, DEPENDENCY_COLUMNS))
    out.tables["Dependency"] = table
    if net.shows_periods:  # the default cap holds in every period: one point less costs the sum
        out.extra["default_cap_marginal_per_point"] = sum(
            default_cap_marginal(ctx.at(t), table[table["period"] == t]) for t in ctx.periods
        )
    else:
        out.extra["default_cap_marginal_per_point"] = default_cap_marginal(net, table)


def default_cap_pairs(net: Network) -> set[tuple[str, str]]:
    """The (product, market) pairs with demand whose `each` cap is ``Settings.dependency_cap``:
    no Caps row of scope `each` matches them."""
    each_rows = [r for r in net.cap_rows if r.scope == "each"]
    return {
        (p, mk)
        for (p, mk) in net.positive_demand
        if not any((r.product in (None, p)) and (r.market in (None, mk)) for r in each_rows)
    }


def default_cap_marginal(net: Network, dependency: pd.DataFrame) -> float:
    """Cost of one point less ``Settings.dependency_cap``: the sum of the marginal costs of the
    `each` caps that take the default (no Caps row matches them)."""
    uses_default = default_cap_pairs(net)
    each = dependency[dependency["scope"] == "each"]
    return float(sum(r.marginal_cost_per_point for r in each.itertuples() if (r.product, r.market) in uses_default))


def _row(
    p: str,
    mk: str,
    scope: str,
    sup: float,
    con: float,
    cap: float,
    constraint: Any,
    solved: Any,
    caps_row: int | None = None,
) -> dict[str, Any]:
    """One Dependency row; the marginal cost is the cost of one percentage point less cap.

    ``at_cap``: the concern share sits at the cap (share >= cap - BINDING_TOL, cap < 1).
    ``binding``: at the cap and loosening it would save money (marginal cost > PRICED_TOL), or the
    marginal cost is unknown. A cap at its limit with marginal cost 0 is at_cap but not binding:
    another constraint holds the share there (the console says the same).

    With g = sum_K x - cap sum x <= 0 and HiGHS's row dual y = d(cost)/d(rhs) (<= 0 when it
    binds), the envelope theorem gives d(cost)/d(cap) = y * sum x, so one point (0.01) less cap
    costs -0.01 * y * supplied.
    """
    share = con / sup if sup > 0 else 0.0
    if constraint is None:  # no constraint generated (cap 1, or no concern site can reach): costs nothing
        marginal: float | None = 0.0
    else:  # from the LP polish; None (a blank cell) if that LP could not be solved
        dual = solved.duals.get(constraint)
        marginal = max(-0.01 * dual * sup, 0.0) if dual is not None else None
    priced = marginal is not None and marginal > PRICED_TOL
    at_cap = (cap < 1 and sup > 0 and share >= cap - BINDING_TOL) or priced  # a priced cap is at its limit
    binding = at_cap and (priced or marginal is None)  # unknown marginal: cannot say it is not binding
    return {
        "product": p,
        "market": mk,
        "supplied": sup,
        "concern_supplied": con,
        "concern_share": share,
        "cap": cap,
        "at_cap": bool(at_cap),
        "binding": bool(binding),
        "marginal_cost_per_point": marginal,
        "scope": scope,
        "caps_row": caps_row,
    }


def check(res: Any, net: Network) -> list[str]:
    """Concern share <= cap, each (p, m) and every `total` row."""
    sup: dict[tuple[str, str], float] = defaultdict(float)
    con: dict[tuple[str, str], float] = defaultdict(float)
    for product, market, origin, q in rows_of(res["Flows"], "product", "market", "origin", "quantity"):
        sup[(product, market)] += q
        if origin in net.concern:
            con[(product, market)] += q
    out = []
    for (p, mk), cap in net.cap_each.items():
        s, c = sup.get((p, mk), 0.0), con.get((p, mk), 0.0)
        if c > cap * s + TOL * max(1.0, s):
            out.append(f"{p} in {mk}: concern share {c / s:.4f} exceeds cap {cap:g}")
    for tc in net.cap_total:
        s = sum(sup.get((tc.product, mk), 0.0) for mk in tc.markets)
        c = sum(con.get((tc.product, mk), 0.0) for mk in tc.markets)
        if c > tc.cap * s + TOL * max(1.0, s):
            out.append(
                f"{tc.product}, total over {', '.join(tc.markets)}: concern share {c / s:.4f} exceeds cap {tc.cap:g}"
            )
    return out
