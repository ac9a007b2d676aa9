"""A value is attributed to where it was given: a setting from the command line to the command
line (`--cap 30%` is not `Settings!B3`), one from a Python call to the call, a sweep's point to
the sweep, in the Unmet sheet's binding cap, the infeasibility explanation, the Summary and the
console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import model
from model.cli import main
from model.workbook import read_workbook
from tests.helpers import BASE, records, write

SETTINGS = [{"setting": "unmet_penalty", "value": 1000}, {"setting": "dependency_cap", "value": 0.5}]
"""Settings!B3 holds a dependency cap of 0.5, which the command line overrides."""
SMALL_HOME = [{**BASE["Sites"][0], "capacity": 50}, BASE["Sites"][1]]
"""home1 makes at most 50 of Home's 80: with a cap of 0.3 on the concern share, rival1 ships at
most 0.3 (50 + x), x <= 21.4, and 8.6 go unmet, held back by the cap."""


def capped(**changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return records(**({"Settings": SETTINGS, "Sites": SMALL_HOME} | changes))


def test_binding_cap_from_the_command_line_names_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--cap 30% over Settings!B3's 0.5: the Unmet sheet's binding cap, the console's Unmet line and
    the Summary's setting row say the command line, and nothing names Settings!B3."""
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, capped())), "--out", str(out), "--cap", "30%", "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "chip, Home: 8.57 of 80 k: held back by the lookthrough cap 0.3 (the command line (--cap))" in text, text
    assert "Settings!B3" not in text
    wb = load_workbook(out)
    unmet = list(wb["Unmet"].iter_rows(values_only=True))
    column = unmet[0].index("binding_cap")
    assert unmet[1][column] == "lookthrough cap 0.3 (the command line (--cap))"
    summary = {r[0]: r for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["setting.dependency_cap"][1] == 0.3
    assert summary["setting.dependency_cap"][2].endswith("given by the command line (--cap), not the Settings sheet")
    assert "command line" not in summary["setting.mip_gap"][2]  # not given there: the Settings sheet or default


def test_binding_cap_from_the_settings_sheet_names_its_cell(tmp_path: Path) -> None:
    """Without --cap, the same cap (0.3 on Settings!B3) is attributed to its cell."""
    recs = capped(Settings=[SETTINGS[0], {"setting": "dependency_cap", "value": 0.3}])
    res = model.solve(read_workbook(write(tmp_path, recs)))
    assert res["Unmet"]["binding_cap"].tolist() == ["lookthrough cap 0.3 (Settings!B3)"]


def test_a_cap_given_in_python_names_the_call(tmp_path: Path) -> None:
    """model.solve(net, dependency_cap=0.3): the binding cap is the call's, not Settings!B3's."""
    res = model.solve(read_workbook(write(tmp_path, capped())), dependency_cap=0.3)
    assert res["Unmet"]["binding_cap"].tolist() == ["lookthrough cap 0.3 (dependency_cap=0.3 given in Python)"]


CRISIS = {
    "Scenarios": [{"scenario": "Half", "weight": 0.1, "max_shortfall": 0.05}],
    "Disruptions": [{"scenario": "Half", "site": "home1", "capacity_loss": 0.5}],
}
"""home1 loses half its capacity: with the cap holding in the crisis Home is short by more than
the 5% max_shortfall allows (infeasible); with the cap lapsing rival1 could serve it."""


def test_infeasibility_explanation_names_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cap 30%: the explanation of why no design exists names the command line as the cap's
    source, not Settings!B3."""
    path = write(tmp_path, capped(Sites=BASE["Sites"], **CRISIS))
    code = main([str(path), "--out", str(tmp_path / "r.xlsx"), "--cap", "0.3", "--no-report"])
    text = capsys.readouterr().out
    assert code == 3, text
    assert "capped at 0.3 from concern countries, look-through (the command line (--cap))" in text, text
    assert "Settings!B3" not in text


def test_a_sweep_point_without_a_design_names_the_sweep(tmp_path: Path) -> None:
    """A survival-target sweep: a point's explanation names the sweep as the target's source, not
    the Scenarios cell that the sweep overrides."""
    net = read_workbook(write(tmp_path, records(**CRISIS)))
    table = model.sweep(net, "max_shortfall", [0.0], workers=1, dependency_cap=0.0)
    (why,) = table["explanation"].tolist()
    assert "max_shortfall 0 (this point of the sweep)" in why, why
    assert "Scenarios!C2" not in why
