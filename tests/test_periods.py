"""Periods (contract v2): the horizon, data in force per period, availability windows,
discounted weights, the build-out rules (13), per-period results and invariants, bad input.

The micro network of ``tests/helpers.py`` (BASE): one market, Home, needs 80 chips a year;
``rival1`` (existing, in the concern country Rival) makes them at 5 and ships them to Home at
freight 1 and tariff 20%, so a delivered 7; ``home1`` (a candidate in Home, capacity 100) makes
them at 10 and costs 200 a year once built. Unmet demand costs 1000 a unit.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from model.build import build_model
from model.families.dependency import caps_of
from model.horizon import horizon, in_force, weight
from model.invariants import check_all
from model.issues import WorkbookError
from model.results import cost_totals, period_cost_rows
from model.solve import SolveOptions, solve
from model.standard_form import compile_standard_form
from model.workbook import read_workbook
from tests.helpers import BASE, SAMPLE, needs_fast_compiler, records, solve_network, solve_records, write
from tests.xlsx_charts import category_ref, charts, series

TWO_PERIODS = [{"period": 2024}, {"period": 2026, "years": 3}]
"""2024 stands for two years (the gap to 2026), 2026 for three."""


def column_of(path: Path, sheet: str, header: str) -> str:
    """The letter of ``header`` in the header row of ``sheet``."""
    ws = load_workbook(path)[sheet]
    return next(c.column_letter for c in ws[1] if c.value == header)


def site(name: str, **changes: Any) -> dict[str, Any]:
    """A Sites row of BASE with some cells changed."""
    row = next(r for r in BASE["Sites"] if r["site"] == name)
    return {**row, **changes}


def objective(res: Any) -> float:
    assert res.status == "optimal"
    return float(res.objective)


def row(res: Any, sheet: str, **match: Any) -> dict[str, Any]:
    """The one row of ``sheet`` whose columns equal ``match``."""
    table = res[sheet]
    for column, value in match.items():
        table = table[table[column] == value]
    assert len(table) == 1, (sheet, match, table)
    return table.iloc[0].to_dict()


# ---- the horizon ---------------------------------------------------------------------------


def test_weights_hand_computed() -> None:
    """W[t] = sum_{k<years} (1+rho)^-(t+k-t0). At rho = 0.1 with t0 = 2024: the two years of 2024
    weigh 1 + 1/1.1 = 1.909091; the three of 2026 weigh 1.1^-2 + 1.1^-3 + 1.1^-4 = 2.260774.
    Without discounting a period weighs its years. Blank years: the gap to the next, 1 for the last."""
    assert weight(2024, 2, 2024, 0.1) == pytest.approx(1.9090909, abs=1e-6)
    assert weight(2026, 3, 2024, 0.1) == pytest.approx(2.2607744, abs=1e-6)
    assert weight(2030, 5, 2024, 0.0) == 5
    periods = horizon([(2031, None), (2024, None), (2026, None)], 0.0)
    assert [(p.year, p.years, p.weight) for p in periods] == [(2024, 2, 2.0), (2026, 5, 5.0), (2031, 1, 1.0)]


def test_a_row_holds_from_its_period_until_a_later_row_of_its_key() -> None:
    """Per key, the row with the latest period <= the year; blank = from the first period; a key
    whose only row starts later has no row yet."""
    rows = [("a", None, 1), ("a", 2026, 2), ("a", 2030, 3), ("b", 2026, 4)]
    pick = {year: [r[2] for r in in_force(rows, lambda r: r[0], lambda r: r[1], year)] for year in (2024, 2026, 2028)}
    assert pick == {2024: [1], 2026: [2, 4], 2028: [2, 4]}


def test_each_period_sees_its_own_data(tmp_path: Path) -> None:
    """Demand, lanes (a tariff schedule), caps (a phased cap) and the sites available differ by
    period, as the rows in force say; the network itself holds the first period's rows."""
    recs = records(
        Periods=TWO_PERIODS,
        Sites=[site("home1", available_from=2026), site("rival1")],
        Demand=[
            {"market": "Home", "product": "chip", "demand": 80},
            {"market": "Home", "product": "chip", "demand": 120, "period": 2026},
        ],
        Lanes=[
            {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.2},
            {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.5, "period": 2026},
        ],
        Caps=[{"cap": 0.5, "period": 2026}],
    )
    net = read_workbook(write(tmp_path, recs))
    first, later = net.at(2024), net.at(2026)
    assert first.demand == {("chip", "Home"): 80} and later.demand == {("chip", "Home"): 120}
    assert first.tariff_rate == {("rival1", "Home"): 0.2}
    assert later.tariff_rate == {("rival1", "Home"): 0.5, ("home1", "Home"): 0.0}
    assert first.sites == ("rival1",) and first.candidates == () and later.candidates == ("home1",)
    assert caps_of(first).each == {("chip", "Home"): 1.0} and caps_of(later).each == {("chip", "Home"): 0.5}
    assert net.demand == first.demand
    capped = net.with_dependency_cap(0.3)
    assert caps_of(capped.at(2024)).each == {("chip", "Home"): 0.3} and caps_of(capped.at(2026)).each == {
        ("chip", "Home"): 0.5
    }


# ---- hand-computed optima --------------------------------------------------------------------


def lead_time_and_phased_cap(**settings: float) -> dict[str, list[dict[str, Any]]]:
    """home1 can produce only from 2026 (its lead time); a cap of 0.5 on concern supply holds from
    2026 (a phased cap)."""
    recs = records(
        Periods=TWO_PERIODS,
        Sites=[site("home1", available_from=2026), site("rival1")],
        Caps=[{"cap": 0.5, "period": 2026}],
    )
    recs["Settings"] += [{"setting": k, "value": v} for k, v in settings.items()]
    return recs


def test_lead_time_and_phased_cap_without_discounting(tmp_path: Path) -> None:
    """2024 (two years): home1 is not available and no cap holds: rival1 ships all 80 at 7 = 560 a
    year. 2026 (three years): the cap allows 40 from rival1 (280); home1 is built (200) and makes
    the other 40 at 10 (400): 880 a year. Optimum 2 x 560 + 3 x 880 = 1120 + 2640 = 3760."""
    res = solve_records(tmp_path, lead_time_and_phased_cap())
    assert objective(res) == pytest.approx(3760)
    home = {t: row(res, "Sites", site="home1", period=t) for t in (2024, 2026)}
    assert not home[2024]["built"] and not home[2024]["available"] and home[2024]["capacity"] == 0
    assert home[2026]["built"] and home[2026]["production"] == pytest.approx(40)
    assert home[2024]["opens"] == home[2026]["opens"] == 2026
    costs = res["Costs"]
    fixed = row(res, "Costs", period=2026, component="fixed")
    assert (fixed["yearly_value"], fixed["weight"], fixed["value"]) == pytest.approx((200, 3, 600))
    assert period_cost_rows(costs)["value"].sum() == pytest.approx(3760)
    assert cost_totals(costs)["value"].sum() == pytest.approx(3760)
    dep = row(res, "Dependency", period=2026, product="chip", market="Home")
    assert dep["concern_share"] == pytest.approx(0.5) and dep["binding"]
    assert row(res, "Dependency", period=2024, product="chip", market="Home")["concern_share"] == 1


def test_lead_time_and_phased_cap_with_discounting(tmp_path: Path) -> None:
    """The same design at a discount rate of 10%: W[2024] = 1 + 1/1.1 = 1.909091 and
    W[2026] = 1.1^-2 + 1.1^-3 + 1.1^-4 = 2.260774, so the optimum is
    560 x 1.909091 + 880 x 2.260774 = 1069.09 + 1989.48 = 3058.57."""
    res = solve_records(tmp_path, lead_time_and_phased_cap(discount_rate=0.1))
    assert objective(res) == pytest.approx(560 * 1.9090909 + 880 * 2.2607744, rel=1e-6)
    assert objective(res) == pytest.approx(3058.57, abs=0.01)
    assert row(res, "Costs", period=2026, component="fixed")["weight"] == pytest.approx(2.2607744)


def test_a_built_candidate_stays_built(tmp_path: Path) -> None:
    """Cap 0.5 from the start, lifted (cap 1) from 2026. 2024: home1 built, 40 + 40 as above, 880 a
    year. 2026: rival1 alone would be cheapest (560), but home1 stays built (13a) and pays its 200:
    760 a year (it need not produce). Optimum 2 x 880 + 3 x 760 = 4040 (without (13a): 3440)."""
    recs = records(Periods=TWO_PERIODS, Caps=[{"cap": 0.5}, {"cap": 1, "period": 2026}])
    res = solve_records(tmp_path, recs)
    assert objective(res) == pytest.approx(4040)
    assert row(res, "Sites", site="home1", period=2026)["built"]
    assert row(res, "Sites", site="home1", period=2026)["production"] == pytest.approx(0)


def test_modules_stay(tmp_path: Path) -> None:
    """home1 existing with no base capacity but modules of 50 at 100 a year (at most 2). Cap 0.5
    in 2024: one module, 40 from rival1 (280), 40 from home1 (400): 780 a year. Cap lifted from
    2026: rival1 ships all 80 (560) and the module stays (13c, 100): 660 a year.
    Optimum 2 x 780 + 3 x 660 = 3540."""
    home = site(
        "home1", status="existing", capacity=0, fixed_cost=0, module_capacity=50, module_cost=100, max_modules=2
    )
    recs = records(Periods=TWO_PERIODS, Sites=[home, site("rival1")], Caps=[{"cap": 0.5}, {"cap": 1, "period": 2026}])
    res = solve_records(tmp_path, recs)
    assert objective(res) == pytest.approx(3540)
    assert [row(res, "Sites", site="home1", period=t)["modules_added"] for t in (2024, 2026)] == [1, 1]


def test_a_site_whose_window_ends_stops_and_saves_its_fixed_cost(tmp_path: Path) -> None:
    """rival1 (fixed cost 50) is available until 2024 only (a contract ends). 2024: rival1 ships
    80 at 7 (560) + 50 = 610 a year. 2026: home1 must be built: 80 x 10 + 200 = 1000 a year.
    Optimum 2 x 610 + 3 x 1000 = 4220; rival1 closes in 2026, home1 opens in 2026."""
    recs = records(Periods=TWO_PERIODS, Sites=[site("home1"), site("rival1", fixed_cost=50, available_until=2024)])
    res = solve_records(tmp_path, recs)
    assert objective(res) == pytest.approx(4220)
    rival = row(res, "Sites", site="rival1", period=2026)
    assert not rival["built"] and rival["closes"] == 2026 and rival["opens"] is None
    assert row(res, "Sites", site="home1", period=2024)["opens"] == 2026
    assert set(res["Flows"][res["Flows"]["site"] == "rival1"]["period"]) == {2024}


def test_a_tariff_schedule(tmp_path: Path) -> None:
    """The Rival-Home tariff rises to 150% from 2026: delivered 5 x 2.5 + 1 = 13.5, so 80 cost
    1080 > home1's 80 x 10 + 200 = 1000. Optimum 2 x 560 + 3 x 1000 = 4120."""
    lanes = [
        {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.2},
        {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 1.5, "period": 2026},
    ]
    res = solve_records(tmp_path, records(Periods=TWO_PERIODS, Lanes=lanes))
    assert objective(res) == pytest.approx(4120)
    assert row(res, "Flows", site="home1", period=2026)["quantity"] == pytest.approx(80)


# ---- identities -----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.0, 0.05])
def test_identical_periods_cost_the_sum_of_weights_times_one_period(tmp_path: Path, rate: float) -> None:
    """Three periods with the same data (2024, 2026, 2031: 2, 5 and 1 years) cost sum_t W[t] times
    the one-period optimum (880 with cap 0.5), with and without discounting: the one-period design
    repeated meets (13), and no period can do better than it."""
    one = solve_records(tmp_path, records(Caps=[{"cap": 0.5}]))
    recs = records(Caps=[{"cap": 0.5}], Periods=[{"period": 2024}, {"period": 2026}, {"period": 2031}])
    recs["Settings"].append({"setting": "discount_rate", "value": rate})
    many = solve_records(
        tmp_path,
        recs,
    )
    weights = sum(p.weight for p in horizon([(2024, None), (2026, None), (2031, None)], rate))
    assert objective(one) == pytest.approx(880)
    assert objective(many) == pytest.approx(weights * 880, rel=1e-9)


def sample_with_periods(tmp_path: Path, rows: list[tuple[Any, ...]], **settings: float) -> Path:
    """The sample workbook with a Periods sheet of ``rows`` (and settings appended)."""
    path = tmp_path / "sample_periods.xlsx"
    shutil.copy(SAMPLE, path)
    wb = load_workbook(path)
    sheet = wb.create_sheet("Periods")
    sheet.append(["period", "years"])
    for r in rows:
        sheet.append(list(r))
    for k, v in settings.items():
        wb["Settings"].append([k, v])
    wb.save(path)
    return path


def _without_period(name: str) -> str:
    """A variable's name without its period key (year 0 or 2026): the period is the last position
    of a first-stage index, the one before the scenario of an operating one."""
    return re.sub(r",(0|2026)(,[^,\]]*)?\]$", r"\2]", name)


@needs_fast_compiler
def test_one_period_of_weight_one_is_the_version_1_model(tmp_path: Path, sample_network: Any) -> None:
    """A Periods sheet with one period of one year compiles to exactly the matrices of the same
    workbook without it (objective, constraint matrix, right-hand sides, bounds): only the period
    keys differ."""
    timed = read_workbook(sample_with_periods(tmp_path, [(2026, 1)]))
    assert [(p.year, p.weight) for p in timed.periods] == [(2026, 1.0)]
    models = [build_model(net) for net in (sample_network, timed)]
    a, b = (compile_standard_form(m, [m.total_cost]) for m in models)
    for field in ("c", "c_offset", "start", "index", "value", "rhs"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert [_without_period(v.name) for v in a.columns] == [_without_period(v.name) for v in b.columns]
    assert [(v.lb, v.ub) for v in a.columns] == [(v.lb, v.ub) for v in b.columns]


@pytest.mark.slow
def test_identical_periods_of_the_sample(tmp_path: Path, solved_sample: Any) -> None:
    """The sample (scenarios, stockpiles, reserve, modules) over two identical periods at 3%:
    sum_t W[t] times its one-period optimum."""
    net = read_workbook(sample_with_periods(tmp_path, [(2026, 2), (2028, 3)], discount_rate=0.03))
    res = solve_network(net)
    weights = sum(p.weight for p in net.periods)
    assert objective(res) == pytest.approx(weights * solved_sample.objective, rel=1e-6)


# ---- invariants -----------------------------------------------------------------------------


def test_the_build_out_invariants_catch_a_broken_design(tmp_path: Path) -> None:
    """Planting violations in the result tables: a candidate un-built in a later period, a site
    operating outside its window; check_all names them (and passes the untouched results)."""
    recs = records(
        Periods=TWO_PERIODS, Caps=[{"cap": 0.5}], Sites=[site("home1"), site("rival1", available_until=2024)]
    )
    net = read_workbook(write(tmp_path, recs))
    m = build_model(net)
    from model.results import extract

    res = extract(m, net, solve(m, SolveOptions(mip_gap=0.0)))
    assert check_all(res, net) == []
    sites = res.tables["Sites"]
    late = (sites["site"] == "home1") & (sites["period"] == 2026)
    sites.loc[late, ["built", "capacity"]] = [False, 0.0]
    problems = check_all(res, net)
    assert any("candidate home1 is built in 2024 but not in 2026" in p for p in problems), problems
    sites.loc[late, ["built", "capacity"]] = [True, 100.0]
    gone = (sites["site"] == "rival1") & (sites["period"] == 2026)
    sites.loc[gone, "built"] = True
    assert any("rival1 operates in 2026, outside its availability window" in p for p in check_all(res, net))


def test_per_period_invariants_name_the_period(tmp_path: Path) -> None:
    """A flow planted into the Flows table of 2026 breaks that period's demand balance: the
    violation is reported for 2026."""
    res = solve_records(tmp_path, lead_time_and_phased_cap())
    net = read_workbook(write(tmp_path, lead_time_and_phased_cap(), "again.xlsx"))
    flows = res.tables["Flows"]
    flows.loc[(flows["site"] == "home1") & (flows["period"] == 2026), "quantity"] += 5
    assert any(p.startswith("2026: demand of chip in Home") for p in check_all(res, net))


# ---- bad input -------------------------------------------------------------------------------


def messages(tmp_path: Path, recs: dict[str, list[dict[str, Any]]]) -> list[str]:
    with pytest.raises(WorkbookError) as err:
        read_workbook(write(tmp_path, recs))
    return [str(issue) for issue in err.value.issues]


def test_a_period_that_is_not_a_year_names_the_nearest(tmp_path: Path) -> None:
    recs = records(Periods=TWO_PERIODS, Caps=[{"cap": 0.5, "period": 2025}])
    (msg,) = messages(tmp_path, recs)
    # Caps.of (contract v3) is column D, basis F, so period is G
    assert msg == (
        "Periods: 2025 is missing from Periods (its years: 2024, 2026; the nearest is 2024), but it is used at "
        "Caps!G2. Add 2025 to the Periods sheet, or change this cell to one of its years"
    )


def test_a_missing_period_is_one_error_that_lists_its_cells(tmp_path: Path) -> None:
    """2027 on two Demand rows, a Lanes row and a Caps row, 2028 on one Demand row: one error per
    missing year, each listing every cell that uses it, not one identical error per cell."""
    recs = records(
        Periods=TWO_PERIODS,
        Demand=[
            {"market": "Home", "product": "chip", "demand": 80},
            {"market": "Home", "product": "chip", "demand": 90, "period": 2027},
            {"market": "Ally", "product": "chip", "demand": 10, "period": 2027},
            {"market": "Ally", "product": "chip", "demand": 20, "period": 2028},
        ],
        Lanes=[{"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.2, "period": 2027}],
        Caps=[{"cap": 0.5, "period": 2027}],
    )
    path = write(tmp_path, recs)
    demand, lanes = (column_of(path, sheet, "period") for sheet in ("Demand", "Lanes"))
    assert messages(tmp_path, recs) == [
        f"Periods: 2027 is missing from Periods (its years: 2024, 2026; the nearest is 2026), but it is used at "
        f"Demand!{demand}3, Demand!{demand}4, Lanes!{lanes}2, Caps!G2. Add 2027 to the Periods sheet, or change "
        "these 4 cells to one of its years",
        f"Periods: 2028 is missing from Periods (its years: 2024, 2026; the nearest is 2026), but it is used at "
        f"Demand!{demand}5. Add 2028 to the Periods sheet, or change this cell to one of its years",
    ]


def test_a_missing_period_lists_ten_cells_and_counts_the_rest() -> None:
    """A year used on 12 cells: the first ten are listed, then 'and 2 more'."""
    from model.horizon import missing_period_message

    cells = [f"Demand!D{r}" for r in range(2, 14)]
    msg = missing_period_message(2027, [2025, 2030], cells)
    assert "used at Demand!D2, Demand!D3," in msg and "Demand!D11 and 2 more." in msg and "Demand!D12" not in msg
    assert "change these 12 cells" in msg and "the nearest is 2025" in msg


def test_duplicate_keys_in_one_period(tmp_path: Path) -> None:
    """A blank period is the first period: a blank row and a 2024 row of one key clash."""
    demand = [
        {"market": "Home", "product": "chip", "demand": 80},
        {"market": "Home", "product": "chip", "demand": 90, "period": 2024},
        {"market": "Home", "product": "chip", "demand": 95, "period": 2026},
    ]
    (msg,) = messages(tmp_path, records(Periods=TWO_PERIODS, Demand=demand))
    assert msg == (
        "Demand!B3: duplicate row: same product, market and period as row 2 (a blank period is the first period)"
    )


def test_years_must_be_a_whole_number_of_at_least_one(tmp_path: Path) -> None:
    found = messages(tmp_path, records(Periods=[{"period": 2024, "years": 0}, {"period": 2026, "years": 2.5}]))
    assert any("Periods!B2" in m for m in found) and any("Periods!B3" in m for m in found), found


def test_duplicate_period(tmp_path: Path) -> None:
    (msg,) = messages(tmp_path, records(Periods=[{"period": 2024}, {"period": 2024}]))
    assert "Periods!A3" in msg and "duplicate period" in msg


def test_available_until_before_available_from(tmp_path: Path) -> None:
    recs = records(
        Periods=TWO_PERIODS, Sites=[site("home1", available_from=2026, available_until=2024), site("rival1")]
    )
    (msg,) = messages(tmp_path, recs)
    assert "Sites!N2" in msg and "available_until 2024 is before available_from 2026" in msg


def test_period_columns_without_a_periods_sheet_are_ignored_with_a_warning(tmp_path: Path) -> None:
    recs = records(Sites=[site("home1", available_from=2030), site("rival1")], Caps=[{"cap": 0.5, "period": 2030}])
    net = read_workbook(write(tmp_path, recs))
    warned = [str(w) for w in net.warnings]
    assert any("Caps!G2" in w and "no Periods sheet" in w for w in warned), warned
    assert any("Sites!M2" in w and "'available_from'" in w for w in warned), warned
    assert objective(solve_network(net)) == pytest.approx(880)  # the cap holds; the window does not


def test_rows_differing_only_by_period_without_periods_are_duplicates(tmp_path: Path) -> None:
    demand = [
        {"market": "Home", "product": "chip", "demand": 80},
        {"market": "Home", "product": "chip", "demand": 90, "period": 2026},
    ]
    found = messages(tmp_path, records(Demand=demand))
    expected = "duplicate row: same product, market as row 2 (without a Periods sheet the 'period' column is ignored)"
    assert f"Demand!B3: {expected}" in found, found


def test_a_candidate_available_only_after_the_horizon_is_warned(tmp_path: Path) -> None:
    recs = records(Periods=TWO_PERIODS, Sites=[site("home1", available_from=2030), site("rival1")])
    net = read_workbook(write(tmp_path, recs))
    warned = [str(w) for w in net.warnings]
    assert any("Sites!M2" in w and "can never be built" in w for w in warned), warned


# ---- results over periods: Timeline, workbook, console, studies -------------------------------


def test_timeline_hand_computed(tmp_path: Path) -> None:
    """The lead-time instance: 2024 costs 560 a year (weight 2: 1120), 2026 costs 880 (weight 3:
    2640); home1 opens in 2026, when Domestic capacity goes from 0 to 100; chip's concern share
    stands at 100% with no cap in 2024, and at its cap of 50% in 2026. The weighted costs sum to
    the objective."""
    res = solve_records(tmp_path, lead_time_and_phased_cap())
    tl = res["Timeline"].set_index("period")
    assert tl.loc[2024, "yearly_cost"] == pytest.approx(560) and tl.loc[2026, "yearly_cost"] == pytest.approx(880)
    assert list(tl["weighted_cost"]) == pytest.approx([1120, 2640])
    assert tl["weighted_cost"].sum() == pytest.approx(res.objective)
    assert (tl.loc[2024, "opens"], tl.loc[2026, "opens"], tl.loc[2026, "closes"]) == ("", "home1", "")
    assert (tl.loc[2024, "capacity: chip (k) in Domestic"], tl.loc[2026, "capacity: chip (k) in Domestic"]) == (0, 100)
    assert "capacity: chip (k) in Ally" not in tl.columns  # no site makes chip there
    assert np.isnan(tl.loc[2024, "concern share: chip"]) and np.isnan(tl.loc[2024, "cap: chip"])  # no cap in 2024
    assert (tl.loc[2026, "concern share: chip"], tl.loc[2026, "cap: chip"]) == pytest.approx((0.5, 0.5))
    assert list(tl["made in concern countries: chip"]) == pytest.approx([1, 0.5])
    assert res["Timeline"].attrs["concern_blocs"] == ["Concern"]


def test_results_of_the_last_period_alone_say_so(tmp_path: Path) -> None:
    """The lead-time instance with a blockade of Rival (weight 0.1): in 2024 home1 is not yet
    available, so the blockade leaves all 80 unserved (served 0); in 2026 home1 (100) serves all
    80 (served 1). The Summary's scenario and design rows are 2026's and their meaning says so
    (the trial's scenario.<w>.cost and served_share were the last period's, unlabelled); the
    ScenarioSummary chart's block has a row per scenario and period."""
    from model.cli import main

    recs = lead_time_and_phased_cap()
    recs["Scenarios"] = [{"scenario": "blockade", "weight": 0.1}]
    recs["Disruptions"] = [{"scenario": "blockade", "country": "Rival", "capacity_loss": 1}]
    out = tmp_path / "results.xlsx"
    assert main([str(write(tmp_path, recs)), "--out", str(out), "--no-report"]) == 0
    wb = load_workbook(out)
    summary = {r[0]: (r[1], r[2]) for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    served, meaning = summary["scenario.blockade.chip.served_share"]
    assert served == pytest.approx(1)
    assert meaning.endswith("; in 2026, the last period (each period: the ScenarioSummary sheet)")
    assert summary["scenario.blockade.cost"][1].endswith(
        "in 2026, the last period (each period: the ScenarioSummary sheet)"
    )
    assert summary["candidates_built"] == ("home1", summary["candidates_built"][1])
    assert summary["candidates_built"][1].endswith("; in 2026, the last period (each period: the Sites sheet)")
    assert "last period" not in summary["objective"][1]
    ws = wb["ScenarioSummary"]
    header = [c.value for c in ws[1]]
    block = header.index("served_share by scenario and period")
    rows = [(r[block], r[block + 1]) for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert rows[0] == ("blockade, 2024", pytest.approx(0)) and rows[1] == ("blockade, 2026", pytest.approx(1))
    (chart,) = charts(out, "ScenarioSummary")
    assert category_ref(series(chart)[0]).endswith("$3")  # both rows


def hub_chain() -> dict[str, list[dict[str, Any]]]:
    """The trial's chain made small: China (concern) makes oxide (1000 at 10); a Singapore hub
    (500) passes it on; a Japanese magnet plant (300 at 60) turns 1.3 t oxide into 1 t magnet
    for Japan's 100 t. China -> Singapore -> Japan costs 1 + 1 a tonne, China -> Japan 5: the
    130 t of oxide go through the hub."""
    return {
        "Settings": [{"setting": "unmet_penalty", "value": 1000}],
        "Countries": [
            {"country": "China", "bloc": "Concern", "concern": True},
            {"country": "Japan", "bloc": "Ally", "concern": False},
            {"country": "Singapore", "bloc": "Ally", "concern": False},
        ],
        "Products": [{"product": "oxide", "unit": "t REO"}, {"product": "magnet", "unit": "t"}],
        "Sites": [
            {
                "site": "CN oxide",
                "country": "China",
                "product": "oxide",
                "status": "existing",
                "capacity": 1000,
                "unit_cost": 10,
            },
            {
                "site": "JP magnet",
                "country": "Japan",
                "product": "magnet",
                "status": "existing",
                "capacity": 300,
                "unit_cost": 60,
            },
            {
                "site": "SG hub",
                "country": "Singapore",
                "product": "oxide",
                "status": "existing",
                "capacity": 500,
                "unit_cost": 1,
                "role": "hub",
            },
        ],
        "Demand": [{"market": "Japan", "product": "magnet", "demand": 100}],
        "Lanes": [
            {"origin": "China", "destination": "Singapore", "product": "oxide", "freight_cost": 1},
            {"origin": "Singapore", "destination": "Japan", "product": "oxide", "freight_cost": 1},
            {"origin": "China", "destination": "Japan", "product": "oxide", "freight_cost": 5},
        ],
        "Recipes": [{"product": "magnet", "input": "oxide", "quantity": 1.3}],
        "Periods": TWO_PERIODS,
    }


def test_the_timeline_keeps_units_apart_and_counts_no_hub_twice(tmp_path: Path) -> None:
    """The trial's Timeline added t oxide, t magnets and hub throughput in "capacity: Ally", and
    gave oxide (no cap) a "concern share" over all pools, the hub's and Japan's, labelled as the
    market nearest its cap. Now: a capacity column per product and bloc, in its unit, without the
    hub (Ally: no oxide, 300 t of magnets; Concern: 1000 t REO of oxide); no concern
    share column for a product without a cap; oxide 100% made in concern countries (130 t, all
    in China), magnets 0%. The Excel capacity charts are one per product, the concern bloc red
    (as in the HTML report); the PNG's capacity panel leaves room above its bars."""
    import matplotlib.pyplot as plt

    from model.charts import CONCERN_COLOR
    from model.cli import main

    out = tmp_path / "results.xlsx"
    assert main([str(write(tmp_path, hub_chain())), "--out", str(out), "--no-report"]) == 0
    tl = load_workbook(out)["Timeline"]
    header = [c.value for c in tl[1]]
    first = dict(zip(header, [c.value for c in tl[2]], strict=True))
    assert first["capacity: oxide (t REO) in Concern"] == 1000
    assert "capacity: oxide (t REO) in Ally" not in first  # the hub makes no oxide: its 500 are not counted
    assert first["capacity: magnet (t) in Ally"] == 300 and "capacity: magnet (t) in Concern" not in first
    assert not any(h.startswith(("capacity: Ally", "concern share: oxide")) for h in header)
    assert first["made in concern countries: oxide"] == 1 and first["made in concern countries: magnet"] == 0
    capacity = charts(out, "Timeline")[:2]
    assert [len(series(c)) for c in capacity] == [1, 1]  # oxide: Concern; magnet: Ally
    assert CONCERN_COLOR.removeprefix("#").upper() in ET.tostring(series(capacity[0])[0], encoding="unicode").upper()

    from model.timeline import timeline_png
    from model.workbook import read_workbook as read

    res = solve_network(read(write(tmp_path, hub_chain(), "again.xlsx")))
    captured = {}
    real_savefig = plt.Figure.savefig

    def keep(fig: Any, *a: Any, **k: Any) -> None:
        captured["fig"] = fig
        real_savefig(fig, *a, **k)

    plt.Figure.savefig = keep  # type: ignore[method-assign]
    try:
        timeline_png(res["Timeline"], "USD", tmp_path / "t.png")
    finally:
        plt.Figure.savefig = real_savefig  # type: ignore[method-assign]
    ax = captured["fig"].axes[0]
    tallest = max(p.get_y() + p.get_height() for p in ax.patches)
    assert ax.get_ylim()[1] >= 1.3 * tallest  # the legend sits above the bars, not on them
    assert {p.get_facecolor()[:3] for p in ax.patches if p.get_height() == 1000} == {(214 / 255, 39 / 255, 40 / 255)}


def test_the_command_line_over_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """run.py on a workbook with periods: the console gives the horizon cost and each period's
    cost, openings and shares against caps; the results workbook has the Timeline sheet with its
    three charts, Costs per period, and the Timeline PNG is written beside it; the HTML report
    offers the two periods and draws its timeline."""
    from model.cli import main

    out = tmp_path / "results.xlsx"
    assert main([str(write(tmp_path, lead_time_and_phased_cap())), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Total cost over the horizon (2024-2028, 2 periods, undiscounted): 3,760.00" in text
    assert "2026 (3 yr, weight 3): 880.00 USD a year, 2,640.00 weighted" in text
    assert "opens: home1" in text and "chip 50.0% / cap 50.0%" in text
    time_line = next(line for line in text.splitlines() if line.startswith("Time: "))
    assert " pictures " in time_line and " report " in time_line  # the Timeline PNG is timed too
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["Summary", "Costs", "Timeline"]
    timeline = charts(out, "Timeline")  # chip's capacity (Domestic, Concern), concern shares (2 lines), cost (2)
    assert [len(series(c)) for c in timeline] == [2, 2, 2]
    (cost_chart,) = charts(out, "Costs")  # the horizon totals: the rows after the 2 x 8 period rows
    assert category_ref(series(cost_chart)[0]) == "'Costs'!$B$18:$B$25"
    assert [c.value for c in wb["Costs"][1]] == ["period", "component", "yearly_value", "weight", "value"]
    assert (tmp_path / "results_timeline.png").stat().st_size > 10_000
    report = (tmp_path / "results_report.html").read_text()  # the horizon totals are not a period
    assert 'id="timeline"' in report and '<option value="p1">2026</option>' in report and ">total<" not in report


def test_sweeping_the_default_cap_over_periods(tmp_path: Path) -> None:
    """home1 available throughout and no Caps rows: the default cap holds in every period. Cap 1:
    rival1 ships everything, 560 a year, 5 x 560 = 2800. Cap 0.5: 880 a year in both periods,
    5 x 880 = 4400. The Tradeoff rows give each period's concern share (1 then 0.5). One point
    less default cap moves 0.8 a year from rival1 (7) to home1 (10), 2.4 a year in each of the 5
    years: its marginal cost is 12 per point, summed over the periods it holds in."""
    from model.study import run_study

    net = read_workbook(write(tmp_path, records(Periods=TWO_PERIODS)))
    table = run_study(net, "dependency_cap", [1.0, 0.5], SolveOptions(mip_gap=0.0), workers=1).set_index("cap")
    assert list(table["objective"]) == pytest.approx([2800, 4400])
    assert (table.loc[1.0, "concern_share.2024"], table.loc[0.5, "concern_share.2024"]) == pytest.approx((1, 0.5))
    assert table.loc[0.5, "concern_share.chip.2026"] == pytest.approx(0.5)
    assert table.loc[0.5, "built"] == "home1"
    assert table.loc[0.5, "marginal_cost_per_point"] == pytest.approx(12)


def test_a_sweep_over_periods_names_the_period_of_unserved_demand(tmp_path: Path) -> None:
    """The lead-time instance (home1 from 2026) swept over the default cap. Cap 0.5 in 2024: only
    rival1 exists, and the cap is a share of supply: any chip it ships is 100% concern supply, so
    all 80 are left unserved (penalty 1000): 80,000 a year x 2 years; 2026: 880 x 3 = 2640;
    162,640 over the horizon. The ``unserved`` column names 2024
    (the trial's said "USA 200 t" without its period) and the frontier's cost axis is the cost
    over the horizon, not a yearly cost."""
    from model.charts import frontier_figure
    from model.study import run_study

    recs = records(Periods=TWO_PERIODS, Sites=[site("home1", available_from=2026), site("rival1")])
    net = read_workbook(write(tmp_path, recs))
    table = run_study(net, "dependency_cap", [1.0, 0.5], SolveOptions(mip_gap=0.0), workers=1)
    point = table.set_index("cap").loc[0.5]
    assert point["objective"] == pytest.approx(162_640)
    assert point["met_by_unserved_demand"] and point["unserved"] == "chip: Home 80 k in 2024"
    assert frontier_figure(table, "cap", "USD").axes[0].get_ylabel() == "Total cost over the horizon (USD)"


def test_a_warning_that_holds_in_some_periods_names_them(tmp_path: Path) -> None:
    """Both sites can produce only from 2026: in 2024 no site can supply Home, and the warning
    says so for 2024 alone."""
    recs = records(Periods=TWO_PERIODS, Sites=[site("home1", available_from=2026), site("rival1", available_from=2026)])
    warned = [str(w) for w in read_workbook(write(tmp_path, recs)).warnings]
    assert any("Demand!C2" in w and "in 2024: no site can supply chip to Home" in w for w in warned), warned


def test_infeasibility_over_periods_names_the_period(tmp_path: Path) -> None:
    """A blockade of Rival that must leave no demand unserved: in 2024 only rival1 exists (home1
    comes in 2026), so the target cannot hold in 2024; from 2026 home1 can cover it. The
    explanation names 2024 alone."""
    from model.diagnose import explain_infeasibility

    recs = records(
        Periods=TWO_PERIODS,
        Sites=[site("home1", available_from=2026), site("rival1")],
        Scenarios=[{"scenario": "blockade", "weight": 0.1, "max_shortfall": 0}],
        Disruptions=[{"scenario": "blockade", "country": "Rival", "capacity_loss": 1}],
    )
    net = read_workbook(write(tmp_path, recs))
    conflicts = explain_infeasibility(net)
    assert [c.message[:29] for c in conflicts] == ["in 2024: scenario 'blockade',"]


def test_comparing_two_plans_over_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--compare reads a plan over periods as its cost over the horizon and its last period's
    design: the lead-time plan (3760, home1 built in 2026) against the same plan with the cap
    lifted (rival1 alone: 5 x 560 = 2800, nothing built)."""
    from model.cli import main

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main([str(write(tmp_path, lead_time_and_phased_cap())), "--out", str(a)]) == 0
    lifted = lead_time_and_phased_cap()
    lifted["Caps"] = [{"cap": 1, "period": 2026}]
    assert main([str(write(tmp_path, lifted, "lifted.xlsx")), "--out", str(b)]) == 0
    capsys.readouterr()
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "cmp.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "total cost over the horizon 3,760.00 -> 2,800.00" in text
    assert "yearly cost in 2026: 880 -> 560" in text and "yearly cost in 2024" not in text
    assert "home1: not built in B (built in A); capacity 100 -> 0; production 40 -> 0 (in 2026)" in text


def test_comparing_plans_that_differ_in_an_early_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two plans with the same last period are compared period by period (the trial compared the
    last period only and missed a plant opening two years early). A: the lead-time plan (home1
    from 2026). B: no lead time and the cap from 2024: home1 built in 2024 too, 880 a year in
    both periods (5 x 880 = 4400). Only 2024 differs in the design."""
    from model.cli import main

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main([str(write(tmp_path, lead_time_and_phased_cap())), "--out", str(a)]) == 0
    early = records(Periods=TWO_PERIODS, Caps=[{"cap": 0.5}])
    assert main([str(write(tmp_path, early, "early.xlsx")), "--out", str(b)]) == 0
    capsys.readouterr()
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "cmp.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "total cost over the horizon 3,760.00 -> 4,400.00" in text
    assert "yearly cost in 2024: 560 -> 880" in text and "yearly cost in 2026" not in text
    assert "home1: built in B (not built in A); capacity 0 -> 100; production 0 -> 40 (in 2024)" in text
    assert "(in 2026)" not in text
    sheets = load_workbook(tmp_path / "cmp.xlsx").sheetnames
    assert "CostPerPeriod" in sheets


def test_a_cap_moved_to_the_other_basis_is_not_a_change_of_cap() -> None:
    """Dependency of A: magnet in USA capped at 20% look-through. B: the same cap on the direct
    basis, so B has a row per basis (look-through: cap 1, share 100%; direct: cap 20%, share 20%).
    The comparison matches the capped rows: the cap is 20% in both, on another basis, and the
    look-through share rose from 20% to 100% (the trial reported "cap 20% -> 100%")."""
    from model.compare import compare_tables, differences

    def run(dep_rows: list[dict[str, Any]]) -> dict[str, Any]:
        import pandas as pd

        dep = pd.DataFrame(dep_rows).assign(period=2027, product="magnet", market="USA", scope="each")
        dep = dep.assign(binding=False, marginal_cost_per_point=0.0)
        return {
            "Summary": pd.DataFrame({"metric": ["status"], "value": ["optimal"]}),
            "Costs": pd.DataFrame({"component": ["production"], "value": [10.0]}),
            "YearlyCost": pd.DataFrame({"period": [2027], "yearly_cost": [10.0]}),
            "Sites": pd.DataFrame(
                columns=[
                    "period",
                    "site",
                    "country",
                    "product",
                    "status",
                    "built",
                    "modules_added",
                    "capacity",
                    "production",
                    "reserve",
                ]
            ),
            "Dependency": dep,
        }

    row = {"concern_share_direct": 0.2}
    a = run([{"basis": "lookthrough", "cap": 0.2, "concern_share": 0.2, **row, "concern_share_lookthrough": 0.2}])
    b = run(
        [
            {"basis": "lookthrough", "cap": 1.0, "concern_share": 1.0, **row, "concern_share_lookthrough": 1.0},
            {"basis": "direct", "cap": 0.2, "concern_share": 0.2, **row, "concern_share_lookthrough": 1.0},
        ]
    )
    assert differences(compare_tables(a, b)) == [
        "magnet in USA: cap 20% on the direct basis (was lookthrough); concern share direct 20.0% -> 20.0%, "
        "look-through 20.0% -> 100.0% (in 2027)"
    ]


def test_the_build_out_rows_and_their_positions(tmp_path: Path) -> None:
    """(13) has a row per consecutive pair of periods in which the site is available in both:
    home1 (a candidate, from 2024) and the modules of rival1 link 2024 to 2026; a candidate
    available only from 2026 has none. Every component names its positions, the period last."""
    from model.families import buildout

    rival = site("rival1", module_capacity=10, max_modules=2, module_cost=1)
    late = site("home1", site="late", available_from=2026)
    net = read_workbook(write(tmp_path, records(Periods=TWO_PERIODS, Sites=[site("home1"), rival, late])))
    m = build_model(net)
    assert list(m.candidate_stays_built) == [("home1", 2026)]
    assert list(m.modules_stay) == [("rival1", 2026)]
    assert len(m.closable_stays_closed) == 0
    assert ("late", 2024) not in m.build and ("late", 2026) in m.build
    for name, dims in buildout.DIMENSIONS.items():
        assert dims[-1] == "period" and all(len(index) == len(dims) for index in m.component(name)), name


def test_a_discount_rate_out_of_range_names_its_cell(tmp_path: Path) -> None:
    recs = records(Periods=TWO_PERIODS)
    recs["Settings"].append({"setting": "discount_rate", "value": -0.05})
    (msg,) = messages(tmp_path, recs)
    assert msg == "Settings!B3: found -0.05; expected a number >= 0"


def test_years_that_reach_into_the_next_period_are_warned(tmp_path: Path) -> None:
    """2024 standing for 5 years overlaps 2026: 2026-2028 would count twice."""
    net = read_workbook(write(tmp_path, records(Periods=[{"period": 2024, "years": 5}, {"period": 2026}])))
    warned = [str(w) for w in net.warnings]
    assert any(w.startswith("Periods!B2") and "from 2026 to 2028 count twice" in w for w in warned), warned


def test_the_summary_unmet_penalty_is_the_horizon_total_once(tmp_path: Path) -> None:
    """Only home1 can serve Home, from 2026 (its lead time); rival1 is gone. 2024 (two years):
    all 80 unmet at the penalty of 1000 = 80,000 a year, weight 2: 160,000. 2026 (three years):
    home1 is built (fixed 200) and makes 80 at 10 (800): 1,000 a year, weight 3: 3,000. Optimum
    163,000. The Summary's unmet_penalty is the horizon's 160,000, counted once (it once added the
    period rows and their total: 320,000), and one (product, market) pair was short."""
    recs = records(Periods=TWO_PERIODS, Sites=[site("home1", available_from=2026)])
    res = solve_records(tmp_path, recs)
    assert objective(res) == pytest.approx(163_000)
    summary = dict(zip(res["Summary"]["metric"], res["Summary"]["value"], strict=True))
    assert float(summary["unmet_penalty"]) == pytest.approx(160_000)
    assert summary["unmet_markets"] == 1


def test_a_closure_decided_in_the_first_period_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """home1 closable and dearer than rival1 (unit cost 12 against 5 + freight and tariff, fixed
    cost 300): the model closes it from the first period. Sites says it closes in 2024, the
    Timeline's 2024 row and the console's 2024 block name it (they compared each period with the
    one before, and the first period has none)."""
    from model.cli import main

    home = {**BASE["Sites"][0], "status": "closable", "unit_cost": 12, "fixed_cost": 300}
    recs = records(Periods=TWO_PERIODS, Sites=[home, BASE["Sites"][1]])
    res = solve_records(tmp_path, recs)
    closed = res["Sites"][res["Sites"]["site"] == "home1"]
    assert not closed["built"].any() and list(closed["closes"]) == [2024, 2024]
    assert list(res["Timeline"]["closes"]) == ["home1", ""] and list(res["Timeline"]["opens"]) == ["", ""]
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, recs, "c.xlsx")), "--out", str(out), "--no-report"]) == 0
    text = capsys.readouterr().out
    block = text.split("  2024 (", 1)[1].split("  2026 (", 1)[0]
    assert "    closes: home1" in block, text


def test_every_network_field_is_made_per_period_or_declared_for_the_horizon(tmp_path: Path) -> None:
    """One derivation per period: ``horizon.period_changes`` makes exactly the fields of
    ``PER_PERIOD_FIELDS`` from a period's rows, and every other field of ``Network`` is declared
    in ``HORIZON_FIELDS``, so a new field cannot silently keep the first period's value."""
    import dataclasses

    from model import horizon
    from model.network import HORIZON_FIELDS, PER_PERIOD_FIELDS, Network

    fields = {f.name for f in dataclasses.fields(Network)}
    assert fields == PER_PERIOD_FIELDS | HORIZON_FIELDS and not PER_PERIOD_FIELDS & HORIZON_FIELDS
    net = read_workbook(write(tmp_path, records(Periods=TWO_PERIODS)))
    rows = horizon.PeriodRows([("chip", "Home", 80.0, None, None)], [], [])
    assert set(horizon.period_changes(net, rows, 2024, net.sites)) == PER_PERIOD_FIELDS
    first, second = net.at(2024), net.at(2026)
    for name in HORIZON_FIELDS - {"timings"}:
        assert getattr(first, name) == getattr(second, name), name
