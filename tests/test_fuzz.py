"""Property-based fuzzing: random corruptions of real workbooks never crash the program.

Every corrupted workbook ends in exit 0 (still valid) or 2 (errors), never a traceback or
another code, and every error line names a sheet (and a cell where there is one).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from model import schema
from model.cli import main
from tests.helpers import BASE, SAMPLE, write

JUNK = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30),
    st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "nan", "inf", "-inf", "1e400", "12,5", "25%", " "]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e-308, 5e-324, 1e15, 1e16, -1, 0, 2, 100, 0.5]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.just(None),
    st.just("x" * 5000),
    st.just(dt.datetime(2024, 1, 1)),
)

ERROR_LINE = re.compile(r"^  (\S[^!:]*)(![A-Z]*\d+(:\d+)?)?: ")


def _corrupt_cells(path: Path, edits: list[tuple[int, int, int, Any]]) -> None:
    wb = load_workbook(path)
    names = [n for n in wb.sheetnames if n != "README"]
    for sheet_i, row_i, col_i, value in edits:
        ws = wb[names[sheet_i % len(names)]]
        row = 1 + row_i % max(ws.max_row, 1) if row_i % 7 else 1  # sometimes the header row
        col = 1 + col_i % max(ws.max_column, 1)
        ws.cell(row=row, column=col, value=value)
    wb.save(path)


def _structural(path: Path, action: str, k: int) -> None:
    wb = load_workbook(path)
    names = [n for n in wb.sheetnames if n != "README"]
    ws = wb[names[k % len(names)]]
    if action == "delete_sheet":
        del wb[ws.title]
    elif action == "rename_sheet":
        ws.title = ws.title.lower() + " "
    elif action == "delete_column":
        ws.delete_cols(1 + k % max(ws.max_column, 1))
    elif action == "duplicate_row" and ws.max_row >= 2:
        ws.append([c.value for c in ws[2]])
    elif action == "blank_header":
        ws.cell(row=1, column=1 + k % max(ws.max_column, 1), value=None)
    wb.save(path)


def _error_lines(text: str) -> list[str]:
    """The lines listed under "N error(s):" (up to the warnings or the end)."""
    out, inside = [], False
    for ln in text.splitlines():
        if re.match(r"^\d+ errors?:$", ln):
            inside = True
        elif re.match(r"^\d+ warnings?:$", ln):
            inside = False
        elif inside and ln.startswith("  "):
            out.append(ln)
    return out


def _check_output(code: int, text: str) -> None:
    assert code in (0, 2), text
    assert "Traceback" not in text
    if code == 2:
        lines = _error_lines(text)
        assert lines, text
        sheets = {s.name for s in schema.SHEETS} | {"wb.xlsx", "sample.xlsx"}
        for ln in lines:
            m = ERROR_LINE.match(ln)
            # a misnamed sheet is reported at its own tab ('lanes' for Lanes), naming itself
            misnamed = bool(m) and f"sheet '{m.group(1)}' is not recognised" in ln
            assert m and (m.group(1) in sheets or misnamed), ln


FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 400), st.integers(0, 12), JUNK), min_size=1, max_size=4)
)
@pytest.mark.slow
def test_corrupted_cells_whole_run(edits: list[tuple[int, int, int, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    """The small network, corrupted and then run in full (read, check, solve, write)."""
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d), BASE)
        _corrupt_cells(path, edits)
        code = main([str(path), "--out", str(Path(d) / "r.xlsx"), "--quiet"])
        _check_output(code, capsys.readouterr().out)


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 400), st.integers(0, 12), JUNK), min_size=1, max_size=6)
)
@pytest.mark.slow
def test_corrupted_cells_sample_check(
    edits: list[tuple[int, int, int, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "sample.xlsx"
        shutil.copy(SAMPLE, path)
        _corrupt_cells(path, edits)
        code = main([str(path), "--check"])
        _check_output(code, capsys.readouterr().out)


@FUZZ
@given(
    action=st.sampled_from(["delete_sheet", "rename_sheet", "delete_column", "duplicate_row", "blank_header"]),
    k=st.integers(0, 50),
)
@pytest.mark.slow
def test_structural_damage(action: str, k: int, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d), BASE)
        _structural(path, action, k)
        code = main([str(path), "--out", str(Path(d) / "r.xlsx"), "--quiet"])
        _check_output(code, capsys.readouterr().out)


@settings(max_examples=30, deadline=None)
@given(cut=st.floats(0.0, 0.999), flip=st.integers(0, 10**6))
def test_damaged_bytes_one_line(cut: float, flip: int) -> None:
    """Truncated or bit-flipped files: one plain error line, exit 2."""
    import io
    from contextlib import redirect_stdout

    data = bytearray(write(Path(tempfile.mkdtemp()), BASE).read_bytes())
    if flip % 2:
        data = data[: int(len(data) * cut)]
    else:
        i = flip % len(data)
        data[i] ^= 0xFF
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "wb.xlsx"
        path.write_bytes(bytes(data))
        buf = io.StringIO()
        with redirect_stdout(buf):
            code = main([str(path), "--check"])
        text = buf.getvalue()
        assert code in (0, 2), text
        assert "Traceback" not in text
