"""Helpers of the families' invariants (``check``): tolerances and plain reads of result tables.

The invariants read only the result tables and the checked input (``Network``), never the model,
so that they check the model code from outside.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from model.network import Network

TOL = 1e-5


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """|a - b| <= TOL * max(1, |scale|, |a|, |b|)."""
    return abs(a - b) <= TOL * max(1.0, abs(scale), abs(a), abs(b))


def rows_of(table: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """The values of ``columns``, row by row, as plain Python values (faster than pandas' own
    grouping and filtering on tables of this size)."""
    return zip(*(table[c].tolist() for c in columns))


def site_capacity(net: Network, sites: pd.DataFrame) -> dict[str, float]:
    """cap[s] = capacity[s] * built + module_capacity[s] * modules_added, recomputed from the Sites
    table and the input capacities (nan where modules_added exceeds max_modules)."""
    out = {}
    for site, built, mods in rows_of(sites, "site", "built", "modules_added"):
        if mods > net.max_modules[site]:
            out[site] = float("nan")
            continue
        out[site] = net.capacity[site] * bool(built) + net.module_capacity[site] * mods
    return out


def cost_problems(res: Any, label: str, expected: float) -> list[str]:
    """The Costs row ``label`` against its value recomputed from the tables and inputs."""
    costs = dict(rows_of(res["Costs"], "component", "value"))
    got = costs.get(label, 0.0)
    if close(got, expected, res.objective or 1.0):
        return []
    return [f"cost component '{label}' is {got:,.6g} but recomputes to {expected:,.6g}"]
