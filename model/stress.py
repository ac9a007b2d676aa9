"""The stress atlas: lose each country in turn, with the design fixed (``docs/contract/run.md``,
Stress).

After the solve, for every country that has a site, the atlas asks what a year without that
country's production costs and leaves unserved, in every period: all of its sites lose all their
capacity, as a crisis of its own (no closures, no demand shock, no ``max_shortfall``: the table
shows what is left, not whether it is enough), under the workbook's ``caps_in_scenarios``, with
the stock held available to draw. The design is the solve's: what operates (``b``) and the
modules in place (``n``) per period, and the stock held (``q``), are fixed, so each case is a
linear programme. The cases share one: the network with one crisis in which nothing is lost yet
(``lose_one``), built by the same ``build_model`` as every run, its design fixed, compiled and
handed to HiGHS once (``model.solve.Prepared``); a case bounds the flows of the lost country's
sites in the crisis at 0 (what a capacity loss of 1 does, ``lose``) and solves it again, from a
cold start, for W[t]·(normal year + the loss)/2: with the design fixed the two parts separate, so
the loss's flows are its cheapest response, and its extra cost is read against the normal year
of the same LP.

The cases are independent: they run in this process for a small network (``progress`` after each
case), else in groups, one shared LP per worker process (``workers``) or Dask worker.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.build import build_model
from model.families.protocol import EXPECTED_DISRUPTION_LABEL, PERIOD, Col, Table, by_case
from model.families.scenarios import yearly_costs
from model.network import Network
from model.parallel import call, run_each
from model.solve import Prepared, SolveOptions

TABLES = (
    Table(
        "StressSummary",
        "one row per period and country lost for a year (the stress atlas, with the design fixed): what "
        "the loss adds to a normal year and the market it hurts most",
        ("period", "lost"),
        (
            PERIOD,
            Col("lost", "name", "the country lost (every site in it, for a year)"),
            Col("extra_cost", "money", "what the loss adds to the period's normal yearly cost"),
            Col("worst_market", "name", "the market served least (blank: every market served in full)"),
            Col("worst_product", "name", "its product"),
            Col("worst_served_share", "share", "the share of its demand served"),
            Col("normal_cost", "money", "the period's normal yearly cost, the design fixed"),
            Col("status", "text", "the status of the case's solve (no solution: said here)"),
        ),
        when="with --stress or Settings.stress_test countries",
        place=200,
    ),
    Table(
        "Stress",
        "one row per period, country lost, product and market with demand: what is served when the "
        "country is lost for a year, the design fixed and the stock held drawn",
        ("period", "lost", "product", "market"),
        (
            PERIOD,
            Col("lost", "name", "the country lost"),
            Col("product", "name", "the product"),
            Col("market", "name", "the market"),
            Col("demand", "quantity", "its demand in the period"),
            Col("served", "quantity", "what is delivered to it with the country lost"),
            Col("stock_drawn", "quantity", "the strategic stock drawn for it"),
            Col("unmet", "quantity", "demand left unserved"),
            Col("served_share", "share", "served / demand"),
            Col("extra_cost", "money", "what the loss adds to the period's normal yearly cost (the whole case's)"),
        ),
        when="with --stress or Settings.stress_test countries",
        place=210,
    ),
)
"""The stress atlas's sheets, declared as the families declare theirs (``model.tables``)."""
STRESS_COLUMNS = [c.name for c in TABLES[1].columns]
SUMMARY_COLUMNS = [c.name for c in TABLES[0].columns]
SMALL_NETWORK = 3_000
"""Below about this many arcs the cases run in this process (a worker's start costs more)."""
CASE_WEIGHT = 0.5
"""The loss's probability in a case's LP. With the whole design fixed (what operates, modules,
reserve and stock held) the normal year and the loss separate, so any value in (0, 1) gives the
same flows; the reserve must be fixed too, or the LP would trade it against the normal year's
operation at this weight instead of the solve's."""


def lost_name(country: str) -> str:
    """The name of the crisis that loses ``country``."""
    return f"lose {country}"


@dataclass(frozen=True)
class Design:
    """What the solve decided, per period: which decided sites operate, the modules in place, the
    reserve held and the stock held. Plain dicts (it crosses process boundaries)."""

    operates: dict[tuple[str, int], bool] = field(default_factory=dict)
    modules: dict[tuple[str, int], int] = field(default_factory=dict)
    stock: dict[tuple[str, str, int], float] = field(default_factory=dict)
    reserve: dict[tuple[str, int], float] = field(default_factory=dict)
    normal_cost: dict[int, float] = field(default_factory=dict)
    """The solve's normal-year cost per period (a case's normal year must cost the same)."""


def design_of(tables: dict[str, pd.DataFrame], net: Network) -> Design:
    """The design of a solve, from its Sites and Stockpiles tables."""
    sites = tables["Sites"]
    period = sites["period"].tolist() if "period" in sites.columns else [net.periods[0].year] * len(sites)
    operates, modules, reserve = {}, {}, {}
    for s, t, built, mods, r in zip(
        sites["site"], period, sites["built"], sites["modules_added"], sites["reserve"], strict=True
    ):
        operates[(s, int(t))] = bool(built)
        modules[(s, int(t))] = int(mods)
        reserve[(s, int(t))] = float(r)
    stock = {}
    stockpiles = tables.get("Stockpiles")
    if stockpiles is not None:
        period = (
            stockpiles["period"].tolist() if "period" in stockpiles.columns else [net.periods[0].year] * len(stockpiles)
        )
        for p, mk, t, q in zip(stockpiles["product"], stockpiles["market"], period, stockpiles["stock"], strict=True):
            stock[(p, mk, int(t))] = float(q)
    return Design(operates, modules, stock, reserve, normal_costs(tables, net))


def normal_costs(tables: dict[str, pd.DataFrame], net: Network) -> dict[int, float]:
    """The solve's normal-year cost per period, from its Costs sheet: every component's yearly
    value but the expected disruption cost."""
    costs = tables["Costs"]
    costs = costs[costs["component"] != EXPECTED_DISRUPTION_LABEL]
    if "period" not in costs.columns:
        return {net.periods[0].year: float(costs["value"].sum())}
    rows = costs[costs["period"] != "total"]
    return {int(t): float(d["yearly_value"].sum()) for t, d in rows.groupby("period")}


def countries_to_lose(net: Network) -> list[str]:
    """The countries that have a site, in the Countries sheet's order."""
    with_site = set(net.site_country.values())
    return [c for c in net.countries if c in with_site]


def lose(net: Network, country: str) -> Network:
    """``net`` with one crisis, the loss of ``country``: every site there loses all its capacity;
    no closures, shocks or survival target; the workbook's ``caps_in_scenarios`` and stockpiles.
    ``country`` blank: the crisis ``LOST`` with nothing lost yet (``lose_one``)."""
    name = lost_name(country) if country else LOST
    loss = {(name, s): 1.0 for s in net.sites if net.site_country[s] == country}

    def change(n: Network) -> Network:
        return dataclasses.replace(
            n,
            scenarios=(name,),
            weight={name: CASE_WEIGHT},
            max_shortfall={name: None},
            loss=loss,
            loss_rows={},
            demand_factor={},
            closures=(),
        )

    return net._each(change)


def fix_at(component: Any, values: dict[Any, Any], what: str) -> None:
    """Hold every member of a variable component at ``values[key]`` (an integer one as a real:
    fixed, it is no decision). A member the values do not give is an error: a site silently
    closed would be a wrong answer."""
    for key, var in component.items():
        if key not in values:
            raise ValueError(f"the design gives no {what} for {key}")
        if not var.is_continuous():
            var.domain = pyo.Reals
        var.fix(float(values[key]))


def fix_design(m: pyo.ConcreteModel, design: Design) -> None:
    """Hold the model's build, module, reserve and stock variables at the design's values
    (``fix_at``): nothing integer is left, so the model is an LP."""
    fix_at(m.build, design.operates, "operate decision")
    fix_at(m.modules, design.modules, "modules")
    fix_at(m.reserve, design.reserve, "reserve")
    fix_at(m.stock, design.stock, "stock")


LOST = "lose one country"
"""The crisis of the atlas's shared LP: the network with one crisis in which nothing is lost
(``lose_one``); each case takes one country's sites out of it by their flows' bounds."""


def lose_one(net: Network) -> Network:
    """``net`` with the atlas's one crisis, ``LOST``, and no loss yet: the LP of every case, whose
    cases set the flows of one country's sites in the crisis to 0 (its capacity lost: what
    ``lose`` writes as a capacity loss of 1)."""
    return lose(net, "")


def stress_cases(
    net: Network,
    design: Design,
    countries: Sequence[str],
    options: SolveOptions,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Cases of the atlas, one per country of ``countries``, on one LP: the network with the crisis
    ``LOST``, built and compiled once with the design fixed (``model.solve.Prepared``), each case
    solved again with the flows of that country's sites in the crisis bounded at 0 (the same
    optimum as the capacity loss of ``lose``: a site that loses all its capacity ships nothing),
    each from a cold start. ``on_case`` hears of each case as it is solved
    (progress, in this process)."""
    m = build_model(lose_one(net))
    fix_design(m, design)
    prepared = Prepared(m, dataclasses.replace(options, polish=False, progress=None))
    flows: dict[str, list[Any]] = {c: [] for c in countries}
    for (s, _mk, _t, w), var in m.flow.items():
        if w == LOST and net.site_country[s] in flows:
            flows[net.site_country[s]].append(var)
    out = []
    for country in countries:
        solved = prepared.solve_with_upper(flows[country], 0.0)
        if solved.status == "interrupted":
            raise KeyboardInterrupt
        out.append(_case(m, country, solved))
        if on_case is not None:
            on_case(out[-1])
    del prepared, m
    gc.collect()
    return out


def _case(m: pyo.ConcreteModel, country: str, solved: Any) -> dict[str, Any]:
    """One case's rows of the Stress table (the loss of ``country`` in every period) and its
    per-period extra cost, from the shared LP as solved for it; ``status`` the LP's."""
    if solved.status != "optimal":  # stopped at a limit: its costs are not the loss's cheapest response
        return {"country": country, "status": solved.status, "rows": [], "extra": {}, "normal": {}}
    ctx = m.context
    costs = yearly_costs(m, ctx, solved)
    unmet, draws = by_case(m.unmet), by_case(m.stock_draw)
    rows = []
    extra, normal = {}, {}
    for t in ctx.periods:
        scenario_cost, normal_cost = costs[(t, LOST)]
        extra[t] = snap(scenario_cost - normal_cost, normal_cost)
        normal[t] = normal_cost
        view = ctx.at(t, LOST)
        short, drawn = unmet.get((t, LOST), {}), draws.get((t, LOST), {})
        for (p, mk), d in view.positive_demand.items():
            u = short.get((p, mk), 0.0)
            rows.append(
                {
                    "period": t,
                    "lost": country,
                    "product": p,
                    "market": mk,
                    "demand": d,
                    "served": d - u,
                    "stock_drawn": drawn.get((p, mk), 0.0),
                    "unmet": u,
                    "served_share": 1 - u / d,
                    "extra_cost": extra[t],
                }
            )
    return {"country": country, "status": solved.status, "rows": rows, "extra": extra, "normal": normal}


def snap(x: float, scale: float) -> float:
    """``x`` with the solver's noise around zero taken off (|x| <= 1e-9 of ``scale``: 0)."""
    return 0.0 if abs(x) <= 1e-9 * max(1.0, abs(scale)) else x


@dataclass
class Atlas:
    """The atlas's tables, the design it held fixed, and how long it took."""

    stress: pd.DataFrame
    summary: pd.DataFrame
    seconds: float
    cases: int
    design: Design


def stress_atlas(
    net: Network,
    tables: dict[str, pd.DataFrame],
    options: SolveOptions,
    workers: int | None = None,
    dask_address: Any = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> Atlas:
    """The Stress and StressSummary tables of a solved network (``tables``: its results), one
    case per country with a site (see the module docstring)."""
    t0 = time.perf_counter()
    in_process = runs_in_process(net, workers) and dask_address is None
    results: list[dict[str, Any]] = []
    total = len(countries_to_lose(net))

    def report(*cases: dict[str, Any]) -> None:  # one case as it is solved, or a group's at once
        results.extend(cases)
        if progress is not None:
            progress(len(results), total, time.perf_counter() - t0)

    groups = 1 if in_process else atlas_groups(workers)
    design, tasks = atlas_tasks(net, tables, options, groups, report if in_process else None)

    def done(cases: list[dict[str, Any]]) -> None:
        if not in_process:  # in this process each case was reported as it was solved
            report(*cases)

    run_each(call, net, tasks, done, in_process, workers, dask_address)
    return assemble(net, design, results, time.perf_counter() - t0)


def atlas_groups(workers: int | None) -> int:
    """How many shared LPs the atlas's cases are split into in a pool: one per worker (per core
    where not given), so that each worker builds and compiles one LP."""
    return workers or os.cpu_count() or 1


def runs_in_process(net: Network, workers: int | None) -> bool:
    """Whether the atlas's cases run in this process: asked for (``workers`` 1), or a network small
    enough that starting worker processes costs more than they save."""
    return workers == 1 or (workers is None and len(net.arcs) < SMALL_NETWORK)


def atlas_tasks(
    net: Network,
    tables: dict[str, pd.DataFrame],
    options: SolveOptions,
    groups: int = 1,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Design, list[tuple[Any, ...]]]:
    """The design the atlas holds fixed and its cases as ``model.parallel.call`` tasks
    (``stress_cases`` and its arguments: ``groups`` groups of countries with a site, each one
    shared LP), so that the atlas may run alongside other independent solves (the alternatives'
    search, a sweep's points) in one pool. A task returns its cases, a list; ``on_case`` (in this
    process only: it is not sent to workers) hears of each case as it is solved."""
    design = design_of(tables, net)
    options = dataclasses.replace(options, threads=1, progress=None)  # parallel cases, one HiGHS thread each
    countries = countries_to_lose(net)
    n = max(1, min(groups, len(countries)))
    return design, [(stress_cases, design, countries[k::n], options, on_case) for k in range(n) if countries[k::n]]


def assemble(net: Network, design: Design, results: list[dict[str, Any]], seconds: float) -> Atlas:
    """The atlas from its cases' results (in any order): Stress sorted by period and country lost
    in the order of ``countries_to_lose``, and StressSummary."""
    countries = countries_to_lose(net)
    order = {c: i for i, c in enumerate(countries)}
    results = sorted(results, key=lambda r: order[r["country"]])
    stress = pd.DataFrame([row for r in results for row in r["rows"]], columns=STRESS_COLUMNS)
    if len(stress):
        stress = stress.sort_values(["period", "lost"], key=lambda c: c.map(order) if c.name == "lost" else c)
        stress = stress.reset_index(drop=True)
    summary = summary_table(stress, results, [p.year for p in net.periods])
    if not net.shows_periods:
        stress, summary = stress.drop(columns="period"), summary.drop(columns="period")
    return Atlas(stress, summary, seconds, len(countries), design)


def summary_table(stress: pd.DataFrame, results: Sequence[dict[str, Any]], periods: Sequence[int]) -> pd.DataFrame:
    """StressSummary: per period and lost country, the extra cost and the worst (product, market)
    with its served share (blank where every market is served in full); a case whose LP found no
    solution says so in ``status``."""
    rows = []
    for t in periods:
        for r in results:
            part = stress[(stress["period"] == t) & (stress["lost"] == r["country"])] if len(stress) else stress
            row = {"period": t, "lost": r["country"], "status": r["status"], "normal_cost": r["normal"].get(t)}
            if len(part):
                worst = part["served_share"].idxmin()
                share = float(part.loc[worst, "served_share"])
                whole = share >= 1 - 1e-9  # every market served in full: no worst one to name
                row |= {
                    "extra_cost": r["extra"][t],
                    "worst_market": "" if whole else str(part.loc[worst, "market"]),
                    "worst_product": "" if whole else str(part.loc[worst, "product"]),
                    "worst_served_share": share,
                }
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def check(stress: pd.DataFrame, summary: pd.DataFrame, net: Network, design: Design | None = None) -> list[str]:
    """The atlas's invariants, from its tables, the input and the solve's design: every case
    solved to optimality; each solved (lost, period) has a row for every (product, market) with
    demand, with its demand as the input gives it; served + unmet = demand, 0 <= served_share <=
    1; one extra cost per (lost, period), the summary's; a summary row's worst share the least of
    its rows'; with the ``design``: no more stock drawn than held, and each case's normal year
    costing what the solve's does (a case that moved a first-stage decision would not)."""
    out: list[str] = []
    has_period = "period" in stress.columns
    first = net.periods[0].year
    for r in summary.itertuples():
        t = r.period if "period" in summary.columns else first
        if r.status != "optimal":
            out.append(f"StressSummary, {r.lost} lost in {t}: the case was not solved ({r.status})")
            continue
        part = stress[(stress["lost"] == r.lost) & ((stress["period"] == t) if has_period else True)]
        expected = set(net.at(t).positive_demand)
        if set(zip(part["product"], part["market"])) != expected:
            out.append(f"Stress, {r.lost} lost in {t}: not one row for every product and market with demand")
        if len(part) and (part["extra_cost"] - r.extra_cost).abs().max() > 1e-6 * max(1.0, abs(r.extra_cost)):
            out.append(f"Stress, {r.lost} lost in {t}: extra_cost differs between rows or from StressSummary")
        if len(part) and abs(part["served_share"].min() - r.worst_served_share) > 1e-9:
            out.append(f"StressSummary, {r.lost} lost in {t}: worst served share is not the least of its rows")
        if design is not None and t in design.normal_cost and r.normal_cost is not None:
            solved = design.normal_cost[t]
            if abs(r.normal_cost - solved) > 1e-6 * max(1.0, abs(solved)):
                out.append(
                    f"StressSummary, {r.lost} lost in {t}: the case's normal year costs {r.normal_cost:,.6g}, "
                    f"the solve's {solved:,.6g} (the design is not the solve's)"
                )
    for r in stress.itertuples():
        t = r.period if has_period else first
        expected = net.at(t).positive_demand.get((r.product, r.market))
        if expected is None or abs(expected - r.demand) > 1e-6 * max(1.0, expected):
            out.append(f"Stress: demand of {r.product} in {r.market} is {r.demand:g}, input says {expected}")
        if abs(r.served + r.unmet - r.demand) > 1e-6 * max(1.0, r.demand):
            out.append(f"Stress, {r.lost} lost: {r.product} in {r.market}: served + unmet != demand")
        if not -1e-9 <= r.served_share <= 1 + 1e-9:
            out.append(f"Stress, {r.lost} lost: {r.product} in {r.market}: served share {r.served_share:g}")
        if design is not None:
            held = design.stock.get((r.product, r.market, t), 0.0)
            if r.stock_drawn > held + 1e-6 * max(1.0, held):
                out.append(f"Stress, {r.lost} lost: {r.product} in {r.market}: drew {r.stock_drawn:g}, held {held:g}")
    return out
