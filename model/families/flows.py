"""Baseline flows and demand: constraint (1), and the flow and unmet-demand costs."""

from __future__ import annotations

import pyomo.core as pyo

from model.families.common import Adjacency, linear, register_cost, total
from model.network import Network


def add(m: pyo.ConcreteModel, net: Network, adj: Adjacency) -> None:
    """Variables x[s,m] (``flow``) and u[p,m] (``unmet``); constraint (1) ``demand_balance``.

    (1)  sum_{s: (s,m) in A, p(s)=p} x[s,m] + u[p,m] = D[p,m]     for each (p,m) with D > 0

    Costs: production sum unit_cost[s] x, tariffs sum unit_cost[s] tariff_rate[s,m] x,
    freight sum freight_cost[s,m] x, unmet penalty sum unmet_penalty[p] u.
    """
    demand = net.positive_demand
    m.ARCS = pyo.Set(dimen=2, initialize=list(net.arcs), ordered=True, doc="A: allowed (site, market) arcs")
    m.DEMANDS = pyo.Set(dimen=2, initialize=list(demand), ordered=True, doc="(product, market) with demand > 0")
    product_of = net.site_product
    # x <= D and u <= D follow from (1), but are kept as bounds: without them, the LP that HiGHS
    # re-solves after the MIP (the polish, model.solve) took 2-9 s instead of under 1 s on the
    # OR-Library networks. The scenario flows have none (docs/performance.md).
    m.flow = pyo.Var(
        m.ARCS,
        within=pyo.NonNegativeReals,
        bounds={(s, mk): (0, demand[(product_of[s], mk)]) for s, mk in net.arcs},
        doc="x[s,m]: baseline yearly flow on arc (s, m) [product unit/year]",
    )
    m.unmet = pyo.Var(
        m.DEMANDS,
        within=pyo.NonNegativeReals,
        bounds={k: (0, d) for k, d in demand.items()},
        doc="u[p,m]: baseline unmet demand [product unit/year]",
    )

    x = dict(m.flow.items())  # plain dict lookups: Pyomo's indexing costs ~1 us per call
    u = dict(m.unmet.items())

    def demand_rule(_m: pyo.ConcreteModel, p: str, mk: str) -> object:
        return total([*(x[s, mk] for s in adj.arcs_to[(p, mk)]), u[p, mk]]) == demand[(p, mk)]

    m.demand_balance = pyo.Constraint(m.DEMANDS, rule=demand_rule, doc="(1) demand met or reported unmet")

    arcs = net.arcs
    register_cost(
        m,
        "production",
        linear((net.unit_cost[s], x[s, mk]) for s, mk in arcs),
        "sum unit_cost[s] * x[s,m]",
    )
    register_cost(
        m,
        "tariffs",
        linear((net.unit_cost[s] * net.tariff_rate[(s, mk)], x[s, mk]) for s, mk in arcs if net.tariff_rate[(s, mk)]),
        "sum unit_cost[s] * tariff_rate * x[s,m]",
    )
    register_cost(
        m,
        "freight",
        linear((net.freight_cost[(s, mk)], x[s, mk]) for s, mk in arcs if net.freight_cost[(s, mk)]),
        "sum freight_cost * x[s,m]",
    )
    register_cost(
        m,
        "unmet_penalty",
        linear((net.unmet_penalty[p], u[p, mk]) for p, mk in demand),
        "sum unmet_penalty[p] * u[p,m] (baseline)",
    )
