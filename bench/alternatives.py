"""The cost of near-optimal alternatives: a run, then K alternatives of its design, each timed.

    python -m bench.alternatives sample          # the shipped sample, K = 3, three runs
    python -m bench.alternatives tier-M --k 3    # a bench case (bench/generate.py), one run

Per run: the run's seconds (``run_once``: build, solve with its polish, extract; not reading the
workbook, the invariants or writing: ``python run.py`` takes longer), the search's seconds (the
model built once, a few weighted MIPs per alternative and an LP for its cost), how many
alternatives it found, each one's summed distance from the designs before it / the bound proven
on it (equal: proven the most different), and (run + alternatives) / run, the ratio the target
reads.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench.run import workbook_for
from model.alternatives import check, find_alternatives
from model.pipeline import run_once
from model.solve import SolveOptions
from model.workbook import read_workbook
from tests.helpers import SHIPPED_SAMPLE


def measure(case: str, k: int, slack: float, gap: float, time_limit: float) -> dict[str, Any]:
    """One run of ``case`` and its ``k`` alternatives, timed."""
    net = read_workbook(SHIPPED_SAMPLE if case == "sample" else workbook_for(case))
    options = SolveOptions(mip_gap=gap, time_limit=time_limit)
    t0 = time.perf_counter()
    res, _ = run_once(net, options)
    run_s = time.perf_counter() - t0
    found = find_alternatives(net, res.tables, float(res.objective), k, slack, options)
    problems = check(found.table, found.sites, slack, gap + 1e-6)
    return {
        "run_s": run_s,
        "alt_s": found.seconds,
        "found": len(found.table) - 1,
        "largest": int(found.table["differs_by"].max()),
        "distances": ", ".join(
            f"{int(r.distance)}/{int(r.distance_bound)}" for r in found.table.itertuples() if r.alternative > 0
        ),
        "problems": len(problems),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", nargs="?", default="sample")
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--slack", type=float, default=0.02)
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--repeat", type=int, default=None, help="runs (default: 3 for the sample, else 1)")
    p.add_argument("--time-limit", type=float, default=600.0)
    args = p.parse_args(argv)
    repeat = args.repeat or (3 if args.case == "sample" else 1)
    rows = [measure(args.case, args.k, args.slack, args.gap, args.time_limit) for _ in range(repeat)]
    print(
        "| run | run s | alternatives s | found | most decisions changed | distance / bound "
        "| (run + alternatives) / run |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        print(
            f"| {i} | {r['run_s']:.2f} | {r['alt_s']:.2f} | {r['found']} | {r['largest']} | {r['distances']} | "
            f"{(r['run_s'] + r['alt_s']) / r['run_s']:.2f} |"
        )
    if repeat > 1:
        ratio = statistics.median((r["run_s"] + r["alt_s"]) / r["run_s"] for r in rows)
        print(f"median (run + alternatives) / run: {ratio:.2f}")
    if any(r["problems"] for r in rows):
        print("INVARIANTS FAILED in the alternatives")


if __name__ == "__main__":
    main()
