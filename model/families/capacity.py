"""Sites, builds and modules: constraints (2), (3) and the tightening (T); fixed and module
costs; the Sites table; the capacity invariants."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model import htmlkit as kit
from model.columns import Column, Sheet
from model.families.assumptions import need_is_data
from model.families.common import CONFLICT_TOL, Line, amount, last_period, qty, total, when
from model.families.flows import normal
from model.families.protocol import (
    PERIOD,
    Change,
    Col,
    Conflict,
    Context,
    Equation,
    Extraction,
    Glance,
    Metric,
    Section,
    Table,
    column_names,
    register_cost,
    value,
    with_period,
)
from model.families.verify import TOL, cost_problems, rows_of, site_capacity
from model.issues import Issue
from model.network import NORMAL, Network
from model.sidebyside import differs, num
from model.timeline import capacity_groups

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
            magnitude=True,
        ),
        Column("unit_cost", "number", "Production cost per unit.", minimum=0, unit="money/unit", magnitude=True),
        Column(
            "fixed_cost",
            "number",
            "Cost per year of having the site (existing: always paid; candidate: paid if built; "
            "closable: paid while open).",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/year",
            magnitude=True,
        ),
        Column(
            "module_capacity",
            "number",
            "Capacity added by one expansion module.",
            required=False,
            default=0.0,
            minimum=0,
            unit="units/year",
            magnitude=True,
        ),
        Column(
            "module_cost",
            "number",
            "Cost per year of one module.",
            required=False,
            default=0.0,
            minimum=0,
            unit="money/year",
            magnitude=True,
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
    row_is="site",
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


# The HTML report

SECTION_PLACE = 20
"""Where its section stands in the HTML report: first of the design's answers, what is built."""


def html(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Section]:
    """Its section of the HTML report (``buildout_section``): what to build, where and when."""
    text = buildout_section(tables, facts)
    return [Section(SECTION_PLACE, text)] if text else []


def glance(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Glance]:
    """Its line of the headline, linking to its section: how many sites the plan builds, opens and
    closes, how often it adds modules, and over which periods (``build_plan``)."""
    plan = build_plan(tables, facts)
    if not len(plan):
        return []
    n = {a: int((plan["action"] == a).sum()) for a in ACTIONS}
    when = sorted({str(t) for t in plan["period"] if t is not None and not kit.isnan(t)})
    words = [
        f"{n['build']} new site{'s' if n['build'] != 1 else ''} built" if n["build"] else "",
        f"{n['opens']} coming on line" if n["opens"] else "",
        f"modules added {n['modules']} time{'s' if n['modules'] != 1 else ''}" if n["modules"] else "",
        f"{n['closes']} closed" if n["closes"] else "",
    ]
    period = f" ({when[0]}–{when[-1]})" if len(when) > 1 else f" ({when[0]})" if when else ""
    line = (
        '<li><a href="#buildout">What to build, where and when</a>: '
        + escape(", ".join(w for w in words if w) + period)
        + "</li>"
    )
    return [Glance(SECTION_PLACE, line=line)]


ACTIONS = ("build", "opens", "modules", "closes")
"""The build-out plan's actions, in the order a period lists them."""


PLAN_COLUMNS = [
    "period",
    "action",
    "site",
    "country",
    "product",
    "capacity",
    "modules",
    "fixed_cost",
    "module_cost",
    "why",
]


def build_plan(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> pd.DataFrame:
    """What the design does, one row per step a planner acts on, read from the Sites table:

    * ``build``: a candidate site operates for the first time (in the first period it operates);
    * ``opens``: an existing site starts operating after the first period (its availability
      window opens);
    * ``modules``: a site adds modules (the increase of Sites.modules_added on the period before
      while it operates; ``modules`` how many);
    * ``closes``: a site stops operating: a closable site the model closes (from the first period,
      or later) or a site whose availability window ends.

    ``capacity`` is what the step adds (a build or an opening: the site's capacity without modules;
    modules: module_capacity x their number; a closure: what it had, negative), ``fixed_cost`` the
    site's yearly fixed cost (paid from then on; for a closure, saved: negative) and
    ``module_cost`` the yearly cost of the modules added (blank where the network gave none). Rows
    by period, then action, then product in the workbook's order."""
    sites = tables.get("Sites")
    if sites is None or not len(sites) or not {"site", "built"} <= set(sites.columns):
        return pd.DataFrame(columns=PLAN_COLUMNS)
    has_period = "period" in sites.columns
    order = {p: k for k, p in enumerate(facts.products)}
    rows: list[dict[str, Any]] = []
    for site, g in sites.groupby("site", sort=False):
        g = g.sort_values("period") if has_period else g
        before_built, before_modules, before_capacity = False, 0, 0.0
        s = str(site)
        for k, r in enumerate(g.to_dict("records")):
            t = r["period"] if has_period else None
            built = bool(r["built"])
            modules = int(r.get("modules_added") or 0) if not kit.isnan(r.get("modules_added")) else 0
            status = str(r.get("status", ""))
            candidate = s in facts.candidates or status == "candidate"
            closable = s in facts.closable or status == "closable"
            available = r.get("available", True)
            base = {"period": t, "site": s, "country": str(r.get("country", "")), "product": str(r.get("product", ""))}
            capacity = float(r.get("capacity") or 0.0)
            if built and not before_built and (candidate or k > 0):
                own = facts.capacity.get(s, capacity - modules * facts.module_capacity.get(s, 0.0))
                rows.append(
                    base
                    | {
                        "action": "build" if candidate else "opens",
                        "capacity": own,
                        "modules": 0,
                        "fixed_cost": facts.fixed_cost.get(s),
                        "module_cost": None,
                        "why": "a candidate, built" if candidate else f"available from {t}",
                    }
                )
            if not built and (before_built or (k == 0 and closable and available is not False)):
                rows.append(
                    base
                    | {
                        "action": "closes",
                        "capacity": -(before_capacity if before_built else facts.capacity.get(s, 0.0)),
                        "modules": 0,
                        "fixed_cost": -facts.fixed_cost[s] if s in facts.fixed_cost else None,
                        "module_cost": None,
                        "why": "its availability window ends"
                        if available is False
                        else "closed by the design" + (" from the first period" if k == 0 else ""),
                    }
                )
            added = modules - (before_modules if before_built else 0)
            if built and added > 0:
                rows.append(
                    base
                    | {
                        "action": "modules",
                        "capacity": added * facts.module_capacity[s] if s in facts.module_capacity else None,
                        "modules": added,
                        "fixed_cost": None,
                        "module_cost": added * facts.module_cost[s] if s in facts.module_cost else None,
                        "why": f"{modules} in all",
                    }
                )
            before_built, before_modules, before_capacity = built, modules if built else 0, capacity
    plan = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    if not len(plan):
        return plan
    key = [
        (
            str(type(r.period)) if has_period else "",
            r.period if has_period else 0,
            ACTIONS.index(r.action),
            order.get(r.product, len(order)),
            r.site,
        )
        for r in plan.itertuples()
    ]
    return plan.iloc[sorted(range(len(plan)), key=lambda i: key[i])].reset_index(drop=True)


def _horizon(
    tables: Mapping[str, pd.DataFrame], facts: kit.Facts, periods: list[Any]
) -> dict[Any, tuple[float, float]]:
    """Each period's first year and the first year after it (its ``years`` from the network, else
    from the Timeline table, else up to the next period; the last period one year without either)."""
    years = dict(facts.years)
    timeline = tables.get("Timeline")
    if not years and timeline is not None and {"period", "years"} <= set(timeline.columns):
        years = dict(zip(timeline["period"], timeline["years"]))
    out = {}
    for k, t in enumerate(periods):
        end = periods[k + 1] if k + 1 < len(periods) else None
        n = years.get(t)
        out[t] = (float(t), float(t) + float(n) if n else float(end) if end is not None else float(t) + 1)
    return out


def build_timeline(tables: Mapping[str, pd.DataFrame], facts: kit.Facts, plan: pd.DataFrame) -> str:
    """A Gantt-like chart of the plan: a row per site the plan names (grouped by product), a bar
    while it operates (coloured by its country's bloc; a new build solid, a site that already
    stood pale), ▲ with ``+n`` where modules are added, ✕ where it closes. Needs periods that are
    years."""
    sites = tables.get("Sites")
    if sites is None or "period" not in sites.columns or not len(plan):
        return ""
    periods = sorted(sites["period"].unique().tolist())
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in periods):
        return ""
    span = _horizon(tables, facts, periods)
    end = max(b for _, b in span.values())
    order = {p: k for k, p in enumerate(facts.products)}
    named = list(dict.fromkeys(plan["site"]))
    first = {s: i for i, s in reversed(list(enumerate(plan["site"])))}
    info = sites.drop_duplicates("site").set_index("site")
    named.sort(key=lambda s: (order.get(str(info.at[s, "product"]), len(order)), first[s]))
    colors = facts.bloc_colors()
    built = {s: [t for t, b in zip(g["period"], g["built"], strict=True) if bool(b)] for s, g in sites.groupby("site")}
    bars: dict[tuple[str, bool], dict[str, list[Any]]] = {}
    for s in named:
        country, product = str(info.at[s, "country"]), str(info.at[s, "product"])
        bloc = facts.bloc.get(country, country)
        new = s in facts.candidates or str(info.at[s, "status"] if "status" in info.columns else "") == "candidate"
        runs: list[list[Any]] = []
        for t in sorted(built.get(s, [])):
            if runs and periods.index(t) == periods.index(runs[-1][-1]) + 1:
                runs[-1].append(t)
            else:
                runs.append([t])
        for run in runs:
            a, b = span[run[0]][0], span[run[-1]][1]
            trace = bars.setdefault((bloc, new), {"x": [], "base": [], "y": [], "text": [], "hover": []})
            trace["x"].append(b - a)
            trace["base"].append(a)
            trace["y"].append(s)
            trace["text"].append(product)
            fixed = facts.fixed_cost.get(s)
            cost = f"<br>fixed cost {kit.money(fixed, facts.currency)} a year" if fixed else ""
            trace["hover"].append(
                escape(f"{s}: {product} in {country} ({bloc})") + f"<br>operates {int(a)}–{int(b) - 1}{escape(cost)}"
            )
    data: list[dict[str, Any]] = []
    shown: set[str] = set()
    for (bloc, new), t in bars.items():
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": escape(f"{bloc}" + ("" if new else " (already standing)")),
                "legendgroup": escape(bloc),
                "showlegend": (bloc, new) not in shown,
                "x": t["x"],
                "base": t["base"],
                "y": [escape(y) for y in t["y"]],
                "text": [escape(x) for x in t["text"]],
                "textposition": "inside",
                "insidetextanchor": "end",
                "textfont": {"size": 10},
                "customdata": t["hover"],
                "hovertemplate": "%{customdata}<extra></extra>",
                "marker": {"color": kit.rgba(colors.get(bloc, kit.POOL_COLOR), 0.9 if new else 0.35)},
            }
        )
        shown.add((bloc, new))
    for action, symbol, color, text in (
        ("modules", "triangle-up", "#222", "+{n}"),
        ("closes", "x", kit.UNSERVED_COLOR, "closes"),
    ):
        part = plan[plan["action"] == action]
        if not len(part):
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "modules added" if action == "modules" else "closes",
                "x": [span[t][0] for t in part["period"]],
                "y": [escape(s) for s in part["site"]],
                "text": [text.format(n=int(m)) for m in part["modules"]],
                "textposition": "middle right",
                "textfont": {"size": 10, "color": color},
                "marker": {"symbol": symbol, "size": 10, "color": color, "line": {"width": 1, "color": color}},
                "customdata": [escape(_plan_hover(r, facts)) for r in part.to_dict("records")],
                "hovertemplate": "%{customdata}<extra></extra>",
            }
        )
    layout = kit.layout(
        height=110 + 24 * len(named),
        barmode="overlay",
        xaxis={
            "range": [periods[0] - 0.3, end + 0.3],
            "tickvals": [*periods, end],
            "ticktext": [str(t) for t in periods] + [f"{int(end)}"],
            "title": {"text": "year (the first year of each period)"},
            "showgrid": True,
            "gridcolor": "#ddd",
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": [escape(s) for s in reversed(named)],
            "automargin": True,
        },
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 20, "t": 60, "b": 50},
    )
    return (
        '<h3>Build-out over time</h3><p class="caption">A bar while a site operates (solid: built by the plan, '
        "pale: a site that already stood), its product written in it; ▲ modules added; ✕ closed.</p>"
        + kit.plot_div("buildout-gantt", data, layout)
    )


def _plan_hover(r: Mapping[str, Any], facts: kit.Facts) -> str:
    what = {
        "build": "built",
        "opens": "opens",
        "closes": "closes",
        "modules": f"+{int(r['modules'])} module{'s' if r['modules'] != 1 else ''}",
    }
    money = [
        f"{label} {kit.money(abs(float(v)), facts.currency)} a year"
        for label, v in (("fixed cost", r.get("fixed_cost")), ("module cost", r.get("module_cost")))
        if v is not None and not kit.isnan(v)
    ]
    return f"{r['site']} {what[str(r['action'])]} in {r['period']}" + (": " + ", ".join(money) if money else "")


def _plan_row(r: Mapping[str, Any], facts: kit.Facts) -> list[kit.Cell]:
    unit = facts.unit.get(str(r["product"]), "")
    cap = r.get("capacity")
    capacity = (
        "" if cap is None or kit.isnan(cap) else f"{'+' if float(cap) > 0 else '−'}{kit.qty(abs(float(cap)))} {unit}"
    )
    fixed, module = r.get("fixed_cost"), r.get("module_cost")

    def money(v: Any, saved: bool = False) -> str:
        if v is None or kit.isnan(v):
            return ""
        return ("saves " if saved else "") + kit.money(abs(float(v)), facts.currency)

    action = {
        "build": "build",
        "opens": "opens",
        "closes": "closes",
        "modules": f"+{int(r['modules'])} module{'s' if int(r['modules']) != 1 else ''}",
    }[str(r["action"])]
    bloc = facts.bloc.get(str(r["country"]), "")
    return [
        kit.Cell("" if r["period"] is None or kit.isnan(r["period"]) else str(r["period"])),
        kit.Cell(action, css=f"act-{r['action']}"),
        kit.Cell(str(r["site"])),
        kit.Cell(str(r["country"]) + (f" ({bloc})" if bloc and bloc != r["country"] else "")),
        kit.Cell(str(r["product"])),
        kit.Cell(capacity, css="num"),
        kit.Cell(money(fixed, saved=r["action"] == "closes"), css="num"),
        kit.Cell(money(module), css="num"),
        kit.Cell(str(r.get("why") or "")),
    ]


def buildout_section(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """What to build, where and when: the plan as a Gantt-like chart and a table (each step with
    its capacity, fixed and module cost), then the capacity in place, one panel per product."""
    plan = build_plan(tables, facts)
    capacity = capacity_panels(tables, facts)
    if not len(plan) and not capacity:
        return ""
    cur = facts.currency
    parts = []
    if len(plan):
        fixed = plan.loc[plan["action"].isin(["build", "opens"]), "fixed_cost"].dropna().astype(float).sum()
        modules = plan["module_cost"].dropna().astype(float).sum()
        parts.append(
            f"<p>{len(plan)} step{'s' if len(plan) != 1 else ''}: new sites and openings add "
            f"{escape(kit.money(fixed, cur))} a year in fixed costs, "
            f"modules {escape(kit.money(modules, cur))} "
            "a year (from the period each is added; a closure saves its fixed cost). Hover over a bar or a mark "
            "for the site's costs.</p>"
        )
        parts.append(build_timeline(tables, facts, plan))
        header = [
            "period",
            "action",
            "site",
            "country (bloc)",
            "product",
            "capacity",
            f"fixed cost ({cur} a year)",
            f"module cost ({cur} a year)",
            "why",
        ]
        rows = [_plan_row(r, facts) for r in plan.to_dict("records")]
        parts.append(kit.grid([[kit.Cell(h, header=True) for h in header]], rows, table_id="build-plan", scroll=True))
    else:
        parts.append('<p class="ok">Nothing is built, opened or closed, and no module is added.</p>')
    if capacity:  # the Timeline sheet's capacity, period by period
        parts.append(f'<div id="timeline">{capacity}</div>')
    return '<section id="buildout"><h2>What to build, where and when</h2>' + "".join(parts) + "</section>"


def capacity_panels(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """Capacity in place per period, one small panel per product in its own unit (stacked by bloc,
    the concern blocs red): quantities of different products are never added. From the Timeline
    table's capacity columns (hubs not counted) when there is one, else from Sites."""
    groups: dict[str, dict[str, list[float]]] = {}
    periods: list[Any] = []

    timeline = tables.get("Timeline")
    if timeline is not None and len(timeline) and capacity_groups(timeline):
        periods = timeline["period"].tolist()
        for product, cols in capacity_groups(timeline).items():
            groups[product] = {bloc: timeline[c].astype(float).tolist() for bloc, c in cols}
    else:
        sites = tables.get("Sites")
        if sites is None or not len(sites) or "period" not in sites.columns or "capacity" not in sites.columns:
            return ""
        periods = sorted(sites["period"].unique().tolist())
        s = sites.assign(bloc=[facts.bloc.get(str(c), str(c)) for c in sites["country"]])
        by = s.groupby(["product", "bloc", "period"])["capacity"].sum()
        products = list(dict.fromkeys([*(p for p in facts.products if p in set(s["product"])), *s["product"]]))
        for p in products:
            unit = facts.unit.get(str(p), "")
            label = f"{p} ({unit})" if unit else str(p)
            blocs = [b for b in dict.fromkeys([*facts.bloc_colors(), *s["bloc"]]) if (p, b) in by.index.droplevel(2)]
            groups[label] = {b: [float(by.get((p, b, t), 0.0)) for t in periods] for b in blocs}
    if not groups or not periods:
        return ""
    from plotly.subplots import make_subplots

    n = len(groups)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    panel = 210
    height = 90 + rows * panel
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[escape(label) for label in groups],
        horizontal_spacing=0.06,
        vertical_spacing=min(0.3, 70 / height) if rows > 1 else 0.1,
    )
    colors = facts.bloc_colors()
    shown: set[str] = set()
    x = [str(t) for t in periods]
    for k, (label, blocs) in enumerate(groups.items()):
        for bloc, values in blocs.items():
            fig.add_trace(
                {
                    "type": "bar",
                    "name": escape(bloc),
                    "legendgroup": escape(bloc),
                    "showlegend": bloc not in shown,
                    "x": x,
                    "y": values,
                    "marker": {"color": colors.get(bloc, kit.POOL_COLOR)},
                    "hovertemplate": f"{escape(label)}<br>%{{x}}: %{{y:,.4~g}}<extra>{escape(bloc)}</extra>",
                },
                row=k // cols + 1,
                col=k % cols + 1,
            )
            shown.add(bloc)
    fig.update_layout(
        kit.layout(
            "Capacity in place per period, one panel per product in its own unit (stacked by bloc)",
            height=height,
            barmode="stack",
            legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "yref": "container"},
            margin={"l": 50, "r": 20, "t": 90, "b": 30},
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero", tickformat="~s")
    fig.update_annotations(font={"size": 11})
    figure = fig.to_plotly_json()
    return kit.plot_div("timeline-capacity", figure["data"], figure["layout"])


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def warnings(net: Network) -> list[Issue]:
    """The capacity's warnings on the assembled network: a min_output whose output can reach no
    pool, or whose inputs cannot arrive."""
    return check_min_output_reachable(net)


def check_min_output_reachable(net: Network) -> list[Issue]:
    """A site with a ``min_output`` whose output can reach no pool (no arc leaves it), or one of
    whose recipe's inputs nothing can deliver to its country: it cannot make its minimum, so any
    design in which it operates is infeasible (the solve then explains it, exit 3)."""
    leaving = {s for s, _ in net.arcs}
    delivered = {(net.site_product[s], mk) for s, mk in net.arcs if net.max_capacity(s) > 0}
    out: list[Issue] = []
    available = set(net.sites)  # with periods, S(t): a site not yet (or no longer) available owes nothing
    for s, share in net.min_output.items():
        if s not in available or net.max_capacity(s) <= 0:
            continue
        c = net.site_country[s]
        short = [i for i, _ in net.inputs_of.get(s, []) if s not in net.hubs and (i, c) not in delivered]
        if s not in leaving:
            why = f"its {net.site_product[s]} can reach no market or plant (no demand it may supply, no lane)"
        elif short:
            why = f"nothing can deliver its input {', '.join(short)} to {c}"
        else:
            continue
        out.append(
            Issue(
                "warning",
                "Sites",
                net.address("Sites", s, "min_output"),
                f"site '{s}' must make {share:.0%} of its capacity while it operates (min_output), but {why}; "
                "a design that keeps it operating is infeasible (lower min_output, or add a Lanes or Sites row)",
            )
        )
    return out


# Explaining an infeasible model (model.diagnose)


def conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Minimum outputs (2b) that had to give: a site that must make a share of its capacity while
    it operates, but whose output the network cannot take (no market or plant it may reach wants
    that much, under the caps) or cannot make (its inputs cannot reach it)."""
    out: list[Conflict] = []
    for s, t in m.MIN_OUTPUT_SITES:
        slack = pyo.value(m.min_output_shortfall[s, t])
        need = net.min_output[s] * pyo.value(site_capacity_expr(m, net, s, t))
        if slack <= CONFLICT_TOL * max(1.0, need):
            continue
        can = need - slack
        cell = net.cell("Sites", s, "min_output")
        unit = net.unit.get(net.site_product[s], "")
        operating = (
            "always operates (existing)" if s not in net.decided else "operates in the design that comes closest"
        )
        out.append(
            Conflict(
                "min_output",
                net.site_product[s],
                "",
                "",
                need,
                can,
                (cell,),
                f"{when(net, t)}site '{s}' {operating} and must make {amount(need)} {unit} "
                f"(min_output {net.min_output[s]:.4g}, {cell}), but the network can take or make at most "
                f"{amount(can)} of it (demand it may reach, its inputs, the caps); min_output would have to "
                f"fall to {net.min_output[s] * can / need if need > 0 else 0:.4g}, or a lane or market be added "
                "for its output.".replace("  ", " "),
            )
        )
    return out
