"""The stress atlas's cost: a run, then the atlas of its design, each timed.

    python -m bench.stress sample                 # the shipped sample, three runs
    python -m bench.stress tier-L --gap 0.005     # a bench case (bench/generate.py), one run
    python -m bench.stress sample --workers 1     # the cases one after another, in this process

Per run: the solve's own seconds (build to extract, as ``run_once`` times them), HiGHS's MIP
time, the atlas's seconds, and the ratios the targets read: (run + atlas) / run, and atlas / the
solve's HiGHS time. The atlas runs as the command line runs it (worker processes unless the
network is small, one HiGHS thread each).
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.run import workbook_for
from model.pipeline import run_once
from model.solve import SolveOptions
from model.stress import check, stress_atlas
from model.workbook import read_workbook
from tests.helpers import SHIPPED_SAMPLE


def measure(case: str, gap: float, workers: int | None, time_limit: float) -> dict[str, float]:
    """One run of ``case`` and its atlas, timed."""
    net = read_workbook(SHIPPED_SAMPLE if case == "sample" else workbook_for(case))
    options = SolveOptions(mip_gap=gap, time_limit=time_limit)
    t0 = time.perf_counter()
    res, _ = run_once(net, options)
    run_s = time.perf_counter() - t0
    atlas = stress_atlas(net, res.tables, options, workers=workers)
    problems = check(atlas.stress, atlas.summary, net)
    return {
        "run_s": run_s,
        "highs_s": res.solve.seconds.get("solve", 0.0),
        "atlas_s": atlas.seconds,
        "cases": atlas.cases,
        "solved": int((atlas.summary.drop_duplicates("lost")["status"] == "optimal").sum()),
        "problems": len(problems),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", nargs="?", default="sample")
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--repeat", type=int, default=None, help="runs (default: 3 for the sample, else 1)")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--time-limit", type=float, default=600.0)
    args = p.parse_args(argv)
    repeat = args.repeat or (3 if args.case == "sample" else 1)
    rows = [measure(args.case, args.gap, args.workers, args.time_limit) for _ in range(repeat)]
    print("| run | run s | HiGHS s | atlas s | countries lost | solved | (run + atlas) / run | atlas / HiGHS |")
    print("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        print(
            f"| {i} | {r['run_s']:.2f} | {r['highs_s']:.2f} | {r['atlas_s']:.2f} | {r['cases']} | {r['solved']} | "
            f"{(r['run_s'] + r['atlas_s']) / r['run_s']:.2f} | {r['atlas_s'] / max(r['highs_s'], 1e-9):.2f} |"
        )
    if repeat > 1:
        ratio = statistics.median((r["run_s"] + r["atlas_s"]) / r["run_s"] for r in rows)
        print(f"median (run + atlas) / run: {ratio:.2f}")
    if any(r["problems"] for r in rows):
        print("INVARIANTS FAILED in the atlas")


if __name__ == "__main__":
    main()
