"""Experiments on the OR-Library 100x1000 instances: how the tightening is handed to HiGHS.

    python -m bench.orlib_root capb-5000 rows 300            # x <= min(d, s) y as explicit rows
    python -m bench.orlib_root capb-5000 shares 300          # the same in demand shares
    python -m bench.orlib_root capb-5000 rows 300 mip_lp_solver=ipm
    python -m bench.orlib_root capb-5000 lazy 300            # only violated rows, added at the root
    python -m bench.orlib_root capb-5000 lazy 300 near=10    # ... plus each customer's 10 cheapest
    python -m bench.orlib_root capb-5000 lp 200 solver=ipx   # the LP relaxation alone, by one LP solver
    python -m bench.orlib_root capb-5000 rows 600 cover=true # plus sum capacity[i] y[i] >= demand as a row
    python -m bench.orlib_root capb-5000 rows 600 start=bench/cache/capb-5000_results.xlsx
                                                             # MIP start: the design of a results workbook

Not the product's code path: a plain Pyomo model of the OR-Library problem, compiled by the
product's ``compile_model``, to measure HiGHS alone (results in docs/performance.md).
"""

from __future__ import annotations

import sys
import time

import highspy
import numpy as np
import pyomo.environ as pyo

from bench import orlib
from model.solve import compile_model


def model(inst: orlib.Instance, shares: bool, tightening: bool, cover: bool = False) -> pyo.ConcreteModel:
    m_, n_ = len(inst.capacity), len(inst.demand)
    mod = pyo.ConcreteModel()
    mod.y = pyo.Var(range(m_), within=pyo.Binary)
    if cover:  # the sum of the demand and capacity rows, as a row of its own
        mod.cover = pyo.Constraint(expr=sum(inst.capacity[i] * mod.y[i] for i in range(m_)) >= sum(inst.demand))
    if shares:
        mod.x = pyo.Var(range(m_), range(n_), bounds=(0, 1))
        mod.d = pyo.Constraint(range(n_), rule=lambda mod, j: sum(mod.x[i, j] for i in range(m_)) == 1)
        mod.c = pyo.Constraint(
            range(m_),
            rule=lambda mod, i: sum(inst.demand[j] * mod.x[i, j] for j in range(n_)) <= inst.capacity[i] * mod.y[i],
        )
        if tightening:
            mod.t = pyo.Constraint(range(m_), range(n_), rule=lambda mod, i, j: mod.x[i, j] <= mod.y[i])
        cost = sum(inst.cost[j][i] * mod.x[i, j] for i in range(m_) for j in range(n_))
    else:
        mod.x = pyo.Var(range(m_), range(n_), bounds=lambda mod, i, j: (0, inst.demand[j]))
        mod.d = pyo.Constraint(range(n_), rule=lambda mod, j: sum(mod.x[i, j] for i in range(m_)) == inst.demand[j])
        mod.c = pyo.Constraint(
            range(m_), rule=lambda mod, i: sum(mod.x[i, j] for j in range(n_)) <= inst.capacity[i] * mod.y[i]
        )
        if tightening:
            mod.t = pyo.Constraint(
                range(m_),
                range(n_),
                rule=lambda mod, i, j: mod.x[i, j] <= min(inst.demand[j], inst.capacity[i]) * mod.y[i],
            )
        cost = sum(inst.cost[j][i] / inst.demand[j] * mod.x[i, j] for i in range(m_) for j in range(n_))
    mod.o = pyo.Objective(expr=sum(inst.fixed_cost[i] * mod.y[i] for i in range(m_)) + cost)
    return mod


def lazy_rows(h: highspy.Highs, mod: pyo.ConcreteModel, cols: list, inst: orlib.Instance, near: int) -> int:
    """Root cutting loop: solve the LP, add the violated x <= min(d, s) y rows, repeat."""
    m_, n_ = len(inst.capacity), len(inst.demand)
    pos = {id(v): k for k, v in enumerate(cols)}
    xi = np.array([[pos[id(mod.x[i, j])] for j in range(n_)] for i in range(m_)])
    yi = np.array([pos[id(mod.y[i])] for i in range(m_)], dtype=np.int32)
    coef = np.array([[min(inst.demand[j], inst.capacity[i]) for j in range(n_)] for i in range(m_)])
    seed = np.zeros((m_, n_), bool)
    if near:
        cost = np.array([[inst.cost[j][i] for j in range(n_)] for i in range(m_)])
        for j, rows in enumerate(np.argsort(cost, axis=0)[:near].T):
            seed[rows, j] = True
    h.changeColsIntegrality(len(yi), yi, np.array([highspy.HighsVarType.kContinuous] * len(yi)))
    added = np.zeros((m_, n_), bool)
    for rnd in range(100):
        h.run()
        x = np.array(h.getSolution().col_value)
        viol = (x[xi] > coef * x[yi][:, None] + 1e-6) & ~added
        if rnd == 0:
            viol |= seed
        k = int(viol.sum())
        print(f"  round {rnd}: LP bound {h.getInfo().objective_function_value:.3f}, {k} rows added", flush=True)
        if k == 0:
            break
        ii, jj = np.nonzero(viol)
        added[ii, jj] = True
        idx = np.empty(2 * k, dtype=np.int32)
        val = np.empty(2 * k)
        idx[0::2], val[0::2] = xi[ii, jj], 1.0
        idx[1::2], val[1::2] = yi[ii], -coef[ii, jj]
        starts = np.arange(0, 2 * k, 2, dtype=np.int32)
        h.addRows(k, np.full(k, -highspy.kHighsInf), np.zeros(k), 2 * k, starts, idx, val)
    h.changeColsIntegrality(len(yi), yi, np.array([highspy.HighsVarType.kInteger] * len(yi)))
    return int(added.sum())


def main(case: str, variant: str, time_limit: str, *options: str) -> None:
    inst = orlib.load(case)
    opts = dict(o.split("=", 1) for o in options)
    near = int(opts.pop("near", 0))
    start = opts.pop("start", None)
    cover = opts.pop("cover", "false") == "true"
    mod = model(inst, shares=variant == "shares", tightening=variant != "lazy", cover=cover)
    c, _ = compile_model(mod)
    h = c.highs
    h.setOptionValue("mip_rel_gap", 1e-4)
    for k, v in opts.items():
        h.setOptionValue(k, v)
    pos = {id(v): k for k, v in enumerate(c.columns)}
    y = np.array([pos[id(mod.y[i])] for i in range(len(inst.capacity))], dtype=np.int32)
    if variant == "lp":
        h.changeColsIntegrality(len(y), y, np.array([highspy.HighsVarType.kContinuous] * len(y)))
    if start:
        import pandas as pd

        sites = pd.read_excel(start, sheet_name="Sites")
        built = {int(str(s)[1:]) - 1 for s, b in zip(sites["site"], sites["built"]) if b in (True, 1)}
        h.setSolution(len(y), y, np.array([1.0 if i in built else 0.0 for i in range(len(y))]))
    t0 = time.perf_counter()
    note = ""
    if variant == "lazy":
        note = f", {lazy_rows(h, mod, c.columns, inst, near)} rows added in {time.perf_counter() - t0:.1f} s"
    h.setOptionValue("time_limit", float(time_limit))
    h.run()
    info = h.getInfo()
    print(
        f"{case} {variant} {options}: {time.perf_counter() - t0:.1f} s{note}; "
        f"{h.modelStatusToString(h.getModelStatus())}, objective {info.objective_function_value:.3f} "
        f"(published {inst.optimum}), gap {info.mip_gap:.2e}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
