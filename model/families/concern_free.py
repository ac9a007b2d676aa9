"""Concern-free mass balance: constraint (11), the variables g behind the look-through dependency
caps; after the solve, the ConcernFree allocation (an LP with the design's flows fixed) and its
invariants.

A unit is concern-free when it is made outside concern countries from concern-free inputs only,
every input of its recipe. A site outside K may split its output into a concern-free part g and
the rest (a segregated production line); a hub passes on what it takes in (its recipe is its own
product, 1 to 1); a site without inputs may count all its output concern-free.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column
from model.families.common import linear
from model.families.dependency import caps_of, mass_balance_products_over
from model.families.protocol import (
    PERIOD,
    Col,
    Context,
    Equation,
    Extraction,
    Table,
    by_case,
    column_names,
    period_columns,
    value,
    with_period,
)
from model.families.verify import TOL, rows_of
from model.network import NORMAL, Network
from model.solve import SolveOptions, solve

# The input columns it reads (model.schema adds them to the sheet another family declares)

SHEET_ADDS = {
    "Sites": (
        Column(
            "role",
            "choice",
            "A plant makes its product (from the inputs its recipe names, if any); a hub (a depot, "
            "a transshipment port) takes its product in from other countries and passes it on to "
            "other countries: its capacity is throughput, its unit_cost the handling cost per unit; "
            "it never ships into its own country and has no recipe.",
            required=False,
            default="plant",
            choices=("plant", "hub"),
        ),
    ),
}

TABLES = (
    Table(
        "ConcernFree",
        "one row per flow of a site in the normal year (and each crisis where the caps hold): its concern-free part",
        ("period", "scenario", "site", "market"),
        (
            PERIOD,
            Col("site", "name", "the site that ships"),
            Col("country", "name", "its country"),
            Col("product", "name", "what it ships"),
            Col("market", "name", "where to"),
            Col("flow", "quantity", "the flow"),
            Col("concern_free", "quantity", "its concern-free part (made outside concern from concern-free inputs)"),
            Col("concern_free_share", "share", "concern_free / flow"),
            Col("scenario", "name", "the crisis (blank: the normal year)", when="with scenarios and caps that hold"),
        ),
        when="with recipes or hubs",
        place=60,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS = (
    Equation(
        "11",
        (
            "`Σ_{s∉K, c(s)=c} a[s,i]·Σ_m g[s,m,w] ≤ Σ_{s'∉K} g[s',c,w]`, (i, c) ∈ N_g, in every scenario "
            "where the caps hold; and `g ≤ x`"
        ),
        ("concern_free_balance", "concern_free_within_flow"),
        "Recipes, Countries.`concern`, Caps.`basis`",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "CONCERN_FREE_ARCS": ("site", "market", "period", "scenario"),
    "CONCERN_FREE_POOLS": ("product", "market", "period", "scenario"),
    "concern_free": ("site", "market", "period", "scenario"),
    "concern_free_within_flow": ("site", "market", "period", "scenario"),
    "concern_free_balance": ("product", "market", "period", "scenario"),
}


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variables g[s,m,t,w] (``concern_free``) on the arcs of sites outside K making a product of
    L (``mass_balance_products``), in every period t and every scenario w where the caps bind
    (``ctx.capped``: the normal year, and every crisis under ``caps_in_scenarios: hold``);
    constraints, per (t, w):

    g[s,m,t,w] <= x[s,m,t,w]                                             (``concern_free_within_flow``)
    (11)  sum_{s not in K, c(s)=c} a[s,i] sum_m g[s,m,t,w] <= sum_{s' not in K} g[s',c,t,w]
          for each pool (i, c) of a product of L with a consumer outside K  (``concern_free_balance``)

    Stock drawn in a crisis is no flow, so it is never concern-free input. No costs.
    ``dependency`` reads g for its look-through caps (4, 5).
    """
    net = ctx.net
    products = mass_balance_products_over(ctx)
    cases = [(t, w) for t, w in ctx.cases if w in ctx.capped]
    arcs = [
        (s, mk, t, w)
        for t, w in cases
        for s, mk in ctx.at(t, w).arcs
        if net.site_product[s] in products and s not in net.concern_sites
    ]
    m.CONCERN_FREE_ARCS = pyo.Set(dimen=4, initialize=arcs, ordered=True, doc="arcs with a concern-free part g")
    m.concern_free = pyo.Var(
        m.CONCERN_FREE_ARCS, within=pyo.NonNegativeReals, doc="g[s,m,t,w]: concern-free part of the flow x[s,m,t,w]"
    )
    g = dict(m.concern_free.items())
    m.concern_free_within_flow = pyo.Constraint(
        m.CONCERN_FREE_ARCS,
        rule=lambda _m, s, mk, t, w: g[s, mk, t, w] <= m.flow[s, mk, t, w],
        doc="the concern-free part of a flow is at most the flow",
    )
    into: dict[tuple[str, str, int, str], list[Any]] = defaultdict(list)
    out_of: dict[tuple[str, int, str], list[Any]] = defaultdict(list)
    for s, mk, t, w in arcs:
        into[(net.site_product[s], mk, t, w)].append(g[s, mk, t, w])
        out_of[(s, t, w)].append(g[s, mk, t, w])
    pools = []
    for t, w in cases:
        for (i, c), users in ctx.at(t, w).consumers.items():
            if i in products and any(s not in net.concern_sites for s, _ in users):
                pools.append((i, c, t, w))
    m.CONCERN_FREE_POOLS = pyo.Set(dimen=4, initialize=pools, ordered=True, doc="pools with a mass balance (11)")

    def balance(_m: pyo.ConcreteModel, i: str, c: str, t: int, w: str) -> object:
        used = [
            (rate, v)
            for s, rate in ctx.at(t, w).consumers[(i, c)]
            if s not in net.concern_sites
            for v in out_of.get((s, t, w), ())
        ]
        if not used:
            return pyo.Constraint.Skip
        return linear([*used, *((-1.0, v) for v in into.get((i, c, t, w), ()))]) <= 0

    m.concern_free_balance = pyo.Constraint(
        m.CONCERN_FREE_POOLS, rule=balance, doc="(11) concern-free output needs concern-free inputs"
    )


# ------------------------------------------------------------------------------------------
# The reported allocation: an LP after the MIP, with the design's flows fixed
# ------------------------------------------------------------------------------------------


@dataclass
class Allocation:
    """The concern-free allocation of one period: g per arc (sites outside K), and the
    concern-free supply reaching final demand per pool (``final``)."""

    g: dict[tuple[str, str], float] = field(default_factory=dict)
    final: dict[tuple[str, str], float] = field(default_factory=dict)
    status: str = "optimal"


def allocate(net: Network, flow: dict[tuple[str, str], float], unmet: dict[tuple[str, str], float]) -> Allocation:
    """The allocation that meets every look-through cap and delivers as much concern-free supply
    to final demand as the mass balance (11) allows, given the flows x (one period):

        max  sum_{(p,c): D > 0} f[p,c]
        s.t. 0 <= g[s,m] <= x[s,m]                                    (s outside K)
             f[p,c] + sum_{s not in K, c(s)=c} a[s,p] sum_m g[s,m] <= sum_{s'} g[s',c]   per pool
             0 <= f[p,c] <= D[p,c] - u[p,c]
             (1 - cap) sum_s x[s,m] - sum_{s not in K} g[s,m] <= 0     look-through caps (4, 5)

    then, with sum f held at its maximum, the largest concern-free part of every flow (so that
    intermediate pools show all the concern-free supply the mass balance allows). Concern sites
    have g = 0. A cap row may be missed by a slack of at most ``CAP_SLACK`` of its supply (the
    MIP's solution meets the caps to the solver's tolerance only); the second LP prices that slack
    at ``SLACK_WEIGHT``, so caps hold exactly where they can. Each g is then ``clean``ed."""
    arcs = [(s, mk) for (s, mk), q in flow.items() if q > 1e-9 and s not in net.concern_sites]
    lp = pyo.ConcreteModel(name="concern_free_allocation")
    lp.G = pyo.Var(arcs, within=pyo.NonNegativeReals, bounds={k: (0, flow[k]) for k in arcs})
    finals = [k for k in net.pools if net.positive_demand.get(k, 0.0) > 0]
    lp.F = pyo.Var(
        finals,
        within=pyo.NonNegativeReals,
        bounds={k: (0, max(net.positive_demand[k] - unmet.get(k, 0.0), 0.0)) for k in finals},
    )
    into: dict[tuple[str, str], list[Any]] = defaultdict(list)
    out_of: dict[str, list[Any]] = defaultdict(list)
    for s, mk in arcs:
        into[(net.site_product[s], mk)].append(lp.G[s, mk])
        out_of[s].append(lp.G[s, mk])
    rows = []
    for p, c in net.pools:
        used = [
            (rate, v)
            for s, rate in net.consumers.get((p, c), ())
            if s not in net.concern_sites
            for v in out_of.get(s, ())
        ]
        lhs = linear([*used, *((-1.0, v) for v in into.get((p, c), ()))])
        if (p, c) in lp.F:
            lhs = lhs + lp.F[p, c]
        elif not used:
            continue
        rows.append(lhs <= 0)
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    for (s, mk), q in flow.items():
        supplied[(net.site_product[s], mk)] += q
    caps: list[tuple[float, float, list[Any]]] = []  # (1 - cap, supply, concern-free parts)
    for p, markets, cap in caps_of(net).lookthrough():
        total = sum(supplied.get((p, mk), 0.0) for mk in markets)
        if total > 0:
            caps.append((1 - cap, total, [v for mk in markets for v in into.get((p, mk), ())]))
    lp.slack = pyo.Var(
        range(len(caps)), within=pyo.NonNegativeReals, bounds={k: (0, CAP_SLACK * c[1]) for k, c in enumerate(caps)}
    )
    for k, (rest, total, free) in enumerate(caps):
        rows.append(rest * total - sum(free) <= lp.slack[k])
    lp.rows = pyo.ConstraintList()
    for row in rows:
        if not isinstance(row, bool):
            lp.rows.add(row)
    final_total = sum(lp.F.values()) if finals else 0
    lp.first = pyo.Objective(expr=-final_total, sense=pyo.minimize)
    options = SolveOptions(polish=False, time_limit=60)
    first = solve(lp, options)
    if not first.has_solution:
        return Allocation(status=first.status)
    best = -float(first.objective or 0.0)
    if arcs:
        lp.first.deactivate()
        if finals:
            lp.keep = pyo.Constraint(expr=final_total >= best - 1e-7 * max(1.0, abs(best)))
        lp.second = pyo.Objective(expr=-sum(lp.G.values()) + SLACK_WEIGHT * sum(lp.slack.values()), sense=pyo.minimize)
        solve(lp, options)  # if it fails, the first LP's values stay loaded: still a valid allocation
    g = {k: clean(value(v), flow[k]) for k, v in lp.G.items()}
    return Allocation(g=g, final={k: value(v) for k, v in lp.F.items()}, status=first.status)


CAP_SLACK = 1e-7
"""Relative slack of a cap row in the allocation LP: the MIP's flows meet the caps to the
solver's tolerance only, so an exact cap row could make the LP infeasible."""
SLACK_WEIGHT = 10.0
"""The second LP's price of that slack per unit, against 1 per unit of concern-free part: a cap
is met exactly wherever the flows allow, so a pool at its cap shows its concern-free part whole
(160, not 159.99998 and 0.00002 elsewhere)."""
CLEAN_TOL = 1e-6
"""A concern-free part within CLEAN_TOL * max(1, flow) of 0 or of its flow is reported as 0 or
the flow (solver noise); well inside the invariants' tolerance (``verify.TOL`` = 1e-5)."""


def clean(g: float, flow: float) -> float:
    """The concern-free part ``g`` of a flow, snapped to 0 or to ``flow`` when within
    ``CLEAN_TOL * max(1, flow)`` of it, and clipped to 0..flow."""
    tol = CLEAN_TOL * max(1.0, abs(flow))
    if g <= tol:
        return 0.0
    if g >= flow - tol:
        return flow
    return g


def model_allocation(
    m: pyo.ConcreteModel, net: Network, flow: dict[tuple[str, str], float], t: int, w: str, status: str
) -> Allocation:
    """The MIP's own allocation, should the reporting LP fail (it should not: the MIP's g is a
    feasible point of it): g from the model on the products of L; outside L, a site outside K
    without inputs counts its whole flow (it may) and a site with inputs none (always allowed)."""
    g = {}
    for (s, mk), q in flow.items():
        if s in net.concern_sites:
            continue
        if (s, mk, t, w) in m.concern_free:
            g[(s, mk)] = clean(value(m.concern_free[s, mk, t, w]), q)
        elif not net.inputs_of.get(s):
            g[(s, mk)] = q
    return Allocation(g=g, status=f"the model's allocation (the reporting LP ended {status})")


CONCERN_FREE_COLUMNS = column_names(TABLES, "ConcernFree", "scenario")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """ConcernFree (when some site consumes an input: recipes or hubs): per site, period and
    destination, the flow and its concern-free part, from ``allocate``, in the normal year and,
    where the caps hold in crises, in each crisis (a ``scenario`` column, blank for the normal
    year, then). The allocations are kept in ``out.extra["concern_free"]`` ((period, scenario) ->
    ``Allocation``) for the Dependency and Inputs tables. Without inputs the allocation is g = x
    outside K (the look-through and direct shares agree)."""
    net = ctx.net
    allocations: dict[tuple[int, str], Allocation] = {}
    crises = len(ctx.capped) > 1
    rows = []
    flows, unmets = by_case(m.flow), by_case(m.unmet)
    for t in ctx.periods:
        for w in ctx.capped:
            flow, unmet = flows.get((t, w), {}), unmets.get((t, w), {})
            if net.input_rate:
                alloc = allocate(ctx.at(t, w), flow, unmet)
                if alloc.status not in ("optimal", "feasible"):
                    alloc = model_allocation(m, net, flow, t, w, alloc.status)
            else:
                alloc = Allocation(g={k: q for k, q in flow.items() if k[0] not in net.concern_sites})
            allocations[(t, w)] = alloc
            if not net.input_rate:
                continue
            for (s, mk), q in flow.items():
                if q <= 1e-9:
                    continue
                free = alloc.g.get((s, mk), 0.0)
                row = {
                    "site": s,
                    "country": net.site_country[s],
                    "product": net.site_product[s],
                    "market": mk,
                    "flow": q,
                    "concern_free": free,
                    "concern_free_share": free / q,
                }
                if crises:
                    row["scenario"] = w
                rows.append(with_period(row, t))
    out.extra["concern_free"] = allocations
    if net.input_rate:
        columns = [*CONCERN_FREE_COLUMNS, "scenario"] if crises else CONCERN_FREE_COLUMNS
        out.tables["ConcernFree"] = pd.DataFrame(rows, columns=period_columns(columns))


def check(res: Any, net: Network) -> list[str]:
    """The ConcernFree allocation, from the result tables alone: each row's concern-free part
    within its flow and the flow as in Flows; a concern country's output never concern-free; per
    site outside K, its concern-free output needs, for each input i, a[s,i] times as much
    concern-free i arriving in its country, summed over the country's sites (11), to ``TOL`` of
    the need plus what the table's snapping may have taken from the inflow: each part is snapped
    to 0 or to its flow within ``CLEAN_TOL * max(1, flow)`` (``clean``), so an inflow of 44.7 t
    may show 0 where the LP had 4e-5 t while the plant it feeds keeps its own 4e-5 (tier-L-p8,
    seed 2); only inflows from outside K can have been snapped (K's are never concern-free)."""
    if "ConcernFree" not in res.tables:
        return []
    out = []
    for w, table, flow_table in by_scenario(res, res["ConcernFree"]):
        where = f"{w}: " if w else ""
        out += [f"{where}{problem}" for problem in _check_case(table, flow_table, net)]
    return out


def by_scenario(res: Any, table: pd.DataFrame) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """A table with an optional ``scenario`` column (blank: the normal year), split by scenario,
    each part with the flows of its scenario (Flows, or the crisis's rows of ScenarioFlows)."""
    if "scenario" not in table.columns:
        return [(NORMAL, table, res["Flows"])]
    out = []
    crisis_flows = res.tables.get("ScenarioFlows")
    for w, part in table.groupby("scenario", sort=False):
        if w == NORMAL:
            flows = res["Flows"]
        else:
            flows = crisis_flows[crisis_flows["scenario"] == w] if crisis_flows is not None else res["Flows"].iloc[:0]
        out.append((str(w), part, flows))
    return out


def _check_case(table: pd.DataFrame, flow_table: pd.DataFrame, net: Network) -> list[str]:
    """The ConcernFree invariants of one scenario's rows against its flows (see ``check``)."""
    flows = {(s, mk): q for s, mk, q in rows_of(flow_table, "site", "market", "quantity")}
    out = []
    free_out: dict[str, float] = defaultdict(float)
    free_in: dict[tuple[str, str], float] = defaultdict(float)
    snapped: dict[tuple[str, str], float] = defaultdict(float)  # what clean() may have taken
    for s, mk, q, free in rows_of(table, "site", "market", "flow", "concern_free"):
        if free > q + TOL * max(1.0, q) or free < -TOL:
            out.append(f"ConcernFree: {s} -> {mk}: concern-free part {free:g} outside 0..{q:g}")
        if not math.isclose(flows.get((s, mk), 0.0), q, rel_tol=1e-6, abs_tol=1e-6):
            out.append(f"ConcernFree: {s} -> {mk}: flow {q:g} differs from Flows")
        if s in net.concern_sites and free > TOL:
            out.append(f"ConcernFree: {s} is in a concern country but counts {free:g} as concern-free")
        free_out[s] += free
        free_in[(net.site_product[s], mk)] += free
        if s not in net.concern_sites:
            snapped[(net.site_product[s], mk)] += CLEAN_TOL * max(1.0, q)
    used: dict[tuple[str, str], float] = defaultdict(float)
    for (s, i), rate in net.input_rate.items():
        if s not in net.concern_sites:
            used[(i, net.site_country[s])] += rate * free_out.get(s, 0.0)
    for (i, c), need in used.items():
        have = free_in.get((i, c), 0.0)
        if need > have + snapped.get((i, c), 0.0) + TOL * max(1.0, need):
            out.append(
                f"ConcernFree: the plants in {c} count output as concern-free that needs {need:g} concern-free "
                f"{i}, but only {have:g} concern-free {i} arrives there (mass balance 11)"
            )
    return out
