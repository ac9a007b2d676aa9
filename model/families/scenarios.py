"""Disruption scenarios and strategic stockpiles: constraints (7)-(10) and their tightening (T);
stock holding and expected scenario cost; the Stockpiles, Scenarios, ScenarioSummary and
ScenarioSites tables (and the busiest-scenario columns of Sites); the scenario invariants."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.families.assumptions import need_is_data
from model.families.capacity import site_capacity_expr
from model.families.common import linear, total
from model.families.protocol import (
    Context,
    Extraction,
    period_columns,
    register_cost,
    report,
    reported_value,
    value,
    with_period,
)
from model.families.verify import TOL, close, cost_problems, rows_of, site_capacity
from model.network import Network

DIMENSIONS = {
    "SCENARIOS": ("scenario",),
    "STOCKPILES": ("product", "market", "period"),
    "SCENARIO_DEMANDS": ("scenario", "product", "market", "period"),
    "SCENARIO_POOLS": ("scenario", "product", "market", "period"),
    "SCENARIO_ARCS": ("scenario", "site", "market", "period"),
    "STOCK_DRAWS": ("scenario", "product", "market", "period"),
    "SURVIVAL": ("scenario", "product", "market", "period"),
    "stock": ("product", "market", "period"),
    "scenario_flow": ("scenario", "site", "market", "period"),
    "scenario_unmet": ("scenario", "product", "market", "period"),
    "stock_draw": ("scenario", "product", "market", "period"),
    "survival_shortfall": ("scenario", "product", "market", "period"),
    "scenario_demand_balance": ("scenario", "product", "market", "period"),
    "scenario_capacity": ("scenario", "site", "period"),
    "stock_limit": ("scenario", "product", "market", "period"),
    "survival": ("scenario", "product", "market", "period"),
    "scenario_flow_needs_build": ("scenario", "site", "market", "period"),
    "scenario_cost": ("scenario", "period"),
    "stress_test_cost": ("period",),
    "cost_stock_holding": ("period",),
    "cost_expected_scenario_cost": ("period",),
}

EXPECTED_SCENARIO_COST_LABEL = "expected scenario cost"
"""The Costs sheet's label of sum_ω weight[ω] scenario_cost[ω]."""


def scenario_demands(net: Network) -> list[tuple[str, str, str]]:
    """(ω, p, m) with scenario demand D[p,m] * demand_factor > 0."""
    return [(w, p, mk) for w in net.scenarios for (p, mk) in net.positive_demand if net.scenario_demand(w, p, mk) > 0]


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variables q (``stock``), x^ω (``scenario_flow``), u^ω (``scenario_unmet``), w^ω
    (``stock_draw``); constraints (7)-(10) and the tightening (T), each per period t.

    (7)  sum_s x^ω[s,m,t] + w^ω[p,m,t] + u^ω[p,m,t] = D[p,m] * f^ω[p,m] + sum_{s in m} a[s,p] prod^ω[s,t]
         for each pool (p, m) with scenario demand or a consuming site (u^ω only where D f > 0;
         prod^ω[s,t] = sum_m' x^ω[s,m',t])
    (8)  sum_m x^ω[s,m,t] <= (1 - loss^ω[s]) * cap[s,t]           (the reserve is released)
    (9)  w^ω[p,m,t] <= q[p,m,t]
    (10) u^ω[p,m,t] <= max_shortfall[ω] * D[p,m] * f^ω[p,m]     where max_shortfall is given
    (T)  x^ω[s,m,t] <= min(D f, max capacity) * b[s,t]    for candidate arcs where need_is_data(p(s))

    The stock q exists for every Stockpiles row on a pool (final demand or a consuming site: stock
    of an intermediate feeds the plants of its country), held in the baseline, even without
    scenarios, only if it pays (with no scenario it never does); it is a first-stage quantity,
    held at its MIP value in the polish LP (``ctx.spec.fixed_in_polish``). Yearly costs: stock
    holding sum holding_cost q; expected scenario cost sum_ω weight[ω] scenario_cost[ω,t]. The
    weight-0 scenarios' cost ``stress_test_cost[t]`` is outside the objective and minimised in
    the polish (``ctx.spec.polish_cost``). With ``ctx.elastic``, (10) gets a slack
    ``survival_shortfall`` (to explain infeasibility).
    """
    net, periods = ctx.net, ctx.periods
    pools_at = {t: set(ctx.at(t).pools) for t in periods}
    stock_pools = {  # a stockpile on a pool of N(t): final demand or a plant there using the product
        t: [k for k, v in net.max_stock.items() if v > 0 and k in pools_at[t]] for t in periods
    }
    stock_keys = [(p, mk, t) for t in periods for p, mk in stock_pools[t]]
    m.STOCKPILES = pyo.Set(
        dimen=3, initialize=stock_keys, ordered=True, doc="(product, market, period) with a stockpile"
    )
    m.stock = pyo.Var(
        m.STOCKPILES,
        within=pyo.NonNegativeReals,
        bounds={(p, mk, t): (0, net.max_stock[(p, mk)]) for p, mk, t in stock_keys},
        doc="q[p,m,t]: strategic stock held",
    )
    ctx.spec.fixed_in_polish.append(m.stock)
    register_cost(
        m,
        ctx,
        "stock_holding",
        "stock holding",
        lambda t: linear((net.holding_cost[(p, mk)], m.stock[p, mk, t]) for p, mk in stock_pools[t]),
        "sum holding_cost[p,m] * q[p,m,t]",
    )

    m.SCENARIOS = pyo.Set(initialize=list(net.scenarios), ordered=True, doc="Ω: scenarios")
    sdem = [(w, p, mk, t) for t in periods for w, p, mk in scenario_demands(ctx.at(t))]
    dem = {(w, p, mk, t): ctx.at(t).scenario_demand(w, p, mk) for (w, p, mk, t) in sdem}
    m.SCENARIO_DEMANDS = pyo.Set(dimen=4, initialize=sdem, ordered=True, doc="(ω, p, m, t) with scenario demand")
    spools = [
        (w, p, mk, t)
        for t in periods
        for w in net.scenarios
        for p, mk in ctx.at(t).pools
        if (w, p, mk, t) in dem or (p, mk) in ctx.at(t).consumers
    ]
    m.SCENARIO_POOLS = pyo.Set(dimen=4, initialize=spools, ordered=True, doc="(ω, p, m, t) pools in scenario ω")
    live = {(w, s) for w in net.scenarios for s in net.sites if net.loss.get((w, s), 0.0) < 1}
    sarcs = [(w, s, mk, t) for (w, p, mk, t) in spools for s in ctx.adj_at(t).arcs_to[(p, mk)] if (w, s) in live]
    m.SCENARIO_ARCS = pyo.Set(dimen=4, initialize=sarcs, ordered=True, doc="(ω, s, m, t): arcs usable in ω")
    # No upper bounds: x^ω <= D f and u^ω <= D f follow from (7), and HiGHS's presolve finds them
    # (the same optima and run times on five L networks); the build skips 31,000 bounds on L
    # (docs/performance.md). The baseline flows keep theirs (see flows.py). In a pool that plants
    # consume from, (7) no longer implies u^ω <= D f (unmet demand would feed the plants), so
    # there u^ω gets the bound: unmet demand is final demand only.
    m.scenario_flow = pyo.Var(m.SCENARIO_ARCS, within=pyo.NonNegativeReals, doc="x^ω[s,m,t]: flow in scenario ω")
    m.scenario_unmet = pyo.Var(
        m.SCENARIO_DEMANDS,
        within=pyo.NonNegativeReals,
        bounds=(lambda _m, w, p, mk, t: (0, dem[(w, p, mk, t)] if (p, mk) in ctx.at(t).consumers else None))
        if net.consumers
        else None,
        doc="u^ω[p,m,t]: unmet final demand in scenario ω",
    )
    stock_set = set(stock_keys)
    draw_keys = [(w, p, mk, t) for (w, p, mk, t) in spools if (p, mk, t) in stock_set]
    m.STOCK_DRAWS = pyo.Set(dimen=4, initialize=draw_keys, ordered=True, doc="(ω, p, m, t) where stock may be drawn")
    m.stock_draw = pyo.Var(m.STOCK_DRAWS, within=pyo.NonNegativeReals, doc="w^ω[p,m,t]: stock drawn in ω")

    x = dict(m.scenario_flow.items())  # plain dict lookups: Pyomo's indexing costs ~1 us per call
    u = dict(m.scenario_unmet.items())
    into: dict[tuple[str, str, str, int], list[str]] = {}
    out_of: dict[tuple[str, str, int], list[str]] = {}
    for w, s, mk, t in sarcs:
        into.setdefault((w, net.site_product[s], mk, t), []).append(s)
        out_of.setdefault((w, s, t), []).append(mk)
    draws = set(draw_keys)

    def demand_rule(_m: pyo.ConcreteModel, w: str, p: str, mk: str, t: int) -> object:
        terms = [x[w, s, mk, t] for s in into.get((w, p, mk, t), ())]
        if (w, p, mk, t) in u:
            terms.append(u[w, p, mk, t])
        if (w, p, mk, t) in draws:
            terms.append(m.stock_draw[w, p, mk, t])
        consumers = ctx.at(t).consumers.get((p, mk))
        if not consumers:
            return total(terms) == dem[(w, p, mk, t)]
        use = [(-rate, x[w, s, m2, t]) for s, rate in consumers for m2 in out_of.get((w, s, t), ())]
        if not terms and not use:  # an input pool no one can reach and whose plants are cut off
            return pyo.Constraint.Skip
        return linear([*((1.0, v) for v in terms), *use]) == dem.get((w, p, mk, t), 0.0)

    m.scenario_demand_balance = pyo.Constraint(
        m.SCENARIO_POOLS, rule=demand_rule, doc="(7) scenario pool balance: final demand and inputs"
    )
    m.scenario_capacity = pyo.Constraint(
        list(out_of),
        rule=lambda _m, w, s, t: (
            total(x[w, s, mk, t] for mk in out_of[(w, s, t)])
            <= (1 - net.loss.get((w, s), 0.0)) * site_capacity_expr(m, net, s, t)
        ),
        doc="(8) scenario production within the capacity left",
    )
    m.stock_limit = pyo.Constraint(
        m.STOCK_DRAWS,
        rule=lambda _m, w, p, mk, t: m.stock_draw[w, p, mk, t] <= m.stock[p, mk, t],
        doc="(9) draw <= stock",
    )
    survival_keys = [k for k in sdem if net.max_shortfall.get(k[0]) is not None]
    m.SURVIVAL = pyo.Set(dimen=4, initialize=survival_keys, ordered=True, doc="(ω, p, m, t) with a survival target")
    m.survival_shortfall = pyo.Var(
        m.SURVIVAL,
        within=pyo.NonNegativeReals,
        bounds=(0, None if ctx.elastic else 0),
        doc="slack of (10); held at 0 unless the model is built elastic to explain infeasibility",
    )
    m.survival = pyo.Constraint(
        m.SURVIVAL,
        rule=lambda _m, w, p, mk, t: (
            u[w, p, mk, t] - m.survival_shortfall[w, p, mk, t] <= net.max_shortfall[w] * dem[(w, p, mk, t)]
        ),
        doc="(10) unmet within the survival target",
    )
    if ctx.elastic:
        ctx.violations += [m.survival_shortfall[k] / dem[k] for k in survival_keys]
    cand = set(net.candidates)
    tightened = {p for p in net.products if ctx.tighten and need_is_data(net, p)}
    tight = [(w, s, mk, t) for (w, s, mk, t) in sarcs if s in cand and net.site_product[s] in tightened]
    b = dict(m.build.items())
    m.scenario_flow_needs_build = pyo.Constraint(
        tight,
        rule=lambda _m, w, s, mk, t: (
            x[w, s, mk, t] <= min(dem[(w, net.site_product[s], mk, t)], net.max_capacity(s)) * b[s, t]
        ),
        doc="(T) valid tightening in scenarios where need is data",
    )

    arcs_of: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    demands_of: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for w, s, mk, t in sarcs:
        arcs_of[(w, t)].append((s, mk))
    for w, p, mk, t in sdem:
        demands_of[(w, t)].append((p, mk))

    def scenario_cost(w: str, t: int) -> object:
        delivered = ctx.adj_at(t).delivered
        ops = [(delivered[(s, mk)], x[w, s, mk, t]) for s, mk in arcs_of[(w, t)]]
        pen = [(net.unmet_penalty[p], u[w, p, mk, t]) for p, mk in demands_of[(w, t)]]
        return linear(ops + pen)

    m.scenario_cost = pyo.Expression(
        [(w, t) for t in periods for w in net.scenarios],
        rule=lambda _m, w, t: scenario_cost(w, t),
        doc="operating cost plus unmet penalty of one year of scenario ω in period t (unweighted)",
    )
    report(ctx, m.scenario_cost)
    register_cost(
        m,
        ctx,
        "expected_scenario_cost",
        EXPECTED_SCENARIO_COST_LABEL,
        lambda t: sum(net.weight[w] * m.scenario_cost[w, t] for w in net.scenarios if net.weight[w] > 0),
        "sum_ω weight[ω] * scenario_cost[ω,t]",
    )
    stress = [w for w in net.scenarios if net.weight[w] == 0]
    m.stress_test_cost = pyo.Expression(
        m.PERIODS,
        rule=lambda _m, t: sum(m.scenario_cost[w, t] for w in stress),
        doc="cost of the weight-0 scenarios in period t: not in the objective; minimised with the design "
        "fixed so that their reported flows are each scenario's cheapest response",
    )
    report(ctx, m.stress_test_cost)
    for t in periods:
        ctx.spec.polish_cost[m.stress_test_cost[t].name] = ctx.weight[t]


SCENARIO_COLUMNS = [
    "scenario",
    "product",
    "market",
    "demand",
    "supplied",
    "stock_drawn",
    "unmet",
    "served_share",
    "max_shortfall",
]
SCENARIO_SITE_COLUMNS = [
    "scenario",
    "site",
    "capacity_loss",
    "capacity_left",
    "production",
    "baseline_production",
    "starved",
    "inputs_missing",
]


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Stockpiles (if any); with scenarios: the busiest-scenario columns of Sites, Scenarios (per
    (ω, p, m)), ScenarioSummary (per (ω, p)), ScenarioSites; and the extra figure
    ``survival_marginal_per_point``."""
    net = ctx.net
    if len(m.STOCKPILES):
        out.tables["Stockpiles"] = pd.DataFrame(
            [
                with_period(
                    {
                        "product": p,
                        "market": mk,
                        "stock": value(m.stock[p, mk, t]),
                        "max_stock": net.max_stock[(p, mk)],
                        "holding_cost": net.holding_cost[(p, mk)],
                    },
                    net,
                    t,
                )
                for p, mk, t in m.STOCKPILES
            ]
        )
    out.extra["survival_marginal_per_point"] = survival_marginal(m, ctx, solved)
    if not net.scenarios:
        return
    scen_prod: dict[tuple[str, str, int], float] = defaultdict(float)  # (ω, s, t): production in ω
    supplied: dict[tuple[str, str, str, int], float] = defaultdict(float)  # (ω, p, m, t): supplied in ω
    for (w, s, mk, t), var in m.scenario_flow.items():
        q = value(var)
        scen_prod[(w, s, t)] += q
        supplied[(w, net.site_product[s], mk, t)] += q
    arrived = dict(supplied)  # (ω, p, m, t): everything of p arriving in m, inputs included
    for (s, i), rate in net.input_rate.items():  # supplied to final demand: less the plants' use
        for w in net.scenarios:
            for t in ctx.periods:
                use = rate * scen_prod.get((w, s, t), 0.0)
                if use:
                    supplied[(w, i, net.site_country[s], t)] -= use
    baseline_in: dict[tuple[str, str, int], float] = defaultdict(float)
    for (s, mk, t), var in m.flow.items():
        baseline_in[(net.site_product[s], mk, t)] += value(var)
    drawn_at: dict[tuple[str, str, str, int], float] = {k: value(v) for k, v in m.stock_draw.items()}
    sites = out.tables["Sites"]
    period = sites["period"].tolist() if net.shows_periods else [ctx.periods[0]] * len(sites)
    busiest_w, busiest_q = [], []
    for s, t in zip(sites["site"].tolist(), period, strict=True):
        best_w, best_q = "", 0.0
        for w in net.scenarios:
            if scen_prod[(w, s, t)] > best_q + 1e-9:
                best_w, best_q = w, scen_prod[(w, s, t)]
        busiest_w.append(best_w)
        busiest_q.append(best_q)
    cap = sites["capacity"].tolist()
    sites["busiest_scenario"] = busiest_w
    sites["busiest_scenario_production"] = busiest_q
    sites["busiest_scenario_utilization"] = [q / c if c > 0 else 0.0 for q, c in zip(busiest_q, cap, strict=True)]
    out.tables["Scenarios"], out.tables["ScenarioSummary"] = _scenario_tables(m, ctx, solved, supplied)
    site_rows = list(zip(sites["site"].tolist(), period, cap, sites["production"].tolist(), strict=True))
    out.tables["ScenarioSites"] = pd.DataFrame(
        [
            with_period(
                {
                    "scenario": w,
                    "site": s,
                    "capacity_loss": net.loss.get((w, s), 0.0),
                    "capacity_left": (1 - net.loss.get((w, s), 0.0)) * c,
                    "production": scen_prod[(w, s, t)],
                    "baseline_production": prod,
                    **_starved(net, w, s, t, c, prod, scen_prod[(w, s, t)], arrived, drawn_at, baseline_in),
                },
                net,
                t,
            )
            for w in net.scenarios
            for s, t, c, prod in site_rows
            if c > 0 or scen_prod[(w, s, t)] > 0
        ],
        columns=period_columns(net, SCENARIO_SITE_COLUMNS),
    )
    if net.input_rate:
        base_prod: dict[tuple[str, int], float] = defaultdict(float)
        for (s, _, t), var in m.flow.items():
            base_prod[(s, t)] += value(var)
        out.tables["ScenarioInputs"] = _scenario_inputs(ctx, scen_prod, arrived, drawn_at, base_prod)


SCENARIO_INPUT_COLUMNS = ["scenario", "product", "market", "supplied", "stock_drawn", "used", "baseline_used"]


def _scenario_inputs(
    ctx: Context,
    scen_prod: dict[tuple[str, str, int], float],
    arrived: dict[tuple[str, str, str, int], float],
    drawn: dict[tuple[str, str, str, int], float],
    base_prod: dict[tuple[str, int], float],
) -> pd.DataFrame:
    """ScenarioInputs: per scenario and pool that plants consume from (product = the input, market
    = the plants' country): what arrives (``supplied``), the stock drawn, what the plants there use
    (sum a[s,i] prod^ω[s]) and what they use in the baseline. A starved plant shows here as
    ``used`` below ``baseline_used``."""
    net = ctx.net
    rows = []
    for t in ctx.periods:
        for (i, c), users in net.consumers.items():
            base_used = sum(rate * base_prod.get((s, t), 0.0) for s, rate in users)
            for w in net.scenarios:
                row = {
                    "scenario": w,
                    "product": i,
                    "market": c,
                    "supplied": arrived.get((w, i, c, t), 0.0),
                    "stock_drawn": drawn.get((w, i, c, t), 0.0),
                    "used": sum(rate * scen_prod.get((w, s, t), 0.0) for s, rate in users),
                    "baseline_used": base_used,
                }
                rows.append(with_period(row, net, t))
    return pd.DataFrame(rows, columns=period_columns(net, SCENARIO_INPUT_COLUMNS))


def _starved(
    net: Network,
    w: str,
    s: str,
    t: int,
    cap: float,
    baseline: float,
    production: float,
    arrived: dict[tuple[str, str, str, int], float],
    drawn: dict[tuple[str, str, str, int], float],
    baseline_in: dict[tuple[str, str, int], float],
) -> dict[str, Any]:
    """Whether site s was starved of inputs in scenario ω: a plant with a recipe that, with
    capacity left, makes less than in the baseline while at least one of its inputs arrives in
    its country (shipped or drawn from stock) in smaller quantity than in the baseline; those
    inputs are named in ``inputs_missing``."""
    inputs = [i for i, _ in net.inputs_of.get(s, ())] if s not in net.hubs else []
    left = (1 - net.loss.get((w, s), 0.0)) * cap
    if not inputs or production >= min(left, baseline) - TOL * max(1.0, baseline):
        return {"starved": False, "inputs_missing": ""}
    c = net.site_country[s]
    missing = [
        i
        for i in inputs
        if arrived.get((w, i, c, t), 0.0) + drawn.get((w, i, c, t), 0.0)
        < baseline_in.get((i, c, t), 0.0) - TOL * max(1.0, baseline_in.get((i, c, t), 0.0))
    ]
    return {"starved": bool(missing), "inputs_missing": ", ".join(missing)}


def survival_marginal(m: pyo.ConcreteModel, ctx: Context, solved: Any) -> float:
    """Cost of one point less ``max_shortfall`` in every scenario, from the LP with integer
    decisions and stocks fixed: rhs of (10) is ms * D * f, so d(cost)/d(ms) = sum y * D * f and
    one point less costs -0.01 * sum y * D * f (y <= 0 when binding)."""
    total_ = 0.0
    for key in m.SURVIVAL:
        y = solved.duals.get(m.survival[key])
        if y is not None:
            total_ += -0.01 * y * ctx.at(key[3]).scenario_demand(*key[:3])
    return max(total_, 0.0)


def _scenario_tables(
    m: pyo.ConcreteModel, ctx: Context, solved: Any, supplied: dict[tuple[str, str, str, int], float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenarios (one row per (ω, p, m) with demand) and ScenarioSummary (per (ω, p));
    ``supplied[ω, p, m, t]`` is sum_s x^ω[s, m, t] over the sites of p, less what the plants in m
    use of it. The final demand served, D f - u^ω, is counted as shipped first
    (``supplied``: min(max(supplied, 0), served)) and the rest as drawn from stock
    (``stock_drawn``): without plants using p in m these are the flows and the draw; the stock
    drawn for the plants is in ScenarioInputs."""
    net = ctx.net
    rows = []
    for w, p, mk, t in m.SCENARIO_DEMANDS:
        dem = ctx.at(t).scenario_demand(w, p, mk)
        unmet = value(m.scenario_unmet[w, p, mk, t])
        served = max(dem - unmet, 0.0)
        shipped = min(max(supplied[(w, p, mk, t)], 0.0), served)
        row = {
            "scenario": w,
            "product": p,
            "market": mk,
            "demand": dem,
            "supplied": shipped,
            "stock_drawn": served - shipped,
            "unmet": unmet,
            "served_share": 1 - unmet / dem if dem > 0 else 1.0,
            "max_shortfall": net.max_shortfall.get(w),
        }
        rows.append({**row, "period": t})
    detail = pd.DataFrame(rows, columns=[*SCENARIO_COLUMNS, "period"])
    summary = []
    for (t, w, p), d in detail.groupby(["period", "scenario", "product"], sort=False):
        dem, unmet = float(d["demand"].sum()), float(d["unmet"].sum())
        worst = d["served_share"].idxmin()
        row = {
            "scenario": w,
            "product": p,
            "unit": net.unit.get(p, ""),
            "weight": net.weight[w],
            "max_shortfall": net.max_shortfall.get(w),
            "demand": dem,
            "supplied": float(d["supplied"].sum()),
            "stock_drawn": float(d["stock_drawn"].sum()),
            "unmet": unmet,
            "served_share": 1 - unmet / dem if dem > 0 else 1.0,
            "worst_served_share": float(d.loc[worst, "served_share"]),
            "worst_market": str(d.loc[worst, "market"]),
            "scenario_cost": reported_value(solved, m.scenario_cost[w, t]),
        }
        summary.append(with_period(row, net, t))
    detail = detail[period_columns(net, SCENARIO_COLUMNS)]
    return detail, pd.DataFrame(summary)


def check(res: Any, net: Network) -> list[str]:
    """Per scenario: demand = supplied + drawn + unmet; production <= (1 - loss) cap; drawn <= stock;
    unmet within max_shortfall; with recipes, in every input pool the plants' use is their
    production (ScenarioSites) times the recipe and at most what arrives plus the stock drawn.
    Stock holding and expected scenario cost recompute from the tables."""
    out = []
    stock: dict[tuple[str, str], float] = {}
    if "Stockpiles" in res.tables:
        stock = {(p, mk): x for p, mk, x in rows_of(res["Stockpiles"], "product", "market", "stock")}
        holding = float(sum(net.holding_cost[k] * x for k, x in stock.items()))
        out += cost_problems(res, "stock holding", holding)
    if not net.scenarios:
        return out
    per_scenario: dict[str, float] = {}  # the first row of each scenario (every row carries its cost)
    for w, c in rows_of(res["ScenarioSummary"], "scenario", "scenario_cost"):
        per_scenario.setdefault(w, c)
    expected = float(sum(net.weight[w] * c for w, c in per_scenario.items()))
    out += cost_problems(res, EXPECTED_SCENARIO_COST_LABEL, expected)
    columns = ("scenario", "product", "market", "demand", "supplied", "stock_drawn", "unmet")
    for w, p, mk, demand, supplied, drawn, unmet in rows_of(res["Scenarios"], *columns):
        expected = net.scenario_demand(w, p, mk)
        if not close(demand, expected, expected):
            out.append(f"{w}: demand of {p} in {mk} is {demand:g}, input says {expected:g}")
        if not close(supplied + drawn + unmet, demand, demand):
            out.append(f"{w}: {p} in {mk}: supplied + drawn + unmet != demand")
        if drawn > stock.get((p, mk), 0.0) + TOL * max(1.0, drawn):
            out.append(f"{w}: {p} in {mk}: drew {drawn:g}, more than the stock held")
        ms = net.max_shortfall.get(w)
        if ms is not None and unmet > ms * demand + TOL * max(1.0, demand):
            out.append(f"{w}: {p} in {mk}: unmet {unmet:g} above max_shortfall {ms:g}")
    cap = site_capacity(net, res["Sites"])
    produced: dict[tuple[str, str], float] = {}
    for w, site, production in rows_of(res["ScenarioSites"], "scenario", "site", "production"):
        produced[(w, site)] = production
        left = (1 - net.loss.get((w, site), 0.0)) * cap[site]
        if production > left + TOL * max(1.0, left):
            out.append(f"{w}: {site} produces {production:g} with only {left:g} capacity left")
    if "ScenarioInputs" in res.tables:
        columns = ("scenario", "product", "market", "supplied", "stock_drawn", "used")
        for w, i, c, supplied, drawn, used in rows_of(res["ScenarioInputs"], *columns):
            expected = sum(rate * produced.get((w, s), 0.0) for s, rate in net.consumers.get((i, c), ()))
            if not close(used, expected, expected):
                out.append(f"{w}: the plants in {c} use {used:g} {i}, but their production needs {expected:g}")
            if used > supplied + drawn + TOL * max(1.0, used):
                out.append(f"{w}: the plants in {c} use {used:g} {i}, more than arrives ({supplied:g}) and is drawn")
            if drawn > stock.get((i, c), 0.0) + TOL * max(1.0, drawn):
                out.append(f"{w}: {i} in {c}: drew {drawn:g}, more than the stock held")
    return out
