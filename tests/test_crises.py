"""Crises as a planner means them (contract version 3): hand-computed cases, one per rule.

The base network (tests/helpers.py BASE): Home demands 80 chips (unmet penalty 1000). home1
(Home, candidate): capacity 100, unit cost 10, fixed cost 200. rival1 (Rival, concern,
existing): capacity 100, unit cost 5, delivered to Home at 5 * 1.2 + 1 = 7.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from model.build import build_model
from model.diagnose import explain_infeasibility
from model.families.stockpiles import stocks_of
from model.invariants import check_all
from model.results import extract
from model.solve import SolveOptions, solve
from model.workbook import WorkbookError, read_workbook
from tests.helpers import BASE, records, solve_network, solve_records, write

HOME1, RIVAL1 = BASE["Sites"]
BAN = [{"scenario": "ban", "country": "Rival", "capacity_loss": 1}]


def costs(res) -> dict[str, float]:
    return dict(zip(res["Costs"]["component"], res["Costs"]["value"]))


def errors_of(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return [f"{i.sheet}!{i.cell}: {i.message}" for i in info.value.issues if i.level == "error"]


# ---------------------------------------------------------------------------------------------
# Probabilities beside the normal year
# ---------------------------------------------------------------------------------------------


def test_probabilities_beside_the_normal_year(tmp_path: Path) -> None:
    """Two crises: the ban (rival1 lost, probability 0.1) and a surge (demand x1.5, 0.2); the
    normal year keeps 0.7.

    Unbuilt: 0.7 * 560 + 0.1 * 80,000 (all unmet) + 0.2 * (100 * 7 + 20 * 1000) = 12,532.
    home1 built (200): the normal year still buys from rival1 (560); the ban is served by home1
    (800), the surge by rival1 100 and home1 20 (900): 200 + 0.7 * 560 + 0.1 * 800 + 0.2 * 900 = 852.
    The Costs sheet: fixed 200, the normal year's production 400, tariffs 80, freight 80, and the
    expected disruption cost 0.1 * (800 - 560) + 0.2 * (900 - 560) = 92; 852 in all."""
    recs = records(
        Scenarios=[{"scenario": "ban", "weight": 0.1}, {"scenario": "surge", "weight": 0.2}],
        Disruptions=BAN,
        Shocks=[{"scenario": "surge", "demand_factor": 1.5}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(852)
    c = costs(res)
    assert (c["fixed"], c["production"], c["tariffs"], c["freight"]) == pytest.approx((200, 400, 80, 80))
    assert c["expected disruption cost"] == pytest.approx(92)
    summary = res["ScenarioSummary"].set_index("scenario")
    assert summary.loc["ban", "scenario_cost"] == pytest.approx(200 + 800)
    assert summary.loc["surge", "normal_cost"] == pytest.approx(200 + 560)
    assert summary.loc["surge", "extra_cost"] == pytest.approx(340)
    assert (summary["cause"] == "").all()  # no crisis is cheaper than a normal year


def test_weights_that_leave_no_normal_year_are_an_error(tmp_path: Path) -> None:
    recs = records(Scenarios=[{"scenario": "ban", "weight": 0.6}, {"scenario": "surge", "weight": 0.4}])
    (err,) = [e for e in errors_of(write(tmp_path, recs)) if "sum to" in e]
    assert err.startswith("Scenarios!B2:") and "(B2, B3) sum to 1" in err and "less than 1" in err


# ---------------------------------------------------------------------------------------------
# Caps that hold in a crisis, against caps that lapse
# ---------------------------------------------------------------------------------------------

HALF_CAP = {
    "Sites": [dict(HOME1, capacity=50), RIVAL1],
    "Caps": [{"cap": 0.5}],
    "Scenarios": [{"scenario": "surge", "weight": 0.1}],
    "Shocks": [{"scenario": "surge", "demand_factor": 1.5}],
}


def test_a_cap_that_holds_in_a_crisis_against_one_that_lapses(tmp_path: Path) -> None:
    """Cap 0.5 on Home's chips; home1 can make 50. Normal year: 40 from rival1 (280) + 40 from
    home1 (400), home1 built (200). The surge (probability 0.1) asks 120.

    hold: rival1 may ship no more than home1 makes: 50 + 50, 20 unmet: 500 + 350 + 20,000 =
    20,850; 200 + 0.9 * 680 + 0.1 * 20,850 = 2,897. The crisis row of Dependency shows the cap
    binding in the surge, and Scenarios the 20 left unmet.
    lapse: rival1 100 (700) + home1 20 (200) = 900; 200 + 0.9 * 680 + 0.1 * 900 = 902."""
    hold = solve_records(tmp_path, records(**HALF_CAP))
    assert hold.objective == pytest.approx(2897)
    dep = hold["Dependency"].set_index("scenario")
    assert dep.loc["surge", "concern_share"] == pytest.approx(0.5) and dep.loc["surge", "binding"]
    assert dep.loc["", "concern_share"] == pytest.approx(0.5)
    assert hold["Scenarios"].iloc[0]["unmet"] == pytest.approx(20)
    settings = [*BASE["Settings"], {"setting": "caps_in_scenarios", "value": "lapse"}]
    lapse = solve_records(tmp_path, records(**HALF_CAP, Settings=settings))
    assert lapse.objective == pytest.approx(902)
    assert "scenario" not in lapse["Dependency"].columns  # the caps bind the normal year only
    assert lapse["Scenarios"].iloc[0]["unmet"] == pytest.approx(0)


def test_a_cap_holding_in_a_crisis_against_a_survival_target_is_explained(tmp_path: Path) -> None:
    """The surge above with at most 10% short (12 of 120): with the cap holding, 20 go unserved
    whatever the design, so no design is feasible; the explanation names the crisis, the market,
    the product, the cap and what could give. With the caps lapsing the target is met."""
    recs = records(**{**HALF_CAP, "Scenarios": [{"scenario": "surge", "weight": 0.1, "max_shortfall": 0.1}]})
    net = read_workbook(write(tmp_path, recs))
    assert solve(build_model(net), SolveOptions()).status == "infeasible"
    (conflict,) = explain_infeasibility(net)
    text = conflict.message
    assert "scenario 'surge', chip in Home" in text and "caps_in_scenarios: hold" in text
    assert "caps_in_scenarios: hold, the default" in text and "capped at 0.5" in text and "(Caps!C2)" in text
    assert "at least 20 k" in text and "to 0.1667" in text
    assert solve(build_model(net.with_settings(caps_in_scenarios="lapse")), SolveOptions()).status == "optimal"


def test_a_mistyped_caps_in_scenarios_is_an_error_with_a_did_you_mean(tmp_path: Path) -> None:
    settings = [*BASE["Settings"], {"setting": "caps_in_scenarios", "value": "hodl"}]
    (err,) = errors_of(write(tmp_path, records(Settings=settings)))
    assert err.startswith("Settings!B3:") and "expected one of: hold, lapse" in err and "did you mean 'hold'" in err


# ---------------------------------------------------------------------------------------------
# Export bans by lane
# ---------------------------------------------------------------------------------------------


def export_ban(**closure: str | None) -> dict[str, list[dict[str, object]]]:
    """Rival also demands 50 chips, served at home by rival1 (capacity 200, 5 a chip). The ban
    (probability 0.1) is a Closures row."""
    return records(
        Sites=[HOME1, dict(RIVAL1, capacity=200)],
        Demand=[*BASE["Demand"], {"market": "Rival", "product": "chip", "demand": 50}],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Closures=[{"scenario": "ban", **closure}],
    )


@pytest.mark.parametrize("origin", ["Rival", "Concern"])  # the country, or its bloc label
def test_an_export_ban_closes_the_lane_and_leaves_the_home_market(tmp_path: Path, origin: str) -> None:
    """In the ban no chip leaves Rival; rival1 still serves Rival's own 50 (250). Normal year:
    Home from rival1 (560) + Rival 250 = 810. Built, the ban costs 250 + 80 * 10 = 1,050:
    200 + 0.9 * 810 + 0.1 * 1,050 = 1,034. Unbuilt, 0.9 * 810 + 0.1 * (250 + 80,000) = 8,754."""
    res = solve_records(tmp_path, export_ban(origin=origin))
    assert res.objective == pytest.approx(1034)
    flows = res["ScenarioFlows"].set_index(["site", "market"])["quantity"]
    assert flows[("rival1", "Rival")] == pytest.approx(50) and ("rival1", "Home") not in flows.index
    assert flows[("home1", "Home")] == pytest.approx(80)
    served = res["Scenarios"].set_index("market")["served_share"]
    assert served["Rival"] == pytest.approx(1) and served["Home"] == pytest.approx(1)


def test_no_flow_on_a_closed_lane_is_an_invariant(tmp_path: Path) -> None:
    """The check reads ScenarioFlows against the Closures rows: a flow planted on the closed lane
    is reported with the row that closes it, and the crisis's cost recomputed from its tables (5
    more at 7) no longer matches ScenarioSummary's."""
    net = read_workbook(write(tmp_path, export_ban(origin="Rival")))
    m = build_model(net)
    res = extract(m, net, solve(m, SolveOptions(mip_gap=0.0)))
    assert check_all(res, net) == []
    row = {"scenario": "ban", "site": "rival1", "origin": "Rival", "product": "chip", "market": "Home"}
    planted = pd.DataFrame([{**row, "quantity": 5.0, "delivered_unit_cost": 7.0}])
    res.tables["ScenarioFlows"] = pd.concat([res["ScenarioFlows"], planted], ignore_index=True)
    problems = check_all(res, net)
    assert any("a lane Closures row 2 closes" in p for p in problems)
    # the crisis's cost, recomputed from its tables, no longer matches what ScenarioSummary says
    assert any(p.startswith("ban: extra_cost") for p in problems)


def test_closures_rows_are_checked(tmp_path: Path) -> None:
    """Both ends blank; an origin that is neither a country nor a bloc (with a did-you-mean); a
    bloc label that is also a country's name and stands for another country too."""
    errs = errors_of(write(tmp_path, export_ban(origin=None, destination=None)))
    assert any(e.startswith("Closures!B2:") and "both blank" in e for e in errs), errs
    errs = errors_of(write(tmp_path, export_ban(origin="Rivall")))
    assert any(e.startswith("Closures!B2:") and "did you mean 'Rival'" in e for e in errs), errs
    countries = [*BASE["Countries"][:2], dict(BASE["Countries"][2], bloc="Ally")]
    errs = errors_of(write(tmp_path, {**export_ban(origin="Rival"), "Countries": countries}))
    assert any(e.startswith("Countries!B3:") and "bloc 'Ally' is also a country" in e for e in errs), errs


# ---------------------------------------------------------------------------------------------
# The value of lost supply, per market
# ---------------------------------------------------------------------------------------------

TWO_MARKETS = {
    "Sites": [
        {"site": "a1", "country": "Home", "product": "chip", "status": "existing", "capacity": 100, "unit_cost": 10}
    ],
    "Demand": [
        {"market": "Home", "product": "chip", "demand": 80},
        {"market": "Ally", "product": "chip", "demand": 80, "unmet_penalty": 3000},
    ],
    "Lanes": [{"origin": "Home", "destination": "Ally"}],
    "Scenarios": [{"scenario": "fire", "weight": 0}],
    "Disruptions": [{"scenario": "fire", "site": "a1", "capacity_loss": 0.5}],
}


def test_two_markets_share_a_short_supply_by_their_value_of_lost_supply(tmp_path: Path) -> None:
    """a1 makes 100 for 160 demanded. Ally's lost supply is worth 3000 a chip, Home's 1000: Ally is
    served whole, Home gets 20: 100 * 10 + 60 * 1000 = 61,000. In the fire (a stress test, a1 at
    half capacity) the cheapest response serves Ally first again: 50 to Ally, 30 short there
    (90,000) and all of Home's 80 (80,000): 500 + 170,000."""
    res = solve_records(tmp_path, records(**TWO_MARKETS))
    assert res.objective == pytest.approx(61_000)
    unmet = res["Unmet"].set_index("market")["unmet"]
    assert unmet.to_dict() == pytest.approx({"Home": 60})
    scen = res["Scenarios"].set_index("market")
    assert scen.loc["Ally", "supplied"] == pytest.approx(50) and scen.loc["Home", "unmet"] == pytest.approx(80)
    assert (scen.loc["Ally", "penalty"], scen.loc["Home", "penalty"]) == (3000, 1000)
    assert res["ScenarioSummary"].iloc[0]["scenario_cost"] == pytest.approx(500 + 170_000)


def test_a_later_demand_row_does_not_inherit_an_earlier_penalty(tmp_path: Path) -> None:
    """Ally's penalty 3000 from 2024; its 2026 row leaves the cell blank: from 2026 the product's."""
    demand = [
        {"market": "Home", "product": "chip", "demand": 80},
        {"market": "Ally", "product": "chip", "demand": 80, "unmet_penalty": 3000, "period": 2024},
        {"market": "Ally", "product": "chip", "demand": 90, "period": 2026},
    ]
    net = read_workbook(
        write(tmp_path, records(**{**TWO_MARKETS, "Demand": demand}, Periods=[{"period": 2024}, {"period": 2026}]))
    )
    assert net.at(2024).penalty("chip", "Ally") == 3000 and net.at(2026).penalty("chip", "Ally") == 1000


def test_a_penalty_on_every_demand_row_needs_none_elsewhere(tmp_path: Path) -> None:
    """Without Settings.unmet_penalty and Products.unmet_penalty, a product whose every Demand row
    gives its own penalty is priced; one with a row that gives none is an error at its product."""
    demand = [{"market": "Home", "product": "chip", "demand": 80, "unmet_penalty": 900}]
    net = read_workbook(write(tmp_path, records(Settings=[], Demand=demand)))
    assert net.penalty("chip", "Home") == 900
    demand.append({"market": "Ally", "product": "chip", "demand": 10})
    errs = errors_of(write(tmp_path, records(Settings=[], Demand=demand), "b.xlsx"))
    assert any(e.startswith("Products!") and "no unmet_penalty" in e for e in errs), errs


# ---------------------------------------------------------------------------------------------
# Stock bought back after a crisis
# ---------------------------------------------------------------------------------------------


def stock(**row: float) -> dict[str, list[dict[str, object]]]:
    """rival1 alone serves Home (560); the ban (probability 0.1) leaves nothing but stock."""
    return records(
        Sites=[RIVAL1],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=BAN,
        Stockpiles=[{"market": "Home", "product": "chip", "max_stock": 100, "holding_cost": 20, **row}],
    )


def test_a_restock_cost_that_makes_stock_worth_holding(tmp_path: Path) -> None:
    """A unit held costs 20 a year and, drawn in the ban, 500 to buy back: 20 + 0.1 * 500 = 70 a
    year, against 0.1 * 1000 of lost supply it saves. 80 held: 560 + 1,600 + 0.1 * (80 * 500 -
    560) = 6,104; the expected disruption cost 3,944 includes the restock."""
    res = solve_records(tmp_path, stock(restock_cost=500))
    assert res.objective == pytest.approx(6104)
    assert res["Stockpiles"]["stock"].tolist() == pytest.approx([80])
    assert costs(res)["expected disruption cost"] == pytest.approx(3944)


def test_a_restock_cost_that_does_not(tmp_path: Path) -> None:
    """At 900 to buy back, a unit costs 20 + 90 = 110 a year against the 100 it saves: none held.
    560 + 0.1 * (80,000 - 560) = 8,504."""
    res = solve_records(tmp_path, stock(restock_cost=900))
    assert res.objective == pytest.approx(8504)
    assert res["Stockpiles"]["stock"].tolist() == pytest.approx([0])


def test_restock_cost_defaults_to_the_customs_value_else_zero_with_a_warning(tmp_path: Path) -> None:
    """Blank restock_cost: the product's customs_value (500: the same optimum as above, no
    warning); without one, 0, with a warning at the stockpile's row."""
    priced = stock()
    priced["Products"] = [{"product": "chip", "unit": "k", "customs_value": 500}]
    net = read_workbook(write(tmp_path, priced))
    assert stocks_of(net).restock_cost == {("chip", "Home"): 500} and net.warnings == ()
    free = read_workbook(write(tmp_path, stock(), "free.xlsx"))
    (warning,) = free.warnings
    assert warning.sheet == "Stockpiles" and warning.cell.endswith("2") and "has no restock_cost" in warning.message


# ---------------------------------------------------------------------------------------------
# A crisis cheaper than a normal year says why
# ---------------------------------------------------------------------------------------------


def test_a_crisis_with_less_demand_names_the_drop(tmp_path: Path) -> None:
    """A slump halves demand (probability 0.1): 280 against 560, so it costs 280 less than a
    normal year, and the cause says that demand falls."""
    recs = records(
        Scenarios=[{"scenario": "slump", "weight": 0.1}], Shocks=[{"scenario": "slump", "demand_factor": 0.5}]
    )
    res = solve_records(tmp_path, recs)
    row = res["ScenarioSummary"].iloc[0]
    assert row["extra_cost"] == pytest.approx(-280)
    assert row["cause"] == "demand falls in the crisis (chip in Home)"
    assert res.objective == pytest.approx(560 - 28)


def test_a_crisis_whose_caps_lapse_names_the_caps(tmp_path: Path) -> None:
    """Cap 0.5 binding the normal year (680 with home1 built); a crisis of no loss with the caps
    lapsing buys all 80 from rival1 (560): 120 less than a normal year, because the caps lapse."""
    settings = [*BASE["Settings"], {"setting": "caps_in_scenarios", "value": "lapse"}]
    recs = records(Settings=settings, Caps=[{"cap": 0.5}], Scenarios=[{"scenario": "calm", "weight": 0.1}])
    res = solve_network(read_workbook(write(tmp_path, recs)))
    row = res["ScenarioSummary"].iloc[0]
    assert row["extra_cost"] == pytest.approx(-120)
    assert "caps lapse in crises" in row["cause"] and "chip in Home" in row["cause"]


def test_a_survival_target_the_caps_holding_in_the_crisis_break_is_explained_as_such(tmp_path: Path) -> None:
    """Cap 0.5 on chip in Home, holding in crises; the quake takes all of home1. Left with rival1
    (concern) alone, the crisis may take nothing from it (whatever it shipped would be all of
    Home's supply, over the cap of half): all 80 go unserved, where max_shortfall 0.25 allows 20.
    With the caps lapsing rival1 could serve all 80, so the explanation (its second look, with the
    caps lapsed) names the caps as what the target conflicts with."""
    recs = records(
        Caps=[{"cap": 0.5}],
        Scenarios=[{"scenario": "quake", "weight": 0.1, "max_shortfall": 0.25}],
        Disruptions=[{"scenario": "quake", "site": "home1", "capacity_loss": 1}],
    )
    (conflict,) = explain_infeasibility(read_workbook(write(tmp_path, recs)))
    assert (conflict.kind, conflict.product, conflict.market, conflict.scenario) == (
        "survival",
        "chip",
        "Home",
        "quake",
    )
    assert (conflict.required, conflict.achievable) == pytest.approx((20, 80))
    assert "the dependency caps hold in the crisis" in conflict.message and "capped at 0.5" in conflict.message
    lapsing = [*BASE["Settings"], {"setting": "caps_in_scenarios", "value": "lapse"}]
    assert explain_infeasibility(read_workbook(write(tmp_path, {**recs, "Settings": lapsing}, "l.xlsx"))) == []


# ---------------------------------------------------------------------------------------------
# Starved of inputs and stock drawn: only where supply fell short
# ---------------------------------------------------------------------------------------------


def magnet_chain(**changes: object) -> dict[str, list[dict[str, object]]]:
    """The tiered chain of tests/test_tiers.py with one oxide maker (cn_oxide, China, capacity
    100) and one magnet plant (jp_magnet, Japan: 2 oxide a magnet); Home demands 40 magnets."""
    from tests.test_tiers import CHAIN, chain

    return chain(Sites=[CHAIN["Sites"][0], CHAIN["Sites"][2]], **changes)


def test_a_plant_that_makes_less_because_demand_fell_is_not_starved(tmp_path: Path) -> None:
    """A slump halves Home's demand: jp_magnet makes 20 magnets instead of 40, and 40 oxide reach
    Japan instead of 80, but cn_oxide had 60 more to give: the plant was not short of oxide, and
    ScenarioSites does not call it starved (it did: less made, less input arriving)."""
    recs = magnet_chain(
        Scenarios=[{"scenario": "slump", "weight": 0.1}], Shocks=[{"scenario": "slump", "demand_factor": 0.5}]
    )
    res = solve_records(tmp_path, recs)
    row = res["ScenarioSites"].set_index(["scenario", "site"]).loc[("slump", "jp_magnet")]
    assert row["production"] == pytest.approx(20) and row["baseline_production"] == pytest.approx(40)
    assert not row["starved"] and row["inputs_missing"] == ""


def test_a_plant_whose_input_is_short_is_starved(tmp_path: Path) -> None:
    """cn_oxide loses half its capacity: 50 oxide make 25 of the 40 magnets; jp_magnet has
    capacity left and no more oxide could reach Japan: starved, short of oxide."""
    recs = magnet_chain(
        Scenarios=[{"scenario": "half", "weight": 0.1}],
        Disruptions=[{"scenario": "half", "site": "cn_oxide", "capacity_loss": 0.5}],
    )
    res = solve_records(tmp_path, recs)
    row = res["ScenarioSites"].set_index(["scenario", "site"]).loc[("half", "jp_magnet")]
    assert row["production"] == pytest.approx(25)
    assert row["starved"] and row["inputs_missing"] == "oxide"


def test_stock_drawn_because_supply_fell_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The ban leaves nothing but the 80 chips held (test_a_restock_cost_that_makes_stock_worth_holding):
    the draw is for a shortfall, and the console says 'stock drawn 80 k'. Oxide drawn in Japan in
    an oxide ban (no other oxide maker) is too."""
    from model.cli import main

    recs = stock(restock_cost=500)
    res = solve_records(tmp_path, recs)
    row = res["Scenarios"].iloc[0]
    assert row["stock_drawn"] == pytest.approx(80) and bool(row["drawn_for_shortfall"])
    assert res["ScenarioSummary"]["stock_drawn_for_shortfall"].tolist() == pytest.approx([80])
    assert main([str(write(tmp_path, recs, "c.xlsx")), "--out", str(tmp_path / "r.xlsx"), "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "chip  100.0% (worst: Home 100.0%), stock drawn 80 k" in text, text
    assert "did not fall short" not in text
    oxide = magnet_chain(
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=[{"scenario": "ban", "country": "China", "product": "oxide", "capacity_loss": 1}],
        Stockpiles=[{"market": "Japan", "product": "oxide", "max_stock": 80, "holding_cost": 2}],
    )
    res = solve_records(tmp_path, oxide)
    row = res["ScenarioInputs"].set_index(["scenario", "product", "market"]).loc[("ban", "oxide", "Japan")]
    assert row["stock_drawn"] == pytest.approx(80) and bool(row["drawn_for_shortfall"])


def test_stock_drawn_though_supply_was_to_be_had_is_not_called_a_shortfall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A quiet crisis (nothing lost, probability 0.1) and 30 chips held at 0.1 a year, bought back
    at 1 against 7 delivered from rival1: the crisis draws them though rival1 had 50 more to give.
    560 + 3 + 0.1 * (50 * 7 + 30 * 1 - 560) = 545. Scenarios says the draw was not for a
    shortfall, ScenarioSummary's stock_drawn_for_shortfall is 0, and the console does not say
    'stock drawn' on the chip line: it says the stock was used though supply did not fall short."""
    from model.cli import main

    recs = records(
        Sites=[RIVAL1],
        Scenarios=[{"scenario": "quiet", "weight": 0.1}],
        Stockpiles=[{"market": "Home", "product": "chip", "max_stock": 30, "holding_cost": 0.1, "restock_cost": 1}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(545)
    row = res["Scenarios"].iloc[0]
    assert row["stock_drawn"] == pytest.approx(30) and not bool(row["drawn_for_shortfall"])
    summary = res["ScenarioSummary"].iloc[0]
    assert (summary["stock_drawn"], summary["stock_drawn_for_shortfall"]) == pytest.approx((30, 0))
    assert main([str(write(tmp_path, recs, "c.xlsx")), "--out", str(tmp_path / "r.xlsx"), "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "    chip  100.0% (worst: Home 100.0%)\n" in text, text
    assert "    stock used though supply did not fall short: 30 k chip in Home" in text, text
