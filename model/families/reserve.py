"""Spare capacity held in reserve outside concern countries: constraint (6)."""

from __future__ import annotations

import pyomo.core as pyo

from model.families.common import Adjacency, register_cost
from model.network import Network


def reserve_sites(net: Network) -> list[str]:
    """Sites that may hold reserve: outside concern countries, making a product with a reserve share."""
    return [
        s
        for s in net.sites
        if net.site_country[s] not in net.concern and net.reserve_share.get(net.site_product[s], 0) > 0
    ]


def reserve_requirement(net: Network, p: str) -> float:
    """reserve_share[p] * sum_m D[p,m]."""
    return net.reserve_share.get(p, 0.0) * sum(d for (pp, _), d in net.demand.items() if pp == p)


def add(m: pyo.ConcreteModel, net: Network, adj: Adjacency, elastic: bool = False) -> None:
    """Variable r[s] (``reserve``); constraint (6) ``reserve_requirement``.

    (6)  sum_{s: p(s)=p, c(s) not in K} r[s] >= reserve_share[p] * sum_m D[p,m]   for each product

    Reserve is only useful outside concern countries, so r exists only there. With
    ``elastic=True`` the slack ``reserve_shortfall[p]`` on the left-hand side may be positive (used
    to explain infeasibility); otherwise it is held at 0. Cost: sum reserve_cost[s] * r[s].
    """
    sites = reserve_sites(net)
    m.RESERVE_SITES = pyo.Set(initialize=sites, ordered=True, doc="sites that may hold reserve")
    m.reserve = pyo.Var(m.RESERVE_SITES, within=pyo.NonNegativeReals, doc="r[s]: capacity held in reserve")
    products = [p for p in net.products if reserve_requirement(net, p) > 0]
    m.RESERVE_PRODUCTS = pyo.Set(initialize=products, ordered=True, doc="products with a reserve share")
    m.reserve_shortfall = pyo.Var(
        m.RESERVE_PRODUCTS,
        within=pyo.NonNegativeReals,
        bounds=(0, None if elastic else 0),
        doc="slack of (6); held at 0 unless the model is built elastic to explain infeasibility",
    )

    def rule(_m: pyo.ConcreteModel, p: str) -> object:
        held = sum(m.reserve[s] for s in sites if net.site_product[s] == p)
        return held + m.reserve_shortfall[p] >= reserve_requirement(net, p)

    m.reserve_requirement = pyo.Constraint(m.RESERVE_PRODUCTS, rule=rule, doc="(6) reserve outside concern countries")
    register_cost(
        m,
        "reserve",
        sum(net.reserve_cost[s] * m.reserve[s] for s in sites),
        "sum reserve_cost[s] * r[s]",
    )
