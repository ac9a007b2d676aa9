"""The results writer (XlsxWriter): cell types, number formats, blanks, frozen headers, charts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from bench import io as bench_io
from model.report import QTY, SHARE, write_results
from model.results import summary_meaning
from model.workbook import read_workbook
from tests.helpers import SAMPLE, solve_network
from tests.xlsx_charts import charts


def test_cells_keep_their_types_and_formats(tmp_path: Path) -> None:
    costs = pd.DataFrame({"component": ["production", "freight"], "value": [1234.5, 0.25]})
    sites = pd.DataFrame(
        {
            "site": ["A", "B", "C"],
            "built": [True, False, True],
            "modules_added": np.array([0, 2, 1], dtype=np.int64),
            "production": [10.5, float("nan"), 3.0],
            "utilization": [0.5, 0.0, math.inf],
        }
    )
    path = write_results(tmp_path / "r.xlsx", {"Costs": costs, "Sites": sites}, ["a warning"], currency="EUR")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Costs", "Sites", "Warnings"]
    ws = wb["Sites"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == list(sites.columns)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("A", True, 0, 10.5, 0.5)
    assert rows[1][1] is False and rows[1][3] is None  # NaN is a blank cell, not text
    assert rows[2][4] is None  # so is infinity
    assert ws["C3"].number_format == "#,##0"  # integer column: a count
    assert ws["D2"].number_format == QTY
    assert ws["E2"].number_format == SHARE
    assert wb["Costs"]["B2"].number_format == "#,##0.00" and wb["Costs"]["B2"].value == 1234.5
    assert charts(path, "Costs") and not charts(path, "Sites")  # the cost breakdown chart, only there
    assert [c.value for c in wb["Warnings"][2]] == [None, None, "a warning"]


def test_a_large_table_is_written_whole(tmp_path: Path) -> None:
    df = bench_io.flows_table(3000)
    path = write_results(tmp_path / "big.xlsx", {"Flows": df})
    ws = load_workbook(path, read_only=True)["Flows"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3000
    assert rows[-1][0] == df["site"].iloc[-1] and rows[-1][3] == df["flow"].iloc[-1]
    bench_io.openpyxl_write_only(tmp_path / "o.xlsx", df)  # the comparison writer of bench/io.py works too
    assert load_workbook(tmp_path / "o.xlsx")["Flows"].max_row == 3001


def test_every_summary_row_says_what_it_means() -> None:
    res = solve_network(read_workbook(SAMPLE))
    summary = res["Summary"]
    assert list(summary.columns) == ["metric", "value", "meaning"]
    unexplained = summary.loc[summary["meaning"] == "", "metric"].tolist()
    assert not unexplained, unexplained
    assert summary_meaning("seconds.polish_highs") != summary_meaning("seconds.polish")
