"""Tiers: hand-computed micro instances per new family, each with its optimum worked
out in the docstring, and the bad-input rules of the Recipes and Groups sheets.

The magnet chain (``chain``): Home demands 40 magnets (penalty 1000). A magnet needs 2 oxide
(Recipes). Sites: cn_oxide (China, concern, existing, cap 100, unit_cost 1), ally_oxide (Ally,
candidate, cap 100, unit_cost 3, fixed 50), jp_magnet (Japan, existing, cap 100, unit_cost 10),
cn_magnet (China, existing, cap 100, unit_cost 8). Lanes: China -> Japan, China -> Home, Ally ->
Japan at no cost; Japan -> Home freight 1.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model.families.dependency import caps_of
from model.issues import WorkbookError
from model.workbook import read_workbook
from tests.helpers import BASE, records, solve_records, write

CHAIN: dict[str, list[dict[str, Any]]] = {
    "Settings": [{"setting": "unmet_penalty", "value": 1000}],
    "Countries": [
        {"country": "Home", "concern": False},
        {"country": "Japan", "concern": False},
        {"country": "Ally", "concern": False},
        {"country": "China", "concern": True},
    ],
    "Products": [{"product": "magnet", "unit": "t"}, {"product": "oxide", "unit": "t REO"}],
    "Sites": [
        {
            "site": "cn_oxide",
            "country": "China",
            "product": "oxide",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 1,
        },
        {
            "site": "ally_oxide",
            "country": "Ally",
            "product": "oxide",
            "status": "candidate",
            "capacity": 100,
            "unit_cost": 3,
            "fixed_cost": 50,
        },
        {
            "site": "jp_magnet",
            "country": "Japan",
            "product": "magnet",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 10,
        },
        {
            "site": "cn_magnet",
            "country": "China",
            "product": "magnet",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 8,
        },
    ],
    "Demand": [{"market": "Home", "product": "magnet", "demand": 40}],
    "Lanes": [
        {"origin": "China", "destination": "Japan"},
        {"origin": "China", "destination": "Home"},
        {"origin": "Ally", "destination": "Japan"},
        {"origin": "Japan", "destination": "Home", "freight_cost": 1},
    ],
    "Recipes": [{"product": "magnet", "input": "oxide", "quantity": 2}],
}


def chain(**changes: Any) -> dict[str, list[dict[str, Any]]]:
    """CHAIN with whole sheets replaced (None drops a sheet)."""
    out = copy.deepcopy(CHAIN)
    for sheet, rows in changes.items():
        if rows is None:
            out.pop(sheet, None)
        else:
            out[sheet] = rows
    return out


def site(name: str, **changes: Any) -> dict[str, Any]:
    """The CHAIN site ``name`` with some columns changed."""
    return {**next(s for s in CHAIN["Sites"] if s["site"] == name), **changes}


def costs(res: Any) -> dict[str, float]:
    return dict(zip(res["Costs"]["component"], res["Costs"]["value"], strict=True))


def flow(res: Any, s: str, market: str) -> float:
    f = res["Flows"]
    return float(f[(f["site"] == s) & (f["market"] == market)]["quantity"].sum())


# ---------------------------------------------------------------------------------------------
# Recipes and pools
# ---------------------------------------------------------------------------------------------


def test_chain_without_caps(tmp_path: Path) -> None:
    """No cap: cn_magnet makes 40 (320) from 80 Chinese oxide (80), shipped free: 400. The oxide
    flows into China's pool, where cn_magnet consumes it (an intermediate flow in Flows)."""
    res = solve_records(tmp_path, chain())
    assert res.objective == pytest.approx(400)
    assert flow(res, "cn_oxide", "China") == pytest.approx(80)
    inputs = res["Inputs"].set_index("site")
    assert inputs.loc["cn_magnet", "quantity_used"] == pytest.approx(80)


def test_lookthrough_and_direct_caps_give_different_optima(tmp_path: Path) -> None:
    """A cap of 0 on magnets in Home.

    Direct basis: only the shipping site's country counts, so jp_magnet may use Chinese oxide:
    40 * (10 + 1) + 80 * 1 = 520; its direct share is 0, its look-through share 1.
    Look-through basis (the default): the oxide must be concern-free too, so ally_oxide is built:
    40 * 11 + 80 * 3 + 50 = 730, with every unit concern-free in the ConcernFree allocation.
    """
    direct = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0, "basis": "direct"}]))
    assert direct.objective == pytest.approx(520)
    row = direct["Dependency"].query("product == 'magnet' and basis == 'direct'").iloc[0]
    assert row["concern_share_direct"] == pytest.approx(0) and row["concern_share_lookthrough"] == pytest.approx(1)
    look = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0}]))
    assert look.objective == pytest.approx(730)
    assert flow(look, "ally_oxide", "Japan") == pytest.approx(80)
    free = look["ConcernFree"].set_index("site")
    assert free.loc["jp_magnet", "concern_free"] == pytest.approx(40)
    assert look["Inputs"].set_index("site").loc["jp_magnet", "concern_free_used"] == pytest.approx(80)


def test_lookthrough_cap_marginal_cost_matches_finite_difference(tmp_path: Path) -> None:
    """Look-through cap 0.5 on magnets in Home: 20 concern-free magnets at 11 + 2 * 3 = 17 (and
    the fixed 50), 20 from China at 8 + 2 = 10: 340 + 200 + 50 = 590. Each point less cap moves
    0.4 magnets from 10 to 17: 2.8 a point, the LP dual, and the finite difference."""
    a = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0.5}]))
    b = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0.49}]))
    assert a.objective == pytest.approx(590)
    row = a["Dependency"].query("product == 'magnet' and basis == 'lookthrough'").iloc[0]
    assert row["marginal_cost_per_point"] == pytest.approx(2.8)
    assert b.objective - a.objective == pytest.approx(2.8)


@pytest.mark.parametrize(("quantity", "expected"), [(1, 600), (0, 480)])
def test_site_override(tmp_path: Path, quantity: float, expected: float) -> None:
    """A second Japanese plant jp_b (unit_cost 11) with its own Recipes row; look-through cap 0,
    ally_oxide existing (no fixed cost).

    quantity 1: jp_b makes a magnet from 1 oxide: 11 + 3 + 1 = 15 a magnet against jp_magnet's
    10 + 2 * 3 + 1 = 17: 40 * 15 = 600. quantity 0 removes the input: 11 + 1 = 12: 480."""
    sites = [
        *CHAIN["Sites"][:1],
        site("ally_oxide", status="existing", fixed_cost=0),
        *CHAIN["Sites"][2:],
        site("jp_magnet", site="jp_b", unit_cost=11),
    ]
    recipes = [*CHAIN["Recipes"], {"product": "magnet", "input": "oxide", "quantity": quantity, "site": "jp_b"}]
    res = solve_records(tmp_path, chain(Sites=sites, Recipes=recipes, Caps=[{"cap": 0}]))
    assert res.objective == pytest.approx(expected)
    assert flow(res, "jp_b", "Home") == pytest.approx(40)
    used = res["Inputs"]
    assert set(used[used["site"] == "jp_b"]["input"]) == ({"oxide"} if quantity else set())


def test_tariff_on_customs_value(tmp_path: Path) -> None:
    """BASE (rival1: unit_cost 5, tariff 0.2, freight 1: 7 a chip, 560) with a customs_value of 20
    for chips: 5 + 20 * 0.2 + 1 = 10 a chip, still below home1's 10 + 200/80: 800, tariffs 320."""
    res = solve_records(tmp_path, records(Products=[{"product": "chip", "unit": "k", "customs_value": 20}]))
    assert res.objective == pytest.approx(800)
    assert costs(res)["tariffs"] == pytest.approx(320)


def test_reserve_on_the_gross_requirement(tmp_path: Path) -> None:
    """oxide reserve_share 0.5, no final demand for oxide: R[oxide] = 2 * 40 = 80 (version 1 would
    ask nothing), so 40 of spare capacity at ally_oxide (existing, reserve_cost 1, the one oxide
    plant outside China): 400 + 40 = 440."""
    sites = [
        CHAIN["Sites"][0],
        site("ally_oxide", status="existing", fixed_cost=0, reserve_cost=1),
        *CHAIN["Sites"][2:],
    ]
    products = [CHAIN["Products"][0], {"product": "oxide", "reserve_share": 0.5}]
    res = solve_records(tmp_path, chain(Sites=sites, Products=products))
    assert res.objective == pytest.approx(440)
    assert res["Sites"].set_index("site").loc["ally_oxide", "reserve"] == pytest.approx(40)


# ---------------------------------------------------------------------------------------------
# Hubs, closable sites, groups
# ---------------------------------------------------------------------------------------------

HUB: dict[str, list[dict[str, Any]]] = {
    "Settings": [{"setting": "unmet_penalty", "value": 1000}],
    "Countries": [{"country": c, "concern": False} for c in ("Home", "Port", "Far")],
    "Products": [{"product": "goods"}],
    "Sites": [
        {
            "site": "factory",
            "country": "Far",
            "product": "goods",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 10,
        },
        {
            "site": "depot",
            "country": "Port",
            "product": "goods",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 0.5,
            "role": "hub",
        },
    ],
    "Demand": [
        {"market": "Home", "product": "goods", "demand": 50},
        {"market": "Port", "product": "goods", "demand": 10},
    ],
    "Lanes": [
        {"origin": "Far", "destination": "Home", "freight_cost": 5},
        {"origin": "Far", "destination": "Port", "freight_cost": 1},
        {"origin": "Port", "destination": "Home", "freight_cost": 1},
        {"origin": "Port", "destination": "Port"},
    ],
}


def test_hub_is_the_cheapest_route(tmp_path: Path) -> None:
    """Far -> Home direct costs 10 + 5 = 15; through the depot 10 + 1 + 0.5 handling + 1 = 12.5:
    50 * 12.5 = 625. Port's own 10 come from the factory (10 + 1 = 11: 110): the depot never
    ships into its own country, although a Port -> Port lane exists. 735 in all."""
    res = solve_records(tmp_path, HUB)
    assert res.objective == pytest.approx(735)
    assert flow(res, "depot", "Home") == pytest.approx(50)
    assert flow(res, "factory", "Port") == pytest.approx(60)
    assert flow(res, "depot", "Port") == 0
    assert res["Inputs"].set_index("site").loc["depot", "quantity_used"] == pytest.approx(50)


def test_closable_site_is_closed(tmp_path: Path) -> None:
    """BASE with home1 an existing Home plant (unit_cost 12, fixed 300). Existing: it must be paid
    for, 560 + 300 = 860. Closable: closed, its fixed cost saved: 560. Closable under a cap of 0.5
    it is kept: 40 * 7 + 40 * 12 + 300 = 1060."""
    home = {**BASE["Sites"][0], "status": "existing", "unit_cost": 12, "fixed_cost": 300}
    kept = solve_records(tmp_path, records(Sites=[home, BASE["Sites"][1]]))
    assert kept.objective == pytest.approx(860)
    closable = {**home, "status": "closable"}
    closed = solve_records(tmp_path, records(Sites=[closable, BASE["Sites"][1]]))
    assert closed.objective == pytest.approx(560)
    assert not closed["Sites"].set_index("site").loc["home1", "built"]
    capped = solve_records(tmp_path, records(Sites=[closable, BASE["Sites"][1]], Caps=[{"cap": 0.5}]))
    assert capped.objective == pytest.approx(1060)


GROUP_SITES = [
    {"site": "h1", "country": "Home", "product": "chip", "status": "candidate", "capacity": 50, "unit_cost": 10,
     "fixed_cost": 100, "group": "fabs"},
    {"site": "h2", "country": "Home", "product": "chip", "status": "candidate", "capacity": 50, "unit_cost": 12,
     "fixed_cost": 100, "group": "fabs"},
]  # fmt: skip


@pytest.mark.parametrize(
    ("demand", "limits", "expected", "built"),
    [
        (40, {}, 500, ["h1"]),
        (40, {"min_open": 2}, 600, ["h1", "h2"]),
        (80, {}, 1060, ["h1", "h2"]),
        (80, {"max_open": 1}, 30600, ["h1"]),
    ],
)
def test_group_limit_binds(
    tmp_path: Path, demand: float, limits: dict[str, int], expected: float, built: list[str]
) -> None:
    """Two candidate fabs in group 'fabs' (cap 50 each, unit_cost 10 and 12, fixed 100), no other
    source. Demand 40: h1 alone, 400 + 100 = 500; with min_open 2 h2 is built idle: 600.
    Demand 80: both, 500 + 360 + 200 = 1060; with max_open 1 only h1: 500 + 100 + 30 unmet * 1000
    = 30,600."""
    recs = records(
        Sites=GROUP_SITES,
        Demand=[{"market": "Home", "product": "chip", "demand": demand}],
        Lanes=None,
        Groups=[{"group": "fabs", **limits}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(expected)
    sites = res["Sites"]
    assert sorted(sites[sites["built"]]["site"]) == built


def test_default_cap_skips_concern_markets(tmp_path: Path) -> None:
    """BASE plus 50 chips of demand in Rival and Settings.dependency_cap 0.5 (lane Home -> Rival,
    freight 1). Home: 40 from rival1 (280) + 40 from home1 (400 + 200) = 880. Rival's own market
    is not capped by the default (contract v2): 50 * 5 = 250; 1130 in all. A Caps row naming
    Rival caps it: 25 from home1 (25 * 11 = 275) + 25 from rival1 (125): 1280."""
    settings = [*BASE["Settings"], {"setting": "dependency_cap", "value": 0.5}]
    demand = [*BASE["Demand"], {"market": "Rival", "product": "chip", "demand": 50}]
    lanes = [*BASE["Lanes"], {"origin": "Home", "destination": "Rival", "freight_cost": 1}]
    res = solve_records(tmp_path, records(Settings=settings, Demand=demand, Lanes=lanes))
    assert res.objective == pytest.approx(1130)
    named = solve_records(
        tmp_path, records(Settings=settings, Demand=demand, Lanes=lanes, Caps=[{"market": "Rival", "cap": 0.5}])
    )
    assert named.objective == pytest.approx(1280)


# ---------------------------------------------------------------------------------------------
# Scenarios through the tiers
# ---------------------------------------------------------------------------------------------


def ban(**changes: Any) -> dict[str, list[dict[str, Any]]]:
    """The chain without cn_magnet and ally_oxide: jp_magnet's only oxide is Chinese. Scenario
    'ban' (weight 0.1): China's oxide cut off."""
    return chain(
        Sites=[CHAIN["Sites"][0], CHAIN["Sites"][2]],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=[{"scenario": "ban", "country": "China", "product": "oxide", "capacity_loss": 1}],
        **changes,
    )


def test_export_ban_starves_the_downstream_plant(tmp_path: Path) -> None:
    """Normal year 40 * 11 + 80 * 1 = 520. In the ban jp_magnet has capacity but no oxide: all 40
    magnets unmet, 40,000; the ban comes with probability 0.1: 520 + 0.1 * (40,000 - 520) = 4,468.
    ScenarioSites names jp_magnet as starved of oxide."""
    res = solve_records(tmp_path, ban())
    assert res.objective == pytest.approx(4468)
    row = res["ScenarioSites"].set_index(["scenario", "site"]).loc[("ban", "jp_magnet")]
    assert row["starved"] and row["inputs_missing"] == "oxide"
    assert row["production"] == pytest.approx(0)
    oxide = res["ScenarioInputs"].set_index(["scenario", "product", "market"]).loc[("ban", "oxide", "Japan")]
    assert (oxide["supplied"], oxide["used"], oxide["baseline_used"]) == pytest.approx((0, 0, 80))


def test_stockpile_of_the_intermediate_saves_it(tmp_path: Path) -> None:
    """A stockpile of oxide in Japan (max 80, holding 2 a year, no restock_cost and no
    customs_value: a draw costs nothing, with a warning): 160 a year to hold; in the ban the 80
    oxide are drawn and jp_magnet makes the 40 magnets (440 against the normal year's 520):
    520 + 160 + 0.1 * (440 - 520) = 672 (every unit of stock saves 0.1 * (1000 - 11) / 2 > 2).
    The ban costs less than a normal year, and ScenarioSummary says why: the stock drawn free."""
    res = solve_records(
        tmp_path, ban(Stockpiles=[{"market": "Japan", "product": "oxide", "max_stock": 80, "holding_cost": 2}])
    )
    assert res.objective == pytest.approx(672)
    summary = res["ScenarioSummary"].iloc[0]
    assert summary["extra_cost"] == pytest.approx(-80)
    assert "stock is drawn at a restock cost below" in summary["cause"] and "80 oxide in Japan at 0" in summary["cause"]
    assert res["Stockpiles"]["stock"].tolist() == pytest.approx([80])
    row = res["ScenarioSites"].set_index(["scenario", "site"]).loc[("ban", "jp_magnet")]
    assert not row["starved"] and row["production"] == pytest.approx(40)
    oxide = res["ScenarioInputs"].set_index(["scenario", "product", "market"]).loc[("ban", "oxide", "Japan")]
    assert (oxide["stock_drawn"], oxide["used"]) == pytest.approx((80, 80))
    scen = res["Scenarios"].set_index(["scenario", "product", "market"]).loc[("ban", "magnet", "Home")]
    assert scen["unmet"] == pytest.approx(0)


# ---------------------------------------------------------------------------------------------
# Upstream (proportional tracing)
# ---------------------------------------------------------------------------------------------


def test_upstream_traces_every_tier(tmp_path: Path) -> None:
    """Look-through cap 0.5 on Home's magnets (the 590 design): 20 magnets from China, 20 from
    Japan; Japan's oxide all from Ally, China's all Chinese. Upstream: magnets half Chinese, half
    Japanese (tier 0); oxide (tier 1) half Chinese, half Ally, 2 t per magnet."""
    res = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0.5}]))
    up = res["Upstream"].set_index(["input", "country"])
    assert up.loc[("magnet", "China"), "share"] == pytest.approx(0.5)
    assert up.loc[("oxide", "Ally"), "share"] == pytest.approx(0.5)
    assert up.loc[("oxide", "Ally"), "tier"] == 1
    assert up.loc[("oxide", "China"), "quantity_per_unit"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Bad input: each rule names its sheet and cell
# ---------------------------------------------------------------------------------------------


def errors_of(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return [str(e) for e in info.value.errors]


def test_recipe_cycle_names_the_chain(tmp_path: Path) -> None:
    """magnet -> oxide (row 2), oxide -> alloy (row 3), alloy -> magnet (row 4): one error at the
    row that closes the cycle, naming the whole chain."""
    recipes = [
        *CHAIN["Recipes"],
        {"product": "oxide", "input": "alloy", "quantity": 1},
        {"product": "alloy", "input": "magnet", "quantity": 1},
    ]
    products = [*CHAIN["Products"], {"product": "alloy"}]
    errs = errors_of(write(tmp_path, chain(Recipes=recipes, Products=products)))
    assert any(e.startswith("Recipes!B4:") and "magnet -> oxide -> alloy -> magnet" in e for e in errs), errs


@pytest.mark.parametrize(
    ("row", "where", "words"),
    [
        ({"product": "magnet", "input": "oxide", "quantity": 3}, "Recipes!A3", "duplicate"),
        ({"product": "magnet", "input": "oxide", "quantity": 1, "site": "cn_oxide"}, "Recipes!D3", "makes oxide"),
        ({"product": "magnet", "input": "oxyde", "quantity": 1}, "Recipes!B3", "unknown product"),
    ],
)
def test_bad_recipe_rows(tmp_path: Path, row: dict[str, Any], where: str, words: str) -> None:
    """A duplicate (product, input, site), a site row for a site that makes another product, an
    unknown product: each an error at its cell."""
    errs = errors_of(write(tmp_path, chain(Recipes=[*CHAIN["Recipes"], row])))
    assert any(e.startswith(where + ":") and words in e for e in errs), errs


def test_hub_named_in_a_recipe(tmp_path: Path) -> None:
    """A Recipes row naming a hub is an error at its site cell."""
    recs = copy.deepcopy(HUB)
    recs["Products"].append({"product": "parts"})
    recs["Recipes"] = [{"product": "goods", "input": "parts", "quantity": 1, "site": "depot"}]
    errs = errors_of(write(tmp_path, recs))
    assert any(e.startswith("Recipes!D2:") and "is a hub" in e for e in errs), errs


def test_group_min_above_max(tmp_path: Path) -> None:
    errs = errors_of(write(tmp_path, records(Groups=[{"group": "fabs", "min_open": 3, "max_open": 1}])))
    assert any(e.startswith("Groups!B2:") and "min_open 3 is more than max_open 1" in e for e in errs), errs


def test_warnings_for_undeliverable_input_and_unnamed_group(tmp_path: Path) -> None:
    """jp_magnet's oxide cannot reach Japan without the China -> Japan and Ally -> Japan lanes: a
    warning at jp_magnet's Sites cell. A group no site names: a warning at its Groups cell."""
    lanes = [CHAIN["Lanes"][1], CHAIN["Lanes"][3]]
    net = read_workbook(write(tmp_path, chain(Lanes=lanes, Groups=[{"group": "depots", "max_open": 1}])))
    texts = [str(w) for w in net.warnings]
    assert any(w.startswith("Sites!A4:") and "needs oxide" in w for w in texts), texts
    assert any(w.startswith("Groups!A2:") and "no site names group 'depots'" in w for w in texts), texts


def test_caps_warning_names_the_tier_that_runs_short(tmp_path: Path) -> None:
    """Look-through cap 0 on Home's magnets without ally_oxide: 40 concern-free magnets need 80
    concern-free oxide and no oxide plant outside China exists: the warning names the oxide tier."""
    recs = chain(Sites=[s for s in CHAIN["Sites"] if s["site"] != "ally_oxide"], Caps=[{"cap": 0}])
    net = read_workbook(write(tmp_path, recs))
    texts = [str(w) for w in net.warnings]
    assert any("oxide: as an input of magnet" in w and "this tier runs short" in w for w in texts), texts


# ---------------------------------------------------------------------------------------------
# Infeasibility explained
# ---------------------------------------------------------------------------------------------


def test_group_minimum_explained(tmp_path: Path) -> None:
    """min_open 3 for a group of two candidates: no design; the explanation names Groups!B2 and
    the most that can operate (2)."""
    from model.build import build_model
    from model.diagnose import explain_infeasibility
    from model.solve import SolveOptions, solve

    net = read_workbook(
        write(tmp_path, records(Sites=GROUP_SITES, Lanes=None, Groups=[{"group": "fabs", "min_open": 3}]))
    )
    assert solve(build_model(net), SolveOptions()).status == "infeasible"
    (conflict,) = explain_infeasibility(net)
    assert conflict.kind == "group" and conflict.cells == ("Groups!B2",)
    assert "at most 2 of its 2 sites" in conflict.message


def test_group_maximum_below_existing_explained(tmp_path: Path) -> None:
    """max_open 1 for a group of two existing sites: both always operate; the explanation names
    Groups!C2 and says max_open would have to rise to 2."""
    from model.diagnose import explain_infeasibility

    sites = [{**s, "status": "existing"} for s in GROUP_SITES]
    net = read_workbook(write(tmp_path, records(Sites=sites, Lanes=None, Groups=[{"group": "fabs", "max_open": 1}])))
    (conflict,) = explain_infeasibility(net)
    assert conflict.cells == ("Groups!C2",) and "rise to 2" in conflict.message


def test_formulation_names_every_tiers_component(tmp_path: Path) -> None:
    """docs/formulation.md names every constraint and variable of a model with recipes, a hub,
    closable sites, groups and look-through caps (the sample has none of them)."""
    import pyomo.environ as pyo

    from model.build import build_model
    from tests.helpers import ROOT
    from tests.test_williams import example_20

    text = (ROOT / "docs" / "formulation.md").read_text()
    for recs in (chain(Caps=[{"cap": 0.5}]), example_20()):
        m = build_model(read_workbook(write(tmp_path, recs)))
        for comp in m.component_objects((pyo.Constraint, pyo.Var), descend_into=False):
            assert f"`{comp.local_name}`" in text, comp.local_name


def test_tightenings_keep_the_tiers_optima(tmp_path: Path) -> None:
    """The same optimum with and without the valid tightenings on the chain (look-through cap
    0.5), the hub instance and Williams' example 20 (closable sites in (T) and (R))."""
    from model.build import build_model
    from model.solve import SolveOptions, solve
    from tests.test_williams import example_20

    for recs in (chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0.5}]), HUB, example_20()):
        net = read_workbook(write(tmp_path, recs))
        a = solve(build_model(net), SolveOptions(mip_gap=0.0)).objective
        b = solve(build_model(net, tighten=False), SolveOptions(mip_gap=0.0)).objective
        assert a == pytest.approx(b)


# ---------------------------------------------------------------------------------------------
# Derivations (pure functions, hand-worked)
# ---------------------------------------------------------------------------------------------


def test_input_rates_resolve_site_rows_and_hubs() -> None:
    """Blank-site rows for every plant of the product; a site row overrides one input for that
    plant, 0 removes it; a hub gets its own product at 1; a product-level recipe keeps the blank
    rows only."""
    from model.derive import RecipeRow, input_rates, product_recipe

    rows = [
        RecipeRow(2, "magnet", "oxide", 2.0),
        RecipeRow(3, "magnet", "boron", 0.1),
        RecipeRow(4, "magnet", "oxide", 1.5, "jp_b"),
        RecipeRow(5, "magnet", "boron", 0.0, "jp_b"),
    ]
    made = {"jp_a": "magnet", "jp_b": "magnet", "port": "magnet", "mine": "oxide"}
    assert input_rates(rows, made, frozenset({"port"})) == {
        ("jp_a", "oxide"): 2.0,
        ("jp_a", "boron"): 0.1,
        ("jp_b", "oxide"): 1.5,
        ("port", "magnet"): 1.0,
    }
    assert product_recipe(rows) == {("magnet", "oxide"): 2.0, ("magnet", "boron"): 0.1}


def test_recipe_cycle_found_through_a_site_row() -> None:
    """magnet -> oxide (blank) and oxide -> magnet (a site row): a cycle; without it none."""
    from model.derive import RecipeRow, recipe_cycle

    rows = [RecipeRow(2, "magnet", "oxide", 2.0), RecipeRow(3, "oxide", "magnet", 0.1, "mine")]
    cycle = recipe_cycle(rows)
    assert cycle is not None and [r.row for r in cycle] == [2, 3]
    assert recipe_cycle(rows[:1]) is None
    assert recipe_cycle([*rows[:1], RecipeRow(3, "oxide", "magnet", 0.0, "mine")]) is None


def test_gross_requirement_by_hand() -> None:
    """magnet demand 40 (+ 10 elsewhere); motor demand 5 with 2 magnets each; a magnet needs 0.3
    oxide: R[motor] = 5, R[magnet] = 50 + 2 * 5 = 60, R[oxide] = 0.3 * 60 = 18."""
    from model.derive import gross_requirement

    demand = {("magnet", "A"): 40.0, ("magnet", "B"): 10.0, ("motor", "A"): 5.0}
    recipe = {("motor", "magnet"): 2.0, ("magnet", "oxide"): 0.3}
    assert gross_requirement(demand, recipe, ["motor", "magnet", "oxide"]) == pytest.approx(
        {"motor": 5.0, "magnet": 60.0, "oxide": 18.0}
    )


def test_pools_arcs_and_caps_of_the_chain(tmp_path: Path) -> None:
    """Pools: (magnet, Home) by demand, (oxide, Japan) and (oxide, China) by their magnet plants.
    Arcs into every pool a lane allows. Settings.dependency_cap 0.3 caps the pools outside
    China; China's own oxide pool gets 1 unless a row names it."""
    recs = chain(Settings=[*CHAIN["Settings"], {"setting": "dependency_cap", "value": 0.3}])
    net = read_workbook(write(tmp_path, recs))
    assert set(net.pools) == {("magnet", "Home"), ("oxide", "Japan"), ("oxide", "China")}
    assert set(net.arcs) == {
        ("cn_oxide", "Japan"),
        ("cn_oxide", "China"),
        ("ally_oxide", "Japan"),
        ("jp_magnet", "Home"),
        ("cn_magnet", "Home"),
    }
    assert caps_of(net).each[("oxide", "Japan")] == 0.3 and caps_of(net).each[("oxide", "China")] == 1.0
    named = read_workbook(write(tmp_path, chain(Caps=[{"market": "China", "cap": 0.5}, {"cap": 0.2}])))
    assert caps_of(named).each[("oxide", "China")] == 0.5 and caps_of(named).each[("oxide", "Japan")] == 0.2
    assert caps_of(named).each_direct == {}


# ---------------------------------------------------------------------------------------------
# Invariants can fail
# ---------------------------------------------------------------------------------------------


def test_invariants_catch_a_broken_allocation_and_recipe(tmp_path: Path) -> None:
    """From the 730 design (look-through cap 0): concern-free magnets without enough concern-free
    oxide (mass balance), a concern site counted concern-free, and an Inputs row off its recipe
    are each reported by the invariants."""
    from model.invariants import check_all

    net = read_workbook(write(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0}])))
    res = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0}]))
    assert check_all(res, net) == []
    free = res["ConcernFree"]
    oxide = free["site"] == "ally_oxide"
    free.loc[oxide, "concern_free"] = 10.0  # only 10 of the 80 t of oxide concern-free
    problems = check_all(res, net)
    assert any("mass balance 11" in p for p in problems), problems
    free.loc[oxide, "concern_free"] = 80.0
    free.loc[free["site"] == "jp_magnet", "site"] = "cn_magnet"  # the row now names a Chinese site
    assert any("cn_magnet is in a concern country" in p for p in check_all(res, net))
    res["Inputs"].loc[res["Inputs"]["site"] == "jp_magnet", "quantity_used"] = 70.0
    assert any("its recipe and production need 80" in p for p in check_all(res, net))


def test_mass_balance_check_allows_the_tables_snapping(tmp_path: Path) -> None:
    """The ConcernFree table snaps a part within 1e-6 of its flow to 0 (``clean``): an 80 t oxide
    inflow shown as 0 concern-free while the magnet plant it feeds keeps 1e-5 of its own (2e-5 t
    of oxide) is that snapping, not a broken balance (seen on tier-L-p8, seed 2: 3.8e-5 t of
    44.7 t); 1 t of concern-free magnets with no concern-free oxide is a broken balance."""
    from model.invariants import check_all

    records_ = chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0}])
    net = read_workbook(write(tmp_path, records_))
    res = solve_records(tmp_path, records_)
    free = res["ConcernFree"]
    free.loc[free["site"] == "ally_oxide", "concern_free"] = 0.0
    free.loc[free["site"] == "jp_magnet", "concern_free"] = 1e-5
    assert not any("mass balance 11" in p for p in check_all(res, net))
    free.loc[free["site"] == "jp_magnet", "concern_free"] = 1.0
    assert any("mass balance 11" in p for p in check_all(res, net))


def test_reported_allocation_falls_back_to_the_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the reporting LP fail, the ConcernFree table carries the MIP's own allocation, which
    meets the caps and the mass balance: the invariants still hold (solve_records asserts them)."""
    from model.families import concern_free

    monkeypatch.setattr(concern_free, "allocate", lambda *a: concern_free.Allocation(status="error"))
    res = solve_records(tmp_path, chain(Caps=[{"product": "magnet", "market": "Home", "cap": 0}]))
    assert res.objective == pytest.approx(730)
    free = res["ConcernFree"].set_index("site")
    assert free.loc["jp_magnet", "concern_free"] == pytest.approx(40)


def test_summary_names_the_closed_sites(tmp_path: Path) -> None:
    """The closable home1 of test_closable_site_is_closed, closed: Summary's sites_closed names it."""
    home = {**BASE["Sites"][0], "status": "closable", "unit_cost": 12, "fixed_cost": 300}
    res = solve_records(tmp_path, records(Sites=[home, BASE["Sites"][1]]))
    summary = dict(zip(res["Summary"]["metric"], res["Summary"]["value"], strict=True))
    assert summary["sites_closed"] == "home1"


def test_stockpile_that_cannot_be_drawn_is_warned(tmp_path: Path) -> None:
    """Oxide stock in Home (no oxide demand, no magnet plant there): a warning at its cell. Oxide
    stock in Japan (jp_magnet uses oxide) is a pool: no warning."""
    stock = [
        {"market": "Japan", "product": "oxide", "max_stock": 10},
        {"market": "Home", "product": "oxide", "max_stock": 10},
    ]
    net = read_workbook(write(tmp_path, chain(Stockpiles=stock)))
    texts = [str(w) for w in net.warnings if "can never be drawn" in str(w)]
    assert len(texts) == 1 and texts[0].startswith("Stockpiles!A3:"), texts


def test_unmet_demand_names_the_binding_cap(tmp_path: Path) -> None:
    """Look-through cap 0 on Home's magnets, ally_oxide capped at 20 t: only 10 concern-free
    magnets can be made (20 / 2); the other 30 go unmet (30,000) although cn_magnet has capacity.
    10 * 11 + 20 * 3 + 50 + 30,000 = 30,220. Unmet names the binding cap and its cell (Caps!C2)."""
    sites = [CHAIN["Sites"][0], site("ally_oxide", capacity=20), *CHAIN["Sites"][2:]]
    res = solve_records(tmp_path, chain(Sites=sites, Caps=[{"product": "magnet", "market": "Home", "cap": 0}]))
    assert res.objective == pytest.approx(30220)
    row = res["Unmet"].iloc[0]
    assert row["unmet"] == pytest.approx(30)
    assert row["binding_cap"] == "lookthrough cap 0 (Caps!C2)"


# ---------------------------------------------------------------------------------------------
# Mapping (no solver): the concern-free part is generated only where it must be
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caps", "arcs"),
    [
        (None, set()),  # no cap: no g
        ([{"product": "magnet", "market": "Home", "cap": 0, "basis": "direct"}], set()),  # direct only
        (
            [{"product": "magnet", "market": "Home", "cap": 0}],
            {("ally_oxide", "Japan"), ("jp_magnet", "Home")},  # magnet and its oxide, outside China
        ),
        ([{"product": "oxide", "market": "Japan", "cap": 0.5}], set()),  # oxide has no input: direct form
    ],
)
def test_concern_free_part_only_upstream_of_a_lookthrough_cap(
    tmp_path: Path, caps: list[dict[str, Any]] | None, arcs: set[tuple[str, str]]
) -> None:
    """g[s,m] exists on the arcs of sites outside K making a product upstream of a look-through
    cap, and only when some site there consumes an input; (11) only on the pools those sites feed
    from. The sample (no recipes) gets none."""
    from model.build import build_model
    from tests.helpers import SAMPLE

    m = build_model(read_workbook(write(tmp_path, chain(Caps=caps))))
    assert {(s, mk) for s, mk, _, _ in m.concern_free} == arcs
    assert {(i, c) for i, c, _, _ in m.concern_free_balance} == ({("oxide", "Japan")} if arcs else set())
    sample = build_model(read_workbook(SAMPLE))
    assert len(sample.concern_free) == 0 and len(sample.concern_free_balance) == 0


def test_caps_rows_differing_in_basis_are_not_duplicates(tmp_path: Path) -> None:
    """(magnet, Home, each) on both bases: two caps. The same basis twice: an error at the later
    row."""
    both = [
        {"product": "magnet", "market": "Home", "cap": 0.5},
        {**{"product": "magnet", "market": "Home", "cap": 0.2}, "basis": "direct"},
    ]
    net = read_workbook(write(tmp_path, chain(Caps=both)))
    assert caps_of(net).each[("magnet", "Home")] == 0.5 and caps_of(net).each_direct == {("magnet", "Home"): 0.2}
    twice = [both[0], {**both[0], "cap": 0.3, "basis": "lookthrough"}]
    errs = errors_of(write(tmp_path, chain(Caps=twice)))
    assert any(e.startswith("Caps!A3:") and "duplicate" in e for e in errs), errs


# ---------------------------------------------------------------------------------------------
# Invariants on random tiered networks
# ---------------------------------------------------------------------------------------------


def random_chain(seed: int, periods: bool = False) -> dict[str, list[dict[str, Any]]]:
    """A random three-tier network (ore -> oxide -> magnet) over four countries, one of concern:
    plants of every tier (existing, candidate or closable), a hub, random lanes, recipes with a
    site override, look-through and direct caps, a group, a scenario with a stockpile. With
    ``periods``: three periods (discounted at 5%), sites with availability windows, demand and a
    cap that change from a later period."""
    import random

    rng = random.Random(seed)
    countries = ["A", "B", "C", "K"]
    products = ["ore", "oxide", "magnet"]
    sites = []
    for k, p in enumerate(products):
        for c in countries:
            if rng.random() < 0.7 or c == "K":
                sites.append(
                    {
                        "site": f"{p}_{c}",
                        "country": c,
                        "product": p,
                        "status": rng.choice(["existing", "candidate", "closable"]),
                        "capacity": rng.choice([40, 80, 120]) / (k + 1),
                        "unit_cost": rng.uniform(1, 10) * (1 if c == "K" else 1.5),
                        "fixed_cost": rng.choice([0, 20, 50]),
                        "group": "plants" if rng.random() < 0.5 else None,
                    }
                )
    sites.append(
        {
            "site": "hub_C",
            "country": rng.choice(["C", "K"]),
            "product": "oxide",
            "status": "existing",
            "capacity": 60,
            "unit_cost": 0.5,
            "role": "hub",
        }
    )
    lanes = [
        {
            "origin": o,
            "destination": d,
            "freight_cost": round(rng.uniform(0, 3), 2),
            "tariff_rate": rng.choice([0, 0.25]),
        }
        for o in countries
        for d in countries
        if o != d and rng.random() < 0.6
    ]
    recipes = [
        {"product": "oxide", "input": "ore", "quantity": 1.2},
        {"product": "magnet", "input": "oxide", "quantity": 0.5},
    ]
    override = next((s["site"] for s in sites if s["product"] == "magnet" and s["country"] != "K"), None)
    if override:
        recipes.append({"product": "magnet", "input": "oxide", "quantity": 0.4, "site": override})
    recs = {
        "Settings": [{"setting": "unmet_penalty", "value": 200}, {"setting": "dependency_cap", "value": 0.6}],
        "Countries": [{"country": c, "concern": c == "K"} for c in countries],
        "Products": [{"product": p, "customs_value": 5 if p == "magnet" else None} for p in products],
        "Sites": sites,
        "Demand": [{"market": c, "product": "magnet", "demand": rng.choice([10, 20, 30])} for c in countries]
        + [{"market": "A", "product": "oxide", "demand": 5}],
        "Lanes": lanes,
        "Recipes": recipes,
        "Caps": [
            {"product": "magnet", "market": "B", "cap": 0.3, "basis": "direct"},
            {"product": "oxide", "cap": 0.5},
            *rng.choice(
                [
                    [],
                    [{"product": "magnet", "market": "A", "cap": rng.choice([0.0, 0.2, 0.5])}],
                    [{"product": "magnet", "cap": 0.4, "scope": "total"}],
                    [{"product": "magnet", "cap": 0.3, "scope": "total", "basis": "direct"}],
                ]
            ),
        ],
        "Groups": [{"group": "plants", "min_open": rng.choice([0, 2]), "max_open": 6}],
        "Scenarios": [{"scenario": "ban", "weight": 0.2}],
        "Disruptions": [{"scenario": "ban", "country": "K", "capacity_loss": 1}],
        "Stockpiles": [{"market": c, "product": "oxide", "max_stock": 10, "holding_cost": 0.5} for c in countries],
    }
    if periods:
        for s in sites:
            r = rng.random()
            if r < 0.2:
                s["available_from"] = rng.choice([2026, 2030])
            elif r < 0.3:
                s["available_until"] = rng.choice([2024, 2026])
        recs["Periods"] = [{"period": 2024}, {"period": 2026}, {"period": 2030, "years": 2}]
        recs["Settings"].append({"setting": "discount_rate", "value": 0.05})
        recs["Demand"].append({"market": "A", "product": "magnet", "demand": 40, "period": 2030})
        recs["Caps"].append({"product": "magnet", "market": "C", "cap": 0.1, "period": 2026})
    return recs


@pytest.mark.parametrize(("seed", "periods"), [*((k, False) for k in range(6)), (0, True), (3, True)])
def test_random_tiered_networks_keep_every_invariant(tmp_path: Path, seed: int, periods: bool) -> None:
    """Every invariant holds (solve_records asserts them all, period by period), and the
    tightenings change no optimum."""
    from model.build import build_model
    from model.solve import SolveOptions, solve

    recs = random_chain(seed, periods)
    res = solve_records(tmp_path, recs)
    assert res.status == "optimal"
    net = read_workbook(write(tmp_path, recs))
    loose = solve(build_model(net, tighten=False), SolveOptions(mip_gap=0.0))
    assert loose.objective == pytest.approx(res.objective, rel=1e-6)


def test_scenario_unmet_demand_never_feeds_a_plant(tmp_path: Path) -> None:
    """The ban of ``ban`` with 5 t of final oxide demand in Japan at a penalty of 10 a tonne. In
    the ban nothing reaches Japan: 40 magnets unmet (40,000) and 5 oxide unmet (50); unmet oxide
    must not feed jp_magnet (it would make magnets at 2 * 10 + 11 a magnet). Normal year
    40 * 11 + 85 * 1 = 525; 525 + 0.1 * (40,050 - 525) = 4,477.5."""
    products = [CHAIN["Products"][0], {"product": "oxide", "unmet_penalty": 10}]
    demand = [*CHAIN["Demand"], {"market": "Japan", "product": "oxide", "demand": 5}]
    res = solve_records(tmp_path, ban(Products=products, Demand=demand))
    assert res.objective == pytest.approx(4477.5)
    scen = res["Scenarios"].set_index(["scenario", "product", "market"])
    assert scen.loc[("ban", "oxide", "Japan"), "unmet"] == pytest.approx(5)
    assert scen.loc[("ban", "magnet", "Home"), "unmet"] == pytest.approx(40)


@pytest.mark.parametrize(("ally_capacity", "expected", "share"), [(100, 680, 0.0), (40, 760, 0.5)])
def test_reported_lookthrough_share_is_the_mass_balance_minimum(
    tmp_path: Path, ally_capacity: float, expected: float, share: float
) -> None:
    """No cap (so the model has no g at all); jp_magnet the only magnet plant, ally_oxide existing
    (unit_cost 3) and cn_oxide dearer (5). Ally capacity 100: all 80 t of oxide from Ally,
    40 * 11 + 80 * 3 = 680, look-through share 0. Ally capacity 40: 40 t from each, 440 + 120 +
    200 = 760; mass balance certifies 20 of the 40 magnets: the reported look-through share is
    0.5 (the allocation LP finds it, though nothing in the MIP asked), the direct share 0."""
    sites = [
        site("cn_oxide", unit_cost=5),
        site("ally_oxide", status="existing", fixed_cost=0, capacity=ally_capacity),
        site("jp_magnet"),
    ]
    res = solve_records(tmp_path, chain(Sites=sites))
    assert res.objective == pytest.approx(expected)
    row = res["Dependency"].query("product == 'magnet' and market == 'Home'").iloc[0]
    assert row["concern_share_lookthrough"] == pytest.approx(share)
    assert row["concern_share_direct"] == pytest.approx(0)


def test_results_workbook_holds_the_tiers_sheets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the command line: the results workbook has Inputs, ConcernFree, Upstream, Groups and
    ScenarioInputs, with numbers as numbers; the console names the capped product's direct and
    look-through shares and the closed site."""
    from openpyxl import load_workbook

    from model.cli import main

    sites = [*CHAIN["Sites"][:3], {**CHAIN["Sites"][3], "status": "closable", "fixed_cost": 1000, "group": "g"}]
    recs = chain(
        Sites=sites,
        Caps=[{"product": "magnet", "market": "Home", "cap": 0.5}],
        Groups=[{"group": "g", "max_open": 1}],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=[{"scenario": "ban", "country": "China", "product": "oxide", "capacity_loss": 1}],
    )
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, recs)), "--out", str(out), "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "(direct " in text and "look-through " in text
    assert "Closed: cn_magnet" in text
    wb = load_workbook(out, read_only=True)
    assert {"Inputs", "ConcernFree", "Upstream", "Groups", "ScenarioInputs"} <= set(wb.sheetnames)
    rows = list(wb["Inputs"].iter_rows(values_only=True))
    header = rows[0]
    used = [r[header.index("quantity_used")] for r in rows[1:]]
    assert all(isinstance(v, (int, float)) for v in used) and max(used) == pytest.approx(80)


def test_tiers_over_periods(tmp_path: Path) -> None:
    """Periods 2024 (two years, to the next period) and 2026 (one year), no discounting. A
    look-through cap of 0 on Home's magnets from 2026 (a Caps row with a period); ally_oxide
    available from 2026 only; cn_magnet closable and available until 2024 only. 2024: the Chinese
    chain, 400 a year (weight 2). 2026: the allied oxide, 730. 2 * 400 + 730 = 1530. The tiers
    tables carry the period; cn_magnet is not "closed" (it operates while available)."""
    periods = [{"period": 2024}, {"period": 2026}]
    sites = [
        CHAIN["Sites"][0],
        site("ally_oxide", available_from=2026),
        CHAIN["Sites"][2],
        site("cn_magnet", status="closable", available_until=2024),
    ]
    caps = [{"product": "magnet", "market": "Home", "cap": 0, "period": 2026}]
    res = solve_records(tmp_path, chain(Sites=sites, Caps=caps, Periods=periods))
    assert res.objective == pytest.approx(1530)
    free = res["ConcernFree"].set_index(["period", "site"])
    assert free.loc[(2026, "jp_magnet"), "concern_free"] == pytest.approx(40)
    dep = res["Dependency"].query("product == 'magnet' and market == 'Home'").set_index("period")
    assert dep.loc[2024, "concern_share_lookthrough"] == pytest.approx(1)
    assert dep.loc[2026, "concern_share_lookthrough"] == pytest.approx(0)
    assert set(res["Inputs"]["period"]) == {2024, 2026}
    summary = dict(zip(res["Summary"]["metric"], res["Summary"]["value"], strict=True))
    assert summary["sites_closed"] == "none"


def test_dependency_caps_row_names_the_caps_row_that_sets_each_cap(tmp_path: Path) -> None:
    """Dependency.caps_row is the sheet row of the Caps row that sets an `each` cap, on its basis
    (the most specific row in force), and blank where the default cap applies. Caps!2 caps
    magnets in Home at 0.5 look-through, Caps!3 at 0.9 direct; Caps!4 (oxide, any market, 0.9)
    sets the oxide pools; a `total` row keeps its own row."""
    res = solve_records(
        tmp_path,
        chain(
            Caps=[
                {"product": "magnet", "market": "Home", "cap": 0.5},
                {"product": "magnet", "market": "Home", "cap": 0.9, "basis": "direct"},
                {"product": "oxide", "cap": 0.9},
                {"product": "magnet", "cap": 0.8, "scope": "total"},
            ]
        ),
    )
    dep = res["Dependency"]
    rows = {(r.product, r.market, r.scope, r.basis): r.caps_row for r in dep.itertuples()}
    assert rows[("magnet", "Home", "each", "lookthrough")] == 2
    assert rows[("magnet", "Home", "each", "direct")] == 3
    assert rows[("oxide", "Japan", "each", "lookthrough")] == 4
    assert rows[("magnet", "Home", "total", "lookthrough")] == 5
    assert rows[("oxide", "China", "each", "lookthrough")] is None or pd.isna(
        rows[("oxide", "China", "each", "lookthrough")]
    )


def test_concern_free_allocation_has_no_solver_noise(tmp_path: Path) -> None:
    """The reviewer's mixed chain, made small: jp_magnet (7) undercuts cn_magnet (8) and makes all
    40 magnets for Home and 10 for Japan; a look-through cap of 0.5 on Home needs 20 concern-free
    magnets, i.e. 40 allied oxide at rate 2 (the rest, 60, Chinese): cost 50 * 7 + 40 * 1 + 40 *
    3 + 50 + 60 * 1 = 620. jp_magnet's concern-free output is 40 / 2 = 20 and all of it goes to
    Home (the cap takes every unit): ConcernFree shows 20 and 0 exactly, not 19.99999 and 0.00001
    (the allocation LP's slack on the cap row), and Dependency's concern supply in Home is 20."""
    res = solve_records(
        tmp_path,
        chain(
            Demand=[
                {"market": "Home", "product": "magnet", "demand": 40},
                {"market": "Japan", "product": "magnet", "demand": 10},
            ],
            Sites=[site(s) for s in ("cn_oxide", "ally_oxide", "cn_magnet")] + [site("jp_magnet", unit_cost=7)],
            Caps=[{"product": "magnet", "market": "Home", "cap": 0.5}],
        ),
    )
    assert res.objective == pytest.approx(620)
    free = res["ConcernFree"].set_index(["site", "market"])
    assert free.loc[("jp_magnet", "Home"), "concern_free"] == 20.0
    assert free.loc[("jp_magnet", "Japan"), "concern_free"] == 0.0
    assert free.loc[("jp_magnet", "Japan"), "concern_free_share"] == 0.0
    assert res["Inputs"].set_index("site").loc["jp_magnet", "concern_free_used"] == 40.0
    dep = res["Dependency"].query("product == 'magnet' and market == 'Home'").iloc[0]
    assert dep["concern_supplied"] == 20.0


def test_group_maximum_that_other_requirements_push_against_explained(tmp_path: Path) -> None:
    """Two candidate fabs (50 each) in group 'fabs' with max_open 1; demand 80; three scenarios
    without disruption (weight 0) that must serve all of it (max_shortfall 0). One fab serves 50,
    so each scenario would fall 30 short (relative 30/80 = 0.375, three times: 1.125); a second
    fab meets all three at a group excess of 1 (relative 1/1 = 1): the closest design operates
    both. The explanation says the other requirements need 2 of the group's sites and max_open
    would have to rise to 2 (it said 'its 0 existing sites always operate; rise to 0')."""
    from model.diagnose import explain_infeasibility

    recs = records(
        Sites=GROUP_SITES,
        Lanes=None,
        Groups=[{"group": "fabs", "max_open": 1}],
        Scenarios=[{"scenario": f"s{i}", "weight": 0, "max_shortfall": 0} for i in (1, 2, 3)],
    )
    recs["Demand"] = [{"market": "Home", "product": "chip", "demand": 80}]
    net = read_workbook(write(tmp_path, recs))
    conflicts = explain_infeasibility(net)
    group = [c for c in conflicts if c.kind == "group"]
    assert len(group) == 1 and group[0].cells == ("Groups!C2",), conflicts
    assert "can only be met with 2 of its sites operating" in group[0].message
    assert "rise to 2" in group[0].message and "existing" not in group[0].message
