"""What a model declares for the solver: the one interface between ``build_model`` and ``model.solve``.

The solve wrapper knows no model names. A model built by ``build_model`` carries a ``SolveSpec``
as ``m.solve_spec``; the wrapper compiles the reported expressions as objective rows, weights
them into the objective, fixes what the spec names for the polish LP, and reads status, primal
and duals generically. A Pyomo model without a spec is solved as it stands (its one active
objective), with no reported values and only its integer variables fixed for the polish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SolveSpec:
    """Declarations of one model for the solve wrapper (filled by the families while they build)."""

    reported: dict[str, Any] = field(default_factory=dict)
    """Expressions whose values the results need, by name (``ExpressionData.name``): compiled once
    as rows of the objective matrix, so each value is a dot product after the solve."""
    objective: dict[str, float] = field(default_factory=dict)
    """The objective as weights of reported expressions: minimise sum_k weight_k * reported_k
    (the cost registry: each cost component in each period, weighted by W[t])."""
    fixed_in_polish: list[Any] = field(default_factory=list)
    """Continuous variables (components or data) held at their MIP values in the polish LP, as the
    integer decisions are (first-stage quantities such as the strategic stock)."""
    polish_cost: dict[str, float] = field(default_factory=dict)
    """Reported expressions added (with these weights) to the polish LP's cost: quantities outside
    the objective whose cheapest response the results report (the stress-test scenarios)."""
