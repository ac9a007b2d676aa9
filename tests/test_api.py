"""The Python API (``model.read``, ``from_frames``, ``solve``, ``sweep``, ``stress``,
``alternatives``, ``write``, ``compare``): DataFrames in and out, the same answers as the command
line, every input problem named by sheet, frame row and column."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import model
from tests.helpers import BASE, ROOT, SHIPPED_SAMPLE, records

TABLES_COMPARED = ("Costs", "Sites", "Flows", "Dependency", "Unmet")


def frames(**changes: list[dict]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows) for name, rows in records(**changes).items()}


def test_public_names_are_listed_and_nothing_else() -> None:
    assert set(model.__all__) == {
        "InputError",
        "Network",
        "Problem",
        "Result",
        "alternatives",
        "compare",
        "from_frames",
        "read",
        "solve",
        "stress",
        "sweep",
        "write",
    }
    for name in model.__all__:
        assert callable(getattr(model, name)), name


def test_a_network_from_frames_solves_as_its_workbook(tmp_path: Path) -> None:
    """BASE from DataFrames: 80 chips from rival1 at 7 = 560; with the cap at 0, home1 is built:
    200 + 800 = 1,000. No Pyomo or HiGHS object in the result."""
    net = model.from_frames(frames())
    assert net.source == "(DataFrames)"
    result = model.solve(net)
    assert (result.status, result.objective, result.gap) == ("optimal", pytest.approx(560), pytest.approx(0, abs=1e-4))
    assert result.summary["objective"] == pytest.approx(560)
    assert all(isinstance(t, pd.DataFrame) for t in result.tables.values())
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        assert not type(value).__module__.startswith(("pyomo", "highspy")), f.name
    capped = model.solve(net, dependency_cap=0)
    assert capped.objective == pytest.approx(1000)
    assert capped["Sites"].set_index("site").loc["home1", "built"]


def test_every_problem_of_the_frames_is_named_by_sheet_row_and_column() -> None:
    bad = frames(
        Demand=[
            {"market": "Home", "product": "chip", "demand": 80},
            {"market": "Home", "product": "chip", "demand": -5},
        ],
        Sites=[{**BASE["Sites"][0], "country": "Hom"}, BASE["Sites"][1]],
    )
    with pytest.raises(model.InputError) as info:
        model.from_frames(bad)
    where = {(p.sheet, p.row, p.column) for p in info.value.errors}
    assert ("Demand", 1, "demand") in where and ("Sites", 0, "country") in where, info.value.problems
    assert all(p.cell is None for p in info.value.problems)
    assert "Sites, row 0, column 'country'" in str(info.value) and "did you mean 'Home'" in str(info.value)


def test_a_workbook_problem_keeps_its_cell(tmp_path: Path) -> None:
    from tests.helpers import write

    path = write(tmp_path, records(Demand=[{"market": "Home", "product": "chip", "demand": -5}]))
    with pytest.raises(model.InputError) as info:
        model.read(path)
    assert [p.cell for p in info.value.errors] == ["Demand!C2"]


def test_settings_are_named_as_on_the_settings_sheet() -> None:
    net = model.from_frames(frames(), settings={"unmet_penalty": 500, "dependency_cap": 0})
    assert net.settings.unmet_penalty == 500 and net.settings.dependency_cap == 0
    with pytest.raises(TypeError, match="unknown setting"):
        model.solve(net, dependency_kap=0.3)


def test_infeasible_is_explained_not_raised() -> None:
    home1 = {**BASE["Sites"][0], "capacity": 50}
    net = model.from_frames(
        frames(Products=[{"product": "chip", "reserve_share": 1.0}], Sites=[home1, BASE["Sites"][1]])
    )
    result = model.solve(net)
    assert result.status == "infeasible" and result.objective is None
    assert result.explanation and "reserve_share" in result.explanation[0]


@pytest.mark.slow
def test_studies_return_dataframes(tmp_path: Path) -> None:
    """sweep, stress and alternatives return DataFrames under their sheet names; write and compare
    work on results in memory."""
    net = model.from_frames(frames())
    frontier = model.sweep(net, "dependency_cap", [1.0, 0.0], workers=1)
    assert list(frontier["objective"]) == pytest.approx([560, 1000])
    result = model.solve(net)
    atlas = model.stress(net, result)
    assert set(atlas) == {"Stress", "StressSummary"} and list(atlas["StressSummary"]["lost"]) == ["Home", "Rival"]
    found = model.alternatives(net, k=1, slack=1.0, result=result)
    assert list(found["Alternatives"]["alternative"]) == [0, 1]
    paths = model.write(result, tmp_path / "r.xlsx")
    assert [p.name for p in paths] == ["r.xlsx", "r_report.html"] and all(p.exists() for p in paths)
    other = model.solve(net, dependency_cap=0)
    diff = model.compare(result, other)
    assert {"Costs", "Sites"} <= set(diff) and diff["Costs"]["difference"].iloc[-1] == pytest.approx(440)
    assert model.compare(paths[0], paths[0])["Costs"]["difference"].abs().sum() == 0


@pytest.mark.slow
def test_the_api_and_the_command_line_agree_on_the_sample(tmp_path: Path) -> None:
    """run.py is a client of the API: the same objective and the same tables on the shipped sample."""
    out = tmp_path / "cli.xlsx"
    run = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(SHIPPED_SAMPLE), "--out", str(out), "--no-report", "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    cli = pd.read_excel(out, sheet_name=None)
    api = model.solve(model.read(SHIPPED_SAMPLE))
    assert float(dict(zip(cli["Summary"]["metric"], cli["Summary"]["value"]))["objective"]) == pytest.approx(
        api.objective, rel=1e-9
    )
    for name in TABLES_COMPARED:
        a, b = cli[name], api[name]
        assert set(b.columns) <= set(a.columns), (
            name
        )  # the workbook adds a unit column (and Sites' busiest scenario share)
        assert len(a) == len(b), name
        for c in (c for c in b.columns if pd.api.types.is_float_dtype(b[c])):  # the workbook groups rows
            assert sorted(a[c].fillna(-1).round(6)) == pytest.approx(sorted(b[c].fillna(-1).round(6))), (name, c)


@pytest.mark.slow
def test_the_documented_example_runs(tmp_path: Path) -> None:
    """examples/analyst.py (docs/api.md's example) runs from a clean process and writes its picture."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "analyst.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "analyst_frontier.png").stat().st_size > 1000
    assert "cap 50%: optimal, cost 600.00" in run.stdout


@pytest.mark.slow
def test_the_atlas_the_alternatives_and_the_sweeps_run_side_by_side() -> None:
    """Asked for together, the stress atlas's cases, the search for alternatives and a sweep's
    points run in one pool of worker processes (``workers=2``) and give what they give one after
    the other in this process (``workers=1``); the sweep's Tradeoff is the one ``sweep`` makes
    alone (560 uncapped, 1,000 with no concern supply: all 80 from home1 at 10, built at 200)."""
    net = model.from_frames(frames())
    asked = dict(stress_test="countries", alternatives=1, alternatives_slack=1.0, sweeps={"dependency_cap": [1.0, 0.0]})
    apart = model.solve(net, workers=1, **asked)
    together = model.solve(net, workers=2, **asked)
    assert not apart.problems and not together.problems
    for name in ("Stress", "StressSummary", "Alternatives", "AlternativeSites"):
        pd.testing.assert_frame_equal(apart[name], together[name], check_dtype=False)
    columns = ["cap", "status", "objective", "built"]
    pd.testing.assert_frame_equal(apart["Tradeoff"][columns], together["Tradeoff"][columns], check_dtype=False)
    alone = model.sweep(net, "dependency_cap", [1.0, 0.0], workers=1)
    pd.testing.assert_frame_equal(alone[columns], together["Tradeoff"][columns], check_dtype=False)
    assert list(together["Tradeoff"]["objective"]) == pytest.approx([560, 1000])
    assert together.alternatives_stopped == apart.alternatives_stopped
    assert {"seconds.stress", "seconds.alternatives", "seconds.sweeps"} <= set(together.summary)
