"""Helpers shared by the constraint families: cost registration and adjacency lists."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from model.network import Network


def register_cost(m: pyo.ConcreteModel, name: str, expr: object, doc: str) -> None:
    """Add a named cost expression ``cost_<name>`` that the objective and the Costs sheet sum.

    Registering (rather than hard-wiring terms in the objective) makes the cost breakdown and the
    objective the same sums by construction.
    """
    component = pyo.Expression(expr=expr, doc=doc)
    m.add_component(f"cost_{name}", component)
    m.cost_names.append(name)


class Adjacency:
    """Precomputed index lists, so that Pyomo rules never filter sets (see the performance notes)."""

    def __init__(self, net: Network):
        self.arcs_from: dict[str, list[str]] = defaultdict(list)
        self.arcs_to: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s, mk in net.arcs:
            self.arcs_from[s].append(mk)
            self.arcs_to[(net.site_product[s], mk)].append(s)
        self.concern_sites = {s for s in net.sites if net.site_country[s] in net.concern}
