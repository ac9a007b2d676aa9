"""``build_model(network)``: the pure model factory (reads no files, calls no solver)."""

from __future__ import annotations

import pyomo.core as pyo

from model.collector import collector_paused
from model.families import capacity, cover, dependency, flows, reserve, scenarios
from model.families.common import Adjacency
from model.network import Network


def build_model(net: Network, elastic: bool = False) -> pyo.ConcreteModel:
    """Build the supply network redesign MIP of ``docs/formulation.md``.

    One call per constraint family, in this order (later families use earlier variables):
    flows and demand (1), reserve (6), capacity, builds and modules (2, 3, T), the rounded
    capacity cover (R), dependency caps (4, 5), scenarios and stockpiles (7-10). Each family
    registers its named cost expressions; the objective is their sum, so the Costs sheet sums to
    the objective by construction.

    ``elastic=True`` lets the hard requirements (reserve (6) and survival (10)) be violated and
    minimises the sum of their relative violations instead of cost; it is used only to explain
    an infeasible model (see ``model.diagnose``).
    """
    m = pyo.ConcreteModel(name="supply_network_redesign")
    m.cost_names = []
    adj = Adjacency(net)
    with collector_paused():  # Pyomo builds many small objects; pausing the collector saves about 30%
        flows.add(m, net, adj)
        reserve.add(m, net, adj, elastic=elastic)
        capacity.add(m, net, adj)
        cover.add(m, net, adj)
        dependency.add(m, net, adj)
        scenarios.add(m, net, adj, elastic=elastic)
        if elastic:
            m.total_violation = pyo.Objective(
                expr=violation_measure(m, net), sense=pyo.minimize, doc="sum of relative violations"
            )
        else:
            total = sum(m.component(f"cost_{name}") for name in m.cost_names)
            m.total_cost = pyo.Objective(expr=total, sense=pyo.minimize, doc="total yearly cost")
    return m


def violation_measure(m: pyo.ConcreteModel, net: Network) -> object:
    """Sum of violations of the hard requirements, each relative to its requirement.

    reserve_shortfall[p] / (reserve_share[p] sum_m D[p,m])  +  survival_shortfall / (D f).
    """
    terms = []
    for p in m.RESERVE_PRODUCTS:
        terms.append(m.reserve_shortfall[p] / reserve.reserve_requirement(net, p))
    for w, p, mk in m.SURVIVAL:
        terms.append(m.survival_shortfall[w, p, mk] / net.scenario_demand(w, p, mk))
    return sum(terms)
