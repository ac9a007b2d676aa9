"""Spare capacity held in reserve outside concern countries: constraint (6), the reserve cost, and
the reserve invariant (the reserve column of the Sites table is made by ``capacity``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyomo.core as pyo

from model.columns import Column, SheetData, valid
from model.derive import gross_requirement
from model.families.common import CONFLICT_TOL, amount, capacity_outside_concern, total, when
from model.families.protocol import Conflict, Context, Equation, Extraction, register_cost
from model.families.verify import TOL, cost_problems, rows_of
from model.issues import Issue
from model.network import NORMAL, Network

# The input columns it reads (model.schema adds them to the sheet another family declares)

SHEET_ADDS = {
    "Products": (
        Column(
            "reserve_share",
            "share",
            "Spare capacity to hold in reserve outside concern countries, as a share of the product's "
            "gross requirement (its total demand plus what the recipes need to make the products it goes into).",
            required=False,
            default=0.0,
        ),
    ),
    "Sites": (
        Column(
            "reserve_cost",
            "number",
            "Cost per year of each unit of capacity held in reserve at this site.",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/unit/year",
            magnitude=True,
        ),
    ),
}


# The reserve it reads: its part of the network

PART = "reserve"
"""This family's key in ``Network.parts``."""


@dataclass(frozen=True)
class Reserve:
    """What the reserve reads (``Network.parts["reserve"]``): the same in every period."""

    share: dict[str, float] = field(default_factory=dict)
    """Products.reserve_share: the share of each product's gross requirement held in reserve."""
    cost: dict[str, float] = field(default_factory=dict)
    """Sites.reserve_cost: the yearly cost of each unit of capacity a site holds in reserve."""

    def at(self, net: Network, year: int | None) -> Reserve:
        """The same reserve for any network: it does not vary by period or setting."""
        return self


def read(data: Mapping[str, SheetData], net: Network) -> Reserve:
    """The Products sheet's reserve_share and the Sites sheet's reserve_cost (blank: 0)."""
    return Reserve(
        {r.values["product"]: float(r.values.get("reserve_share") or 0.0) for r in valid(data.get("Products"))},
        {r.values["site"]: float(r.values.get("reserve_cost") or 0.0) for r in valid(data.get("Sites"))},
    )


def reserve_of(net: Network) -> Reserve:
    """The reserve of ``net`` (none where it was not read from a workbook)."""
    part = net.parts.get(PART)
    return part if part is not None else Reserve()


EQUATIONS = (
    Equation(
        "6",
        "`Σ_{s∈S_r, p(s)=p} r[s] + σ_p ≥ reserve_share[p]·R[p]` (gross requirement)",
        ("reserve_requirement",),
        "Products.`reserve_share`, Sites.`reserve_cost`, Recipes",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "RESERVE_SITES": ("site", "period"),
    "RESERVE_PRODUCTS": ("product", "period"),
    "reserve": ("site", "period"),
    "reserve_shortfall": ("product", "period"),
    "reserve_requirement": ("product", "period"),
    "cost_reserve": ("period",),
}


def reserve_sites(net: Network) -> list[str]:
    """S_A outside K: sites that may hold reserve. Plants (a hub makes nothing) outside concern
    countries, making a product with a reserve share, and with at least one arc: a reserve that
    can reach no pool serves no one (formulation (6), version 2)."""
    can_deliver = {s for s, _ in net.arcs}
    return [
        s
        for s in net.sites
        if s in can_deliver
        and s not in net.hubs
        and s not in net.concern_sites
        and reserve_of(net).share.get(net.site_product[s], 0) > 0
    ]


def reserve_requirement(net: Network, p: str) -> float:
    """reserve_share[p] * R[p], R the gross requirement: R[p] = sum_m D[p,m] + sum_q a_P[q,p] R[q]
    (the product-level recipe rows; without recipes, sum_m D[p,m] as in version 1)."""
    share = reserve_of(net).share.get(p, 0.0)
    if not share:
        return 0.0
    return share * gross_requirement(net.demand, net.recipe, [p])[p]


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variable r[s,t] (``reserve``); constraint (6) ``reserve_requirement``.

    (6)  sum_{s in S_A, p(s)=p, c(s) not in K} r[s,t] >= reserve_share[p] * sum_m D[p,m]   per product, period

    r exists only where reserve can serve (``reserve_sites``). It takes capacity in the normal
    year only (``ctx.capacity_use`` of (s, t, NORMAL), read by ``capacity``'s (2)): in a crisis the
    reserve is released, which is what it is for. With ``ctx.elastic`` the slack
    ``reserve_shortfall[p,t]`` may be positive (to explain infeasibility; its violation relative
    to the requirement joins the elastic objective); otherwise it is held at 0.
    Yearly cost: sum reserve_cost[s] * r[s,t].
    """
    net, periods = ctx.net, ctx.periods
    sites = {t: reserve_sites(ctx.at(t)) for t in periods}
    m.RESERVE_SITES = pyo.Set(
        dimen=2, initialize=[(s, t) for t in periods for s in sites[t]], ordered=True, doc="sites that may hold reserve"
    )
    m.reserve = pyo.Var(m.RESERVE_SITES, within=pyo.NonNegativeReals, doc="r[s,t]: capacity held in reserve")
    for s, t in m.RESERVE_SITES:  # the reserve uses capacity (2) in the normal year; a crisis releases it (8)
        ctx.capacity_use.setdefault((s, t, NORMAL), []).append(m.reserve[s, t])
    need = {(p, t): reserve_requirement(ctx.at(t), p) for t in periods for p in net.products}  # once each
    m.RESERVE_PRODUCTS = pyo.Set(
        dimen=2,
        initialize=[(p, t) for t in periods for p in net.products if need[p, t] > 0],
        ordered=True,
        doc="(product, period) with a reserve share",
    )
    m.reserve_shortfall = pyo.Var(
        m.RESERVE_PRODUCTS,
        within=pyo.NonNegativeReals,
        bounds=(0, None if ctx.elastic else 0),
        doc="slack of (6); held at 0 unless the model is built elastic to explain infeasibility",
    )
    sites_of: dict[tuple[str, int], list[str]] = defaultdict(list)
    for s, t in m.RESERVE_SITES:
        sites_of[(net.site_product[s], t)].append(s)

    def rule(_m: pyo.ConcreteModel, p: str, t: int) -> object:
        held = total([*(m.reserve[s, t] for s in sites_of[(p, t)]), m.reserve_shortfall[p, t]])
        return held >= need[p, t]

    m.reserve_requirement = pyo.Constraint(m.RESERVE_PRODUCTS, rule=rule, doc="(6) reserve outside concern countries")
    if ctx.elastic:
        ctx.violations += [m.reserve_shortfall[p, t] / need[p, t] for p, t in m.RESERVE_PRODUCTS]
    register_cost(
        m,
        ctx,
        "reserve",
        "reserve",
        lambda t: sum(reserve_of(net).cost[s] * m.reserve[s, t] for s in sites[t]),
        "sum reserve_cost[s] * r[s,t]",
    )


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """No table of its own: each site's reserve is a column of Sites (``capacity``)."""


def check(res: Any, net: Network) -> list[str]:
    """Reserve outside concern countries >= reserve_share * gross requirement, per product; reserve
    only outside concern countries, at plants with at least one arc; the reserve cost recomputes
    from the Sites table."""
    demand = gross_requirement(net.demand, net.recipe, net.products)
    can_deliver = {s for s, _ in net.arcs}
    held: dict[str, float] = defaultdict(float)
    out = []
    for site, p, country, reserve in rows_of(res["Sites"], "site", "product", "country", "reserve"):
        if reserve <= TOL:
            continue
        if site in net.concern_sites:
            out.append(f"{site}: reserve held at a concern site ({country})")
        elif site not in can_deliver:
            out.append(f"{site}: reserve held at a site that can deliver to no market")
        elif site in net.hubs:
            out.append(f"{site}: reserve held at a hub (a hub makes nothing)")
        else:
            held[p] += reserve
    for p in net.products:
        need = reserve_of(net).share.get(p, 0.0) * demand[p]
        if need > 0 and held[p] < need - TOL * max(1.0, need):
            out.append(f"{p}: reserve {held[p]:g} below the required {need:g}")
    cost = sum(reserve_of(net).cost[s] * r for s, r in rows_of(res["Sites"], "site", "reserve"))
    return out + cost_problems(res, "reserve", float(cost))


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def warnings(net: Network) -> list[Issue]:
    """The reserve's warnings on the assembled network: a reserve share the sites outside concern
    countries cannot hold."""
    return check_reserve_reachable(net)


def check_reserve_reachable(net: Network) -> list[Issue]:
    """reserve_share[p] R[p] of spare capacity outside concern countries (R: the gross requirement
    of constraint 6) must fit in the most capacity that could be built there."""
    out: list[Issue] = []
    gross = gross_requirement(net.demand, net.recipe, net.products)
    for p in net.products:
        avail = capacity_outside_concern(net, p)
        r_need = reserve_of(net).share.get(p, 0.0) * gross[p]
        if r_need > avail + 1e-9:
            out.append(
                Issue(
                    "warning",
                    "Products",
                    net.address("Products", p, "reserve_share"),
                    f"{p}: reserve_share asks for {r_need:g} of spare capacity outside concern "
                    f"countries, but at most {avail:g} can be built there; no design can meet it",
                )
            )
    return out


# Explaining an infeasible model (model.diagnose)


def conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Reserve requirements (6) that had to give in the elastic model: a reserve share the sites
    outside concern countries cannot hold, and the share it would have to fall to."""
    out: list[Conflict] = []
    for p, t in m.RESERVE_PRODUCTS:
        slack = pyo.value(m.reserve_shortfall[p, t])
        need = reserve_requirement(net.at(t), p)
        if slack <= CONFLICT_TOL * max(1.0, need):
            continue
        total = need / reserve_of(net).share[p]
        can = need - slack
        cell = net.cell("Products", p, "reserve_share")
        unit = net.unit.get(p, "")
        out.append(
            Conflict(
                "reserve",
                p,
                "",
                "",
                need,
                can,
                (cell,),
                f"{when(net, t)}{p}: reserve_share {reserve_of(net).share[p]:.4g} ({cell}) asks for "
                f"{amount(need)} {unit} of spare capacity outside concern countries, but at most "
                f"{amount(can)} can be held there; "
                f"reserve_share would have to fall to {can / total:.4g} (by {amount(slack)} {unit}), or more "
                "capacity outside concern countries be allowed on the Sites sheet.".replace("  ", " "),
            )
        )
    return out
