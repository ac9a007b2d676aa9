"""Tradeoff studies (sweeps), their pictures, Dask, and comparing two runs."""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from model.cli import main
from model.report import write_results
from model.solve import SolveOptions
from model.study import run_study
from model.workbook import read_workbook
from tests.helpers import BASE, SAMPLE, records, solve_network, write
from tests.xlsx_charts import charts, data_points, series, series_refs

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
    from model.tables import column_problems

    assert column_problems({"Tradeoff": cap_sweep}) == []  # its columns are the declared ones


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


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    net = read_workbook(write(tmp_path, records()))
    local = run_study(net, "dependency_cap", [0.6, 0.4], OPTS, workers=1)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = run_study(net, "dependency_cap", [0.6, 0.4], OPTS, dask_address=client)
    cols = ["cap", "status", "objective", "concern_share", "built"]
    assert remote[cols].equals(local[cols])


@pytest.mark.slow
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


# ---- studies that say what they bought ------------------------------------------------

SHORT_HOME = [  # home1 can make only 50 of the 80 demanded: a tight cap leaves demand unserved
    {"site": "home1", "country": "Home", "product": "chip", "status": "candidate", "capacity": 50, "unit_cost": 10,
     "fixed_cost": 200},
    {"site": "rival1", "country": "Rival", "product": "chip", "status": "existing", "capacity": 100, "unit_cost": 5},
]  # fmt: skip


def short_home(tmp_path: Path) -> Path:
    return write(tmp_path, records(Sites=SHORT_HOME, Settings=[{"setting": "unmet_penalty", "value": 12}]))


def test_tradeoff_shows_unmet_demand_and_the_cost_split(tmp_path: Path) -> None:
    """Demand 80 in Home; rival1 delivers at 5 x 1.2 + 1 = 7, home1 (50, fixed 200) at 10; penalty 12.
    cap 1: all from rival1, 560. cap 0.5: build home1, 40 + 40: 200 + 400 + 280 = 880, all served.
    cap 0.2: rival <= 0.25 home; with home1 full, 200 + 500 + 12.5 x 7 + 17.5 x 12 (unserved) = 997.5;
    without it nothing may come from rival1 and all 80 go unserved: 80 x 12 = 960, the optimum, a
    cap met wholly by leaving the market unserved."""
    net = read_workbook(short_home(tmp_path))
    table = run_study(net, "dependency_cap", [1.0, 0.5, 0.2], OPTS, workers=1)
    assert table["objective"].tolist() == pytest.approx([560, 880, 960])
    assert table["unmet.chip (k)"].tolist() == pytest.approx([0, 0, 80])
    assert table["unmet_penalty"].tolist() == pytest.approx([0, 0, 960])
    assert table["unmet_markets"].tolist() == [0, 0, 1]
    assert table["normal_year_cost"].tolist() == pytest.approx([560, 880, 960])  # no scenarios
    assert table["expected_disruption_cost"].tolist() == pytest.approx([0, 0, 0])
    assert table["met_by_unserved_demand"].tolist() == [False, False, True]
    assert table["unserved"].tolist() == ["", "", "chip: Home 80 k"]


def test_concern_share_counts_only_the_markets_the_swept_cap_caps(tmp_path: Path) -> None:
    """Rival, the concern country, also buys 50 chips, all from its own rival1 (capacity 200, unit
    cost 5, no freight or tariff at home): a concern share of 1 in a market a Caps row leaves
    uncapped (cap 1). Home's 80 take the swept default cap. cap 1: Home from rival1 at 7, 560 + 250
    = 810, Home's share 1. cap 0.5: Home 40 + 40 with home1 built, 880 + 250 = 1130, and
    concern_share is Home's 0.5, not Rival's uncapped 1 (the largest over all markets, which read
    1 at every point). concern_share.chip is over all supply: 130/130, then 90/130. With a Caps row
    for Home too, no pair takes the swept cap: concern_share is blank."""
    sites = [dict(BASE["Sites"][0]), dict(BASE["Sites"][1], capacity=200)]
    demand = [*BASE["Demand"], {"market": "Rival", "product": "chip", "demand": 50}]
    recs = records(Sites=sites, Demand=demand, Caps=[{"market": "Rival", "cap": 1}])
    net = read_workbook(write(tmp_path, recs))
    table = run_study(net, "dependency_cap", [1.0, 0.5], OPTS, workers=1)
    assert table["objective"].tolist() == pytest.approx([810, 1130])
    assert table["concern_share"].tolist() == pytest.approx([1.0, 0.5])
    assert table["concern_share.chip"].tolist() == pytest.approx([1.0, 90 / 130])
    dep = solve_network(net.with_dependency_cap(0.5))["Dependency"].set_index("market")
    assert dep.loc["Rival", "concern_share"] == pytest.approx(1.0) and dep.loc["Rival", "cap"] == 1.0
    caps = [{"market": "Rival", "cap": 1}, {"market": "Home", "cap": 0.5}]
    every = read_workbook(write(tmp_path, records(Sites=sites, Demand=demand, Caps=caps), "b.xlsx"))
    assert pd.isna(run_study(every, "dependency_cap", [0.3], OPTS, workers=1)["concern_share"].iloc[0])


def test_cost_split_adds_up_with_scenarios(sample) -> None:
    table = run_study(sample, "dependency_cap", [1.0, 0.5], OPTS, workers=1)
    total = table["normal_year_cost"] + table["expected_disruption_cost"]
    assert total.tolist() == pytest.approx(table["objective"].tolist(), rel=1e-9)
    assert (table["expected_disruption_cost"] > 0).all()
    # the penalty part may exceed the whole: demand left unserved in a crisis is not made either
    assert (table["expected_disruption_penalty"] > 0).all()  # the Taiwan blockade leaves wafers unserved


def test_unserved_points_are_flagged_on_console_chart_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.xlsx"
    code = main([str(short_home(tmp_path)), "--out", str(out), "--sweep-cap", "1,0.5,0.2", "--quiet"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "<< met by leaving demand unserved: chip: Home 80 k" in text
    assert "normal year 960.00 (of which unmet demand 960.00)\n" in text  # no scenarios: nothing to add
    assert "normal year 560.00" not in text  # the objective itself, not repeated
    ws = load_workbook(out)["Tradeoff"]
    header = [c.value for c in ws[1]]
    flags = [r[header.index("met_by_unserved_demand")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert flags == [False, False, True]
    assert ws.cell(4, header.index("unserved") + 1).fill.fgColor.rgb.endswith("F8CBAD")  # marked in the sheet
    chart = charts(out, "Tradeoff")[0]
    assert data_points(series(chart)[0]) == [2]  # the third point drawn apart
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/"))
    labels = re.findall(r"<c:dLbl><c:idx val=\"(\d+)\"/>(.*?)</c:dLbl>", xml)
    assert [i for i, body in labels if "unserved demand" in body] == ["2"]  # only that point is labelled
    assert (tmp_path / "r_tradeoff.png").exists()


def test_frontier_picture_marks_unserved_and_infeasible_points() -> None:
    from model.charts import NO_DESIGN_LABEL, UNSERVED_LABEL, frontier_figure

    table = pd.DataFrame(
        {
            "cap": [1.0, 0.5, 0.2, 0.1],
            "status": ["optimal", "optimal", "optimal", "infeasible"],
            "objective": [560.0, 880.0, 960.0, None],
            "met_by_unserved_demand": [False, False, True, None],
            "design_change": ["", "+home1", "", ""],
        }
    )
    fig = frontier_figure(table, "cap", "USD")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(UNSERVED_LABEL in t for t in legend) and any(NO_DESIGN_LABEL in t for t in legend)
    offsets = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert (20.0, 960.0) in offsets  # the red square on the unserved point
    assert any(x == 10.0 for x, _ in offsets)  # the cross at the infeasible cap
    assert "infeasible" in [t.get_text() for t in ax.texts]


@pytest.mark.slow
def test_infeasible_point_is_explained_in_the_sheet_and_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rival capacity is lost in 'War'; home1 (50) alone faces demand 80, so at least 30 (37.5%)
    goes unserved in any design: a target of 20% is infeasible and would have to give to 0.375."""
    recs = records(
        Sites=SHORT_HOME,
        Scenarios=[{"scenario": "War", "weight": 0.1, "max_shortfall": 0.5}],
        Disruptions=[{"scenario": "War", "country": "Rival", "capacity_loss": 1.0}],
    )
    net = read_workbook(write(tmp_path, recs))
    table = run_study(net, "max_shortfall", [0.5, 0.2], OPTS, workers=1)
    assert table["status"].tolist() == ["optimal", "infeasible"]
    why = table["explanation"].iloc[1]
    assert "scenario 'War', chip in Home" in why and "give to 0.375" in why
    assert "max_shortfall 0.2 (this point of the sweep)" in why and "Scenarios!C2" not in why  # C2 holds 0.5
    assert table["explanation"].iloc[0] == ""
    out = tmp_path / "r.xlsx"
    assert main([str(write(tmp_path, recs)), "--out", str(out), "--sweep-shortfall", "0.5,0.2", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "target  20.0%: infeasible: scenario 'War'" in text
    ws = load_workbook(out)["TradeoffResilience"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert "give to 0.375" in rows[1][header.index("explanation")]
    assert ws.cell(3, header.index("status") + 1).fill.fgColor.rgb.endswith("D9D9D9")  # marked in the sheet


# ---- --compare on hand-made results workbooks ---------------------------------------------------


def _results(
    tmp_path: Path,
    name: str,
    sites: list[tuple],
    flows: list[tuple],
    unmet: list[tuple] = (),
    costs: dict[str, float] | None = None,
) -> Path:
    """A results workbook written by the tool's writer from hand-made tables.
    sites: (site, status, built, modules, capacity, production); flows: (site, product, market,
    quantity, total_cost, concern); unmet: (product, market, demand, unmet)."""
    costs = costs or {"production": 100.0}
    site_df = pd.DataFrame(
        [
            {"site": s, "country": "Rival" if s.startswith("rival") else "Home", "product": "magnet", "status": st,
             "built": b, "modules_added": m, "capacity": c, "production": q, "reserve": 0.0}
            for s, st, b, m, c, q in sites
        ]
    )  # fmt: skip
    flow_df = pd.DataFrame(
        [
            {"site": s, "product": p, "market": mk, "quantity": q, "total_cost": k, "origin": "Rival" if r else "Home"}
            for s, p, mk, q, k, r in flows
        ]
    )
    dep = []
    for (p, mk), d in flow_df.groupby(["product", "market"]):
        con = float(d[d["origin"] == "Rival"]["quantity"].sum())
        sup = float(d["quantity"].sum())
        dep.append({"product": p, "market": mk, "supplied": sup, "concern_share": con / sup, "cap": 1.0,
                    "binding": False, "marginal_cost_per_point": 0.0, "scope": "each"})  # fmt: skip
    tables = {
        "Summary": pd.DataFrame({"metric": ["objective"], "value": [sum(costs.values())], "meaning": [""]}),
        "Costs": pd.DataFrame({"component": list(costs), "value": list(costs.values())}),
        "Flows": flow_df,
        "Sites": site_df,
        "Dependency": pd.DataFrame(dep),
        "Unmet": pd.DataFrame(unmet, columns=["product", "market", "demand", "unmet"]),
    }
    return write_results(tmp_path / f"{name}.xlsx", tables)


def test_compare_reports_new_and_removed_sites_and_new_unmet_demand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """B builds a site A's workbook never had (8,000 t), drops one A had, and leaves Korea short."""
    a = _results(
        tmp_path,
        "a",
        [("home1", "existing", True, 0, 10000.0, 9000.0), ("old1", "existing", True, 0, 500.0, 500.0)],
        [("home1", "magnet", "Home", 9000.0, 900.0, False), ("old1", "magnet", "Korea", 500.0, 50.0, False)],
    )
    b = _results(
        tmp_path,
        "b",
        [("home1", "existing", True, 0, 10000.0, 1000.0), ("new1", "candidate", True, 1, 9000.0, 8000.0)],
        [("home1", "magnet", "Home", 1000.0, 100.0, False), ("new1", "magnet", "Home", 8000.0, 720.0, False)],
        unmet=[("magnet", "Korea", 500.0, 500.0)],
        costs={"production": 820.0, "unmet-demand penalty (baseline)": 200.0},
    )
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "c.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "new1: new site in B (candidate, built, capacity 9,000, production 8,000)" in text
    assert "old1: removed in B (in A: built, capacity 500, production 500)" in text
    assert "home1: production 9,000 -> 1,000" in text
    assert "magnet in Korea: new unmet demand 0 -> 500 of 500" in text
    assert "unmet-demand penalty (baseline): 0.00 -> 200.00" in text
    wb = load_workbook(tmp_path / "c.xlsx")
    rows = list(wb["Sites"].iter_rows(values_only=True))
    header = list(rows[0])
    new1 = next(r for r in rows if r[0] == "new1")
    assert new1[header.index("present")] == "only in B" and new1[header.index("changed")] is True
    unmet = list(wb["Unmet"].iter_rows(values_only=True))
    assert unmet[1][unmet[0].index("changed")] is True


def test_compare_says_when_runs_differ_only_by_equally_cheap_routings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same design, same costs; Japan's 100 t come half from the rival in A and wholly in B at the
    same delivered cost (an LP tie): no share change is reported as a change of plan."""
    sites = [("home1", "existing", True, 0, 200.0, 150.0), ("rival1", "existing", True, 0, 200.0, 150.0)]
    a = _results(
        tmp_path,
        "a",
        sites,
        [("home1", "magnet", "Japan", 50.0, 500.0, False), ("rival1", "magnet", "Japan", 50.0, 500.0, True),
         ("home1", "magnet", "Home", 100.0, 800.0, False), ("rival1", "magnet", "Home", 100.0, 800.0, True)],
    )  # fmt: skip
    b = _results(
        tmp_path,
        "b",
        sites,
        [("rival1", "magnet", "Japan", 100.0, 1000.0, True),
         ("home1", "magnet", "Home", 150.0, 1200.0, False), ("rival1", "magnet", "Home", 50.0, 400.0, True)],
    )  # fmt: skip
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "c.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "50.0% -> 100.0%" not in text and "Japan: concern share" not in text
    assert "differ only by equally cheap routings" in text
    assert "magnet in Japan" in text and "magnet in Home" in text
    wb = load_workbook(tmp_path / "c.xlsx")
    dep = list(wb["Dependency"].iter_rows(values_only=True))
    assert all(r[dep[0].index("equally_cheap")] is True for r in dep[1:])
    flows = list(wb["Flows"].iter_rows(values_only=True))
    moved = [r for r in flows[1:] if r[flows[0].index("changed")]]
    assert len(moved) == 4 and all(r[flows[0].index("equally_cheap")] is True for r in moved)


def test_compare_a_run_with_itself_finds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _results(
        tmp_path, "a", [("home1", "existing", True, 0, 10.0, 5.0)], [("home1", "magnet", "Home", 5.0, 50.0, False)]
    )
    assert main(["--compare", str(a), str(a), "--out", str(tmp_path / "c.xlsx")]) == 0
    assert "No differences in costs, design, production, unmet demand" in capsys.readouterr().out
