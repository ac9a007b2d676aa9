"""Flows and pools in every period and scenario: constraints (1) and (7), the pool balance (final
demand and the inputs of the plants of a country), the flow and unmet-demand costs; the Flows and
Unmet tables (the normal year's); the pool balance and lane invariants."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column, Sheet
from model.families.assumptions import need_is_data
from model.families.common import Line, linear, qty, total
from model.families.protocol import (
    PERIOD,
    TOTAL,
    Change,
    Col,
    Context,
    Equation,
    Extraction,
    Metric,
    Table,
    column_names,
    dimensions,
    period_columns,
    register_operating_cost,
    value,
    with_period,
)
from model.families.verify import TOL, close, cost_problems, rows_of
from model.network import NORMAL, Network
from model.sidebyside import differs, merge_on, num

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

DEMAND = Sheet(
    name="Demand",
    description="Yearly demand. One row per (market, product); a duplicate is an error.",
    columns=(
        Column("market", "name", "Where the demand is.", ref="country"),
        Column("product", "name", "What is demanded.", ref="product"),
        Column("demand", "number", "Quantity per year.", minimum=0, unit="units/year"),
        Column(
            "unmet_penalty",
            "number",
            "Cost per unit of this market's demand left unserved, in a normal year and in every "
            "scenario: the value of lost supply to this market (a planner's own markets usually "
            "count for more than the rest of the world's). It belongs to its row: a later row "
            "with a blank penalty does not inherit an earlier row's.",
            required=False,
            minimum=0,
            unit="money/unit",
            blank_means="Products.unmet_penalty",
        ),
        Column(
            "period",
            "integer",
            "The row holds from this period on, until a later row for the same market and product "
            "(see Periods). Used only with a Periods sheet.",
            required=False,
            blank_means="from the first period",
        ),
    ),
    required=True,
    key=("product", "market", "period"),
    place=40,
)


LANES = Sheet(
    name="Lanes",
    description="Which countries may ship to which, and at what cost. Domestic supply is always "
    "allowed (free unless a row for (d, d) says otherwise). Without this sheet only domestic "
    "supply is possible. A row naming the product wins over the blank-product row.",
    columns=(
        Column("origin", "name", "Shipping country.", ref="country"),
        Column("destination", "name", "Receiving market.", ref="country"),
        Column(
            "product",
            "name",
            "Product the row applies to.",
            required=False,
            ref="product",
            blank_means="every product",
        ),
        Column(
            "freight_cost",
            "number",
            "Cost per unit shipped.",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/unit",
        ),
        Column(
            "tariff_rate",
            "number",
            "Duty as a share of the site's unit_cost, or of the product's customs_value where given (0.25 = 25%).",
            required=False,
            default=0.0,
            minimum=0,
        ),
        Column(
            "period",
            "integer",
            "The row holds from this period on, until a later row for the same origin, destination "
            "and product (a tariff schedule; a lane that opens later). Used only with a Periods sheet.",
            required=False,
            blank_means="from the first period",
        ),
    ),
    key=("origin", "destination", "product", "period"),
    place=50,
)


SHEETS = (DEMAND, LANES)
"""The input sheets this family declares (``model.schema``)."""

TABLES = (
    Table(
        "Flows",
        "one row per site, market and period with a flow in the normal year",
        ("period", "site", "market"),
        (
            PERIOD,
            Col("site", "name", "the site that ships"),
            Col("origin", "name", "its country"),
            Col("product", "name", "what it ships"),
            Col("market", "name", "the country it ships into (final demand there, or its plants' inputs)"),
            Col("quantity", "quantity", "yearly quantity shipped"),
            Col("delivered_unit_cost", "money/unit", "unit_cost + tariff_base x tariff_rate + freight_cost"),
            Col("unit_cost", "money/unit", "the site's production cost per unit"),
            Col("tariff_rate", "share", "the lane's duty rate"),
            Col("freight_cost", "money/unit", "the lane's freight per unit"),
            Col("total_cost", "money", "quantity x delivered_unit_cost, a year"),
            Col("tariff_base", "money/unit", "what the duty is levied on: customs_value, else unit_cost"),
        ),
        place=10,
        units="product",
    ),
    Table(
        "Unmet",
        "one row per final demand left (partly) unserved in the normal year",
        ("period", "product", "market"),
        (
            PERIOD,
            Col("product", "name", "the product"),
            Col("market", "name", "the market"),
            Col("demand", "quantity", "its yearly demand"),
            Col("unmet", "quantity", "what is left unserved, at its unmet_penalty"),
            Col("unmet_share", "share", "unmet / demand"),
        ),
        place=90,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS = (
    Equation(
        "1, 7",
        (
            "`Σ_s x[s,m,w] + w^w[p,m] + u[p,m,w] = D[p,m]·f^w[p,m] + Σ_{s: c(s)=m} a[s,p]·prod[s,w]`, (p, m)"
            " ∈ N^w (`u` only where D·f > 0; `w^w` crises only, through `ctx.pool_supply`; `f = 1` in the "
            "normal year)"
        ),
        ("demand_balance",),
        "Demand, Lanes, Recipes, Shocks, Closures",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "FLOW_ARCS": ("site", "market", "period", "scenario"),
    "DEMANDS": ("product", "market", "period", "scenario"),
    "POOLS": ("product", "market", "period", "scenario"),
    "flow": ("site", "market", "period", "scenario"),
    "unmet": ("product", "market", "period", "scenario"),
    "demand_balance": ("product", "market", "period", "scenario"),
    "cost_production": ("period", "scenario"),
    "cost_tariffs": ("period", "scenario"),
    "cost_freight": ("period", "scenario"),
    "cost_unmet_penalty": ("period", "scenario"),
}

UNMET_PENALTY_LABEL = "unmet-demand penalty (baseline)"
"""The Costs sheet's label of the normal year's unmet-demand penalty."""


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variables x[s,m,t,w] (``flow``, y of the contract) and u[p,m,t,w] (``unmet``); constraint
    (1) and (7) ``demand_balance``, the pool balance, for every pool (p, m) of N^w(t), in every
    period t and scenario w (the normal year one member of it):

    (1, 7)  sum_{s: (s,m) in A^w(t)} x[s,m,t,w] + w^w[p,m,t] + u[p,m,t,w]
                = D[p,m,t] f^w[p,m] + sum_{s in m} a[s,p] sum_m' x[s,m',t,w]

    (``ctx.at(t, w)``: D f^w as its demand, its arcs A^w(t) those no Closures row of w closes and
    from sites that keep capacity; the normal year has f = 1 and every arc of A(t).) u exists only
    where D f > 0 (unmet demand is final demand only); the stock drawn w^w (``stockpiles``, crises
    only) arrives through ``ctx.pool_supply``; the last sum is the input use of the plants (and
    hubs) of m that consume p (``Network.consumers``), zero without recipes. Bounds: 0 <= u <= D f;
    x <= D f is a tightening, only where ``need_is_data(p(s))`` holds. Yearly operating costs per
    (t, w): production sum unit_cost[s] x, tariffs sum base[s] tariff_rate[s,m,t] x (base:
    customs_value or unit_cost), freight sum freight_cost[s,m,t] x, unmet penalty
    sum penalty[p,m,t] u (Demand.unmet_penalty, else the product's).
    """
    net = ctx.net
    product_of = net.site_product
    arcs = [(s, mk, t, w) for t, w in ctx.cases for s, mk in ctx.at(t, w).arcs]
    keys = [(p, mk, t, w) for t, w in ctx.cases for p, mk in ctx.at(t, w).positive_demand]
    pools = [(p, mk, t, w) for t, w in ctx.cases for p, mk in ctx.at(t, w).pools]
    m.FLOW_ARCS = pyo.Set(dimen=4, initialize=arcs, ordered=True, doc="A^w(t): (site, market, period, scenario) arcs")
    m.DEMANDS = pyo.Set(dimen=4, initialize=keys, ordered=True, doc="(product, market, period, scenario) with D f > 0")
    m.POOLS = pyo.Set(dimen=4, initialize=pools, ordered=True, doc="N^w(t): (product, country, period, scenario) pools")
    # x <= D and u <= D follow from (1), but are kept as bounds: without them, the LP that HiGHS
    # re-solves after the MIP (the polish, model.solve) took 2-9 s instead of under 1 s on the
    # OR-Library networks.
    bounded = {p for p in net.products if ctx.tighten and need_is_data(net, p)}
    m.flow = pyo.Var(
        m.FLOW_ARCS,
        within=pyo.NonNegativeReals,
        bounds={
            (s, mk, t, w): (0, ctx.at(t, w).positive_demand[(product_of[s], mk)] if product_of[s] in bounded else None)
            for s, mk, t, w in arcs
        },
        doc="x[s,m,t,w]: yearly flow on arc (s, m) in period t and scenario w [product unit/year]",
    )
    m.unmet = pyo.Var(
        m.DEMANDS,
        within=pyo.NonNegativeReals,
        bounds={(p, mk, t, w): (0, ctx.at(t, w).positive_demand[(p, mk)]) for p, mk, t, w in keys},
        doc="u[p,m,t,w]: unmet final demand [product unit/year]",
    )

    x = dict(m.flow.items())  # plain dict lookups: Pyomo's indexing costs ~1 us per call
    u = dict(m.unmet.items())

    def demand_rule(_m: pyo.ConcreteModel, p: str, mk: str, t: int, w: str) -> object:
        view, adj = ctx.at(t, w), ctx.adj_at(t, w)
        supply = [x[s, mk, t, w] for s in adj.arcs_to[(p, mk)]]
        if (p, mk, t, w) in u:
            supply.append(u[p, mk, t, w])
        supply += ctx.pool_supply.get((p, mk, t, w), ())
        d = view.positive_demand.get((p, mk), 0.0)
        consumers = view.consumers.get((p, mk))
        if not consumers:  # final demand only (every pool of a version-1 workbook)
            return total(supply) == d
        use = [(-rate, x[s, m2, t, w]) for s, rate in consumers for m2 in adj.arcs_from[s]]
        if not supply and not use:  # an input pool no one can reach and whose plants ship nowhere
            return pyo.Constraint.Skip
        return linear([*((1.0, v) for v in supply), *use]) == d

    m.demand_balance = pyo.Constraint(
        m.POOLS,
        rule=demand_rule,
        doc="(1, 7) pool balance: supply meets final demand (or is reported unmet) and inputs",
    )

    def production(t: int, w: str) -> object:
        return linear((net.unit_cost[s], x[s, mk, t, w]) for s, mk in ctx.at(t, w).arcs)

    def tariffs(t: int, w: str) -> object:
        v = ctx.at(t, w)
        return linear(
            (v.tariff_base(s) * v.tariff_rate[(s, mk)], x[s, mk, t, w]) for s, mk in v.arcs if v.tariff_rate[(s, mk)]
        )

    def freight(t: int, w: str) -> object:
        v = ctx.at(t, w)
        return linear((v.freight_cost[(s, mk)], x[s, mk, t, w]) for s, mk in v.arcs if v.freight_cost[(s, mk)])

    def penalty(t: int, w: str) -> object:
        v = ctx.at(t, w)
        return linear((v.penalty(p, mk), u[p, mk, t, w]) for p, mk in v.positive_demand)

    register_operating_cost(m, ctx, "production", "production", production, "sum unit_cost[s] * x[s,m,t,w]")
    register_operating_cost(
        m,
        ctx,
        "tariffs",
        "tariffs",
        tariffs,
        "sum base[s] * tariff_rate[s,m,t] * x[s,m,t,w] (base: customs_value or unit_cost)",
    )
    register_operating_cost(m, ctx, "freight", "freight", freight, "sum freight_cost[s,m,t] * x[s,m,t,w]")
    register_operating_cost(m, ctx, "unmet_penalty", UNMET_PENALTY_LABEL, penalty, "sum penalty[p,m,t] * u[p,m,t,w]")


def normal(component: Any) -> dict[tuple[Any, ...], Any]:
    """The normal year's members of a component over (period, scenario), keyed without the
    scenario: {(s, m, t): x[s, m, t, NORMAL]} for ``m.flow`` (the scenario's position read from
    its ``DIMENSIONS``)."""
    w_at = dimensions(component).index("scenario")
    return {k[:w_at] + k[w_at + 1 :]: v for k, v in component.items() if k[w_at] == NORMAL}


FLOW_COLUMNS = column_names(TABLES, "Flows")
UNMET_COLUMNS = column_names(TABLES, "Unmet")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Flows (one row per arc and period with a positive flow) and Unmet (per pool with unmet
    demand)."""
    net = ctx.net
    rows = []
    for (s, mk, t), var in normal(m.flow).items():
        q = value(var)
        if q <= 1e-9:
            continue
        view = ctx.at(t)
        dc = view.delivered_cost(s, mk)
        row = {
            "site": s,
            "origin": net.site_country[s],
            "product": net.site_product[s],
            "market": mk,
            "quantity": q,
            "delivered_unit_cost": dc,
            "unit_cost": net.unit_cost[s],
            "tariff_rate": view.tariff_rate[(s, mk)],
            "freight_cost": view.freight_cost[(s, mk)],
            "total_cost": q * dc,
            "tariff_base": view.tariff_base(s),
        }
        rows.append(with_period(row, t))
    out.tables["Flows"] = pd.DataFrame(rows, columns=period_columns(FLOW_COLUMNS))
    unmet_rows = []
    for (p, mk, t), var in normal(m.unmet).items():
        q = value(var)
        if q > 1e-9:
            d = ctx.at(t).demand[(p, mk)]
            unmet_rows.append(
                with_period({"product": p, "market": mk, "demand": d, "unmet": q, "unmet_share": q / d}, t)
            )
    out.tables["Unmet"] = pd.DataFrame(unmet_rows, columns=period_columns(UNMET_COLUMNS))


def check(res: Any, net: Network) -> list[str]:
    """The pool balance (1) per country and product: supplied + unmet = final demand + the input
    use of the plants there (production, from Flows, times the recipe); no flow into a country
    that neither demands nor consumes the product; every flow on an allowed arc, with its site's
    origin and product; the production, tariff, freight and unmet-penalty costs recompute from the
    Flows and Unmet tables."""
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    produced: dict[str, float] = defaultdict(float)
    for site, p, mk, q in rows_of(res["Flows"], "site", "product", "market", "quantity"):
        supplied[(p, mk)] += q
        produced[site] += q
    used: dict[tuple[str, str], float] = defaultdict(float)
    for (site, i), rate in net.input_rate.items():
        used[(i, net.site_country[site])] += rate * produced.get(site, 0.0)
    short = {(p, mk): u for p, mk, u in rows_of(res["Unmet"], "product", "market", "unmet")}
    out = []
    for p, mk in net.pools:
        d = net.positive_demand.get((p, mk), 0.0)
        got = supplied.get((p, mk), 0.0) + short.get((p, mk), 0.0)
        need = d + used.get((p, mk), 0.0)
        if not close(got, need, need):
            if (p, mk) in net.consumers:
                out.append(
                    f"pool of {p} in {mk}: final demand {d:g} + input use {used.get((p, mk), 0.0):g} but supplied "
                    f"+ unmet = {got:g}"
                )
            else:
                out.append(f"demand of {p} in {mk} is {d:g} but supplied + unmet = {got:g}")
    pools = set(net.pools)
    for (p, mk), q in supplied.items():
        if (p, mk) not in pools and q > TOL:
            out.append(f"{q:g} of {p} shipped to {mk}, which neither demands nor consumes it")
    for (p, mk), q in short.items():
        if net.positive_demand.get((p, mk), 0.0) <= 0 and q > TOL:
            out.append(f"{q:g} of {p} unmet in {mk}, which has no final demand (unmet demand is final demand only)")
    allowed = set(net.arcs)
    for site, origin, product, market in rows_of(res["Flows"], "site", "origin", "product", "market"):
        if (site, market) not in allowed:
            out.append(f"flow from {site} to {market} uses no allowed lane")
        elif origin != net.site_country[site] or product != net.site_product[site]:
            out.append(f"flow row of {site} names the wrong origin or product")
    flows = res["Flows"]
    q = flows["quantity"]
    out += cost_problems(res, "production", float((q * flows["unit_cost"]).sum()))
    out += cost_problems(res, "tariffs", float((q * flows["tariff_base"] * flows["tariff_rate"]).sum()))
    out += cost_problems(res, "freight", float((q * flows["freight_cost"]).sum()))
    penalty = sum(net.penalty(p, mk) * u for p, mk, u in rows_of(res["Unmet"], "product", "market", "unmet"))
    out += cost_problems(res, UNMET_PENALTY_LABEL, float(penalty))
    return out


SUMMARY_MEANINGS = {
    "unmet_markets": "how many (product, market) pairs have baseline demand left unmet (with periods: in any "
    "period); each product's "
    "quantities, in its own unit, are on the Unmet sheet (quantities of different products are never added)",
    "unmet_penalty": "what the normal year's unmet demand costs: unmet quantity x its market's value of lost "
    "supply (Demand.unmet_penalty, else the product's unmet_penalty), summed (its row of the Costs sheet)",
}


def summary(tables: dict[str, pd.DataFrame], net: Network) -> list[Metric]:
    """Unmet demand in the Summary: how many (product, market) pairs are short (in any period),
    and what the normal year's unmet demand costs (its Costs row; with periods, over the
    horizon)."""
    out = []
    unmet = tables.get("Unmet")
    if unmet is not None:
        short = unmet.loc[unmet["unmet"] > 0, ["product", "market"]].drop_duplicates()
        out.append(Metric("unmet_markets", len(short), SUMMARY_MEANINGS["unmet_markets"]))
    costs = tables.get("Costs")
    if costs is not None:
        totals = costs[costs["period"] == TOTAL] if "period" in costs.columns else costs
        penalty = totals.loc[totals["component"] == UNMET_PENALTY_LABEL, "value"]
        out.append(Metric("unmet_penalty", float(penalty.sum()), SUMMARY_MEANINGS["unmet_penalty"]))
    return out


def console(line: Line, net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """Unmet demand on the console: each short (product, market) and period, what of its demand
    is unmet, and the cap that holds supply back where one binds."""
    unmet = tables["Unmet"]
    if not len(unmet):
        line("Unmet demand: none")
        return
    line("Unmet demand:")
    for r in unmet.itertuples():
        cap = getattr(r, "binding_cap", "")  # the cap that holds supply back, if one binds
        why = f": held back by the {cap}" if cap else ""
        when = f" in {r.period}" if "period" in unmet.columns else ""
        unit = net.unit.get(r.product, "")
        line(f"  {r.product}, {r.market}{when}: {qty(r.unmet)} of {qty(r.demand)} {unit}{why}")


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], pk: list[str]) -> dict[str, pd.DataFrame]:
    """Unmet demand and flows of two runs side by side. A flow that moved while supplying its
    market took the same quantity at the same delivered cost in both runs is ``equally_cheap``:
    two equally cheap routings (a tie the solver broke either way), not a change of plan."""
    out = {"Unmet": _unmet(a.get("Unmet"), b.get("Unmet"), pk)}
    if "Flows" in a and "Flows" in b:
        cost_a, cost_b = supply_costs(a.get("Flows")), supply_costs(b.get("Flows"))
        flows = merge_on(a["Flows"], b["Flows"], [*pk, "site", "product", "market"], ["quantity"])
        flows["equally_cheap"] = [
            differs(r.quantity_A, r.quantity_B) and same_supply_cost(r.product, r.market, cost_a, cost_b)
            for r in flows.itertuples()
        ]
        out["Flows"] = flows
    return out


def changes(compared: dict[str, pd.DataFrame]) -> list[Change]:
    """Unmet demand that moved, in words (new unmet demand said so), with its period."""
    unmet = compared.get("Unmet")
    out = []
    for r in unmet.itertuples() if unmet is not None else ():
        if differs(r.unmet_A, r.unmet_B):
            word = "new unmet demand" if r.unmet_A <= TOL and r.unmet_B > TOL else "unmet demand"
            of = f" of {num(r.demand)}" if r.demand is not None and r.demand == r.demand else ""
            text = f"{r.product} in {r.market}: {word} {num(r.unmet_A)} -> {num(r.unmet_B)}{of}"
            out.append(Change(text, getattr(r, "period", None)))
    return out


def _unmet(a: pd.DataFrame | None, b: pd.DataFrame | None, pk: list[str] | None = None) -> pd.DataFrame:
    """Unmet demand of two runs side by side per (period,) product and market, 0 where a run has
    none, with the demand."""
    keys = [*(pk or []), "product", "market"]
    unmet = merge_on(a, b, keys, ["unmet"])
    demand = {}
    for df in (a, b):
        if df is not None and "demand" in df.columns:
            demand.update({tuple(r[k] for k in keys): r["demand"] for _, r in df.iterrows()})
    unmet.insert(len(keys), "demand", [demand.get(tuple(r[k] for k in keys)) for _, r in unmet.iterrows()])
    return unmet


def supply_costs(flows: pd.DataFrame | None) -> dict[tuple[str, str], tuple[float, float]] | None:
    """(product, market) -> (quantity supplied, its delivered cost), from a Flows sheet."""
    if flows is None or not {"product", "market", "quantity", "total_cost"} <= set(flows.columns):
        return None
    g = flows.groupby(["product", "market"])[["quantity", "total_cost"]].sum()
    return {k: (float(v["quantity"]), float(v["total_cost"])) for k, v in g.iterrows()}


def same_supply_cost(product: str, market: str, a: dict | None, b: dict | None) -> bool:
    """Supplying ``market`` (a `total` cap's markets: all of them) with ``product`` took the same
    quantity at the same delivered cost in both runs."""
    if a is None or b is None:
        return False
    markets = str(market).split(", ")
    qa = sum(a.get((product, m), (0.0, 0.0))[0] for m in markets)
    qb = sum(b.get((product, m), (0.0, 0.0))[0] for m in markets)
    ka = sum(a.get((product, m), (0.0, 0.0))[1] for m in markets)
    kb = sum(b.get((product, m), (0.0, 0.0))[1] for m in markets)
    return not differs(qa, qb) and not differs(ka, kb)
