"""The family protocol: what one concept of the model provides, and the registry it fills.

A family is a module in ``model/families/`` listed in ``model.families.FAMILIES``. It provides

* ``SHEETS``: the input sheets it reads (``model.columns.Sheet``), and ``SHEET_ADDS``: the
  columns it adds to another family's sheet; ``model.schema`` assembles the workbook from them;
  ``check_records(data, known, issues)``: its rules on its sheets' records (errors, before the
  network is assembled), and ``warnings(net)``: its warnings on the assembled network;
  ``read(data, net)``: its part of the network (``Network.parts[PART]``, a ``network.Part`` whose
  ``at`` derives it for each period's view and each change of settings), and
  ``prepare_records(data)``: its records as the model keys them, before the duplicate check;
* ``TABLES``: the result tables it makes (``Table``: sheet, keys, columns with unit and meaning),
  and ``ADDS``: columns it adds to a table of a family before it; the results workbook formats
  columns by their units and docs/results.md is generated from them;
* ``EQUATIONS``: the rows of the formulation's table of constraints it writes (``Equation``:
  number, equation, components, inputs), from which docs/formulation.md's table is generated;
* ``DIMENSIONS``: the named positions of every indexed component it builds, period and scenario
  last (``{"flow": ("site", "market", "period", "scenario"), ...}``); a test checks them;
* ``build(m, ctx)``: its sets, variables, constraints and yearly costs (``register_cost``), and
  what it declares for the solver (``ctx.spec``);
* ``tables(m, ctx, solved, out)``: its result tables (and extra figures) from the solved model;
  it may add columns to a table of a family listed before it;
* its part of the results (each optional), which the central modules render without naming its
  tables: ``as_written(tables)`` lays its tables out for the results workbook and
  ``charts(book, sheets, tables)`` draws their native charts; ``summary(tables, net)`` gives its
  Summary rows (``Metric``); ``console(line, net, tables)`` prints its lines of the console
  summary; ``compare(a, b, pk)`` sets its tables of two runs side by side (``pk``: the period
  key, or none) and ``changes(compared)`` says in words what changed (``Change``);
  ``html(tables, facts)`` renders its sections of the HTML report (``Section``: its place among
  the sections and its HTML, helpers in ``model.htmlkit``; ``facts``: ``htmlkit.Facts``) and
  ``glance(tables, facts)`` its part of the report's headline (``Glance``: a line of "at a
  glance", a phrase and a link of its "How sure" line, what it shows under them);
* ``conflicts(m, net)``: the requirements of its own that had to give in the elastic model
  (``Conflict``: which, by how much, the cells that set it), and ``reconsider(net, found,
  rerun)``: a second look at them with another network solved elastic (``rerun``), each optional
  (``model.diagnose`` explains an infeasible model with them);
* ``check(res, net)``: its invariants, recomputed from the result tables and the input data
  alone, as plain-words violations (empty: they hold).

``build_model``, ``model.results.extract`` and ``model.invariants.check_all`` loop over
``FAMILIES``; a new family touches no other central file (docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.families.common import Adjacency
from model.network import NORMAL, Network
from model.spec import SolveSpec

EXPECTED_DISRUPTION_LABEL = "expected disruption cost"
"""The Costs sheet's label of what crises add to the normal year in expectation:
sum_ω π[ω] (op[t, ω] - op[t, NORMAL]), weighted by W[t] (formulation.md, objective)."""


@dataclass(frozen=True)
class Equation:
    """One row of the formulation's table of constraints (docs/formulation.md, generated from the
    families' ``EQUATIONS`` by ``model.formulation``): its number in the contract's formulation,
    the equation, the Pyomo components that hold it, and the inputs that feed it."""

    number: str
    equation: str
    components: tuple[str, ...]
    fed_by: str
    also_built_by: str = ""
    """More of the "built by" cell, after the family's ``build`` (a helper that makes the rows)."""


TOTAL = "total"
"""The Costs sheet's ``period`` of each component's total over the horizon (with periods)."""


def cost_totals(costs: pd.DataFrame) -> pd.DataFrame:
    """The Costs rows that hold each component's total (component, value): the whole table
    without periods, the ``total`` rows with them."""
    if "period" not in costs.columns:
        return costs
    return costs[costs["period"] == TOTAL][["component", "value"]].reset_index(drop=True)


UNITS = {
    "name": "a name (site, country, product, scenario, ...)",
    "text": "text",
    "money": "money (Settings.currency)",
    "money/unit": "money per unit of the row's product",
    "money/point": "money per percentage point",
    "quantity": "units of the row's product (its Products.unit)",
    "share": "a share, 0 to 1 (shown as a percentage)",
    "count": "a whole number",
    "year": "a year",
    "years": "a number of years (discounted: a period's weight)",
    "bool": "TRUE or FALSE",
    "row": "a row number of an input sheet",
    "seconds": "seconds (by the clock)",
    "per row": "each row's own (the Summary formats each value by its metric: money, shares, seconds, counts)",
}
"""The units a result column may declare; the results workbook formats each column by its unit."""


@dataclass(frozen=True)
class Col:
    """One column of a result table: its name, unit (``UNITS``) and meaning; ``when`` says under
    which condition it is there ("" always)."""

    name: str
    unit: str
    meaning: str
    when: str = ""

    def matches(self, column: str) -> bool:
        """Whether ``column`` is this column: its name, or, for a name with placeholders in angle
        brackets (``concern_share.<product>``: one column per product), any name of that shape."""
        if "<" not in self.name:
            return column == self.name
        pattern = "".join(".+" if part.startswith("<") else re.escape(part) for part in _PARTS.split(self.name))
        return re.fullmatch(pattern, column) is not None


_PARTS = re.compile(r"(<[^>]+>)")


@dataclass(frozen=True)
class Table:
    """A result table a family makes: its sheet, what a row is, the columns that identify a row
    (its named dimensions, ``period`` and ``scenario`` included where it has them), its columns,
    and when it is there ("" always)."""

    sheet: str
    meaning: str
    keys: tuple[str, ...]
    columns: tuple[Col, ...]
    when: str = ""
    place: int = 0
    """Where the sheet stands among the family tables of the results workbook (lower first)."""
    units: str = ""
    """Where it lists quantities of several products, what names each row's product: "product"
    (its own column) or "site" (the site's product); the workbook then adds each row's ``unit``
    after that column, so that tonnes and k wafers never sit side by side without their unit."""


@dataclass(frozen=True)
class Metric:
    """One row a family adds to the Summary sheet: its name, value and meaning in plain words;
    with periods, the period it describes (the last) and the sheet that gives every period."""

    metric: str
    value: Any
    meaning: str
    period: Any = None
    each_period: str = ""


@dataclass(frozen=True)
class Change:
    """One difference between two runs, in words, that a family finds in its tables set side by
    side (``changes``): the text, the period it holds in (None without periods), and its kind:
    "" a change of plan; "cap" a cap that moved with the share unchanged (listed after the
    changes); "tie" a share moved by an equally cheap routing (named together, not listed; the
    text names where)."""

    text: str
    period: Any = None
    kind: str = ""


@dataclass(frozen=True)
class Conflict:
    """One requirement that no design can meet, and how far it must move (``conflicts``: read from
    the elastic model's slack, ``model.diagnose``)."""

    kind: str  # "reserve", "min_output", "survival" or "group"
    product: str
    market: str
    scenario: str
    required: float
    achievable: float
    cells: tuple[str, ...]
    message: str
    key: tuple[Any, ...] = ()
    """The index of the requirement in its family's rows (a second look, ``reconsider``, finds it)."""


@dataclass(frozen=True)
class Section:
    """One section of the HTML report a family renders (``html``): where it stands among the
    report's sections (lower first) and its HTML (a ``<section>`` with an id and a heading)."""

    place: int
    html: str


def unit_in(table: Table, column: str) -> str | None:
    """The declared unit of ``column`` of ``table`` (the first declared column it matches), or
    None where it declares no such column."""
    return next((c.unit for c in table.columns if c.matches(column)), None)


@dataclass(frozen=True)
class Glance:
    """What a family adds to the headline of the HTML report (``glance``), each part optional:
    ``line``, a line of the "at a glance" list answering its question and linking to its section
    (an ``<li>``, HTML); ``sure``, a phrase of the "How sure" line (plain text); ``see``, a link to
    its section among those the "How sure" line ends with (HTML); ``below``, what the headline shows
    under the list (HTML: a table or a sentence), before the cost chart. ``place`` orders the
    families' parts (lower first), as ``Section.place`` orders their sections."""

    place: int
    line: str = ""
    sure: str = ""
    see: str = ""
    below: str = ""


PERIOD = Col("period", "year", "the period (its first year)", when="with a Periods sheet")
"""The ``period`` column every family table carries with a Periods sheet (first)."""


def column_names(tables: tuple[Table, ...], sheet: str, *leave_out: str) -> list[str]:
    """The declared columns of ``sheet`` (one of ``tables``), in order, without ``period`` (which
    ``period_columns`` puts first) and ``leave_out`` (columns a table has only sometimes): the
    column list a family's ``tables`` builds its frame with, so that it is declared once."""
    table = next(t for t in tables if t.sheet == sheet)
    return [c.name for c in table.columns if c.name != "period" and c.name not in leave_out]


@dataclass
class Context:
    """What every family's build and tables read besides the model: the checked data, adjacency
    lists, the keys of the two dimensions every operating quantity carries (the periods T and the
    scenarios, the normal year ``NORMAL`` first among them), and how the model is built."""

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
    """The cost registry of first-stage costs (paid whatever happens): component name -> its label
    on the Costs sheet, in registration order."""
    operating_costs: dict[str, str] = field(default_factory=dict)
    """The cost registry of operating costs, one value per (period, scenario): name -> label
    (empty label: a cost that only a crisis has, shown in the expected disruption cost alone)."""
    violations: list[Any] = field(default_factory=list)
    """Terms of the elastic objective (each a violation relative to its requirement)."""
    pool_supply: dict[tuple[str, str, int, str], list[Any]] = field(default_factory=dict)
    """Extra supply terms of a pool's balance (1, 7), by (product, market, period, scenario):
    what a family other than flows brings into a pool (the stock drawn)."""
    capacity_use: dict[tuple[str, int, str], list[Any]] = field(default_factory=dict)
    """Extra uses of a site's capacity (2, 8), by (site, period, scenario): the reserve, which a
    family registers for the normal year only (it is released in a crisis)."""
    _views: dict[tuple[int, str], Network] = field(default_factory=dict, repr=False)
    _adjacency: dict[tuple[int, str], Adjacency] = field(default_factory=dict, repr=False)

    @property
    def scenarios(self) -> tuple[str, ...]:
        """The scenario dimension: ``NORMAL`` (the normal year), then every crisis Ω."""
        return (NORMAL, *self.net.scenarios)

    @property
    def cases(self) -> list[tuple[int, str]]:
        """Every (period, scenario), period-major: the index every operating quantity carries."""
        return [(t, w) for t in self.periods for w in self.scenarios]

    @property
    def capped(self) -> tuple[str, ...]:
        """The scenarios in which the dependency caps (4, 5) and mass balance (11) bind: every one
        under ``caps_in_scenarios: hold``, the normal year alone under ``lapse`` (formulation 14)."""
        return self.scenarios if self.net.caps_hold_in_scenarios else (NORMAL,)

    def at(self, t: int, w: str = NORMAL) -> Network:
        """The network as it stands in period t and scenario w: everything that may vary by period
        (demand D, arcs A(t), tariff_rate, freight_cost, caps, the sites available S(t)) and by
        scenario (D·f^ω, the arcs A^ω(t) left open) is read from this view; what never varies
        (a site's country and product, concern, recipes) may be read from ``net``."""
        if w == NORMAL:
            return self.net.at(t)
        if (t, w) not in self._views:
            self._views[(t, w)] = self.net.at(t).in_scenario(w)
        return self._views[(t, w)]

    def adj_at(self, t: int, w: str = NORMAL) -> Adjacency:
        """The adjacency lists of ``at(t, w)`` (made once per distinct view)."""
        view = self.at(t, w)
        if view is self.net:
            return self.adj
        if (t, w) not in self._adjacency:
            self._adjacency[(t, w)] = Adjacency(view)
        return self._adjacency[(t, w)]

    def loss(self, s: str, w: str) -> float:
        """loss^ω[s]: the share of site s's capacity lost in scenario w (0 in the normal year)."""
        return self.net.loss.get((w, s), 0.0)


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


def register_operating_cost(
    m: pyo.ConcreteModel,
    ctx: Context,
    name: str,
    label: str,
    per_case: Callable[[int, str], object],
    doc: str,
) -> None:
    """Add the yearly operating cost ``cost_<name>[t, w]`` (an Expression indexed by period and
    scenario) to the registry: what one year of scenario w in period t costs in this component.

    The objective weighs it by W[t]·π[w] (``build_model``: the normal year by 1 - sum π, each
    crisis by its yearly probability). The Costs sheet reports the normal year's own value
    sum_t W[t] cost_<name>[t, NORMAL] under ``label`` (no row for an empty label: a cost only a
    crisis has), and what the crises add in one row, the expected disruption cost."""
    component = pyo.Expression(
        m.PERIODS, m.SCENARIOS, rule=lambda _m, t, w: per_case(t, w), doc=f"{doc} (yearly, per period and scenario)"
    )
    m.add_component(f"cost_{name}", component)
    ctx.operating_costs[name] = label


def reported_value(solved: Any, expr: Any) -> float:
    """An expression's value: from the solve's compiled rows when present, else evaluated."""
    value = solved.reported.get(expr.name)
    return float(pyo.value(expr)) if value is None else value


def dimensions(component: Any) -> tuple[str, ...]:
    """The named positions of an indexed component's keys, from the ``DIMENSIONS`` of the family
    that builds it (``("site", "market", "period", "scenario")`` for ``m.flow``)."""
    from model.families import FAMILIES  # the registry: the families import this module

    name = component.local_name
    for family in FAMILIES:
        if name in family.DIMENSIONS:
            return tuple(family.DIMENSIONS[name])
    raise KeyError(f"no family declares the dimensions of {name}")


def by_case(component: Any) -> dict[tuple[int, str], dict[tuple[Any, ...], float]]:
    """The solved values of a component over (period, scenario), split once by (period,
    scenario): {(t, w): {(the other positions, in order): value}}. The positions of ``period``
    and ``scenario`` are read from the component's ``DIMENSIONS``."""
    names = dimensions(component)
    t_at, w_at = names.index("period"), names.index("scenario")
    rest = [i for i in range(len(names)) if i not in (t_at, w_at)]
    out: dict[tuple[int, str], dict[tuple[Any, ...], float]] = {}
    if (t_at, w_at) == (len(names) - 2, len(names) - 1):  # the usual layout: slice (fast on large models)
        for key, var in component.items():
            out.setdefault((key[-2], key[-1]), {})[key[:-2]] = value(var)
        return out
    for key, var in component.items():
        out.setdefault((key[t_at], key[w_at]), {})[tuple(key[i] for i in rest)] = value(var)
    return out


def frame(component: Any, column: str = "value") -> pd.DataFrame:
    """The solved values of an indexed component as a tidy table: one column per named dimension
    (its ``DIMENSIONS``), and ``column`` for the value."""
    names = dimensions(component)
    rows = [(*(key if isinstance(key, tuple) else (key,)), value(var)) for key, var in component.items()]
    return pd.DataFrame(rows, columns=[*names, column])


def value(var: Any) -> float:
    """A variable's value (0 where it has none)."""
    x = var.value
    return 0.0 if x is None else float(x)


def with_period(row: dict[str, Any], t: int) -> dict[str, Any]:
    """``row`` with a leading ``period`` column. Every table carries the period (one period, year
    0, without a Periods sheet); ``model.results.extract`` leaves the column out of what it hands
    on when the workbook has no Periods sheet, in one place."""
    return {"period": t, **row}


def period_columns(columns: list[str]) -> list[str]:
    """A table's columns, with ``period`` first."""
    return ["period", *columns]
