"""Dependency caps on concern countries: constraints (4) `each` and (5) `total`."""

from __future__ import annotations

import pyomo.core as pyo

from model.families.common import Adjacency
from model.network import Network


def each_caps(net: Network, adj: Adjacency) -> list[tuple[str, str]]:
    """(p, m) whose resolved cap < 1 and that concern sites can reach (otherwise trivially met)."""
    return [
        (p, mk)
        for (p, mk), cap in net.cap_each.items()
        if cap < 1 and net.demand.get((p, mk), 0) > 0 and any(s in adj.concern_sites for s in adj.arcs_to[(p, mk)])
    ]


def total_caps(net: Network, adj: Adjacency) -> list[int]:
    """Indices into ``net.cap_total`` that can bind."""
    return [
        i
        for i, tc in enumerate(net.cap_total)
        if tc.cap < 1 and any(s in adj.concern_sites for mk in tc.markets for s in adj.arcs_to[(tc.product, mk)])
    ]


def add(m: pyo.ConcreteModel, net: Network, adj: Adjacency) -> None:
    """Constraints ``dependency_each`` (4) and ``dependency_total`` (5). No variables, no costs.

    (4)  sum_{s: c(s) in K} x[s,m] - cap_pm * sum_s x[s,m] <= 0          for each (p, m)
    (5)  sum_{m in row} [ sum_{s: c(s) in K} x[s,m] - cap * sum_s x[s,m] ] <= 0
                                                   for each `total` Caps row and matching product

    Sums run over sites making p. The share is measured on delivered quantity (supply), not
    demand; the caps bind the baseline only.
    """
    concern = adj.concern_sites

    def share_excess(p: str, mk: str, cap: float) -> object:
        return sum(((1 - cap) if s in concern else -cap) * m.flow[s, mk] for s in adj.arcs_to[(p, mk)])

    m.DEPENDENCY_EACH = pyo.Set(dimen=2, initialize=each_caps(net, adj), ordered=True, doc="capped (product, market)")
    m.dependency_each = pyo.Constraint(
        m.DEPENDENCY_EACH,
        rule=lambda _m, p, mk: share_excess(p, mk, net.cap_each[(p, mk)]) <= 0,
        doc="(4) concern share of supply <= cap, each market",
    )
    m.DEPENDENCY_TOTAL = pyo.Set(initialize=total_caps(net, adj), ordered=True, doc="binding-capable total caps")

    def total_rule(_m: pyo.ConcreteModel, i: int) -> object:
        tc = net.cap_total[i]
        return sum(share_excess(tc.product, mk, tc.cap) for mk in tc.markets) <= 0

    m.dependency_total = pyo.Constraint(
        m.DEPENDENCY_TOTAL, rule=total_rule, doc="(5) concern share <= cap, summed over markets"
    )
