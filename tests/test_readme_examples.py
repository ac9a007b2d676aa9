"""The README's examples run on the shipped sample as written: its sweeps show a frontier (feasible
points whose cost rises as the value tightens), and where a point has no design, it is explained.

The sample is rebuilt from time to time (inputs/make_sample.py): when these fail, choose values
for the README that show a frontier on the new sample, and update the words around them."""

from __future__ import annotations

import itertools
import re

import pytest

import model
from tests.helpers import ROOT, SHIPPED_SAMPLE


def readme_values(option: str) -> list[float]:
    """The values of ``option`` in the README's example of it (``--sweep-cap 1,0.9,...``)."""
    text = (ROOT / "README.md").read_text()
    found = re.search(rf"python run\.py inputs/allied_supply_network\.xlsx {option} ([0-9.,]+)", text)
    assert found, f"the README has no example of {option} on the shipped sample"
    return [float(v) for v in found.group(1).split(",")]


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--sweep-cap", "--sweep-shortfall"])
def test_the_readme_sweeps_show_a_frontier_on_the_sample(option: str) -> None:
    """At least three feasible points, loosest first, their cost rising as the value tightens;
    the README says the tightest point has no design: it is infeasible, and explained."""
    parameter = {"--sweep-cap": "dependency_cap", "--sweep-shortfall": "max_shortfall"}[option]
    values = readme_values(option)
    table = model.sweep(model.read(SHIPPED_SAMPLE), parameter, values)
    feasible = table[table["objective"].notna()]
    assert len(feasible) >= 3, table[["status", "objective"]]
    costs = feasible["objective"].tolist()
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(costs)), costs
    assert costs[-1] > costs[0], costs  # a frontier, not a flat line
    last = table.iloc[-1]
    assert last["status"] == "infeasible", last.to_dict()
    assert re.search(r"(has|have) to give", last["explanation"]), last["explanation"]  # what must give, and how far
