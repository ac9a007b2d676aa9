"""The benchmark suite cannot rot: the runner runs the S size end to end (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import generate, orlib
from tests.helpers import ROOT


def test_bench_runner_smoke() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--one", "S", "--time-limit", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    assert row["status"] == "optimal" and row["columns"] > 0 and row["peak_mb"] > 0
    for phase in ("read", "check", "build", "compile", "handover", "solve", "extract", "write"):
        assert row[phase] >= 0
    assert row["solve"] <= row["in_highs"] <= row["solve"] + row["polish"] + 1e-3  # MIP run + polish LP run
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
