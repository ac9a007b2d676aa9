"""The benchmark suite cannot rot: the runner runs the S size and the S tier case end to end, through
the tool and the yardstick ``bench.direct``, whose optima must agree (no timing assertions); the yardstick against
hand-computed optima; the tiered generator's records against the contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import direct, generate, orlib
from tests.helpers import FAST_COMPILER_OFF, ROOT, write


@pytest.mark.slow
def test_bench_runner_smoke() -> None:
    row = _row("--one", "S", "--time-limit", "60", "--highs", "mip_allow_restart=on")
    assert row["status"] == "optimal" and row["columns"] > 0 and row["peak_mb"] > 0
    for phase in ("read", "check", "build", "compile", "handover", "solve", "extract", "verify", "write"):
        assert row[phase] >= 0
    assert row["solve"] <= row["in_highs"] <= row["solve"] + row["polish"] + 1e-3  # MIP run + polish LP run
    assert row["startup"] > 0  # importing the tool's modules, reported beside the total
    assert 0 <= row["other"] < row["total"]  # the total's time in no phase
    from openpyxl import load_workbook

    results = load_workbook(ROOT / "bench" / "cache" / "S_results.xlsx", read_only=True)
    summary = dict(r[:2] for r in results["Summary"].iter_rows(values_only=True))
    assert summary["setting.highs.mip_allow_restart"] is True  # --highs reached the case's run
    assert "| S |" in __import__("bench.run", fromlist=["table"]).table([row])
    yard = _direct("S")
    assert yard["direct_status"] == "Optimal" and yard["direct_total"] > 0
    assert direct.agree(row["objective"], row["bound"], yard["direct_objective"], yard["direct_bound"])


def _bench(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m bench.run ARGS`` from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _row(*args: str, timeout: float = 300) -> dict:
    """The JSON row that ``bench.run --one`` or ``--direct`` prints (the run must succeed)."""
    proc = _bench(*args, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _direct(case: str) -> dict:
    """``bench.run --direct CASE`` (the yardstick in a process of its own): its JSON row."""
    return _row("--direct", case, "--time-limit", "60", "--gap", "1e-6")


def test_runner_table_has_the_yardstick_columns() -> None:
    from bench.run import table, with_direct

    phases = dict.fromkeys(("read", "check", "build", "compile", "handover", "solve", "polish"), 0.1)
    phases |= dict.fromkeys(("load", "extract", "verify", "write"), 0.1)
    row = {"case": "X", "rows": 1, "columns": 2, "nonzeros": 3, "integers": 1, "status": "optimal", "gap": 0.0}
    row |= phases | {"total": 3.0, "in_highs": 1.5, "peak_mb": 100, "objective": 100.0, "bound": 100.0}
    yard = {"direct_total": 2.0, "direct_objective": 100.00001, "direct_bound": 99.0, "direct_peak_mb": 90}
    yard |= {"direct_build": 0.3, "direct_handover": 0.1, "direct_solve": 1.6}
    both = with_direct(row, yard)
    assert both["ratio"] == 1.5 and both["agree"]
    assert both["ratio_equal_highs"] == 6.0  # 3.0 / (0.3 + 0.1 + the run's own MIP time 0.1)
    assert table([both]).splitlines()[-1].endswith("| 2.00 | 1.60 | 1.50 | 6.00 | 90 | yes |")
    worse = with_direct(row, yard | {"direct_objective": 90.0, "direct_bound": 90.0})
    assert not worse["agree"] and "| NO (100.0 vs 90.0) |" in table([worse])


def test_agree_is_within_tolerance_or_the_gaps() -> None:
    assert direct.agree(1000.0, 1000.0, 1000.0005, 1000.0005)  # 5e-7 relative
    assert not direct.agree(1000.0, 1000.0, 1000.01, 1000.01)  # both proven optimal, 1e-5 apart
    assert direct.agree(1000.0, 999.0, 1000.5, 999.5)  # stopped at their gaps: [999.5, 1000] is common
    assert not direct.agree(1000.0, 999.9, 1001.0, 1000.5)  # the second's bound is above the first's objective
    assert not direct.agree(None, None, 1.0, 1.0)


def _micro(cap: float | None) -> dict[str, list[dict]]:
    """Market Home needs 10 chips. Existing plant A in Home: capacity 6, unit cost 2. Candidate B in
    Rival (a concern country): capacity 10, unit cost 1, fixed cost 5, freight 0.5 to Home.
    Unmet demand costs 100 a unit."""
    sites = [
        {"site": "A", "country": "Home", "product": "chip", "status": "existing", "capacity": 6, "unit_cost": 2},
        {"site": "B", "country": "Rival", "product": "chip", "status": "candidate", "capacity": 10, "unit_cost": 1}
        | {"fixed_cost": 5},
    ]
    return {
        "Settings": [{"setting": "unmet_penalty", "value": 100}],
        "Countries": [{"country": "Home", "concern": False}, {"country": "Rival", "concern": True}],
        "Products": [{"product": "chip"}],
        "Sites": sites,
        "Demand": [{"market": "Home", "product": "chip", "demand": 10}],
        "Lanes": [{"origin": "Rival", "destination": "Home", "freight_cost": 0.5}],
        "Caps": [] if cap is None else [{"product": "chip", "market": "Home", "cap": cap}],
    }


@pytest.mark.parametrize(
    ("cap", "optimum", "unmet"),
    [
        # no cap: build B and ship all 10 from it, 10 * (1 + 0.5) + 5 = 20 (A idle: 2 > 1.5;
        # without B: 6 * 2 + 4 * 100 = 412)
        (None, 20.0, 0.0),
        # cap 0.3 on Home: B's flow b <= 0.3 (a + b) with A's flow a <= 6; every unit served saves
        # at least 98 of penalty, so a = 6 and b = 1.8 / 0.7 = 2.5714; cost 12 + 1.5 b + 5 +
        # 100 (4 - b) = 417 - 98.5 b = 163.714 (against 412 without B)
        (0.3, 417 - 98.5 * 1.8 / 0.7, (4 - 1.8 / 0.7) / 10),
    ],
)
def test_yardstick_hand_computed(tmp_path, cap: float | None, optimum: float, unmet: float) -> None:
    from model.workbook import read_workbook

    net = read_workbook(write(tmp_path, _micro(cap)))
    got = direct.solve(net, mip_gap=0)
    assert got.status == "Optimal"
    assert got.objective == pytest.approx(optimum, rel=1e-9)
    assert got.unmet_share == pytest.approx(unmet, abs=1e-9)


def test_generator_is_seeded_and_sized() -> None:
    a, b = generate.generate("S", seed=3), generate.generate("S", seed=3)
    assert a == b
    assert generate.generate("S", seed=4) != a
    assert len(generate.generate("M")["Sites"]) == 4 * 20


def test_orlib_large_cases_parse() -> None:
    inst = orlib.load("capb-5000")
    assert len(inst.capacity) == 100 and len(inst.demand) == 1000
    assert set(inst.capacity) == {5000.0}
    assert len(orlib.LARGE) == 12


def test_summary_gives_medians_of_repeated_cases() -> None:
    from bench.run import outside_share, summary

    def row(case: str, total: float, highs: float) -> dict:
        return {"case": case, "total": total, "solve": highs, "in_highs": highs}

    rows = [row("L", 10.0, 7.97), row("L", 10.0, 9.0), row("L", 5.0, 3.0), row("S", 1.0, 0.5)]
    assert outside_share(rows[0]) == pytest.approx(0.203)
    text = summary(rows)
    # medians: total 10, in HiGHS 7.97, outside 2.00 s (2.03, 1, 2); share 20.3% (20.3, 10, 40)
    assert "| L | 3 | 10.00 | 7.97 | 2.00 | 20.3% | 10.0% | 40.0% |" in text
    assert "| S |" not in text  # run once: no median
    rows[0] |= {"ratio": 1.2, "ratio_equal_highs": 1.1}
    rows[1] |= {"ratio": 1.6, "ratio_equal_highs": 1.3}
    assert "| 40.0% | 1.40 | 1.20 | 1.60 | 1.20 | 1.10 | 1.30 |" in summary(rows)  # medians of the two given
    assert summary(rows[-1:]) == ""


def _bench_table(*args: str) -> tuple[list[str], list[str], str]:
    """Run ``python -m bench.<args>`` (a script that prints a markdown table); return its header
    line, the first row's cells and its whole output."""
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    return lines[0], [c.strip() for c in lines[2].split("|")[1:-1]], proc.stdout


@pytest.mark.slow
def test_stress_bench_smoke() -> None:
    """``bench.stress`` runs end to end on tier-S (its figures are in docs/performance.md)."""
    header, cells, text = _bench_table("bench.stress", "tier-S", "--workers", "1")
    assert header.startswith("| run | run s | HiGHS s | atlas s | countries lost |")
    assert int(cells[4]) == int(cells[5]) == 9  # the nine of tier-S's ten countries with a site, each solved
    assert "INVARIANTS FAILED" not in text


@pytest.mark.slow
def test_alternatives_bench_smoke() -> None:
    """``bench.alternatives`` runs end to end on tier-S (its figures are in docs/performance.md)."""
    header, cells, text = _bench_table("bench.alternatives", "tier-S", "--k", "2")
    assert header.startswith("| run | run s | alternatives s | found |")
    assert 1 <= int(cells[3]) <= 2 and int(cells[4]) >= 1
    assert "INVARIANTS FAILED" not in text


@pytest.mark.slow
def test_public_api_comparison_smoke() -> None:
    """``bench.public`` runs end to end on S (its figures are in docs/performance.md)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.public", "S", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "S, 1 paired runs (median, range):"
    assert "model.sheetxml" in lines[1] and "openpyxl's public reader" in lines[1]
    assert ("model.standard_form" in lines[2] or FAST_COMPILER_OFF) and "Pyomo's compiler" in lines[2]
    assert lines[3].startswith("  imports Pyomo's compiler brings into a run")


def _tiered(cap: dict | None) -> dict[str, list[dict]]:
    """Home needs 10 magnets; a magnet takes 2 ore (Recipes). Plants, all existing: MagH in Home
    (capacity 50, unit cost 5), OreR in Rival, a concern country (capacity 100, unit cost 1), OreH
    in Home (capacity 100, unit cost 3); Rival ships to Home free. Unmet demand costs 1000 a unit."""
    plant = {"status": "existing", "capacity": 100}
    return {
        "Settings": [{"setting": "unmet_penalty", "value": 1000}],
        "Countries": [{"country": "Home", "concern": False}, {"country": "Rival", "concern": True}],
        "Products": [{"product": "magnet"}, {"product": "ore"}],
        "Sites": [
            plant | {"site": "MagH", "country": "Home", "product": "magnet", "capacity": 50, "unit_cost": 5},
            plant | {"site": "OreR", "country": "Rival", "product": "ore", "unit_cost": 1},
            plant | {"site": "OreH", "country": "Home", "product": "ore", "unit_cost": 3},
        ],
        "Demand": [{"market": "Home", "product": "magnet", "demand": 10}],
        "Lanes": [{"origin": "Rival", "destination": "Home", "freight_cost": 0}],
        "Recipes": [{"product": "magnet", "input": "ore", "quantity": 2}],
        "Caps": [] if cap is None else [{"product": "magnet", "market": "Home", "cap": 0.5} | cap],
    }


@pytest.mark.parametrize(
    ("cap", "optimum"),
    [
        # 10 magnets from MagH (50) with 20 ore from OreR (20)
        (None, 70.0),
        # a direct cap counts only the country that ships the magnets (Home): no change
        ({"basis": "direct"}, 70.0),
        # look-through: at most 5 of the 10 magnets may be of concern origin, so at least 5 are made
        # from concern-free ore only: 10 ore from OreH (30) and 10 from OreR (10); 50 + 40 = 90
        ({"basis": "lookthrough"}, 90.0),
    ],
)
def test_yardstick_hand_computed_tiers(tmp_path, cap: dict | None, optimum: float) -> None:
    from model.workbook import read_workbook

    net = read_workbook(write(tmp_path, _tiered(cap)))
    got = direct.solve(net, mip_gap=0)
    assert got.status == "Optimal"
    assert got.objective == pytest.approx(optimum, rel=1e-9)


def test_yardstick_hand_computed_periods(tmp_path) -> None:
    """Two periods, 2026 (two years) and 2028 (one), no discounting: W = 2 and 1. Home needs 10
    chips a year. Existing A in Home: capacity 10, unit cost 5. Candidate B in Home: capacity 10,
    unit cost 1, fixed cost 3, available from 2028 (its lead time). 2026: A alone, 2 * 50 = 100;
    2028: B built, 1 * (10 + 3) = 13; optimum 113."""
    from model.workbook import read_workbook

    recs = _micro(None)
    recs["Sites"] = [
        {"site": "A", "country": "Home", "product": "chip", "status": "existing", "capacity": 10, "unit_cost": 5},
        {"site": "B", "country": "Home", "product": "chip", "status": "candidate", "capacity": 10, "unit_cost": 1}
        | {"fixed_cost": 3, "available_from": 2028},
    ]
    recs["Periods"] = [{"period": 2026}, {"period": 2028}]
    net = read_workbook(write(tmp_path, recs))
    got = direct.solve(net, mip_gap=0)
    assert got.objective == pytest.approx(113.0, rel=1e-9)


def test_tier_generator_is_seeded_sized_and_by_the_contract() -> None:
    """The tiered cases: seeded; the sizes the issue names; every name used is defined, every
    period a year of the Periods sheet, recipes without cycles, chains two to four tiers deep."""
    a = generate.generate("tier-S", seed=1)
    assert a == generate.generate("tier-S", seed=1) and a != generate.generate("tier-S", seed=2)
    recs = generate.generate("tier-L")
    cfg = generate.TIER_SIZES["tier-L"]
    assert (cfg["countries"], cfg["chains"], cfg["sites_per_product"], cfg["periods"], cfg["scenarios"]) == (
        24,
        6,
        14,
        4,
        5,
    )
    assert len(recs["Countries"]) == 24 and len(recs["Periods"]) == 4 and len(recs["Scenarios"]) == 5
    products = {r["product"] for r in recs["Products"]}
    plants = [r for r in recs["Sites"] if r.get("role") != "hub"]
    assert all(sum(r["product"] == p for r in plants) == 14 for p in products)
    depth = {}
    for p in products:
        chain, tier = p[1:].split("T")
        depth[chain] = max(depth.get(chain, 0), int(tier) + 1)
    assert len(depth) == 6 and set(depth.values()) == {2, 3, 4}
    countries = {r["country"] for r in recs["Countries"]}
    sites = {r["site"] for r in recs["Sites"]}
    years = {r["period"] for r in recs["Periods"]}
    assert {r["country"] for r in recs["Sites"]} <= countries
    assert {r["market"] for r in recs["Demand"]} <= countries and {r["product"] for r in recs["Demand"]} <= products
    assert all(r.get("site") in (None, *sites) for r in recs["Recipes"])
    for sheet in ("Demand", "Lanes", "Caps"):
        assert {r.get("period") for r in recs[sheet]} - {None} <= years
        assert any(r.get("period") for r in recs[sheet])  # growth, tariff schedules, phased caps
    for r in recs["Sites"]:
        assert {r.get("available_from"), r.get("available_until")} - {None} <= years
    assert {r["status"] for r in recs["Sites"]} == {"existing", "candidate", "closable"}
    assert {r.get("basis", "lookthrough") for r in recs["Caps"]} == {"lookthrough", "direct"}
    assert any(r.get("scope") == "total" for r in recs["Caps"]) and any(r.get("role") == "hub" for r in recs["Sites"])
    assert any(r["quantity"] == 0 for r in recs["Recipes"])  # a plant without one of its inputs
    assert any(r["product"] not in {d["product"] for d in recs["Demand"]} for r in recs["Stockpiles"])
    inputs = {}
    for r in recs["Recipes"]:
        inputs.setdefault(r["product"], set()).add(r["input"])
    two = [p for p, ins in inputs.items() if len(ins) == 2]
    assert two  # recipes with two inputs

    def reaches(p: str, target: str, seen: frozenset = frozenset()) -> bool:
        return any(i == target or (i not in seen and reaches(i, target, seen | {i})) for i in inputs.get(p, ()))

    assert not any(reaches(p, p) for p in products)  # no cycle


def test_single_period_and_single_tier_variants() -> None:
    recs = generate.generate("tier-S")
    one = generate.single_period(recs)
    assert "Periods" not in one and not any("period" in r for rows in one.values() for r in rows)
    assert not any("available_from" in r or "available_until" in r for r in one["Sites"])
    flat = generate.single_tier(recs)
    finals = {r["product"] for r in recs["Demand"]}
    assert "Recipes" not in flat and {r["product"] for r in flat["Sites"]} == finals
    assert {r["status"] for r in flat["Sites"]} <= {"existing", "candidate"}
    assert generate.generate("tier-S-flat") == flat and generate.generate("tier-S-1p") == one  # case names
    direct_basis = generate.generate("tier-S-direct")["Caps"]
    assert len(direct_basis) == len(recs["Caps"]) and {r["basis"] for r in direct_basis} == {"direct"}
    assert generate.is_tiered("tier-S-1p") and not generate.is_tiered("S") and not generate.is_tiered("tier-S-x")


def test_written_records_keep_every_column(tmp_path) -> None:
    from openpyxl import load_workbook

    path = generate.write_records(generate.generate("tier-S"), tmp_path / "t.xlsx")
    book = load_workbook(path, read_only=True)
    assert {"Recipes", "Groups", "Periods", "Sites"} <= set(book.sheetnames)
    header = next(book["Sites"].iter_rows(values_only=True))
    assert {"role", "group", "available_from", "available_until"} <= set(header)


@pytest.mark.slow
def test_bench_tier_case_through_the_tool_and_the_yardstick() -> None:
    """The S tier case (recipes, hubs, groups, closable plants, look-through and direct caps,
    three periods with lead times and phased caps) runs through the tool (its invariants hold) and
    the yardstick, and the two optima agree."""
    row = _row("--one", "tier-S", "--time-limit", "120", "--gap", "1e-6", timeout=600)
    assert row["status"] == "optimal", row["status"]  # "INVARIANTS FAILED" would be appended
    yard = _direct("tier-S")
    assert yard["direct_status"] == "Optimal"
    assert direct.agree(row["objective"], row["bound"], yard["direct_objective"], yard["direct_bound"])


# ------------------------------------------------------------------------------------------
# Scaling variants (tier-X-p{k}, tier-X-s{k}) and the scaling study (bench.scaling)
# ------------------------------------------------------------------------------------------

TIER_HASHES = {
    "tier-S": "1acf9608ef9abdb219de636ea41f5a51afbffcd143d8ff1ff486f11ca215b398",
    "tier-M": "e2b7bb358fd43f1f03e3858d1efdf4544d6275bfc12fca95b3608610457ef317",
    "tier-L": "b788b0004e12f20fc855ce617ac2b5cfac7a2b389687f11e775d2b62dab51283",
    "tier-XL": "f5c91bf45e0ad5a214c688216d0e828b8016146aa947787afbab34a433c3ee3f",
}
"""SHA-256 of ``json.dumps(generate_tiers(size), sort_keys=True)``, recorded before the scaling
variants were added: the tier sizes are the networks they were."""


def test_tier_sizes_unchanged_by_the_scaling_variants() -> None:
    import hashlib

    assert generate.PERIOD_YEARS[:5] == (2026, 2028, 2030, 2035, 2040)
    assert len(generate.PERIOD_YEARS) >= generate.SCALING_PERIODS == 8
    for size, digest in TIER_HASHES.items():
        recs = json.dumps(generate.generate_tiers(size), sort_keys=True).encode()
        assert hashlib.sha256(recs).hexdigest() == digest, size


def test_scaling_variants_are_one_network_cut_down() -> None:
    """A series differs only in the dimension that varies; the point the two series share is one
    network under both names (tier-S: 3 periods, 2 scenarios; tier-L: 4 and 5), and it is the
    size's own network but for the growth of demand (damped over the 8-period base)."""
    assert generate.generate("tier-S-p3") == generate.generate("tier-S-s2")
    assert generate.generate("tier-L-p4") == generate.generate("tier-L-s5")
    own, shared = generate.generate("tier-S"), generate.generate("tier-S-p3")
    assert [k for k in own if own[k] != shared[k]] == ["Demand"]
    assert [(r["market"], r["product"], r["period"]) for r in own["Demand"]] == [
        (r["market"], r["product"], r["period"]) for r in shared["Demand"]
    ]

    p8 = generate.generate("tier-S-p8")
    assert [r["period"] for r in p8["Periods"]] == list(generate.PERIOD_YEARS[:8])
    assert len(p8["Scenarios"]) == generate.TIER_SIZES["tier-S"]["scenarios"]
    total: dict = {}
    for r in p8["Demand"]:
        total[r["period"]] = total.get(r["period"], 0.0) + r["demand"]
    growth = list(total.values())[-1] / total[None]
    assert 1.1 < growth < 1.45  # about as much as a 4-period case over the 8 periods
    p2 = generate.generate("tier-S-p2")
    for sheet in ("Scenarios", "Disruptions", "Shocks", "Stockpiles", "Countries", "Products", "Settings"):
        assert p2[sheet] == p8[sheet], sheet  # the periods series: only the periods differ
    assert {r.get("period") for r in p2["Demand"] + p2["Lanes"] + p2["Caps"]} <= {None, 2028}
    for r in p2["Sites"]:
        assert r.get("available_from") in (None, 2028) and "available_until" not in r  # 2028 is the last
    p1 = generate.generate("tier-S-p1")
    assert len(p1["Sites"]) < len(p8["Sites"])  # plants with a lead time are left out
    assert {r["group"] for r in p1["Groups"]} <= {r.get("group") for r in p1["Sites"]}
    assert {r.get("site") for r in p1["Recipes"]} <= {None, *(r["site"] for r in p1["Sites"])}

    s0, s10 = generate.generate("tier-S-s0"), generate.generate("tier-S-s10")
    assert not s0["Scenarios"] and not s0["Disruptions"] and not s0["Shocks"] and not s0["Stockpiles"]
    assert len(s10["Scenarios"]) == 10 and s10["Scenarios"][:2] == own["Scenarios"]
    for sheet in ("Periods", "Demand", "Sites", "Lanes", "Caps", "Recipes", "Groups"):
        assert s0[sheet] == s10[sheet], sheet  # the scenarios series: only the scenarios differ

    for name in ("tier-S-p8", "tier-XL-s0", "tier-M-p1", "tier-L-s10"):
        assert generate.is_tiered(name), name
    for name in ("tier-S-p0", "tier-S-p9", "tier-S-s11", "tier-Q-p2", "S-p2"):
        assert not generate.is_tiered(name), name
    with pytest.raises(ValueError, match="periods go from 1 to 8"):
        generate.generate("tier-S-p9")


def test_every_scaling_variant_reads_without_errors(tmp_path) -> None:
    """Every tier-S variant is a valid workbook (read_workbook raises on any error)."""
    from model.workbook import read_workbook

    cases = [f"tier-S-p{k}" for k in range(1, 9)] + [f"tier-S-s{k}" for k in range(11)]
    for case in cases:
        recs = generate.generate(case)
        net = read_workbook(generate.write_records(recs, tmp_path / f"{case}.xlsx"))
        assert len(net.periods) == len(recs["Periods"]) and len(net.scenarios) == len(recs["Scenarios"]), case


@pytest.mark.slow
def test_eight_period_base_leaves_little_demand_unmet(tmp_path) -> None:
    """Over the 8 periods of tier-S-p8, existing plants, candidates and modules still meet demand:
    unmet demand is under 1% of demand in every period (the damped growth; solved to 1e-4)."""
    from model.pipeline import run_once
    from model.solve import SolveOptions
    from model.workbook import read_workbook

    recs = generate.generate("tier-S-p8")
    net = read_workbook(generate.write_records(recs, tmp_path / "p8.xlsx"))
    res, _ = run_once(net, SolveOptions(time_limit=120, mip_gap=1e-4))
    assert res.solve.status == "optimal"
    first = recs["Periods"][0]["period"]
    demand: dict[int, float] = {}
    for r in recs["Demand"]:  # every (market, product) has a row in every period
        demand[r["period"] or first] = demand.get(r["period"] or first, 0.0) + r["demand"]
    unmet = res.tables["Unmet"]
    lost = unmet.groupby("period")["unmet"].sum().to_dict() if len(unmet) else {}
    assert set(demand) == set(generate.PERIOD_YEARS[:8])
    for year, d in demand.items():
        assert lost.get(year, 0.0) < 0.01 * d, (year, lost.get(year), d)


# A real HiGHS 1.16 log of tier-S-p8 (bench.scaling's options: output_flag, log_to_console=false,
# log_file, mip_min_logging_interval=0), some of the root's cut-round lines and the model
# summary left out, and a blank at the start of each node line and in the column heads (the
# lines' length); the polish LP's log follows.
HIGHS_LOG = """\
MIP has 2222 rows; 4300 cols; 12883 nonzeros; 110 integer variables (80 binary)
Presolving model
2222 rows, 4300 cols, 12883 nonzeros 0s
1865 rows, 3874 cols, 12151 nonzeros 0s
Presolve reductions: rows 1865(-357); columns 3874(-426); nonzeros 12151(-732)

        Nodes      |    B&B Tree     |            Objective Bounds              |  Dynamic Constraints |       Work
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters    Time

J       0       0         0   0.00%   -inf            10512494.89733     Large        0      0      0         0     0.1s
        0       0         0   0.00%   38555.178369    10512494.89733    99.63%        0      0      0         0     0.1s
R       0       0         0   0.00%   957886.747148   1128802.610432    15.14%        0      0      0      2139     0.1s
        0       0         0   0.00%   959546.237708   1128802.610432    14.99%      407     32      0      2245     0.2s
C       0       0         0   0.00%   960167.159651   970623.16304       1.08%     1083     89      0      2390     0.3s
L       0       0         0   0.00%   960167.159651   964871.518308      0.49%     1083     89      0      2390     0.7s
        0       0         0   0.00%   960167.159651   964871.518308      0.49%     1223     52      0      6320     1.7s
        0       1         0   0.00%   960167.159651   964871.518308      0.49%     1223     52      0      6320     1.7s
L       0       0         0   0.00%   960167.159651   964871.518308      0.49%     1223     52      0      6320     3.1s
        1       2         1   0.00%   961632.670148   964871.518308      0.34%     1232     52     18     11371     3.2s
T       7       2         4 100.00%   961632.670148   963755.983732      0.22%     1232     59     18     11905     3.4s
B       7       0         4 200.00%   961632.670148   963165.945223      0.16%     1232     59     18     11905     3.4s
        7       0         4 200.00%   963072.199109   963165.945223      0.01%     1263     59     50     11905     3.4s

Solving report
  Status            Optimal
  Primal bound      963165.945223
  Dual bound        963072.199109
  Gap               0.00973% (tolerance: 0.01%)
  P-D integral      0.18
  Solution status   feasible
                    963165.945223 (objective)
                    2.55351295664e-15 (integrality violation)
  Timing            3.38
                    0.22 (Presolve)
                        MIP    time [calls] = 0.04 [1]
                        subMIP time [calls] = 0.18 [13]
                    3.16 (Solve)
                        MIP    time [calls] = 0.62 [1]
                        subMIP time [calls] = 2.54 [13]
                    0.00 (Postsolve)
                        MIP    time [calls] = 0.00 [1]
                        subMIP time [calls] = 0.00 [13]
  Max sub-MIP depth 8
  Nodes             7
  Repair LPs        0
  LP iterations     11905
                    1279 (strong br.)
                    354 (separation)
                    7729 (heuristics)
LP has 2222 rows; 4300 cols; 12883 nonzeros
Solving LP with useful basis so presolve not used
Using dual simplex solver
  Iteration        Objective     Infeasibilities num(sum)
          0    -9.3463224248e+02 Ph1: 1034(3959.76); Du: 494(934.632) 3.4s
        506     9.6316594522e+05 Pr: 0(0); Du: 0(2.37588e-14) 3.4s
Model status        : Optimal
HiGHS run time      :          3.40
"""


def test_highs_log_parser_on_a_captured_log() -> None:
    from bench.scaling import _count, parse_highs_log, split

    got = parse_highs_log(HIGHS_LOG)
    assert got["presolve_s"] == 0.04  # the MIP's own presolve, not the 0.22 with its sub-MIPs'
    assert got["root_lp_s"] == 0.1  # the R line: the first finite bound with LP iterations
    assert got["root_end_s"] == 3.1  # the last line with no node processed
    assert got["root_eval_s"] == 1.7  # HiGHS's root evaluation ends with the root in the queue
    assert (got["mip_s"], got["submip_s"]) == (3.38, 2.54)
    assert (got["nodes"], got["lp_iterations"], got["node_lines"]) == (7, 11905, 13)
    assert got["log_gap"] == pytest.approx(9.73e-5)
    row = dict.fromkeys(("build", "compile", "handover", "extract", "verify", "write"), 0.1)
    row |= {"solve": 3.38, "in_highs": 3.40, "total": 4.2, **got}
    cols = split(row)
    assert cols["root"] == pytest.approx(3.06) and cols["branching"] == pytest.approx(0.28)
    assert cols["build"] == pytest.approx(0.2) and cols["other"] == pytest.approx(4.2 - 3.4 - 0.6)
    # stopped at the root (the node lines after the root's end cut off): the root is the whole run
    cut = HIGHS_LOG.index("3.1s\n") + len("3.1s\n")
    at_root = HIGHS_LOG[:cut] + HIGHS_LOG[HIGHS_LOG.index("\nSolving report") :]
    assert parse_highs_log(at_root)["root_end_s"] == 3.38
    assert parse_highs_log("no log")["presolve_s"] is None
    assert (_count("123"), _count("45k"), _count("2m")) == (123, 45_000, 2_000_000)


def test_exponent_fit_on_made_up_numbers() -> None:
    from bench.scaling import fit_exponent

    nnz = [1_000.0, 3_000.0, 10_000.0, 40_000.0]
    assert fit_exponent(nnz, [0.002 * n**1.5 for n in nnz]) == pytest.approx(1.5)
    assert fit_exponent(nnz, [7.0 * n for n in nnz]) == pytest.approx(1.0)
    assert fit_exponent([1_000.0], [1.0]) is None and fit_exponent([5.0, 5.0], [1.0, 2.0]) is None


def test_scaling_variants_share_their_common_point() -> None:
    from bench.scaling import variants

    got = variants("tier-L", [1, 2, 4, 8], [0, 2, 5, 10])
    assert [v["case"] for v in got] == [
        "tier-L-p1",
        "tier-L-p2",
        "tier-L-p4",
        "tier-L-p8",
        "tier-L-s0",
        "tier-L-s2",
        "tier-L-s10",
    ]
    assert got[2] == {"periods": 4, "scenarios": 5, "case": "tier-L-p4", "series": ["periods", "scenarios"]}
    assert len(variants("tier-S", [1, 2], [0, 2])) == 4  # tier-S's own point is 3 periods, 2 scenarios


@pytest.mark.slow
def test_scaling_study_smoke(tmp_path) -> None:
    """``bench.scaling`` end to end on tier-S (four small runs): the table has a row per variant,
    the exponents are printed, the PNG is a PNG, the JSON redraws the same table."""
    from bench import scaling

    md, png = tmp_path / "s.md", tmp_path / "s.png"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bench.scaling", "tier-S", "--periods", "1,2", "--scenarios", "0,2"),
            *("--time-limit", "60", "--out", str(md), "--png", str(png)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    text = md.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| tier-S-")]
    assert [r.split(" | ")[0] for r in rows] == ["| tier-S-p1", "| tier-S-p2", "| tier-S-s0", "| tier-S-s2"]
    assert all("| optimal |" in r for r in rows)
    assert "| periods | 2 |" in text and "| scenarios | 2 |" in text and "Exponents:" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(md.with_suffix(".json").read_text())
    assert len(data["rows"]) == 4 and all(r["presolve_s"] is not None for r in data["rows"])
    again = tmp_path / "again.md"
    assert scaling.main(["--from-json", str(md.with_suffix(".json")), "--out", str(again)]) == 0
    assert again.read_text() == text


def test_exponents_include_memory() -> None:
    """The peak memory's exponent against nonzeros sits beside the times' (made-up rows:
    memory ~ nonzeros^0.5, HiGHS ~ nonzeros^2)."""
    from bench.scaling import exponent_table, exponents

    def row(series: str, k: int, nnz: float) -> dict:
        phases = dict.fromkeys(("build", "compile", "handover", "extract", "verify", "write"), 0.0)
        highs = 1e-6 * nnz**2
        return {
            "series": [series],
            "periods": k if series == "periods" else 4,
            "scenarios": k if series == "scenarios" else 5,
            "nonzeros": nnz,
            "total": highs + 1.0,
            "in_highs": highs,
            "solve": highs,
            "peak_mb": 3.0 * nnz**0.5,
            "presolve_s": 1e-4 * nnz**1.2,
            "root_lp_s": None if k == 2 else 2e-5 * nnz**1.3,  # a log without the figure: left out
            **phases,
        }

    rows = [row("periods", k, 1_000.0 * k) for k in (1, 2, 4, 8)]
    rows += [row("scenarios", k, 2_000.0 * (k + 1)) for k in (0, 2, 5, 10)]
    fits = exponents(rows)
    assert fits["periods"]["memory"] == pytest.approx(0.5) and fits["scenarios"]["highs"] == pytest.approx(2.0)
    assert fits["periods"]["presolve"] == pytest.approx(1.2) and fits["periods"]["root_lp"] == pytest.approx(1.3)
    assert "| peak MB vs nonzeros | HiGHS presolve s vs nonzeros |" in exponent_table(rows)


@pytest.mark.slow
def test_scaling_vary_seed_runs_each_repeat_with_its_own_seed(tmp_path) -> None:
    """``bench.scaling --repeat 2 --vary-seed``: the two runs of a variant carry seeds 0 and 1,
    and the report says the medians are over seeds."""
    out = tmp_path / "v.md"
    args = ["tier-S", "--periods", "1", "--scenarios", "2", "--repeat", "2", "--vary-seed", "--gap", "0.01"]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scaling", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.with_suffix(".json").read_text())
    assert [[run["seed"] for run in row["each"]] for row in data["rows"]] == [[0, 1]] * len(data["rows"])
    assert "HiGHS random_seed 0, 1" in out.read_text()


def test_median_row_is_one_whole_run() -> None:
    """A variant's row is the run with the median HiGHS time, whole: its root and branching come
    from one run (medians taken figure by figure would mix a run that ended at the root with one
    that branched)."""
    from bench.scaling import median_row

    runs = [
        {"status": "optimal", "seed": 0, "in_highs": 240.0, "root_end_s": 100.0, "nodes": 121},
        {"status": "optimal", "seed": 1, "in_highs": 330.0, "root_end_s": 90.0, "nodes": 1018},
        {"status": "optimal", "seed": 2, "in_highs": 140.0, "root_end_s": 140.0, "nodes": 1},
    ]
    row = median_row(runs)
    assert (row["seed"], row["in_highs"], row["root_end_s"], row["nodes"], row["runs"]) == (0, 240.0, 100.0, 121, 3)
    assert median_row(runs[:2])["seed"] == 0  # of two, the lower middle


# ------------------------------------------------------------------------------------------
# Seeds and memory in bench.run: the k-th run of a case with --vary-seed runs the
# tool and the yardstick with HiGHS random_seed k; the medians include memory
# ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_seed_reaches_the_tool_and_the_yardstick() -> None:
    from openpyxl import load_workbook

    row = _row("--one", "S", "--time-limit", "60", "--gap", "1e-6", "--seed", "3")
    assert row["seed"] == 3
    assert 0 < row["built_mb"] <= row["peak_mb"]  # the peak once built, before HiGHS, is a peak so far
    results = load_workbook(ROOT / "bench" / "cache" / "S_results.xlsx", read_only=True)
    summary = dict(r[:2] for r in results["Summary"].iter_rows(values_only=True))
    assert summary["setting.random_seed"] == 3  # the run's own Summary records the seed it ran with
    yard = _row("--direct", "S", "--time-limit", "60", "--gap", "1e-6", "--seed", "3")
    assert 0 < yard["direct_built_mb"] <= yard["direct_peak_mb"]


def test_summary_gives_memory_medians() -> None:
    from bench.run import summary

    def row(total: float, peak: float, direct_peak: float, built: float) -> dict:
        return {
            "case": "L",
            "total": total,
            "solve": 1.0,
            "in_highs": 1.0,
            "peak_mb": peak,
            "direct_peak_mb": direct_peak,
            "built_mb": built,
            "direct_built_mb": built / 2,
        }

    text = summary([row(2.0, 300, 200, 100), row(2.0, 600, 200, 120), row(2.0, 450, 300, 140)])
    # peak medians 450 and 200; ratios 1.5, 3.0, 1.5 -> 1.50; built 120 and 60
    assert text.splitlines()[-1].endswith("| 450 | 200 | 1.50 | 120 | 60 |")


def test_first_seed_needs_vary_seed() -> None:
    proc = _bench("S", "--first-seed", "3")
    assert proc.returncode == 2 and "add --vary-seed" in proc.stderr


@pytest.mark.slow
def test_vary_seed_numbers_the_runs_of_each_case() -> None:
    proc = _bench("S", "--repeat", "2", "--vary-seed", "--first-seed", "4", "--no-direct")
    assert proc.returncode == 0, proc.stderr
    assert "| S | 2 |" in proc.stdout  # two runs, with their medians
    assert "| S (seed 4) |" in proc.stdout and "| S (seed 5) |" in proc.stdout  # --first-seed 4, then 5


@pytest.mark.slow
def test_period_major_order_is_a_permutation_of_the_same_model() -> None:
    """``bench.order``'s reordering keeps the model: on tier-S the LP relaxation's optimum is the
    same in both orders, and every column and row moved, none lost."""
    import numpy as np

    from bench.order import period_major, period_of
    from bench.run import workbook_for
    from model.build import build_model
    from model.solve import compile_model, new_highs
    from model.workbook import read_workbook

    compiled, _ = compile_model(build_model(read_workbook(workbook_for("tier-S"))))
    lp = compiled.highs.getLp()
    cols = np.array([period_of(v) for v in compiled.columns])
    rows = np.array([period_of(r) for r, _ in compiled.rows])
    assert len(set(cols)) == 3  # tier-S has three periods, each column knows its own
    moved = period_major(lp, cols, rows)
    assert moved.num_col_ == lp.num_col_ and len(moved.a_matrix_.value_) == len(lp.a_matrix_.value_)
    assert sorted(moved.col_cost_) == sorted(lp.col_cost_)

    def relaxation(model: object) -> float:
        h = new_highs()
        h.setOptionValue("solve_relaxation", True)
        h.passModel(model)
        h.run()
        return h.getInfo().objective_function_value

    assert relaxation(moved) == pytest.approx(relaxation(lp), rel=1e-9)

    def optimum(model: object) -> float:  # the integrality moved with its columns: the same MIP
        h = new_highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.passModel(model)
        h.run()
        return h.getInfo().objective_function_value

    assert optimum(moved) == pytest.approx(optimum(lp), rel=1e-7)
