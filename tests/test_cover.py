"""The rounded capacity cover (R): validity by enumeration, a hand-computed bound.

Micro network: market Home demands 250 chips (unmet penalty 1000); three candidate sites in
Home, each capacity 100, unit cost 10, fixed cost 200. The optimum opens all three: 3 * 200 +
250 * 10 = 3100. The LP relaxation without (R) opens 2.5 sites: 500 + 2500 = 3000; (R) reads
b1 + b2 + b3 + u / 50 >= 3 (B = 250, d = 100, f = 0.5), which lifts the LP bound to 3100.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import highspy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.build import build_model
from model.families.cover import mir
from model.solve import compile_model
from model.workbook import read_workbook
from tests.helpers import BASE, records, solve_records, write

THREE = records(
    Sites=[{**BASE["Sites"][0], "site": f"h{i}"} for i in (1, 2, 3)],  # home1's candidate, three times
    Demand=[{"market": "Home", "product": "chip", "demand": 250}],
    Lanes=[{"origin": "Home", "destination": "Home"}],
)


def test_mir_hand_computed() -> None:
    """OR-Library capa-10000: ten 10,000-unit sites, 50,886 units: at least 6 unless 886 go unmet."""
    coefs, unmet, rhs = mir([10_000.0] * 10, 50_886.0, 10_000.0)
    assert coefs == pytest.approx([1.0] * 10)
    assert unmet == pytest.approx(1 / 886)
    assert rhs == 6
    # mixed sizes, divisor 100: alpha = 1.5 (f_j 0.5 >= f 0.3: ceil), 0.2 (f_j < f: 0.2 / 0.3)
    coefs, unmet, rhs = mir([150.0, 20.0], 230.0, 100.0)
    assert coefs == pytest.approx([2.0, 2 / 3])
    assert unmet == pytest.approx(1 / 30)
    assert rhs == 3
    assert mir([100.0], 300.0, 100.0) is None  # f = 0: nothing to round
    assert mir([100.0], -5.0, 100.0) is None  # existing capacity already covers demand


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 60), min_size=1, max_size=3),
    st.integers(1, 150),
    st.integers(0, 2),
)
def test_mir_cuts_off_no_mixed_integer_point(sizes: list[int], demand: int, pick: int) -> None:
    """Every integer z (with the least s that covers the rest) satisfies the rounded row."""
    a = [float(v) for v in sizes]
    row = mir(a, float(demand), a[pick % len(a)])
    if row is None:
        return
    coefs, unmet, rhs = row
    ranges = [range(math.ceil(demand / v) + 2) for v in a]
    for z in itertools.product(*ranges):
        s = max(0.0, demand - sum(v * k for v, k in zip(a, z, strict=True)))
        assert sum(c * k for c, k in zip(coefs, z, strict=True)) + unmet * s >= rhs - 1e-9


def _lp_bound(path: Path, without_rounding: bool) -> float:
    m = build_model(read_workbook(path))
    if without_rounding:
        m.capacity_cover_rounded.deactivate()
    c, _ = compile_model(m)
    h = c.highs
    ints = np.array(c.integer_cols, dtype=np.int32)
    h.changeColsIntegrality(len(ints), ints, np.array([highspy.HighsVarType.kContinuous] * len(ints)))
    h.run()
    return h.getInfo().objective_function_value


def test_rounding_lifts_the_lp_bound_and_keeps_the_optimum(tmp_path: Path) -> None:
    path = write(tmp_path, THREE)
    m = build_model(read_workbook(path))
    assert list(m.capacity_cover_rounded) == [("chip", 0)]  # (product, period)
    assert _lp_bound(path, without_rounding=True) == pytest.approx(3000)
    assert _lp_bound(path, without_rounding=False) == pytest.approx(3100)
    res = solve_records(tmp_path, THREE)
    assert res.objective == pytest.approx(3100)
    assert res["Sites"]["built"].all()


def test_no_rounding_where_existing_capacity_covers_demand(tmp_path: Path) -> None:
    """The sample-like case: existing sites cover demand, so (R) would say nothing."""
    recs = records(
        Sites=[
            *THREE["Sites"],
            {
                "site": "old",
                "country": "Home",
                "product": "chip",
                "status": "existing",
                "capacity": 300,
                "unit_cost": 12,
            },
        ],
        Demand=THREE["Demand"],
        Lanes=THREE["Lanes"],
    )
    m = build_model(read_workbook(write(tmp_path, recs)))
    assert len(m.capacity_cover_rounded) == 0
