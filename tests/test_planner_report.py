"""What a planner reads in the HTML report (issue 28, section 1): the headline, the build-out plan
(a table and a Gantt-like timeline, each step with its costs), dependency per stage and period
against its caps, the crises as a table with the worst cells marked, then the Sankeys on the last
period with labels that do not collide. Hand-made tables for the rules; the shipped sample, solved
once, for the whole page, looked at in headless Chromium at 1400 px wide."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model import html_report, htmlkit
from model.families.capacity import build_plan
from model.html_report import Facts, render_html, write_html_report
from model.sankey import CHAR_PX, LABEL_ROOM, SANKEY_PAD, SANKEY_THICKNESS, SANKEY_WIDTH
from tests.test_html_report import CHROMIUM, FACTS, PERIODS, SECTIONS, chain_traces, chromium, plots, tiered_tables

# ---- the headline -------------------------------------------------------------------------------


def test_the_headline_answers_each_question_in_a_line() -> None:
    """The cards (objective, normal-year cost, expected disruption cost, status, gap), then a line
    per question linking to its section; how sure: the status and gap, and what the studies say:
    the observed shares beyond the tolerance, the costliest country to lose (and what it leaves
    served), the near-optimal designs and the builds they all share."""
    tables = {**crisis_tables(), "Sites": plan_sites()}
    tables["Calibration"] = pd.DataFrame(
        {"product": ["ore", "ore"], "country": ["Rival", "Ally"], "observed": [0.7, 0.3], "modelled": [0.9, 0.1],
         "difference": [0.2, -0.2], "source": ["USGS", "USGS"], "flag": ["beyond", None]}
    )  # fmt: skip
    tables["StressSummary"] = pd.DataFrame(
        {"period": [2030, 2030], "lost": ["Rival", "Ally"], "extra_cost": [500.0, 40.0], "worst_market": ["Home", ""],
         "worst_product": ["magnet", ""], "worst_served_share": [0.25, 1.0], "status": ["optimal", "optimal"]}
    )  # fmt: skip
    tables["Stress"] = pd.DataFrame(
        {"period": 2030, "lost": ["Rival", "Ally"], "product": "magnet", "market": "Home", "served_share": [0.25, 1.0]}
    )
    tables["Alternatives"] = pd.DataFrame(
        {"alternative": [0, 1, 2], "objective": [100.0, 101.0, 102.0], "over_optimum": [0.0, 0.01, 0.02],
         "differs_by": [0, 2, 3], "built": ["new", "new, b", "new"]}
    )  # fmt: skip
    tables["AlternativeSites"] = pd.DataFrame(
        [{"alternative": a, "period": 2030, "site": site, "status": "candidate", "operates": on, "modules": 0}
         for a, built in ((0, {"new"}), (1, {"new", "b"}), (2, {"new"})) for site in ("new", "b")
         for on in [site in built]]
    )  # fmt: skip
    page = render_html(tables, PLAN_FACTS)
    head = page[page.index('<section id="headline">') : page.index("</section>")]
    labels = re.findall(r'<div class="label">(.*?)</div>', head)
    assert labels == ["Total cost (objective)", "Normal-year cost", "Expected disruption cost", "Status", "Gap"]
    lines = [html_report.html.unescape(re.sub(r"<[^>]+>", "", x)) for x in re.findall(r"<li>(.*?)</li>", head)]
    assert lines == [
        "What to build, where and when: 1 new site built, 1 coming on line, modules added 3 times, 3 closed "
        "(2025–2030)",
        "How dependent, stage by stage: 2 capped shares, 2 binding",
        "What happens in each crisis: worst: Blockade in 2030, 20% of chip demand served in Home",
        "How sure: status optimal, within 0.01% of the cheapest design, 1 of 2 observed shares of today's trade "
        "beyond the tolerance, the costliest country to lose is Rival in 2030 (+500 EUR), 25% of magnet served "
        "in Home, 2 near-optimal designs within 2.0% of the optimum; 1 of the 2 sites they build are built in every "
        "one; see the first year against today's trade, the stress atlas, near-optimal alternatives, the frontier",
    ]
    for anchor in ("buildout", "dependency", "crises", "calibration", "stress", "alternatives", "frontier"):
        assert f'href="#{anchor}"' in head and f'<section id="{anchor}">' in page


# ---- the build-out plan -------------------------------------------------------------------------

YEARS = (2025, 2027, 2030)
PLAN_FACTS = Facts(
    bloc={"Home": "Domestic", "Ally": "Ally", "Rival": "Concern"},
    concern=frozenset({"Rival"}),
    currency="EUR",
    unit={"magnet": "t", "oxide": "t"},
    products=("oxide", "magnet"),
    capacity={"new": 100.0, "shut": 50.0, "late_shut": 80.0, "project": 60.0, "grows": 200.0, "old": 30.0},
    fixed_cost={"new": 12.0, "shut": 3.0, "late_shut": 4.0, "project": 5.0, "grows": 7.0, "old": 1.0},
    module_capacity={"new": 10.0, "grows": 25.0},
    module_cost={"new": 2.0, "grows": 1.5},
    candidates=frozenset({"new"}),
    closable=frozenset({"shut", "late_shut"}),
    years={2025: 2, 2027: 3, 2030: 5},
)


def plan_sites() -> pd.DataFrame:
    """Sites over 2025, 2027, 2030: ``new`` (a candidate) built from 2027 and given 2 modules in 2030;
    ``shut`` (closable) closed from the first period; ``late_shut`` (closable) closed in 2027;
    ``project`` (existing) available from 2027; ``grows`` (existing) a module in 2025 and another in
    2030; ``old`` (existing) whose window ends in 2030; ``steady`` (existing) that never changes."""
    rows = []
    history = {  # site: (country, product, status, [(built, modules, available)] per period)
        "new": ("Home", "magnet", "candidate", [(False, 0, True), (True, 0, True), (True, 2, True)]),
        "shut": ("Ally", "oxide", "closable", [(False, 0, True)] * 3),
        "late_shut": ("Ally", "magnet", "closable", [(True, 0, True), (False, 0, True), (False, 0, True)]),
        "project": ("Ally", "oxide", "existing", [(False, 0, False), (True, 0, True), (True, 0, True)]),
        "grows": ("Rival", "oxide", "existing", [(True, 1, True), (True, 1, True), (True, 2, True)]),
        "old": ("Rival", "magnet", "existing", [(True, 0, True), (True, 0, True), (False, 0, False)]),
        "steady": ("Home", "oxide", "existing", [(True, 0, True)] * 3),
    }
    for site, (country, product, status, steps) in history.items():
        for t, (built, modules, available) in zip(YEARS, steps, strict=True):
            base = PLAN_FACTS.capacity.get(site, 10.0)
            capacity = (base + modules * PLAN_FACTS.module_capacity.get(site, 0.0)) if built else 0.0
            rows.append(
                {
                    "period": t,
                    "site": site,
                    "country": country,
                    "product": product,
                    "status": status,
                    "built": built,
                    "modules_added": modules,
                    "capacity": capacity,
                    "production": capacity / 2,
                    "available": available,
                }
            )
    return pd.DataFrame(rows)


def test_the_plan_lists_every_step_with_its_costs() -> None:
    """Each step once, in its period: the closable site closed from the first period (saving its
    fixed cost), the existing site's module in 2025, the candidate built in 2027 (its fixed cost,
    its capacity without modules), the closable site closed in 2027 (what it had), the project
    that comes on line in 2027, the modules of 2030 (2 x 10 t and 2 a year; 1 x 25 t, 1.5 a year)
    and the site whose window ends in 2030. A site that never changes is not in the plan."""
    plan = build_plan({"Sites": plan_sites()}, PLAN_FACTS)
    got = [(r.period, r.action, r.site, r.capacity, r.modules, r.fixed_cost, r.module_cost) for r in plan.itertuples()]
    nan = float("nan")
    expected = [
        (2025, "modules", "grows", 25.0, 1, nan, 1.5),
        (2025, "closes", "shut", -50.0, 0, -3.0, nan),
        (2027, "build", "new", 100.0, 0, 12.0, nan),
        (2027, "opens", "project", 60.0, 0, 5.0, nan),
        (2027, "closes", "late_shut", -80.0, 0, -4.0, nan),
        (2030, "modules", "grows", 25.0, 1, nan, 1.5),
        (2030, "modules", "new", 20.0, 2, nan, 4.0),
        (2030, "closes", "old", -30.0, 0, -1.0, nan),
    ]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g[:3] == e[:3]
        assert g[3:] == pytest.approx(e[3:], nan_ok=True), g
    why = dict(zip(zip(plan["period"], plan["site"]), plan["why"]))
    assert why[(2025, "shut")] == "closed by the design from the first period"
    assert why[(2027, "late_shut")] == "closed by the design"
    assert why[(2030, "old")] == "its availability window ends"
    assert why[(2027, "project")] == "available from 2027"


def test_the_plan_as_a_table_and_a_timeline() -> None:
    """The build-out section: a table row per step (the candidate's build with its fixed cost and
    capacity in its unit, the modules with their yearly cost, a closure with what it saves) and a
    Gantt-like chart: a bar per run of periods a site operates, to the end of the horizon (2030 + 5
    years), modules and closures marked where they happen."""
    tables = {**tiered_tables(), "Sites": plan_sites()}
    page = render_html(tables, PLAN_FACTS)
    assert page.index('<section id="buildout">') < page.index('<section id="dependency">')
    table = re.search(r'<table id="build-plan">.*?</table>', page, re.DOTALL).group(0)  # type: ignore[union-attr]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    rows = [r for r in rows if r]
    assert [
        "2027",
        "build",
        "new",
        "Home (Domestic)",
        "magnet",
        "+100 t",
        "12.00 EUR",
        "",
        "a candidate, built",
    ] in rows
    assert ["2030", "+2 modules", "new", "Home (Domestic)", "magnet", "+20 t", "", "4.00 EUR", "2 in all"] in rows
    assert ["2025", "closes", "shut", "Ally", "oxide", "−50 t", "saves 3.00 EUR", "", "closed by the design from the "
            "first period"] in rows  # fmt: skip
    assert len(rows) == 8
    data, layout = plots(page)["buildout-gantt"]
    bars = {(y, b): x for t in data if t["type"] == "bar" for y, b, x in zip(t["y"], t["base"], t["x"], strict=True)}
    assert bars[("new", 2027)] == 2035 - 2027  # built in 2027, to the end of the horizon
    assert bars[("late_shut", 2025)] == 2  # operates in 2025 alone (2 years)
    assert bars[("old", 2025)] == 5  # 2025 and 2027, then its window ends
    assert ("shut", 2025) not in bars  # never operates
    marks = {t["name"]: list(zip(t["x"], t["y"], t["text"], strict=True)) for t in data if t["type"] == "scatter"}
    assert (2030, "new", "+2") in marks["modules added"] and (2025, "grows", "+1") in marks["modules added"]
    assert (2025, "shut", "closes") in marks["closes"] and (2027, "late_shut", "closes") in marks["closes"]
    assert layout["xaxis"]["tickvals"] == [2025, 2027, 2030, 2035]
    assert set(layout["yaxis"]["categoryarray"]) == {"new", "shut", "late_shut", "project", "grows", "old"}


def test_nothing_to_build_says_so_or_leaves_the_section_out() -> None:
    tables = tiered_tables()  # every site existing and operating throughout: no step
    assert build_plan(tables, FACTS).empty
    page = render_html(tables, FACTS)
    assert "Nothing is built, opened or closed, and no module is added." in page
    assert "buildout-gantt" not in plots(page)


# ---- dependency ---------------------------------------------------------------------------------


def dependency_v3() -> pd.DataFrame:
    """magnet in Home over two periods: a look-through cap of 30% in 2030 only (binding, 2.5 a point),
    a direct cap of 50% in both (over it in 2025); Japan's single-country cap of 40% on oxide in
    Home (``of`` Japan: 45%, over it); chip uncapped; a crisis row that the table leaves out."""
    rows = []
    for t, direct, look in ((2025, 0.55, 0.6), (2030, 0.2, 0.3)):
        rows += [
            {"period": t, "product": "magnet", "market": "Home", "basis": "lookthrough", "of": "",
             "concern_share": look, "cap": 0.3 if t == 2030 else 1.0, "binding": t == 2030,
             "marginal_cost_per_point": 2.5 if t == 2030 else 0.0},
            {"period": t, "product": "magnet", "market": "Home", "basis": "direct", "of": "",
             "concern_share": direct, "cap": 0.5, "binding": False, "marginal_cost_per_point": 0.0},
            {"period": t, "product": "oxide", "market": "Home", "basis": "direct", "of": "Japan",
             "concern_share": 0.45, "cap": 0.4, "binding": False, "marginal_cost_per_point": 0.0},
            {"period": t, "product": "chip", "market": "Home", "basis": "lookthrough", "of": "",
             "concern_share": 0.1, "cap": 1.0, "binding": False, "marginal_cost_per_point": 0.0},
        ]  # fmt: skip
        for r in rows[-4:]:
            r.update(
                scenario="",
                supplied=10.0,
                concern_share_direct=direct if r["product"] == "magnet" else 0.05,
                concern_share_lookthrough=look if r["product"] == "magnet" else 0.3,
            )
    crisis = dict(rows[0], scenario="Ban", concern_share=0.99)
    return pd.DataFrame([*rows, crisis])


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table as the text of their cells, with each cell's class: ``text|class``."""
    table = re.search(rf'<table id="{table_id}">.*?</table>', page, re.DOTALL).group(0)  # type: ignore[union-attr]
    body = table.split("<tbody>")[1]
    return [
        [f"{text}|{css}" for css, text in re.findall(r'<td(?: class="([^"]*)")?[^>]*>(.*?)</td>', row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_dependency_per_stage_and_period_against_the_caps() -> None:
    """A row per (stage, market, whose share) capped in some period, a column group per period
    with the direct and look-through shares and the cap on its basis: the binding cap's share
    yellow, a share over its cap red; a single-country cap labelled with its country (its share is
    measured directly: no look-through); the uncapped chip and the crisis rows left out."""
    tables = {**tiered_tables(), "Dependency": dependency_v3()}
    page = render_html(tables, FACTS)
    head = re.search(r'<table id="dependency-table"><thead>(.*?)</thead>', page, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert '<th colspan="3">2025</th><th colspan="3">2030</th>' in head
    rows = table_rows(page, "dependency-table")
    assert [r[:3] for r in rows] == [
        ["oxide|", "Home|", "single country: Japan|"],
        ["magnet|", "Home|", "concern countries|"],
        ["magnet|", "Home|", "concern countries|"],
    ]  # oxide before magnet: the chain's tier order (the direct and look-through caps: two rows)
    oxide, magnet_direct, magnet_look = rows
    assert oxide[3:6] == ["45.0%|num over-cap", "|num", "40.0% direct, over cap|cap"]
    assert magnet_direct[3:6] == ["55.0%|num over-cap", "60.0%|num", "50.0% direct, over cap|cap"]
    assert magnet_direct[6:9] == ["20.0%|num", "30.0%|num", "50.0% direct|cap"]  # under its cap: unmarked
    assert magnet_look[3:6] == ["55.0%|num", "60.0%|num", "none|num none"]  # no look-through cap in 2025
    assert magnet_look[6:9] == ["20.0%|num", "30.0%|num binding", "30.0% look-through, binding|cap"]
    assert "binding: 2.50 EUR per point of cap" in page
    assert "99.0%" not in page  # the crisis row


def test_the_dependency_heat_map_names_the_period_and_market_of_each_cell() -> None:
    """Per stage and period, the highest share over the markets outside concern countries, direct
    and look-through side by side, each cell naming its market; the columns are the periods."""
    tables = {**tiered_tables(), "Dependency": dependency_v3()}
    data, layout = plots(render_html(tables, FACTS))["dependency-heatmap"]
    assert [t["x"] for t in data] == [["2025", "2030"]] * 2
    direct, look = data
    assert direct["y"] == ["chip", "magnet"]  # concern shares only: the single-country row (oxide) is not one
    assert direct["text"][1] == ["55% Home", "20% Home"] and look["text"][1] == ["60% Home", "30% Home"]
    assert [a["text"] for a in layout["annotations"]] == ["<b>direct</b>", "<b>look-through</b>"]


# ---- crises -------------------------------------------------------------------------------------


def crisis_tables() -> dict[str, pd.DataFrame]:
    """tiered_tables with a second crisis, 'Blockade', costlier than 'Ban', that leaves chips 20%
    served in Home; ScenarioSummary with each crisis's weight and extra cost, an input drawn."""
    tables = tiered_tables()
    tables["Sites"] = tables["Sites"].assign(production=tables["Sites"]["capacity"])
    scen = tables["Scenarios"]
    block = scen.assign(scenario="Blockade", supplied=scen["demand"], stock_drawn=0.0)
    chips = block["product"] == "chip"
    block.loc[chips, "supplied"] = block.loc[chips, "demand"] * 0.2
    block["unmet"] = block["demand"] - block["supplied"] - block["stock_drawn"]
    block["served_share"] = 1 - block["unmet"] / block["demand"]
    tables["Scenarios"] = pd.concat([scen, block], ignore_index=True)
    summary = []
    for t in PERIODS:
        for w, weight, extra in (("Ban", 0.05, 120.0), ("Blockade", 0.02, 900.0)):
            for p in ("magnet", "chip"):
                summary.append(
                    {"period": t, "scenario": w, "product": p, "weight": weight, "max_shortfall": None,
                     "extra_cost": extra}
                )  # fmt: skip
    tables["ScenarioSummary"] = pd.DataFrame(summary)
    tables["ScenarioInputs"] = pd.DataFrame(
        [{"period": 2030, "scenario": "Ban", "product": "oxide", "market": "Home", "supplied": 5.0,
          "stock_drawn": 12.0, "used": 17.0}]
    )  # fmt: skip
    return tables


def test_each_crisis_as_a_table_with_the_worst_cells_marked() -> None:
    """The last period's table first, the earlier ones folded; a row per crisis and product: the
    served share per market (Ban in 2030 serves Home 74 of its 100 magnets and draws 16 from stock:
    90%, its worst market, marked ▼; Ally in full; 100 of 110 over both: 91%), the stock drawn (16
    k), the extra cost (Blockade's, the costliest, marked), the inputs drawn from stock (12 t of
    oxide in Home); Blockade serves chips 20% in Home."""
    page = render_html(crisis_tables(), FACTS)
    section = page[page.index('<section id="crises">') : page.index('<section id="chains">')]
    assert section.index("<h3>Crises in 2030</h3>") < section.index("<summary>Crises in 2025 (click to show)")
    last = section.split("<details>")[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", last)]
    header = re.findall(r"<th>(.*?)</th>", last)
    assert header == ["crisis", "extra cost of the year", "product", "all markets", "Home", "Ally", "stock drawn"]
    ban_magnet, ban_chip, block_magnet, block_chip = (r for r in rows if r)
    assert ban_magnet == [
        "Ban (5% a year; inputs drawn: 12 t oxide in Home)",
        "+120 EUR",
        "magnet",
        "91%",
        "▼ 90%",
        "100%",
        "16 k",
    ]
    assert ban_chip == ["chip", "100%", "100%", "", ""]
    assert block_magnet == ["Blockade (2% a year)", "+900 EUR", "magnet", "100%", "100%", "100%", ""]
    assert block_chip == ["chip", "20%", "▼ 20%", "", ""]
    marked = re.findall(r'<td class="([^"]*worst[^"]*)"[^>]*>(.*?)</td>', last)
    assert marked == [("num s-mild worst", "▼ 90%"), ("num worst", "+900 EUR"), ("num s-worse worst", "▼ 20%")]
    assert 'title="the costliest crisis"' in last


# ---- the Sankeys ----------------------------------------------------------------------------------


def test_sankey_labels_fit_between_their_columns_and_never_stack() -> None:
    """Every node's label is its country alone (the product and step head the column), cut to the
    room between two columns; nodes of a column stand at least a label's height apart; the last
    real column stands left of the hidden node at the right edge, so its labels are written on the
    right, in the room left for them; the column headings name the products."""
    page = render_html(tiered_tables(), FACTS)
    found = plots(page)
    for k, per_choice in enumerate(chain_traces(page)):
        layout = found[f"chain-{k}"][1]
        plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        for trace in per_choice:
            node = trace["node"]
            names = trace["meta"]["nodes"]
            real = len(names)
            xs = sorted(set(node["x"][:real]))
            assert max(xs) < node["x"][real] == 0.999  # the hidden node: right of every real one
            spacing = (xs[1] - xs[0]) * SANKEY_WIDTH if len(xs) > 1 else LABEL_ROOM
            for i in range(real):
                label = html_report.html.unescape(node["label"][i])
                country = label.removeprefix("stock: ").removesuffix("…")
                assert names[i].endswith(f"in {country}") or country == "all makers" or label.endswith("…"), label
                room = LABEL_ROOM if node["x"][i] == max(xs) else spacing
                assert len(label) * CHAR_PX + SANKEY_THICKNESS <= room, label
            for x in xs:
                ys = sorted(y for y, xi in zip(node["y"][:real], node["x"][:real], strict=True) if xi == x)
                assert all((b - a) * plot_h >= SANKEY_PAD - 1e-6 for a, b in itertools.pairwise(ys)), (x, ys)
    headings = " ".join(a["text"] for a in found["chain-1"][1]["annotations"])
    for product in ("ore", "oxide", "magnet"):
        assert f"<b>{product}</b>" in headings
    assert "made in" in headings and "delivered in" in headings


def test_the_column_headings_follow_the_period_chosen() -> None:
    """The headings are swapped with the trace (one list per choice, in the chain's box)."""
    page = render_html(tiered_tables(), FACTS)
    boxes = re.findall(
        r'<div class="chain" data-choices="([^"]*)" data-captions="[^"]*" data-annotations="([^"]*)"', page
    )
    for keys, headings in boxes:
        keys, headings = json.loads(html_report.html.unescape(keys)), json.loads(html_report.html.unescape(headings))
        assert len(keys) == len(headings) == 2 * len(PERIODS)
    assert "Plotly.newPlot(plot, data, layout, CONFIG)" in page and "headings[keys.indexOf(key)]" in page


# ---- the shipped sample -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The shipped sample solved through the API (as run.py does) and its report written."""
    import model
    from tests.helpers import SHIPPED_SAMPLE

    result = model.solve(model.read(SHIPPED_SAMPLE))
    path = write_html_report(tmp_path_factory.mktemp("sample") / "sample_report.html", result.tables, result.network)
    return path, result


@pytest.mark.slow
def test_the_sample_report_answers_the_five_questions_in_order(sample_report: tuple[Path, Any]) -> None:
    """The shipped sample: the headline's cards; the build-out table lists every candidate built
    in the period it is first built, with its fixed cost; the dependency table has the USA's
    look-through magnet caps (80% in the last period); the crisis table shows the Taiwan blockade
    leaving no leading-edge chips served in the worst market in 2033 (marked as its row's worst);
    the Sankeys open on 2033, the last period."""
    from tests.test_sample import OPENS_2027, OPENS_2030, OPENS_2033

    path, result = sample_report
    page = path.read_text(encoding="utf-8")
    net = result.network
    at = [page.index(f'<section id="{s}">') for s in SECTIONS if s != "frontier"]
    assert at == sorted(at)
    for label in ("Total cost (objective)", "Normal-year cost", "Expected disruption cost", "Status", "Gap"):
        assert f'<div class="label">{label}</div>' in page
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", page.split('id="build-plan"')[1])
    ]
    builds = {(r[0], html_report.html.unescape(r[2])): r[6] for r in rows if len(r) > 6 and r[1] == "build"}
    expected = {("2027", s) for s in OPENS_2027} | {("2030", s) for s in OPENS_2030} | {("2033", s) for s in OPENS_2033}
    assert set(builds) == expected
    for (_, site), fixed in builds.items():
        assert fixed == htmlkit.money(net.fixed_cost[site], net.settings.currency)
    dep = table_rows(page, "dependency-table")
    us_magnets = next(r for r in dep if r[0] == "NdFeB magnets|" and r[1] == "USA|")
    assert us_magnets[-1] == "80.0% look-through|cap"
    crises = page[page.index('<section id="crises">') : page.index('<section id="chains">')].split("<details>")[0]
    assert "<h3>Crises in 2033</h3>" in crises
    worst_chips = 'title="the worst market for Packaged leading-edge chips in Taiwan strait blockade">▼ 0%</td>'
    assert worst_chips in crises
    assert '<select id="choose-period" data-first="p3">' in page and '<option value="p3">2033</option>' in page
    for traces in chain_traces(page):
        assert [t["visible"] for t in traces].index(True) == 3  # the baseline of the last period


SHOT_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var out = {overlaps: [], labels: 0, views: 0, sections: []};
  function look(view) {  // every pair of labels of a diagram whose boxes on the screen intersect
    document.querySelectorAll("div.chain .plotly-graph-div").forEach(function (d) {
      var boxes = Array.prototype.map.call(d.querySelectorAll(".sankey-node .node-label"), function (t) {
        return {text: t.textContent, r: t.getBoundingClientRect()};
      }).filter(function (b) { return b.text && b.r.width > 0; });
      out.labels += boxes.length;
      for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i].r, b = boxes[j].r;
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
          out.overlaps.push(view + " " + d.id + ": " + boxes[i].text + " / " + boxes[j].text);
      }
    });
    out.views += 1;
  }
  document.querySelectorAll("section").forEach(function (s) {
    var r = s.getBoundingClientRect(); out.sections.push([s.id, r.width]);
  });
  out.page = [document.documentElement.scrollWidth, window.innerWidth];
  out.tables = Array.prototype.map.call(document.querySelectorAll("section table"), function (t) {
    var section = t.closest("section"), box = t.closest(".scroll, .wide") || t;  // a wide table scrolls in its box
    return [t.id || section.id, box.getBoundingClientRect().right, section.getBoundingClientRect().right];
  });
  look("first");
  var s = document.getElementById("choose-scenario"), p = document.getElementById("choose-period");
  var todo = [];
  Array.prototype.forEach.call(s.options, function (a) {
    Array.prototype.forEach.call(p.options, function (b) { todo.push([a.value, b.value]); });
  });
  function next() {
    if (!todo.length) {
      var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
      return;
    }
    var ab = todo.shift();
    s.value = ab[0]; s.dispatchEvent(new Event("change"));
    p.value = ab[1]; p.dispatchEvent(new Event("change"));
    setTimeout(function () { look(ab[0] + ab[1]); next(); }, 1500);
  }
  next();
}, 3000); });
</script>"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium); .ci/run installs it")
def test_the_sample_report_at_1400_px_has_no_colliding_labels(sample_report: tuple[Path, Any], tmp_path: Path) -> None:
    """In Chromium 1400 px wide: no two Sankey labels of a diagram overlap (their boxes on the
    screen) in any crisis and period chosen, every section as wide as the page allows, every table
    whole within it (none scrolls sideways), and the screenshot of the whole page is not blank."""
    from PIL import Image, ImageStat

    path, _ = sample_report
    page = path.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", SHOT_PROBE + "</body>"), encoding="utf-8")
    done = chromium(["--window-size=1400,1000", "--dump-dom", probe.as_uri()], tmp_path)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stderr[-2000:]
    result = json.loads(html_report.html.unescape(found.group(1)))
    assert result["views"] == 1 + 6 * 4  # the first view, then the baseline and 5 crises in 4 periods
    assert result["labels"] > 100 * result["views"] and result["overlaps"] == []
    assert all(width <= 1200 for _, width in result["sections"]), result["sections"]
    assert result["page"][0] <= result["page"][1]  # nothing wider than the window
    assert result["tables"] and all(right <= edge + 1 for _, right, edge in result["tables"]), result["tables"]
    shot = tmp_path / "shot.png"
    done = chromium([f"--screenshot={shot}", "--window-size=1400,9000", path.as_uri()], tmp_path)
    image = Image.open(shot).convert("L")
    assert image.size == (1400, 9000) and ImageStat.Stat(image).stddev[0] > 20
