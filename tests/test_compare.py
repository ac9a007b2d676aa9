"""``run.py --compare A B``: the settings that moved first, booleans shown alike on both sides,
and rows that exist in one run only (a new scenario) kept and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from model.cli import main
from tests.helpers import records, write

SCENARIO = {
    "Scenarios": [{"scenario": "ban", "weight": 0.1}],
    "Disruptions": [{"scenario": "ban", "country": "Rival", "capacity_loss": 1}],
}


def runs(tmp_path: Path) -> tuple[Path, Path]:
    """A: the base network (no cap, no scenario). B: Settings.dependency_cap 0.8 and a new
    scenario, the ban (home1 built for it)."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    settings = [{"setting": "unmet_penalty", "value": 1000}, {"setting": "dependency_cap", "value": 0.8}]
    assert main([str(write(tmp_path, records(), "in_a.xlsx")), "--out", str(a), "--no-report", "--quiet"]) == 0
    recs = records(Settings=settings, **SCENARIO)
    assert main([str(write(tmp_path, recs, "in_b.xlsx")), "--out", str(b), "--no-report", "--quiet"]) == 0
    return a, b


def test_setting_changes_come_first_and_a_new_scenario_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cap that moved from 1 to 0.8 is the first difference, before the costs; the scenario B
    adds is named as new, with what it serves, and its Summary and Scenarios rows are kept (they
    were dropped: only metrics and scenarios of both runs were compared)."""
    a, b = runs(tmp_path)
    capsys.readouterr()
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "c.xlsx")]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = lines[lines.index(next(x for x in lines if x.endswith("differences:"))) + 1 :]
    assert listed[:2] == ["  setting dependency_cap: 1 -> 0.8", "  setting scenarios: 0 -> 1"], listed
    assert listed[2].startswith("  total yearly cost 560.00 -> ")
    assert "  ban: a new scenario, only in B; served chip 100.0%" in listed
    wb = load_workbook(tmp_path / "c.xlsx")
    summary = list(wb["Summary"].iter_rows(values_only=True))
    header = summary[0]
    assert header[:4] == ("metric", "present", "A", "B")
    metrics = [r[0] for r in summary[1:]]
    settings = [m for m in metrics if m.startswith("setting.")]
    assert metrics[: len(settings)] == settings  # the settings first
    cost = next(r for r in summary if r[0] == "scenario.ban.cost")
    assert cost[1] == "only in B" and cost[2] is None and cost[3] > 0 and cost[header.index("changed")] is True
    scenarios = list(wb["Scenarios"].iter_rows(values_only=True))
    ban = dict(zip(scenarios[0], scenarios[1], strict=True))
    assert (ban["scenario"], ban["present"]) == ("ban", "only in B")
    assert (ban["served_share_A"], ban["served_share_B"]) == (None, 1)


def test_booleans_read_back_as_1_and_0_are_shown_as_booleans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """B saved again by LibreOffice holds its booleans as 1/0 (Sites.built, Dependency.binding, a
    HiGHS setting in the Summary). Compared with itself as written, nothing differs, and both sides
    show TRUE/FALSE cells, not TRUE on one side and 1 on the other."""
    _, b = runs(tmp_path)
    resaved = tmp_path / "b_resaved.xlsx"
    wb = load_workbook(b)
    for name, column in (("Sites", "built"), ("Dependency", "binding"), ("Summary", "value")):
        ws = wb[name]
        j = [c.value for c in ws[1]].index(column)
        for row in ws.iter_rows(min_row=2):
            if isinstance(row[j].value, bool):
                row[j].value = int(row[j].value)
    wb.save(resaved)
    capsys.readouterr()
    assert main(["--compare", str(b), str(resaved), "--out", str(tmp_path / "c.xlsx")]) == 0
    assert "No differences" in capsys.readouterr().out
    out = load_workbook(tmp_path / "c.xlsx")
    for name, columns in (("Sites", ("built_A", "built_B")), ("Dependency", ("binding_A", "binding_B"))):
        rows = list(out[name].iter_rows(values_only=True))
        js = [rows[0].index(c) for c in columns]
        assert rows[1:] and all(isinstance(r[j], bool) for r in rows[1:] for j in js), (name, rows)
    summary = {r[0]: r for r in out["Summary"].iter_rows(values_only=True)}
    restart = summary["setting.highs.mip_allow_restart"]
    assert restart[2] is False and restart[3] is False, restart
