"""One run of a checked network: build, solve, extract, with the seconds of each phase."""

from __future__ import annotations

import time
from collections.abc import Callable

from model.build import build_model
from model.collector import collector_paused
from model.invariants import check_all
from model.network import Network
from model.results import Results, extract
from model.solve import SolveOptions, solve

PHASES = (
    "read",
    "check",
    "build",
    "compile",
    "handover",
    "solve",
    "polish",
    "load",
    "extract",
    "verify",
    "sweeps",
    "write",
)
"""The phases of a command-line run, in order: the keys of its timings (the ``Time:`` line, the bench)."""


def run_once(
    net: Network, options: SolveOptions, stage: Callable[[str], None] | None = None
) -> tuple[Results, dict[str, float]]:
    """Build, solve and extract one network; returns the results and each phase's seconds.
    ``stage(text)``, when given, hears what the run starts doing (for a progress display)."""
    with collector_paused():
        return _run_once(net, options, stage or (lambda _text: None))


def _run_once(net: Network, options: SolveOptions, stage: Callable[[str], None]) -> tuple[Results, dict[str, float]]:
    timings = dict(net.timings)
    t0 = time.perf_counter()
    stage(f"building the model ({len(net.arcs):,} lanes, {len(net.scenarios)} scenarios)")
    m = build_model(net)
    timings["build"] = time.perf_counter() - t0
    stage("handing the model to the solver")
    solved = solve(m, options)
    for k in ("compile", "handover", "solve", "polish", "load"):
        if k in solved.seconds:
            timings[k] = solved.seconds[k]
    t1 = time.perf_counter()
    stage("reading the results")
    settings_used = {
        "dependency_cap": net.settings.dependency_cap,
        "time_limit_s": options.time_limit,
        "mip_gap": options.mip_gap,
        "threads": options.threads,
        "random_seed": options.seed,
        "scenarios": len(net.scenarios),
        **{f"highs.{name}": value for name, value in solved.highs_settings.items()},
    }
    result = extract(m, net, solved, settings_used)
    timings["extract"] = time.perf_counter() - t1
    return result, timings


def check_results(result: Results, net: Network, timings: dict[str, float]) -> list[str]:
    """The invariants of a run with a solution (``model.invariants.check_all``: empty when they
    all hold), timed as ``timings["verify"]``. The command line checks every solve this way."""
    t0 = time.perf_counter()
    problems = check_all(result, net) if result.solve.has_solution else []
    timings["verify"] = time.perf_counter() - t0
    return problems
