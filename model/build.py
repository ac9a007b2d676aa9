"""``build_model(network)``: the pure model factory (reads no files, calls no solver)."""

from __future__ import annotations

import pyomo.core as pyo

from model.collector import collector_paused
from model.families import FAMILIES
from model.families.common import Adjacency
from model.families.protocol import Context
from model.network import NORMAL, Network

DIMENSIONS = {"operating_cost": ("period", "scenario")}
"""The named positions of the components ``build_model`` itself adds (beside the families')."""


def build_model(net: Network, elastic: bool = False, tighten: bool = True) -> pyo.ConcreteModel:
    """Build the supply network redesign MIP of ``docs/formulation.md``.

    Every family of ``model.families.FAMILIES`` builds its part, in order, over the periods T
    (``PERIODS``: each period's first year; one period of weight 1 without a Periods sheet) and
    the scenarios (``SCENARIOS``: the normal year ``NORMAL``, then each crisis ω). Each registers
    its yearly first-stage costs per period (``cost_k[t]``) and its operating costs per period and
    scenario (``cost_j[t, w]``); the objective applies the weights once:

        minimise  sum_t W[t] ( sum_k cost_k[t] + sum_w π[w] sum_j cost_j[t, w] )

    with π[ω] the yearly probability of crisis ω and π[NORMAL] = 1 - sum_ω π[ω] (the expected
    yearly cost). The Costs sheet (first-stage components, the normal year's operating components
    and the expected disruption cost sum_ω π[ω] (op[t, ω] - op[t, NORMAL])) sums to it.

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
        m.SCENARIOS = pyo.Set(
            initialize=ctx.scenarios, ordered=True, doc="the normal year (blank name), then each crisis of Ω"
        )
        for family in FAMILIES:
            family.build(m, ctx)
        operating_objective(m, ctx)
        if elastic:
            m.total_violation = pyo.Objective(
                expr=sum(ctx.violations), sense=pyo.minimize, doc="sum of relative violations"
            )
            ctx.spec.reported.clear()
            ctx.spec.objective.clear()
        else:
            first = [_weighted(ctx.weight[t], m.component(f"cost_{k}")[t]) for k in ctx.costs for t in periods]
            prob = net.probability
            operating = [
                _weighted(ctx.weight[t] * prob[w], m.operating_cost[t, w]) for t, w in ctx.cases if prob[w] > 0
            ]
            m.total_cost = pyo.Objective(
                expr=sum(first) + sum(operating),
                sense=pyo.minimize,
                doc="expected weighted cost: sum_t W[t] (sum_k cost_k[t] + sum_w π[w] operating_cost[t, w])",
            )
    m.solve_spec = ctx.spec
    m.context = ctx
    return m


def operating_cost_total(m: pyo.ConcreteModel, ctx: Context, t: int, w: str) -> object:
    """op[t, w] = sum_j cost_j[t, w]: every registered operating cost of one year of w in t."""
    return sum(m.component(f"cost_{j}")[t, w] for j in ctx.operating_costs)


def operating_objective(m: pyo.ConcreteModel, ctx: Context) -> None:
    """``operating_cost[t, w]`` and what the solve wrapper reports and weighs of it.

    Reported (compiled once as rows, their values read after the solve): the normal year's
    components ``cost_j[t, NORMAL]`` (the Costs sheet's rows) and each crisis's total
    ``operating_cost[t, ω]`` (the expected disruption cost and the ScenarioSummary). Weighted in
    the objective: the normal year by W[t] (1 - sum π), each crisis by W[t] π[ω]. A crisis of
    probability 0 (a pure stress test) is outside the objective; its cost is minimised in the
    polish, with the design fixed, so that its reported flows are its cheapest response."""
    prob = ctx.net.probability
    m.operating_cost = pyo.Expression(
        m.PERIODS,
        m.SCENARIOS,
        rule=lambda _m, t, w: operating_cost_total(m, ctx, t, w),
        doc="op[t, w]: the yearly operating cost of scenario w in period t (normal year: blank w)",
    )
    for t, w in ctx.cases:
        if w == NORMAL:
            for j in ctx.operating_costs:
                data = m.component(f"cost_{j}")[t, w]
                ctx.spec.reported[data.name] = data
                if prob[w] > 0:
                    ctx.spec.objective[data.name] = ctx.weight[t] * prob[w]
            continue
        data = m.operating_cost[t, w]
        ctx.spec.reported[data.name] = data
        if prob[w] > 0:
            ctx.spec.objective[data.name] = ctx.weight[t] * prob[w]
        else:
            ctx.spec.polish_cost[data.name] = ctx.weight[t]


def _weighted(weight: float, expr: object) -> object:
    """W[t] * expr (just expr for weight 1, so that the expression stays as the families made it)."""
    return expr if weight == 1 else weight * expr
