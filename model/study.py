"""Tradeoff studies: solve one network at many values of a parameter, in parallel.

``dependency_cap``: the network at each value of ``Settings.dependency_cap`` (Caps rows keep
their own caps) gives the cost of de-risking. ``max_shortfall``: every scenario's survival target
at each value gives the cost of resilience. Points run in worker processes on this machine
(default: one per core, one HiGHS thread each; networks too small to gain run in this
process), or on a Dask cluster (``dask_address``). Each
point is an independent cold solve, identical to a single run at that value.

Columns of the tradeoff table (``tradeoff_table``):

* the parameter (``cap`` or ``max_shortfall``), ``status``, ``objective``, ``mip_gap``;
* ``cost_increase_pct``: cost increase against the loosest point, as a fraction (0.05 = 5%);
* ``concern_share``: the largest concern share of supply among the (product, market) pairs that
  ``Settings.dependency_cap`` caps (the swept ``cap``; no Caps row of scope ``each`` matches
  them): the worst dependency left where the swept cap applies. Pairs with a Caps row of their
  own, such as a concern country's own market left uncapped, do not count (their shares are on
  each point's Dependency sheet); blank when every pair has a Caps row. And
  ``concern_share.<product>``: each product's concern share of all its supply (quantities of
  different products are never added together);
* ``expected_shortfall``: the weight-averaged (over scenarios with weight > 0, else the plain
  average) mean unmet share of demand over (product, market) pairs; ``worst_served_share``: the
  smallest served share of any (scenario, product, market);
* ``price_per_point``: cost difference to the previous (looser) point per percentage point;
* ``marginal_cost_per_point``: from the LP with integer decisions fixed at this point's optimum
  (envelope theorem): the cost of one more point of tightening if the design stays;
* ``design_change``: plants built or dropped and module changes against the previous point;
* the cost split: ``normal_year_cost`` (what the network costs in a year without disruption:
  the objective less the expected disruption cost), of which ``unmet_penalty`` (normal-year demand
  left unserved, at its penalty), and ``expected_disruption_cost`` (what each crisis adds to a
  normal year, times its yearly probability), and ``expected_disruption_penalty``, the penalty
  of the demand the crises leave unserved beyond the normal year's (it may exceed the whole:
  what is not served in a crisis is not made either); objective = normal_year_cost + expected_disruption_cost;
* baseline unmet demand: ``unmet.<product> (<unit>)`` per product (quantities of different
  products are never added together) and ``unmet_markets``, the (product, market) pairs short;
* ``met_by_unserved_demand``: the point leaves more baseline demand unserved in some
  (product, market) than the loosest solved point does, so its cap (or target) is met partly by
  leaving markets short rather than by buying supply; ``unserved`` says where and how much;
* ``explanation``: for a point with no design, why (which requirement cannot be met, by how
  much: ``model.diagnose.explain_infeasibility``).

With a Periods sheet, the value is the default cap in every period (Caps rows keep theirs, each
in its periods), ``objective`` is the cost over the horizon (weighted, discounted), ``concern_share``
the largest over all periods, ``concern_share.<product>``, ``built`` and ``design_change`` those of
the last period (the design the build-out reaches), unmet demand the most left unmet in any
period (``unserved`` names each period where more is short: ``magnet: USA 50 t in 2030``; a point
is ``met_by_unserved_demand`` where some period leaves more short than that period of the loosest
point), the frontier's cost axis reads "Total cost over the horizon", and each period t adds
``concern_share.<t>`` (its largest) and ``concern_share.<product>.<t>``.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from model.charts import OVER_PERIODS
from model.diagnose import explain_infeasibility
from model.families.dependency import concern_caps, default_cap_pairs
from model.families.flows import UNMET_PENALTY_LABEL
from model.families.protocol import Col, Table
from model.network import Network
from model.parallel import call, run_each
from model.pipeline import run_once
from model.results import cost_split, period_cost_rows
from model.solve import SolveOptions

PARAMETERS = {"dependency_cap": "cap", "max_shortfall": "max_shortfall"}
SMALL_MODEL_COLUMNS = 3000
"""Below about this many flow variables (arcs x (1 + scenarios)) a point solves in well under a
second and worker start-up costs more than it saves: the points then run in this process."""
SHEET_NAMES = {"dependency_cap": "Tradeoff", "max_shortfall": "TradeoffResilience"}


def _tradeoff(sheet: str, parameter: Col, place: int) -> Table:
    """A Tradeoff sheet's declaration: one row per value of ``parameter`` (the module docstring
    says how each column is computed)."""
    return Table(
        sheet,
        f"one row per value of {parameter.name} swept, loosest first: the design's cost and what it buys",
        (parameter.name,),
        (
            parameter,
            Col("status", "text", "the solve's status at this value"),
            Col("objective", "money", "the total cost (with periods: over the horizon)"),
            Col("normal_year_cost", "money", "the cost of a year without disruption"),
            Col("expected_disruption_cost", "money", "what the crises add to a normal year, in expectation"),
            Col("unmet_penalty", "money", "of the normal-year cost, the normal year's unmet demand at its penalty"),
            Col("expected_disruption_penalty", "money", "the penalty of what the crises leave unserved beyond it"),
            Col("cost_increase_pct", "share", "the cost increase against the loosest point"),
            Col("met_by_unserved_demand", "bool", "the value is met partly by leaving markets short"),
            Col("unserved", "text", "where and how much more is short than at the loosest point"),
            Col("unmet_markets", "count", "the (product, market) pairs with baseline demand unmet"),
            Col("concern_share", "share", "the largest concern share where the swept cap applies"),
            Col("expected_shortfall", "share", "the weighted mean unmet share of demand over the crises"),
            Col("worst_served_share", "share", "the smallest served share of any crisis, product and market"),
            Col("mip_gap", "share", "the solve's optimality gap"),
            Col("price_per_point", "money/point", "the cost difference to the previous point per percentage point"),
            Col("marginal_cost_per_point", "money/point", "the cost of one more point with the design fixed"),
            Col("design_change", "text", "plants built or dropped and modules changed against the previous point"),
            Col("built", "text", "the candidates built (with periods: in the last period)"),
            Col("explanation", "text", "for a point with no design, why"),
            Col("solve_seconds", "seconds", "the point's seconds"),
            Col("concern_share.<product>", "share", "the product's concern share of all its supply (also `.<period>`)"),
            Col("unmet.<product> (<unit>)", "quantity", "the product's baseline unmet demand, in its unit"),
        ),
        when=f"with --sweep-{'cap' if parameter.name == 'cap' else 'shortfall'} or a Study sheet",
        place=place,
    )


TABLES = (
    _tradeoff("Tradeoff", Col("cap", "share", "the default dependency cap of this point"), 240),
    _tradeoff("TradeoffResilience", Col("max_shortfall", "share", "every crisis's survival target at this point"), 250),
)
"""The sweeps' sheets, declared as the families declare theirs (``model.tables``)."""
UNSERVED_TOL = 1e-6
"""Relative tolerance (of the pair's demand) above which more unmet demand counts as new."""


SWEPT = "this point of the sweep"
"""Where a swept value comes from, in the messages of a point (its infeasibility explanation)."""


def apply(net: Network, parameter: str, value: float) -> Network:
    """The network with the parameter set to ``value`` (messages name the sweep as its source)."""
    if parameter == "dependency_cap":
        return net.with_dependency_cap(value, SWEPT)
    if parameter == "max_shortfall":
        return net.with_max_shortfall(value, SWEPT)
    raise ValueError(f"unknown study parameter '{parameter}'; expected one of {', '.join(PARAMETERS)}")


def solve_point(net: Network, parameter: str, value: float, options: SolveOptions) -> dict[str, Any]:
    """Solve one point (runs in a worker process); returns its summary as plain data."""
    t0 = time.perf_counter()
    point_net = apply(net, parameter, value)
    res, _ = run_once(point_net, options)
    gc.collect()  # the point's model is garbage now: free it before the next point (see collector_paused)
    point: dict[str, Any] = {
        "value": value,
        "status": res.status,
        "objective": res.objective,
        "mip_gap": res.solve.mip_gap,
        "seconds": time.perf_counter() - t0,
    }
    if res.objective is None:
        point["explanation"] = _why_no_design(point_net, res.status, options)
        point["seconds"] = time.perf_counter() - t0
        return point
    dep, flows, sites = concern_caps(res["Dependency"]), res["Flows"], res["Sites"]
    point["concern_share"], point["concern_by_product"] = _concern(dep, flows, point_net)
    if point_net.shows_periods:  # each period's shares; the design and product shares of the last period
        point["by_period"] = {
            t: _concern(dep[dep["period"] == t], flows[flows["period"] == t], point_net.at(t))
            for t in (p.year for p in point_net.periods)
        }
        shares = [largest for largest, _ in point["by_period"].values() if largest is not None]
        point["concern_share"] = max(shares) if shares else None
        last = point_net.periods[-1].year
        point["concern_by_product"] = point["by_period"][last][1]
        sites = sites[sites["period"] == last]
    point["expected_shortfall"], point["worst_served_share"] = _shortfall(res.tables, net)
    point["marginal"] = res.extra[
        "default_cap_marginal_per_point" if parameter == "dependency_cap" else "survival_marginal_per_point"
    ]
    point["built"] = sorted(sites[(sites["status"] == "candidate") & sites["built"]]["site"])
    point["modules"] = {r.site: int(r.modules_added) for r in sites.itertuples() if r.modules_added}
    point.update(cost_split(res["Costs"]))
    point["expected_disruption_penalty"] = _expected_disruption_penalty(res.tables, point_net)
    point["unmet"] = {}  # with periods: the most left unmet in any period
    for r in res["Unmet"].itertuples():
        point["unmet"][(r.product, r.market)] = max(point["unmet"].get((r.product, r.market), 0.0), float(r.unmet))
    if "period" in res["Unmet"].columns:  # and each period's, to say where and when more is short
        point["unmet_at"] = {(r.product, r.market, r.period): float(r.unmet) for r in res["Unmet"].itertuples()}
    return point


def _concern(dep: pd.DataFrame, flows: pd.DataFrame, net: Network) -> tuple[float | None, dict[str, float]]:
    """The largest concern share among the `each` (product, market) pairs the default (swept) cap
    applies to (None where it applies to none), and each product's concern share of all its
    supply (concern-origin quantity over all quantity, from Flows). With periods, ``net`` is the
    period's view and the tables its rows."""
    swept = default_cap_pairs(net)
    each = dep[(dep["scope"] == "each") & (dep["supplied"] > 0)]
    shares = [r.concern_share for r in each.itertuples() if (r.product, r.market) in swept]
    largest = float(max(shares)) if shares else None
    by_product = {}
    for p in net.products:
        f = flows[flows["product"] == p]
        total = float(f["quantity"].sum())
        by_product[p] = float(f[f["site"].isin(net.concern_sites)]["quantity"].sum()) / total if total > 0 else 0.0
    return largest, by_product


def _expected_disruption_penalty(tables: dict[str, pd.DataFrame], net: Network) -> float:
    """sum_t W[t] sum_ω π[ω] (sum_(p,m) penalty[p,m,t] u^ω[p,m,t] - the normal year's penalty in t):
    the part of the expected disruption cost that is more demand left unserved in the crises."""
    detail = tables.get("Scenarios")
    if detail is None or not len(detail):
        return 0.0
    weight = {p.year: p.weight for p in net.periods}  # W[t]: with periods, each year's row counts W[t]
    first = net.periods[0].year
    crisis = sum(
        weight.get(getattr(r, "period", first), 1.0) * net.weight[r.scenario] * r.penalty * r.unmet
        for r in detail.itertuples()
        if r.unmet
    )
    normal = 0.0
    for r in period_cost_rows(tables["Costs"]).itertuples():
        if r.component == UNMET_PENALTY_LABEL:  # value: W[t] times the normal year's penalty in t
            normal += r.value
    return float(crisis - sum(net.weight[w] for w in net.scenarios) * normal)


def _why_no_design(net: Network, status: str, options: SolveOptions) -> str:
    """In words, why a point has no design: the requirements that cannot be met and by how much."""
    if status == "infeasible":
        conflicts = explain_infeasibility(net, options)
        if conflicts:
            return "; ".join(c.message for c in conflicts)
        return "no design meets every requirement (the conflict could not be narrowed down)"
    if status == "interrupted":
        return "stopped by the user"
    return f"the solver stopped ({status}) before finding a design: raise the time limit"


def _shortfall(tables: dict[str, pd.DataFrame], net: Network) -> tuple[float | None, float | None]:
    detail = tables.get("Scenarios")
    if detail is None or not len(detail):
        return None, None
    share = (detail["unmet"] / detail["demand"]).groupby(detail["scenario"]).mean()
    weights = pd.Series({w: net.weight[w] for w in share.index})
    total = float(weights.sum())
    expected = float((share * weights).sum() / total) if total > 0 else float(share.mean())
    return expected, float(detail["served_share"].min())


def run_study(
    net: Network,
    parameter: str,
    values: Sequence[float],
    options: SolveOptions,
    workers: int | None = None,
    dask_address: Any = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> pd.DataFrame:
    """Solve every point and return the tradeoff table (loosest point first)."""
    gc.collect()  # free an earlier run's model before building more (see model.collector.hold_for_the_process)
    t0 = time.perf_counter()
    points: list[dict[str, Any]] = []
    tasks = sweep_tasks(net, parameter, values, options, workers, dask_address)

    def done(point: dict[str, Any]) -> None:
        points.append(point)
        if progress is not None:
            progress(len(points), len(tasks), time.perf_counter() - t0)

    run_each(call, net, tasks, done, points_in_process(net, workers, dask_address), workers, dask_address)
    return tradeoff_table(points, parameter, net.products, net.unit)


def points_in_process(net: Network, workers: int | None, dask_address: Any = None) -> bool:
    """Whether a sweep's points run in this process: asked for (``workers`` 1), or a model small
    enough that starting worker processes costs more than they save (never with Dask)."""
    small = len(net.arcs) * (1 + len(net.scenarios)) < SMALL_MODEL_COLUMNS
    return dask_address is None and (workers == 1 or (workers is None and small))


def sweep_tasks(
    net: Network,
    parameter: str,
    values: Sequence[float],
    options: SolveOptions,
    workers: int | None = None,
    dask_address: Any = None,
) -> list[tuple[Any, ...]]:
    """The points of a sweep as ``model.parallel.call`` tasks (``solve_point`` and its arguments),
    so that they may run beside other independent solves (the stress atlas, the alternatives) in
    one pool: one HiGHS thread each where the solver may choose, loosest first in this process,
    tightest first in parallel (they tend to take longest, and a long point started last stretches
    the sweep)."""
    values = sorted(set(values), reverse=True)
    if options.threads == 0:
        options = dataclasses.replace(options, threads=1)  # parallel points, one HiGHS thread each
    options = dataclasses.replace(options, progress=None)
    order = values if points_in_process(net, workers, dask_address) else list(reversed(values))
    return [(solve_point, parameter, v, options) for v in order]


def tradeoff_table(
    points: list[dict[str, Any]],
    parameter: str,
    products: Sequence[str],
    units: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Points -> the Tradeoff sheet (see the module docstring for the columns)."""
    name = PARAMETERS[parameter]
    units = units or {}
    points = sorted(points, key=lambda p: -p["value"])
    solved = [p for p in points if p["objective"] is not None]
    base = solved[0]["objective"] if solved else None
    over_periods = any("by_period" in p for p in points)
    key = "unmet_at" if over_periods else "unmet"  # with periods: (product, market, period)
    loosest_unmet: dict[tuple[Any, ...], float] = solved[0].get(key, {}) if solved else {}
    rows = []
    prev: dict[str, Any] | None = None
    for p in points:
        obj = p["objective"]
        unmet = p.get("unmet", {})
        new_short = _new_unserved(p.get(key, {}), loosest_unmet)
        row: dict[str, Any] = {
            name: p["value"],
            "status": p["status"],
            "objective": obj,
            "normal_year_cost": p.get("normal_year_cost"),
            "expected_disruption_cost": p.get("expected_disruption_cost"),
            "unmet_penalty": p.get("unmet_penalty"),
            "expected_disruption_penalty": p.get("expected_disruption_penalty"),
            "cost_increase_pct": (obj - base) / base if obj is not None and base else None,
            "met_by_unserved_demand": bool(new_short) if obj is not None else None,
            "unserved": _unserved_text(new_short, units),
            "unmet_markets": sum(1 for q in unmet.values() if q > 0) if obj is not None else None,
            "concern_share": p.get("concern_share"),
            "expected_shortfall": p.get("expected_shortfall"),
            "worst_served_share": p.get("worst_served_share"),
            "mip_gap": p["mip_gap"],
            "price_per_point": None,
            "marginal_cost_per_point": p.get("marginal"),
            "design_change": "",
            "built": ", ".join(p.get("built", [])),
            "explanation": p.get("explanation", ""),
            "solve_seconds": p["seconds"],
        }
        if prev is not None and obj is not None and prev["objective"] is not None:
            row["price_per_point"] = (obj - prev["objective"]) / ((prev["value"] - p["value"]) * 100)
            row["design_change"] = design_change(prev, p)
        for prod in products:
            row[f"concern_share.{prod}"] = p.get("concern_by_product", {}).get(prod)
        for t, (largest, by_product) in p.get("by_period", {}).items():
            row[f"concern_share.{t}"] = largest
            for prod in products:
                row[f"concern_share.{prod}.{t}"] = by_product.get(prod)
        for prod in products:
            row[unmet_column(prod, units)] = (
                sum(q for (pp, _), q in unmet.items() if pp == prod) if obj is not None else None
            )
        rows.append(row)
        prev = p
    table = pd.DataFrame(rows)
    table.attrs[OVER_PERIODS] = over_periods  # the objective is then the cost over the horizon
    return table


def unmet_column(product: str, units: dict[str, str]) -> str:
    """The Tradeoff column of a product's baseline unmet demand, its unit in the header."""
    unit = units.get(product, "")
    return f"unmet.{product} ({unit})" if unit else f"unmet.{product}"


def _new_unserved(
    unmet: dict[tuple[Any, ...], float], loosest: dict[tuple[Any, ...], float]
) -> dict[tuple[Any, ...], float]:
    """(product, market[, period]) -> baseline unmet demand above that of the loosest point (where,
    and with periods when, more is short)."""
    out = {}
    for key, q in unmet.items():
        extra = q - loosest.get(key, 0.0)
        if extra > UNSERVED_TOL * max(1.0, q):
            out[key] = extra
    return out


def _unserved_text(new_short: dict[tuple[Any, ...], float], units: dict[str, str]) -> str:
    """``NdFeB magnets: South Korea 8,000 t, India 5,000 t`` (more unmet than at the loosest
    point); with periods, each quantity names its period: ``magnet: USA 50 t in 2030``."""
    parts = []
    for prod in dict.fromkeys(k[0] for k in new_short):
        unit = units.get(prod, "")
        by_market: dict[str, list[str]] = {}
        for k, q in new_short.items():
            if k[0] == prod:
                when = f" in {k[2]}" if len(k) > 2 else ""
                by_market.setdefault(k[1], []).append(f"{_qty(q)}{' ' + unit if unit else ''}{when}")
        parts.append(f"{prod}: " + ", ".join(f"{m} {', '.join(qs)}" for m, qs in by_market.items()))
    return "; ".join(parts)


def _qty(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def design_change(a: dict[str, Any], b: dict[str, Any]) -> str:
    """``+Site`` built, ``-Site`` dropped, ``Site modules 1->2``, from point a to point b."""
    ba, bb = set(a.get("built", [])), set(b.get("built", []))
    parts = [f"+{s}" for s in sorted(bb - ba)] + [f"-{s}" for s in sorted(ba - bb)]
    ma, mb = a.get("modules", {}), b.get("modules", {})
    for s in sorted(set(ma) | set(mb)):
        if ma.get(s, 0) != mb.get(s, 0):
            parts.append(f"{s} modules {ma.get(s, 0)}->{mb.get(s, 0)}")
    return "; ".join(parts)
