"""The family structure: reserve only where it can serve, the period weights applied once, and
a results table per family whose columns do not change without a Periods sheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from model.build import build_model
from model.network import SINGLE_PERIOD, Period
from model.results import cost_totals, extract, period_cost_rows
from model.solve import SolveOptions, solve
from model.workbook import read_workbook
from tests.helpers import BASE, records, solve_records, write
from tests.test_micro import HOME1

GHOST = {
    "site": "ghost",
    "country": "Ally",
    "product": "chip",
    "status": "candidate",
    "capacity": 50,
    "unit_cost": 1,
    "fixed_cost": 5,
    "reserve_cost": 0,
}


def test_reserve_only_at_sites_that_can_deliver(tmp_path: Path) -> None:
    """Version 2's (6): reserve counts only at sites with at least one arc.

    home1 (Home, existing): capacity 100, unit_cost 10, reserve_cost 1; demand Home 80;
    reserve_share 0.25, so 20 units of reserve. ghost (Ally, candidate): capacity 50, fixed 5,
    reserve_cost 0, but no lane out of Ally and no demand in Ally: it can deliver nowhere.
    Version 1 built ghost to hold the 20 for 5 (800 + 5 = 805) and home1 held none. Now ghost
    holds no reserve and is not built; home1 ships 80 (800) and holds 20 (20): 820.
    """
    recs = records(
        Sites=[dict(HOME1, status="existing", fixed_cost=0, reserve_cost=1), GHOST],
        Products=[{"product": "chip", "reserve_share": 0.25}],
        Lanes=None,
    )
    res = solve_records(tmp_path, recs)  # asserts every invariant, the reserve ones included
    sites = res["Sites"].set_index("site")
    assert res.objective == pytest.approx(820)
    assert sites.loc["ghost", "reserve"] == 0 and not sites.loc["ghost", "built"]
    assert sites.loc["home1", "reserve"] == pytest.approx(20)
    m = build_model(read_workbook(write(tmp_path, recs, "again.xlsx")))
    assert list(m.RESERVE_SITES) == [("home1", 0)]


def test_period_weights_are_applied_once(tmp_path: Path) -> None:
    """The micro network with cap 0.5 costs 880 a year (tests/test_micro.py). Planned as one period
    of weight 7.5 (say, ten years discounted), the objective is 7.5 * 880 = 6600 and the Costs
    sheet, each component weighted by W[t], sums to it; every table gains a ``period`` column."""
    net = read_workbook(write(tmp_path, records(Caps=[{"cap": 0.5}])))
    assert net.periods == SINGLE_PERIOD and not net.shows_periods
    horizon = dataclasses.replace(net, periods=(Period(year=2030, years=10, weight=7.5),))
    m = build_model(horizon)
    assert list(m.PERIODS) == [2030]
    solved = solve(m, SolveOptions(mip_gap=0.0))
    assert solved.objective == pytest.approx(7.5 * 880)
    res = extract(m, horizon, solved)
    assert res.objective == pytest.approx(7.5 * 880)
    assert cost_totals(res["Costs"])["value"].sum() == pytest.approx(7.5 * 880)
    assert period_cost_rows(res["Costs"])["value"].sum() == pytest.approx(7.5 * 880)
    for sheet in ("Flows", "Sites", "Dependency"):
        assert res[sheet].columns[0] == "period" and set(res[sheet]["period"]) == {2030}, sheet


def test_without_periods_the_tables_keep_their_columns(solved_sample) -> None:
    """No Periods sheet: no ``period`` column anywhere (the results workbook of version 1)."""
    for name, table in solved_sample.tables.items():
        assert "period" not in table.columns, name
    assert list(solved_sample["Flows"].columns)[:4] == ["site", "origin", "product", "market"]


def test_base_network_has_one_period_of_weight_one(tmp_path: Path) -> None:
    net = read_workbook(write(tmp_path, BASE))
    m = build_model(net)
    assert list(m.PERIODS) == [0]
    assert set(m.solve_spec.objective.values()) == {1.0}


RENDERERS = (
    "model/report.py",
    "model/compare.py",
    "model/cli.py",
    "model/results.py",
    "model/html_report.py",
    "model/diagnose.py",
)
"""The central modules that render what the families declare (the results workbook, --compare,
the console summary, the Summary sheet, the HTML report)."""


@pytest.mark.parametrize("module", RENDERERS)
def test_no_central_renderer_names_a_family_table(module: str) -> None:
    """A family owns its tables: the modules that render them know them only through the
    families' declarations and hooks, never by sheet name (so a new family's table needs no
    change there). The Timeline, a table of its own that reads Sites, is the one exception."""
    import re

    from model.families import FAMILIES

    text = (Path(__file__).resolve().parent.parent / module).read_text(encoding="utf-8")
    named = {
        sheet
        for sheet in (t.sheet for f in FAMILIES for t in getattr(f, "TABLES", ()))
        for line in text.splitlines()
        if re.search(rf"[\"']{sheet}[\"']", line) and "timeline_table" not in line
    }
    assert not named, f"{module} names family tables {sorted(named)}"


def test_every_family_hook_is_callable_with_the_protocol_names() -> None:
    """The optional output hooks a family defines take the arguments the protocol names."""
    import inspect

    from model.families import FAMILIES

    expected = {
        "as_written": ["tables"],
        "charts": ["book", "sheets", "tables"],
        "summary": ["tables", "net"],
        "console": ["line", "net", "tables"],
        "compare": ["a", "b", "pk"],
        "changes": ["compared"],
        "html": ["tables", "facts"],
        "glance": ["tables", "facts"],
        "check_records": ["data", "known", "issues"],
        "warnings": ["net"],
        "read": ["data", "net"],
        "prepare_records": ["data"],
        "conflicts": ["m", "net"],
        "reconsider": ["net", "found", "rerun"],
    }
    for family in FAMILIES:
        for hook, names in expected.items():
            if hasattr(family, hook):
                params = list(inspect.signature(getattr(family, hook)).parameters)
                assert params == names, f"{family.__name__}.{hook}{tuple(params)}: expected {tuple(names)}"


def test_the_caps_are_the_dependency_familys_part(tmp_path: Path) -> None:
    """The caps live in the dependency family's part of the network, not in Network's fields: a
    period's view holds the caps of its rows in force, and a change of the default cap derives
    them again in every period (rows of the Caps sheet keep their own caps)."""
    from model.families.dependency import PART, Caps, caps_of
    from model.network import Network

    assert not [f.name for f in dataclasses.fields(Network) if f.name.startswith("cap_")]
    recs = records(
        Periods=[{"period": 2024}, {"period": 2026}],
        Caps=[{"product": "chip", "market": "Home", "cap": 0.5, "period": 2026}],
    )
    net = read_workbook(write(tmp_path, recs))
    assert isinstance(net.parts[PART], Caps)
    assert caps_of(net.at(2024)).each[("chip", "Home")] == 1.0  # the default, Settings.dependency_cap
    assert caps_of(net.at(2026)).each[("chip", "Home")] == 0.5  # the row in force from 2026
    tighter = net.with_dependency_cap(0.3)
    assert caps_of(tighter.at(2024)).each[("chip", "Home")] == 0.3
    assert caps_of(tighter.at(2026)).each[("chip", "Home")] == 0.5
    assert caps_of(net.with_settings(time_limit_s=5).at(2026)) == caps_of(net.at(2026))
    first = net.at(2024)  # a period's view, changed on its own, keeps its period's rows in force
    assert caps_of(first.with_settings(time_limit_s=5)).each[("chip", "Home")] == 1.0
    assert caps_of(first.with_dependency_cap(0.3)).each[("chip", "Home")] == 0.3
    assert caps_of(net.at(2026).with_dependency_cap(0.3)).each[("chip", "Home")] == 0.5


def test_the_reporting_order_holds_every_family_once() -> None:
    """REPORTING, the order in which the families' lines are presented, is FAMILIES reordered."""
    from model.families import FAMILIES, REPORTING

    assert sorted(f.__name__ for f in REPORTING) == sorted(f.__name__ for f in FAMILIES)
