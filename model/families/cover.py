"""Capacity cover: the valid tightening (R), a product's demand against whole sites.

HiGHS solves facility-location models fastest when it can see that "so many sites of this size
must open to cover this much demand". That fact follows from the aggregate (C) of a thousand
rows of the model (demand (1) summed over a product's markets, capacity (2) over its sites),
which HiGHS's cut separators do not form by themselves; and because unmet demand is a
continuous variable, HiGHS would not round (C) even if it were written as a row. (R) is that
rounding (a mixed-integer rounding, MIR, of (C)): on OR-Library capa-10000 (one hundred sites
of 10,000 units, 50,886 units of demand) it says "at least 6 sites unless 886 units go unmet",
and HiGHS's root bound rises from 17.90 to 18.43 million (the optimum is 18.44 million). It cuts
off no solution of the model (docs/formulation.md, tests/test_cover.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyomo.core as pyo

from model.families.assumptions import need_is_data
from model.families.common import Adjacency, linear, total
from model.families.protocol import Context, Equation, Extraction
from model.network import NORMAL, Network

EQUATIONS = (
    Equation(
        "R",
        (
            "`Σ_j (⌊a_j/d⌋ + min(f_j, f)/f)·z_j + Σ_m u[p,m]/(d·f) ≥ ⌈B/d⌉`, one per product where it says "
            "something and `need_is_data(p)` (below)"
        ),
        ("capacity_cover_rounded",),
        "Sites, Demand",
        also_built_by=", `mir`",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {"capacity_cover_rounded": ("product", "period")}

#: rounding is skipped when the fractional part of (demand to cover) / divisor is below this:
#: the row would gain almost nothing and its unmet coefficient 1/(divisor f) would be huge
MIN_FRACTION = 1e-3


def mir(coefficients: Sequence[float], rhs: float, divisor: float) -> tuple[list[float], float, float] | None:
    """Mixed-integer rounding of ``sum_j a_j z_j + s >= b`` (z_j >= 0 integer, s >= 0) by ``divisor``.

    With alpha_j = a_j / d, beta = b / d, f = beta - floor(beta) and f_j = alpha_j - floor(alpha_j):

        sum_j (floor(alpha_j) + min(f_j, f) / f) z_j  +  s / (d f)  >=  ceil(beta)

    is valid for every such (z, s). Returns (the z coefficients, the s coefficient, ceil(beta)),
    or None where it gains nothing (b <= 0, or f too close to 0 or 1).
    """
    if rhs <= 0 or divisor <= 0:
        return None
    beta = rhs / divisor
    f = beta - math.floor(beta)
    if f < MIN_FRACTION or f > 1 - MIN_FRACTION:
        return None
    coefs = []
    for a in coefficients:
        alpha = a / divisor
        fj = alpha - math.floor(alpha)
        coefs.append(math.floor(alpha) + min(fj, f) / f)
    return coefs, 1.0 / (divisor * f), float(math.ceil(beta))


class Cover:
    """One product's cover data in period t: (C) reads sum_j a_j z_j + existing - reserve + unmet >= demand."""

    def __init__(self, m: pyo.ConcreteModel, net: Network, adj: Adjacency, product: str, t: int):
        sites, markets = adj.sites_of[product], adj.markets_of[product]
        self.demand = sum(net.demand[(product, mk)] for mk in markets)
        self.unmet = [m.unmet[product, mk, t, NORMAL] for mk in markets]
        self.reserve = [m.reserve[s, t] for s in sites if (s, t) in m.reserve]
        self.integer_terms: list[tuple[float, Any]] = []  # (a_j, z_j): build and module variables
        self.existing = 0.0  # capacity of existing sites (b = 1)
        for s in sites:
            if (s, t) in m.build:
                if net.capacity[s] > 0:
                    self.integer_terms.append((net.capacity[s], m.build[s, t]))
            else:
                self.existing += net.capacity[s]
            if (s, t) in m.modules:
                self.integer_terms.append((net.module_capacity[s], m.modules[s, t]))

    def aggregate(self) -> object:
        """(C): sum_j a_j z_j + existing - sum_s r[s] + sum_m u[p,m] - sum_m D[p,m], which (1)
        and (2) keep >= 0 (sum_j a_j z_j + existing = sum_s cap[s]). Built from the same data as
        ``rounded``, so a test of (C) against the rows it sums checks what (R) rounds."""
        capacity = linear(self.integer_terms)
        return capacity + self.existing - total(self.reserve) + total(self.unmet) - self.demand

    def rounded(self) -> object | None:
        """(R): the MIR of (C) without its reserve terms, by the largest integer capacity d."""
        if not self.integer_terms:
            return None
        sizes = [a for a, _ in self.integer_terms]
        row = mir(sizes, self.demand - self.existing, max(sizes))
        if row is None:
            return None
        coefs, unmet_coef, rhs = row
        terms = [(c, z) for c, (_, z) in zip(coefs, self.integer_terms, strict=True) if c]
        return linear([*terms, *((unmet_coef, u) for u in self.unmet)]) >= rhs


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraint (R) ``capacity_cover_rounded``, one row per product and period where it says
    something and its assumption holds.

    (C)  sum_{s: p(s)=p} (cap[s,t] - r[s,t]) + sum_m u[p,m,t] >= sum_m D[p,m]     (implied, not a row)
    (R)  sum_j (floor(a_j/d) + min(f_j, f)/f) z_j + sum_m u[p,m,t] / (d f) >= ceil(B/d)

    z_j are the product's build and module variables with capacities a_j (capacity[s] for b[s],
    module_capacity[s] for n[s]); B = sum_m D[p,m] - the capacity of its existing sites;
    d = max_j a_j; f = B/d - floor(B/d), f_j = a_j/d - floor(a_j/d). (R) is the MIR of (C) less
    its reserve terms (which only weaken it); it has a row only where B > 0 and f is not within
    ``MIN_FRACTION`` of 0 or 1. B is data only where ``need_is_data(p)`` holds (no site consumes
    p): only those products get a row, and none when the model is built without tightenings.
    No costs. Needs ``flows``, ``reserve`` and ``capacity`` first.
    """
    rows = {}
    for t in ctx.periods:
        view, adj = ctx.at(t), ctx.adj_at(t)
        for p in adj.markets_of:
            if ctx.tighten and need_is_data(view, p) and (row := Cover(m, view, adj, p, t).rounded()) is not None:
                rows[(p, t)] = row
    m.capacity_cover_rounded = pyo.Constraint(
        list(rows),
        rule=lambda _m, p, t: rows[p, t],
        doc="(R) valid tightening: a product's demand rounded to whole sites of its largest size (MIR)",
    )


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """No table: (R) is a tightening, with no quantity of its own to report."""


def check(res: Any, net: Network) -> list[str]:
    """No invariant of its own: (R) cuts off no solution, so the other families' invariants hold."""
    return []
