"""Sites, builds and modules: constraints (2), (3) and the valid tightening."""

from __future__ import annotations

import pyomo.core as pyo

from model.families.common import Adjacency, register_cost, total
from model.network import Network


def site_capacity_expr(m: pyo.ConcreteModel, net: Network, s: str) -> object:
    """cap[s] = capacity[s] * b[s] + module_capacity[s] * n[s]  (b = 1 for existing sites)."""
    base = net.capacity[s] * (m.build[s] if s in m.CANDIDATES else 1)
    if s in m.MODULE_SITES:
        return base + net.module_capacity[s] * m.modules[s]
    return base


def add(m: pyo.ConcreteModel, net: Network, adj: Adjacency) -> None:
    """Variables b[s] (``build``), n[s] (``modules``); constraints (2), (3), tightening.

    (2)  sum_m x[s,m] + r[s] <= cap[s]                        for each site
    (3)  n[s] <= max_modules[s] * b[s]                         for candidates with modules
    (T)  x[s,m] <= min(D[p,m], capacity[s] + module_capacity[s] max_modules[s]) * b[s]
                                                              for candidate arcs (valid tightening)

    Costs: fixed (existing sites' fixed cost is a constant), modules.
    ``reserve`` (r) must exist before this family is added (it appears in (2)).
    """
    m.CANDIDATES = pyo.Set(initialize=list(net.candidates), ordered=True, doc="S_c: candidate sites")
    module_sites = [s for s in net.sites if net.max_modules[s] > 0 and net.module_capacity[s] > 0]
    m.MODULE_SITES = pyo.Set(initialize=module_sites, ordered=True, doc="sites that may add modules")
    m.build = pyo.Var(m.CANDIDATES, within=pyo.Binary, doc="b[s]: candidate s is built")
    m.modules = pyo.Var(
        m.MODULE_SITES,
        within=pyo.NonNegativeIntegers,
        bounds=lambda _m, s: (0, net.max_modules[s]),
        doc="n[s]: expansion modules added at s",
    )

    x = dict(m.flow.items())
    reserve = dict(m.reserve.items())

    def capacity_rule(_m: pyo.ConcreteModel, s: str) -> object:
        used = [x[s, mk] for mk in adj.arcs_from[s]]
        if s in reserve:
            used.append(reserve[s])
        if not used:  # a site with no arcs and no reserve: nothing to limit
            return pyo.Constraint.Skip
        return total(used) <= site_capacity_expr(m, net, s)

    m.site_capacity = pyo.Constraint(
        list(net.sites), rule=capacity_rule, doc="(2) baseline production plus reserve within capacity"
    )
    m.modules_need_build = pyo.Constraint(
        [s for s in module_sites if s in net.candidates],
        rule=lambda _m, s: m.modules[s] <= net.max_modules[s] * m.build[s],
        doc="(3) modules only at built candidates",
    )
    demand = net.positive_demand
    cand = set(net.candidates)
    tight_arcs = [(s, mk) for s, mk in net.arcs if s in cand]
    b = dict(m.build.items())
    m.flow_needs_build = pyo.Constraint(
        tight_arcs,
        rule=lambda _m, s, mk: x[s, mk] <= min(demand[(net.site_product[s], mk)], net.max_capacity(s)) * b[s],
        doc="(T) valid tightening: flow from a candidate only if built",
    )
    register_cost(
        m,
        "fixed",
        sum(net.fixed_cost[s] for s in net.sites if s not in cand)
        + sum(net.fixed_cost[s] * m.build[s] for s in net.candidates),
        "sum fixed_cost[s] * b[s] (existing sites: always paid)",
    )
    register_cost(
        m,
        "modules",
        sum(net.module_cost[s] * m.modules[s] for s in module_sites),
        "sum module_cost[s] * n[s]",
    )
