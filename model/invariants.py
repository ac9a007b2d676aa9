"""Solution invariants recomputed from the result tables and the input data alone.

Independent of the model code: each family's ``check`` reads only ``Results.tables`` and the
``Network`` (the checked input). Every solve in the command line is checked; the tests check
every solved case. Each check returns violations in plain words (empty: the invariants hold).

With a Periods sheet, each family is checked period by period: on the rows of period t of every
table, the Costs rows of t (their undiscounted yearly values) and the network as it stands in t
(``Network.at(t)``); a family that declares ``HORIZON = True`` (build-out) reads the whole
horizon at once. The Costs then sum to the objective over all periods.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from model.families import FAMILIES
from model.families.verify import close, rows_of
from model.network import Network
from model.results import TOTAL, Results, period_cost_rows


def check_all(res: Results, net: Network) -> list[str]:
    """Every family's invariants, then the registry's: an empty list means the solution passed."""
    out: list[str] = []
    per_period: dict[int, Results] = {}  # each period's tables, split once for every family
    for family in FAMILIES:
        if not net.shows_periods or getattr(family, "HORIZON", False):
            out += family.check(res, net)
            continue
        for period in net.periods:
            t = period.year
            if t not in per_period:
                per_period[t] = in_period(res, t)
            found = family.check(per_period[t], net.at(t))
            out += [f"{t}: {problem}" for problem in found]
    return out + check_cost_registry(res)


def in_period(res: Results, t: int) -> Results:
    """The results of period t alone, as a workbook without periods would have them: each table's
    rows of t without the ``period`` column; Costs as (component, value) with the yearly values
    of t; the objective, their sum."""
    tables: dict[str, pd.DataFrame] = {}
    for name, table in res.tables.items():
        if name == "Costs":
            rows = table[table["period"] == t]
            tables[name] = pd.DataFrame({"component": rows["component"], "value": rows["yearly_value"]})
        elif "period" in table.columns:
            tables[name] = table[table["period"] == t].drop(columns="period").reset_index(drop=True)
        else:
            tables[name] = table
    objective = float(tables["Costs"]["value"].sum()) if "Costs" in tables else None
    return dataclasses.replace(res, tables=tables, objective=objective)


def check_cost_registry(res: Results) -> list[str]:
    """The Costs rows sum to the objective, and the Summary's objective is that sum (each row is
    checked against its recomputation by the family that registered it). With periods: the
    weighted values of the period rows sum to the objective, and so do the ``total`` rows."""
    costs = res["Costs"]
    totals = [costs[costs["period"] == TOTAL]] if "period" in costs.columns else []
    out = []
    for table in [period_cost_rows(costs), *totals]:
        total = sum(value for _, value in rows_of(table, "component", "value"))
        if res.objective is not None and not close(total, res.objective, res.objective):
            out.append(f"Costs sum to {total:,.6g}, not the objective {res.objective:,.6g}")
    total = float(period_cost_rows(costs)["value"].sum())
    summary = dict(rows_of(res["Summary"], "metric", "value"))
    if summary.get("objective") is not None and not close(float(summary["objective"]), total, total):
        out.append("Summary objective differs from the sum of Costs")
    return out
