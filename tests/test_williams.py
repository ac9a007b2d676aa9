"""Williams' depot examples 19 and 20 (reference/williams.md): hubs, closable sites, candidate hubs
with a module, and a group limit, through the workbook path (records -> .xlsx -> read -> build ->
HiGHS). The flows have ties: the tests assert the objective and the design."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REFERENCE, solve_records

FACTORIES = {"Liverpool": 150_000, "Brighton": 200_000}
DEPOTS = {"Newcastle": 70_000, "Birmingham": 50_000, "London": 100_000, "Exeter": 40_000}
CUSTOMERS = {"C1": 50_000, "C2": 10_000, "C3": 40_000, "C4": 35_000, "C5": 60_000, "C6": 20_000}
NEW_DEPOTS = {"Bristol": (30_000, 12_000), "Northampton": (25_000, 4_000)}
NEW_LANES = {
    ("Liverpool", "Bristol"): 0.6,
    ("Liverpool", "Northampton"): 0.4,
    ("Brighton", "Bristol"): 0.4,
    ("Brighton", "Northampton"): 0.3,
    ("Bristol", "C1"): 1.2,
    ("Bristol", "C2"): 0.6,
    ("Bristol", "C3"): 0.5,
    ("Bristol", "C5"): 0.3,
    ("Bristol", "C6"): 0.8,
    ("Northampton", "C2"): 0.4,
    ("Northampton", "C4"): 0.5,
    ("Northampton", "C5"): 0.6,
    ("Northampton", "C6"): 0.9,
}
"""Example 20's additions, as listed in reference/williams.md."""


def cost_table() -> dict[tuple[str, str], float]:
    """Example 19's cost per tonne, (supplier, destination) -> cost, read from the table in
    reference/williams.md (a blank cell: no such lane)."""
    lines = (REFERENCE / "williams.md").read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("| to \\ from"))
    suppliers = [c.strip() for c in lines[start].strip("|").split("|")][1:]
    out = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        for supplier, cell in zip(suppliers, cells[1:], strict=True):
            if cell:
                out[(supplier, cells[0])] = float(cell)
    return out


def example_19() -> dict[str, list[dict[str, Any]]]:
    """Every place a country (none of concern); factories existing plants and depots existing
    hubs (throughput as capacity), unit cost 0; the costs are Lanes freight_cost."""
    places = [*FACTORIES, *DEPOTS, *CUSTOMERS]
    sites = [
        {"site": f, "country": f, "product": "goods", "status": "existing", "capacity": cap, "unit_cost": 0}
        for f, cap in FACTORIES.items()
    ] + [
        {
            "site": d,
            "country": d,
            "product": "goods",
            "status": "existing",
            "capacity": cap,
            "unit_cost": 0,
            "role": "hub",
        }
        for d, cap in DEPOTS.items()
    ]
    return {
        "Settings": [{"setting": "unmet_penalty", "value": 1000}],
        "Countries": [{"country": c, "concern": False} for c in places],
        "Products": [{"product": "goods", "unit": "t"}],
        "Sites": sites,
        "Demand": [{"market": c, "product": "goods", "demand": d} for c, d in CUSTOMERS.items()],
        "Lanes": [{"origin": o, "destination": d, "freight_cost": c} for (o, d), c in cost_table().items()],
    }


def example_20() -> dict[str, list[dict[str, Any]]]:
    """Example 19 plus: Bristol and Northampton candidate hubs; Birmingham one module of 20,000 at
    3,000; Newcastle and Exeter closable (their savings as fixed_cost); all six depots in one
    group with max_open 4; the new lanes."""
    recs = example_19()
    recs["Countries"] += [{"country": c, "concern": False} for c in NEW_DEPOTS]
    closable = {"Newcastle": 10_000, "Exeter": 5_000}
    for site in recs["Sites"]:
        if site.get("role") == "hub":
            site["group"] = "depots"
        if site["site"] in closable:
            site.update(status="closable", fixed_cost=closable[site["site"]])
        if site["site"] == "Birmingham":
            site.update(module_capacity=20_000, module_cost=3_000, max_modules=1)
    recs["Sites"] += [
        {
            "site": d,
            "country": d,
            "product": "goods",
            "status": "candidate",
            "capacity": cap,
            "unit_cost": 0,
            "fixed_cost": fixed,
            "role": "hub",
            "group": "depots",
        }
        for d, (cap, fixed) in NEW_DEPOTS.items()
    ]
    recs["Lanes"] += [{"origin": o, "destination": d, "freight_cost": c} for (o, d), c in NEW_LANES.items()]
    recs["Groups"] = [{"group": "depots", "max_open": 4}]
    return recs


def test_table_read_from_the_reference() -> None:
    """The parsed table has example 19's 29 lanes (a check that the parser read every cell)."""
    table = cost_table()
    assert len(table) == 29
    assert table[("Liverpool", "C1")] == 1.0 and table[("Exeter", "C3")] == 0.2


def test_williams_example_19_hubs(tmp_path: Path) -> None:
    """Published optimum 198,500 (a linear programme: depots as hubs with throughput limits)."""
    res = solve_records(tmp_path, example_19())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(198_500, abs=1e-6)
    assert res["Unmet"].empty
    flows = res["Flows"]
    hubs = set(DEPOTS)
    assert not ((flows["site"].isin(hubs)) & (flows["market"] == flows["origin"])).any()


def test_williams_example_20_closable_candidates_group(tmp_path: Path) -> None:
    """Published optimum 174,000, plus the 15,000 of closure savings the contract carries as the
    closable depots' fixed cost: 189,000. Design: open Northampton, close Newcastle, keep Exeter,
    expand Birmingham, Bristol not built (shipping 177,000 + fixed 4,000 + 3,000 + 5,000)."""
    res = solve_records(tmp_path, example_20())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(189_000, abs=1e-6)
    sites = res["Sites"].set_index("site")
    assert sites.loc["Northampton", "built"] and not sites.loc["Bristol", "built"]
    assert not sites.loc["Newcastle", "built"] and sites.loc["Exeter", "built"]
    assert sites.loc["Birmingham", "modules_added"] == 1
    groups = res["Groups"].set_index("group")
    assert groups.loc["depots", "open"] == 4
