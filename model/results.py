"""Solved model -> tidy pandas DataFrames, one per results sheet (``docs/contract/run.md``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo

import model
from model.families import FAMILIES, REPORTING
from model.families.buildout import site_changes
from model.families.flows import UNMET_PENALTY_LABEL
from model.families.protocol import (
    EXPECTED_DISRUPTION_LABEL,
    TOTAL,
    Col,
    Context,
    Extraction,
    Metric,
    Table,
    cost_totals,
    reported_value,
)
from model.issues import Issue
from model.network import NORMAL, Network
from model.solve import SolveResult
from model.timeline import timeline_table

TABLES = (
    Table(
        "Summary",
        "one row per metric of the run: its status and cost, the solver, the input, every setting used, "
        "the model's size, what each family reports (the design, unmet demand, each crisis) and the "
        "seconds of each step",
        ("metric",),
        (
            Col(
                "metric",
                "name",
                "what the row reports (`setting.<name>`: a setting used; `seconds.<step>`: a step's time)",
            ),
            Col("value", "per row", "its value"),
            Col("meaning", "text", "what it means, in plain words (and where a setting was given)"),
        ),
        place=-30,
    ),
    Table(
        "Costs",
        "one row per cost component (with a Periods sheet: per period and component, then a `total` row "
        "per component): the rows sum to the objective",
        ("period", "component"),
        (
            Col(
                "period", "year", "the period (its first year), or `total` for the horizon", when="with a Periods sheet"
            ),
            Col("component", "text", "the cost component (production, tariffs, freight, fixed, ...)"),
            Col("yearly_value", "money", "its yearly cost in the period, undiscounted", when="with a Periods sheet"),
            Col("weight", "years", "the period's weight W[t]: its years, discounted", when="with a Periods sheet"),
            Col("value", "money", "its cost: yearly, or with periods weight x yearly_value (a `total` row: the sum)"),
        ),
        place=-20,
    ),
    Table(
        "Warnings",
        "one row per warning of the run (input, solve, results)",
        ("sheet", "cell"),
        (
            Col("sheet", "name", "the input sheet it concerns (blank: the run)"),
            Col("cell", "text", "the cell (blank: the sheet or the run)"),
            Col("message", "text", "what is wrong, in plain words"),
        ),
        place=1000,
    ),
)
"""The tables of the run as a whole (Summary, Costs, Warnings), as the families declare theirs."""

SUMMARY_MEANINGS = {
    "status": "optimal: the cheapest design, proven within mip_gap; feasible: the solver stopped at a limit "
    "with a design, possibly not the cheapest; infeasible, no_solution, interrupted: no design",
    "objective": "total yearly cost of the design (the sum of the Costs sheet); with periods, the total over "
    "the horizon: each period's yearly cost times its years, discounted",
    "currency": "currency of every cost",
    "mip_gap": "at most this much dearer than the cheapest possible design",
    "best_bound": "no design can cost less than this",
    "solve_seconds": "seconds the solver spent finding and proving the design",
    "solver": "solver and version",
    "compiler": "what turned the model into the solver's matrices: the model's own compiler, or Pyomo's "
    "when an expression needs it (same matrices, slower)",
    "highs_status": "the solver's own word for how it stopped",
    "input_file": "the workbook that was read",
    "input_sha256": "fingerprint of that workbook: the same fingerprint means the same file",
    "run_at": "when the run started",
    "tool_version": "version of this tool",
    "pyomo_version": "version of Pyomo, the modelling library",
}
SECONDS_MEANINGS = {  # seconds.<phase>, in the order of a run (SolveResult.seconds, and the run's own)
    "read": "seconds reading the workbook",
    "check": "seconds checking the inputs",
    "build": "seconds building the optimisation model",
    "compile": "seconds turning the model into matrices",
    "handover": "seconds handing the matrices to the solver",
    "solve": "seconds the solver spent on the design",
    "solve_wall": "seconds of the solve by the clock on the wall",
    "polish": "seconds re-solving with the design fixed (marginal costs, stress-test flows)",
    "polish_highs": "of the polish, seconds inside the solver",
    "load": "seconds reading the solution back",
    "extract": "seconds making the result tables",
    "verify": "seconds checking the results against the inputs (demand, capacities, caps, costs)",
    "stress": "seconds of the stress atlas (the Stress sheets)",
    "alternatives": "seconds of the search for near-optimal alternatives (the Alternatives sheets)",
    "sweeps": "seconds of the sweeps (the Tradeoff sheets)",
}
SUMMARY_PREFIX_MEANINGS = (  # the first prefix that matches
    (
        "setting.highs.",
        "solver (HiGHS) option this run set instead of leaving it to HiGHS: the tool's own, or given with --highs",
    ),
    ("setting.", "setting used for this run"),
    ("model_", "size of the optimisation model"),
)


def summary_meaning(metric: str) -> str:
    """A plain-words explanation of a Summary metric (for the ``meaning`` column)."""
    if metric in SUMMARY_MEANINGS:
        return SUMMARY_MEANINGS[metric]
    if metric.startswith("seconds."):
        return SECONDS_MEANINGS.get(metric.removeprefix("seconds."), "seconds of one step of the run")
    return next((text for prefix, text in SUMMARY_PREFIX_MEANINGS if metric.startswith(prefix)), "")


@dataclass
class Results:
    """All result tables of one solve, plus the run's metadata."""

    tables: dict[str, pd.DataFrame]
    objective: float | None
    solve: SolveResult
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """The solve's status word (optimal, feasible, infeasible, ...)."""
        return self.solve.status

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def extract(
    m: pyo.ConcreteModel, net: Network, solved: SolveResult, settings_used: dict[str, Any] | None = None
) -> Results:
    """Build every results table from a solved model (values loaded by ``model.solve``): each
    family's tables in the order of ``FAMILIES``, then Costs (the cost registry: one row per
    component, sum_t W[t] cost_k[t]; they sum to the objective) and the Summary."""
    if not solved.has_solution:
        return Results({"Summary": summary_table(net, solved, None, settings_used or {})}, None, solved)
    ctx: Context = m.context
    out = Extraction()
    for family in FAMILIES:
        family.tables(m, ctx, solved, out)
    if not net.shows_periods:  # one period, year 0: the families' tables carry it; the results do not show it
        out.tables = {name: t.drop(columns="period", errors="ignore") for name, t in out.tables.items()}
    out.tables["Costs"] = cost_table(m, ctx, solved)
    objective = float(cost_totals(out.tables["Costs"])["value"].sum())
    if net.shows_periods:
        out.tables["Timeline"] = with_site_changes(timeline_table(out.tables, net), out.tables["Sites"])
    out.tables["Summary"] = summary_table(net, solved, objective, settings_used or {}, out.tables)
    return Results(out.tables, objective, solved, out.extra)


def with_site_changes(timeline: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """The Timeline with its ``opens`` and ``closes`` as the Sites table's columns say: one account
    of what opens and closes when (a closable site closed from the first period included, which
    a comparison with the period before cannot see)."""
    changes = site_changes(sites)
    if not changes or "opens" not in timeline.columns or "closes" not in timeline.columns:
        return timeline
    timeline = timeline.copy()
    timeline["opens"] = [changes.get(int(t), ("", ""))[0] for t in timeline["period"]]
    timeline["closes"] = [changes.get(int(t), ("", ""))[1] for t in timeline["period"]]
    return timeline


COST_PERIOD_COLUMNS = ["period", "component", "yearly_value", "weight", "value"]
"""The ``period`` of the Costs rows that hold each component's total over the horizon."""


def cost_rows(m: pyo.ConcreteModel, ctx: Context, solved: SolveResult) -> list[tuple[str, dict[int, float]]]:
    """(label, {t: yearly value}) of every row of the Costs sheet, in registration order: each
    first-stage component cost_k[t]; each operating component's normal-year value
    cost_j[t, NORMAL] (not multiplied by 1 - sum π: what a normal year costs); and, with
    scenarios, the expected disruption cost sum_ω π[ω] (op[t, ω] - op[t, NORMAL]). The weighted
    rows sum to the objective:
    first + op_N + sum_ω π[ω] (op_ω - op_N) = first + (1 - sum π) op_N + sum_ω π[ω] op_ω."""
    rows = [
        (label, {t: reported_value(solved, m.component(f"cost_{name}")[t]) for t in ctx.periods})
        for name, label in ctx.costs.items()
    ]
    normal = {t: 0.0 for t in ctx.periods}
    for name, label in ctx.operating_costs.items():
        yearly = {t: reported_value(solved, m.component(f"cost_{name}")[t, NORMAL]) for t in ctx.periods}
        for t in ctx.periods:
            normal[t] += yearly[t]
        if label:
            rows.append((label, yearly))
    if ctx.net.scenarios:
        prob = ctx.net.probability
        expected = {
            t: sum(prob[w] * (reported_value(solved, m.operating_cost[t, w]) - normal[t]) for w in ctx.net.scenarios)
            for t in ctx.periods
        }
        rows.append((EXPECTED_DISRUPTION_LABEL, expected))
    return rows


def cost_table(m: pyo.ConcreteModel, ctx: Context, solved: SolveResult) -> pd.DataFrame:
    """Costs: one row per component (``cost_rows``), its label and sum_t W[t] yearly[t].

    With a Periods sheet: one row per period t and component (the undiscounted yearly value, the
    weight W[t] and the weighted value W[t] yearly[t]), then one row per component with period
    ``total`` and its sum over t. The weighted values of the period rows sum to the objective;
    so do the totals (``period_cost_rows`` and ``cost_totals`` pick either)."""
    rows, totals = [], []
    for label, yearly in cost_rows(m, ctx, solved):
        total = sum(ctx.weight[t] * yearly[t] for t in ctx.periods)
        totals.append({"component": label, "value": total})
        for t in ctx.periods:
            rows.append(
                {
                    "period": t,
                    "component": label,
                    "yearly_value": yearly[t],
                    "weight": ctx.weight[t],
                    "value": ctx.weight[t] * yearly[t],
                }
            )
    if not ctx.net.shows_periods:
        return pd.DataFrame(totals, columns=["component", "value"])
    rows.sort(key=lambda r: ctx.periods.index(r["period"]))
    rows += [{"period": TOTAL, **r, "yearly_value": None, "weight": None} for r in totals]
    return pd.DataFrame(rows, columns=COST_PERIOD_COLUMNS)


def period_cost_rows(costs: pd.DataFrame) -> pd.DataFrame:
    """The per-period Costs rows (every row without periods)."""
    if "period" not in costs.columns:
        return costs
    return costs[costs["period"] != TOTAL].reset_index(drop=True)


def summary_table(
    net: Network,
    solved: SolveResult,
    objective: float | None,
    settings_used: dict[str, Any],
    tables: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Summary: metric/value rows (status, objective, gap, times, solver, input, settings), each
    with its ``meaning`` in plain words."""
    rows: list[tuple[str, Any]] = [
        ("status", solved.status),
        ("objective", objective),
        ("currency", net.settings.currency),
        ("mip_gap", solved.mip_gap),
        ("best_bound", solved.bound),
        ("solve_seconds", solved.seconds.get("solve")),
        ("solver", solved.solver),
        ("compiler", solved.compiler),
        ("highs_status", solved.highs_status),
        ("input_file", str(Path(net.source).resolve()) if net.source else ""),
        ("input_sha256", net.source_sha256),
        ("run_at", _dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("tool_version", model.__version__),
        ("pyomo_version", _pyomo_version()),
    ]
    for k, v in settings_used.items():
        rows.append((f"setting.{k}", v))
    for k, v in solved.size.items():
        rows.append((f"model_{k}", v))
    metrics: list[Metric] = []
    if tables is not None:
        for family in REPORTING:
            if hasattr(family, "summary"):
                metrics += family.summary(tables, net)
    rows += [(x.metric, x.value) for x in metrics]
    rows += _seconds_rows(solved.seconds)
    table = _summary_frame(rows)
    for i, metric in enumerate(table["metric"]):  # a setting given on the command line says so
        where = net.given.get(metric.removeprefix("setting.")) if metric.startswith("setting.") else None
        if where:
            table.loc[i, "meaning"] = f"{table.loc[i, 'meaning']}; given by {where}, not the Settings sheet"
    meanings = {x.metric: x for x in metrics}
    for i, metric in enumerate(table["metric"]):  # a family's row: its meaning, and the period it describes
        x = meanings.get(metric)
        if x is not None:
            where = (
                f"; in {x.period}, the last period (each period: the {x.each_period} sheet)"
                if x.period is not None
                else ""
            )
            table.loc[i, "meaning"] = x.meaning + where
    return table


def _summary_frame(rows: list[tuple[str, Any]]) -> pd.DataFrame:
    """Summary rows (metric, value) as the sheet's table, each with its ``meaning``."""
    table = pd.DataFrame(rows, columns=["metric", "value"])
    table["meaning"] = [summary_meaning(m) for m in table["metric"]]
    return table


def _seconds_rows(seconds: dict[str, float]) -> list[tuple[str, float]]:
    """``seconds.<phase>`` rows in the order of a run (that of ``SECONDS_MEANINGS``; others last)."""
    order = list(SECONDS_MEANINGS)
    ranked = sorted(seconds, key=lambda k: order.index(k) if k in order else len(order))
    return [(f"seconds.{k}", seconds[k]) for k in ranked]


def with_run_seconds(summary: pd.DataFrame, seconds: dict[str, float]) -> pd.DataFrame:
    """The Summary with its ``seconds.<phase>`` rows made from ``seconds`` instead: the solve's
    and the run's own (read, check, build, extract, verify, sweeps), which only the caller knows
    once they are done. Writing the workbook, and so the total, comes after the Summary is made:
    the console reports those."""
    kept = summary[~summary["metric"].str.startswith("seconds.")]
    return pd.concat([kept, _summary_frame(_seconds_rows(seconds))], ignore_index=True)


def _pyomo_version() -> str:
    from pyomo.version import version

    return version


def cost_split(costs: pd.DataFrame) -> dict[str, float]:
    """The Costs sheet split for a planner: ``normal_year_cost`` (every component but the expected
    disruption cost: the yearly cost without disruption), ``expected_disruption_cost`` (what the
    crises add to the normal year, in expectation: sum_ω π[ω] (op^ω - op)) and ``unmet_penalty``
    (the normal year's unmet demand x penalty, part of the normal year).
    normal_year_cost + expected_disruption_cost = objective. With periods, each is its total over
    the horizon (the Costs sheet's ``total`` rows)."""
    if "period" in costs.columns:
        costs = costs[costs["period"] == "total"]
    by = dict(zip(costs["component"], costs["value"].astype(float)))
    disruption = by.get(EXPECTED_DISRUPTION_LABEL, 0.0)
    return {
        "normal_year_cost": float(sum(by.values())) - disruption,
        "expected_disruption_cost": disruption,
        "unmet_penalty": by.get(UNMET_PENALTY_LABEL, 0.0),
    }


COST_SPLIT_MEANINGS = {
    "normal_year_cost": "what the network costs in a year without disruption: every cost but the expected "
    "disruption cost (production, tariffs, freight, fixed, modules, reserve, stock holding, unmet demand)",
    "expected_disruption_cost": "what disruptions add to a normal year, in expectation: each crisis's extra cost "
    "(its year's cost, restocking what it draws included, less a normal year's) times its yearly probability, "
    "summed",
    "objective": "what the design minimises, the expected yearly cost: the normal-year cost plus the expected "
    "disruption cost (the sum of the Costs sheet); not a cost paid in any one year",
}


def with_cost_split(summary: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """The Summary with ``normal_year_cost`` and ``expected_disruption_cost`` rows right after the
    objective (objective = normal_year_cost + expected_disruption_cost), each with its meaning."""
    split = cost_split(costs)
    out = summary[~summary["metric"].isin(["normal_year_cost", "expected_disruption_cost"])].reset_index(drop=True)
    at = int(out.index[out["metric"] == "objective"][0]) + 1 if (out["metric"] == "objective").any() else 0
    out.loc[out["metric"] == "objective", "meaning"] = COST_SPLIT_MEANINGS["objective"]
    rows = pd.DataFrame(
        [
            {"metric": k, "value": split[k], "meaning": COST_SPLIT_MEANINGS[k]}
            for k in ("normal_year_cost", "expected_disruption_cost")
        ]
    )
    return pd.concat([out.iloc[:at], rows, out.iloc[at:]], ignore_index=True)


def warnings_table(issues: Iterable[Issue | str]) -> pd.DataFrame:
    rows = []
    for i in issues:
        if isinstance(i, Issue):
            rows.append({"sheet": i.sheet, "cell": i.cell, "message": i.message})
        else:
            rows.append({"sheet": "", "cell": "", "message": str(i)})
    return pd.DataFrame(rows, columns=["sheet", "cell", "message"])
