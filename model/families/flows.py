"""Flows and pools in every period and scenario: constraints (1) and (7), the pool balance (final
demand and the inputs of the plants of a country), the flow and unmet-demand costs; the Flows and
Unmet tables (the normal year's); the pool balance and lane invariants."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model import htmlkit as kit
from model.columns import Column, Sheet
from model.families.assumptions import need_is_data
from model.families.common import Line, linear, qty, total
from model.families.protocol import (
    PERIOD,
    Change,
    Col,
    Context,
    Equation,
    Extraction,
    Glance,
    Metric,
    Section,
    Table,
    column_names,
    cost_totals,
    dimensions,
    period_columns,
    register_operating_cost,
    value,
    with_period,
)
from model.families.recipes import chain_tiers, chains, recipe_edges
from model.families.verify import TOL, close, cost_problems, rows_of
from model.network import NORMAL, Network
from model.sankey import Node, sankey_view
from model.sidebyside import differs, merge_on, num

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

DEMAND = Sheet(
    name="Demand",
    description="Yearly demand. One row per (product, market); a duplicate is an error.",
    columns=(
        Column("market", "name", "Where the demand is.", ref="country"),
        Column("product", "name", "What is demanded.", ref="product"),
        Column("demand", "number", "Quantity per year.", minimum=0, unit="units/year", magnitude=True),
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
            "The row holds from this period on, until a later row for the same product and market "
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
            magnitude=True,
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
    without="only domestic supply would be allowed (no lane between countries)",
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
        totals = cost_totals(costs)
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


# The HTML report

SECTION_PLACE = 50
"""Where its section stands in the HTML report: the chains, after the crises."""


def html(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Section]:
    """Its section of the HTML report (``chain_section``), when there are flows."""
    text = chain_section(tables, facts)
    return [Section(SECTION_PLACE, text)] if text else []


def glance(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Glance]:
    """What it shows under the headline's lines: the normal year's unmet demand (with an Unmet
    table), each market left short with its product, period, unmet and demand, or that there is
    none."""
    unmet = tables.get("Unmet")
    parts = []
    if unmet is not None:
        if len(unmet):
            rows = []
            for r in unmet.to_dict("records"):
                unit = facts.unit.get(str(r["product"]), "")
                period = [str(r["period"])] if "period" in unmet.columns else []
                rows.append(
                    [
                        str(r["product"]),
                        str(r["market"]),
                        *period,
                        f"{kit.qty(float(r['unmet']))} {unit}",
                        f"{kit.qty(float(r['demand']))} {unit}",
                        kit.pct(float(r["unmet"]) / float(r["demand"])) if float(r["demand"]) > 0 else "",
                    ]
                )
            header = ["product", "market", *(["period"] if "period" in unmet.columns else []), "unmet", "demand"]
            parts.append("<h3>Unmet demand (baseline)</h3>" + kit.table([*header, "share"], rows))
        else:
            parts.append('<p class="ok">Unmet demand in the normal year: none, every market is served in full.</p>')
    return [Glance(SECTION_PLACE, below=x) for x in parts]


BASELINE = ""
"""The scenario key of the baseline (normal year) in the chain diagrams."""


BASELINE_LABEL = "Baseline (normal year)"


def sankey_links(
    tables: Mapping[str, pd.DataFrame], chain: Iterable[str], scenario: str = BASELINE, period: Any = None
) -> dict[tuple[Node, Node], float]:
    """The links of one chain's diagram and their quantities, summed per (source, target) node.

    Baseline: ``(made, p, o) -> (delivered, p, m)`` = sum of ``Flows.quantity`` with product p,
    origin o, market m; with ``Inputs``: ``(delivered, i, c) -> (made, p, c)`` = sum of
    ``Inputs.quantity_used`` with product p, input i, country c. Scenario ω: ``(made, p, c) ->
    (pool, p)`` = sum of ``ScenarioSites.production`` of ω over the sites of p in c (country and
    product from ``Sites``); ``(pool, p) -> (delivered, p, m)`` = ``Scenarios.supplied`` and
    ``(stock, p, m) -> (delivered, p, m)`` = ``Scenarios.stock_drawn`` of ω; with tiers, for each
    ``ScenarioInputs`` row (i, c) of ω: ``(pool, i) -> (delivered, i, c)`` = its ``supplied`` (all
    that arrives, plants' use included), ``(stock, i, c) -> (delivered, i, c)`` = its
    ``stock_drawn`` (once, where Scenarios has the pool too) and ``(delivered, i, c) -> (made, p,
    c)`` = the plants' use (``scenario_input_use``). Links of zero quantity are left out."""
    members = set(chain)
    out: dict[tuple[Node, Node], float] = defaultdict(float)
    if scenario == BASELINE:
        flows = tables.get("Flows")
        if flows is not None and len(flows):
            f = kit.at_period(flows, period)
            f = f[f["product"].astype(str).isin(members)]
            for (p, o, m), q in f.groupby(["product", "origin", "market"], sort=False)["quantity"].sum().items():
                out[(("made", str(p), str(o)), ("delivered", str(p), str(m)))] += float(q)
        inputs = tables.get("Inputs")
        if inputs is not None and len(inputs):
            t = kit.at_period(inputs, period)
            t = t[t["product"].astype(str).isin(members)]
            for (p, i, c), q in t.groupby(["product", "input", "country"], sort=False)["quantity_used"].sum().items():
                out[(("delivered", str(i), str(c)), ("made", str(p), str(c)))] += float(q)
    else:
        sites, scen_sites = tables.get("Sites"), tables.get("ScenarioSites")
        if sites is not None and scen_sites is not None and len(scen_sites):
            where = sites.drop_duplicates("site").set_index("site")[["country", "product"]]
            s = kit.at_period(scen_sites, period)
            s = s[s["scenario"].astype(str) == scenario].join(where, on="site")
            s = s[s["product"].astype(str).isin(members)]
            for (p, c), q in s.groupby(["product", "country"], sort=False)["production"].sum().items():
                out[(("made", str(p), str(c)), ("pool", str(p), ""))] += float(q)
        scen = tables.get("Scenarios")
        if scen is not None and len(scen):
            d = kit.at_period(scen, period)
            d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
            for r in d.itertuples():
                p, m = str(r.product), str(r.market)
                out[(("pool", p, ""), ("delivered", p, m))] += float(r.supplied)
                out[(("stock", p, m), ("delivered", p, m))] += float(r.stock_drawn)
        scen_inputs = tables.get("ScenarioInputs")
        if scen_inputs is not None and len(scen_inputs):
            d = kit.at_period(scen_inputs, period)
            d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
            for r in d.itertuples():
                i, c = str(r.product), str(r.market)
                # all that arrives (a pool with final demand too already has its stock from Scenarios)
                had_stock = out.get((("stock", i, c), ("delivered", i, c)), 0.0) > 0
                out[(("pool", i, ""), ("delivered", i, c))] = float(r.supplied)
                if not had_stock:
                    out[(("stock", i, c), ("delivered", i, c))] += float(r.stock_drawn)
            for (i, c, p), q in scenario_input_use(tables, scenario, period, members).items():
                out[(("delivered", i, c), ("made", p, c))] += q
    return {k: v for k, v in out.items() if v > kit.EPS}


def scenario_input_use(
    tables: Mapping[str, pd.DataFrame], scenario: str, period: Any, members: set[str]
) -> dict[tuple[str, str, str], float]:
    """Scenario ω's use of input i in country c by the plants of product p there, (i, c, p) ->
    quantity, for the products in ``members``: ``ScenarioInputs.used`` of (i, c) split over the
    plants that use i there (the sites of ``Inputs``) by a[s,i] prod^ω[s], with the rate a[s,i] =
    quantity_used / production of any period in which the plant produced in the baseline
    (``Inputs``, ``Sites``) and prod^ω[s] from ``ScenarioSites``; what plants of unknown rate use
    (used less the rest) goes to them in proportion to their scenario production. With one
    consuming product in c (the usual case) this is ``used`` exactly."""
    scen_inputs, inputs = tables.get("ScenarioInputs"), tables.get("Inputs")
    sites, scen_sites = tables.get("Sites"), tables.get("ScenarioSites")
    if scen_inputs is None or inputs is None or sites is None or scen_sites is None or not len(scen_inputs):
        return {}
    produced = sites.groupby(["site", "period"] if "period" in sites.columns else ["site"])["production"].sum()
    rate: dict[tuple[str, str], float] = {}
    for r in inputs.to_dict("records"):
        key = (r["site"], r["period"]) if "period" in inputs.columns else r["site"]
        q = float(produced.get(key, 0.0))
        if q > kit.EPS and (str(r["site"]), str(r["input"])) not in rate:
            rate[(str(r["site"]), str(r["input"]))] = float(r["quantity_used"]) / q
    ss = kit.at_period(scen_sites, period)
    scen_prod = ss[ss["scenario"].astype(str) == scenario].groupby("site")["production"].sum()
    used_by: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (i, c) -> [(site, p)]
    for r in kit.at_period(inputs, period).drop_duplicates(["site", "input"]).itertuples():
        if str(r.product) in members:
            used_by[(str(r.input), str(r.country))].append((str(r.site), str(r.product)))
    d = kit.at_period(scen_inputs, period)
    d = d[(d["scenario"].astype(str) == scenario) & d["product"].astype(str).isin(members)]
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in d.itertuples():
        i, c, used = str(r.product), str(r.market), float(r.used)
        plants = used_by.get((i, c), [])
        known = {(s, p): rate[(s, i)] * float(scen_prod.get(s, 0.0)) for s, p in plants if (s, i) in rate}
        unknown = {(s, p): float(scen_prod.get(s, 0.0)) for s, p in plants if (s, i) not in rate}
        for (_, p), q in known.items():
            out[(i, c, p)] += q
        rest, weight = used - sum(known.values()), sum(unknown.values())
        if rest > kit.EPS and weight > kit.EPS:
            for (_, p), q in unknown.items():
                out[(i, c, p)] += rest * q / weight
    return dict(out)


def _legend(facts: kit.Facts) -> str:
    items = []
    for b, color in facts.bloc_colors().items():
        countries = ", ".join(c for c, x in facts.bloc.items() if x == b)
        items.append(
            f'<span class="key"><span class="swatch" style="background:{color}"></span>'
            f"{escape(b)} <small>({escape(countries)})</small></span>"
        )
    items.append(f'<span class="key"><span class="swatch" style="background:{kit.POOL_COLOR}"></span>all makers</span>')
    items.append(
        f'<span class="key"><span class="swatch" style="background:{kit.STOCK_COLOR}"></span>stock drawn</span>'
    )
    return '<div class="legend">' + "".join(items) + "</div>"


def _caption(
    tables: Mapping[str, pd.DataFrame], chain: tuple[str, ...], scenario: str, period: Any, facts: kit.Facts
) -> str:
    """What the diagram shows, and the demand left unmet, for one (chain, scenario, period)."""
    members = set(chain)
    where = f" in {period}" if period is not None else ""
    if scenario == BASELINE:
        text = f"Baseline{where}: baseline flows from where each product is made to where it is delivered."
        unmet = tables.get("Unmet")
        rows = kit.at_period(unmet, period) if unmet is not None else None
        short = rows[rows["product"].astype(str).isin(members)] if rows is not None and len(rows) else None
    else:
        text = (
            f"Scenario '{scenario}'{where}: each country's production flows into one node per product "
            "(which site served which market in the crisis is on the ScenarioFlows sheet), then to where it "
            "is delivered (an input: on to the plants there that use it), with strategic stock drawn."
        )
        scen = tables.get("Scenarios")
        rows = kit.at_period(scen, period) if scen is not None else None
        short = (
            rows[(rows["scenario"].astype(str) == scenario) & rows["product"].astype(str).isin(members)]
            if rows is not None and len(rows)
            else None
        )
    if short is not None and len(short):
        short = short[short["unmet"] > kit.EPS]
        if len(short):
            text += " Unmet: " + "; ".join(
                f"{r.product} in {r.market} {kit.qty(float(r.unmet))} {facts.unit.get(str(r.product), '')}".rstrip()
                for r in short.itertuples()
            )
            text += "."
    return text


def chain_section(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """What the product chains look like: one Sankey per product chain (the connected components of
    the recipe graph, ``recipes.chains``), read left to right by tier, nodes ``p made in c`` and ``p
    delivered in m`` coloured by the country's bloc and placed by hand (``model.sankey``), with one
    trace per (scenario, period) choice (the selectors at the top switch which is visible, and the
    column headings with it); the baseline of the last period shown first (the network as built).
    A crisis's diagram goes through one pool node per product, drawn from each site's production
    and each market's supply and stock drawn rather than the crisis's site-to-market flows (the
    caption says so; ``sankey_links``). Empty when there are no flows."""
    if not kit.has(tables, "Flows") and not kit.has(tables, "ScenarioSites"):
        return ""
    edges = recipe_edges(tables)
    products = list(facts.products)
    for name in ("Flows", "Sites"):
        t = tables.get(name)
        if t is not None and len(t):
            products += [str(p) for p in t["product"].tolist()]
    scenarios = [BASELINE]
    for name in ("Scenarios", "ScenarioSites"):
        t = tables.get(name)
        if t is not None and len(t):
            scenarios += [str(w) for w in t["scenario"].tolist()]
    scenarios = list(dict.fromkeys(scenarios))
    periods = kit.periods_of(tables) or [None]
    choices = [(si, pi) for si in range(len(scenarios)) for pi in range(len(periods))]
    first = (0, len(periods) - 1)
    tier = chain_tiers(dict.fromkeys(products), edges)
    blocks = []
    for k, chain in enumerate(chains(dict.fromkeys(products), edges)):
        links = [sankey_links(tables, chain, scenarios[si], periods[pi]) for si, pi in choices]
        height = max(sankey_view(x, facts, chain, tier, False).height for x in links)
        views = [sankey_view(x, facts, chain, tier, c == first, height) for x, c in zip(links, choices, strict=True)]
        captions = [_caption(tables, chain, scenarios[si], periods[pi], facts) for si, pi in choices]
        lines = max((a["text"].count("<br>") + 1 for v in views for a in v.annotations), default=1)
        margin = {"l": 10, "r": 10, "t": 30 + 16 * lines, "b": 10}
        shown = choices.index(first)
        layout = kit.layout(
            height=height + margin["t"] + margin["b"], margin=margin, annotations=views[shown].annotations
        )
        div = kit.plot_div(f"chain-{k}", [v.trace for v in views], layout)
        keys = [f"s{si}p{pi}" for si, pi in choices]
        title = " → ".join(chain)
        blocks.append(
            f'<div class="chain" data-choices="{escape(json.dumps(keys))}" '
            f'data-captions="{escape(json.dumps(captions))}" '
            f'data-annotations="{escape(json.dumps([v.annotations for v in views]))}">'
            f"<h3>{escape(title)}</h3>"
            f'<p class="caption">{escape(captions[shown])}</p>{div}</div>'
        )
    scenario_options = "".join(
        f'<option value="s{i}">{escape(w or BASELINE_LABEL)}</option>' for i, w in enumerate(scenarios)
    )
    selectors = (
        f'<label>Scenario <select id="choose-scenario">{scenario_options}</select></label>'
        if len(scenarios) > 1
        else ""
    )
    if periods != [None]:
        period_options = "".join(f'<option value="p{i}">{escape(str(t))}</option>' for i, t in enumerate(periods))
        last = f"p{len(periods) - 1}"
        selectors += f' <label>Period <select id="choose-period" data-first="{last}">{period_options}</select></label>'
    intro = (
        "<p>Each diagram is one product chain (products connected by recipes), read left to right by tier: "
        "where each product is made and where it is delivered, by country; nodes and links are coloured by the "
        "country's bloc. "
        + (
            f"It opens on the last period ({escape(str(periods[-1]))}), the network as built; "
            if len(periods) > 1
            else ""
        )
        + "choose a crisis or a period above the diagrams. Hover over a node or a link for its name and quantity.</p>"
    )
    return (
        '<section id="chains"><h2>Product chains</h2>'
        + intro
        + (f'<div class="selectors">{selectors}</div>' if selectors else "")
        + _legend(facts)
        + "".join(blocks)
        + "</section>"
    )
