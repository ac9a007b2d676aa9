"""Explain an infeasible model: which requirement cannot be met, and by how much it must give.

Four families have hard requirements: reserve (6), minimum output (2b, capacity), survival
targets (10, scenarios) and group limits (12); each explains its own (``conflicts``,
``reconsider``); everything else has unmet demand as its release (a chain that cannot reach a market under its
caps leaves that demand unmet: it is warned before solving, tier by tier, and shows in Unmet).
``explain_infeasibility`` rebuilds the model with slack on those requirements
(``build_model(elastic=True)``), minimises the sum of the relative violations, and reports every
requirement that had to give, with the cells that set it.
"""

from __future__ import annotations

import dataclasses
import gc

import pyomo.core as pyo

from model.build import build_model
from model.families import REPORTING
from model.families.protocol import Conflict
from model.network import Network
from model.solve import SolveOptions, solve

TOL = 1e-6


def explain_infeasibility(net: Network, options: SolveOptions | None = None) -> list[Conflict]:
    """Smallest (in summed relative terms) violations that make the model feasible: each family's
    requirements that had to give (``conflicts``), then its second look at them (``reconsider``:
    the scenarios family re-solves with the caps lapsed in the crises, to say which survival
    targets the caps cause)."""
    options = dataclasses.replace(options or SolveOptions(), polish=False, progress=None)
    gc.collect()  # free the infeasible run's model before building this one (see model.collector.hold_for_the_process)
    m = build_model(net, elastic=True)
    res = solve(m, options)
    if not res.has_solution:
        return []
    found: list[Conflict] = [
        c for family in REPORTING if hasattr(family, "conflicts") for c in family.conflicts(m, net)
    ]
    del m, res
    gc.collect()  # free the elastic model before a second look builds another

    def rerun(other: Network) -> pyo.ConcreteModel | None:
        """``other`` built elastic and solved: its model with values, or None without a solution."""
        model = build_model(other, elastic=True)
        return model if solve(model, options).has_solution else None

    for family in REPORTING:
        if hasattr(family, "reconsider"):
            found = family.reconsider(net, found, rerun)
    return found
