"""Seeded generator of realistic synthetic supply networks in the workbook contract.

Countries sit on a plane (freight grows with distance); about one in seven is a concern country
with cheaper plants; every country demands most products; existing plants cover about 85% of
demand and candidates (with modules) could add about 70%; caps bind in a third of the markets;
scenarios cut off a random country, the concern countries in part, or raise demand.

Sizes (variables are about arcs x (1 + scenarios)):

| size | countries | products | sites/product | scenarios | about |
|---|---|---|---|---|---|
| S | 12 | 3 | 8 | 2 | 1k variables |
| M | 25 | 4 | 20 | 4 | 8k variables |
| L | 40 | 4 | 36 | 6 | 40k variables |
| XL | 100 | 5 | 90 | 10 | 500k variables |
| R100k | 100 | 11 | 4 | 0 | 100,000 Lanes rows (reading benchmark) |
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

SIZES: dict[str, dict[str, Any]] = {
    "S": {"countries": 12, "products": 3, "sites_per_product": 8, "scenarios": 2},
    "M": {"countries": 25, "products": 4, "sites_per_product": 20, "scenarios": 4},
    "L": {"countries": 40, "products": 4, "sites_per_product": 36, "scenarios": 6},
    "XL": {"countries": 100, "products": 5, "sites_per_product": 90, "scenarios": 10},
    "R100k": {"countries": 100, "products": 11, "sites_per_product": 4, "scenarios": 0, "lanes_per_product": True},
}


def scenario_records(
    count: int, countries: list[str], concern: set[str], products: list[str], draw: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Scenarios, Disruptions and Shocks rows of ``count`` scenarios W00, W01, ...: scenario k
    cuts off one random country (k % 3 == 0), halves the concern countries' capacity (1), or
    raises one random product's demand by 30% under a survival target of 0.9 (2); weight 0.02
    each. ``draw(k)`` is the random stream scenario k draws from."""
    scenarios, disruptions, shocks = [], [], []
    for k in range(count):
        name = f"W{k:02d}"
        kind = k % 3
        scenarios.append({"scenario": name, "weight": 0.02, "max_shortfall": 0.9 if kind == 2 else None})
        if kind == 0:
            disruptions.append({"scenario": name, "country": draw(k).choice(countries), "capacity_loss": 1.0})
        elif kind == 1:
            for c in sorted(concern):
                disruptions.append({"scenario": name, "country": c, "capacity_loss": 0.5})
        else:
            shocks.append({"scenario": name, "product": draw(k).choice(products), "demand_factor": 1.3})
    return scenarios, disruptions, shocks


def generate(size: str, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """Workbook records (sheet -> rows) for a synthetic network of the given size (``SIZES``, or a
    tiered one of ``TIER_SIZES``), or a variant of a tiered one: ``VARIANTS`` (``tier-L-1p``) or a
    scaling case (``tier-L-p8``, ``tier-L-s0``: ``scaling_variant``)."""
    if size in TIER_SIZES:
        return generate_tiers(size, seed)
    scaled = scaling_variant(size)
    if scaled is not None:
        return scaled_tiers(*scaled, seed=seed)
    base, _, variant = size.rpartition("-")
    if base in TIER_SIZES and variant in VARIANTS:
        return VARIANTS[variant](generate_tiers(base, seed))
    cfg = SIZES[size]
    rng = random.Random(f"{size}-{seed}")
    nc, np_, nsp, nscen = cfg["countries"], cfg["products"], cfg["sites_per_product"], cfg["scenarios"]
    countries = [f"C{i:03d}" for i in range(nc)]
    concern = set(countries[:: max(7, nc // 6)][: max(1, nc // 7)])
    xy = {c: (rng.uniform(0, 10), rng.uniform(0, 10)) for c in countries}
    products = [f"P{k:02d}" for k in range(np_)]
    demand: dict[tuple[str, str], float] = {}
    for p in products:
        for c in countries:
            if rng.random() < 0.9:
                demand[(p, c)] = round(rng.lognormvariate(4, 0.8), 1)
    sites: list[dict[str, Any]] = []
    for p in products:
        total = sum(d for (pp, _), d in demand.items() if pp == p)
        shares = [rng.random() + 0.2 for _ in range(nsp)]
        norm = sum(shares)
        for i in range(nsp):
            c = rng.choice(countries)
            candidate = i >= int(nsp * 0.55)
            cost = rng.uniform(8, 14) * (0.75 if c in concern else 1.0)
            cap = round(shares[i] / norm * total * (1.55 if candidate else 1.9), 1)
            site = {
                "site": f"{p}-S{i:03d}",
                "country": c,
                "product": p,
                "status": "candidate" if candidate else "existing",
                "capacity": cap,
                "unit_cost": round(cost, 3),
                "fixed_cost": round(cap * rng.uniform(1.5, 4.0), 1) if candidate else 0.0,
                "reserve_cost": round(cost * 0.1, 3),
            }
            if rng.random() < 0.3:
                site |= {
                    "module_capacity": round(cap * 0.3, 1),
                    "module_cost": round(cap * 0.3 * rng.uniform(1.0, 2.5), 1),
                    "max_modules": rng.randint(1, 3),
                }
            sites.append(site)
    lanes: list[dict[str, Any]] = []
    per_product = cfg.get("lanes_per_product", False)
    for o in countries:
        for d in countries:
            if o == d:
                continue
            dist = math.dist(xy[o], xy[d])
            tariff = 0.25 if (o in concern and d not in concern and rng.random() < 0.5) else 0.0
            for p in products if per_product else [None]:
                lanes.append(
                    {
                        "origin": o,
                        "destination": d,
                        "product": p,
                        "freight_cost": round(0.15 * dist, 3),
                        "tariff_rate": tariff,
                    }
                )
    caps = [{"market": c, "cap": 0.3} for c in countries if c not in concern and rng.random() < 0.33]
    caps.append({"product": products[0], "cap": 0.6, "scope": "total"})
    scenarios, disruptions, shocks = scenario_records(nscen, countries, concern, products, lambda _k: rng)
    stock = []
    for p, c in rng.sample(sorted(demand), min(10, len(demand))):
        stock.append({"market": c, "product": p, "max_stock": round(demand[(p, c)] * 0.3, 1), "holding_cost": 2.0})
    return {
        "Settings": [
            {"setting": "unmet_penalty", "value": 200},
            {"setting": "currency", "value": "USD million"},
            {"setting": "time_limit_s", "value": 600},
        ],
        "Countries": [{"country": c, "concern": c in concern} for c in countries],
        "Products": [{"product": p, "unit": "units", "reserve_share": 0.05} for p in products],
        "Sites": sites,
        "Demand": [{"market": c, "product": p, "demand": d} for (p, c), d in demand.items()],
        "Lanes": lanes,
        "Caps": caps,
        "Scenarios": scenarios,
        "Disruptions": disruptions,
        "Shocks": shocks,
        "Stockpiles": stock if nscen else [],
    }


def write(size: str, path: Path, seed: int = 0) -> Path:
    """Write the synthetic workbook: the version-1 sizes through the same writer as the template
    (about 5 s for R100k), the tiered ones by ``write_records`` (every column by its contract
    name, whether or not the installed reader knows it yet)."""
    recs = generate(size, seed)
    if is_tiered(size):
        return write_records(recs, path)
    from model.template import write_input_workbook

    sheets = [name for name, rows in recs.items() if rows or name in ("Settings",)]
    return write_input_workbook(path, recs, sheets=sheets)


def write_records(recs: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """Workbook records as an .xlsx file: one sheet per non-empty record list (and Settings), the
    header the union of the records' keys in order of first use, blanks for None."""
    import xlsxwriter

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    book = xlsxwriter.Workbook(str(tmp))
    for name, rows in recs.items():
        if not rows and name != "Settings":
            continue
        ws = book.add_worksheet(name)
        header = list(dict.fromkeys(k for r in rows for k in r))
        for j, key in enumerate(header):
            ws.write_string(0, j, key)
        for i, r in enumerate(rows, start=1):
            for j, key in enumerate(header):
                v = r.get(key)
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    book.close()
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------------
# Tiered, multi-period cases (contract version 2): tier-S ... tier-XL
# ------------------------------------------------------------------------------------------

TIER_SIZES: dict[str, dict[str, Any]] = {
    "tier-S": {"countries": 10, "chains": 2, "sites_per_product": 5, "periods": 3, "scenarios": 2, "near": 5},
    "tier-M": {"countries": 16, "chains": 4, "sites_per_product": 9, "periods": 4, "scenarios": 3, "near": 7},
    "tier-L": {"countries": 24, "chains": 6, "sites_per_product": 14, "periods": 4, "scenarios": 5, "near": 9},
    "tier-XL": {"countries": 40, "chains": 10, "sites_per_product": 24, "periods": 4, "scenarios": 8, "near": 12},
}
"""Tiered cases. Chain k is ``2 + k % 3`` tiers deep (raw material ``K<k>T0`` up to the final
product); every product above the raw tier is made from the tier below it and, for the first tier
above raw and half of the others, a second input (another chain's raw material); a few plants
have their own recipe rows (a better yield, or one input removed). Final products have demand in
most countries, growing by period; the intermediates' need comes from the recipes alone."""

PERIOD_YEARS = (2026, 2028, 2030, 2035, 2040, 2045, 2050, 2055)
"""First years of the periods; a case over n periods takes the first n (the tier sizes 3 or 4, the
scaling base ``SCALING_PERIODS``). The first five are those of the tier sizes since they were made."""
CANDIDATE_SHARE = 0.3
"""Share of each product's plants that are candidates (they could add about 70% of its gross requirement)."""
MODULE_SHARE = 0.2
"""Share of plants that may add expansion modules."""


def _gross(final: dict[str, float], recipe: dict[tuple[str, str], float], products: list[str]) -> dict[str, float]:
    """R[p] = final[p] + sum_q a[q,p] R[q] (products listed downstream first)."""
    req: dict[str, float] = {}
    for p in products:
        req[p] = final.get(p, 0.0) + sum(a * req[q] for (q, i), a in recipe.items() if i == p)
    return req


def generate_tiers(
    size: str, seed: int = 0, periods: int | None = None, scenarios: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Workbook records (sheet -> rows, contract version 2) of a tiered network over periods.

    Countries on a plane; lanes only between near countries (each country's ``near`` nearest, both
    ways) and from the hub countries to every country, so hubs carry trade that has no lane of its
    own. About one country in six is a concern country, where raw materials are cheaper and more
    common. Existing plants make 97% of each product's gross requirement in the first period,
    candidates (some with lead times: ``available_from`` a later period) and modules the growth;
    some existing plants are closable, some close (``available_until``) or start later.
    Caps: look-through caps on final products in a third of the markets, tightened from the third
    period (phased Caps rows), direct caps on raw materials in a few pools, one ``total`` cap;
    tariffs from concern countries, raised from the third period (a Lanes row with ``period``).
    Scenarios as in ``generate``. Stockpiles of final and intermediate products. Groups: each
    chain's new final plants (at most two thirds open) and the hubs (at least one open).

    ``periods`` and ``scenarios`` replace the size's own (the scaling base, ``scaled_tiers``). The
    network stays the size's own: the growth of the periods past the size's own is drawn from a
    random stream of its own (seeded ``"<size>-<seed>-growth"``), and the scenarios past the size's
    own number from another (``"<size>-<seed>-scenarios"``), so every other draw (countries,
    plants, lanes, caps, recipes, the size's own scenarios, stockpiles) is the same call on the
    same stream as for the size itself; the planned closures stay at the size's own
    ``years[periods - 2]``. Over more periods than ``GROWTH_PERIODS`` each period's growth factor u
    (drawn in [1.05, 1.15]) is taken as u ** ((GROWTH_PERIODS - 1) / (periods - 1)), so that the
    whole horizon grows about as much as a 4-period case (about 1.33x) and existing plants,
    candidates and modules can still meet the last period's demand.
    """
    cfg = TIER_SIZES[size]
    rng = random.Random(f"{size}-{seed}")
    nc, nk, nsp, nper, nscen = (
        cfg["countries"],
        cfg["chains"],
        cfg["sites_per_product"],
        cfg["periods"] if periods is None else periods,
        cfg["scenarios"] if scenarios is None else scenarios,
    )
    if not 1 <= nper <= len(PERIOD_YEARS):
        raise ValueError(f"{size}: {nper} periods, but PERIOD_YEARS has {len(PERIOD_YEARS)} (at least 1)")
    years = PERIOD_YEARS[:nper]
    closing = years[cfg["periods"] - 2] if nper > cfg["periods"] else years[nper - 2]  # planned closures
    countries = [f"C{i:03d}" for i in range(nc)]
    concern = set(countries[1::6])
    allies = [c for c in countries if c not in concern]
    xy = {c: (rng.uniform(0, 10), rng.uniform(0, 10)) for c in countries}
    centre = (5.0, 5.0)
    hub_countries = sorted(allies, key=lambda c: math.dist(xy[c], centre))[: max(1, nc // 12)]

    # products, recipes (downstream first for the gross requirement)
    chains = [[f"K{k}T{j}" for j in range(2 + k % 3)] for k in range(nk)]
    raws = [ch[0] for ch in chains]
    finals = [ch[-1] for ch in chains]
    recipe: dict[tuple[str, str], float] = {}
    for k, ch in enumerate(chains):
        for j in range(1, len(ch)):
            recipe[(ch[j], ch[j - 1])] = round(rng.uniform(1.05, 1.3), 2)
            if j == 1 or rng.random() < 0.5:
                recipe[(ch[j], raws[(k + 1) % nk] if nk > 1 else ch[0])] = round(rng.uniform(0.2, 0.5), 2)
    products = [p for ch in chains for p in reversed(ch)]  # downstream first within each chain
    order = sorted(products, key=lambda p: -int(p.split("T")[1]))  # all finals/higher tiers first

    # demand of final products, growing by period
    steps = [rng.uniform(1.05, 1.15) for _ in range(cfg["periods"] - 1)]  # the size's own draws
    more_steps = random.Random(f"{size}-{seed}-growth")  # the periods past the size's own
    steps = steps[: nper - 1] + [more_steps.uniform(1.05, 1.15) for _ in range(nper - 1 - len(steps))]
    damp = (GROWTH_PERIODS - 1) / (nper - 1) if nper > GROWTH_PERIODS else 1.0
    growth = [1.0]
    for u in steps:
        growth.append(growth[-1] * u**damp)
    base_demand: dict[tuple[str, str], float] = {}
    for p in finals:
        for c in countries:
            if rng.random() < 0.85:
                base_demand[(p, c)] = round(rng.lognormvariate(4, 0.7), 1)
    final_total = defaultdict(float)
    for (p, _), d in base_demand.items():
        final_total[p] += d
    req = _gross(final_total, recipe, order)

    # sites
    sites: list[dict[str, Any]] = []
    unit_cost: dict[str, float] = {}
    site_rows: list[dict[str, Any]] = []
    for p in products:
        tier = int(p.split("T")[1])
        is_raw = tier == 0
        shares = [rng.random() + 0.2 for _ in range(nsp)]
        first_candidate = int(nsp * (1 - CANDIDATE_SHARE))
        norm = {False: sum(shares[:first_candidate]), True: sum(shares[first_candidate:])}
        for i in range(nsp):
            in_concern = rng.random() < (0.4 if is_raw else 0.15)
            c = rng.choice(sorted(concern) if in_concern else allies)
            candidate = i >= first_candidate
            cost = rng.uniform(8, 14) * (0.7 if in_concern else 1.0)
            # existing plants make 97% of the first period's gross requirement, candidates 70% more
            cap = round(shares[i] / norm[candidate] * req[p] * (0.7 if candidate else 0.97), 1)
            name = f"{p}-S{i:03d}"
            status = "candidate" if candidate else ("closable" if rng.random() < 0.15 else "existing")
            site: dict[str, Any] = {
                "site": name,
                "country": c,
                "product": p,
                "status": status,
                "capacity": cap,
                "unit_cost": round(cost, 3),
                "fixed_cost": round(cap * rng.uniform(1.5, 4.0), 1)
                if candidate
                else round(cap * rng.uniform(0.2, 0.8), 1),
                "reserve_cost": round(cost * 0.1, 3),
            }
            if rng.random() < MODULE_SHARE:
                site |= {
                    "module_capacity": round(cap * 0.3, 1),
                    "module_cost": round(cap * 0.3 * rng.uniform(1.0, 2.5), 1),
                    "max_modules": rng.randint(1, 3),
                }
            if candidate and rng.random() < 0.6 and nper > 1:  # lead time
                site["available_from"] = years[1] if rng.random() < 0.65 else years[min(2, nper - 1)]
            elif not candidate and rng.random() < 0.08 and nper > 1:  # under construction
                site["available_from"] = years[1]
            elif not candidate and rng.random() < 0.06 and nper > 2:  # planned closure
                site["available_until"] = closing
            if candidate and p in finals:
                site["group"] = f"new-{p.split('T')[0]}"
            sites.append(site)
            unit_cost[name] = cost
            site_rows.append(site)
    existing = sorted(  # the smallest existing raw-material plants first
        (r for r in site_rows if r["status"] != "candidate" and "available_from" not in r),
        key=lambda r: (r["product"] not in raws, r["capacity"]),
    )
    if nper > 2 and not any("available_until" in r for r in site_rows):  # every feature, even in tier-S
        existing[0]["available_until"] = closing
    if nper > 1 and not any("available_from" in r for r in site_rows if r["status"] != "candidate"):
        existing[1]["available_from"] = years[1]
    for p in finals:  # hubs of the final products, in the hub countries
        for h, c in enumerate(hub_countries):
            sites.append(
                {
                    "site": f"{p}-H{h}",
                    "country": c,
                    "product": p,
                    "status": "existing" if h == 0 else "candidate",
                    "capacity": round(req[p] * 0.25, 1),
                    "unit_cost": 0.3,
                    "fixed_cost": round(req[p] * 0.05, 1),
                    "role": "hub",
                    "group": "hubs",
                }
            )
    finals_candidates = nsp - int(nsp * (1 - CANDIDATE_SHARE))  # per final product: the group's size
    recipes = [{"product": q, "input": i, "quantity": a} for (q, i), a in recipe.items()]
    for site in rng.sample(site_rows, max(2, len(site_rows) // 25)):  # plant-level recipe rows
        q = site["product"]
        ins = [i for (qq, i) in recipe if qq == q]
        if not ins:
            continue
        if len(ins) > 1 and rng.random() < 0.5:
            recipes.append({"product": q, "input": ins[1], "quantity": 0, "site": site["site"]})
        else:
            recipes.append(
                {"product": q, "input": ins[0], "quantity": round(recipe[(q, ins[0])] * 0.9, 2), "site": site["site"]}
            )

    # lanes: near countries both ways, hub countries to and from everyone
    near: set[tuple[str, str]] = set()
    for o in countries:
        for d in sorted((d for d in countries if d != o), key=lambda d: math.dist(xy[o], xy[d]))[: cfg["near"]]:
            near |= {(o, d), (d, o)}
    for hc in hub_countries:
        near |= {(hc, d) for d in countries if d != hc} | {(d, hc) for d in countries if d != hc}
    lanes: list[dict[str, Any]] = []
    for o, d in sorted(near):
        dist = math.dist(xy[o], xy[d])
        tariffed = o in concern and d not in concern and rng.random() < 0.6
        lanes.append(
            {
                "origin": o,
                "destination": d,
                "freight_cost": round(0.15 * dist, 3),
                "tariff_rate": 0.25 if tariffed else 0.0,
            }
        )
        if tariffed and nper > 2:  # a tariff schedule: raised from the third period
            lanes.append(
                {
                    "origin": o,
                    "destination": d,
                    "freight_cost": round(0.15 * dist, 3),
                    "tariff_rate": 0.5,
                    "period": years[2],
                }
            )

    # caps: look-through on final products (phased), direct on raw materials, one total
    caps: list[dict[str, Any]] = []
    for c in allies:
        if rng.random() < 0.33:
            p = rng.choice(finals)
            caps.append({"product": p, "market": c, "cap": 0.5})
            if nper > 2:
                caps.append({"product": p, "market": c, "cap": 0.35, "period": years[2]})
    consuming = sorted({(i, s["country"]) for s in site_rows for (q, i) in recipe if q == s["product"] and i in raws})
    for p, c in rng.sample(consuming, min(len(consuming), max(2, nc // 6))):
        if c not in concern:
            caps.append({"product": p, "market": c, "cap": 0.6, "basis": "direct"})
    caps.append({"product": finals[0], "cap": 0.6, "scope": "total"})

    more = random.Random(f"{size}-{seed}-scenarios")  # the scenarios past the size's own
    scenarios, disruptions, shocks = scenario_records(
        nscen, countries, concern, finals, lambda k: rng if k < cfg["scenarios"] else more
    )
    stock = []
    for p, c in rng.sample(sorted(base_demand), min(6, len(base_demand))):
        stock.append({"market": c, "product": p, "max_stock": round(base_demand[(p, c)] * 0.3, 1), "holding_cost": 2.0})
    inter = sorted({(i, s["country"]) for s in site_rows for (q, i) in recipe if q == s["product"]})
    for p, c in rng.sample(inter, min(4, len(inter))):
        stock.append({"market": c, "product": p, "max_stock": round(req[p] / nsp * 0.2, 1), "holding_cost": 1.0})

    demand_rows = []
    for (p, c), d in base_demand.items():
        for t, y in enumerate(years):
            demand_rows.append(
                {"market": c, "product": p, "demand": round(d * growth[t], 1), "period": None if t == 0 else y}
            )
    return {
        "Settings": [
            {"setting": "unmet_penalty", "value": 400},
            {"setting": "currency", "value": "USD million"},
            {"setting": "time_limit_s", "value": 600},
            {"setting": "discount_rate", "value": 0.05},
        ],
        "Countries": [{"country": c, "concern": c in concern} for c in countries],
        "Products": [
            {
                "product": p,
                "unit": "units",
                "reserve_share": 0.05 if p in finals or p in raws else 0.0,
                "customs_value": 30.0 if p in finals else None,
            }
            for p in products
        ],
        "Sites": sites,
        "Demand": demand_rows,
        "Lanes": lanes,
        "Caps": caps,
        "Scenarios": scenarios,
        "Disruptions": disruptions,
        "Shocks": shocks,
        "Stockpiles": stock if nscen else [],
        "Recipes": recipes,
        "Groups": [
            *({"group": f"new-K{k}", "max_open": max(1, math.ceil(finals_candidates * 2 / 3))} for k in range(nk)),
            {"group": "hubs", "min_open": 1},
        ],
        "Periods": [{"period": y} for y in years],
    }


GROWTH_PERIODS = 4
"""Over more periods than this, demand grows per period so that the whole horizon grows about as
much as over this many (``generate_tiers``)."""


# ------------------------------------------------------------------------------------------
# Scaling variants: tier-X-p{k} (k periods) and tier-X-s{k} (k scenarios), one network cut down
# ------------------------------------------------------------------------------------------

SCALING_PERIODS = 8
"""Periods of the scaling base (``scaled_tiers``): the most a ``-p{k}`` case can have."""
SCALING_SCENARIOS = 10
"""Scenarios of the scaling base: the most a ``-s{k}`` case can have."""
_SCALING_NAME = re.compile(r"(tier-(?:S|M|L|XL))-([ps])(\d+)")


def scaling_variant(case: str) -> tuple[str, int, int] | None:
    """``(tier size, periods, scenarios)`` of a scaling case name, or None if ``case`` is not one.

    ``tier-X-p{k}``: k periods (1 to ``SCALING_PERIODS``) at the size's own scenarios;
    ``tier-X-s{k}``: k scenarios (0 to ``SCALING_SCENARIOS``) at the size's own periods. A name of
    that form with k out of range raises ``ValueError``."""
    got = _SCALING_NAME.fullmatch(case)
    if got is None:
        return None
    size, kind, k = got.group(1), got.group(2), int(got.group(3))
    cfg = TIER_SIZES[size]
    if kind == "p":
        if not 1 <= k <= SCALING_PERIODS:
            raise ValueError(f"{case}: periods go from 1 to {SCALING_PERIODS}")
        return size, k, cfg["scenarios"]
    if not 0 <= k <= SCALING_SCENARIOS:
        raise ValueError(f"{case}: scenarios go from 0 to {SCALING_SCENARIOS}")
    return size, cfg["periods"], k


def scaled_tiers(size: str, periods: int, scenarios: int, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """The scaling base of ``size`` (``generate_tiers`` at ``SCALING_PERIODS`` periods and
    ``SCALING_SCENARIOS`` scenarios, the same seed) cut to its first ``periods`` periods and first
    ``scenarios`` scenarios: every case of a size's series is one network, cut down."""
    base = generate_tiers(size, seed, periods=SCALING_PERIODS, scenarios=SCALING_SCENARIOS)
    return cut_scenarios(cut_periods(base, periods), scenarios)


def cut_periods(recs: dict[str, list[dict[str, Any]]], k: int) -> dict[str, list[dict[str, Any]]]:
    """The network over its first ``k`` periods (a copy).

    Periods: the first k rows. Demand, Lanes, Caps: rows of a later period dropped. Sites: a site
    available only from after the last kept period is left out (with its plant-level Recipes rows,
    and a Groups row none of whose sites is left); an ``available_until`` at or after the last
    kept period is dropped (the site is open to the end of the kept horizon)."""
    if "Periods" not in recs or not 1 <= k <= len(recs["Periods"]):
        raise ValueError(f"cannot keep {k} periods of a network with {len(recs.get('Periods', []))}")
    out = {name: [dict(r) for r in rows] for name, rows in recs.items()}
    out["Periods"] = out["Periods"][:k]
    last = max(r["period"] for r in out["Periods"])
    for name in ("Demand", "Lanes", "Caps"):
        out[name] = [r for r in out[name] if r.get("period") is None or r["period"] <= last]
    sites = []
    for r in out["Sites"]:
        if r.get("available_from") is not None and r["available_from"] > last:
            continue
        if r.get("available_until") is not None and r["available_until"] >= last:
            del r["available_until"]
        sites.append(r)
    out["Sites"] = sites
    kept = {r["site"] for r in sites}
    out["Recipes"] = [r for r in out.get("Recipes", []) if r.get("site") is None or r["site"] in kept]
    named = {r["group"] for r in sites if r.get("group")}
    out["Groups"] = [r for r in out.get("Groups", []) if r["group"] in named]
    return out


def cut_scenarios(recs: dict[str, list[dict[str, Any]]], k: int) -> dict[str, list[dict[str, Any]]]:
    """The network with its first ``k`` scenarios alone (a copy): the Scenarios rows and their
    Disruptions and Shocks rows; with none, no Stockpiles either (as ``generate_tiers`` does)."""
    if not 0 <= k <= len(recs["Scenarios"]):
        raise ValueError(f"cannot keep {k} scenarios of a network with {len(recs['Scenarios'])}")
    out = {name: [dict(r) for r in rows] for name, rows in recs.items()}
    out["Scenarios"] = out["Scenarios"][:k]
    names = {r["scenario"] for r in out["Scenarios"]}
    for name in ("Disruptions", "Shocks"):
        out[name] = [r for r in out[name] if r["scenario"] in names]
    if not k:
        out["Stockpiles"] = []
    return out


def single_period(recs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The same network over its first period alone: no Periods sheet, no rows that start later,
    no availability windows and no discount rate (for comparing the cost of periods)."""
    out = {name: [dict(r) for r in rows if r.get("period") is None] for name, rows in recs.items() if name != "Periods"}
    for r in out["Sites"]:
        r.pop("available_from", None)
        r.pop("available_until", None)
    for rows in out.values():
        for r in rows:
            r.pop("period", None)
    out["Settings"] = [r for r in out["Settings"] if r["setting"] != "discount_rate"]
    return out


def single_tier(recs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The same network's final products alone, as version 1 knows them: no recipes, hubs,
    groups, closable sites, customs values or direct caps (for comparing the cost of tiers)."""
    finals = {r["product"] for r in recs["Demand"]}
    out = {name: [dict(r) for r in rows] for name, rows in recs.items() if name not in ("Recipes", "Groups")}
    out["Products"] = [r for r in out["Products"] if r["product"] in finals]
    for r in out["Products"]:
        r.pop("customs_value", None)
    out["Sites"] = [r for r in out["Sites"] if r["product"] in finals and r.get("role") != "hub"]
    for r in out["Sites"]:
        r.pop("group", None)
        if r["status"] == "closable":
            r["status"] = "existing"
    out["Caps"] = [r for r in out["Caps"] if r.get("basis", "lookthrough") == "lookthrough"]
    out["Stockpiles"] = [r for r in out["Stockpiles"] if r["product"] in finals]
    return out


def direct_caps(recs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The same network with every cap on the ``direct`` basis (no concern-free mass balance): the
    cost of look-through caps is the difference."""
    out = {name: [dict(r) for r in rows] for name, rows in recs.items()}
    caps: dict[tuple, dict[str, Any]] = {}  # a row that became a duplicate of a direct one: the first kept
    for r in out["Caps"]:
        caps.setdefault((r.get("product"), r.get("market"), r.get("scope"), r.get("period")), r | {"basis": "direct"})
    out["Caps"] = list(caps.values())
    return out


def caps_lapse(recs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The same network with ``caps_in_scenarios: lapse``: the caps bind the normal year only (the
    cost of caps that hold in the crises, against it)."""
    out = dict(recs)
    out["Settings"] = [*recs["Settings"], {"setting": "caps_in_scenarios", "value": "lapse"}]
    return out


VARIANTS = {"1p": single_period, "flat": single_tier, "direct": direct_caps, "lapse": caps_lapse}
"""Case-name suffixes: ``tier-L-1p`` is tier-L over its first period alone, ``tier-L-flat`` its
final products alone (no recipes, hubs, groups, closable plants or direct caps) over the periods,
``tier-L-direct`` with every cap on the direct basis (no concern-free mass balance),
``tier-L-lapse`` with the caps lapsing in the scenarios (``caps_in_scenarios: lapse``)."""


def is_tiered(case: str) -> bool:
    """Whether ``case`` names a tiered case or one of its variants (``tier-L``, ``tier-L-1p``,
    ``tier-L-p8``, ``tier-L-s0``; a scaling name out of range, ``tier-L-p9``, is not one)."""
    base, _, variant = case.rpartition("-")
    if case in TIER_SIZES or (base in TIER_SIZES and variant in VARIANTS):
        return True
    try:
        return scaling_variant(case) is not None
    except ValueError:
        return False
