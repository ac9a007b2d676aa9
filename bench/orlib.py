"""OR-Library capacitated warehouse location instances (Beasley 1988) in the workbook contract.

Each warehouse is a candidate site in a country of its own, with its capacity and fixed cost;
each customer is a market with its demand; a lane from every warehouse to every customer carries
the delivered cost per unit c_ij / d_j (the file gives c_ij for serving all of customer j).
No caps, no reserve, no scenarios: the model's optimum is then the published one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORLIB = Path(__file__).resolve().parent.parent / "reference" / "orlib"


@dataclass(frozen=True)
class Instance:
    name: str
    capacity: list[float]
    fixed_cost: list[float]
    demand: list[float]
    cost: list[list[float]]  # cost[j][i]: serving all of customer j from warehouse i
    optimum: float


def known_optima(folder: Path = ORLIB) -> list[dict[str, str]]:
    with open(folder / "known_optima.csv", newline="") as f:
        return list(csv.DictReader(f))


def load(name: str, folder: Path = ORLIB) -> Instance:
    """Parse one case of ``known_optima.csv`` (e.g. ``cap41`` or ``capb-5000``)."""
    row = next(r for r in known_optima(folder) if r["instance"] == name)
    tokens = (folder / row["file"]).read_text().split()
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    m, n = int(take()), int(take())
    capacity, fixed = [], []
    for _ in range(m):
        cap = take()
        capacity.append(float(row["capacity_override"]) if cap == "capacity" else float(cap))
        fixed.append(float(take()))
    demand, cost = [], []
    for _ in range(n):
        demand.append(float(take()))
        cost.append([float(take()) for _ in range(m)])
    return Instance(name, capacity, fixed, demand, cost, float(row["optimal_value"]))


def to_records(inst: Instance) -> dict[str, list[dict[str, Any]]]:
    """The instance as workbook records (sheet -> rows)."""
    m, n = len(inst.capacity), len(inst.demand)
    wh = [f"W{i + 1}" for i in range(m)]
    cu = [f"C{j + 1}" for j in range(n)]
    return {
        "Settings": [{"setting": "unmet_penalty", "value": 1e6}, {"setting": "currency", "value": "cost units"}],
        "Countries": [{"country": c, "concern": False} for c in wh + cu],
        "Products": [{"product": "goods", "unit": "units"}],
        "Sites": [
            {
                "site": wh[i],
                "country": wh[i],
                "product": "goods",
                "status": "candidate",
                "capacity": inst.capacity[i],
                "unit_cost": 0.0,
                "fixed_cost": inst.fixed_cost[i],
            }
            for i in range(m)
        ],
        "Demand": [{"market": cu[j], "product": "goods", "demand": inst.demand[j]} for j in range(n)],
        "Lanes": [
            {"origin": wh[i], "destination": cu[j], "freight_cost": inst.cost[j][i] / inst.demand[j]}
            for j in range(n)
            if inst.demand[j] > 0
            for i in range(m)
        ],
    }


SMALL = [r["instance"] for r in known_optima() if r["file"] not in ("capa.txt", "capb.txt", "capc.txt")]
LARGE = [r["instance"] for r in known_optima() if r["file"] in ("capa.txt", "capb.txt", "capc.txt")]
