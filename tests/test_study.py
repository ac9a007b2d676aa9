"""Tradeoff studies (sweeps), their pictures, Dask, and comparing two runs."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from openpyxl import load_workbook

from model.cli import main
from model.solve import SolveOptions
from model.study import run_study
from model.workbook import read_workbook
from tests.helpers import BASE, SAMPLE, records, solve_network, write
from tests.xlsx_charts import charts, series_refs

CAPS = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]
OPTS = SolveOptions(mip_gap=0.0)


@pytest.fixture(scope="module")
def sample():
    return read_workbook(SAMPLE)


@pytest.fixture(scope="module")
def cap_sweep(sample):
    return run_study(sample, "dependency_cap", CAPS, OPTS, workers=2)


def test_cost_never_falls_as_cap_tightens(cap_sweep) -> None:
    obj = cap_sweep["objective"].tolist()
    assert cap_sweep["cap"].tolist() == sorted(CAPS, reverse=True)
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(obj))
    assert cap_sweep["cost_increase_pct"].iloc[0] == 0
    assert (cap_sweep["status"] == "optimal").all()


def test_sweep_point_equals_single_run(sample, cap_sweep) -> None:
    for cap in (0.6, 0.3):
        single = solve_network(sample.with_dependency_cap(cap))
        row = cap_sweep[cap_sweep["cap"] == cap].iloc[0]
        assert row["objective"] == pytest.approx(single.objective, rel=1e-9)


def test_price_matches_lp_marginal_where_design_stays(tmp_path: Path) -> None:
    """Micro network (tests/test_micro.py): cost 80c*7 + 80(1-c)*10 + 200 for c < 1 with home1 built,
    so between caps 0.5 and 0.4 the price is 2.4 per point, and the LP marginal is 2.4 at both."""
    net = read_workbook(write(tmp_path, records()))
    table = run_study(net, "dependency_cap", [0.5, 0.4, 0.3], OPTS, workers=1)
    assert table["design_change"].tolist()[1:] == ["", ""]
    assert table["price_per_point"].iloc[1] == pytest.approx(2.4)
    assert table["marginal_cost_per_point"].tolist() == pytest.approx([2.4, 2.4, 2.4])


def test_resilience_sweep(sample) -> None:
    table = run_study(sample, "max_shortfall", [0.5, 0.3, 0.2], OPTS, workers=2)
    obj = table["objective"].tolist()
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(obj))
    assert (table["worst_served_share"] >= 1 - table["max_shortfall"] - 1e-6).all()


def test_cli_sweep_writes_sheet_chart_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.xlsx"
    code = main([str(write(tmp_path, BASE)), "--out", str(out), "--sweep-cap", "0.9,0.5,0.2", "--quiet"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "Tradeoff (dependency cap)" in text
    wb = load_workbook(out)
    ws = wb["Tradeoff"]
    header = [c.value for c in ws[1]]
    for col in (
        "cap",
        "status",
        "objective",
        "cost_increase_pct",
        "concern_share",
        "expected_shortfall",
        "worst_served_share",
        "mip_gap",
    ):
        assert col in header, col
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [0.9, 0.5, 0.2]
    refs = list(series_refs(charts(out, "Tradeoff")[0])[0])
    assert all(r.startswith("'Tradeoff'!") for r in refs), refs
    png = tmp_path / "r_tradeoff.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_study_sheet_sets_up_a_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = records(Study=[{"parameter": "dependency_cap", "value": v} for v in (0.7, 0.4)])
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, recs)), "--out", str(out), "--quiet"]) == 0
    assert [r[0] for r in load_workbook(out)["Tradeoff"].iter_rows(min_row=2, values_only=True)] == [0.7, 0.4]


def test_dask_local_cluster_gives_the_same_table(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    net = read_workbook(write(tmp_path, records()))
    local = run_study(net, "dependency_cap", [0.6, 0.4], OPTS, workers=1)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = run_study(net, "dependency_cap", [0.6, 0.4], OPTS, dask_address=client)
    cols = ["cap", "status", "objective", "concern_share", "built"]
    assert remote[cols].equals(local[cols])


def test_compare_two_runs_names_the_differences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, cmp_path = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "cmp.xlsx"
    assert main([str(SAMPLE), "--out", str(a), "--quiet"]) == 0
    assert main([str(SAMPLE), "--out", str(b), "--cap", "0.3", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["--compare", str(a), str(b), "--out", str(cmp_path)]) == 0
    text = capsys.readouterr().out
    assert "total yearly cost" in text and "Lynas Texas: built in B" in text
    assert "(cap 30%)" in text
    wb = load_workbook(cmp_path)
    sites = wb["Sites"]
    header = [c.value for c in sites[1]]
    lynas = next(r for r in sites.iter_rows(min_row=2) if r[0].value == "Lynas Texas")
    assert lynas[header.index("changed")].value is True
    assert lynas[header.index("built_B")].fill.fgColor.rgb.endswith("FFF2A8")


def test_compare_refuses_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--compare", str(SAMPLE), str(SAMPLE), "--out", str(tmp_path / "c.xlsx")]) == 2
    assert "is not a results workbook" in capsys.readouterr().out
