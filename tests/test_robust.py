"""Safe outputs, clean stops, numerical hygiene and reproducibility."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.generate import write as write_synthetic
from model import api
from model.cli import main
from model.solve import SolveResult
from model.workbook import read_workbook
from tests.helpers import BASE, ROOT, SAMPLE, records, solve_network, write


def test_same_workbook_same_design(sample_network, solved_sample) -> None:
    """Fixed seed: the same design and objective on every run (here, and the session's run)."""
    a, b = solved_sample, solve_network(sample_network)
    assert a.objective == b.objective
    for sheet in ("Flows", "Sites", "Dependency", "Scenarios"):
        assert a[sheet].equals(b[sheet]), sheet


def test_summary_records_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert main([str(SAMPLE), "--out", str(out), "--quiet", "--seed", "7", "--mip-gap", "0.001"]) == 0
    summary = {r[0]: r[1] for r in load_workbook(out)["Summary"].iter_rows(min_row=2, values_only=True)}
    import hashlib

    assert summary["input_sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert summary["solver"].startswith("HiGHS 1.")
    assert summary["tool_version"] and summary["pyomo_version"].startswith("6.")
    assert summary["setting.random_seed"] == 7 and summary["setting.mip_gap"] == 0.001
    for key in ("setting.dependency_cap", "setting.time_limit_s", "setting.threads", "setting.scenarios"):
        assert key in summary


def test_magnitude_warning_names_cells(tmp_path: Path) -> None:
    recs = records(Settings=[{"setting": "unmet_penalty", "value": 1e12}])
    recs["Sites"] = [dict(BASE["Sites"][0], unit_cost=0.001), BASE["Sites"][1]]
    net = read_workbook(write(tmp_path, recs))
    warned = [str(w) for w in net.warnings if "orders of magnitude" in str(w)]
    assert warned and warned[0].startswith("Settings!B2") and "Sites!F2" in warned[0]


def test_absurd_number_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = records(Demand=[{"market": "Home", "product": "chip", "demand": 1e300}])
    assert main([str(write(tmp_path, recs)), "--check"]) == 2
    assert "Demand!C2" in capsys.readouterr().out


def test_solver_failure_is_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If HiGHS ends in numerical trouble, the planner reads why, exit 1, no traceback, no file."""
    from model.results import Results

    def broken(net, options, stage=None):
        solved = SolveResult(
            status="error",
            highs_status="Solve error",
            message="HiGHS stopped with status 'Solve error': this usually means numerical trouble",
        )
        return Results({}, None, solved), {}

    monkeypatch.setattr(api, "run_once", broken)
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, BASE)), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "numerical trouble" in text and "Traceback" not in text and not out.exists()


def test_xlsm_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    xlsm = path.with_suffix(".xlsm")
    path.rename(xlsm)
    net = read_workbook(xlsm)
    assert any("macros" in str(w) for w in net.warnings)


@pytest.mark.slow
def test_ctrl_c_during_solve_stops_cleanly(tmp_path: Path) -> None:
    """SIGINT while HiGHS works on the XL network: exit 130 within seconds, no results file,
    no temporary file, the input unchanged."""
    wb = write_synthetic("XL", tmp_path / "xl.xlsx")
    before = wb.read_bytes()
    out = tmp_path / "r.xlsx"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), str(wb), "--out", str(out), "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    lines = []
    deadline = time.monotonic() + 240
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "solving" in line or not line:
            break
    assert any("solving" in ln for ln in lines), "".join(lines)  # HiGHS is at work
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - t0
    assert proc.returncode == 130, "".join(lines) + rest
    assert stopped_in < 15, stopped_in
    assert "Stopped by the user" in rest and "Traceback" not in rest
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp.xlsx")]
    assert wb.read_bytes() == before
