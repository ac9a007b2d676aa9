"""Valid tightenings: generated only where their stated assumption holds, and never moving the
optimum (docs/formulation.md, "Valid tightenings").

Each tightening rests on ``model.families.assumptions.need_is_data`` (no site consumes the
product, so its need is the data D). The optima with and without tightenings must agree on every
instance; a Network in which a site consumes a product (a recipe, built by hand here since the
workbook reader does not read recipes yet) must get none of that product's tightenings.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyomo.core as pyo
import pytest

from model.build import build_model
from model.families.assumptions import need_is_data
from model.invariants import check_all
from model.network import Network
from model.results import extract
from model.solve import SolveOptions, solve
from model.workbook import read_workbook
from tests.helpers import BASE, records, write
from tests.test_cover import THREE
from tests.test_micro import BAN, HOME1, RIVAL1, SCENARIO

TIGHTENINGS = ("flow_needs_build", "capacity_cover_rounded")

INSTANCES = {
    "cap 0.5 (880)": records(Caps=[{"cap": 0.5}]),
    "modules (1150)": records(
        Sites=[dict(HOME1, capacity=0, module_capacity=30, module_cost=50, max_modules=3), RIVAL1],
        Caps=[{"cap": 0}],
    ),
    "stress test, no stock (760)": records(Scenarios=[SCENARIO], Disruptions=BAN),
    "rounded cover (3100)": THREE,
    "weighted scenario (880)": records(Scenarios=[{"scenario": "ban", "weight": 0.5}], Disruptions=BAN),
    "reserve (800)": records(
        Sites=[dict(HOME1, reserve_cost=2), RIVAL1], Products=[{"product": "chip", "reserve_share": 0.25}]
    ),
    "stockpile (620)": records(
        Scenarios=[SCENARIO],
        Disruptions=BAN,
        Stockpiles=[{"market": "Home", "product": "chip", "max_stock": 100, "holding_cost": 1}],
    ),
}


def _optimum(net: Network, tighten: bool) -> tuple[float, pyo.ConcreteModel]:
    m = build_model(net, tighten=tighten)
    solved = solve(m, SolveOptions(mip_gap=0.0))
    assert solved.status == "optimal"
    res = extract(m, net, solved)
    assert check_all(res, net) == []
    return res.objective, m


def _rows(m: pyo.ConcreteModel) -> dict[str, int]:
    return {name: len(m.component(name)) for name in TIGHTENINGS}


@pytest.mark.parametrize("name", list(INSTANCES))
def test_the_same_optimum_with_and_without_tightenings(tmp_path: Path, name: str) -> None:
    net = read_workbook(write(tmp_path, INSTANCES[name]))
    tight, with_rows = _optimum(net, tighten=True)
    loose, without_rows = _optimum(net, tighten=False)
    assert loose == pytest.approx(tight, rel=1e-9, abs=1e-9)
    assert sum(_rows(with_rows).values()) > 0  # the instance has tightenings to leave out
    assert _rows(without_rows) == dict.fromkeys(TIGHTENINGS, 0)
    assert all(v.ub is None for v in without_rows.flow.values())  # x <= D is a tightening too


def test_the_same_optimum_on_the_sample(sample_network: Network, solved_sample) -> None:
    loose, m = _optimum(sample_network, tighten=False)
    assert loose == pytest.approx(solved_sample.objective, rel=1e-9)
    assert _rows(m) == dict.fromkeys(TIGHTENINGS, 0)


WAFER = {
    "Products": [{"product": "chip"}, {"product": "wafer"}],
    "Sites": [
        *BASE["Sites"],
        {
            "site": "wafer1",
            "country": "Home",
            "product": "wafer",
            "status": "candidate",
            "capacity": 100,
            "unit_cost": 3,
            "fixed_cost": 50,
        },
    ],
    "Demand": [*BASE["Demand"], {"market": "Home", "product": "wafer", "demand": 30}],
    "Scenarios": [SCENARIO],
    "Disruptions": BAN,
}


def test_a_consumed_product_gets_no_tightening(tmp_path: Path) -> None:
    """chip and wafer, each with a candidate in Home. Version 1: both products' need is data, so
    wafer gets x <= 30, (T) rows (baseline and scenario) and the rounded cover (R) (B = 30,
    d = 100, f = 0.3). With a recipe in which home1 consumes wafer (a[home1, wafer] = 0.5, set
    on the Network by hand), wafer's need is no longer data: none of its tightenings is made,
    while chip keeps its own."""
    net = read_workbook(write(tmp_path, records(**WAFER)))
    assert need_is_data(net, "wafer") and need_is_data(net, "chip")
    m = build_model(net)
    assert m.flow["wafer1", "Home", 0, ""].ub == 30
    assert ("wafer1", "Home", 0, "") in m.flow_needs_build and ("home1", "Home", 0, "") in m.flow_needs_build
    assert ("wafer1", "Home", 0, "ban") in m.flow_needs_build
    assert ("wafer", 0) in m.capacity_cover_rounded

    recipe = dataclasses.replace(net, input_rate={("home1", "wafer"): 0.5})
    assert not need_is_data(recipe, "wafer") and need_is_data(recipe, "chip")
    m = build_model(recipe)
    assert m.flow["wafer1", "Home", 0, ""].ub is None
    assert ("wafer1", "Home", 0, "") not in m.flow_needs_build
    assert ("wafer1", "Home", 0, "ban") not in m.flow_needs_build
    assert ("wafer", 0) not in m.capacity_cover_rounded
    assert ("home1", "Home", 0, "") in m.flow_needs_build  # chip is not consumed: its tightening stays
    assert ("home1", "Home", 0, "ban") in m.flow_needs_build
    assert m.flow["home1", "Home", 0, ""].ub == 80
