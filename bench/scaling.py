"""Scaling study: time and memory of one tiered size as its periods and its
scenarios grow, where the time goes, and how fast each part grows against the model's size.

    python -m bench.scaling tier-L                                  # periods 1,2,4,8; scenarios 0,2,5,10
    python -m bench.scaling tier-L --repeat 3 --out docs/scaling.md --png docs/scaling.png
    python -m bench.scaling tier-S --periods 1,2 --scenarios 0,2    # a quick look
    python -m bench.scaling --from-json docs/scaling.json --png docs/scaling.png   # redraw, no runs

The variants are ``bench.generate``'s ``tier-X-p{k}`` (k periods at the size's own scenarios)
and ``tier-X-s{k}`` (k scenarios at the size's own periods): one network, cut down, so a series
differs only in the dimension that varies. The periods series runs first, then the scenarios
series; the point they share (the size's own periods and scenarios) runs once. Each run is
``bench.run --one`` in a process of its own (its peak memory is its own), with HiGHS's log
written to a file (``output_flag``, ``log_to_console=false``, ``log_file``, and
``mip_min_logging_interval`` so that the line at the end of the root node is printed) and read
by ``parse_highs_log`` for HiGHS's own split of its time. With ``--repeat N`` a variant's row is
the run whose HiGHS time is the median of the N (``median_row``), whole.

Columns: ``build`` is build + compile (Pyomo model, then the matrices); ``HiGHS`` is the time in
HiGHS (the MIP run and the polish LP, as HiGHS reports them); of the MIP run, ``presolve`` is
HiGHS's presolve of the MIP (its own report), ``root`` the rest of the root node (root LP, cuts,
root heuristics: from the end of presolve to the last log line with no node processed yet) and
``branching`` the rest of the MIP run (the search); ``other`` is the total less every column
before it (read, check, load, the polish's own Python time, time in no phase). Then the fitted
exponents: the slope of a least-squares line of log(seconds) on log(nonzeros), per series, for
the total, HiGHS and the time outside HiGHS (above 1: that time grows faster than the model), and
the slope of log(nonzeros) on log(periods) or log(scenarios + 1) (how fast the model itself grows).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import CACHE, _child, workbook_for

DEFAULT_PERIODS = (1, 2, 4, 8)
DEFAULT_SCENARIOS = (0, 2, 5, 10)
LOG_INTERVAL = 0.0
"""HiGHS's ``mip_min_logging_interval`` for the runs: 0 prints every display line (HiGHS prints
one without a new solution only this many seconds after the last), so the line printed at the
end of the root node is always there (HiGHS's default, 5 s, drops it when a line came less than
5 s before). Its cost is a line per plunge step of the search."""

# ------------------------------------------------------------------------------------------
# HiGHS's log
# ------------------------------------------------------------------------------------------

_NODE_LINE = re.compile(
    r"^\s*(?P<src>[A-Za-z])?\s+(?P<proc>\d+[kmb]?)\s+(?P<queue>\d+[kmb]?)\s+(?P<leaves>\d+[kmb]?)\s+"
    r"(?P<expl>[\d.]+)%\s+(?P<bound>\S+)\s+(?P<best>\S+)\s+(?P<gap>\S+)\s+(?P<cuts>\d+)\s+(?P<inlp>\d+)\s+"
    r"(?P<confl>\d+)\s+(?P<iters>\d+[kmb]?)\s+(?P<time>[\d.]+)s\s*$"
)
_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}


def _count(text: str) -> int:
    """A count as HiGHS prints it in its node lines (``12345``, ``123k``, ``12m``)."""
    got = re.fullmatch(r"(\d+)([kmb]?)", text)
    if got is None:
        raise ValueError(f"not a count: {text!r}")
    return int(got.group(1)) * _SUFFIX[got.group(2)]


def _number(text: str) -> float | None:
    """A bound or objective of a node line as a float; None for ``inf``/``-inf``/``Large``."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_highs_log(text: str) -> dict[str, Any]:
    """HiGHS's own split of a MIP run, read from its log (HiGHS 1.16's format).

    Only the MIP's part is read (the log of the polish LP that follows it is left out). Returns
    (None where the log does not say):

    * ``presolve_s``: HiGHS's presolve of the MIP: the ``MIP time`` under ``(Presolve)`` in the
      solving report's Timing block (HiGHS counts its sub-MIPs' presolves in the ``(Presolve)``
      total: they are left out), else the time of the first node line;
    * ``root_lp_s``: the time of the first node line with a finite dual bound and LP iterations
      (the root LP solved; a bound from before any LP has no iterations yet);
    * ``root_end_s``: the time of the last node line with no node processed yet (``Proc.`` 0), the
      end of the root node: root LP, cuts, and the heuristics run on the root's solution, also
      those (RINS, an ``L`` line) the search runs on the root node before it counts it as
      processed; the end of the MIP run when it ends at the root;
    * ``root_eval_s``: the end of HiGHS's own evaluation of the root node (the last line with no
      node processed and the root waiting in the queue, ``InQueue`` above 0), before the search
      takes the root node up; None when HiGHS printed no such line;
    * ``mip_s``: the MIP run's time (the Timing block's total); ``submip_s``: the time in sub-MIPs
      (HiGHS's RENS/RINS heuristics, ``L`` lines) under ``(Solve)``;
    * ``nodes``, ``lp_iterations``: branch-and-bound nodes and LP iterations of the report;
    * ``log_gap``: the final relative gap of the report (0.0001 for ``0.01%``);
    * ``node_lines``: how many node lines were read.
    """
    mip, _, _ = text.partition("\nLP has ")  # the polish LP's log starts with "LP has ..."
    lines = mip.splitlines()
    nodes = [m for m in (_NODE_LINE.match(line) for line in lines) if m is not None]
    out: dict[str, Any] = dict.fromkeys(
        (
            "presolve_s",
            "root_lp_s",
            "root_end_s",
            "root_eval_s",
            "mip_s",
            "submip_s",
            "nodes",
            "lp_iterations",
            "log_gap",
        )
    )
    out["node_lines"] = len(nodes)
    report = mip[mip.find("Solving report") :] if "Solving report" in mip else ""
    if report:
        timing = re.search(r"^\s*Timing\s+([\d.eE+-]+)\s*$", report, re.M)
        if timing:
            out["mip_s"] = float(timing.group(1))
        sections = re.split(r"^\s*[\d.eE+-]+ \((Presolve|Solve|Postsolve)\)\s*$", report, flags=re.M)
        # sections: [before, "Presolve", its lines, "Solve", its lines, "Postsolve", its lines]
        for name, body in zip(sections[1::2], sections[2::2]):
            own = re.search(r"^\s*MIP\s+time \[calls\] = ([\d.eE+-]+)", body, re.M)
            sub = re.search(r"^\s*subMIP time \[calls\] = ([\d.eE+-]+)", body, re.M)
            if name == "Presolve" and own:
                out["presolve_s"] = float(own.group(1))
            if name == "Solve" and sub:
                out["submip_s"] = float(sub.group(1))
        if out["presolve_s"] is None:  # an older report: "<s> (Presolve)" without the split
            whole = re.search(r"^\s*([\d.eE+-]+) \(Presolve\)\s*$", report, re.M)
            if whole:
                out["presolve_s"] = float(whole.group(1))
        for key, pattern in (("nodes", r"^\s*Nodes\s+(\d+)\s*$"), ("lp_iterations", r"^\s*LP iterations\s+(\d+)\s*$")):
            got = re.search(pattern, report, re.M)
            if got:
                out[key] = int(got.group(1))
        gap = re.search(r"^\s*Gap\s+(\S+)", report, re.M)
        if gap:
            word = gap.group(1)
            out["log_gap"] = round(float(word.rstrip("%")) / 100, 12) if word.endswith("%") else _number(word)
    if nodes:
        times = [float(m.group("time")) for m in nodes]
        if out["presolve_s"] is None:
            out["presolve_s"] = times[0]
        solved = [
            float(m.group("time"))
            for m in nodes
            if _number(m.group("bound")) is not None and _count(m.group("iters")) > 0
        ]
        out["root_lp_s"] = solved[0] if solved else None
        at_root = [float(m.group("time")) for m in nodes if _count(m.group("proc")) == 0]
        if at_root:
            ended_at_root = _count(nodes[-1].group("proc")) == 0
            out["root_end_s"] = out["mip_s"] if ended_at_root and out["mip_s"] is not None else at_root[-1]
        queued = [
            float(m.group("time")) for m in nodes if _count(m.group("proc")) == 0 and _count(m.group("queue")) > 0
        ]
        out["root_eval_s"] = queued[-1] if queued else None
    return out


# ------------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------------


def variants(size: str, periods: list[int], scenarios: list[int]) -> list[dict[str, Any]]:
    """The runs of a study, in order: the periods series (``<size>-p{k}`` at the size's own
    scenarios), then the scenarios series (``<size>-s{k}`` at the size's own periods); the point
    the two share is listed once (under its periods name), in both series."""
    from bench.generate import TIER_SIZES

    cfg = TIER_SIZES[size]
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for k in periods:
        out.setdefault((k, cfg["scenarios"]), {"case": f"{size}-p{k}", "series": []})["series"].append("periods")
    for k in scenarios:
        out.setdefault((cfg["periods"], k), {"case": f"{size}-s{k}", "series": []})["series"].append("scenarios")
    return [{"periods": p, "scenarios": s, **v} for (p, s), v in out.items()]


def run_variant(
    case: str,
    options: list[str],
    repeat: int,
    logs: Path,
    interval: float = LOG_INTERVAL,
    vary_seed: bool = False,
) -> list[dict[str, Any]]:
    """``repeat`` runs of ``case`` through ``bench.run --one``, each in a process of its own with
    HiGHS's log written to ``logs``: each run's JSON row with the figures of ``parse_highs_log``
    beside it (runs that failed are left out). With ``vary_seed`` the i-th run (from 0) uses
    HiGHS random_seed i: HiGHS is deterministic for given matrices and seed, so without it the
    repeats differ only by the machine's noise."""
    workbook_for(case)  # generated outside the timed process
    runs = []
    for i in range(repeat):
        log = logs / f"{case}-{i + 1}.log"
        log.unlink(missing_ok=True)
        highs = ["output_flag=true", "log_to_console=false", f"log_file={log}", f"mip_min_logging_interval={interval}"]
        seed = ["--seed", str(i)] if vary_seed else []
        row = _child(case, "--one", [*options, *seed, *(arg for h in highs for arg in ("--highs", h))])
        if row is None:
            continue
        row |= parse_highs_log(log.read_text()) if log.exists() else {}
        row["log"] = log.name  # the name only: the folder may be temporary, and the JSON may go to docs/
        runs.append(row)
    return runs


def median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for the runs of a variant: the run whose HiGHS time is the median (of an even
    number, the lower of the two middle ones), whole, so that its presolve, root, sub-MIP and
    branching seconds are one run's and add up (medians taken figure by figure would mix runs:
    one run's root with another's branching); with the statuses of all runs joined (``optimal``
    when all are) and the number of runs."""
    ranked = sorted(runs, key=lambda r: r["in_highs"])
    middle = ranked[(len(ranked) - 1) // 2]
    return {**middle, "runs": len(runs), "status": "/".join(dict.fromkeys(r["status"] for r in runs))}


def split(row: dict[str, Any]) -> dict[str, float | None]:
    """The columns of a row's time: build (build + compile), hand-over, HiGHS (MIP run + polish
    LP), of HiGHS's MIP run presolve / root / branching (None without a log of it), extract,
    verify, write, and other (the total less every column before it)."""
    build = row["build"] + row["compile"]
    shown = build + row["handover"] + row["in_highs"] + row["extract"] + row["verify"] + row["write"]
    presolve, root_end = row.get("presolve_s"), row.get("root_end_s")
    mip = row["solve"]
    return {
        "build": build,
        "handover": row["handover"],
        "highs": row["in_highs"],
        "presolve": presolve,
        "root": None if presolve is None or root_end is None else max(0.0, root_end - presolve),
        "branching": None if root_end is None else max(0.0, mip - root_end),
        "extract": row["extract"],
        "verify": row["verify"],
        "write": row["write"],
        "other": row["total"] - shown,
        "outside": row["total"] - row["in_highs"],
    }


# ------------------------------------------------------------------------------------------
# Exponents, table, picture
# ------------------------------------------------------------------------------------------


def fit_exponent(x: list[float], y: list[float | None]) -> float | None:
    """The slope b of the least-squares line log y = a + b log x (y grows as x^b), over the points
    with positive x and y (a y of None, missing from a log, is left out); None with fewer than
    two such points or with one x alone."""
    pts = [(math.log(a), math.log(b)) for a, b in zip(x, y) if a and b and a > 0 and b > 0]
    if len(pts) < 2:
        return None
    mx = sum(p for p, _ in pts) / len(pts)
    my = sum(q for _, q in pts) / len(pts)
    sxx = sum((p - mx) ** 2 for p, _ in pts)
    if sxx == 0:
        return None
    return sum((p - mx) * (q - my) for p, q in pts) / sxx


def series_rows(rows: list[dict[str, Any]], series: str) -> list[dict[str, Any]]:
    """The rows of one series (``periods`` or ``scenarios``), by the dimension that varies."""
    key = series
    return sorted((r for r in rows if series in r["series"]), key=lambda r: r[key])


def exponents(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per series: its points, the exponent of nonzeros against periods (or scenarios + 1), and
    of the total, HiGHS and outside-HiGHS seconds against nonzeros."""
    out = {}
    for series in ("periods", "scenarios"):
        rs = series_rows(rows, series)
        size = [r["nonzeros"] for r in rs]
        dim = [r["periods"] if series == "periods" else r["scenarios"] + 1 for r in rs]
        cols = [split(r) for r in rs]
        out[series] = {
            "points": len(rs),
            "nonzeros": fit_exponent(dim, size),
            "total": fit_exponent(size, [r["total"] for r in rs]),
            "highs": fit_exponent(size, [c["highs"] for c in cols]),
            "outside": fit_exponent(size, [c["outside"] for c in cols]),
            "memory": fit_exponent(size, [r["peak_mb"] for r in rs]),
            "presolve": fit_exponent(size, [r.get("presolve_s") for r in rs]),
            "root_lp": fit_exponent(size, [r.get("root_lp_s") for r in rs]),
        }
    return out


def _s(v: float | None, fmt: str = ".2f") -> str:
    return "" if v is None else format(v, fmt)


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table, one row per variant."""
    head = (
        "| case | periods | scenarios | rows | columns | nonzeros | integers | status | gap | total s | build s "
        "| hand-over s | HiGHS s | presolve s | root s | branching s | root LP at s | sub-MIPs s | nodes "
        "| LP iterations | extract s | verify s | write s | other s | peak MB |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        c = split(r)
        nodes = "" if r.get("nodes") is None else f"{r['nodes']:,.0f}"
        iters = "" if r.get("lp_iterations") is None else f"{r['lp_iterations']:,.0f}"
        lines.append(
            f"| {r['case']} | {r['periods']} | {r['scenarios']} | {r['rows']:,.0f} | {r['columns']:,.0f} "
            f"| {r['nonzeros']:,.0f} | {r['integers']:,.0f} | {r['status']} | {(r['gap'] or 0):.1e} "
            f"| {r['total']:.2f} | {c['build']:.2f} | {c['handover']:.2f} | {c['highs']:.2f} "
            f"| {_s(c['presolve'])} | {_s(c['root'])} | {_s(c['branching'])} | {_s(r.get('root_lp_s'))} "
            f"| {_s(r.get('submip_s'))} | {nodes} | {iters} | {c['extract']:.2f} | {c['verify']:.2f} "
            f"| {c['write']:.2f} | {c['other']:.2f} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def exponent_table(rows: list[dict[str, Any]]) -> str:
    """The fitted exponents as a markdown table, with a line saying how to read them."""
    fits = exponents(rows)
    lines = [
        "| series | points | nonzeros vs periods (scenarios + 1) | total s vs nonzeros | HiGHS s vs nonzeros "
        "| outside HiGHS s vs nonzeros | peak MB vs nonzeros | HiGHS presolve s vs nonzeros "
        "| root LP done at s vs nonzeros |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for series, f in fits.items():
        lines.append(
            f"| {series} | {f['points']} | {_s(f['nonzeros'])} | {_s(f['total'])} | {_s(f['highs'])} "
            f"| {_s(f['outside'])} | {_s(f.get('memory'))} | {_s(f.get('presolve'))} | {_s(f.get('root_lp'))} |"
        )
    lines.append(
        "\nExponents: slopes of least-squares lines on log-log axes (time ~ nonzeros^b). Above 1 against "
        "nonzeros, that time grows faster than the model."
    )
    return "\n".join(lines)


def picture(rows: list[dict[str, Any]], path: Path, title: str = "") -> Path:
    """The log-log picture: a column per series, nonzeros across; above, seconds: total, HiGHS,
    outside HiGHS, and a dashed line of slope 1 through the first total, each total labelled with
    its periods (or scenarios); below, the peak memory (MB) with its own slope-1 line. Written
    whole through ``model.atomic.save_figure``; returns the path written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker

    from model.atomic import save_figure

    plain = mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 100 else f"{v:g}")
    fig, grid = plt.subplots(2, 2, figsize=(11, 8), gridspec_kw={"height_ratios": [3, 2]})
    for ax, mem, series in zip(grid[0], grid[1], ("periods", "scenarios")):
        rs = series_rows(rows, series)
        other = "scenarios" if series == "periods" else "periods"
        fixed = f" ({rs[0][other]} {other})" if rs else ""
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{series} series{fixed}")
        ax.set_xlabel("nonzeros")
        ax.set_ylabel("seconds")
        if not rs:
            continue
        x = [r["nonzeros"] for r in rs]
        cols = [split(r) for r in rs]
        for label, ys, style in (
            ("total", [r["total"] for r in rs], "o-"),
            ("HiGHS", [c["highs"] for c in cols], "s-"),
            ("outside HiGHS", [c["outside"] for c in cols], "^-"),
        ):
            ax.plot(x, [max(y, 1e-3) for y in ys], style, label=label)
        ref = [rs[0]["total"] * v / x[0] for v in x]
        ax.plot(x, ref, "k--", linewidth=0.8, label="slope 1")
        for r in rs:
            ax.annotate(
                f"{series[0].upper()}={r[series]}",
                (r["nonzeros"], r["total"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
        ax.xaxis.set_major_locator(mticker.FixedLocator(sorted(set(x))))
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        ax.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        ax.legend(fontsize=8)
        peaks = [r["peak_mb"] for r in rs]
        mem.set_xscale("log")
        mem.set_yscale("log")
        mem.plot(x, peaks, "D-", color="tab:purple", label="peak memory")
        mem.plot(x, [peaks[0] * v / x[0] for v in x], "k--", linewidth=0.8, label="slope 1")
        mem.set_xlabel("nonzeros")
        mem.set_ylabel("peak MB")
        mem.xaxis.set_major_locator(mticker.FixedLocator(sorted(set(x))))
        mem.xaxis.set_major_formatter(plain)
        mem.xaxis.set_minor_formatter(mticker.NullFormatter())
        mem.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        mem.yaxis.set_major_formatter(plain)
        mem.yaxis.set_minor_formatter(mticker.NullFormatter())
        mem.tick_params(axis="x", labelrotation=30, labelsize=8)
        mem.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def report(data: dict[str, Any]) -> str:
    """The study as markdown: the table, the exponents, how it was run."""
    rows = data["rows"]
    o = data.get("options", {})
    head = (
        f"Scaling of {data['size']}: gap {o.get('gap')}, time limit {o.get('time_limit')} s, "
        f"{o.get('repeat', 1)} run(s) per variant (the run with the median HiGHS time"
        f"{', HiGHS random_seed 0, 1, ... run by run' if o.get('vary_seed') else ''})."
    )
    return (
        f"{head}\n\n{table(rows)}\n\n{exponent_table(rows)}\n\n"
        f"Machine: {data.get('machine', '')}; {data.get('seconds', 0):.0f} s for the study.\n"
    )


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of whole numbers") from None


def study(args: argparse.Namespace) -> dict[str, Any]:
    """Run every variant of the study (``args`` as ``main`` parses them); the data the table and
    picture are made from."""
    from bench.generate import is_tiered

    t0 = time.perf_counter()
    options = ["--time-limit", str(args.time_limit), "--gap", str(args.gap)]
    options += [arg for name, value in args.highs for arg in ("--highs", f"{name}={value}")]
    todo = variants(args.size, args.periods, args.scenarios)
    bad = [v["case"] for v in todo if not is_tiered(v["case"])]
    if bad:
        raise SystemExit(f"not scaling cases: {', '.join(bad)} (periods 1-8, scenarios 0-10)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
        logs = Path(args.logs) if args.logs else Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        for v in todo:
            runs = run_variant(v["case"], options, max(1, args.repeat), logs, args.log_interval, args.vary_seed)
            if not runs:
                print(f"{v['case']}: no run succeeded; left out", file=sys.stderr)
                continue
            row = {**v, **median_row(runs), "each": runs}
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
    return {
        "size": args.size,
        "options": {
            "gap": args.gap,
            "time_limit": args.time_limit,
            "repeat": max(1, args.repeat),
            "vary_seed": bool(args.vary_seed),
            "highs": [list(h) for h in args.highs],
            "log_interval": args.log_interval,
        },
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{_cores()} cores",
        "seconds": time.perf_counter() - t0,
        "rows": rows,
    }


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def main(argv: list[str] | None = None) -> int:
    from model.cli import add_highs_option

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("size", nargs="?", help="a tier size: tier-S, tier-M, tier-L or tier-XL")
    p.add_argument("--periods", type=_ints, default=list(DEFAULT_PERIODS), help="periods of the periods series")
    p.add_argument("--scenarios", type=_ints, default=list(DEFAULT_SCENARIOS), help="scenarios of the scenarios series")
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--time-limit", type=float, default=600)
    p.add_argument("--repeat", type=int, default=1, help="runs per variant (the median run is reported)")
    p.add_argument(
        "--vary-seed", action="store_true", help="the i-th run of a variant (from 0) uses HiGHS random_seed i"
    )
    p.add_argument("--out", help="write the table and exponents (markdown) here, the raw rows beside it (.json)")
    p.add_argument("--png", help="write the log-log picture here")
    p.add_argument("--from-json", help="redraw the table and picture from a study's JSON, without running")
    p.add_argument("--logs", help="keep HiGHS's logs in this folder (default: a temporary one, removed)")
    p.add_argument(
        "--log-interval", type=float, default=LOG_INTERVAL, help="HiGHS's mip_min_logging_interval for the runs"
    )
    add_highs_option(p, "a HiGHS option for every run, as python run.py takes it")
    args = p.parse_args(argv)
    if args.from_json:
        data = json.loads(Path(args.from_json).read_text())
        for row in data["rows"]:  # each variant's row again from its runs (as this code picks it)
            if row.get("each"):
                row.update(median_row(row["each"]))
    else:
        from bench.generate import TIER_SIZES

        if args.size not in TIER_SIZES:
            p.error(f"size must be one of {', '.join(TIER_SIZES)}")
        data = study(args)
        raw = Path(args.out).with_suffix(".json") if args.out else CACHE / f"scaling-{args.size}.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(data, indent=1) + "\n")
        print(f"raw rows: {raw}")
    text = report(data)
    print("\n" + text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    if args.png:
        written = picture(data["rows"], Path(args.png), f"Scaling of {data['size']}")
        print(f"picture: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
