"""``bench.run``'s seeds and memory columns: the k-th run of a case with ``--vary-seed`` runs the
tool and the yardstick with HiGHS random_seed k, and the medians include memory (issue 21: peak
memory against the yardstick's). No timing assertions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT


def _child(mode: str, case: str, seed: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", mode, case, "--time-limit", "60", "--gap", "1e-6", "--seed", str(seed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_seed_reaches_the_tool_and_the_yardstick() -> None:
    from openpyxl import load_workbook

    row = _child("--one", "S", 3)
    assert row["seed"] == 3
    assert 0 < row["built_mb"] <= row["peak_mb"]  # the peak once built, before HiGHS, is a peak so far
    results = load_workbook(ROOT / "bench" / "cache" / "S_results.xlsx", read_only=True)
    summary = dict(r[:2] for r in results["Summary"].iter_rows(values_only=True))
    assert summary["setting.random_seed"] == 3  # the run's own Summary records the seed it ran with
    yard = _child("--direct", "S", 3)
    assert 0 < yard["direct_built_mb"] <= yard["direct_peak_mb"]


def test_summary_gives_memory_medians() -> None:
    from bench.run import summary

    def row(total: float, peak: float, direct_peak: float, built: float) -> dict:
        return {
            "case": "L",
            "total": total,
            "solve": 1.0,
            "in_highs": 1.0,
            "peak_mb": peak,
            "direct_peak_mb": direct_peak,
            "built_mb": built,
            "direct_built_mb": built / 2,
        }

    text = summary([row(2.0, 300, 200, 100), row(2.0, 600, 200, 120), row(2.0, 450, 300, 140)])
    # peak medians 450 and 200; ratios 1.5, 3.0, 1.5 -> 1.50; built 120 and 60
    assert text.splitlines()[-1].endswith("| 450 | 200 | 1.50 | 120 | 60 |")


def test_first_seed_needs_vary_seed() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "S", "--first-seed", "3"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "add --vary-seed" in proc.stderr


def test_vary_seed_numbers_the_runs_of_each_case() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "S", "--repeat", "2", "--vary-seed", "--first-seed", "4", "--no-direct"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| S | 2 |" in proc.stdout  # two runs, with their medians
    assert "| S (seed 4) |" in proc.stdout and "| S (seed 5) |" in proc.stdout  # --first-seed 4, then 5


def test_period_major_order_is_a_permutation_of_the_same_model() -> None:
    """``bench.order``'s reordering keeps the model: on tier-S the LP relaxation's optimum is the
    same in both orders, and every column and row moved, none lost."""
    import numpy as np

    from bench.order import period_major, period_of
    from bench.run import workbook_for
    from model.build import build_model
    from model.solve import compile_model, new_highs
    from model.workbook import read_workbook

    compiled, _ = compile_model(build_model(read_workbook(workbook_for("tier-S"))))
    lp = compiled.highs.getLp()
    cols = np.array([period_of(v) for v in compiled.columns])
    rows = np.array([period_of(r) for r, _ in compiled.rows])
    assert len(set(cols)) == 3  # tier-S has three periods, each column knows its own
    moved = period_major(lp, cols, rows)
    assert moved.num_col_ == lp.num_col_ and len(moved.a_matrix_.value_) == len(lp.a_matrix_.value_)
    assert sorted(moved.col_cost_) == sorted(lp.col_cost_)

    def relaxation(model: object) -> float:
        h = new_highs()
        h.setOptionValue("solve_relaxation", True)
        h.passModel(model)
        h.run()
        return h.getInfo().objective_function_value

    assert relaxation(moved) == pytest.approx(relaxation(lp), rel=1e-9)

    def optimum(model: object) -> float:  # the integrality moved with its columns: the same MIP
        h = new_highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.passModel(model)
        h.run()
        return h.getInfo().objective_function_value

    assert optimum(moved) == pytest.approx(optimum(lp), rel=1e-7)
