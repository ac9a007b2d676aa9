"""The command line of shared/spec/run.md: exit codes, messages, the results workbook."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pyomo.environ as pyo
import pytest
from openpyxl import load_workbook

from model.build import build_model
from model.cli import main
from model.solve import SolveOptions, solve
from model.workbook import read_workbook
from tests.helpers import BASE, ROOT, SAMPLE, edit, records, write
from tests.xlsx_charts import charts

RESULT_COLUMNS = {
    "Summary": ["metric", "value"],
    "Costs": ["component", "value"],
    "Flows": ["site", "origin", "product", "market", "quantity", "delivered_unit_cost"],
    "Sites": [
        "site",
        "country",
        "product",
        "status",
        "built",
        "modules_added",
        "capacity",
        "production",
        "utilization",
        "reserve",
        "spare",
    ],
    "Dependency": [
        "product",
        "market",
        "supplied",
        "concern_supplied",
        "concern_share",
        "cap",
        "binding",
        "marginal_cost_per_point",
    ],
    "Unmet": ["product", "market", "demand", "unmet"],
    "Scenarios": ["scenario", "product", "market", "demand", "supplied", "stock_drawn", "unmet", "served_share"],
    "Warnings": ["sheet", "cell", "message"],
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_check_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--check", str(SAMPLE)], capsys)
    assert code == 0, out
    assert "no errors" in out


def test_bad_workbook_exit_2_names_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edit(edit(write(tmp_path, BASE), "Sites", "E2", "many"), "Demand", "C2", -3)
    code, out = run([str(path)], capsys)
    assert code == 2
    assert "Sites!E2" in out and "Demand!C2" in out and "Traceback" not in out


def test_template_written_and_reads_back_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "blank.xlsx"
    code, _ = run(["--template", str(path)], capsys)
    assert code == 0
    net = read_workbook(path, require_records=False)
    assert net.sites == () and net.arcs == () and net.warnings == ()
    wb = load_workbook(path)
    assert {"README", "Settings", "Countries", "Sites", "Stockpiles"} <= set(wb.sheetnames)
    sites = wb["Sites"]
    assert sites.freeze_panes == "A2"
    assert [c.value for c in sites[1]][:4] == ["site", "country", "product", "status"]
    lists = [dv.formula1 for dv in sites.data_validations.dataValidation]
    assert '"existing,candidate"' in lists
    assert '"TRUE,FALSE"' in [dv.formula1 for dv in wb["Countries"].data_validations.dataValidation]
    code, out = run(["--check", str(path)], capsys)
    assert code == 2 and "Sites: the sheet has a header row but no records" in out


def test_full_run_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "res.xlsx"
    before = SAMPLE.read_bytes()
    code, out = run([str(SAMPLE), "--out", str(out_path), "--quiet"], capsys)
    assert code == 0, out
    assert SAMPLE.read_bytes() == before  # the input is never modified
    assert "Status: optimal" in out and "Total yearly cost" in out
    line = next(x for x in out.splitlines() if x.startswith("Time: "))  # where the time went, phase by phase
    phases, total = line.removeprefix("Time: ").split("; total ")
    seconds = {k: float(v.removesuffix(" s")) for k, v in (p.split(" ", 1) for p in phases.split(", "))}
    assert {"read", "build", "solve", "extract", "verify", "write"} <= set(seconds)
    assert sum(seconds.values()) <= float(total.removesuffix(" s")) + 0.01 * len(seconds)  # rounding
    wb = load_workbook(out_path)
    timed = [r for r in wb["Summary"].iter_rows(min_row=2, values_only=True) if str(r[0]).startswith("seconds.")]
    phases = "read check build compile handover solve solve_wall polish polish_highs load extract verify"
    assert [r[0] for r in timed] == [f"seconds.{k}" for k in phases.split()]  # the run's order, each explained
    assert all(isinstance(r[1], float) and r[1] >= 0 and r[2] for r in timed)
    for sheet, cols in RESULT_COLUMNS.items():
        assert sheet in wb.sheetnames, sheet
        header = [c.value for c in wb[sheet][1]]
        assert header[: len(cols)] == cols or set(cols) <= set(header), (sheet, header)
        assert wb[sheet].freeze_panes == "A2"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    for metric in ("status", "objective", "mip_gap", "solve_seconds", "solver", "input_file", "input_sha256", "run_at"):
        assert metric in summary, metric
    assert isinstance(summary["objective"], float)
    assert summary["compiler"] == "model.standard_form"  # the model's own compiler, no fallback
    assert summary["setting.highs.mip_allow_restart"] is False  # the tool's HiGHS setting, recorded
    meaning = {r[0]: r[2] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert "instead of leaving it to HiGHS" in meaning["setting.highs.mip_allow_restart"]
    costs = [r[1] for r in wb["Costs"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, (int, float)) for v in costs)
    assert sum(costs) == pytest.approx(summary["objective"], rel=1e-9)
    for row in wb["Flows"].iter_rows(min_row=2, values_only=True):
        assert isinstance(row[4], (int, float)) and isinstance(row[5], (int, float))
    assert charts(out_path, "Costs") and charts(out_path, "Dependency")


def test_cap_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BASE)
    code, out = run([str(path), "--cap", "0.5", "--out", str(tmp_path / "r.xlsx"), "--quiet"], capsys)
    assert code == 0, out
    assert "Total yearly cost: 880.00" in out


def test_bad_option_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--cap", "50"])
    assert info.value.code == 2
    assert "did you mean 0.5?" in capsys.readouterr().err


def test_highs_options_reach_the_solver_and_the_summary(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "r.xlsx"
    highs = ["--highs", "output_flag=true", "--highs", "mip_allow_restart=on"]
    code = main([str(write(tmp_path, BASE)), *highs, "--out", str(out_path), "--quiet"])
    printed = capfd.readouterr().out
    assert code == 0, printed
    assert "Coefficient ranges:" in printed  # output_flag=true: HiGHS's own log, which the tool keeps off
    summary = dict(r[:2] for r in load_workbook(out_path, read_only=True)["Summary"].iter_rows(values_only=True))
    assert summary["setting.highs.mip_allow_restart"] is True and summary["setting.highs.output_flag"] is True


def test_bad_highs_options_refused_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, words in (
        (
            ["--highs", "mip_alow_restart=true"],
            "HiGHS has no option 'mip_alow_restart' (did you mean mip_allow_restart?)",
        ),
        (["--highs", "time_limit=5"], "use --time-limit instead"),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert words in capsys.readouterr().err


def test_infeasible_explained_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rival cut off; home1 can make only 50 of 80 but at most 10% may go short: 30 short, so the
    target would have to give to 0.375."""
    recs = records(
        Sites=[dict(BASE["Sites"][0], capacity=50), BASE["Sites"][1]],
        Scenarios=[{"scenario": "Strait closed", "weight": 0, "max_shortfall": 0.1}],
        Disruptions=[{"scenario": "Strait closed", "country": "Rival", "capacity_loss": 1}],
    )
    code, out = run([str(write(tmp_path, recs)), "--out", str(tmp_path / "r.xlsx")], capsys)
    assert code == 3, out
    assert "scenario 'Strait closed', chip in Home" in out
    assert "Scenarios!C2" in out and "0.375" in out
    assert not (tmp_path / "r.xlsx").exists()


def test_infeasible_reserve_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """reserve_share 0.5 asks for 40 outside concern countries, home1 can hold at most 30."""
    recs = records(
        Sites=[dict(BASE["Sites"][0], capacity=30), BASE["Sites"][1]],
        Products=[{"product": "chip", "reserve_share": 0.5}],
    )
    code, out = run([str(write(tmp_path, recs))], capsys)
    assert code == 3, out
    assert "chip: reserve_share 0.5 (Products!D2)" in out and "fall to 0.375" in out


def test_feasible_at_limit_is_not_called_optimal() -> None:
    """A knapsack stopped at its first incumbent: 'feasible' with the achieved gap, never optimal."""
    rng = random.Random(1)
    n = 60
    w = [rng.randint(20, 100) for _ in range(n)]
    v = [wi + rng.randint(-5, 5) + 10 for wi in w]
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), within=pyo.Binary)
    m.c = pyo.Constraint(expr=sum(w[i] * m.x[i] for i in range(n)) <= sum(w) // 2)
    m.o = pyo.Objective(expr=-sum(v[i] * m.x[i] for i in range(n)))
    stop_early = (("mip_max_improving_sols", 1), ("presolve", "off"), ("mip_heuristic_effort", 0.0))
    r = solve(m, SolveOptions(mip_gap=0, highs_options=stop_early))
    assert r.status == "feasible" and r.mip_gap > 0
    assert "gap" in r.status_text
    r = solve(m, SolveOptions(mip_gap=0, time_limit=0.0001))
    assert r.status in ("no_solution", "feasible", "optimal")  # machine-dependent, never an error
    assert solve(m, SolveOptions(mip_gap=0)).status == "optimal"


def test_no_solution_in_time_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import orlib
    from model.template import write_input_workbook

    path = tmp_path / "cap131.xlsx"
    write_input_workbook(path, orlib.to_records(orlib.load("cap131")))
    code, out = run([str(path), "--time-limit", "0.001", "--out", str(tmp_path / "r.xlsx")], capsys)
    assert code == 1, out
    assert "No design found" in out and "time limit" in out


INFEASIBLE = records(
    Sites=[dict(BASE["Sites"][0], capacity=50), BASE["Sites"][1]],
    Scenarios=[{"scenario": "Strait closed", "weight": 0, "max_shortfall": 0.1}],
    Disruptions=[{"scenario": "Strait closed", "country": "Rival", "capacity_loss": 1}],
)


def test_run_loads_pyomo_core_only_and_matches_in_process(tmp_path: Path) -> None:
    """The tool imports ``pyomo.core``, not ``pyomo.environ`` (which loads every Pyomo plugin:
    solvers, transformations, writers, about 0.3 s of every start). A full run in a fresh process
    must not load ``pyomo.environ`` (or scipy), and must reach the objective this process reaches,
    where the tests have loaded ``pyomo.environ``; the explanation of an infeasible workbook (the
    elastic model) must work there too."""
    out = tmp_path / "r.xlsx"
    probe = (
        "import sys; from model.cli import main; "
        f"code = main([{str(SAMPLE)!r}, '--out', {str(out)!r}]); "
        f"explained = main([{str(write(tmp_path, INFEASIBLE))!r}, '--out', {str(tmp_path / 'x.xlsx')!r}]); "
        "print('EXIT', code, explained, 'environ' if 'pyomo.environ' in sys.modules else 'core-only', "
        "'scipy' if 'scipy' in sys.modules else 'no-scipy')"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert "EXIT 0 3 core-only no-scipy" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "the target would have to give to 0.375" in proc.stdout
    summary = dict(r[:2] for r in load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True))
    here = solve(build_model(read_workbook(SAMPLE)), SolveOptions(time_limit=120))
    assert summary["compiler"] == "model.standard_form"
    assert summary["objective"] == pytest.approx(here.objective, rel=1e-4)


def test_run_py_exits_with_everything_written_and_printed(tmp_path: Path) -> None:
    """run.py ends the process without the interpreter's teardown (``exit_now``): the results file
    is complete and every line printed reaches a pipe, with the exit status of ``main``."""
    out = tmp_path / "r.xlsx"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--out", str(out), "--sweep-cap", "1,0.5", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Picture: ")  # the last line got through
    assert f"Results: {out}" in proc.stdout
    wb = load_workbook(out, read_only=True)
    assert {"Summary", "Tradeoff"} <= set(wb.sheetnames)
    assert len(list(wb["Tradeoff"].iter_rows(min_row=2, values_only=True))) == 2
    assert "seconds.sweeps" in [r[0] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)]


def test_run_py_holds_the_collector_and_still_explains_infeasibility(tmp_path: Path) -> None:
    """run.py turns the cyclic collector off for its one run (``hold_for_the_process``); the
    explanation of an infeasible workbook, which builds a second model, still works there."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(write(tmp_path, INFEASIBLE)), "--out", str(tmp_path / "x.xlsx")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "the target would have to give to 0.375" in proc.stdout


@pytest.mark.parametrize("second", ["sweep", "explanation"])
def test_an_earlier_model_is_freed_before_another_is_built(
    tmp_path: Path, second: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the collector held (as in run.py), a run's model stays as cyclic garbage; a sweep and
    an infeasibility explanation free it before they build their own."""
    import gc
    import weakref

    from model import diagnose, pipeline
    from model.diagnose import explain_infeasibility
    from model.study import run_study

    freed_at_build: list[bool] = []

    def watched(module: object) -> None:
        build = module.build_model

        def build_model(*args: object, **kwargs: object) -> object:
            freed_at_build.append(gone() is None)
            return build(*args, **kwargs)

        monkeypatch.setattr(module, "build_model", build_model)

    enabled = gc.isenabled()
    gc.disable()
    try:
        earlier = build_model(read_workbook(SAMPLE))
        gone = weakref.ref(earlier)
        del earlier
        assert gone() is not None  # a Pyomo model holds reference cycles: only a collection frees it
        if second == "sweep":
            watched(pipeline)
            run_study(read_workbook(SAMPLE), "dependency_cap", [1.0], SolveOptions(time_limit=60), workers=1)
        else:
            watched(diagnose)
            assert explain_infeasibility(read_workbook(write(tmp_path, INFEASIBLE)))
        assert freed_at_build == [True]
    finally:
        if enabled:
            gc.enable()


def test_subprocess_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("market,product\nUSA,chip\n")
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "CSV" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_locked_output_goes_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target is locked (Excel holds it open): the results go beside it and the run says where."""
    import os

    from model import atomic

    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old results")
    real_replace = os.replace

    def locked_replace(src: str, dst: str) -> None:
        if Path(dst) == target:
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", locked_replace)
    code, out = run([str(write(tmp_path, BASE)), "--out", str(target), "--quiet"], capsys)
    assert code == 0, out
    assert "could not be written" in out
    assert target.read_bytes() == b"old results"
    written = [p for p in tmp_path.glob("r_*.xlsx")]
    assert len(written) == 1 and str(written[0]) in out
    assert not list(tmp_path.glob(".*tmp.xlsx"))  # no temporary file left behind


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stage_line_on_a_terminal_is_replaced_not_kept() -> None:
    from model.cli import Console
    from model.solve import Progress

    term = _Terminal()
    out = Console(term, quiet=False)
    out.stage("reading the workbook")
    out.line("Status: optimal")
    erase = "\r" + " " * 100 + "\r"
    assert term.getvalue() == "\r" + "  reading the workbook...".ljust(100) + erase + "Status: optimal\n"

    term = _Terminal()
    out = Console(term, quiet=False)
    out.stage("handing the model to the solver")
    out.progress(Progress(seconds=3.0, best=10.0, bound=9.0, gap=0.1))
    out.line("done")
    stage = "\r" + "  handing the model to the solver...".ljust(100)
    progress = "\r" + "  solving    3.0 s   best design 10   bound 9   gap 10.00%".ljust(100)
    assert term.getvalue() == stage + progress + "\n" + "done\n"  # the progress line replaced it, and stays

    for quiet, stream in ((True, _Terminal()), (False, io.StringIO())):  # --quiet, or a log file
        Console(stream, quiet=quiet).stage("building the model")
        assert stream.getvalue() == ""


def test_run_on_a_terminal_shows_each_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert main([str(write(tmp_path, BASE)), "--out", str(tmp_path / "r.xlsx")]) == 0
    text = term.getvalue()
    stages = [
        "reading the workbook...",
        "building the model (",
        "handing the model to the solver...",
        "reading the results...",
        "checking the results...",
        "writing the results workbook...",
    ]
    where = [text.index(s) for s in stages]
    assert where == sorted(where)
    assert text.index("Results: ") > where[-1]
