"""Does the order of rows and columns change HiGHS's time? The tool's matrices of a case, solved
by HiGHS as the tool orders them and reordered period by period (every column and row of the
first period, then the second's, ...: the order of the yardstick ``bench.direct``).

    python -m bench.order tier-L --seeds 0,1,2,3,4 --gap 0.005

Prints HiGHS's run time, objective, bound and nodes per order and seed, then the medians. Only
HiGHS is timed (the model is built and compiled once, untimed). Presolve sees
the same model either way; what changes is the order in which HiGHS meets the rows and columns,
which moves its pivoting, cut and branching choices (docs/performance.md, "Tiered cases at scale").
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any

import highspy
import numpy as np


def period_of(component: Any) -> int:
    """The period of a variable or constraint: the last integer of its index, which ends with the
    period, or with the period and the scenario (-1 without one)."""
    idx = component.index()
    if isinstance(idx, tuple):
        for part in reversed(idx[-2:]):
            if isinstance(part, int):
                return part
        return -1
    return idx if isinstance(idx, int) else -1


def period_major(lp: highspy.HighsLp, col_period: np.ndarray, row_period: np.ndarray) -> highspy.HighsLp:
    """``lp`` with its columns and rows stably sorted by period (a permutation: the same model)."""
    n, nr = lp.num_col_, lp.num_row_
    cols = np.lexsort((np.arange(n), col_period))  # new position -> old column
    rows = np.lexsort((np.arange(nr), row_period))
    new_row = np.empty(nr, dtype=np.int64)
    new_row[rows] = np.arange(nr)
    a = lp.a_matrix_
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    lengths = start[1:] - start[:-1]
    out = highspy.HighsLp()
    out.num_col_, out.num_row_ = n, nr
    out.offset_ = lp.offset_
    out.col_cost_ = np.asarray(lp.col_cost_)[cols]
    out.col_lower_ = np.asarray(lp.col_lower_)[cols]
    out.col_upper_ = np.asarray(lp.col_upper_)[cols]
    out.row_lower_ = np.asarray(lp.row_lower_)[rows]
    out.row_upper_ = np.asarray(lp.row_upper_)[rows]
    out.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    out.a_matrix_.num_col_, out.a_matrix_.num_row_ = n, nr
    out.a_matrix_.start_ = np.concatenate([[0], np.cumsum(lengths[cols])]).astype(np.int32)
    pieces = [np.arange(start[j], start[j + 1]) for j in cols]
    taken = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    out.a_matrix_.index_ = new_row[index[taken]].astype(np.int32)
    out.a_matrix_.value_ = value[taken]
    integrality = list(lp.integrality_)
    if integrality:
        out.integrality_ = [integrality[j] for j in cols]
    return out


def matrices(case: str) -> dict[str, highspy.HighsLp]:
    """The tool's matrices of ``case``, built and compiled once: ``tool`` as compiled, ``period``
    reordered period by period (``period_major``)."""
    from bench.run import workbook_for
    from model.build import build_model
    from model.solve import compile_model
    from model.workbook import read_workbook

    compiled, _ = compile_model(build_model(read_workbook(workbook_for(case))))
    lp = compiled.highs.getLp()
    col_period = np.array([period_of(v) for v in compiled.columns])
    row_period = np.array([period_of(r) for r, _ in compiled.rows])
    return {"tool": lp, "period": period_major(lp, col_period, row_period)}


def run(lp: highspy.HighsLp, seed: int, gap: float, time_limit: float) -> dict[str, Any]:
    """One HiGHS run of ``lp`` with the tool's HiGHS settings and ``seed``."""
    from model.solve import HIGHS_DEFAULTS, new_highs

    h = new_highs()
    for name, value in HIGHS_DEFAULTS:
        h.setOptionValue(name, value)
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", time_limit)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    return {
        "seconds": h.getRunTime(),
        "objective": info.objective_function_value,
        "bound": info.mip_dual_bound,
        "nodes": info.mip_node_count,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("case", help="a bench case, e.g. tier-L")
    p.add_argument("--seeds", default="0,1,2,3,4", help="HiGHS random seeds, comma-separated")
    p.add_argument("--gap", type=float, default=0.005)
    p.add_argument("--time-limit", type=float, default=600)
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    lps = matrices(args.case)
    times: dict[str, list[float]] = {"tool": [], "period": []}
    for seed in seeds:
        for order in ("period", "tool"):
            r = run(lps[order], seed, args.gap, args.time_limit)
            times[order].append(r["seconds"])
            print(
                f"{args.case} {order} order, seed {seed}: HiGHS {r['seconds']:.1f} s, objective "
                f"{r['objective']:.2f}, bound {r['bound']:.2f}, {r['nodes']} nodes",
                flush=True,
            )
    for order, ts in times.items():
        print(f"{order} order: median {statistics.median(ts):.1f} s over seeds {args.seeds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
