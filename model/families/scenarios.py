"""Disruption scenarios and strategic stockpiles: constraints (7)-(10)."""

from __future__ import annotations

import pyomo.core as pyo

from model.families.capacity import site_capacity_expr
from model.families.common import Adjacency, linear, register_cost, total
from model.network import Network


def scenario_demands(net: Network) -> list[tuple[str, str, str]]:
    """(ω, p, m) with scenario demand D[p,m] * demand_factor > 0."""
    return [(w, p, mk) for w in net.scenarios for (p, mk) in net.positive_demand if net.scenario_demand(w, p, mk) > 0]


def add(m: pyo.ConcreteModel, net: Network, adj: Adjacency, elastic: bool = False) -> None:
    """Variables q (``stock``), x^ω (``scenario_flow``), u^ω (``scenario_unmet``), w^ω
    (``stock_draw``); constraints (7)-(10).

    (7)  sum_s x^ω[s,m] + w^ω[p,m] + u^ω[p,m] = D[p,m] * f^ω[p,m]
    (8)  sum_m x^ω[s,m] <= (1 - loss^ω[s]) * cap[s]           (the reserve is released)
    (9)  w^ω[p,m] <= q[p,m]
    (10) u^ω[p,m] <= max_shortfall[ω] * D[p,m] * f^ω[p,m]     where max_shortfall is given
    (T)  x^ω[s,m] <= min(D f, max capacity) * b[s]            for candidate arcs (tightening)

    The stock q exists for every Stockpiles row with demand (held in the baseline, even without
    scenarios, only if it pays: with no scenario it never does). Costs: stock holding
    sum holding_cost q; expected scenario cost sum_ω weight[ω] (sum dc x^ω + sum penalty u^ω).
    With ``elastic=True``, (10) gets a slack ``survival_shortfall`` (to explain infeasibility).
    """
    stock_keys = [k for k, v in net.max_stock.items() if v > 0 and net.demand.get(k, 0) > 0]
    m.STOCKPILES = pyo.Set(dimen=2, initialize=stock_keys, ordered=True, doc="(product, market) with a stockpile")
    m.stock = pyo.Var(
        m.STOCKPILES,
        within=pyo.NonNegativeReals,
        bounds={k: (0, net.max_stock[k]) for k in stock_keys},
        doc="q[p,m]: strategic stock held",
    )
    register_cost(
        m,
        "stock_holding",
        linear((net.holding_cost[k], m.stock[k]) for k in stock_keys),
        "sum holding_cost[p,m] * q[p,m]",
    )

    m.SCENARIOS = pyo.Set(initialize=list(net.scenarios), ordered=True, doc="Ω: scenarios")
    sdem = scenario_demands(net)
    dem = {(w, p, mk): net.scenario_demand(w, p, mk) for (w, p, mk) in sdem}
    m.SCENARIO_DEMANDS = pyo.Set(dimen=3, initialize=sdem, ordered=True, doc="(ω, p, m) with scenario demand")
    live = {(w, s) for w in net.scenarios for s in net.sites if net.loss.get((w, s), 0.0) < 1}
    sarcs = [(w, s, mk) for (w, p, mk) in sdem for s in adj.arcs_to[(p, mk)] if (w, s) in live]
    m.SCENARIO_ARCS = pyo.Set(dimen=3, initialize=sarcs, ordered=True, doc="(ω, s, m): arcs usable in ω")
    # No upper bounds: x^ω <= D f and u^ω <= D f follow from (7), and HiGHS's presolve finds them
    # (the same optima and run times on five L networks); the build skips 31,000 bounds on L
    # (docs/performance.md). The baseline flows keep theirs (see flows.py).
    m.scenario_flow = pyo.Var(m.SCENARIO_ARCS, within=pyo.NonNegativeReals, doc="x^ω[s,m]: flow in scenario ω")
    m.scenario_unmet = pyo.Var(
        m.SCENARIO_DEMANDS, within=pyo.NonNegativeReals, doc="u^ω[p,m]: unmet demand in scenario ω"
    )
    draw_keys = [(w, p, mk) for (w, p, mk) in sdem if (p, mk) in m.STOCKPILES]
    m.STOCK_DRAWS = pyo.Set(dimen=3, initialize=draw_keys, ordered=True, doc="(ω, p, m) where stock may be drawn")
    m.stock_draw = pyo.Var(m.STOCK_DRAWS, within=pyo.NonNegativeReals, doc="w^ω[p,m]: stock drawn in ω")

    x = dict(m.scenario_flow.items())  # plain dict lookups: Pyomo's indexing costs ~1 us per call
    u = dict(m.scenario_unmet.items())
    into: dict[tuple[str, str, str], list[str]] = {}
    out_of: dict[tuple[str, str], list[str]] = {}
    for w, s, mk in sarcs:
        into.setdefault((w, net.site_product[s], mk), []).append(s)
        out_of.setdefault((w, s), []).append(mk)
    draws = set(draw_keys)

    def demand_rule(_m: pyo.ConcreteModel, w: str, p: str, mk: str) -> object:
        terms = [x[w, s, mk] for s in into.get((w, p, mk), ())]
        terms.append(u[w, p, mk])
        if (w, p, mk) in draws:
            terms.append(m.stock_draw[w, p, mk])
        return total(terms) == dem[(w, p, mk)]

    m.scenario_demand_balance = pyo.Constraint(m.SCENARIO_DEMANDS, rule=demand_rule, doc="(7) scenario demand")
    m.scenario_capacity = pyo.Constraint(
        list(out_of),
        rule=lambda _m, w, s: (
            total(x[w, s, mk] for mk in out_of[(w, s)])
            <= (1 - net.loss.get((w, s), 0.0)) * site_capacity_expr(m, net, s)
        ),
        doc="(8) scenario production within the capacity left",
    )
    m.stock_limit = pyo.Constraint(
        m.STOCK_DRAWS, rule=lambda _m, w, p, mk: m.stock_draw[w, p, mk] <= m.stock[p, mk], doc="(9) draw <= stock"
    )
    survival_keys = [k for k in sdem if net.max_shortfall.get(k[0]) is not None]
    m.SURVIVAL = pyo.Set(dimen=3, initialize=survival_keys, ordered=True, doc="(ω, p, m) with a survival target")
    m.survival_shortfall = pyo.Var(
        m.SURVIVAL,
        within=pyo.NonNegativeReals,
        bounds=(0, None if elastic else 0),
        doc="slack of (10); held at 0 unless the model is built elastic to explain infeasibility",
    )
    m.survival = pyo.Constraint(
        m.SURVIVAL,
        rule=lambda _m, w, p, mk: (
            u[w, p, mk] - m.survival_shortfall[w, p, mk] <= net.max_shortfall[w] * dem[(w, p, mk)]
        ),
        doc="(10) unmet within the survival target",
    )
    cand = set(net.candidates)
    tight = [(w, s, mk) for (w, s, mk) in sarcs if s in cand]
    b = dict(m.build.items())
    m.scenario_flow_needs_build = pyo.Constraint(
        tight,
        rule=lambda _m, w, s, mk: x[w, s, mk] <= min(dem[(w, net.site_product[s], mk)], net.max_capacity(s)) * b[s],
        doc="(T) valid tightening in scenarios",
    )

    arcs_of: dict[str, list[tuple[str, str]]] = {w: [] for w in net.scenarios}
    demands_of: dict[str, list[tuple[str, str]]] = {w: [] for w in net.scenarios}
    for w, s, mk in sarcs:
        arcs_of[w].append((s, mk))
    for w, p, mk in sdem:
        demands_of[w].append((p, mk))

    def scenario_cost(w: str) -> object:
        ops = [(adj.delivered[(s, mk)], x[w, s, mk]) for s, mk in arcs_of[w]]
        pen = [(net.unmet_penalty[p], u[w, p, mk]) for p, mk in demands_of[w]]
        return linear(ops + pen)

    m.scenario_cost = pyo.Expression(
        m.SCENARIOS,
        rule=lambda _m, w: scenario_cost(w),
        doc="operating cost plus unmet penalty of one year of scenario ω (unweighted)",
    )
    register_cost(
        m,
        "expected_scenario_cost",
        sum(net.weight[w] * m.scenario_cost[w] for w in net.scenarios if net.weight[w] > 0),
        "sum_ω weight[ω] * scenario_cost[ω]",
    )
    stress = [w for w in net.scenarios if net.weight[w] == 0]
    m.stress_test_cost = pyo.Expression(
        expr=sum(m.scenario_cost[w] for w in stress),
        doc="cost of the weight-0 scenarios: not in the objective; minimised with the design fixed "
        "so that their reported flows are each scenario's cheapest response",
    )
