"""The Python API: the same model as the command line, DataFrames in and out.

    import model

    net = model.from_frames({"Countries": countries, "Products": products, ...})  # or model.read(path)
    result = model.solve(net, dependency_cap=0.3)
    result.objective, result["Sites"]                      # every results table by its sheet name
    frontier = model.sweep(net, "dependency_cap", [1.0, 0.5, 0.3], workers=2)
    model.write(result, "outputs/run.xlsx")                # the results workbook and its HTML report

The command line (``model.cli``) is a client of these functions: what it prints is what
``solve`` returns. Settings are named as on the Settings sheet; no Pyomo or HiGHS object leaves
this module (``Network`` is the tool's own checked data object). Everything here is documented in
docs/api.md, and ``examples/analyst.py`` runs it end to end (CI runs it).
"""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model import schema
from model.alternatives import check as check_alternatives
from model.alternatives import find_alternatives
from model.compare import compare_tables, horizon_totals, read_results
from model.diagnose import explain_infeasibility
from model.html_report import report_path, write_html_report
from model.issues import Issue, WorkbookError
from model.network import Network
from model.parallel import run_each, tagged
from model.pipeline import check_results, run_once
from model.report import write_results
from model.results import with_cost_split, with_run_seconds
from model.solve import SolveOptions
from model.stress import assemble, atlas_groups, atlas_tasks, countries_to_lose, runs_in_process, stress_atlas
from model.stress import check as check_stress
from model.study import (
    PARAMETERS,
    SHEET_NAMES,
    points_in_process,
    run_study,
    sweep_tasks,
    tradeoff_table,
)
from model.template import write_input_workbook
from model.workbook import read_workbook

Progress = Callable[[int, int, float], None]
"""``progress(done, total, seconds)``: how far a sweep, the stress atlas or the alternatives are."""

SETTINGS_AFTER_READING = (
    "dependency_cap",
    "time_limit_s",
    "mip_gap",
    "threads",
    "random_seed",
    "caps_in_scenarios",
    "stress_test",
    "alternatives",
    "alternatives_slack",
    "calibration_tolerance",
    "currency",
)
"""The settings ``solve``, ``sweep``, ``stress`` and ``alternatives`` take as keywords (named as on
the Settings sheet). The others (``unmet_penalty``, ``discount_rate``) shape the data the network
is checked with: set them in the Settings frame or sheet."""


@dataclass(frozen=True)
class Problem:
    """One input problem: where it is and what is wrong. From a workbook, ``cell`` is its cell
    (``Sites!E7``); from DataFrames, ``row`` is the frame's row position (0 the first) and
    ``column`` its column, and ``cell`` is None."""

    level: str
    sheet: str
    message: str
    cell: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.cell:
            where = self.cell
        elif self.row is not None:
            where = f"{self.sheet}, row {self.row}" + (f", column '{self.column}'" if self.column else "")
        elif self.column:
            where = f"{self.sheet}, column '{self.column}'"
        else:
            where = self.sheet
        return f"{where}: {self.message}"


class InputError(ValueError):
    """The inputs cannot be used: ``problems`` lists every error (and the warnings), each with its
    sheet and its cell, or its frame row and column."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        errors = self.errors
        super().__init__(f"{len(errors)} error(s) in the inputs:\n" + "\n".join(f"  {p}" for p in errors))

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop a run."""
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that do not."""
        return [p for p in self.problems if p.level != "error"]


@dataclass
class Result:
    """One solve: its status, the objective, the MIP gap, the Summary as a mapping, and every
    results table as a DataFrame under its sheet name (``result["Sites"]``). ``explanation`` says
    why there is no design (an infeasible network); ``problems`` lists any failed internal check
    (there should be none); ``warnings`` the input warnings; ``seconds`` each step's time."""

    status: str
    objective: float | None
    gap: float | None
    tables: dict[str, pd.DataFrame]
    network: Network
    explanation: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    alternatives_stopped: str = ""
    """Why the search for alternatives ended (``found all``, or what stopped it early)."""
    notes: list[str] = field(default_factory=list)
    """What the run could not do and went on without (a stress atlas whose Dask scheduler is out of
    reach: the solve's results stand without it)."""

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    @property
    def summary(self) -> dict[str, Any]:
        """The Summary sheet as ``{metric: value}``."""
        table = self.tables.get("Summary")
        return {} if table is None else dict(zip(table["metric"], table["value"], strict=True))

    @property
    def status_text(self) -> str:
        """``optimal (gap 0.0100%)``: the status with the gap achieved."""
        if self.gap is None or not self.has_design:
            return self.status
        return f"{self.status} (gap {self.gap:.4%})"

    @property
    def has_design(self) -> bool:
        """Whether the solve found a design (optimal, or feasible at a limit)."""
        return self.objective is not None


# ---- inputs ------------------------------------------------------------------------------------


def read(path: str | Path) -> Network:
    """The checked network of an input workbook; ``InputError`` lists every problem with its cell."""
    try:
        return read_workbook(path)
    except WorkbookError as exc:
        raise InputError([_problem(i) for i in exc.issues]) from None


def from_frames(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any] | None = None) -> Network:
    """The checked network of DataFrames named and shaped as the workbook's sheets (``Countries``,
    ``Products``, ``Sites``, ``Demand``, ``Lanes``, ...; columns as their headers, docs/inputs.md).
    ``settings`` (``{"unmet_penalty": 1000}``) fills or overrides the Settings sheet, which may
    also be given as a frame of ``setting`` and ``value``. Every check of a workbook runs;
    ``InputError`` lists every problem with its sheet, frame row and column.

    The frames are written to a workbook in a temporary folder and read back through the one
    reader, so that a network made here and one read from a workbook are checked alike (about
    0.3 s for the sample's size)."""
    records: dict[str, list[dict[str, Any]]] = {name: _records(frame) for name, frame in frames.items()}
    if settings:
        given = {r.get("setting"): r for r in records.get("Settings", [])}
        for name, value in settings.items():
            given[name] = {"setting": name, "value": value}
        records["Settings"] = list(given.values())
    records.setdefault("Settings", [])
    headers = {name: _headers(name, rows) for name, rows in records.items()}
    with tempfile.TemporaryDirectory(prefix="supply-network-") as folder:
        path = Path(folder) / "frames.xlsx"
        write_input_workbook(path, records, sheets=list(records))
        try:
            net = read_workbook(path)
        except WorkbookError as exc:
            raise InputError([_problem(i, headers) for i in exc.issues]) from None
    warnings = tuple(Issue(w.level, w.sheet, _frame_cell(w.cell, w.sheet, headers), w.message) for w in net.warnings)
    return dataclasses.replace(net, source="(DataFrames)", source_sha256="", warnings=warnings)


def _records(frame: pd.DataFrame | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A frame's rows as records, blanks (NaN, None, NaT) as None, numpy numbers as Python's."""
    rows = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else [dict(r) for r in frame]
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _plain(v: Any) -> Any:
    """A cell value as the workbook writer takes it."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()  # numpy scalars
    return v


def _headers(sheet: str, rows: list[dict[str, Any]]) -> list[str]:
    """The columns of ``sheet`` as the workbook writer lays them out: the schema's, then the
    others in the order they first appear (``model.template.write_input_workbook``)."""
    spec = schema.SHEETS_BY_NAME.get(sheet)
    known = [c.name for c in spec.columns] if spec is not None else []
    extra = [k for row in rows for k in row if k not in known]
    return known + list(dict.fromkeys(extra))


def _letter_index(letters: str) -> int:
    """``A`` -> 0, ``AB`` -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _frame_cell(cell: str, sheet: str, headers: Mapping[str, list[str]]) -> str:
    """A cell of the temporary workbook said as a frame's row and column (``row 3, column 'cap'``)."""
    problem = _problem(Issue("warning", sheet, cell, ""), headers)
    if problem.row is None and problem.column is None:
        return cell
    parts = [f"row {problem.row}"] if problem.row is not None else []
    parts += [f"column '{problem.column}'"] if problem.column else []
    return ", ".join(parts)


def _problem(issue: Issue, headers: Mapping[str, list[str]] | None = None) -> Problem:
    """A reader's issue as a ``Problem``: with the cell kept (a workbook), or turned into the
    frame's row position and column (``headers``: frames written to a temporary workbook)."""
    if headers is None:
        return Problem(issue.level, issue.sheet, issue.message, cell=issue.where)
    found = re.fullmatch(r"([A-Z]+)?(\d+)?(?::\d+)?", issue.cell or "")
    row = column = None
    if found:
        letters, number = found.group(1), found.group(2)
        columns = headers.get(issue.sheet, [])
        if letters and _letter_index(letters) < len(columns):
            column = columns[_letter_index(letters)]
        if number and int(number) >= 2:
            row = int(number) - 2
    return Problem(issue.level, issue.sheet, issue.message, row=row, column=column)


# ---- solving -----------------------------------------------------------------------------------


def configure(network: Network, settings: Mapping[str, Any], given_by: Mapping[str, str] | None = None) -> Network:
    """``network`` with settings changed (names as on the Settings sheet; ``SETTINGS_AFTER_READING``).
    ``given_by`` says where each was given, for the messages that name it (the command line passes
    "the command line (--cap)"); by default "dependency_cap=0.3 given in Python"."""
    unknown = [k for k in settings if k not in SETTINGS_AFTER_READING]
    if unknown:
        raise TypeError(
            f"unknown setting(s) {', '.join(map(repr, unknown))}: these can be given here: "
            f"{', '.join(SETTINGS_AFTER_READING)} (others go in the Settings frame or sheet)"
        )
    return network.with_settings(given_by, **dict(settings))


def options_of(
    network: Network,
    highs_options: Iterable[tuple[str, Any]] = (),
    progress: Callable[..., None] | None = None,
) -> SolveOptions:
    """The solver options of a network's settings (time limit, gap, threads, seed)."""
    s = network.settings
    return SolveOptions(
        time_limit=s.time_limit_s,
        mip_gap=s.mip_gap,
        threads=s.threads,
        seed=s.random_seed,
        progress=progress,
        highs_options=tuple(highs_options),
    )


def solve(
    network: Network,
    *,
    scenarios: bool = True,
    highs_options: Iterable[tuple[str, Any]] = (),
    workers: int | None = None,
    dask: Any = None,
    stage: Callable[[str], None] | None = None,
    solver_progress: Callable[..., None] | None = None,
    stress_progress: Progress | None = None,
    alternatives_progress: Progress | None = None,
    sweeps: Mapping[str, Sequence[float]] | None = None,
    sweep_progress: Callable[[str, int, int, float], None] | None = None,
    given_by: Mapping[str, str] | None = None,
    **settings: Any,
) -> Result:
    """Solve ``network`` (with ``settings`` changed: ``dependency_cap=0.3``, ``mip_gap=1e-3``,
    ``stress_test="countries"``, ``alternatives=3``, ...) and check the solution's invariants.

    With ``stress_test="countries"`` the Stress and StressSummary tables are added, with
    ``alternatives=K`` the Alternatives and AlternativeSites tables, with ``sweeps`` (parameter ->
    values: ``{"dependency_cap": [1, 0.8, 0.6]}``) a Tradeoff table per parameter, as ``sweep``
    makes it; they run side by side in one pool (``workers`` and ``dask`` as on the command line).
    ``scenarios=False`` solves the baseline alone. An infeasible network gives ``status ==
    "infeasible"`` and the smallest changes that would make it feasible in ``explanation``. The
    callbacks report progress (the command line draws them). ``given_by`` says where each setting
    was given, for the messages that name it (``configure``)."""
    t0 = time.perf_counter()
    net = configure(network, settings, given_by)
    if not scenarios:
        net = net.without_scenarios()
    options = options_of(net, highs_options, solver_progress)
    results, timings = run_once(net, options, stage=stage)
    solved = results.solve
    out = Result(
        status=solved.status,
        objective=results.objective,
        gap=solved.mip_gap,
        tables=results.tables,
        network=net,
        warnings=[str(w) for w in net.warnings],
        seconds=timings,
    )
    if solved.status == "interrupted":
        return out
    if solved.status == "infeasible":
        if stage is not None:
            stage("explaining why no design exists")
        out.explanation = [c.message for c in explain_infeasibility(net, options)]
        return out
    if not solved.has_solution:
        out.explanation = [solved.message] if solved.message else []
        return out
    if stage is not None:
        stage("checking the results")
    out.problems = check_results(results, net, timings)
    _studies_of_the_design(
        out,
        results.objective,
        options,
        workers,
        dask,
        stress_progress,
        alternatives_progress,
        dict(sweeps or {}),
        sweep_progress,
    )
    out.seconds = solved.seconds | timings
    out.tables["Summary"] = with_cost_split(with_run_seconds(out.tables["Summary"], out.seconds), out.tables["Costs"])
    out.seconds["total"] = time.perf_counter() - t0
    return out


def sweep(
    network: Network,
    parameter: str,
    values: Iterable[float],
    *,
    workers: int | None = None,
    dask: Any = None,
    progress: Progress | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """The tradeoff table of ``parameter`` (``dependency_cap`` or ``max_shortfall``) at each of
    ``values``: one row per point, loosest first, with its objective, cost increase, price per
    point, design change and why a point has no design (the Tradeoff sheet). Points run in
    parallel worker processes (``workers``; ``dask``: a Dask scheduler address or client)."""
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {', '.join(PARAMETERS)}, not {parameter!r}")
    net = configure(network, settings)
    if parameter == "max_shortfall" and not net.scenarios:
        raise ValueError("a max_shortfall sweep needs scenarios; the network has none")
    return run_study(net, parameter, list(values), options_of(net), workers, dask, progress)


def stress(
    network: Network,
    result: Result | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    progress: Progress | None = None,
    **settings: Any,
) -> dict[str, pd.DataFrame]:
    """The stress atlas of a solved design (``result``; solved here when None): each country with a
    site lost in turn, the design fixed. Returns ``{"Stress": ..., "StressSummary": ...}``."""
    net = configure(network, settings)
    result = result if result is not None else solve(net)
    _needs_design(result)
    atlas = stress_atlas(net, result.tables, options_of(net), workers=workers, dask_address=dask, progress=progress)
    return {"Stress": atlas.stress, "StressSummary": atlas.summary}


def alternatives(
    network: Network,
    k: int = 3,
    slack: float = 0.02,
    result: Result | None = None,
    *,
    progress: Progress | None = None,
    **settings: Any,
) -> dict[str, pd.DataFrame]:
    """Up to ``k`` near-optimal designs within ``slack`` of the optimum (``result``; solved here when
    None), each as different as possible. Returns ``{"Alternatives": ..., "AlternativeSites": ...}``."""
    net = configure(network, settings)
    result = result if result is not None else solve(net)
    _needs_design(result)
    found = find_alternatives(
        net, result.tables, float(result.objective or 0.0), k, slack, options_of(net), progress=progress
    )
    return {"Alternatives": found.table, "AlternativeSites": found.sites}


def _needs_design(result: Result) -> None:
    if not result.has_design:
        raise ValueError(f"the solve found no design ({result.status}); there is nothing to stress or vary")


def _studies_of_the_design(
    out: Result,
    objective: float | None,
    options: SolveOptions,
    workers: int | None,
    dask: Any,
    stress_progress: Progress | None,
    alternatives_progress: Progress | None,
    sweeps: dict[str, Sequence[float]],
    sweep_progress: Callable[[str, int, int, float], None] | None,
) -> None:
    """The stress atlas, the alternatives and the sweeps of a solved design, as its settings and
    ``sweeps`` ask, into ``out``'s tables, with their invariants. They run side by side through
    one ``model.parallel.run_each``: the search for alternatives (one sequential task, started
    first: the longest), each sweep's points, the atlas's cases; in worker processes for a network
    large enough, in this process otherwise. A pool that cannot be made (a Dask scheduler out of
    reach) leaves a note, and the solve's results stand."""
    net, tables, timings = out.network, out.tables, out.seconds
    want_stress, k = net.settings.stress_test == "countries", net.settings.alternatives
    if not want_stress and k <= 0 and not sweeps:
        return
    slack = net.settings.alternatives_slack
    t0 = time.perf_counter()
    tasks: list[tuple[Any, ...]] = []  # (kind, function, its arguments): run through parallel.tagged
    if k > 0:
        search = dataclasses.replace(options, progress=None)  # a worker process cannot draw on this console
        tasks.append(("alternatives", find_alternatives, tables, float(objective or 0.0), k, slack, search))
    points: dict[str, list[dict[str, Any]]] = {p: [] for p in sweeps}
    per_sweep = {p: sweep_tasks(net, p, values, options, workers, dask) for p, values in sweeps.items()}
    for p, p_tasks in per_sweep.items():
        tasks += [(("sweep", p), *task) for task in p_tasks]
    small = runs_in_process(net, workers) and (not sweeps or points_in_process(net, workers, dask))
    in_process = dask is None and (small or (not want_stress and not sweeps))  # a pool where a study gains
    atlas_results: list[dict[str, Any]] = []
    n_cases = len(countries_to_lose(net)) if want_stress else 0

    def case_done(*cases: dict[str, Any]) -> None:  # one case as it is solved, or a group's at once
        atlas_results.extend(cases)
        elapsed = time.perf_counter() - t0
        if len(atlas_results) == n_cases:  # the atlas's own time, though the search may go on
            timings["stress"] = elapsed
        if stress_progress is not None:
            stress_progress(len(atlas_results), n_cases, elapsed)

    design, cases = None, []
    if want_stress:
        groups = 1 if in_process else atlas_groups(workers)
        design, cases = atlas_tasks(net, tables, options, groups, case_done if in_process else None)
    tasks += [("stress", *task) for task in cases]
    found: list[Any] = []

    def done(kind_result: tuple[Any, Any]) -> None:
        kind, result = kind_result
        elapsed = time.perf_counter() - t0
        if kind == "alternatives":
            found.append(result)
            timings["alternatives"] = elapsed
            if alternatives_progress is not None:
                alternatives_progress(k, k, elapsed)
        elif kind == "stress":  # a group of the atlas's cases
            if not in_process:  # in this process each case was reported as it was solved
                case_done(*result)
        else:  # ("sweep", parameter): one point
            p = kind[1]
            points[p].append(result)
            if sum(map(len, points.values())) == sum(map(len, per_sweep.values())):
                timings["sweeps"] = elapsed
            if sweep_progress is not None:
                sweep_progress(p, len(points[p]), len(per_sweep[p]), elapsed)

    if k > 0 and in_process:  # one after the other: the search reports each alternative as it finds it
        found.append(find_alternatives(net, *tasks[0][2:], progress=alternatives_progress))
        timings["alternatives"] = time.perf_counter() - t0
        tasks = tasks[1:]
        t0 = time.perf_counter()  # the others' time from here
    try:
        if in_process:  # one study after the other, each timed from its own start
            sweeping = [task for task in tasks if task[0] != "stress"]
            for group in (sweeping, [task for task in tasks if task[0] == "stress"]):
                t0 = time.perf_counter()
                run_each(tagged, net, group, done, True, workers, dask)
        else:  # side by side, each timed until its last task ends
            run_each(tagged, net, tasks, done, False, workers, dask)
    except Exception as exc:  # the solve's results stand, without the studies
        studied = ", ".join(what for what, asked in (("stress atlas", want_stress), ("sweeps", bool(sweeps))) if asked)
        out.notes.append(
            f"the {studied or 'studies'} could not be made ({type(exc).__name__}: {exc}); "
            "the results are written without them"
        )
        unreachable = isinstance(exc, (OSError, TimeoutError)) or "dask" in str(exc).lower()
        if not unreachable:  # a cluster out of reach is no internal failure; anything else is
            out.problems.append(f"{studied or 'studies'}: {type(exc).__name__}: {exc}")
        atlas_results.clear()
        points = {}
        design = None
    if design is not None:
        atlas = assemble(net, design, atlas_results, timings.get("stress", time.perf_counter() - t0))
        tables["Stress"], tables["StressSummary"] = atlas.stress, atlas.summary
        out.problems += [f"stress atlas: {p}" for p in check_stress(atlas.stress, atlas.summary, net, design)]
        timings.setdefault("stress", time.perf_counter() - t0)
    for p, solved in points.items():
        tables[SHEET_NAMES[p]] = tradeoff_table(solved, p, net.products, net.unit)
    if found:
        alt = found[0]
        tables["Alternatives"], tables["AlternativeSites"] = alt.table, alt.sites
        out.alternatives_stopped = alt.stopped
        gap = (out.gap or 0.0) + 1e-6
        out.problems += [f"alternatives: {p}" for p in check_alternatives(alt.table, alt.sites, slack, gap)]


# ---- outputs -----------------------------------------------------------------------------------


def write(result: Result, path: str | Path, *, report: bool = True) -> list[Path]:
    """Write the results workbook (atomically: whole or not at all) and, with ``report``, its HTML
    report beside it; returns the paths written. It replaces ``path`` if it exists (the command
    line refuses to without ``--force``; a script decides for itself)."""
    net = result.network
    warnings = [*net.warnings, *(f"internal check failed: {p}" for p in result.problems)]
    written = write_results(
        path, result.tables, warnings, currency=net.settings.currency, units=net.unit, site_product=net.site_product
    )
    paths = [written]
    if report:
        paths.append(write_html_report(report_path(written), result.tables, net))
    return paths


def compare(a: Result | str | Path, b: Result | str | Path) -> dict[str, pd.DataFrame]:
    """The differences between two runs (results or results workbooks) as DataFrames by sheet:
    Costs side by side, Sites, Unmet, Dependency and Flows, as ``run.py --compare`` writes them."""
    return compare_tables(_tables_of(a), _tables_of(b))


def _tables_of(run: Result | str | Path) -> dict[str, pd.DataFrame]:
    """A run's tables as the comparison reads them."""
    return horizon_totals(dict(run.tables)) if isinstance(run, Result) else read_results(Path(run))
