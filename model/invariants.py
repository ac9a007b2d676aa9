"""Solution invariants recomputed from the result tables and the input data alone.

Independent of the model code: they read only ``Results.tables`` and the ``Network`` (the
checked input). Every solve in the command line is checked; the tests check every solved case.
Each function returns a list of violations in plain words (empty: the invariant holds).
"""

from __future__ import annotations

from collections import defaultdict

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
    flows, unmet = res["Flows"], res["Unmet"]
    supplied = flows.groupby(["product", "market"])["quantity"].sum().to_dict()
    short = {(r.product, r.market): r.unmet for r in unmet.itertuples()}
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
    prod = res["Flows"].groupby("site")["quantity"].sum().to_dict()
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
    sites = res["Sites"]
    out = []
    for p in net.products:
        need = net.reserve_share.get(p, 0.0) * sum(d for (pp, _), d in net.demand.items() if pp == p)
        if need <= 0:
            continue
        held = float(sites[(sites["product"] == p) & ~sites["country"].isin(net.concern)]["reserve"].sum())
        if held < need - TOL * max(1.0, need):
            out.append(f"{p}: reserve {held:g} below the required {need:g}")
    return out


def check_costs(res: Results, net: Network) -> list[str]:
    """Each cost component recomputed from the tables and inputs; they sum to the objective."""
    flows, sites = res["Flows"], res["Sites"]
    costs = dict(zip(res["Costs"]["component"], res["Costs"]["value"]))
    q = flows["quantity"]
    expect = {
        "production": float((q * flows["unit_cost"]).sum()),
        "tariffs": float((q * flows["unit_cost"] * flows["tariff_rate"]).sum()),
        "freight": float((q * flows["freight_cost"]).sum()),
        "fixed": float(sum(net.fixed_cost[r.site] for r in sites.itertuples() if r.built)),
        "modules": float(sum(net.module_cost[r.site] * r.modules_added for r in sites.itertuples())),
        "reserve": float(sum(net.reserve_cost[r.site] * r.reserve for r in sites.itertuples())),
        "unmet-demand penalty (baseline)": float(
            sum(net.unmet_penalty[r.product] * r.unmet for r in res["Unmet"].itertuples())
        ),
    }
    if "Stockpiles" in res.tables:
        expect["stock holding"] = float(
            sum(net.holding_cost[(r.product, r.market)] * r.stock for r in res["Stockpiles"].itertuples())
        )
    if "ScenarioSummary" in res.tables:
        per_scenario = res["ScenarioSummary"].groupby("scenario")["scenario_cost"].first()
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
        stock = {(r.product, r.market): r.stock for r in res["Stockpiles"].itertuples()}
    for r in detail.itertuples():
        expected = net.scenario_demand(r.scenario, r.product, r.market)
        if not _close(r.demand, expected, expected):
            out.append(f"{r.scenario}: demand of {r.product} in {r.market} is {r.demand:g}, input says {expected:g}")
        if not _close(r.supplied + r.stock_drawn + r.unmet, r.demand, r.demand):
            out.append(f"{r.scenario}: {r.product} in {r.market}: supplied + drawn + unmet != demand")
        if r.stock_drawn > stock.get((r.product, r.market), 0.0) + TOL * max(1.0, r.stock_drawn):
            out.append(f"{r.scenario}: {r.product} in {r.market}: drew {r.stock_drawn:g}, more than the stock held")
        ms = net.max_shortfall.get(r.scenario)
        if ms is not None and r.unmet > ms * r.demand + TOL * max(1.0, r.demand):
            out.append(f"{r.scenario}: {r.product} in {r.market}: unmet {r.unmet:g} above max_shortfall {ms:g}")
    cap = _site_capacity(net, res["Sites"])
    for r in res["ScenarioSites"].itertuples():
        left = (1 - net.loss.get((r.scenario, r.site), 0.0)) * cap[r.site]
        if r.production > left + TOL * max(1.0, left):
            out.append(f"{r.scenario}: {r.site} produces {r.production:g} with only {left:g} capacity left")
    return out
