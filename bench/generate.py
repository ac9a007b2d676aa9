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
from pathlib import Path
from typing import Any

SIZES: dict[str, dict[str, Any]] = {
    "S": {"countries": 12, "products": 3, "sites_per_product": 8, "scenarios": 2},
    "M": {"countries": 25, "products": 4, "sites_per_product": 20, "scenarios": 4},
    "L": {"countries": 40, "products": 4, "sites_per_product": 36, "scenarios": 6},
    "XL": {"countries": 100, "products": 5, "sites_per_product": 90, "scenarios": 10},
    "R100k": {"countries": 100, "products": 11, "sites_per_product": 4, "scenarios": 0, "lanes_per_product": True},
}


def generate(size: str, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """Workbook records (sheet -> rows) for a synthetic network of the given size."""
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
    scenarios, disruptions, shocks = [], [], []
    for k in range(nscen):
        name = f"W{k:02d}"
        kind = k % 3
        scenarios.append({"scenario": name, "weight": 0.02, "max_shortfall": 0.9 if kind == 2 else None})
        if kind == 0:
            disruptions.append({"scenario": name, "country": rng.choice(countries), "capacity_loss": 1.0})
        elif kind == 1:
            for c in concern:
                disruptions.append({"scenario": name, "country": c, "capacity_loss": 0.5})
        else:
            shocks.append({"scenario": name, "product": rng.choice(products), "demand_factor": 1.3})
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
    """Write the synthetic workbook through the same writer as the template (about 5 s for R100k)."""
    from model.template import write_input_workbook

    recs = generate(size, seed)
    sheets = [name for name, rows in recs.items() if rows or name in ("Settings",)]
    return write_input_workbook(path, recs, sheets=sheets)
