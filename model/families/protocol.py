"""The family protocol: what one concept of the model provides, and the registry it fills.

A family is a module in ``model/families/`` listed in ``model.families.FAMILIES``. It provides

* ``DIMENSIONS``: the named positions of every indexed component it builds, the period last
  (``{"flow": ("site", "market", "period"), ...}``); a test checks them against the model;
* ``build(m, ctx)``: its sets, variables, constraints and yearly costs (``register_cost``), and
  what it declares for the solver (``ctx.spec``);
* ``tables(m, ctx, solved, out)``: its result tables (and extra figures) from the solved model;
  it may add columns to a table of a family listed before it;
* ``check(res, net)``: its invariants, recomputed from the result tables and the input data
  alone, as plain-words violations (empty: they hold).

``build_model``, ``model.results.extract`` and ``model.invariants.check_all`` loop over
``FAMILIES``; a new family touches no other central file (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.families.common import Adjacency
from model.network import Network
from model.spec import SolveSpec


@dataclass
class Context:
    """What every family's build and tables read besides the model: the checked data, adjacency
    lists, the period keys, and how the model is built."""

    net: Network
    adj: Adjacency
    periods: tuple[int, ...]
    """Keys of T (each period's first year), in order."""
    weight: dict[int, float]
    """W[t]: each period's weight in the objective."""
    elastic: bool = False
    """Hard requirements get a slack and the objective is their relative violation (diagnosis)."""
    tighten: bool = True
    """Generate the valid tightenings, each only where its stated assumption holds."""
    spec: SolveSpec = field(default_factory=SolveSpec)
    costs: dict[str, str] = field(default_factory=dict)
    """The cost registry: component name -> its label on the Costs sheet, in registration order."""
    violations: list[Any] = field(default_factory=list)
    """Terms of the elastic objective (each a violation relative to its requirement)."""
    _adjacency: dict[int, Adjacency] = field(default_factory=dict, repr=False)

    def at(self, t: int) -> Network:
        """The network as it stands in period t: everything that may vary by period (demand D,
        arcs A(t), tariff_rate, freight_cost, caps, the sites available S(t)) is read from this
        view inside a per-period loop; what never varies (sites' country and product, concern,
        recipes) may be read from ``net``. Without a Periods sheet every period's view is ``net``."""
        return self.net.at(t)

    def adj_at(self, t: int) -> Adjacency:
        """The adjacency lists of ``at(t)`` (made once per distinct view)."""
        view = self.net.at(t)
        if view is self.net:
            return self.adj
        if t not in self._adjacency:
            self._adjacency[t] = Adjacency(view)
        return self._adjacency[t]


@dataclass
class Extraction:
    """Result tables (sheet name -> table) and extra figures, filled family by family."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def register_cost(
    m: pyo.ConcreteModel, ctx: Context, name: str, label: str, per_period: Callable[[int], object], doc: str
) -> None:
    """Add the yearly cost ``cost_<name>[t]`` (an Expression indexed by period) to the registry.

    The objective is sum_t W[t] sum_name cost_<name>[t] (made once, in ``build_model``), and the
    Costs sheet reports sum_t W[t] cost_<name>[t] under ``label``: the two are the same sums by
    construction. ``per_period(t)`` gives the expression for period t.
    """
    component = pyo.Expression(m.PERIODS, rule=lambda _m, t: per_period(t), doc=f"{doc} (yearly, per period)")
    m.add_component(f"cost_{name}", component)
    ctx.costs[name] = label
    for t in ctx.periods:
        data = component[t]
        ctx.spec.reported[data.name] = data
        ctx.spec.objective[data.name] = ctx.weight[t]


def report(ctx: Context, expression: pyo.Expression) -> None:
    """Declare every member of an indexed expression as reported (its value read after the solve)."""
    for data in expression.values():
        ctx.spec.reported[data.name] = data


def reported_value(solved: Any, expr: Any) -> float:
    """An expression's value: from the solve's compiled rows when present, else evaluated."""
    value = solved.reported.get(expr.name)
    return float(pyo.value(expr)) if value is None else value


def value(var: Any) -> float:
    """A variable's value (0 where it has none)."""
    x = var.value
    return 0.0 if x is None else float(x)


def with_period(row: dict[str, Any], net: Network, t: int) -> dict[str, Any]:
    """``row`` with a leading ``period`` column when the workbook has periods (none for
    ``SINGLE_PERIOD``: today's results keep their columns)."""
    return {"period": t, **row} if net.shows_periods else row


def period_columns(net: Network, columns: list[str]) -> list[str]:
    """A table's columns, with ``period`` first when the workbook has periods."""
    return ["period", *columns] if net.shows_periods else columns
