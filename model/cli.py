"""Command line (``python run.py``): argument parsing, console output and exit codes.

Exit status (``docs/contract/run.md``): 0 solved (optimal, or feasible at a limit, flagged);
2 the workbook has errors; 3 no feasible design exists (explained); 1 anything else;
130 stopped by the user (Ctrl-C), nothing written. No traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from model import api, atomic
from model.alternatives import robustness
from model.charts import frontier_png
from model.compare import write_comparison
from model.families import REPORTING
from model.families.common import money
from model.html_report import report_path, report_refusal, write_html_report
from model.issues import WorkbookError
from model.network import Network
from model.pipeline import PHASES
from model.report import write_results
from model.results import cost_split, cost_totals, with_run_seconds
from model.solve import Progress, highs_option
from model.study import PARAMETERS, SHEET_NAMES
from model.template import write_template
from model.timeline import print_timeline, timeline_png

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKBOOK = ROOT / "inputs" / "allied_supply_network.xlsx"
OUTPUTS = "outputs"
"""Default folder of results and comparisons, under the current folder (the user's, not the tool's)."""

EXIT_OK, EXIT_OTHER, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
AFTER_PHASES = ("stress", "alternatives", "sweeps", "pictures", "write", "report")
"""What the command line does after the solve is checked, in this order, each timed on the Time
line: the stress atlas, the near-optimal alternatives, the sweeps of a study, the PNG pictures
(the Timeline's), the write of the results workbook, the HTML report."""
OPTION_OF = {
    "dependency_cap": "--cap",
    "time_limit_s": "--time-limit",
    "mip_gap": "--mip-gap",
    "threads": "--threads",
    "random_seed": "--seed",
    "alternatives": "--alternatives",
    "alternatives_slack": "--alternatives-slack",
    "stress_test": "--stress",
}
"""The command-line option that sets each setting: a value given there is attributed to it
("the command line (--cap)"), not to the Settings sheet's cell."""
TIME_LINE = tuple(dict.fromkeys((*(k for k in PHASES if k not in AFTER_PHASES), *AFTER_PHASES)))
"""The steps of the Time line, each once, in the order a run takes them (``PHASES`` also names
the sweeps and the write, which the command line does after the solve)."""


def _share(text: str) -> float:
    """A share between 0 and 1, given as a fraction (0.3) or as percent text (30%), as in the workbook."""
    number = text.strip()
    percent = number.endswith("%")
    if percent:
        number = number[:-1].strip()
    try:
        v = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number; give a share between 0 and 1 (0.3, or 30%)"
        ) from None
    if percent:
        v /= 100
    if v != v:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number; give a share between 0 and 1 (0.3, or 30%)")
    if not 0 <= v <= 1:
        hint = f" (did you mean {v / 100:g}? or write {v:g}%)" if 1 < v <= 100 and not percent else ""
        raise argparse.ArgumentTypeError(f"{text.strip()} is not a share between 0 and 1{hint}")
    return v


def _shares(text: str) -> list[float]:
    values = [_share(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError("give one or more values, e.g. 0.5,0.4,0.3")
    return values


def _nonneg(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if v < 0 or v != v:
        raise argparse.ArgumentTypeError(f"{text} must be a number >= 0")
    return v


def _count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text} must be >= 0")
    return v


def highs_argument(text: str) -> tuple[str, str]:
    """``--highs OPTION=VALUE`` as an argparse type (``model.solve.highs_option``'s check)."""
    try:
        return highs_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_highs_option(p: argparse.ArgumentParser, help_text: str) -> None:
    """``--highs OPTION=VALUE``, repeatable, each checked by HiGHS (``highs_argument``); the
    command line and the bench take it the same way."""
    p.add_argument(
        "--highs",
        type=highs_argument,
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help=f"{help_text} (repeat for more)",
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python run.py",
        description="Supply network redesign: the cheapest network that keeps dependency on "
        "countries of concern under a cap and survives the named disruptions.",
    )
    p.add_argument(
        "workbook", nargs="?", default=str(DEFAULT_WORKBOOK), help="input workbook (.xlsx); default: the sample"
    )
    p.add_argument(
        "--out",
        help="results workbook; default outputs/<workbook name>_results.xlsx under the current folder. Never the "
        "input workbook; an existing file only if it is a results workbook of this tool (or with --force)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="let --out or --template replace an existing file that is not a results workbook of this tool",
    )
    p.add_argument("--cap", type=_share, help="default dependency cap, 0.3 or 30%% (overrides Settings.dependency_cap)")
    p.add_argument("--time-limit", type=_nonneg, help="solver time limit in seconds (Settings.time_limit_s)")
    p.add_argument("--mip-gap", type=_share, help="relative MIP gap at which to stop (Settings.mip_gap)")
    p.add_argument("--threads", type=_count, help="solver threads, 0 = solver's choice (Settings.threads)")
    p.add_argument("--seed", type=_count, help="solver random seed (Settings.random_seed)")
    add_highs_option(p, "a HiGHS option, for experts, e.g. mip_allow_restart=true; recorded in the Summary sheet")
    p.add_argument("--no-scenarios", action="store_true", help="solve the baseline only (ignore Scenarios)")
    p.add_argument(
        "--sweep-cap",
        type=_shares,
        metavar="V1,V2,...",
        help="solve once per dependency cap value; writes the Tradeoff sheet and a PNG (overrides the Study sheet)",
    )
    p.add_argument(
        "--sweep-shortfall",
        type=_shares,
        metavar="V1,V2,...",
        help="solve once per survival target (max_shortfall in every scenario); writes TradeoffResilience",
    )
    p.add_argument("--no-study", action="store_true", help="ignore the workbook's Study sheet")
    p.add_argument(
        "--alternatives",
        type=_count,
        metavar="K",
        help="after the solve, look for K near-optimal designs that differ most (Settings.alternatives)",
    )
    p.add_argument(
        "--alternatives-slack",
        type=_share,
        metavar="S",
        help="how much dearer than the optimum an alternative may be, 0.02 or 2%% (Settings.alternatives_slack)",
    )
    p.add_argument(
        "--stress",
        action="store_true",
        help="after the solve, lose each country in turn with the design fixed (Settings.stress_test: countries)",
    )
    p.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the HTML report (outputs/<workbook name>_report.html beside the results workbook)",
    )
    p.add_argument("--workers", type=_count, help="parallel sweep processes (default: one per core)")
    p.add_argument("--dask", metavar="ADDRESS", help="run sweep points on this Dask scheduler (tcp://host:8786)")
    p.add_argument("--check", action="store_true", help="check the workbook and report, without solving")
    p.add_argument(
        "--template",
        metavar="PATH",
        help="write a blank input workbook to PATH and stop (an existing file is never replaced without --force)",
    )
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("A.xlsx", "B.xlsx"),
        help="compare two results workbooks side by side (differences highlighted) and stop",
    )
    p.add_argument("--quiet", action="store_true", help="no progress line; only the summary and problems")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return p


class Console:
    """Console output: plain lines, and one updating progress line when on a terminal."""

    def __init__(self, stream: TextIO, quiet: bool):
        self.stream = stream
        self.quiet = quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._shown: str | None = None
        """What the terminal's last line is: a "stage" (erased by the next output), "progress"
        (kept: the next output starts a new line), or None (a finished line)."""
        self._last_logged = -1e9

    def line(self, text: str = "") -> None:
        self.end_progress()
        print(text, file=self.stream, flush=True)

    def stage(self, text: str) -> None:
        """On a terminal, what the run is doing now (``reading the workbook...``), on one line that
        the next output replaces: a large network spends seconds in each step before the solver's
        own progress line starts. Not written to logs (not a terminal) or with --quiet."""
        if self.quiet or not self.tty:
            return
        self.end_progress()
        self._overwrite(f"  {text}...", "stage")

    def _overwrite(self, text: str, kind: str) -> None:
        """On a terminal: ``text`` in place of the last line, which is now of ``kind``."""
        print("\r" + text.ljust(100), end="", file=self.stream, flush=True)
        self._shown = kind

    def progress(self, p: Progress) -> None:
        if self.quiet or p.seconds < 2.0:
            return
        best = f"{p.best:,.6g}" if p.best is not None else "none yet"
        bound = f"{p.bound:,.6g}" if p.bound is not None else "-"
        gap = f"{p.gap:.2%}" if p.gap is not None else "-"
        text = f"  solving {p.seconds:6.1f} s   best design {best}   bound {bound}   gap {gap}"
        if self.tty:
            self._overwrite(text, "progress")
        elif p.seconds - self._last_logged >= 10:  # a log file: a line now and every 10 s
            self._last_logged = p.seconds
            print(text, file=self.stream, flush=True)

    def sweep_progress(self, label: str, done: int, total: int, elapsed: float, unit: str = "points") -> None:
        """A progress bar of a study: ``done`` of ``total`` (``unit``: points of a sweep, countries
        lost, alternatives), the seconds so far and an estimate of those left."""
        if self.quiet:
            return
        left = elapsed / done * (total - done) if done else 0.0
        bar = "#" * int(20 * done / total)
        text = f"  {label}: [{bar:<20}] {done}/{total} {unit}, {elapsed:.0f} s, about {left:.0f} s left"
        if self.tty:
            self._overwrite(text, "progress")
        else:
            print(text, file=self.stream, flush=True)

    def end_progress(self) -> None:
        if self._shown == "stage":  # a stage line is erased, not kept
            print("\r" + " " * 100 + "\r", end="", file=self.stream, flush=True)
        elif self._shown == "progress":
            print(file=self.stream, flush=True)
        self._shown = None


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Console(sys.stdout, args.quiet)
    logging.getLogger("pyomo").setLevel(logging.ERROR)
    try:
        return _run(args, out)
    except KeyboardInterrupt:
        out.line("Stopped by the user; no results were written.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into a program that stopped reading (e.g. head)
        sys.stdout = None  # type: ignore[assignment]  # nothing more can be printed
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        out.line(f"Error: {exc}")
        out.line("Run again with --debug to see the technical details.")
        return EXIT_OTHER


def _print_issues(out: Console, issues: Sequence[Any], label: str) -> None:
    if not issues:
        return
    out.line(f"{len(issues)} {label}{'s' if len(issues) != 1 else ''}:")
    for i in issues:
        out.line(f"  {i}")


def same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` are one file: the same resolved path (through links, ``..``), or, when both
    exist, the same file on disk (hard links; another case of the name on a case-insensitive
    file system)."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def is_tool_output(path: Path) -> bool:
    """``path`` is a workbook this tool wrote: results (a Summary sheet of metric/value rows with
    the tool's version) or a comparison (a Compare sheet naming runs A and B)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return False
    try:
        if "Summary" in wb.sheetnames:
            rows = wb["Summary"].iter_rows(max_col=2, values_only=True)
            if next(rows, None) == ("metric", "value"):
                return any(r[0] == "tool_version" for r in rows)
        if "Compare" in wb.sheetnames:
            first = [r[0] for r in wb["Compare"].iter_rows(max_row=2, max_col=1, values_only=True)]
            return first == ["A", "B"]
        return False
    except Exception:
        return False
    finally:
        wb.close()


def refusal(target: Path, inputs: Sequence[Path], force: bool, what: str) -> str | None:
    """Why writing ``what`` to ``target`` would destroy a file the user made (None if it would not).

    Never an input of this run (whatever ``--force`` says); an existing file only if this tool wrote
    it, or with ``--force``."""
    for source in inputs:
        if same_file(target, source):
            return (
                f"{target} is the input workbook {source}; the input is never overwritten. Give --out another file name"
            )
    if target.is_dir():
        return f"{target} is a folder; give --out a file name ending in .xlsx"
    if target.exists() and not force and not is_tool_output(target):
        return (
            f"{target} already exists and is not a results workbook of this tool; it was left as it is. "
            f"Choose another name for the {what}, or add --force to replace it"
        )
    return None


def _refused(out: Console, message: str) -> int:
    out.line(f"Nothing written: {message}.")
    return EXIT_INPUT


def _run(args: argparse.Namespace, out: Console) -> int:
    if args.template:
        target = Path(args.template)
        if target.exists() and not args.force:
            return _refused(
                out,
                f"{target} already exists; --template writes a blank workbook and never replaces a file. "
                "Choose another name, or add --force to replace it",
            )
        if target.is_dir():
            return _refused(out, f"{target} is a folder; give --template a file name ending in .xlsx")
        path = write_template(target)
        out.line(f"Blank input workbook written to {path.absolute()}")
        return EXIT_OK
    if args.compare:
        return _compare(args, out)
    target = Path(args.out) if args.out else Path.cwd() / OUTPUTS / f"{Path(args.workbook).stem}_results.xlsx"
    refused = None if args.check else refusal(target, [Path(args.workbook)], args.force, "results")
    if not refused and not args.check and not args.no_report:
        refused = report_refusal(report_path(target), args.force)
    if refused:
        return _refused(out, refused)
    t0 = time.perf_counter()
    out.stage("reading the workbook")
    try:
        net = api.read(args.workbook)
    except api.InputError as exc:
        out.line(f"{args.workbook}: the workbook cannot be used.")
        _print_issues(out, exc.errors, "error")
        _print_issues(out, exc.warnings, "warning")
        return EXIT_INPUT
    if args.check:
        _print_issues(out, net.warnings, "warning")
        out.line(
            f"{args.workbook}: no errors ({len(net.sites)} sites, {len(net.positive_demand)} demands, "
            f"{len(net.arcs)} arcs, {len(net.scenarios)} scenarios)."
        )
        return EXIT_OK
    _print_issues(out, net.warnings, "warning")
    settings = {
        "dependency_cap": args.cap,
        "time_limit_s": args.time_limit,
        "mip_gap": args.mip_gap,
        "threads": args.threads,
        "random_seed": args.seed,
        "alternatives": args.alternatives,
        "alternatives_slack": args.alternatives_slack,
        "stress_test": "countries" if args.stress else None,
    }
    result = api.solve(
        net,
        scenarios=not args.no_scenarios,
        highs_options=args.highs,
        workers=args.workers,
        dask=args.dask,
        stage=out.stage,
        solver_progress=out.progress,
        stress_progress=lambda d, t, e: out.sweep_progress("stress atlas", d, t, e, "countries lost"),
        alternatives_progress=lambda d, t, e: out.sweep_progress("near-optimal alternatives", d, t, e, "found"),
        sweeps=_sweeps_asked(args, net, out),
        sweep_progress=lambda p, d, t, e: out.sweep_progress(f"sweep {p}", d, t, e),
        given_by={name: f"the command line ({OPTION_OF[name]})" for name, v in settings.items() if v is not None},
        **settings,
    )
    out.end_progress()
    net, timings = result.network, result.seconds
    if result.status == "interrupted":
        raise KeyboardInterrupt
    if result.status == "infeasible":
        return _explain(out, result.explanation)
    if result.status == "error":
        out.line(f"The solver failed: {'; '.join(result.explanation)}.")
        return EXIT_OTHER
    if not result.has_design:
        out.line(
            f"No design found: the solver stopped ({result.status}) before finding any "
            "feasible design. Raise the time limit (--time-limit or Settings.time_limit_s) and run again."
        )
        return EXIT_OTHER
    for note in result.notes:
        out.line(f"Note: {note}")
    if "StressSummary" in result.tables:
        print_stress(out, result["StressSummary"], net.settings.currency)
    if "Alternatives" in result.tables:
        print_alternatives(out, result, net.settings.alternatives_slack, net.settings.currency)
    t1 = time.perf_counter()
    pictures = _studies(result, out, target)
    if "Timeline" in result.tables:
        png = target.with_name(f"{target.stem}_timeline.png")
        pictures.append(timeline_png(result.tables["Timeline"], net.settings.currency, png))
    if pictures:
        timings["pictures"] = time.perf_counter() - t1
    problems = result.problems
    warnings = list(net.warnings) + [f"internal check failed: {p}" for p in problems]
    total = timings.pop("total", 0.0)
    result.tables["Summary"] = with_run_seconds(result.tables["Summary"], timings)
    t1 = time.perf_counter()
    out.stage("writing the results workbook")
    written = write_results(
        target, result.tables, warnings, currency=net.settings.currency, units=net.unit, site_product=net.site_product
    )
    timings["write"] = time.perf_counter() - t1
    notices = list(atomic.last_notice)
    report = None
    if not args.no_report:
        t1 = time.perf_counter()
        out.stage("writing the HTML report")
        report = write_html_report(report_path(written), result.tables, net)
        notices += atomic.last_notice
        timings["report"] = time.perf_counter() - t1
    timings["total"] = max(total, time.perf_counter() - t0)
    print_summary(out, net, result, timings)
    for notice in notices:
        out.line(f"Note: {notice}")
    out.line(f"Results: {written.absolute()}")
    if report is not None:
        out.line(f"Report: {report.absolute()}")
    for png in pictures:
        out.line(f"Picture: {png.absolute()}")
    if problems:
        out.line("INTERNAL CHECK FAILED (please report this; the results may be wrong):")
        for p in problems:
            out.line(f"  {p}")
        return EXIT_OTHER
    return EXIT_OK


def _compare(args: argparse.Namespace, out: Console) -> int:
    a, b = (Path(x) for x in args.compare)
    target = Path(args.out) if args.out else Path.cwd() / OUTPUTS / f"compare_{a.stem}_vs_{b.stem}.xlsx"
    refused = refusal(target, [a, b], args.force, "comparison")
    if refused:
        return _refused(out, refused)
    try:
        written, diffs = write_comparison(a, b, target)
    except WorkbookError as exc:
        _print_issues(out, exc.errors, "error")
        return EXIT_INPUT
    out.line(f"A: {a}\nB: {b}")
    if diffs:
        out.line(f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''}:")
        for d in diffs:
            out.line(f"  {d}")
    else:
        out.line("No differences in costs, design, production, unmet demand, stocks, caps, shares or scenario service.")
    for notice in atomic.last_notice:
        out.line(f"Note: {notice}")
    out.line(f"Comparison: {written.absolute()}")
    return EXIT_OK


def print_alternatives(out: Console, result: api.Result, slack: float, currency: str) -> None:
    """Each alternative's cost and how far it departs from the optimum; the candidates built in
    every design (robust), in some (a choice the slack leaves open) and in none."""
    out.line(f"Alternatives within {slack:.1%} of the optimum (as different as possible in which sites operate when):")
    for r in result["Alternatives"].itertuples():
        if r.alternative == 0:
            continue
        cost = "no cost" if r.objective is None else f"{money(r.objective)} {currency} (+{r.over_optimum:.2%})"
        distance, bound = getattr(r, "distance", None), getattr(r, "distance_bound", None)
        proven = ""
        if distance is not None and bound is not None and bound == bound:
            proven = (
                "; proven the most different"
                if bound <= distance
                else f"; {int(distance)} differences from the designs before it, summed (no design within "
                f"the slack has more than {int(bound)})"
            )
        out.line(f"  {r.alternative}: {cost}, {r.differs_by} operate decisions differ from the optimum{proven}")
    if result.alternatives_stopped != "found all":
        out.line(f"  (the search stopped: {result.alternatives_stopped})")
    groups = robustness(result["AlternativeSites"])
    out.line("  built in every design: " + (", ".join(groups["every"]) or "none"))
    out.line("  built in some: " + (", ".join(groups["some"]) or "none"))
    out.line("  built in none: " + (", ".join(groups["none"]) or "none"))


def print_stress(out: Console, summary: Any, currency: str, shown: int = 5) -> None:
    """The atlas in a few lines: per period, the countries whose loss costs most, with the worst
    market and product and its served share; how many losses leave some market below half served."""
    out.line("Stress atlas (each country with a site lost for a year, the design fixed, stock drawn):")
    periods = list(dict.fromkeys(summary["period"])) if "period" in summary.columns else [None]
    for t in periods:
        part = summary if t is None else summary[summary["period"] == t]
        part = part.assign(_failed=part["status"] != "optimal").sort_values(
            ["_failed", "extra_cost"], ascending=[False, False], na_position="last"
        )  # a case without a solution first: it is what the planner must see
        where = f"  in {t}: " if t is not None else "  "
        items = []
        for r in part.head(shown).itertuples():
            if r.status != "optimal":
                items.append(f"{r.lost} (not solved: {r.status})")
                continue
            worst = ""
            if isinstance(r.worst_market, str) and r.worst_market:
                worst = f", {r.worst_product} in {r.worst_market} {r.worst_served_share:.0%} served"
            sign = "+" if r.extra_cost >= 0 else "-"
            items.append(f"{r.lost} {sign}{money(abs(r.extra_cost))} {currency}{worst}")
        short = int((part["worst_served_share"] < 0.5).sum())
        out.line(where + "; ".join(items))
        out.line(f"    {short} of {len(part)} losses leave some market less than half served")


def _sweeps_asked(args: argparse.Namespace, net: Network, out: Console) -> dict[str, tuple[float, ...]]:
    """The sweeps asked for: the Study sheet's (unless ``--no-study``), then the command line's;
    a survival-target sweep without scenarios is skipped with a note."""
    sweeps: dict[str, tuple[float, ...]] = {}
    if not args.no_study:
        sweeps.update(net.study)
    if args.sweep_cap:
        sweeps["dependency_cap"] = tuple(args.sweep_cap)
    if args.sweep_shortfall:
        sweeps["max_shortfall"] = tuple(args.sweep_shortfall)
    if "max_shortfall" in sweeps and (not net.scenarios or args.no_scenarios):
        out.line("Note: the survival-target sweep needs scenarios; the workbook has none, so it is skipped.")
        sweeps.pop("max_shortfall")
    return sweeps


def _studies(result: api.Result, out: Console, target: Path) -> list[Path]:
    """The sweeps' Tradeoff tables (made beside the stress atlas and the alternatives, ``api.solve``)
    on the console, and one PNG per frontier beside the results workbook."""
    net = result.network
    pictures = []
    for parameter, sheet in SHEET_NAMES.items():
        if sheet not in result.tables:
            continue
        table = result.tables[sheet]
        column = PARAMETERS[parameter]
        png = target.with_name(f"{target.stem}_{sheet.lower()}.png")
        pictures.append(frontier_png(table, column, net.settings.currency, png))
        print_tradeoff(out, table, column, net.settings.currency)
    return pictures


def print_tradeoff(out: Console, table: Any, column: str, currency: str) -> None:
    """One line per sweep point: cost, increase, price per point, design change; under it the
    normal-year cost and the expected disruption cost, and a flag where the cap (or target) is met
    by leaving demand unserved. A point with no design says why."""
    label = "cap" if column == "cap" else "target"
    out.line(f"Tradeoff ({'dependency cap' if column == 'cap' else 'survival target'}):")
    flagged = 0
    for r in table.itertuples():
        value = getattr(r, column)
        if pd.isna(r.objective):
            why = getattr(r, "explanation", "") or ""
            out.line(f"  {label} {value:6.1%}: {r.status}" + (f": {why}" if why else ""))
            continue
        price = f", {r.price_per_point:,.2f} {currency} per point" if pd.notna(r.price_per_point) else ""
        change = f"  [{r.design_change}]" if r.design_change else ""
        out.line(f"  {label} {value:6.1%}: {money(r.objective)} (+{r.cost_increase_pct:.2%}){price}{change}")
        if hasattr(r, "normal_year_cost") and pd.notna(r.normal_year_cost):
            penalty = f" (of which unmet demand {money(r.unmet_penalty)})" if r.unmet_penalty > 1e-9 else ""
            scenarios = abs(r.expected_disruption_cost) > 1e-9
            if scenarios or penalty:  # without scenarios the normal year is the objective: said only for its penalty
                text = f"      normal year {money(r.normal_year_cost)}{penalty}"
                out.line(text + (f" + expected disruptions {money(r.expected_disruption_cost)}" if scenarios else ""))
        if getattr(r, "met_by_unserved_demand", False) is True:
            flagged += 1
            out.line(f"      << met by leaving demand unserved: {r.unserved}")
    if flagged:
        out.line(
            f"  {flagged} point{'s' if flagged != 1 else ''} meet{'s' if flagged == 1 else ''} the {label} partly by "
            "leaving demand unserved (at its unmet_penalty) rather than by buying supply: their cost increase "
            "is mostly penalty, not de-risking."
        )


def _explain(out: Console, explanation: Sequence[str]) -> int:
    out.line("No feasible design exists: some requirements cannot all be met.")
    if explanation:
        out.line("Smallest changes that would make it feasible:")
        for message in explanation:
            out.line(f"  - {message}")
    else:
        out.line("  (the conflict could not be narrowed down further)")
    return EXIT_INFEASIBLE


def _horizon(net: Network) -> str:
    """``2024-2033, 3 periods, discounted at 0.05``."""
    first, last = net.periods[0], net.periods[-1]
    rate = net.settings.discount_rate
    text = f"{first.year}-{last.year + last.years - 1}, {len(net.periods)} periods"
    return text + (f", discounted at {rate:.3g}" if rate else ", undiscounted")


def print_summary(out: Console, net: Network, res: api.Result, timings: dict[str, float]) -> None:
    """A short console summary a planner reads at a glance."""
    cur = net.settings.currency
    flag = "" if res.status == "optimal" else "  << stopped at a limit: not proven optimal"
    out.line(f"Status: {res.status_text}{flag}")
    costs = cost_totals(res["Costs"])
    split = cost_split(costs)
    if net.shows_periods:
        out.line(
            f"Total cost over the horizon ({_horizon(net)}): {money(res.objective or 0.0)} {cur} "
            "(the objective the design minimises)"
        )
    else:
        out.line(f"Total yearly cost: {money(res.objective or 0.0)} {cur} (the objective the design minimises)")
    if split["expected_disruption_cost"]:
        out.line(
            f"  = normal-year cost {money(split['normal_year_cost'])} (without disruption) + expected "
            f"disruption cost {money(split['expected_disruption_cost'])} (what each crisis adds to a normal year x "
            "its yearly probability)"
        )
    parts = [f"{r.component} {money(r.value)}" for r in costs.itertuples() if abs(r.value) > 1e-9]
    out.line("  " + "; ".join(parts))
    if "Timeline" in res.tables:
        print_timeline(out.line, res["Timeline"], cur)
    for family in REPORTING:
        if hasattr(family, "console"):
            family.console(out.line, net, res.tables)
    out.line(time_line(timings))


def time_line(timings: dict[str, float]) -> str:
    """``Time: read 0.03 s, ..., report 0.98 s; total 10.69 s``: each timed step once, in the
    order the run took them (``TIME_LINE``), and the total."""
    steps = ", ".join(f"{k} {timings[k]:.2f} s" for k in TIME_LINE if k in timings)
    return f"Time: {steps}; total {timings.get('total', 0):.2f} s"
