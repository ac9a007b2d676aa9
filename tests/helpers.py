"""Small workbooks for tests, written from plain records through the same writer as the template."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from model.build import build_model
from model.invariants import check_all
from model.network import Network
from model.results import Results, extract
from model.solve import SolveOptions, solve
from model.standard_form import private_reader_problem
from model.template import write_input_workbook
from model.workbook import read_workbook

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
# The first sample (version 1 of the contract: one tier, one year, five products, 32 sites), kept
# as a fixed, realistic network for the tests of invariants, families, periods and tiers that were
# written around it, and for the bench. The shipped sample (four chains over 2025-2034, built by
# inputs/make_sample.py) has its own regression test, tests/test_sample.py.
SAMPLE = ROOT / "tests" / "data" / "v1_sample.xlsx"
SHIPPED_SAMPLE = ROOT / "inputs" / "allied_supply_network.xlsx"

BASE: dict[str, list[dict[str, Any]]] = {
    "Settings": [{"setting": "unmet_penalty", "value": 1000}],
    "Countries": [
        {"country": "Home", "bloc": "Domestic", "concern": False},
        {"country": "Ally", "bloc": "Ally", "concern": False},
        {"country": "Rival", "bloc": "Concern", "concern": True},
    ],
    "Products": [{"product": "chip", "unit": "k"}],
    "Sites": [
        {
            "site": "home1",
            "country": "Home",
            "product": "chip",
            "status": "candidate",
            "capacity": 100,
            "unit_cost": 10,
            "fixed_cost": 200,
        },
        {
            "site": "rival1",
            "country": "Rival",
            "product": "chip",
            "status": "existing",
            "capacity": 100,
            "unit_cost": 5,
        },
    ],
    "Demand": [{"market": "Home", "product": "chip", "demand": 80}],
    "Lanes": [{"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.2}],
}


FAST_COMPILER_OFF = private_reader_problem()
"""Why the model's own compiler (``model.standard_form``, which reads Pyomo's expression classes)
is off on the installed Pyomo: "" on a release it was checked on. Elsewhere the tool falls back
to Pyomo's public compiler, and the tests of the fast compiler skip, saying so."""
needs_fast_compiler = pytest.mark.skipif(
    bool(FAST_COMPILER_OFF),
    reason=f"the model's own compiler is off ({FAST_COMPILER_OFF}); the tool uses Pyomo's compiler instead",
)
COMPILER = "Pyomo's LinearStandardFormCompiler" if FAST_COMPILER_OFF else "model.standard_form"
"""The compiler a run reports in its Summary on the installed Pyomo."""


def records(**changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """BASE with whole sheets replaced (a value of None drops the sheet)."""
    out = copy.deepcopy(BASE)
    for sheet, rows in changes.items():
        if rows is None:
            out.pop(sheet, None)
        else:
            out[sheet] = rows
    return out


def write(tmp_path: Path, recs: dict[str, list[dict[str, Any]]], name: str = "wb.xlsx") -> Path:
    path = tmp_path / name
    write_input_workbook(path, recs, sheets=list(recs))
    return path


def edit(path: Path, sheet: str, cell: str, value: Any) -> Path:
    """Set one cell of an existing workbook (to plant a specific mistake)."""
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    return path


def solve_network(net: Network, **options: Any) -> Results:
    """Build, solve, extract, and assert every invariant holds."""
    m = build_model(net)
    solved = solve(m, SolveOptions(**({"mip_gap": 0.0} | options)))
    res = extract(m, net, solved)
    if solved.has_solution:
        problems = check_all(res, net)
        assert not problems, problems
    return res


def solve_records(tmp_path: Path, recs: dict[str, list[dict[str, Any]]], **options: Any) -> Results:
    return solve_network(read_workbook(write(tmp_path, recs)), **options)
