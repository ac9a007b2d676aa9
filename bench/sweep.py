"""Sweep speed: an 11-point cap sweep in parallel worker processes against 11 sequential cold solves.

    python -m bench.sweep M          # a synthetic size (see bench/generate.py) or 'sample'

Target: parallel wall time at most 0.6x the sequential one on a 2-core machine.
"""

from __future__ import annotations

import sys
import time

from bench.run import workbook_for
from model.solve import SolveOptions
from model.study import run_study
from model.workbook import read_workbook
from tests.helpers import SAMPLE

CAPS = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]


def main(case: str = "M") -> None:
    net = read_workbook(SAMPLE if case == "sample" else workbook_for(case))
    opts = SolveOptions(mip_gap=1e-4, threads=1)
    t0 = time.perf_counter()
    seq = run_study(net, "dependency_cap", CAPS, opts, workers=1)
    t_seq = time.perf_counter() - t0
    t1 = time.perf_counter()
    par = run_study(net, "dependency_cap", CAPS, opts)
    t_par = time.perf_counter() - t1
    same = (seq["objective"] - par["objective"]).abs().max() <= 1e-4 * seq["objective"].abs().max()
    print(
        f"{case}: 11 sequential cold solves {t_seq:.1f} s; parallel sweep {t_par:.1f} s; "
        f"ratio {t_par / t_seq:.2f}; same objectives: {bool(same)}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
