"""Solved model -> tidy pandas DataFrames, one per results sheet (``shared/spec/run.md``)."""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo

import model
from model.network import Network
from model.solve import SolveResult

COST_LABELS = {
    "production": "production",
    "tariffs": "tariffs",
    "freight": "freight",
    "fixed": "fixed",
    "modules": "modules",
    "reserve": "reserve",
    "stock_holding": "stock holding",
    "unmet_penalty": "unmet-demand penalty (baseline)",
    "expected_scenario_cost": "expected scenario cost",
}
BINDING_TOL = 1e-6

SUMMARY_MEANINGS = {
    "status": "optimal: the cheapest design, proven within mip_gap; feasible: the solver stopped at a limit "
    "with a design, possibly not the cheapest; infeasible, no_solution, interrupted: no design",
    "objective": "total yearly cost of the design (the sum of the Costs sheet)",
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
    "candidates_built": "candidate sites the design builds",
    "modules_added": "expansion modules the design adds, in all",
    "unmet_total": "baseline demand left unmet, summed over products (see the Unmet sheet)",
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
    "sweeps": "seconds of the sweeps (the Tradeoff sheets)",
}
SCENARIO_MEANINGS = {  # scenario.<name>[.<product>].<what>
    "cost": "yearly cost in this scenario, with the design fixed",
    "worst_served_share": "in this scenario, the smallest share of demand served in any market",
    "served_share": "in this scenario, share of this product's demand served",
    "stock_drawn": "in this scenario, strategic stock of this product drawn",
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
    if metric.startswith("scenario."):
        return SCENARIO_MEANINGS.get(metric.rsplit(".", 1)[-1], "")
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


def _v(var: Any) -> float:
    x = var.value
    return 0.0 if x is None else float(x)


def extract(
    m: pyo.ConcreteModel, net: Network, solved: SolveResult, settings_used: dict[str, Any] | None = None
) -> Results:
    """Build every results table from a solved model (values loaded by ``model.solve``)."""
    tables: dict[str, pd.DataFrame] = {}
    if not solved.has_solution:
        tables["Summary"] = summary_table(net, solved, None, settings_used or {})
        return Results(tables, None, solved)

    # ---- flows (one pass also sums production per site and supply per (product, market)) ----
    rows = []
    production: dict[str, float] = defaultdict(float)
    supplied: dict[tuple[str, str], float] = defaultdict(float)
    concern_supplied: dict[tuple[str, str], float] = defaultdict(float)
    for (s, mk), var in m.flow.items():
        q = _v(var)
        if q <= 1e-9:
            continue
        production[s] += q
        key = (net.site_product[s], mk)
        supplied[key] += q
        if net.site_country[s] in net.concern:
            concern_supplied[key] += q
        dc = net.delivered_cost(s, mk)
        rows.append(
            {
                "site": s,
                "origin": net.site_country[s],
                "product": net.site_product[s],
                "market": mk,
                "quantity": q,
                "delivered_unit_cost": dc,
                "unit_cost": net.unit_cost[s],
                "tariff_rate": net.tariff_rate[(s, mk)],
                "freight_cost": net.freight_cost[(s, mk)],
                "total_cost": q * dc,
            }
        )
    flow_cols = [
        "site",
        "origin",
        "product",
        "market",
        "quantity",
        "delivered_unit_cost",
        "unit_cost",
        "tariff_rate",
        "freight_cost",
        "total_cost",
    ]
    tables["Flows"] = pd.DataFrame(rows, columns=flow_cols)

    # ---- sites ---------------------------------------------------------------------------
    scen_prod: dict[tuple[str, str], float] = defaultdict(float)  # (ω, s): production in ω
    scen_supplied: dict[tuple[str, str, str], float] = defaultdict(float)  # (ω, p, m): supplied in ω
    if hasattr(m, "scenario_flow"):
        for (w, s, mk), var in m.scenario_flow.items():
            q = _v(var)
            scen_prod[(w, s)] += q
            scen_supplied[(w, net.site_product[s], mk)] += q
    site_rows = []
    for s in net.sites:
        cand = s in net.candidates
        built = (round(_v(m.build[s])) == 1) if cand else True
        mods = round(_v(m.modules[s])) if s in m.MODULE_SITES else 0
        cap = (net.capacity[s] if built else 0.0) + net.module_capacity[s] * mods
        prod = production[s]
        res = _v(m.reserve[s]) if s in m.RESERVE_SITES else 0.0
        row = {
            "site": s,
            "country": net.site_country[s],
            "product": net.site_product[s],
            "status": "candidate" if cand else "existing",
            "built": built,
            "modules_added": mods,
            "capacity": cap,
            "production": prod,
            "utilization": prod / cap if cap > 0 else 0.0,
            "reserve": res,
            "spare": max(cap - prod, 0.0),
            "concern": net.site_country[s] in net.concern,
        }
        if net.scenarios:
            worst_w, worst_q = "", 0.0
            for w in net.scenarios:
                if scen_prod[(w, s)] > worst_q + 1e-9:
                    worst_w, worst_q = w, scen_prod[(w, s)]
            row["busiest_scenario"] = worst_w
            row["busiest_scenario_production"] = worst_q
            row["busiest_scenario_utilization"] = worst_q / cap if cap > 0 else 0.0
        site_rows.append(row)
    tables["Sites"] = pd.DataFrame(site_rows)

    # ---- dependency ------------------------------------------------------------------------
    dep_rows = []
    for p, mk in net.positive_demand:
        cap = net.cap_each[(p, mk)]
        sup, con = supplied[(p, mk)], concern_supplied[(p, mk)]
        constraint = m.dependency_each[p, mk] if (p, mk) in m.DEPENDENCY_EACH else None
        dep_rows.append(_dependency_row(p, mk, "each", sup, con, cap, constraint, solved))
    for i, tc in enumerate(net.cap_total):
        sup = sum(supplied[(tc.product, mk)] for mk in tc.markets)
        con = sum(concern_supplied[(tc.product, mk)] for mk in tc.markets)
        constraint = m.dependency_total[i] if i in m.DEPENDENCY_TOTAL else None
        label = ", ".join(tc.markets)
        dep_rows.append(_dependency_row(tc.product, label, "total", sup, con, tc.cap, constraint, solved, tc.row))
    tables["Dependency"] = pd.DataFrame(
        dep_rows,
        columns=[
            "product",
            "market",
            "supplied",
            "concern_supplied",
            "concern_share",
            "cap",
            "binding",
            "marginal_cost_per_point",
            "scope",
            "caps_row",
        ],
    )

    # ---- unmet -------------------------------------------------------------------------------
    unmet_rows = [
        {
            "product": p,
            "market": mk,
            "demand": net.demand[(p, mk)],
            "unmet": _v(var),
            "unmet_share": _v(var) / net.demand[(p, mk)],
        }
        for (p, mk), var in m.unmet.items()
        if _v(var) > 1e-9
    ]
    tables["Unmet"] = pd.DataFrame(unmet_rows, columns=["product", "market", "demand", "unmet", "unmet_share"])

    # ---- costs ---------------------------------------------------------------------------------
    cost_rows = [
        {"component": COST_LABELS.get(n, n), "value": _reported(m, solved, f"cost_{n}", m.component(f"cost_{n}"))}
        for n in m.cost_names
    ]
    costs = pd.DataFrame(cost_rows, columns=["component", "value"])
    objective = float(costs["value"].sum())
    tables["Costs"] = costs

    # ---- stockpiles and scenarios ----------------------------------------------------------------
    if len(m.STOCKPILES):
        tables["Stockpiles"] = pd.DataFrame(
            [
                {
                    "product": p,
                    "market": mk,
                    "stock": _v(m.stock[p, mk]),
                    "max_stock": net.max_stock[(p, mk)],
                    "holding_cost": net.holding_cost[(p, mk)],
                }
                for p, mk in m.STOCKPILES
            ]
        )
    if net.scenarios:
        tables["Scenarios"], tables["ScenarioSummary"] = _scenario_tables(m, net, solved, scen_supplied)
        tables["ScenarioSites"] = pd.DataFrame(
            [
                {
                    "scenario": w,
                    "site": r["site"],
                    "capacity_loss": net.loss.get((w, r["site"]), 0.0),
                    "capacity_left": (1 - net.loss.get((w, r["site"]), 0.0)) * r["capacity"],
                    "production": scen_prod[(w, r["site"])],
                    "baseline_production": r["production"],
                }
                for w in net.scenarios
                for r in site_rows
                if r["capacity"] > 0 or scen_prod[(w, r["site"])] > 0
            ],
            columns=["scenario", "site", "capacity_loss", "capacity_left", "production", "baseline_production"],
        )

    tables["Summary"] = summary_table(net, solved, objective, settings_used or {}, tables)
    extra = {
        "default_cap_marginal_per_point": default_cap_marginal(net, tables["Dependency"]),
        "survival_marginal_per_point": survival_marginal(m, net, solved),
    }
    return Results(tables, objective, solved, extra)


def default_cap_marginal(net: Network, dependency: pd.DataFrame) -> float:
    """Cost of one point less ``Settings.dependency_cap``: the sum of the marginal costs of the
    `each` caps that take the default (no Caps row matches them)."""
    each_rows = [r for r in net.cap_rows if r.scope == "each"]
    uses_default = {
        (p, mk)
        for (p, mk) in net.positive_demand
        if not any((r.product in (None, p)) and (r.market in (None, mk)) for r in each_rows)
    }
    each = dependency[dependency["scope"] == "each"]
    return float(sum(r.marginal_cost_per_point for r in each.itertuples() if (r.product, r.market) in uses_default))


def survival_marginal(m: pyo.ConcreteModel, net: Network, solved: SolveResult) -> float:
    """Cost of one point less ``max_shortfall`` in every scenario, from the LP with integer
    decisions and stocks fixed: rhs of (10) is ms * D * f, so d(cost)/d(ms) = sum y * D * f and
    one point less costs -0.01 * sum y * D * f (y <= 0 when binding)."""
    total = 0.0
    for key in m.SURVIVAL:
        y = solved.duals.get(m.survival[key])
        if y is not None:
            total += -0.01 * y * net.scenario_demand(*key)
    return max(total, 0.0)


def _dependency_row(
    p: str,
    mk: str,
    scope: str,
    sup: float,
    con: float,
    cap: float,
    constraint: Any,
    solved: SolveResult,
    caps_row: int | None = None,
) -> dict[str, Any]:
    """One Dependency row; the marginal cost is the cost of one percentage point less cap.

    With g = sum_K x - cap sum x <= 0 and HiGHS's row dual y = d(cost)/d(rhs) (<= 0 when it
    binds), the envelope theorem gives d(cost)/d(cap) = y * sum x, so one point (0.01) less cap
    costs -0.01 * y * supplied.
    """
    share = con / sup if sup > 0 else 0.0
    if constraint is None:  # no constraint generated (cap 1, or no concern site can reach): costs nothing
        marginal: float | None = 0.0
    else:  # from the LP polish; None (a blank cell) if that LP could not be solved
        dual = solved.duals.get(constraint)
        marginal = max(-0.01 * dual * sup, 0.0) if dual is not None else None
    binding = cap < 1 and sup > 0 and share >= cap - BINDING_TOL
    if marginal is not None and marginal > 1e-9:
        binding = True  # the dual says it binds, even if the share is a hair below the cap
    return {
        "product": p,
        "market": mk,
        "supplied": sup,
        "concern_supplied": con,
        "concern_share": share,
        "cap": cap,
        "binding": bool(binding),
        "marginal_cost_per_point": marginal,
        "scope": scope,
        "caps_row": caps_row,
    }


def _reported(m: pyo.ConcreteModel, solved: SolveResult, key: str, expr: Any) -> float:
    """An expression's value: from the solve's compiled rows when present, else evaluated."""
    if key in solved.reported:
        return solved.reported[key]
    return float(pyo.value(expr))


def _scenario_tables(
    m: pyo.ConcreteModel, net: Network, solved: SolveResult, supplied: dict[tuple[str, str, str], float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenarios (one row per (ω, p, m) with demand) and ScenarioSummary (per (ω, p));
    ``supplied[ω, p, m]`` is sum_s x^ω[s, m] over the sites of p."""
    rows = []
    for w, p, mk in m.SCENARIO_DEMANDS:
        dem = net.scenario_demand(w, p, mk)
        drawn = _v(m.stock_draw[w, p, mk]) if (w, p, mk) in m.STOCK_DRAWS else 0.0
        unmet = _v(m.scenario_unmet[w, p, mk])
        rows.append(
            {
                "scenario": w,
                "product": p,
                "market": mk,
                "demand": dem,
                "supplied": supplied[(w, p, mk)],
                "stock_drawn": drawn,
                "unmet": unmet,
                "served_share": 1 - unmet / dem if dem > 0 else 1.0,
                "max_shortfall": net.max_shortfall.get(w),
            }
        )
    detail = pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "product",
            "market",
            "demand",
            "supplied",
            "stock_drawn",
            "unmet",
            "served_share",
            "max_shortfall",
        ],
    )
    summary = []
    for (w, p), d in detail.groupby(["scenario", "product"], sort=False):
        dem, unmet = float(d["demand"].sum()), float(d["unmet"].sum())
        worst = d["served_share"].idxmin()
        summary.append(
            {
                "scenario": w,
                "product": p,
                "unit": net.unit.get(p, ""),
                "weight": net.weight[w],
                "max_shortfall": net.max_shortfall.get(w),
                "demand": dem,
                "supplied": float(d["supplied"].sum()),
                "stock_drawn": float(d["stock_drawn"].sum()),
                "unmet": unmet,
                "served_share": 1 - unmet / dem if dem > 0 else 1.0,
                "worst_served_share": float(d.loc[worst, "served_share"]),
                "worst_market": str(d.loc[worst, "market"]),
                "scenario_cost": _reported(m, solved, f"scenario_cost[{w}]", m.scenario_cost[w]),
            }
        )
    return detail, pd.DataFrame(summary)


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
    if tables is not None:
        sites = tables.get("Sites")
        if sites is not None and len(sites):
            built = sites[(sites["status"] == "candidate") & sites["built"]]
            rows.append(("candidates_built", ", ".join(built["site"]) or "none"))
            rows.append(("modules_added", int(sites["modules_added"].sum())))
        unmet = tables.get("Unmet")
        if unmet is not None:
            rows.append(("unmet_total", float(unmet["unmet"].sum()) if len(unmet) else 0.0))
        ss = tables.get("ScenarioSummary")
        if ss is not None:
            for w, d in ss.groupby("scenario", sort=False):
                rows.append((f"scenario.{w}.cost", float(d["scenario_cost"].iloc[0])))
                rows.append((f"scenario.{w}.worst_served_share", float(d["worst_served_share"].min())))
                for r in d.itertuples():
                    rows.append((f"scenario.{w}.{r.product}.served_share", r.served_share))
                    rows.append((f"scenario.{w}.{r.product}.stock_drawn", r.stock_drawn))
    rows += _seconds_rows(solved.seconds)
    return _summary_frame(rows)


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
