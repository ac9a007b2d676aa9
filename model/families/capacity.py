"""Sites, builds and modules: constraints (2), (3) and the tightening (T); fixed and module
costs; the Sites table; the capacity invariants."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column, Sheet
from model.families.assumptions import need_is_data
from model.families.common import Line, qty, total
from model.families.flows import normal
from model.families.protocol import (
    PERIOD,
    Change,
    Col,
    Context,
    Equation,
    Extraction,
    Metric,
    Table,
    column_names,
    register_cost,
    value,
    with_period,
)
from model.families.verify import TOL, cost_problems, rows_of, site_capacity
from model.network import NORMAL, Network
from model.sidebyside import differs, num

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

SITES = Sheet(
    name="Sites",
    description="Production sites: existing plants, and candidates that may be built.",
    columns=(
        Column("site", "name", "Name."),
        Column("country", "name", "Where it is.", ref="country"),
        Column("product", "name", "What it makes.", ref="product"),
        Column(
            "status",
            "choice",
            "An existing site always operates; a candidate operates only if the model builds it; a "
            "closable site operates today and the model may close it (its fixed cost is then saved).",
            choices=("existing", "candidate", "closable"),
        ),
        Column(
            "capacity",
            "number",
            "Base capacity per year (for a candidate: once built).",
            minimum=0,
            unit="units/year",
        ),
        Column("unit_cost", "number", "Production cost per unit.", minimum=0, unit="money/unit"),
        Column(
            "fixed_cost",
            "number",
            "Cost per year of having the site (existing: always paid; candidate: paid if built; "
            "closable: paid while open).",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/year",
        ),
        Column(
            "module_capacity",
            "number",
            "Capacity added by one expansion module.",
            required=False,
            default=0.0,
            minimum=0,
            unit="units/year",
        ),
        Column(
            "module_cost",
            "number",
            "Cost per year of one module.",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/year",
        ),
        Column(
            "max_modules",
            "integer",
            "Most modules that may be added (a candidate needs to be built first).",
            required=False,
            default=0,
            minimum=0,
        ),
        Column(
            "min_output",
            "share",
            "Share of its capacity in the period (base plus modules in place) that the site must "
            "make in a normal year while it operates: take-or-pay and offtake contracts, must-run "
            "plants; what makes today's trade reproduce itself. Its output has to go somewhere: a "
            "minimum the network cannot absorb makes the design infeasible (explained).",
            required=False,
            default=0.0,
        ),
    ),
    required=True,
    key=("site",),
    place=30,
)


SHEETS = (SITES,)
"""The input sheets this family declares (``model.schema``)."""

TABLES = (
    Table(
        "Sites",
        "one row per site and period: the design and how it runs in the normal year",
        ("period", "site"),
        (
            PERIOD,
            Col("site", "name", "the site"),
            Col("country", "name", "its country"),
            Col("product", "name", "what it makes (a hub: passes on)"),
            Col("status", "text", "existing, candidate or closable"),
            Col("built", "bool", "whether it operates (a candidate built, a closable site kept open)"),
            Col("modules_added", "count", "expansion modules in place"),
            Col("capacity", "quantity", "capacity in place (base when it operates, plus modules)"),
            Col("production", "quantity", "what it makes (a hub: passes on) in the normal year"),
            Col("utilization", "share", "production / capacity"),
            Col("reserve", "quantity", "capacity held in reserve (released in a crisis)"),
            Col("spare", "quantity", "capacity - production, the reserve included"),
            Col("concern", "bool", "whether its output is concern supply (Sites.concern, else its country)"),
            Col("available", "bool", "whether the period is inside its available_from..until", when="with periods"),
        ),
        place=20,
        units="product",
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS = (
    Equation(
        "2, 8",
        (
            "`Σ_m x[s,m,w] + [w normal]·r[s] ≤ (1 − loss^w[s])·cap[s]`, every site and scenario (`loss` 0 in"
            " the normal year; the reserve, through `ctx.capacity_use`, in the normal year only: a crisis "
            "releases it)"
        ),
        ("site_capacity",),
        "Sites, Disruptions",
    ),
    Equation(
        "2b",
        (
            "`Σ_m x[s,m,normal] + σ^o_s ≥ min_output[s]·cap[s]`, normal year only, every site with a minimum"
            " output (`cap` is 0 where `s` does not operate: an unbuilt or closed site owes nothing)"
        ),
        ("min_output",),
        "Sites.`min_output`",
    ),
    Equation(
        "3",
        "`n[s] ≤ max_modules[s]·b[s]`, s ∈ S_c ∩ S_n",
        ("modules_need_build",),
        "Sites.`max_modules`",
    ),
    Equation(
        "T",
        (
            "`x[s,m,w] ≤ min(D[p,m]·f^w, capacity[s] + module_capacity[s]·max_modules[s])·b[s]`, s ∈ S_b, "
            "every scenario, where `need_is_data(p(s))`"
        ),
        ("flow_needs_build",),
        "Sites, Demand, Shocks",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "CANDIDATES": ("site", "period"),
    "MODULE_SITES": ("site", "period"),
    "build": ("site", "period"),
    "modules": ("site", "period"),
    "site_capacity": ("site", "period", "scenario"),
    "modules_need_build": ("site", "period"),
    "flow_needs_build": ("site", "market", "period", "scenario"),
    "MIN_OUTPUT_SITES": ("site", "period"),
    "min_output": ("site", "period"),
    "min_output_shortfall": ("site", "period"),
    "cost_fixed": ("period",),
    "cost_modules": ("period",),
}


def module_sites(net: Network) -> list[str]:
    """Sites that may add expansion modules (max_modules > 0 and module_capacity > 0)."""
    return [s for s in net.sites if net.max_modules[s] > 0 and net.module_capacity[s] > 0]


def site_capacity_expr(m: pyo.ConcreteModel, net: Network, s: str, t: int) -> object:
    """cap[s,t] = capacity[s] * b[s,t] + module_capacity[s] * n[s,t]  (b = 1 for existing sites;
    b is a decision for candidate and closable sites)."""
    base = net.capacity[s] * (m.build[s, t] if (s, t) in m.CANDIDATES else 1)
    if (s, t) in m.MODULE_SITES:
        return base + net.module_capacity[s] * m.modules[s, t]
    return base


def site_status(net: Network, s: str) -> str:
    """Sites.status of s: existing, candidate or closable."""
    if s in net.candidates:
        return "candidate"
    return "closable" if s in net.closable else "existing"


def tightening_arcs(ctx: Context, t: int, w: str = NORMAL) -> list[tuple[str, str]]:
    """Candidate arcs (s, m) of period t and scenario w that get the tightening (T): where
    ``need_is_data(p(s))`` holds, and only when the model is built with tightenings."""
    net = ctx.at(t, w)
    if not ctx.tighten:
        return []
    cand = set(net.decided)
    return [(s, mk) for s, mk in net.arcs if s in cand and need_is_data(net, net.site_product[s])]


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Variables b[s,t] (``build``), n[s,t] (``modules``); constraints (2, 8), (3), tightening (T).

    (2, 8)  sum_m x[s,m,t,w] + [w normal] r[s,t] <= (1 - loss^w[s]) cap[s,t]   each site and scenario
    (2b)    sum_m x[s,m,t,normal] >= min_output[s] * cap[s,t]    sites with a minimum output
    (3)     n[s,t] <= max_modules[s] * b[s,t]                  for decided sites with modules
    (T)     x[s,m,t,w] <= min(D[p,m] f^w, capacity[s] + module_capacity[s] max_modules[s]) * b[s,t]
                        for arcs of decided sites where need_is_data(p(s)) (``tightening_arcs``)

    loss^w is 0 in the normal year; the reserve r takes capacity in the normal year only (it is
    registered in ``ctx.capacity_use`` by ``reserve``: a crisis releases it). (2b) binds the normal
    year only, and cap[s,t] is 0 where s does not operate, so an unbuilt or closed site owes
    nothing; with ``ctx.elastic`` its slack ``min_output_shortfall`` may be positive (its violation
    relative to the minimum joins the elastic objective, to explain infeasibility).

    b[s,t] exists for the decided sites (``Network.decided``): candidates (1: built) and closable
    sites (1: kept open, 0: closed, its fixed cost saved). Yearly costs: fixed (existing sites'
    fixed cost is a constant; decided sites pay fixed_cost * b), modules.
    ``flows`` and ``reserve`` must be built first (x and r appear in (2)).
    """
    net, periods = ctx.net, ctx.periods
    m.CANDIDATES = pyo.Set(
        dimen=2,
        initialize=[(s, t) for t in periods for s in ctx.at(t).decided],
        ordered=True,
        doc="(S_c + closable) x T: sites whose operation is decided, in the periods they are available",
    )
    m.MODULE_SITES = pyo.Set(
        dimen=2,
        initialize=[(s, t) for t in periods for s in module_sites(ctx.at(t))],
        ordered=True,
        doc="sites that may add modules",
    )
    m.build = pyo.Var(
        m.CANDIDATES, within=pyo.Binary, doc="b[s,t]: site s operates (a candidate built, a closable site kept)"
    )
    m.modules = pyo.Var(
        m.MODULE_SITES,
        within=pyo.NonNegativeIntegers,
        bounds=lambda _m, s, t: (0, net.max_modules[s]),
        doc="n[s,t]: expansion modules added at s",
    )

    x = dict(m.flow.items())

    def capacity_rule(_m: pyo.ConcreteModel, s: str, t: int, w: str) -> object:
        used = [x[s, mk, t, w] for mk in ctx.adj_at(t, w).arcs_from[s]]
        used += ctx.capacity_use.get((s, t, w), ())
        if not used:  # a site with no arcs (so no reserve either): nothing to limit
            return pyo.Constraint.Skip
        left = 1 - ctx.loss(s, w)
        return total(used) <= left * site_capacity_expr(m, net, s, t)

    m.site_capacity = pyo.Constraint(
        [(s, t, w) for t, w in ctx.cases for s in ctx.at(t).sites],
        rule=capacity_rule,
        doc="(2, 8) production (and, in the normal year, the reserve) within the capacity left",
    )
    m.MIN_OUTPUT_SITES = pyo.Set(
        dimen=2,
        initialize=[(s, t) for t in periods for s in ctx.at(t).sites if net.min_output.get(s, 0.0) > 0],
        ordered=True,
        doc="sites with a minimum output (Sites.min_output > 0), in the periods they are available",
    )
    m.min_output_shortfall = pyo.Var(
        m.MIN_OUTPUT_SITES,
        within=pyo.NonNegativeReals,
        bounds=(0, None if ctx.elastic else 0),
        doc="slack of (2b); held at 0 unless the model is built elastic to explain infeasibility",
    )

    def min_output_rule(_m: pyo.ConcreteModel, s: str, t: int) -> object:
        made = total([x[s, mk, t, NORMAL] for mk in ctx.adj_at(t).arcs_from[s]])
        return made + m.min_output_shortfall[s, t] >= net.min_output[s] * site_capacity_expr(m, net, s, t)

    m.min_output = pyo.Constraint(
        m.MIN_OUTPUT_SITES, rule=min_output_rule, doc="(2b) a normal year's output >= min_output * capacity"
    )
    if ctx.elastic:
        ctx.violations += [
            m.min_output_shortfall[s, t] / max(net.min_output[s] * net.max_capacity(s), 1.0)
            for s, t in m.MIN_OUTPUT_SITES
        ]
    cand = set(net.decided)
    m.modules_need_build = pyo.Constraint(
        [(s, t) for t in periods for s in module_sites(ctx.at(t)) if s in cand],
        rule=lambda _m, s, t: m.modules[s, t] <= net.max_modules[s] * m.build[s, t],
        doc="(3) modules only at built candidates",
    )
    b = dict(m.build.items())
    m.flow_needs_build = pyo.Constraint(
        [(s, mk, t, w) for t, w in ctx.cases for s, mk in tightening_arcs(ctx, t, w)],
        rule=lambda _m, s, mk, t, w: (
            x[s, mk, t, w]
            <= min(ctx.at(t, w).positive_demand[(net.site_product[s], mk)], net.max_capacity(s)) * b[s, t]
        ),
        doc="(T) valid tightening where need is data: flow from a candidate only if built",
    )
    register_cost(
        m,
        ctx,
        "fixed",
        "fixed",
        lambda t: (
            sum(net.fixed_cost[s] for s in ctx.at(t).sites if s not in cand)
            + sum(net.fixed_cost[s] * b[s, t] for s in ctx.at(t).decided)
        ),
        "sum fixed_cost[s] * b[s,t] (existing sites: always paid; closable: while open)",
    )
    register_cost(
        m,
        ctx,
        "modules",
        "modules",
        lambda t: sum(net.module_cost[s] * m.modules[s, t] for s in module_sites(ctx.at(t))),
        "sum module_cost[s] * n[s,t]",
    )


SITE_COLUMNS = column_names(TABLES, "Sites", "available")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Sites: one row per site and period (design, capacity, production, reserve, spare)."""
    net = ctx.net
    production: dict[tuple[str, int], float] = defaultdict(float)
    for (s, _, t), var in normal(m.flow).items():
        q = value(var)
        if q > 1e-9:
            production[(s, t)] += q
    rows = []
    for t in ctx.periods:
        available = set(ctx.at(t).sites)
        for s in net.sites:
            cand = (s, t) in m.CANDIDATES
            built = s in available and ((round(value(m.build[s, t])) == 1) if cand else True)
            mods = round(value(m.modules[s, t])) if (s, t) in m.MODULE_SITES else 0
            cap = (net.capacity[s] if built else 0.0) + net.module_capacity[s] * mods
            prod = production[(s, t)]
            row = {
                "site": s,
                "country": net.site_country[s],
                "product": net.site_product[s],
                "status": site_status(net, s),
                "built": built,
                "modules_added": mods,
                "capacity": cap,
                "production": prod,
                "utilization": prod / cap if cap > 0 else 0.0,
                "reserve": value(m.reserve[s, t]) if (s, t) in m.RESERVE_SITES else 0.0,
                "spare": max(cap - prod, 0.0),
                "concern": s in net.concern_sites,
            }
            if net.shows_periods:
                row["available"] = s in available
            rows.append(with_period(row, t))
    out.tables["Sites"] = pd.DataFrame(rows)


def check(res: Any, net: Network) -> list[str]:
    """Production + reserve <= capacity; production >= min_output * capacity (2b: the Flows are
    the normal year's); modules within bounds and only at built sites; the fixed and module costs
    recompute from the Sites table."""
    sites = res["Sites"]
    cap = site_capacity(net, sites)
    prod: dict[str, float] = defaultdict(float)
    for site, q in rows_of(res["Flows"], "site", "quantity"):
        prod[site] += q
    out = []
    for site, built, mods, reserve in rows_of(sites, "site", "built", "modules_added", "reserve"):
        c = cap[site]
        if c != c:  # nan
            out.append(f"{site}: {mods} modules exceed max_modules {net.max_modules[site]}")
            continue
        if mods > 0 and not built:
            out.append(f"{site}: modules added at a site that is not built")
        used = prod.get(site, 0.0) + reserve
        if used > c + TOL * max(1.0, c):
            out.append(f"{site}: production {prod.get(site, 0.0):g} + reserve {reserve:g} exceeds capacity {c:g}")
        least = net.min_output.get(site, 0.0) * c if site in net.sites else 0.0
        if prod.get(site, 0.0) < least - TOL * max(1.0, least):
            out.append(
                f"{site}: production {prod.get(site, 0.0):g} is below its minimum output {least:g} "
                f"(min_output {net.min_output[site]:g} of capacity {c:g})"
            )
    design = list(rows_of(sites, "site", "built", "modules_added"))
    out += cost_problems(res, "fixed", float(sum(net.fixed_cost[s] for s, built, _ in design if built)))
    out += cost_problems(res, "modules", float(sum(net.module_cost[s] * mods for s, _, mods in design)))
    return out


SUMMARY_MEANINGS = {
    "candidates_built": "candidate sites the design builds",
    "sites_closed": "closable sites the design closes (their fixed cost saved)",
    "modules_added": "expansion modules the design adds, in all",
}


def last_period(table: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """A table's rows of its last period, and that period (None where it has no ``period``)."""
    if not len(table) or "period" not in table.columns:
        return table, None
    last = table["period"].iloc[-1]
    return table[table["period"] == last], last


def summary(tables: dict[str, pd.DataFrame], net: Network) -> list[Metric]:
    """The design in the Summary (with periods, the design in place in the last period): the
    candidates built, the closable sites closed (in their window) and the modules added."""
    sites = tables.get("Sites")
    if sites is None or not len(sites):
        return []
    sites, last = last_period(sites)

    def metric(name: str, value: Any) -> Metric:
        return Metric(name, value, SUMMARY_MEANINGS[name], last, "Sites")

    built = sites[(sites["status"] == "candidate") & sites["built"]]
    out = [metric("candidates_built", ", ".join(built["site"]) or "none")]
    closed = sites[(sites["status"] == "closable") & ~sites["built"].astype(bool)]
    if "available" in closed.columns:  # with periods: closed by the design, not outside its window
        closed = closed[closed["available"].astype(bool)]
    if (sites["status"] == "closable").any():
        out.append(metric("sites_closed", ", ".join(dict.fromkeys(closed["site"])) or "none"))
    out.append(metric("modules_added", int(sites["modules_added"].sum())))
    return out


def console(line: Line, net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """The design on the console (with periods, in place in the last period): built, closed,
    modules added, reserve held."""
    sites = tables["Sites"]
    if "period" in sites.columns:  # the design in place in the last period
        last = net.periods[-1].year
        line(f"In the last period ({last}):")
        sites = sites[sites["period"] == last]
    built = sites[(sites["status"] == "candidate") & sites["built"]]
    mods = sites[sites["modules_added"] > 0]
    line("Built: " + (", ".join(built["site"]) if len(built) else "no candidate sites"))
    closed = sites[(sites["status"] == "closable") & ~sites["built"].astype(bool)]
    if "available" in closed.columns:  # with periods: closed by the design, not outside its window
        closed = closed[closed["available"].astype(bool)]
    if len(closed):
        line("Closed: " + ", ".join(closed["site"]))
    if len(mods):
        line("Modules added: " + ", ".join(f"{r.site} +{r.modules_added}" for r in mods.itertuples()))
    reserve = sites[sites["reserve"] > 1e-9]
    if len(reserve):
        line(
            "Reserve held: "
            + ", ".join(
                f"{r.site} {qty(r.reserve)} {net.unit.get(r.product, '')}".rstrip() for r in reserve.itertuples()
            )
        )


COMPARED_KEYS = ["site", "country", "product", "status"]
"""The Sites columns that name a site in a comparison (matched by ``site``)."""
COMPARED = ["built", "modules_added", "capacity", "production", "reserve"]
"""The Sites columns compared across runs."""


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], pk: list[str]) -> dict[str, pd.DataFrame]:
    """Sites of two runs side by side (``_side_by_side``), by name and (``pk``) period."""
    return {"Sites": _side_by_side(a["Sites"], b["Sites"], pk)}


def _side_by_side(a: pd.DataFrame, b: pd.DataFrame, pk: list[str] | None = None) -> pd.DataFrame:
    """Sites side by side by name (and period: ``pk``), with ``present``: both, only in A, only in B."""
    pk = pk or []
    a = a[pk + COMPARED_KEYS + COMPARED]
    b = b[pk + COMPARED_KEYS + COMPARED]
    sites = a.merge(b, on=[*pk, "site"], how="outer", suffixes=("_A", "_B"), indicator=True)
    for k in COMPARED_KEYS[1:]:
        sites[k] = sites[f"{k}_A"].where(sites[f"{k}_A"].notna(), sites[f"{k}_B"])
    sites["present"] = sites["_merge"].map({"both": "both", "left_only": "only in A", "right_only": "only in B"})
    cols = [*pk, "site", "country", "product", "status", "present"]
    cols += [f"{c}_{x}" for c in COMPARED for x in "AB"]
    names = list(dict.fromkeys([*a["site"], *b["site"]]))
    order = {s: i for i, s in enumerate(names)}
    sites = sites[cols].sort_values([*pk, "site"], key=lambda col: col.map(order) if col.name == "site" else col)
    sites = sites.reset_index(drop=True)
    sites["present"] = sites["present"].astype(str)
    return sites


def _built(v: Any) -> str:
    return "built" if v else "not built"


def changes(compared: dict[str, pd.DataFrame]) -> list[Change]:
    """The design's changes in words: sites new or removed, built or closed, and their modules,
    capacity, reserve, production (each with its period)."""
    sites = compared.get("Sites")
    if sites is None:
        return []
    lines: list[Change] = []
    for r in sites.itertuples():
        period = getattr(r, "period", None)
        if r.present == "only in B":
            lines.append(
                Change(
                    f"{r.site}: new site in B ({r.status}, {'built' if r.built_B else 'not built'}, "
                    f"capacity {num(r.capacity_B)}, production {num(r.production_B)})",
                    period,
                )
            )
            continue
        if r.present == "only in A":
            lines.append(
                Change(
                    f"{r.site}: removed in B (in A: {'built' if r.built_A else 'not built'}, "
                    f"capacity {num(r.capacity_A)}, production {num(r.production_A)})",
                    period,
                )
            )
            continue
        words = []
        if differs(r.built_A, r.built_B):
            words.append(f"{_built(r.built_B)} in B ({_built(r.built_A)} in A)")
        for col, label in (
            ("modules_added", "modules"),
            ("capacity", "capacity"),
            ("reserve", "reserve"),
            ("production", "production"),
        ):
            x, y = getattr(r, f"{col}_A"), getattr(r, f"{col}_B")
            if differs(x, y):
                words.append(f"{label} {num(x)} -> {num(y)}")
        if words:
            lines.append(Change(f"{r.site}: " + "; ".join(words), period))
    return lines
