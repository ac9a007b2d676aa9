"""What the tool's own readers save against the public APIs they stand in for.

    python -m bench.public              # L, 7 paired runs
    python -m bench.public M 5          # another case, another number of runs

Two places read faster than the dependencies' public APIs (docs/performance.md, "What is kept"):

* compile: ``model.standard_form`` (a private path: it reads Pyomo's expression classes) against
  Pyomo's public ``LinearStandardFormCompiler`` (``to_standard_form(m, "pyomo")``), alternately
  on the same built model; and, in fresh processes, the one-off import of scipy that Pyomo's
  compiler brings into a run (the tool's own path never imports scipy);
* read: ``model.sheetxml`` (the OOXML parts read with the C XML parser; public ground) against
  openpyxl's public ``load_workbook(read_only=True, data_only=True)`` and
  ``iter_rows(values_only=True)``, every sheet of the case's workbook, alternately.

Each figure is the median of the paired runs, with the range; the collector is off, as in a run.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def _median(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s ({min(times):.3f}-{max(times):.3f})"


def paired(runs: int, **tasks: Callable[[], Any]) -> dict[str, list[float]]:
    """Run the tasks one after the other, ``runs`` rounds; seconds per task."""
    out: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(runs):
        for name, task in tasks.items():
            t = time.perf_counter()
            task()
            out[name].append(time.perf_counter() - t)
    return out


def scipy_import_seconds() -> float:
    """Seconds a fresh process (the tool's modules already imported) takes to compile a small
    model with Pyomo's compiler the first time, less the second time: the imports it brings."""
    code = (
        "import time, model.cli, pyomo.core as pyo\n"
        "from model.solve import to_standard_form\n"
        "m = pyo.ConcreteModel(); m.x = pyo.Var([1, 2], bounds=(0, 1))\n"
        "m.c = pyo.Constraint(expr=m.x[1] + m.x[2] <= 1); m.o = pyo.Objective(expr=m.x[1])\n"
        "t = time.perf_counter(); to_standard_form(m, 'pyomo'); first = time.perf_counter() - t\n"
        "t = time.perf_counter(); to_standard_form(m, 'pyomo'); print(first - (time.perf_counter() - t))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    from openpyxl import load_workbook

    from bench.run import workbook_for
    from model.build import build_model
    from model.sheetxml import open_workbook, read_rows
    from model.solve import to_standard_form
    from model.workbook import read_workbook

    case = argv[0] if argv else "L"
    runs = int(argv[1]) if len(argv) > 1 else 7
    path = workbook_for(case)
    gc.disable()

    def ours() -> None:
        with open_workbook(path) as wb:
            for title in wb.sheetnames:
                read_rows(wb[title])

    def openpyxl_public() -> None:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for title in wb.sheetnames:
                if hasattr(wb[title], "iter_rows"):
                    list(wb[title].iter_rows(values_only=True))
        finally:
            wb.close()

    read = paired(runs, ours=ours, openpyxl_public=openpyxl_public)
    m = build_model(read_workbook(path))
    to_standard_form(m, "pyomo")  # its imports once, outside the pairs
    compile_ = paired(runs, ours=lambda: to_standard_form(m, "fast"), pyomo=lambda: to_standard_form(m, "pyomo"))
    probes = min(3, runs)
    imports = [scipy_import_seconds() for _ in range(probes)]
    print(f"{case}, {runs} paired runs (median, range):")
    print(f"  read every sheet: model.sheetxml {_median(read['ours'])}; ", end="")
    print(f"openpyxl's public reader {_median(read['openpyxl_public'])}")
    print(f"  compile: model.standard_form {_median(compile_['ours'])}; Pyomo's compiler {_median(compile_['pyomo'])}")
    print(f"  imports Pyomo's compiler brings into a run (once per process, {probes} fresh processes): ", end="")
    print(_median(imports))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
