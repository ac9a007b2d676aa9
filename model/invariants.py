"""Solution invariants recomputed from the result tables and the input data alone.

Independent of the model code: they read only ``Results.tables`` and the ``Network`` (the
checked input). Every solve in the command line is checked; the tests check every solved case.
Each function returns a list of violations in plain words (empty: the invariant holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pandas as pd

from model.network import Network
from model.results import Results

TOL = 1e-5


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(scale), abs(a), abs(b))


def check_all(res: Results, net: Network) -> list[str]:
    """Every invariant; an empty list means the solution passed them all."""
    out: list[str] = []
    for check in (
        check_demand,
        check_lanes,
        check_capacity,
        check_caps,
        check_reserve,
        check_costs,
        check_scenarios,
    ):
        out += check(res, net)
    return out


def _rows(table: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """The values of ``columns``, row by row, as plain Python values (faster than pandas' own
    grouping and filtering on tables of this size)."""
    return zip(*(table[c].tolist() for c in columns))


def _site_capacity(net: Network, sites: pd.DataFrame) -> dict[str, float]:
    """cap[s] recomputed from built/modules_added and the input capacities."""
    out = {}
    for r in sites.itertuples():
        if r.modules_added > net.max_modules[r.site]:
            out[r.site] = float("nan")
            continue
        out[r.site] = net.capacity[r.site] * bool(r.built) + net.module_capacity[r.site] * r.modules_added
    return out


def check_demand(res: Results, net: Network) -> list[str]:
    """Demand = supplied + unmet, for every (product, market) with demand."""
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    for p, mk, q in _rows(res["Flows"], "product", "market", "quantity"):
        supplied[(p, mk)] += q
    short = {(p, mk): u for p, mk, u in _rows(res["Unmet"], "product", "market", "unmet")}
    out = []
    for (p, mk), d in net.positive_demand.items():
        got = supplied.get((p, mk), 0.0) + short.get((p, mk), 0.0)
        if not _close(got, d, d):
            out.append(f"demand of {p} in {mk} is {d:g} but supplied + unmet = {got:g}")
    for (p, mk), q in supplied.items():
        if net.demand.get((p, mk), 0.0) <= 0 and q > TOL:
            out.append(f"{q:g} of {p} shipped to {mk}, which has no demand")
    return out


def check_lanes(res: Results, net: Network) -> list[str]:
    """Every flow uses an allowed arc; delivered cost matches the input."""
    allowed = set(net.arcs)
    out = []
    for r in res["Flows"].itertuples():
        if (r.site, r.market) not in allowed:
            out.append(f"flow from {r.site} to {r.market} uses no allowed lane")
        elif r.origin != net.site_country[r.site] or r.product != net.site_product[r.site]:
            out.append(f"flow row of {r.site} names the wrong origin or product")
    return out


def check_capacity(res: Results, net: Network) -> list[str]:
    """Production + reserve <= capacity; modules within bounds and only at built sites."""
    sites = res["Sites"]
    cap = _site_capacity(net, sites)
    prod: dict[str, float] = defaultdict(float)
    for site, q in _rows(res["Flows"], "site", "quantity"):
        prod[site] += q
    out = []
    for r in sites.itertuples():
        c = cap[r.site]
        if c != c:  # nan
            out.append(f"{r.site}: {r.modules_added} modules exceed max_modules {net.max_modules[r.site]}")
            continue
        if r.modules_added > 0 and not r.built:
            out.append(f"{r.site}: modules added at a site that is not built")
        used = prod.get(r.site, 0.0) + r.reserve
        if used > c + TOL * max(1.0, c):
            out.append(f"{r.site}: production {prod.get(r.site, 0.0):g} + reserve {r.reserve:g} exceeds capacity {c:g}")
        if r.reserve > TOL and net.site_country[r.site] in net.concern:
            out.append(f"{r.site}: reserve held in a concern country")
    return out


def check_caps(res: Results, net: Network) -> list[str]:
    """Concern share <= cap, each (p, m) and every `total` row."""
    flows = res["Flows"]
    sup: dict[tuple[str, str], float] = defaultdict(float)
    con: dict[tuple[str, str], float] = defaultdict(float)
    for r in flows.itertuples():
        sup[(r.product, r.market)] += r.quantity
        if r.origin in net.concern:
            con[(r.product, r.market)] += r.quantity
    out = []
    for (p, mk), cap in net.cap_each.items():
        s, c = sup.get((p, mk), 0.0), con.get((p, mk), 0.0)
        if c > cap * s + TOL * max(1.0, s):
            out.append(f"{p} in {mk}: concern share {c / s:.4f} exceeds cap {cap:g}")
    for tc in net.cap_total:
        s = sum(sup.get((tc.product, mk), 0.0) for mk in tc.markets)
        c = sum(con.get((tc.product, mk), 0.0) for mk in tc.markets)
        if c > tc.cap * s + TOL * max(1.0, s):
            out.append(
                f"{tc.product}, total over {', '.join(tc.markets)}: concern share {c / s:.4f} exceeds cap {tc.cap:g}"
            )
    return out


def check_reserve(res: Results, net: Network) -> list[str]:
    """Reserve outside concern countries >= reserve_share * total demand, per product."""
    demand: dict[str, float] = defaultdict(float)
    for (p, _), d in net.demand.items():
        demand[p] += d
    held: dict[str, float] = defaultdict(float)
    for p, country, reserve in _rows(res["Sites"], "product", "country", "reserve"):
        if country not in net.concern:
            held[p] += reserve
    out = []
    for p in net.products:
        need = net.reserve_share.get(p, 0.0) * demand[p]
        if need > 0 and held[p] < need - TOL * max(1.0, need):
            out.append(f"{p}: reserve {held[p]:g} below the required {need:g}")
    return out


def check_costs(res: Results, net: Network) -> list[str]:
    """Each cost component recomputed from the tables and inputs; they sum to the objective."""
    flows, sites = res["Flows"], res["Sites"]
    costs = dict(zip(res["Costs"]["component"], res["Costs"]["value"]))
    q = flows["quantity"]
    site_rows = list(_rows(sites, "site", "built", "modules_added", "reserve"))
    expect = {
        "production": float((q * flows["unit_cost"]).sum()),
        "tariffs": float((q * flows["unit_cost"] * flows["tariff_rate"]).sum()),
        "freight": float((q * flows["freight_cost"]).sum()),
        "fixed": float(sum(net.fixed_cost[s] for s, built, _, _ in site_rows if built)),
        "modules": float(sum(net.module_cost[s] * mods for s, _, mods, _ in site_rows)),
        "reserve": float(sum(net.reserve_cost[s] * r for s, _, _, r in site_rows)),
        "unmet-demand penalty (baseline)": float(
            sum(net.unmet_penalty[p] * u for p, u in _rows(res["Unmet"], "product", "unmet"))
        ),
    }
    if "Stockpiles" in res.tables:
        stocks = _rows(res["Stockpiles"], "product", "market", "stock")
        expect["stock holding"] = float(sum(net.holding_cost[(p, mk)] * x for p, mk, x in stocks))
    if "ScenarioSummary" in res.tables:
        per_scenario: dict[str, float] = {}  # the first row of each scenario (every row carries its cost)
        for w, c in _rows(res["ScenarioSummary"], "scenario", "scenario_cost"):
            per_scenario.setdefault(w, c)
        expect["expected scenario cost"] = float(sum(net.weight[w] * c for w, c in per_scenario.items()))
    out = []
    for name, value in expect.items():
        got = costs.get(name, 0.0)
        if not _close(got, value, res.objective or 1.0):
            out.append(f"cost component '{name}' is {got:,.6g} but recomputes to {value:,.6g}")
    total = sum(costs.values())
    if res.objective is not None and not _close(total, res.objective, res.objective):
        out.append(f"Costs sum to {total:,.6g}, not the objective {res.objective:,.6g}")
    summary = dict(zip(res["Summary"]["metric"], res["Summary"]["value"]))
    if summary.get("objective") is not None and not _close(float(summary["objective"]), total, total):
        out.append("Summary objective differs from the sum of Costs")
    return out


def check_scenarios(res: Results, net: Network) -> list[str]:
    """Per scenario: demand = supplied + drawn + unmet; production <= (1 - loss) cap; drawn <= stock;
    unmet within max_shortfall."""
    if not net.scenarios:
        return []
    out = []
    detail = res["Scenarios"]
    stock = {}
    if "Stockpiles" in res.tables:
        stock = {(p, mk): x for p, mk, x in _rows(res["Stockpiles"], "product", "market", "stock")}
    columns = ("scenario", "product", "market", "demand", "supplied", "stock_drawn", "unmet")
    for w, p, mk, demand, supplied, drawn, unmet in _rows(detail, *columns):
        expected = net.scenario_demand(w, p, mk)
        if not _close(demand, expected, expected):
            out.append(f"{w}: demand of {p} in {mk} is {demand:g}, input says {expected:g}")
        if not _close(supplied + drawn + unmet, demand, demand):
            out.append(f"{w}: {p} in {mk}: supplied + drawn + unmet != demand")
        if drawn > stock.get((p, mk), 0.0) + TOL * max(1.0, drawn):
            out.append(f"{w}: {p} in {mk}: drew {drawn:g}, more than the stock held")
        ms = net.max_shortfall.get(w)
        if ms is not None and unmet > ms * demand + TOL * max(1.0, demand):
            out.append(f"{w}: {p} in {mk}: unmet {unmet:g} above max_shortfall {ms:g}")
    cap = _site_capacity(net, res["Sites"])
    for w, site, production in _rows(res["ScenarioSites"], "scenario", "site", "production"):
        left = (1 - net.loss.get((w, site), 0.0)) * cap[site]
        if production > left + TOL * max(1.0, left):
            out.append(f"{w}: {site} produces {production:g} with only {left:g} capacity left")
    return out
