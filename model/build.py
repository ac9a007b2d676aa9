"""``build_model(network)``: the pure model factory (reads no files, calls no solver)."""

from __future__ import annotations

import pyomo.core as pyo

from model.collector import collector_paused
from model.families import FAMILIES
from model.families.common import Adjacency
from model.families.protocol import Context
from model.network import Network


def build_model(net: Network, elastic: bool = False, tighten: bool = True) -> pyo.ConcreteModel:
    """Build the supply network redesign MIP of ``docs/formulation.md``.

    Every family of ``model.families.FAMILIES`` builds its part, in order, over the periods T
    (``PERIODS``: each period's first year; one period of weight 1 without a Periods sheet). Each
    registers its yearly costs per period; the objective applies the period weights once:

        minimise  sum_t W[t] sum_k cost_k[t]

    so the Costs sheet (sum_t W[t] cost_k[t] per component k) sums to the objective by construction.

    ``elastic=True`` lets the hard requirements (reserve (6) and survival (10)) be violated and
    minimises the sum of their relative violations instead of cost; it is used only to explain
    an infeasible model (see ``model.diagnose``). ``tighten=False`` builds no valid tightening
    (``model.families.assumptions``): the same optimum, a weaker formulation.

    The model carries ``m.solve_spec`` (``model.spec.SolveSpec``: what the solve wrapper reports,
    weights and fixes) and ``m.context`` (the data and registry the result tables read).
    """
    m = pyo.ConcreteModel(name="supply_network_redesign")
    periods = tuple(p.year for p in net.periods)
    ctx = Context(
        net=net,
        adj=Adjacency(net),
        periods=periods,
        weight={p.year: p.weight for p in net.periods},
        elastic=elastic,
        tighten=tighten,
    )
    with collector_paused():  # Pyomo builds many small objects; pausing the collector saves about 30%
        m.PERIODS = pyo.Set(initialize=periods, ordered=True, doc="T: periods, by their first year")
        for family in FAMILIES:
            family.build(m, ctx)
        if elastic:
            m.total_violation = pyo.Objective(
                expr=sum(ctx.violations), sense=pyo.minimize, doc="sum of relative violations"
            )
            ctx.spec.reported.clear()
            ctx.spec.objective.clear()
        else:
            m.total_cost = pyo.Objective(
                expr=sum(_weighted(ctx.weight[t], m.component(f"cost_{k}")[t]) for k in ctx.costs for t in periods),
                sense=pyo.minimize,
                doc="total weighted cost: sum_t W[t] sum_k cost_k[t]",
            )
    m.solve_spec = ctx.spec
    m.context = ctx
    return m


def _weighted(weight: float, expr: object) -> object:
    """W[t] * expr (just expr for weight 1, so that the expression stays as the families made it)."""
    return expr if weight == 1 else weight * expr
