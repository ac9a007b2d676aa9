"""The stress atlas: each country lost in turn, with the design fixed (``model/stress.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model.cli import main
from model.pipeline import run_once
from model.solve import SolveOptions
from model.stress import check, countries_to_lose, stress_atlas
from model.workbook import read_workbook
from tests.helpers import solve_network, write


def site(name: str, country: str, product: str, capacity: float, unit_cost: float) -> dict[str, Any]:
    return {
        "site": name,
        "country": country,
        "product": product,
        "status": "existing",
        "capacity": capacity,
        "unit_cost": unit_cost,
    }


THREE: dict[str, list[dict[str, Any]]] = {
    "Settings": [{"setting": "unmet_penalty", "value": 1000}],
    "Countries": [
        {"country": "Assembly", "concern": False},
        {"country": "Parts", "concern": False},
        {"country": "Ore", "concern": False},
    ],
    "Products": [{"product": "ore", "unit": "t"}, {"product": "part", "unit": "k"}],
    "Sites": [
        site("ore1", "Ore", "ore", 100, 1),
        site("parts1", "Parts", "part", 100, 2),
        site("backup", "Assembly", "part", 4, 10),
    ],
    "Recipes": [{"product": "part", "input": "ore", "quantity": 1, "site": "parts1"}],
    "Demand": [{"market": "Assembly", "product": "part", "demand": 10}],
    "Lanes": [{"origin": "Ore", "destination": "Parts"}, {"origin": "Parts", "destination": "Assembly"}],
}


def test_a_hand_computed_atlas(tmp_path: Path) -> None:
    """Assembly needs 10 parts. parts1 (in Parts) makes them at 2 from Ore's ore at 1, the only
    ore there is: a normal year costs 10 * 1 + 10 * 2 = 30. Assembly's own backup plant makes at
    most 4, at 10.

    Losing Ore starves parts1 in another country: the backup makes 4 (40), 6 go unserved (6,000),
    6,040 in all: 6,010 more than a normal year, 40% served. Losing Parts: the same. Losing
    Assembly loses only the backup, which a normal year does not use: nothing more, all served."""
    net = read_workbook(write(tmp_path, THREE))
    res = solve_network(net)
    assert res.objective == pytest.approx(30)
    atlas = stress_atlas(net, res.tables, SolveOptions(mip_gap=0.0), workers=1)
    summary = atlas.summary.set_index("lost")
    assert list(summary.index) == ["Assembly", "Parts", "Ore"] == countries_to_lose(net)
    assert summary.loc["Ore", "extra_cost"] == pytest.approx(6010)
    assert summary.loc["Parts", "extra_cost"] == pytest.approx(6010)
    assert summary.loc["Assembly", "extra_cost"] == pytest.approx(0, abs=1e-9)
    assert summary.loc["Ore", "worst_served_share"] == pytest.approx(0.4)
    assert (summary.loc["Ore", "worst_market"], summary.loc["Ore", "worst_product"]) == ("Assembly", "part")
    assert summary.loc["Assembly", "worst_market"] == ""  # every market served in full
    row = atlas.stress.set_index("lost").loc["Ore"]
    assert (row["demand"], row["served"], row["unmet"], row["stock_drawn"]) == pytest.approx((10, 4, 6, 0))
    assert check(atlas.stress, atlas.summary, net, atlas.design) == []
    from model.tables import column_problems

    assert column_problems({"Stress": atlas.stress, "StressSummary": atlas.summary}) == []


def test_the_atlas_agrees_with_the_same_loss_written_as_a_scenario(tmp_path: Path) -> None:
    """Losing Ore in the atlas is a scenario of weight 0 (a stress test) with Ore's capacity gone:
    written so in the workbook, the solve reports the same served share and extra cost for it
    (the design is the data's here: every site exists)."""
    recs = {
        **THREE,
        "Scenarios": [{"scenario": "lose Ore", "weight": 0}],
        "Disruptions": [{"scenario": "lose Ore", "country": "Ore", "capacity_loss": 1}],
    }
    scenario = solve_network(read_workbook(write(tmp_path, recs)))
    summary = scenario["ScenarioSummary"].iloc[0]
    net = read_workbook(write(tmp_path, THREE, "atlas.xlsx"))
    atlas = stress_atlas(net, solve_network(net).tables, SolveOptions(mip_gap=0.0), workers=1)
    ore = atlas.summary.set_index("lost").loc["Ore"]
    assert ore["extra_cost"] == pytest.approx(summary["extra_cost"])
    assert ore["worst_served_share"] == pytest.approx(summary["worst_served_share"])


def test_the_atlas_fixes_the_design_and_draws_stock(tmp_path: Path) -> None:
    """With a candidate plant and stock in the design, each case keeps them as decided: the v1
    sample's atlas over its nine countries with a site, every case solved, every invariant held,
    and stock drawn where a country's loss reaches a stockpile."""
    from tests.helpers import SAMPLE

    net = read_workbook(SAMPLE)
    res, _ = run_once(net, SolveOptions(mip_gap=0.0))
    atlas = stress_atlas(net, res.tables, SolveOptions(mip_gap=0.0), workers=1)
    assert atlas.cases == len(countries_to_lose(net)) == 9
    assert (atlas.summary["status"] == "optimal").all()
    assert check(atlas.stress, atlas.summary, net) == []
    assert atlas.stress["stock_drawn"].sum() > 0
    china = atlas.summary.set_index("lost").loc["China"]
    assert china["extra_cost"] > 0 and china["worst_served_share"] < 1


def test_the_reserve_is_part_of_the_design(tmp_path: Path) -> None:
    """Home needs 10 chips and holds half of it in reserve. home1 (Home) makes them at 1 and
    would hold reserve free; ally1 (Ally) makes them at 3 and holds reserve at 1.5. The solve
    keeps home1 for production and the reserve at ally1: 10 + 7.5 = 17.5 (the reserve at home1
    would push 5 chips onto ally1: 5 + 15 = 20). The atlas keeps that reserve: losing Home, ally1
    makes the 10 (30, the reserve released): +20; losing Ally costs nothing. Were the reserve left
    free, a case's LP could move it to home1 and read the loss against a dearer normal year."""
    recs = {
        "Settings": [{"setting": "unmet_penalty", "value": 1000}],
        "Countries": [{"country": "Home", "concern": False}, {"country": "Ally", "concern": False}],
        "Products": [{"product": "chip", "reserve_share": 0.5}],
        "Sites": [
            {**site("home1", "Home", "chip", 10, 1), "reserve_cost": 0},
            {**site("ally1", "Ally", "chip", 10, 3), "reserve_cost": 1.5},
        ],
        "Demand": [{"market": "Home", "product": "chip", "demand": 10}],
        "Lanes": [{"origin": "Ally", "destination": "Home"}],
    }
    net = read_workbook(write(tmp_path, recs))
    res = solve_network(net)
    assert res.objective == pytest.approx(17.5)
    atlas = stress_atlas(net, res.tables, SolveOptions(mip_gap=0.0), workers=1)
    summary = atlas.summary.set_index("lost")
    assert summary.loc["Home", "extra_cost"] == pytest.approx(20)
    assert summary.loc["Ally", "extra_cost"] == pytest.approx(0, abs=1e-9)
    assert summary.loc["Home", "normal_cost"] == pytest.approx(17.5)
    assert check(atlas.stress, atlas.summary, net, atlas.design) == []


def test_the_check_reports_a_case_without_a_solution_and_a_missing_row(tmp_path: Path) -> None:
    net = read_workbook(write(tmp_path, THREE))
    atlas = stress_atlas(net, solve_network(net).tables, SolveOptions(mip_gap=0.0), workers=1)
    summary = atlas.summary.copy()
    summary.loc[0, "status"] = "time_limit"
    assert any("the case was not solved (time_limit)" in p for p in check(atlas.stress, summary, net))
    assert any("not one row for every product" in p for p in check(atlas.stress.iloc[1:], atlas.summary, net))


@pytest.mark.slow
def test_the_atlas_in_worker_processes_and_on_dask_is_the_same(tmp_path: Path) -> None:
    """The cases in two worker processes, and on a Dask LocalCluster, give the tables of the
    cases run in this process."""
    distributed = pytest.importorskip("dask.distributed")
    net = read_workbook(write(tmp_path, THREE))
    tables = solve_network(net).tables
    local = stress_atlas(net, tables, SolveOptions(mip_gap=0.0), workers=1)
    pooled = stress_atlas(net, tables, SolveOptions(mip_gap=0.0), workers=2)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = stress_atlas(net, tables, SolveOptions(mip_gap=0.0), dask_address=client)
    for other in (pooled, remote):
        pd.testing.assert_frame_equal(other.stress, local.stress)
        pd.testing.assert_frame_equal(other.summary, local.summary)


@pytest.mark.slow
def test_the_command_line_writes_the_atlas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--stress`` adds the Stress and StressSummary sheets, a heat map to the report and a summary
    to the console; ``Settings.stress_test: countries`` asks for the same."""
    path = write(tmp_path, THREE)
    out = tmp_path / "r.xlsx"
    assert main([str(path), "--out", str(out), "--stress"]) == 0
    text = capsys.readouterr().out
    assert "Stress atlas (each country with a site lost" in text and "Ore +6,010.00 USD" in text
    assert "2 of 3 losses leave some market less than half served" in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"Stress", "StressSummary"} <= set(sheets)
    summary = dict(zip(sheets["Summary"]["metric"], sheets["Summary"]["value"]))
    assert "seconds.stress" in summary
    page = (tmp_path / "r_report.html").read_text(encoding="utf-8")
    assert '<section id="stress">' in page and "Worst served share by market when a country is lost" in page
    settings = [*THREE["Settings"], {"setting": "stress_test", "value": "countries"}]
    path = write(tmp_path, {**THREE, "Settings": settings}, "s.xlsx")
    assert main([str(path), "--out", str(tmp_path / "s_results.xlsx"), "--quiet", "--no-report"]) == 0
    assert "Stress" in pd.read_excel(tmp_path / "s_results.xlsx", sheet_name=None)


def test_a_mistyped_stress_test_setting_is_an_error(tmp_path: Path) -> None:
    from model.workbook import WorkbookError

    settings = [*THREE["Settings"], {"setting": "stress_test", "value": "country"}]
    with pytest.raises(WorkbookError) as info:
        read_workbook(write(tmp_path, {**THREE, "Settings": settings}))
    assert any("did you mean 'countries'" in i.message for i in info.value.issues)
