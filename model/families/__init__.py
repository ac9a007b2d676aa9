"""One module per concept of ``docs/formulation.md``, each owning its whole life.

A family provides ``DIMENSIONS``, ``build(m, ctx)``, ``tables(m, ctx, solved, out)`` and
``check(res, net)``, and the optional hooks of its inputs and outputs (see
``model.families.protocol`` and docs/architecture.md). ``FAMILIES`` is the one list that
``build_model``, ``model.results.extract``, ``model.invariants.check_all`` and the readers and
writers loop over, in this order: a family may use what the families before it built (flows add the
stock drawn to the pool balance; capacity reads the flows and the reserve; scenarios read the
unmet demand) and may register terms in the shared lists of ``Context`` (``pool_supply``,
``capacity_use``) for a family after it.
"""

from __future__ import annotations

from types import ModuleType

from model.families import (
    buildout,
    calibration,
    capacity,
    concern_free,
    cover,
    dependency,
    flows,
    groups,
    recipes,
    reserve,
    scenarios,
    stockpiles,
)

FAMILIES: tuple[ModuleType, ...] = (
    stockpiles,
    flows,
    reserve,
    capacity,
    buildout,
    groups,
    cover,
    concern_free,
    dependency,
    scenarios,
    recipes,
    calibration,
)
"""strategic stock and its draws in crises (9), flows and pools in every period and scenario (1, 7),
reserve (6), capacity, builds, closures and modules (2, 3, T), build-out
over the periods (13), site groups (12), the rounded capacity cover (R), the concern-free mass
balance (11), dependency caps (4, 5, 14), the crises' survival target (10) and tables, recipes (the Inputs and
Upstream tables, the recipe invariants), calibration (the first year against Observed)."""

REPORTING: tuple[ModuleType, ...] = (
    reserve,
    groups,
    capacity,
    buildout,
    dependency,
    flows,
    stockpiles,
    concern_free,
    cover,
    recipes,
    calibration,
    scenarios,
)
"""The order in which the families' lines are presented: the console summary, the Summary sheet,
a comparison's tables and differences, an infeasible model's explanation. The design first (and
the requirements that bind it: reserve, groups), then the caps, unmet demand, stock, the first
year against today's trade and the crises. ``FAMILIES`` is the order in which they build; the
results workbook and the HTML report order their sheets and sections by declared place."""
