"""Hand-computed micro instances, one or more per constraint family.

The base network (tests/helpers.py BASE): market Home demands 80 chips (unmet penalty 1000).
Site home1 (Home, candidate): capacity 100, unit_cost 10, fixed_cost 200.
Site rival1 (Rival, concern, existing): capacity 100, unit_cost 5; lane Rival->Home freight 1,
tariff 0.2, so its delivered cost is 5 * 1.2 + 1 = 7.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import BASE, records, solve_records

HOME1 = BASE["Sites"][0]
RIVAL1 = BASE["Sites"][1]


def costs(res) -> dict[str, float]:
    return dict(zip(res["Costs"]["component"], res["Costs"]["value"]))


def test_flows_cheapest_source(tmp_path: Path) -> None:
    """No cap: all 80 from rival1 at 7 = 560 (production 400, tariffs 80, freight 80); nothing built."""
    res = solve_records(tmp_path, records())
    assert res.objective == pytest.approx(560)
    c = costs(res)
    assert (c["production"], c["tariffs"], c["freight"]) == pytest.approx((400, 80, 80))
    assert not res["Sites"].set_index("site").loc["home1", "built"]


def test_dependency_each_cap(tmp_path: Path) -> None:
    """Cap 0.5: 40 from rival1 (280) + 40 from home1 (400) + fixed 200 = 880.

    Cost at cap c: 80c * 7 + 80(1 - c) * 10 + 200, so one point less cap costs 0.8 * 3 = 2.4.
    """
    res = solve_records(tmp_path, records(Caps=[{"cap": 0.5}]))
    assert res.objective == pytest.approx(880)
    dep = res["Dependency"].iloc[0]
    assert dep["concern_share"] == pytest.approx(0.5) and dep["binding"]
    assert dep["marginal_cost_per_point"] == pytest.approx(2.4)


def test_marginal_cost_matches_finite_difference(tmp_path: Path) -> None:
    """The LP-dual marginal cost equals the cost difference of two solves one point apart."""
    a = solve_records(tmp_path, records(Caps=[{"cap": 0.5}]))
    b = solve_records(tmp_path, records(Caps=[{"cap": 0.49}]))
    fd = b.objective - a.objective
    assert a["Dependency"].iloc[0]["marginal_cost_per_point"] == pytest.approx(fd, rel=1e-6)


def test_unmet_demand_when_capacity_short(tmp_path: Path) -> None:
    """Cap 0 and home1 capacity 50: 50 from home1 (500 + 200 fixed), 30 unmet * 1000 = 30,700."""
    sites = [dict(HOME1, capacity=50), RIVAL1]
    res = solve_records(tmp_path, records(Sites=sites, Caps=[{"cap": 0}]))
    assert res.objective == pytest.approx(30700)
    assert res["Unmet"]["unmet"].tolist() == pytest.approx([30])


def test_modules(tmp_path: Path) -> None:
    """Cap 0, home1 capacity 0 + modules of 30 at 50 (max 3): 3 modules, 800 + 200 + 150 = 1150."""
    sites = [dict(HOME1, capacity=0, module_capacity=30, module_cost=50, max_modules=3), RIVAL1]
    res = solve_records(tmp_path, records(Sites=sites, Caps=[{"cap": 0}]))
    assert res.objective == pytest.approx(1150)
    assert res["Sites"].set_index("site").loc["home1", "modules_added"] == 3


def test_modules_need_a_built_candidate(tmp_path: Path) -> None:
    """Modules cheaper than the base build cannot be added without building: (3) forces b = 1.

    home1: capacity 10, fixed 1000; modules of 40 at 1 each (max 2). Cap 0: serving 80 needs
    10 + 2*40 = 90 capacity -> build (1000) + 2 modules (2) + 800 production = 1802, versus
    80,000 unmet.
    """
    sites = [dict(HOME1, capacity=10, fixed_cost=1000, module_capacity=40, module_cost=1, max_modules=2), RIVAL1]
    res = solve_records(tmp_path, records(Sites=sites, Caps=[{"cap": 0}]))
    assert res.objective == pytest.approx(1802)


def test_reserve(tmp_path: Path) -> None:
    """reserve_share 0.25: 20 units of reserve outside concern countries -> build home1 (200) and
    hold 20 at reserve_cost 2 (40); supply stays with rival1 (560). Total 800."""
    sites = [dict(HOME1, reserve_cost=2), RIVAL1]
    res = solve_records(tmp_path, records(Sites=sites, Products=[{"product": "chip", "reserve_share": 0.25}]))
    assert res.objective == pytest.approx(800)
    assert res["Sites"].set_index("site").loc["home1", "reserve"] == pytest.approx(20)


def test_dependency_total_cap(tmp_path: Path) -> None:
    """Markets Home (80) and Ally (40); total cap 0.5 over both (at most 60 from Rival).

    Delivered: rival->Home 7, rival->Ally 6 (freight 1), home1->Home 10, home1->Ally 12 (freight 2).
    Cutting rival supply costs 3 per unit at Home, 6 at Ally: rival serves Ally 40 + Home 20,
    home1 serves Home 60. Cost 240 + 140 + 600 + 200 = 1180.
    """
    recs = records(
        Demand=[*BASE["Demand"], {"market": "Ally", "product": "chip", "demand": 40}],
        Lanes=[
            *BASE["Lanes"],
            {"origin": "Rival", "destination": "Ally", "freight_cost": 1},
            {"origin": "Home", "destination": "Ally", "freight_cost": 2},
        ],
        Caps=[{"cap": 0.5, "scope": "total"}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(1180)
    total = res["Dependency"][res["Dependency"]["scope"] == "total"].iloc[0]
    assert total["concern_share"] == pytest.approx(0.5) and total["binding"]


SCENARIO = {"scenario": "ban", "weight": 0, "max_shortfall": 0.25}
BAN = [{"scenario": "ban", "country": "Rival", "capacity_loss": 1}]


def test_stockpile_needed(tmp_path: Path) -> None:
    """Stress test 'ban' (weight 0): Rival cut off, at most 25% short -> 60 must be served.

    Stock at holding cost 1 (60) beats building home1 (200): 560 + 60 = 620.
    """
    recs = records(
        Scenarios=[SCENARIO],
        Disruptions=BAN,
        Stockpiles=[{"market": "Home", "product": "chip", "max_stock": 100, "holding_cost": 1}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(620)
    assert res["Stockpiles"]["stock"].tolist() == pytest.approx([60])
    row = res["Scenarios"].iloc[0]
    assert row["stock_drawn"] == pytest.approx(60) and row["served_share"] == pytest.approx(0.75)


def test_spare_capacity_needed(tmp_path: Path) -> None:
    """Same stress test without stockpiles: home1 must be built (200) though the baseline buys from
    rival1 (560): 760. In the scenario home1 serves all 80 (its own cheapest response)."""
    res = solve_records(tmp_path, records(Scenarios=[SCENARIO], Disruptions=BAN))
    assert res.objective == pytest.approx(760)
    sites = res["Sites"].set_index("site")
    assert sites.loc["home1", "built"] and sites.loc["home1", "production"] == 0
    assert sites.loc["home1", "busiest_scenario_production"] == pytest.approx(80)
    assert res["Scenarios"].iloc[0]["served_share"] == pytest.approx(1.0)


def test_weighted_scenario_cost(tmp_path: Path) -> None:
    """Weight 0.5: the ban comes in half the years, the normal year in the other half. Unbuilt, the
    expected year costs 0.5 * 560 + 0.5 * 80,000 (all 80 unmet); built, 200 + 0.5 * 560 (the
    normal year still buys from rival1) + 0.5 * 800 (home1 makes all 80) = 880. The Costs sheet
    gives the normal year whole (560) and what the ban adds in expectation, 0.5 * (800 - 560) =
    120: 200 + 560 + 120 = 880."""
    recs = records(Scenarios=[{"scenario": "ban", "weight": 0.5}], Disruptions=BAN)
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(880)
    assert costs(res)["expected disruption cost"] == pytest.approx(120)
    summary = res["ScenarioSummary"].iloc[0]
    assert (summary["scenario_cost"], summary["normal_cost"], summary["extra_cost"]) == pytest.approx((1000, 760, 240))


def test_demand_shock(tmp_path: Path) -> None:
    """Surge x1.5 (120) with no disruption, target 0 short: rival1 (100) + home1 20 -> built (200).
    Stress test, so the baseline stays 560 + 200 = 760."""
    recs = records(
        Scenarios=[{"scenario": "surge", "max_shortfall": 0}],
        Shocks=[{"scenario": "surge", "demand_factor": 1.5}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(760)
    assert res["Scenarios"].iloc[0]["demand"] == pytest.approx(120)


def test_adding_a_scenario_never_lowers_cost(tmp_path: Path) -> None:
    base = solve_records(tmp_path, records(Caps=[{"cap": 0.6}]))
    more = solve_records(tmp_path, records(Caps=[{"cap": 0.6}], Scenarios=[SCENARIO], Disruptions=BAN))
    assert more.objective >= base.objective - 1e-6


def test_summary_counts_unmet_markets_and_prices_them_never_adds_products(tmp_path: Path) -> None:
    """Two products in different units, both short in Home. chip (k, penalty 12): home1 (existing,
    50, unit cost 10 < 12) serves 50 of 80, 30 k unmet. ore (t, penalty 3): mine1 (existing, 100,
    unit cost 1) serves 100 of 150, 50 t unmet. Objective 50x10 + 30x12 + 100x1 + 50x3 = 1110.
    The Summary says 2 (product, market) pairs are short and their penalty is 30x12 + 50x3 = 510;
    it never adds 30 k and 50 t (the old unmet_total said 80)."""
    recs = records(
        Products=[{"product": "chip", "unit": "k", "unmet_penalty": 12}, {"product": "ore", "unit": "t",
                  "unmet_penalty": 3}],
        Sites=[{"site": "home1", "country": "Home", "product": "chip", "status": "existing", "capacity": 50,
                "unit_cost": 10},
               {"site": "mine1", "country": "Home", "product": "ore", "status": "existing", "capacity": 100,
                "unit_cost": 1}],
        Demand=[{"market": "Home", "product": "chip", "demand": 80}, {"market": "Home", "product": "ore",
                "demand": 150}],
    )  # fmt: skip
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(1110)
    summary = dict(zip(res["Summary"]["metric"], res["Summary"]["value"]))
    assert summary["unmet_markets"] == 2
    assert summary["unmet_penalty"] == pytest.approx(510)
    assert "unmet_total" not in summary
    unmet = res["Unmet"].set_index("product")["unmet"]
    assert unmet.to_dict() == pytest.approx({"chip": 30, "ore": 50})
