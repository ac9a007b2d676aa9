"""The benchmark suite cannot rot: the runner runs the S size end to end (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import generate, orlib
from tests.helpers import ROOT


def test_bench_runner_smoke() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--one", "S", "--time-limit", "60", "--highs", "mip_allow_restart=on"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    assert row["status"] == "optimal" and row["columns"] > 0 and row["peak_mb"] > 0
    for phase in ("read", "check", "build", "compile", "handover", "solve", "extract", "verify", "write"):
        assert row[phase] >= 0
    assert row["solve"] <= row["in_highs"] <= row["solve"] + row["polish"] + 1e-3  # MIP run + polish LP run
    assert row["startup"] > 0  # importing the tool's modules, reported beside the total
    assert 0 <= row["other"] < row["total"]  # the total's time in no phase
    from openpyxl import load_workbook

    results = load_workbook(ROOT / "bench" / "cache" / "S_results.xlsx", read_only=True)
    summary = dict(r[:2] for r in results["Summary"].iter_rows(values_only=True))
    assert summary["setting.highs.mip_allow_restart"] is True  # --highs reached the case's run
    assert "| S |" in __import__("bench.run", fromlist=["table"]).table([row])


def test_generator_is_seeded_and_sized() -> None:
    a, b = generate.generate("S", seed=3), generate.generate("S", seed=3)
    assert a == b
    assert generate.generate("S", seed=4) != a
    assert len(generate.generate("M")["Sites"]) == 4 * 20


def test_orlib_large_cases_parse() -> None:
    inst = orlib.load("capb-5000")
    assert len(inst.capacity) == 100 and len(inst.demand) == 1000
    assert set(inst.capacity) == {5000.0}
    assert len(orlib.LARGE) == 12


def test_summary_gives_medians_of_repeated_cases() -> None:
    from bench.run import outside_share, summary

    def row(case: str, total: float, highs: float) -> dict:
        return {"case": case, "total": total, "solve": highs, "in_highs": highs}

    rows = [row("L", 10.0, 7.97), row("L", 10.0, 9.0), row("L", 5.0, 3.0), row("S", 1.0, 0.5)]
    assert outside_share(rows[0]) == pytest.approx(0.203)
    text = summary(rows)
    # medians: total 10, in HiGHS 7.97, outside 2.00 s (2.03, 1, 2); share 20.3% (20.3, 10, 40)
    assert "| L | 3 | 10.00 | 7.97 | 2.00 | 20.3% | 10.0% | 40.0% |" in text
    assert "| S |" not in text  # run once: no median
    assert summary(rows[-1:]) == ""


def test_public_api_comparison_smoke() -> None:
    """``bench.public`` runs end to end on S (its figures are in docs/performance.md)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.public", "S", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "S, 1 paired runs (median, range):"
    assert "model.sheetxml" in lines[1] and "openpyxl's public reader" in lines[1]
    assert "model.standard_form" in lines[2] and "Pyomo's compiler" in lines[2]
    assert lines[3].startswith("  imports Pyomo's compiler brings into a run")
