"""Near-optimal alternatives (``model/alternatives.py``): designs within a cost slack of the
optimum that decide as differently as possible which sites operate when.

The base network (tests/helpers.py BASE): Home demands 80 chips; rival1 (Rival, concern) at 7
delivered; home1 (Home, candidate) capacity 100, unit cost 10, fixed cost 200. Here a second
candidate home2, the same plant at a fixed cost of 205, and a cap of 0.5 on Home's chips.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd
import pytest

from model.alternatives import check, find_alternatives, robustness
from model.cli import main
from model.solve import SolveOptions
from model.workbook import read_workbook
from tests.helpers import BASE, records, solve_network, solve_records, write

HOME1, RIVAL1 = BASE["Sites"]
HOME2 = dict(HOME1, site="home2", fixed_cost=205)
TWO = records(Sites=[HOME1, HOME2, RIVAL1], Caps=[{"cap": 0.5}])


def test_two_near_equal_designs(tmp_path: Path) -> None:
    """The optimum builds home1: 40 from rival1 (280) + 40 from home1 (400) + 200 = 880. Within
    2% (897.6) the design that differs most builds home2 instead: 885, +0.57%, two operate
    decisions changed. No third design fits: both plants cost 1,085, neither leaves 80 chips
    unmet under the cap (80,000), so the search stops there."""
    net = read_workbook(write(tmp_path, TWO))
    res = solve_network(net)
    assert res.objective == pytest.approx(880)
    found = find_alternatives(net, res.tables, res.objective, 3, 0.02, SolveOptions(mip_gap=0.0))
    table = found.table.set_index("alternative")
    assert list(table.index) == [0, 1]
    assert table.loc[1, "objective"] == pytest.approx(885)
    assert table.loc[1, "over_optimum"] == pytest.approx(5 / 880)
    assert table.loc[1, "differs_by"] == 2
    assert (table.loc[1, "distance"], table.loc[1, "distance_bound"]) == (2, 2)  # proven the most
    assert (table.loc[0, "built"], table.loc[1, "built"]) == ("home1", "home2")
    assert found.stopped == "no design within the slack differs from those found"
    assert robustness(found.sites) == {"every": [], "some": ["home1", "home2"], "none": []}
    assert check(found.table, found.sites, 0.02, 1e-9) == []
    from model.tables import column_problems

    assert column_problems({"Alternatives": found.table, "AlternativeSites": found.sites}) == []


def test_the_weighted_search_walks_to_a_dearer_design_and_proves_it(tmp_path: Path) -> None:
    """A third candidate home3, the same plant at a fixed cost of 300 (980, +11.36%), and a slack
    of 12% (985.6). Alternative 1: home2 and home3 both change two decisions, home2 is cheaper
    (885); the weights of cost - lambda x distance prove no design within the slack changes three
    (building home2 and home3 costs 1,085). Alternative 2: home3, four decisions from the optimum
    and home2 summed, the most there are. Then every new design costs at least 1,085: the search
    stops, proven, without an exact MIP."""
    home3 = dict(HOME1, site="home3", fixed_cost=300)
    net = read_workbook(write(tmp_path, records(Sites=[HOME1, HOME2, home3, RIVAL1], Caps=[{"cap": 0.5}])))
    res = solve_network(net)
    assert res.objective == pytest.approx(880)
    found = find_alternatives(net, res.tables, res.objective, 3, 0.12, SolveOptions(mip_gap=0.0))
    table = found.table.set_index("alternative")
    assert list(table.index) == [0, 1, 2]
    assert list(table["built"]) == ["home1", "home2", "home3"]
    assert list(table["objective"]) == pytest.approx([880, 885, 980])
    assert list(table["differs_by"]) == [0, 2, 2]
    assert list(table.loc[[1, 2], "distance"]) == [2, 4]
    assert list(table.loc[[1, 2], "distance_bound"]) == [2, 4]
    assert found.stopped == "no design within the slack differs from those found"
    assert check(found.table, found.sites, 0.12, 1e-9) == []


def test_the_exact_mip_decides_where_no_weighted_solve_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no weighted solves the exact MIP (max distance, cost <= 897.6) finds home2 and proves
    it the most different (its bound 2); for a third design it is infeasible."""
    monkeypatch.setattr(importlib.import_module("model.alternatives"), "PROBES", 0)
    net = read_workbook(write(tmp_path, TWO))
    res = solve_network(net)
    found = find_alternatives(net, res.tables, res.objective, 3, 0.02, SolveOptions(mip_gap=0.0))
    table = found.table.set_index("alternative")
    assert list(table.index) == [0, 1]
    assert table.loc[1, "objective"] == pytest.approx(885)
    assert (table.loc[1, "distance"], table.loc[1, "distance_bound"]) == (2, 2)
    assert found.stopped == "no design within the slack differs from those found"


def test_each_alternative_costs_what_its_design_costs(tmp_path: Path) -> None:
    """The alternative's objective re-checked by fixing its design another way: the workbook
    with home2 an existing plant and home1 gone solves to the same 885."""
    net = read_workbook(write(tmp_path, TWO))
    res = solve_network(net)
    found = find_alternatives(net, res.tables, res.objective, 1, 0.02, SolveOptions(mip_gap=0.0))
    sites = found.sites[found.sites["alternative"] == 1].set_index("site")["operates"]
    kept = [dict(s, status="existing") for s in (HOME1, HOME2) if sites[s["site"]]]
    fixed = solve_records(tmp_path, records(Sites=[*kept, RIVAL1], Caps=[{"cap": 0.5}]))
    assert fixed.objective == pytest.approx(float(found.table.iloc[1]["objective"]))


def test_the_check_catches_an_alternative_over_the_slack() -> None:
    table = pd.DataFrame(
        {"alternative": [0, 1], "objective": [100.0, 103.0], "over_optimum": [0, 0.03], "differs_by": [0, 1]}
    )
    sites = pd.DataFrame({"alternative": [0, 1], "site": ["a", "a"], "operates": [True, False]})
    assert any("above (1 + 0.02)" in p for p in check(table, sites, 0.02, 0.0))


def test_the_check_catches_a_repeated_design_and_a_distance_above_its_bound() -> None:
    table = pd.DataFrame(
        {
            "alternative": [0, 1, 2],
            "objective": [100.0, 101.0, 101.0],
            "over_optimum": [0, 0.01, 0.01],
            "differs_by": [0, 2, 2],
            "distance": [None, 2, 3],
            "distance_bound": [None, 2, 2],
        }
    )
    on = [True, False, False, True, False, True]
    sites = pd.DataFrame({"alternative": [0, 0, 1, 1, 2, 2], "site": ["a", "b"] * 3, "operates": on})
    problems = check(table, sites, 0.02, 0.0)
    assert "alternative 2 repeats a design before it" in problems
    assert "alternative 2: distance 3 above its bound 2" in problems
    assert "alternative 2: distance 3 but AlternativeSites shows 2" in problems
    assert not [p for p in problems if p.startswith("alternative 1")]


@pytest.mark.slow
def test_the_command_line_lists_robust_and_fragile_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--alternatives 2`` adds the Alternatives and AlternativeSites sheets, the designs to the
    console with what every one builds, and a section to the report; Settings.alternatives asks
    for the same."""
    path = write(tmp_path, TWO)
    out = tmp_path / "r.xlsx"
    assert main([str(path), "--out", str(out), "--alternatives", "2", "--alternatives-slack", "1%"]) == 0
    text = capsys.readouterr().out
    assert "Alternatives within 1.0% of the optimum" in text
    assert "1: 885.00 USD (+0.57%), 2 operate decisions differ from the optimum" in text
    assert "built in some: home1, home2" in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets["Alternatives"]["alternative"]) == [0, 1]
    assert '<section id="alternatives">' in (tmp_path / "r_report.html").read_text(encoding="utf-8")
    settings = [*BASE["Settings"], {"setting": "alternatives", "value": 1}]
    path = write(tmp_path, {**TWO, "Settings": settings}, "s.xlsx")
    assert main([str(path), "--out", str(tmp_path / "s_results.xlsx"), "--quiet", "--no-report"]) == 0
    assert "Alternatives" in pd.read_excel(tmp_path / "s_results.xlsx", sheet_name=None)
