"""Policies as written and a baseline held against today's trade (contract version 3): entities of
concern (Sites.concern), single-country caps per stage (Caps.of), minimum output
(Sites.min_output) and calibration (Observed). Hand-computed cases, one per rule.

The base network (tests/helpers.py BASE): Home demands 80 chips (unmet penalty 1000). home1
(Home, candidate): capacity 100, unit cost 10, fixed cost 200. rival1 (Rival, concern,
existing): capacity 100, unit cost 5, delivered to Home at 5 * 1.2 + 1 = 7.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model.build import build_model
from model.diagnose import explain_infeasibility
from model.invariants import check_all
from model.results import extract
from model.solve import SolveOptions, solve
from model.workbook import WorkbookError, read_workbook
from tests.helpers import BASE, records, solve_records, write

HOME1, RIVAL1 = BASE["Sites"]
COUNTRIES = [*BASE["Countries"], {"country": "Third", "bloc": "Other", "concern": False}]
ALLY1 = {"site": "ally1", "country": "Ally", "product": "chip", "status": "existing", "capacity": 100, "unit_cost": 5}
THIRD1 = {
    "site": "third1",
    "country": "Third",
    "product": "chip",
    "status": "existing",
    "capacity": 100,
    "unit_cost": 5.5,
}
LANES = [
    *BASE["Lanes"],
    {"origin": "Ally", "destination": "Home", "freight_cost": 1},
    {"origin": "Third", "destination": "Home", "freight_cost": 1},
]


def errors_of(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return [f"{i.sheet}!{i.cell}: {i.message}" for i in info.value.issues if i.level == "error"]


def dependency_rows(res, of: str | None = None):
    dep = res["Dependency"]
    return dep if of is None else dep[dep["of"] == of]


# ---------------------------------------------------------------------------------------------
# Entities of concern
# ---------------------------------------------------------------------------------------------


def test_an_allied_plant_flagged_concern_changes_the_optimum(tmp_path: Path) -> None:
    """ally1 (Ally, delivered at 5 + 1 = 6) beside rival1 (7) and home1; the default cap 0.5.

    Unflagged: all 80 from ally1, 480 (concern share 0). Flagged as an entity of concern
    (Sites.concern TRUE: owned from Rival), ally1 and rival1 are both concern supply, so at most
    40 may come from them: 40 from ally1 (240), 40 from home1 built (200 + 400): 840."""
    base = {
        "Settings": [*BASE["Settings"], {"setting": "dependency_cap", "value": 0.5}],
        "Lanes": LANES[:2],
    }
    free = solve_records(tmp_path, records(**base, Sites=[HOME1, RIVAL1, ALLY1]))
    assert free.objective == pytest.approx(480)
    flagged = solve_records(tmp_path, records(**base, Sites=[HOME1, RIVAL1, {**ALLY1, "concern": True}]))
    assert flagged.objective == pytest.approx(840)
    sites = flagged["Sites"].set_index("site")
    assert sites.loc["ally1", "concern"] and sites.loc["home1", "built"]
    (row,) = dependency_rows(flagged).itertuples()
    assert row.concern_share == pytest.approx(0.5) and row.binding
    # one point less cap moves 0.8 from ally1 (6) to home1 (10): 3.2
    assert row.marginal_cost_per_point == pytest.approx(3.2)


def test_a_concern_country_site_cleared_is_not_concern_supply(tmp_path: Path) -> None:
    """The reverse: rival1 with Sites.concern FALSE (a plant in Rival that no entity of concern
    controls) is not concern supply: with the cap at 0 it still serves all 80 (560), where
    without the flag home1 must be built (200 + 800 = 1,000)."""
    capped = [*BASE["Settings"], {"setting": "dependency_cap", "value": 0}]
    held = solve_records(tmp_path, records(Settings=capped))
    assert held.objective == pytest.approx(1000)
    cleared = solve_records(tmp_path, records(Settings=capped, Sites=[HOME1, {**RIVAL1, "concern": False}]))
    assert cleared.objective == pytest.approx(560)


def test_a_flagged_plant_upstream_counts_through_the_tiers(tmp_path: Path) -> None:
    """Look-through: homefab (Home, existing, unit cost 1) makes chips from wafers, 1 to 1. Wafers
    come from allywafer (Ally, 2 + freight 1 = 3) or homewafer (Home, candidate: 4 a wafer, 100
    fixed). Cap 0.5 on chips in Home, look-through (the default basis).

    Unflagged: every wafer from allywafer: 80 * (3 + 1) = 320. With allywafer flagged as an
    entity of concern, at most half the chips may be made from its wafers: 40 from it (120), 40
    from homewafer (100 + 160), plus homefab's 80: 460. The direct share stays 0 (homefab is in
    Home, not flagged); the look-through share is 0.5."""
    recs = records(
        Settings=[*BASE["Settings"], {"setting": "dependency_cap", "value": 0.5}],
        Products=[{"product": "chip", "unit": "k"}, {"product": "wafer", "unit": "k"}],
        Sites=[
            {
                "site": "homefab",
                "country": "Home",
                "product": "chip",
                "status": "existing",
                "capacity": 100,
                "unit_cost": 1,
            },
            {
                "site": "allywafer",
                "country": "Ally",
                "product": "wafer",
                "status": "existing",
                "capacity": 100,
                "unit_cost": 2,
            },
            {
                "site": "homewafer",
                "country": "Home",
                "product": "wafer",
                "status": "candidate",
                "capacity": 100,
                "unit_cost": 4,
                "fixed_cost": 100,
            },
        ],
        Recipes=[{"product": "chip", "input": "wafer", "quantity": 1}],
        Lanes=[{"origin": "Ally", "destination": "Home", "freight_cost": 1}],
    )
    assert solve_records(tmp_path, recs).objective == pytest.approx(320)
    recs["Sites"][1]["concern"] = True
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(460)
    chip = dependency_rows(res).set_index("product").loc["chip"]
    assert chip["concern_share_lookthrough"] == pytest.approx(0.5) and chip["concern_share_direct"] == 0


# ---------------------------------------------------------------------------------------------
# Single-country caps per stage
# ---------------------------------------------------------------------------------------------


def test_an_any_cap_forces_a_third_supplier(tmp_path: Path) -> None:
    """No concern cap. ally1 delivers at 6, third1 at 6.5, rival1 at 7. Unconstrained: all 80 from
    ally1, 480. ``of: any``, cap 0.5: no single country other than Home may ship more than 40, so
    40 from ally1 (240) and 40 from third1 (260): 500. The Dependency row names the country it
    found highest (Ally and Third tie at 0.5: the first) and its marginal cost: one point more
    lets 0.8 move from third1 to ally1, saving 0.8 * 0.5 = 0.4."""
    base = {"Countries": COUNTRIES, "Lanes": LANES, "Sites": [HOME1, RIVAL1, ALLY1, THIRD1]}
    assert solve_records(tmp_path, records(**base)).objective == pytest.approx(480)
    res = solve_records(tmp_path, records(**base, Caps=[{"product": "chip", "cap": 0.5, "of": "any"}]))
    assert res.objective == pytest.approx(500)
    flows = res["Flows"].groupby("site")["quantity"].sum()
    assert flows["ally1"] == pytest.approx(40) and flows["third1"] == pytest.approx(40)
    (row,) = dependency_rows(res, "Ally").itertuples()
    assert (row.basis, row.scope, row.cap) == ("direct", "each", 0.5)
    assert row.concern_share == pytest.approx(0.5) and row.binding
    assert row.marginal_cost_per_point == pytest.approx(0.4)
    assert row.caps_row == 2


def test_a_cap_on_one_country_and_one_on_concern_both_hold(tmp_path: Path) -> None:
    """Rows with different ``of`` all hold: Ally at most 0.25 (20 from ally1, 120) and concern at
    most 0.25 (rival1 at most 20). The rest, 60, from third1 (6.5): 390. 510 in all."""
    caps = [{"product": "chip", "cap": 0.25, "of": "Ally"}, {"product": "chip", "cap": 0.25}]
    res = solve_records(
        tmp_path, records(Countries=COUNTRIES, Lanes=LANES, Sites=[HOME1, RIVAL1, ALLY1, THIRD1], Caps=caps)
    )
    assert res.objective == pytest.approx(510)
    assert set(res["Dependency"]["of"]) == {"", "Ally"}


def test_a_total_any_cap_sums_the_markets(tmp_path: Path) -> None:
    """Home and Ally each demand 40; ally1 serves Ally at 5 and Home at 6, third1 both at 6.5.
    A `total` ``any`` cap of 0.5 over both markets measures only the countries that are not one
    of them (Third, Rival): it does not bind, and all 80 come from ally1 (200 + 240 = 440). A
    `total` cap of 0.4 on Ally: at most 32 of the 80 from Ally, the cheapest 32 into Ally (160),
    the other 48 from third1 (312): 472."""
    recs = records(
        Countries=COUNTRIES,
        Lanes=[*LANES, {"origin": "Third", "destination": "Ally", "freight_cost": 1}],
        Sites=[HOME1, RIVAL1, ALLY1, THIRD1],
        Demand=[
            {"market": "Home", "product": "chip", "demand": 40},
            {"market": "Ally", "product": "chip", "demand": 40},
        ],
        Caps=[{"product": "chip", "cap": 0.5, "of": "any", "scope": "total"}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(440)
    recs["Caps"] = [{"product": "chip", "cap": 0.4, "of": "Ally", "scope": "total"}]
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(472)
    (row,) = dependency_rows(res, "Ally").itertuples()
    assert (row.scope, row.market, row.concern_share) == ("total", "Home, Ally", pytest.approx(0.4))


def test_single_country_caps_are_checked_cell_by_cell(tmp_path: Path) -> None:
    """A misspelt country in ``of`` is an error with a did-you-mean; a look-through single-country
    cap is an error that says why; ``concern`` is a blank ``of`` (so a duplicate of one)."""
    caps = [
        {"product": "chip", "cap": 0.5, "of": "Aly"},
        {"product": "chip", "market": "Home", "cap": 0.5, "of": "any", "basis": "lookthrough"},
        {"product": "chip", "cap": 0.3, "of": "concern"},
        {"product": "chip", "cap": 0.4},
    ]
    errs = errors_of(write(tmp_path, records(Caps=caps)))
    assert any(e.startswith("Caps!D2:") and "did you mean 'Ally'" in e for e in errs), errs
    assert any(e.startswith("Caps!F3:") and "must be 'direct'" in e for e in errs), errs
    assert any(e.startswith("Caps!A5:") and "duplicate" in e for e in errs), errs


def test_single_country_caps_phase_in(tmp_path: Path) -> None:
    """With periods, a single-country row holds from its period: 2024 free (all from ally1 at 6),
    2026 at most half from any one country (40 ally1, 40 third1)."""
    recs = records(
        Countries=COUNTRIES,
        Lanes=LANES,
        Sites=[HOME1, RIVAL1, ALLY1, THIRD1],
        Periods=[{"period": 2024, "years": 1}, {"period": 2026, "years": 1}],
        Caps=[{"product": "chip", "cap": 0.5, "of": "any", "period": 2026}],
    )
    res = solve_records(tmp_path, recs)
    assert res.objective == pytest.approx(480 + 500)
    single = dependency_rows(res)
    assert list(single[single["of"] != ""]["period"]) == [2026]


# ---------------------------------------------------------------------------------------------
# Minimum output
# ---------------------------------------------------------------------------------------------

HOME2 = {"site": "home2", "country": "Home", "product": "chip", "status": "existing", "capacity": 100, "unit_cost": 9}


def test_min_output_makes_a_dearer_plant_run(tmp_path: Path) -> None:
    """home2 (Home, existing, unit cost 9) beside rival1 (7). Free: all 80 from rival1, 560. With
    min_output 0.5 (an offtake contract), home2 must make 50 (450) and rival1 the other 30 (210):
    660. A candidate with a minimum output that is not built owes nothing."""
    assert solve_records(tmp_path, records(Sites=[HOME1, RIVAL1, HOME2])).objective == pytest.approx(560)
    res = solve_records(tmp_path, records(Sites=[{**HOME1, "min_output": 0.9}, RIVAL1, {**HOME2, "min_output": 0.5}]))
    assert res.objective == pytest.approx(660)
    sites = res["Sites"].set_index("site")
    assert sites.loc["home2", "production"] == pytest.approx(50) and not sites.loc["home1", "built"]


def test_a_min_output_the_network_cannot_take_is_explained(tmp_path: Path) -> None:
    """home2's capacity is 200 and its min_output 0.6: it must make 120, but Home needs 80 and
    no lane leads out. The model is infeasible; the explanation names the site, its cell and how
    far min_output would have to fall (0.4: 80 of 200)."""
    path = write(tmp_path, records(Sites=[HOME1, RIVAL1, {**HOME2, "capacity": 200, "min_output": 0.6}]))
    net = read_workbook(path)
    m = build_model(net)
    assert not solve(m, SolveOptions()).has_solution
    (conflict,) = explain_infeasibility(net)
    assert conflict.kind == "min_output" and conflict.required == pytest.approx(120)
    assert conflict.achievable == pytest.approx(80)
    assert "home2" in conflict.message and "Sites!" in conflict.message and "0.4" in conflict.message


def test_a_min_output_with_nowhere_to_go_is_warned(tmp_path: Path) -> None:
    """An existing plant in Ally with a minimum output and no lane out (and no demand at home):
    a warning before solving that names the site and its min_output cell."""
    recs = records(Sites=[HOME1, RIVAL1, {**ALLY1, "min_output": 0.5}])
    net = read_workbook(write(tmp_path, recs))
    warned = [str(w) for w in net.warnings if "min_output" in str(w)]
    assert len(warned) == 1 and "ally1" in warned[0] and "can reach no market" in warned[0], warned


# ---------------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------------


def test_calibration_flags_a_row_beyond_the_tolerance(tmp_path: Path) -> None:
    """The optimum makes all 80 chips at rival1: Rival's modelled share is 1 and Home's 0.
    Observed: Rival 0.7 (difference +0.3, beyond the default 0.10: flagged) and Home 0.05
    (difference -0.05: not flagged). With a tolerance of 0.5 neither is flagged."""
    observed = [
        {"product": "chip", "country": "Rival", "share": 0.7, "source": "a public figure"},
        {"product": "chip", "country": "Home", "share": 0.05},
    ]
    res = solve_records(tmp_path, records(Observed=observed))
    cal = res["Calibration"].set_index("country")
    assert cal.loc["Rival", "modelled"] == pytest.approx(1) and cal.loc["Rival", "difference"] == pytest.approx(0.3)
    assert cal.loc["Rival", "flag"] and not cal.loc["Home", "flag"]
    assert cal.loc["Rival", "source"] == "a public figure"
    assert "undercut the rest" in cal.loc["Rival", "why"] and cal.loc["Home", "why"] == ""
    loose = solve_records(
        tmp_path,
        records(Observed=observed, Settings=[*BASE["Settings"], {"setting": "calibration_tolerance", "value": 0.5}]),
    )
    assert not loose["Calibration"]["flag"].any()


def test_calibration_invariants_catch_a_wrong_share(tmp_path: Path) -> None:
    """A Calibration row edited after the solve no longer matches the flows: the check says so."""
    net = read_workbook(write(tmp_path, records(Observed=[{"product": "chip", "country": "Rival", "share": 0.7}])))
    m = build_model(net)
    res = extract(m, net, solve(m, SolveOptions()))
    assert not check_all(res, net)
    res.tables["Calibration"].loc[0, "modelled"] = 0.5
    assert any("Calibration" in p and "the flows give 1" in p for p in check_all(res, net))


def test_observed_shares_summing_past_one_are_an_error(tmp_path: Path) -> None:
    observed = [
        {"product": "chip", "country": "Rival", "share": 0.7},
        {"product": "chip", "country": "Home", "share": 0.4},
    ]
    errs = errors_of(write(tmp_path, records(Observed=observed)))
    assert any(e.startswith("Observed!C3:") and "sum to 1.1" in e for e in errs), errs


@pytest.mark.slow
def test_the_command_line_reports_calibration_and_single_country_caps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console names the flagged calibration row and a single-country cap's country; the
    results workbook has a Calibration sheet (shares as percentages) and the report its section."""
    from openpyxl import load_workbook

    from model.cli import main

    recs = records(
        Countries=COUNTRIES,
        Lanes=LANES,
        Sites=[HOME1, RIVAL1, ALLY1, THIRD1],
        Caps=[{"product": "chip", "cap": 0.5, "of": "any"}],
        Observed=[{"product": "chip", "country": "Ally", "share": 0.9, "source": "a survey"}],
    )
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, recs)), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Calibration (first year against Observed): 0 of 1 shares within 10% points" in text
    assert "chip, Ally: modelled 50%, observed 90% (-40% points; a survey)" in text
    assert "(share from Ally: a single-country cap)" in text
    ws = load_workbook(out)["Calibration"]
    header = [c.value for c in ws[1]]
    assert header == ["product", "country", "observed", "modelled", "difference", "source", "flag", "why"]
    assert "its plants make 40 of 100 k they could" in text
    assert ws.cell(2, header.index("difference") + 1).number_format == "0.0%"
    page = (tmp_path / "r_report.html").read_text(encoding="utf-8")
    assert '<section id="calibration">' in page and "Beyond the tolerance (1 of 1)" in page


def test_the_yardstick_agrees_on_every_policy(tmp_path: Path) -> None:
    """bench.direct (the contract built in highspy without Pyomo) reaches the same optimum on an
    instance with every rule at once: an allied plant flagged concern, a concern cap, an `any`
    cap, a `total` single-country cap, a minimum output, and a crisis in which the caps hold."""
    from bench import direct

    recs = records(
        Settings=[*BASE["Settings"], {"setting": "dependency_cap", "value": 0.6}],
        Countries=COUNTRIES,
        Lanes=[*LANES, {"origin": "Third", "destination": "Ally", "freight_cost": 1}],
        Sites=[HOME1, RIVAL1, {**ALLY1, "concern": True}, THIRD1, {**HOME2, "min_output": 0.2}],
        Demand=[
            {"market": "Home", "product": "chip", "demand": 80},
            {"market": "Ally", "product": "chip", "demand": 30},
        ],
        Caps=[
            {"product": "chip", "cap": 0.45, "of": "any"},
            {"product": "chip", "cap": 0.5, "of": "Third", "scope": "total"},
        ],
        Scenarios=[{"scenario": "ban", "weight": 0.1}],
        Disruptions=[{"scenario": "ban", "country": "Rival", "capacity_loss": 1}],
    )
    net = read_workbook(write(tmp_path, recs))
    res = solve_records(tmp_path, recs)
    yard = direct.solve(net, mip_gap=0.0)
    assert yard.objective == pytest.approx(res.objective, rel=1e-7)


def test_a_crisis_cheaper_for_a_released_floor_says_so(tmp_path: Path) -> None:
    """home2 (unit cost 9) must make 50 in a normal year (min_output 0.5) though rival1 (7) is
    cheaper; a crisis that halves demand (40) is free of the floor: rival1 serves all 40 at 7. The
    crisis costs less than the normal year, and its cause names the floor and the plant."""
    recs = records(
        Sites=[HOME1, RIVAL1, {**HOME2, "min_output": 0.5}],
        Scenarios=[{"scenario": "slump", "weight": 0.1}],
        Shocks=[{"scenario": "slump", "demand_factor": 0.5}],
    )
    res = solve_records(tmp_path, recs)
    summary = res["ScenarioSummary"].iloc[0]
    assert summary["extra_cost"] < 0
    assert "minimum outputs" in summary["cause"] and "home2" in summary["cause"]


def test_a_floor_before_the_site_is_available_is_not_warned(tmp_path: Path) -> None:
    """A plant with a minimum output that opens in 2026 is not warned about 2024, when it does not
    exist yet (its output has nowhere to go only where it is available)."""
    recs = records(
        Sites=[HOME1, RIVAL1, {**HOME2, "min_output": 0.5, "available_from": 2026}],
        Periods=[{"period": 2024}, {"period": 2026}],
    )
    net = read_workbook(write(tmp_path, recs))
    assert not [w for w in net.warnings if "min_output" in str(w)]
