"""The command line of docs/contract/run.md: exit codes, messages, the results workbook."""

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
from tests.helpers import BASE, COMPILER, ROOT, SAMPLE, edit, needs_fast_compiler, records, write
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
    assert '"existing,candidate,closable"' in lists  # v2: closable sites
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
        assert [h for h in header if h in cols] == cols, (sheet, header)  # every contract column, in its order
        assert wb[sheet].freeze_panes == "A2"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    for metric in ("status", "objective", "mip_gap", "solve_seconds", "solver", "input_file", "input_sha256", "run_at"):
        assert metric in summary, metric
    assert isinstance(summary["objective"], float)
    assert summary["compiler"].startswith(COMPILER)  # the model's own compiler, no fallback (on a tested Pyomo)
    assert summary["setting.highs.mip_allow_restart"] is False  # the tool's HiGHS setting, recorded
    meaning = {r[0]: r[2] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert "instead of leaving it to HiGHS" in meaning["setting.highs.mip_allow_restart"]
    costs = [r[1] for r in wb["Costs"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, (int, float)) for v in costs)
    assert sum(costs) == pytest.approx(summary["objective"], rel=1e-9)
    flows_header = [c.value for c in wb["Flows"][1]]
    q, dc = flows_header.index("quantity"), flows_header.index("delivered_unit_cost")
    for row in wb["Flows"].iter_rows(min_row=2, values_only=True):
        assert isinstance(row[q], (int, float)) and isinstance(row[dc], (int, float))
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
    workbook = str(write(tmp_path, BASE))
    assert main([workbook, "--out", str(tmp_path / "own.xlsx"), "--quiet"]) == 0
    own = capfd.readouterr().out  # the tool's own lines only (tests/test_console.py)
    highs = ["--highs", "output_flag=true", "--highs", "mip_allow_restart=on"]
    code = main([workbook, *highs, "--out", str(out_path), "--quiet"])
    printed = capfd.readouterr().out
    assert code == 0, printed
    assert len(printed.splitlines()) > len(own.splitlines())  # output_flag=true: HiGHS's own log as well
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
    assert "chip: reserve_share 0.5 (Products!E2)" in out and "fall to 0.375" in out


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


@pytest.mark.slow
@needs_fast_compiler  # Pyomo's own compiler imports scipy
def test_run_loads_pyomo_core_only_and_matches_in_process(tmp_path: Path, solved_sample) -> None:
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
    assert summary["compiler"] == "model.standard_form"
    assert summary["objective"] == pytest.approx(solved_sample.objective, rel=1e-4)


@pytest.mark.slow
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
        assert freed_at_build and all(freed_at_build)  # the explanation may build a second model
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
    wb = write(tmp_path, BASE)
    assert run([str(wb), "--out", str(target), "--quiet"], capsys)[0] == 0  # last week's results
    old_results = target.read_bytes()
    real_replace = os.replace

    def locked_replace(src: str, dst: str) -> None:
        if Path(dst) == target:
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", locked_replace)
    code, out = run([str(wb), "--out", str(target), "--quiet"], capsys)
    assert code == 0, out
    assert "could not be written" in out
    assert target.read_bytes() == old_results
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


# ---- never destroy what the user made --------------------------------------------


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_out_equal_to_the_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming the input workbook, directly, through '..', a symbolic link or a hard link, is
    refused with exit 2 before anything is solved, even with --force; the input is unchanged."""
    import os

    wb = write(tmp_path, BASE)
    before = _digest(wb)
    (tmp_path / "sub").mkdir()
    os.symlink(wb, tmp_path / "link.xlsx")
    os.link(wb, tmp_path / "hard.xlsx")
    for out in (wb, tmp_path / "sub" / ".." / "wb.xlsx", tmp_path / "link.xlsx", tmp_path / "hard.xlsx"):
        for extra in ([], ["--force"]):
            code, text = run([str(wb), "--out", str(out), "--quiet", *extra], capsys)
            assert code == 2, text
            assert "is the input workbook" in text and "never overwritten" in text and "Status:" not in text
            assert _digest(wb) == before
    code, text = run(["--compare", str(wb), str(wb), "--out", str(wb)], capsys)
    assert code == 2 and "is the input workbook" in text and _digest(wb) == before


def test_out_over_a_workbook_that_is_not_results_needs_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out pointing at someone's workbook (here another input workbook) is refused, exit 2, the
    file unchanged; --force replaces it; an earlier results workbook is replaced without asking."""
    wb = write(tmp_path, BASE)
    other = write(tmp_path, records(Demand=[{"market": "Home", "product": "chip", "demand": 5}]), "mywork.xlsx")
    before = _digest(other)
    code, text = run([str(wb), "--out", str(other), "--quiet"], capsys)
    assert code == 2, text
    assert "already exists and is not a results workbook of this tool" in text and "--force" in text
    assert _digest(other) == before
    code, text = run([str(wb), "--out", str(other), "--quiet", "--force"], capsys)
    assert code == 0, text
    assert "Summary" in load_workbook(other, read_only=True).sheetnames
    code, text = run([str(wb), "--out", str(other), "--quiet"], capsys)  # now results of this tool
    assert code == 0, text


def test_template_never_replaces_a_file_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--template over a filled-in workbook: refused, exit 2, the workbook unchanged; --force replaces it."""
    mywork = write(tmp_path, BASE, "mywork.xlsx")
    before = _digest(mywork)
    code, text = run(["--template", str(mywork)], capsys)
    assert code == 2 and "already exists" in text and "--force" in text, text
    assert _digest(mywork) == before and read_workbook(mywork).sites == ("home1", "rival1")
    code, text = run(["--template", str(mywork), "--force"], capsys)
    assert code == 0, text
    assert read_workbook(mywork, require_records=False).sites == ()


@pytest.mark.parametrize("umask", [0o022, 0o007])
def test_written_files_get_normal_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: int) -> None:
    """Results, template and PNG get 0o666 minus the umask (0o644 under 022), as a normally saved
    file does, not the temporary file's 0600; a replaced file keeps its own permissions."""
    import os
    import stat

    import pandas as pd

    from model.charts import frontier_png

    old = os.umask(umask)
    try:
        results, template = tmp_path / "r.xlsx", tmp_path / "blank.xlsx"
        assert run([str(write(tmp_path, BASE)), "--out", str(results), "--quiet"], capsys)[0] == 0
        assert run(["--template", str(template)], capsys)[0] == 0
        table = pd.DataFrame({"cap": [1.0, 0.5], "objective": [10.0, 12.0], "design_change": ["", "built x"]})
        png = frontier_png(table, "cap", "USD", tmp_path / "f.png")
        for path in (results, template, png):
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
        os.chmod(results, 0o640)
        assert run([str(write(tmp_path, BASE)), "--out", str(results), "--quiet"], capsys)[0] == 0
        assert stat.S_IMODE(results.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_default_outputs_under_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from the user's folder, the results go to its outputs/ (not the tool's), and the run
    prints their full path."""
    wb = write(tmp_path, BASE, "plan.xlsx")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, text = run([str(wb), "--quiet"], capsys)
    assert code == 0, text
    expected = work / "outputs" / "plan_results.xlsx"
    assert expected.exists() and f"Results: {expected}\n" in text
    assert not (ROOT / "outputs" / "plan_results.xlsx").exists()
    code, text = run(["--template", "blank.xlsx"], capsys)
    assert code == 0 and f"written to {work / 'blank.xlsx'}\n" in text


def test_cap_as_percent_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cap 50% is 0.5, as a workbook cell formatted 50% is; 50 alone is refused with both hints."""
    code, out = run([str(write(tmp_path, BASE)), "--cap", "50%", "--out", str(tmp_path / "r.xlsx"), "--quiet"], capsys)
    assert code == 0, out
    assert "Total yearly cost: 880.00" in out  # as test_cap_override's --cap 0.5
    from model.cli import parser

    args = parser().parse_args(["--sweep-cap", "100%,40 %,0.2", "--mip-gap", "1%"])
    assert args.sweep_cap == [1.0, 0.4, 0.2] and args.mip_gap == 0.01
    for bad, words in (
        ("50", "did you mean 0.5? or write 50%"),
        ("150%", "150% is not a share"),
        ("x%", "(0.3, or 30%)"),
    ):
        with pytest.raises(SystemExit) as info:
            main(["--cap", bad])
        assert info.value.code == 2
        assert words in capsys.readouterr().err, bad


def test_time_line_names_each_step_once_in_the_order_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a sweep, the Time line said 'sweeps' twice (a phase of the run and a step after it):
    now every step once, in the order the run takes them (the sweep before the write, the write
    before the report)."""
    from model.cli import time_line

    line = time_line({"read": 1.0, "sweeps": 2.0, "write": 3.0, "report": 4.0, "stress": 5.0, "total": 15.0})
    assert line == "Time: read 1.00 s, stress 5.00 s, sweeps 2.00 s, write 3.00 s, report 4.00 s; total 15.00 s"
    code, out = run([str(write(tmp_path, BASE)), "--out", str(tmp_path / "r.xlsx"), "--sweep-cap", "1,0.5"], capsys)
    assert code == 0, out
    steps = [
        p.split(" ")[0]
        for p in next(x for x in out.splitlines() if x.startswith("Time: ")).removeprefix("Time: ").split(", ")
    ]
    assert len(steps) == len(set(steps)), steps
    assert steps.index("verify") < steps.index("sweeps") < steps.index("write") < steps.index("report"), steps
