"""The one HiGHS solve wrapper: limits, status with gap, progress, LP polish with duals.

Hand-over path: the model is compiled to sparse matrices once, and the matrices go to highspy in
one ``passModel`` call. The compiler is ``model.standard_form`` (the same matrices as Pyomo's own
``LinearStandardFormCompiler``, about twice as fast), with Pyomo's as the fallback for any
expression it does not read. Pyomo's standard-form path was measured 1.3-2.3x faster at the
hand-over than the persistent interfaces, which walk every constraint in Python. Owning the
``Highs`` object gives the live progress line, clean Ctrl-C, and the LP with integer decisions
fixed that yields the marginal cost of each cap.

The wrapper knows no model names: what to report, how to weight the objective and what to hold
fixed in the polish come from the model's ``SolveSpec`` (``model.spec``, ``m.solve_spec``).
HiGHS's own output (its banner included) reaches the console only when asked for
(``--highs output_flag=true``): every ``Highs`` object is made by ``new_highs``.

Status words (``SolveResult.status``):

* ``optimal``: HiGHS proved optimality within ``mip_gap`` (the achieved gap is carried beside it;
  HiGHS calls a stop at the gap limit optimal);
* ``feasible``: stopped at a limit with a solution (gap carried);
* ``infeasible``: no design satisfies the hard requirements;
* ``no_solution``: stopped at a limit before any solution was found;
* ``interrupted``: stopped by the user (Ctrl-C);
* ``error``: anything else HiGHS reports.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from model.spec import SolveSpec
from model.standard_form import StandardForm, Unsupported, column_bounds, compile_standard_form

_MS = highspy.HighsModelStatus
_LIMITS = {
    _MS.kTimeLimit,
    _MS.kIterationLimit,
    _MS.kSolutionLimit,
    _MS.kObjectiveBound,
    _MS.kObjectiveTarget,
}
_last_threads: list[int] = []
_banner_shown: list[bool] = []
_first_highs = threading.Lock()


def new_highs() -> highspy.Highs:
    """A ``Highs`` object with its output off (``output_flag`` false).

    HiGHS 1.16 prints its banner ("Running HiGHS 1.16.0 ...") on standard output when the first
    ``Highs`` object of a process is made, before any option can be set. That first construction
    therefore runs with the process's standard output (file descriptor 1, where HiGHS's C++ code
    writes) pointed at the null device; later objects print nothing until ``output_flag`` is set
    true. Asking for HiGHS's log (``--highs output_flag=true``) shows the log, without the banner.
    """
    if _banner_shown:
        h = highspy.Highs()
    else:
        with _first_highs, _stdout_to_devnull():  # one thread at a time holds descriptor 1
            h = highspy.Highs()
            _banner_shown.append(True)
    h.setOptionValue("output_flag", False)
    return h


@contextlib.contextmanager
def _stdout_to_devnull() -> Any:
    """File descriptor 1 to the null device for the duration (Python's buffer flushed first)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output at all: nothing to protect
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


@dataclass(frozen=True)
class Progress:
    """One progress report during a MIP solve."""

    seconds: float
    best: float | None
    bound: float | None
    gap: float | None


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings (from Settings or the command line)."""

    time_limit: float = 300.0
    mip_gap: float = 1e-4
    threads: int = 0
    seed: int = 0
    progress: Callable[[Progress], None] | None = None
    polish: bool = True
    """Re-solve the LP with integer decisions (and stocks) fixed: cap duals, stress-test flows."""
    highs_options: tuple[tuple[str, Any], ...] = ()
    """Further HiGHS options as (name, value) pairs, set last (``--highs NAME=VALUE``; see ``highs_option``)."""


@dataclass
class SolveResult:
    """What a solve produced; variable values are loaded into the Pyomo model."""

    status: str
    highs_status: str
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    solver: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    duals: dict[Any, float] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    message: str = ""
    reported: dict[str, float] = field(default_factory=dict)
    """Value of each reported expression (``SolveSpec.reported``, by name) at the final solution."""
    compiler: str = ""
    """What compiled the model to matrices (a value of ``COMPILED_BY``): a fallback is visible."""
    highs_settings: dict[str, Any] = field(default_factory=dict)
    """HiGHS options the run set besides limits, gap, seed and threads (see ``configure``)."""

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def status_text(self) -> str:
        """``optimal (gap 0.01%)`` style: the status word with the achieved gap."""
        if self.mip_gap is None or not self.has_solution:
            return self.status
        return f"{self.status} (gap {self.mip_gap:.4%})"


def solver_name() -> str:
    """``HiGHS 1.16.0 (highspy)``: the solver and its version."""
    h = new_highs()
    return f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()} (highspy)"


@dataclass
class Compiled:
    """A Pyomo model compiled to matrices and loaded into HiGHS."""

    highs: highspy.Highs
    columns: list[Any]
    rows: list[tuple[Any, int]]
    offset: float
    cost: np.ndarray
    integer_cols: list[int]
    size: dict[str, int]
    reported: dict[str, tuple[Any, float]] = field(default_factory=dict)
    """Per reported expression: its coefficients over the columns (a dense row), and its constant."""
    compiled_by: str = "fast"
    """Which compiler made the matrices (a key of ``COMPILED_BY``)."""
    fixed_in_polish: list[int] = field(default_factory=list)
    """Continuous columns held at their MIP values in the polish (``SolveSpec.fixed_in_polish``)."""
    polish_cost: np.ndarray | None = None
    """Cost added to the objective in the polish LP (``SolveSpec.polish_cost``), if any."""


def spec_of(m: pyo.ConcreteModel) -> SolveSpec:
    """The model's declarations (``m.solve_spec``), or an empty spec for any other Pyomo model."""
    spec = getattr(m, "solve_spec", None)
    return spec if isinstance(spec, SolveSpec) else SolveSpec()


def reported_expressions(m: pyo.ConcreteModel) -> tuple[dict[str, Any], dict[str, float]]:
    """Expressions whose values the results need (by name), and the objective as their weights.

    Compiling the reported expressions as rows of the objective matrix (once, by the same
    compiler) gives every value as a dot product after the solve, instead of a slow walk of each
    expression in Python; the objective is then sum_k weight_k * row_k. A model that declares no
    objective weights (no spec, or the elastic model) is solved by its active objective.
    """
    spec = spec_of(m)
    if not spec.objective:
        return {}, {}
    return dict(spec.reported), dict(spec.objective)


COMPILED_BY = {
    "fast": "model.standard_form",
    "pyomo": "Pyomo's LinearStandardFormCompiler (asked for)",
    "fallback": "Pyomo's LinearStandardFormCompiler (fallback: an expression model.standard_form does not read)",
}


def to_standard_form(m: pyo.ConcreteModel, compiler: str = "fast") -> tuple[StandardForm, list[str], str]:
    """The model's matrices, with one objective row per reported expression (their keys are
    returned; see ``reported_expressions``), or the active objective's row when there are none;
    and which compiler made them (a key of ``COMPILED_BY``).

    ``compiler="fast"`` reads the families' expressions directly (``model.standard_form``) and
    falls back to Pyomo's ``LinearStandardFormCompiler`` for any expression it does not read;
    ``compiler="pyomo"`` always uses Pyomo's (the two give the same matrices: a test checks it).
    """
    exprs, _ = reported_expressions(m)
    form, compiled_by = _standard_form(m, exprs, compiler)
    return form, list(exprs), compiled_by


def _standard_form(m: pyo.ConcreteModel, exprs: dict[str, Any], compiler: str) -> tuple[StandardForm, str]:
    keys = list(exprs)
    if compiler == "fast":
        objectives = [exprs[k].expr for k in keys] if keys else _active_objectives(m)
        if objectives is not None:
            try:
                return compile_standard_form(m, objectives), "fast"
            except Unsupported:
                pass
        return _pyomo_standard_form(m, exprs), "fallback"
    if compiler != "pyomo":
        raise ValueError(f"unknown compiler {compiler!r}")
    return _pyomo_standard_form(m, exprs), "pyomo"


def _active_objectives(m: pyo.ConcreteModel) -> list[Any] | None:
    """The active objective's expression (as a list), or None unless there is one, minimised."""
    active = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(active) > 1 or (active and active[0].sense != pyo.minimize):
        return None
    return [o.expr for o in active]


def _pyomo_standard_form(m: pyo.ConcreteModel, exprs: dict[str, Any]) -> StandardForm:
    """Pyomo's ``LinearStandardFormCompiler``, with the reported expressions as objective rows."""
    if exprs:
        active = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
        for objective in active:
            objective.deactivate()
        m._reported = pyo.Objective(list(exprs), rule=lambda _m, k: exprs[k].expr)
        try:
            repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=pyo.minimize)
        finally:
            m.del_component("_reported")
            for objective in active:
                objective.activate()
    else:
        repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=pyo.minimize)
    A = repn.A.tocsc()
    A.sort_indices()
    return StandardForm(
        c=repn.c.toarray() if repn.c.shape[0] else np.zeros((0, len(repn.columns))),
        c_offset=np.asarray(repn.c_offset, dtype=float),
        start=A.indptr.astype(np.int64),
        index=A.indices.astype(np.int32),
        value=A.data.astype(float),
        rhs=np.asarray(repn.rhs, dtype=float),
        rows=list(repn.rows),
        columns=list(repn.columns),
    )


def compile_model(m: pyo.ConcreteModel, compiler: str = "fast") -> tuple[Compiled, dict[str, float]]:
    """Compile ``m`` to matrices (see ``to_standard_form``) and pass them to HiGHS in one call."""
    t0 = time.perf_counter()
    exprs, weights = reported_expressions(m)
    repn, compiled_by = _standard_form(m, exprs, compiler)
    keys = list(exprs)
    n = len(repn.columns)
    if keys:
        reported = {k: (repn.c[i], float(repn.c_offset[i])) for i, k in enumerate(keys)}
        cost = _weighted_rows(reported, weights, n)
        offset = sum(w * reported[k][1] for k, w in weights.items())
    else:
        reported = {}
        cost = repn.c[0] if len(repn.c) else np.zeros(n)
        offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    t1 = time.perf_counter()
    cols = repn.columns
    nrow = len(repn.rows)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = nrow
    cost = np.asarray(cost, dtype=float) if n else np.zeros(0)
    lp.col_cost_ = cost
    lp.offset_ = float(offset)
    lp.col_lower_, lp.col_upper_, integer = column_bounds(cols)
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([s for _, s in repn.rows], dtype=int)
    lp.row_lower_ = np.where(sense <= 0, rhs, -inf) if nrow else np.zeros(0)
    lp.row_upper_ = np.where(sense >= 0, rhs, inf) if nrow else np.zeros(0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = nrow
    lp.a_matrix_.start_ = repn.start.astype(np.int32)
    lp.a_matrix_.index_ = repn.index.astype(np.int32)
    lp.a_matrix_.value_ = repn.value.astype(float)
    integer_cols = integer.tolist()
    if integer_cols:
        integrality = [highspy.HighsVarType.kContinuous] * n
        for j in integer_cols:
            integrality[j] = highspy.HighsVarType.kInteger
        lp.integrality_ = integrality
    h = new_highs()
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model")
    t2 = time.perf_counter()
    size = {
        "rows": nrow,
        "columns": n,
        "nonzeros": repn.nnz,
        "integers": len(integer_cols),
    }
    compiled = Compiled(h, cols, repn.rows, lp.offset_, cost, integer_cols, size, reported, compiled_by)
    compiled.fixed_in_polish, compiled.polish_cost = _polish_declarations(m, cols, reported)
    return compiled, {"compile": t1 - t0, "handover": t2 - t1}


def _weighted_rows(reported: dict[str, tuple[Any, float]], weights: dict[str, float], n: int) -> np.ndarray:
    """sum_k weight_k * row_k over the reported rows named in ``weights``."""
    total = np.zeros(n)
    for k, w in weights.items():
        total += w * reported[k][0]
    return total


def _polish_declarations(
    m: pyo.ConcreteModel, columns: list[Any], reported: dict[str, tuple[Any, float]]
) -> tuple[list[int], np.ndarray | None]:
    """Columns of the continuous variables the spec holds fixed in the polish, and the cost the
    spec adds to the polish LP (None when it adds none)."""
    spec = spec_of(m)
    ids: set[int] = set()
    for item in spec.fixed_in_polish:
        values = item.values() if item.is_indexed() else [item]
        ids.update(id(v) for v in values)
    fixed = [j for j, v in enumerate(columns) if id(v) in ids] if ids else []
    extra = {k: w for k, w in spec.polish_cost.items() if k in reported}
    cost = _weighted_rows(reported, extra, len(columns)) if extra else None
    return fixed, cost


def _set_threads(h: highspy.Highs, threads: int) -> None:
    """Set HiGHS threads; changing them after a run in this process needs a scheduler reset."""
    if _last_threads and _last_threads[-1] != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _last_threads[:] = [threads]
    if threads > 0:
        h.setOptionValue("threads", int(threads))


HIGHS_DEFAULTS: tuple[tuple[str, Any], ...] = (("mip_allow_restart", False),)
"""HiGHS settings of this tool that differ from HiGHS's own defaults (``highs_options`` override them).

``mip_allow_restart=False``: after reduced-cost fixing HiGHS may restart on the smaller model,
redoing its presolve and root; without restarts it was faster on every network measured (L-size
networks of five seeds: 4.5-20.1 s against 5.5-26.0 s; M-size of four: 1.3-3.9 against 1.3-9.1;
the slowest OR-Library cases 1.3-1.5x; docs/performance.md)."""


OWN_FLAGS = {"time_limit": "--time-limit", "mip_rel_gap": "--mip-gap", "random_seed": "--seed", "threads": "--threads"}
"""HiGHS options the tool sets from its own settings (Settings sheet or command line): not given as HiGHS options."""

_KIND_WORDS = {
    highspy.HighsOptionType.kBool: "true or false",
    highspy.HighsOptionType.kInt: "a whole number in HiGHS's range for it",
    highspy.HighsOptionType.kDouble: "a number in HiGHS's range for it",
    highspy.HighsOptionType.kString: "one of the words HiGHS allows for it",
}


def highs_option(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` checked by HiGHS itself: ``(name, value)`` ready for ``highs_options``.

    The value stays text: HiGHS reads it by the option's type (``true``/``false``/``on``/``off``,
    whole numbers, numbers, words), as in its own options files. Raises ``ValueError`` in plain
    words for text that is not ``NAME=VALUE``, an option HiGHS does not have (with the closest
    name), a value HiGHS refuses (with the type it takes and its default), or an option the tool
    sets from its own settings (with the flag to use instead).
    """
    name, sep, value = (part.strip() for part in text.partition("="))
    if not sep or not name or not value:
        raise ValueError(f"'{text}' is not OPTION=VALUE (for example mip_allow_restart=true)")
    if name in OWN_FLAGS:
        raise ValueError(f"HiGHS option '{name}' is set by this tool: use {OWN_FLAGS[name]} instead")
    h = new_highs()  # HiGHS would print its own error lines too
    status, kind = h.getOptionType(name)
    if status != highspy.HighsStatus.kOk:
        close = difflib.get_close_matches(name, _highs_option_names(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"HiGHS has no option '{name}'{hint}")
    default = f"HiGHS's default {h.getOptionValue(name)[1]}"
    tool = dict(HIGHS_DEFAULTS)
    if name in tool:
        default += f", this tool's {tool[name]}"
    if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise ValueError(f"HiGHS option '{name}' does not take '{value}': it takes {_KIND_WORDS[kind]} ({default})")
    return name, value


def _highs_option_names() -> list[str]:
    """Every HiGHS option name (from HiGHS's own options file: highspy lists only some)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "options.txt"
        h = new_highs()
        h.writeOptions(str(path))
        lines = path.read_text().splitlines()
    return [line.split("=")[0].strip() for line in lines if "=" in line and not line.startswith("#")]


def configure(h: highspy.Highs, options: SolveOptions) -> dict[str, Any]:
    """Set the run's limits, gap, seed and threads, this tool's HiGHS defaults, then ``highs_options``.

    Returns the HiGHS options set besides limits, gap, seed and threads (the tool's own, then the
    expert's, which win), each value read back from ``h`` as HiGHS took it: what the Summary
    records as ``setting.highs.<name>``."""
    h.setOptionValue("time_limit", float(options.time_limit) if options.time_limit > 0 else highspy.kHighsInf)
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    _set_threads(h, options.threads)
    names: dict[str, None] = {}
    for name, value in (*HIGHS_DEFAULTS, *options.highs_options):
        if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
            raise ValueError(f"HiGHS does not accept option {name}={value!r}")
        names[name] = None
    return {name: h.getOptionValue(name)[1] for name in names}


def solve(m: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveResult:
    """Solve ``m`` with HiGHS; load the values into ``m``; judge the termination properly."""
    options = options or SolveOptions()
    compiled, seconds = compile_model(m)
    highs_settings = configure(compiled.highs, options)
    if options.progress is not None and compiled.integer_cols:
        _subscribe_progress(compiled.highs, options.progress)
    return _run(m, compiled, seconds, options, highs_settings)


class Prepared:
    """A model compiled once and solved again as the bounds of some of its variables change: a
    family of LPs that differ only in bounds (the stress atlas's cases, one country lost after
    another), built, compiled and handed to HiGHS once; each solve starts cold. The alternatives'
    search starts from one too (its compiled model, ``column_of``, the bounds) and changes costs
    and rows itself. It knows no model names: the caller names the variables."""

    def __init__(self, m: pyo.ConcreteModel, options: SolveOptions):
        self.m, self.options = m, options
        self.compiled, self.seconds = compile_model(m)
        self.highs_settings = configure(self.compiled.highs, options)
        self._column = {id(v): j for j, v in enumerate(self.compiled.columns)}
        lp = self.compiled.highs.getLp()
        self.lower = np.array(lp.col_lower_, dtype=float)
        """Each column's lower bound as compiled (``solve_with_upper`` puts changed ones back)."""
        self.upper = np.array(lp.col_upper_, dtype=float)
        """Each column's upper bound as compiled."""

    def column_of(self, var: Any) -> int:
        """The HiGHS column of a Pyomo variable; -1 for one that is no column (fixed, or in no row)."""
        return self._column.get(id(var), -1)

    def solve_with_upper(self, variables: Iterable[Any], upper: float) -> SolveResult:
        """Solve with the upper bound of ``variables`` (those that are columns: not fixed, in some
        row) set to ``upper``, load the values into the model, and put the bounds back. Each solve
        starts cold, as a model of its own would: where the LP has ties, the answer does not
        depend on which cases were solved before it (nor so on how cases are shared out)."""
        cols = np.array(sorted({j for j in map(self.column_of, variables) if j >= 0}), dtype=np.int32)
        h = self.compiled.highs
        h.clearSolver()
        if len(cols):
            h.changeColsBounds(len(cols), cols, self.lower[cols], np.minimum(self.upper[cols], upper))
        try:
            return _run(self.m, self.compiled, {"compile": 0.0, "handover": 0.0}, self.options, self.highs_settings)
        finally:
            if len(cols):
                h.changeColsBounds(len(cols), cols, self.lower[cols], self.upper[cols])


def _run(
    m: pyo.ConcreteModel,
    compiled: Compiled,
    seconds: dict[str, float],
    options: SolveOptions,
    highs_settings: dict[str, Any],
) -> SolveResult:
    """Run HiGHS on the compiled model, judge the termination, load the values into ``m``."""
    h = compiled.highs
    h.HandleKeyboardInterrupt = True  # HiGHS looks for a stop request in its LPs and search
    clock = h.getRunTime()  # HiGHS's run clock accumulates over the solves of one instance
    t0 = time.perf_counter()
    finished = run_interruptibly(h)
    seconds["solve_wall"] = time.perf_counter() - t0
    result = SolveResult(
        status="error",
        highs_status="",
        solver=solver_name(),
        seconds=seconds,
        size=compiled.size,
        compiler=COMPILED_BY[compiled.compiled_by],
        highs_settings=highs_settings,
    )
    if not finished:  # stopped by the user; HiGHS's thread ends at its next check, unread
        seconds["solve"] = seconds["solve_wall"]
        result.status, result.highs_status = "interrupted", "Interrupted by user"
        return result
    seconds["solve"] = h.getRunTime() - clock
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2
    is_mip = bool(compiled.integer_cols)
    result.highs_status = h.modelStatusToString(ms)
    if ms == _MS.kOptimal:
        result.status = "optimal"
    elif ms in (_MS.kInfeasible, _MS.kUnboundedOrInfeasible):
        result.status = "infeasible"
    elif ms == _MS.kInterrupt:  # only Ctrl-C interrupts a solve (HandleKeyboardInterrupt)
        result.status = "interrupted"
    elif ms in _LIMITS:
        result.status = "feasible" if has_primal else "no_solution"
    else:
        result.message = f"HiGHS stopped with status '{result.highs_status}'"
        if ms == _MS.kUnbounded:
            result.message += " (the model is unbounded: a cost is negative somewhere)"
        else:
            result.message += (
                ": this usually means numerical trouble. Check the warnings about numbers that span "
                "many orders of magnitude, or try a looser --mip-gap"
            )
    if not result.has_solution:
        return result
    result.objective = float(info.objective_function_value)
    if is_mip:
        result.bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap)
        result.mip_gap = 0.0 if not math.isfinite(gap) or gap < 0 else gap
    else:
        result.bound = result.objective
        result.mip_gap = 0.0
    x = np.array(h.getSolution().col_value, dtype=float)
    if options.polish:
        t1 = time.perf_counter()
        polished = _polish(compiled, x)
        seconds["polish"] = time.perf_counter() - t1
        seconds["polish_highs"] = h.getRunTime() - clock - seconds["solve"]
        if polished is not None:
            x, result.duals = polished
    t2 = time.perf_counter()
    _load(m, compiled, x)
    result.reported = {k: float(row @ x + off) for k, (row, off) in compiled.reported.items()}
    seconds["load"] = time.perf_counter() - t2
    return result


INTERRUPT_GRACE_S = 3.0
"""After Ctrl-C, seconds HiGHS gets to stop by itself before the run stops without it."""


def run_interruptibly(h: highspy.Highs, grace: float = INTERRUPT_GRACE_S) -> bool:
    """Run HiGHS in its own thread; on Ctrl-C ask it to stop and wait at most ``grace`` seconds
    (a second Ctrl-C stops waiting). True if HiGHS finished (its status says how), False if it
    was left to stop by itself: some of its steps (presolve, probing, sub-MIPs) do not look for
    the request, and left alone they kept a planner waiting 13-16 s on the XL network.
    """
    h.startSolve()
    try:
        while not h.wait(0.1)[0]:
            pass
        return True
    except KeyboardInterrupt:
        h.cancelSolve()
    deadline = time.monotonic() + grace
    try:
        while time.monotonic() < deadline:
            if h.wait(0.1)[0]:
                return True
    except KeyboardInterrupt:
        pass
    return False


def _subscribe_progress(h: highspy.Highs, report: Callable[[Progress], None]) -> None:
    last = [0.0]

    def on_event(e: Any) -> None:
        out = e.data_out
        t = float(out.running_time)
        if t - last[0] < 0.5:
            return
        last[0] = t
        best = float(out.mip_primal_bound)
        bound = float(out.mip_dual_bound)
        gap = float(out.mip_gap)
        report(
            Progress(
                seconds=t,
                best=best if math.isfinite(best) and abs(best) < 1e50 else None,
                bound=bound if math.isfinite(bound) and abs(bound) < 1e50 else None,
                gap=gap if math.isfinite(gap) and 0 <= gap < 1e10 else None,
            )
        )

    h.cbMipInterrupt.subscribe(on_event)


def _polish(c: Compiled, x: np.ndarray) -> tuple[np.ndarray, dict[Any, float]] | None:
    """Solve the LP with integer decisions, and the continuous quantities the model declares
    first-stage (``SolveSpec.fixed_in_polish``: the strategic stock), fixed at the MIP solution.

    Given the design, the baseline and each scenario separate, so this LP keeps the baseline and
    weighted-scenario optimum while (a) its row duals give the envelope-theorem marginal cost of
    each dependency cap and (b) weight-0 (stress-test) scenarios, absent from the objective, get
    their own cheapest response instead of arbitrary flows.
    """
    h = c.highs
    fix = [*c.integer_cols, *c.fixed_in_polish]
    if fix:
        idx = np.array(fix, dtype=np.int32)
        vals = np.where(np.isin(idx, c.integer_cols), np.round(x[idx]), x[idx])
        h.changeColsBounds(len(idx), idx, vals, vals)
    if c.integer_cols:
        idx = np.array(c.integer_cols, dtype=np.int32)
        h.changeColsIntegrality(len(idx), idx, np.array([highspy.HighsVarType.kContinuous] * len(idx)))
    if c.polish_cost is not None and c.polish_cost.any():
        cost = c.cost + c.polish_cost
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.setOptionValue("time_limit", highspy.kHighsInf)
    h.run()
    if h.getModelStatus() != _MS.kOptimal:
        return None
    sol = h.getSolution()
    duals = {con: float(d) for (con, _), d in zip(c.rows, sol.row_dual)}
    return np.array(sol.col_value, dtype=float), duals


def _load(m: pyo.ConcreteModel, c: Compiled, x: np.ndarray) -> None:
    """Put the solution into the Pyomo variables (integers rounded); variables that appear in no
    row or cost (so are not columns) are set to 0."""
    values = np.where(np.abs(x) < 1e-9, 0.0, x)
    if c.integer_cols:
        values[c.integer_cols] = np.round(values[c.integer_cols]) + 0.0  # + 0.0: no -0.0
    for v, val in zip(c.columns, values.tolist()):
        v.set_value(val, skip_validation=True)
    for v in m.component_data_objects(pyo.Var, descend_into=True):
        if v.value is None:
            v.set_value(0.0, skip_validation=True)
