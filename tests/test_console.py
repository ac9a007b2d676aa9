"""Nothing the tool does not say itself reaches the console unless asked for: HiGHS 1.16 prints a
banner ("Running HiGHS 1.16.0 ...") on standard output when a process makes its first ``Highs``
object; the tool keeps it off (``model.solve.new_highs``).

The banner comes once per process, from HiGHS's C++ code writing to file descriptor 1, so each
test runs a fresh Python process that inherits this process's descriptors, and reads them with
pytest's ``capfd``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BASE, ROOT, write


def test_a_solve_from_python_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Build, solve, extract in a fresh process: not one character on standard output."""
    workbook = write(tmp_path, BASE)
    probe = (
        "from model.build import build_model; from model.results import extract; "
        "from model.solve import solve, solver_name; from model.workbook import read_workbook; "
        f"net = read_workbook({str(workbook)!r}); m = build_model(net); r = solve(m); "
        "assert extract(m, net, r).objective > 0; solver_name()"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, timeout=120)
    captured = capfd.readouterr()
    assert proc.returncode == 0, captured.err[-2000:]
    assert captured.out == ""


@pytest.mark.parametrize("quiet", [["--quiet"], []])
def test_the_command_line_shows_no_highs_banner(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], quiet: list[str]
) -> None:
    """run.py on a workbook: the console shows the tool's lines only, with or without --quiet."""
    workbook = write(tmp_path, BASE)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(workbook), "--out", str(tmp_path / "r.xlsx"), *quiet],
        cwd=ROOT,
        timeout=120,
    )
    captured = capfd.readouterr()
    assert proc.returncode == 0, captured.out[-2000:] + captured.err[-2000:]
    assert "HiGHS" not in captured.out and "Copyright" not in captured.out, captured.out
    assert "HiGHS" not in captured.err, captured.err
    assert captured.out.startswith("Status: optimal")  # the tool's own first line comes first
