"""Calibration: the first period's normal year held against today's trade (the Observed sheet).

Nothing here changes the optimum: the family builds no component. After the solve it sets each
Observed row beside the modelled share of world production,

    modelled[p, k] = sum_{s: p(s)=p, c(s)=k, s not a hub} sum_m x[s,m,t0,normal]
                     / sum_{s: p(s)=p, s not a hub} sum_m x[s,m,t0,normal]

(t0 the first period; a hub passes on what others made, so it makes nothing), and flags a row
whose difference exceeds ``Settings.calibration_tolerance``: the number an analyst checks first
("the first year must look like today's trade before anyone believes year ten"), with ``why``:
what the gap comes from, read off the country's plants in that year (``why``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model import htmlkit as kit
from model.columns import Column, Record, Sheet, SheetData, valid
from model.families.common import Line
from model.families.flows import normal
from model.families.protocol import (
    Col,
    Context,
    Equation,
    Extraction,
    Glance,
    Section,
    Table,
    column_names,
    value,
)
from model.families.verify import TOL, rows_of
from model.issues import Issues
from model.network import Network

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

OBSERVED = Sheet(
    name="Observed",
    description="Today's trade, to hold the baseline against: a country's observed share of "
    "world production of a product in the first period (a public figure). Nothing here changes "
    "the optimum; the Calibration results sheet sets each row beside the modelled share and flags "
    "gaps wider than Settings.calibration_tolerance. The shares of one product may not sum to "
    "more than 1.",
    columns=(
        Column("product", "name", "Product.", ref="product"),
        Column("country", "name", "Producing country.", ref="country"),
        Column("share", "share", "Its observed share of world production of the product in the first period."),
        Column(
            "source",
            "text",
            "Where the figure comes from (USGS Mineral Commodity Summaries, IEA, ...).",
            required=False,
            blank_means="no source given",
        ),
    ),
    key=("product", "country"),
    place=160,
    without="the first period would not be held against today's trade",
)


SHEETS = (OBSERVED,)
"""The input sheets this family declares (``model.schema``)."""


# The Observed shares it reads: its part of the network

PART = "calibration"
"""This family's key in ``Network.parts``."""


@dataclass(frozen=True)
class Observed:
    """One Observed row: ``country``'s observed share of world production of ``product`` in the
    first period, with its ``source`` (Calibration holds the model's first year against it)."""

    row: int
    product: str
    country: str
    share: float
    source: str = ""


@dataclass(frozen=True)
class Observations:
    """The Observed rows (``Network.parts["calibration"]``): the same in every period (they hold
    the first period against today's trade)."""

    rows: tuple[Observed, ...] = ()

    def at(self, net: Network, year: int | None) -> Observations:
        """The same rows for any network: they do not vary by period or setting."""
        return self


def read(data: Mapping[str, SheetData], net: Network) -> Observations:
    """The Observed sheet's valid rows."""
    return Observations(
        tuple(
            Observed(r.row, v["product"], v["country"], float(v["share"]), v.get("source") or "")
            for r in valid(data.get("Observed"))
            for v in (r.values,)
        )
    )


def observed_of(net: Network) -> tuple[Observed, ...]:
    """The Observed rows of ``net`` (none where it has no Observed sheet)."""
    part = net.parts.get(PART)
    return part.rows if part is not None else ()


TABLES = (
    Table(
        "Calibration",
        "one row per Observed row: the first period's modelled share of world production beside it",
        ("product", "country"),
        (
            Col("product", "name", "the product"),
            Col("country", "name", "the producing country"),
            Col("observed", "share", "its observed share of world production (Observed.share)"),
            Col("modelled", "share", "its share of what all plants of the product make, first period, normal year"),
            Col("difference", "share", "modelled - observed"),
            Col("source", "text", "where the observed figure comes from"),
            Col("flag", "text", "'beyond tolerance' where |difference| > Settings.calibration_tolerance"),
            Col("why", "text", "for a flagged row, what the gap comes from"),
        ),
        when="with an Observed sheet",
        place=40,
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS: tuple[Equation, ...] = ()
"""No constraint of its own: it reads the flows and writes tables."""
DIMENSIONS: dict[str, tuple[str, ...]] = {}
HORIZON = True
"""The check reads the whole horizon (the first period's flows), not one period at a time."""

CALIBRATION_COLUMNS = column_names(TABLES, "Calibration")


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Nothing to build: the Observed shares do not change the optimum."""


def modelled_shares(production: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Each (product, country)'s share of the product's world production, from the production of
    the plants (hubs left out) per (product, country)."""
    world: dict[str, float] = defaultdict(float)
    for (p, _), q in production.items():
        world[p] += q
    return {(p, k): q / world[p] for (p, k), q in production.items() if world[p] > 0}


def row(obs: Any, modelled: float, tolerance: float) -> dict[str, Any]:
    """One Calibration row: the observed and modelled shares, their difference (modelled less
    observed, in share points as a fraction) and a flag beyond the tolerance."""
    difference = modelled - obs.share
    return {
        "product": obs.product,
        "country": obs.country,
        "observed": obs.share,
        "modelled": modelled,
        "difference": difference,
        "source": obs.source,
        "flag": "beyond tolerance" if abs(difference) > tolerance + 1e-9 else "",
    }


def why(obs: Any, modelled: float, made: float, capacity: float, unit: str) -> str:
    """What a flagged row's gap comes from, read off the first year's Sites rows of the country:
    no plant there; its plants at full capacity (less capacity than today's share needs); plants
    left idle for cheaper supply elsewhere (a ``min_output`` on them holds today's output); or
    plants that undercut the rest (the others' contracts, as ``min_output``, hold them)."""
    amount = f"{made:,.4g} of {capacity:,.4g} {unit}".replace("  ", " ").strip()
    if capacity <= 0:
        return f"no plant of {obs.product} operates in {obs.country} in the first period (the Sites sheet)"
    if modelled < obs.share:
        if made >= capacity * (1 - 1e-6):
            return f"its plants run at full capacity ({amount}): less capacity than today's share needs"
        return (
            f"its plants make {amount} they could: supply elsewhere is cheaper in the model; a min_output "
            "on them (their offtake contracts) holds today's output"
        )
    return (
        f"its plants ({amount}) undercut the rest in the model; a min_output on the other countries' real "
        "plants (their contracts) holds today's trade"
    )


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Calibration (with an Observed sheet): one row per Observed row, from the first period's
    normal-year flows; the flagged rows' count is kept in ``out.extra["calibration_flagged"]``."""
    net = ctx.net
    if not observed_of(net):
        return
    first = ctx.periods[0]
    production: dict[tuple[str, str], float] = defaultdict(float)
    for (s, _, t), var in normal(m.flow).items():
        if t == first and s not in net.hubs:
            production[(net.site_product[s], net.site_country[s])] += max(value(var), 0.0)
    shares = modelled_shares(production)
    tolerance = net.settings.calibration_tolerance
    capacity: dict[tuple[str, str], float] = defaultdict(float)
    sites = out.tables["Sites"]
    if "period" in sites.columns:
        sites = sites[sites["period"] == first]
    for s, p, k, cap in rows_of(sites, "site", "product", "country", "capacity"):
        if s not in net.hubs:
            capacity[(p, k)] += cap
    rows = []
    for obs in observed_of(net):
        key = (obs.product, obs.country)
        r = row(obs, shares.get(key, 0.0), tolerance)
        unit = net.unit.get(obs.product, "")
        r["why"] = why(obs, r["modelled"], production.get(key, 0.0), capacity.get(key, 0.0), unit) if r["flag"] else ""
        rows.append(r)
    table = pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)
    out.tables["Calibration"] = table
    out.extra["calibration_flagged"] = int((table["flag"] != "").sum())


def check(res: Any, net: Network) -> list[str]:
    """The Calibration table from the Flows alone: each modelled share recomputed from the first
    period's flows of plants (hubs left out), the difference and the flag against the tolerance."""
    if "Calibration" not in res.tables:
        return [] if not observed_of(net) else ["Calibration: the Observed sheet has rows but no Calibration table"]
    flows = res["Flows"]
    if "period" in flows.columns:
        flows = flows[flows["period"] == net.periods[0].year]
    production: dict[tuple[str, str], float] = defaultdict(float)
    for site, product, origin, q in rows_of(flows, "site", "product", "origin", "quantity"):
        if site not in net.hubs:
            production[(product, origin)] += q
    shares = modelled_shares(production)
    tolerance = net.settings.calibration_tolerance
    out = []
    for p, k, observed, modelled, difference, flag in rows_of(
        res["Calibration"], "product", "country", "observed", "modelled", "difference", "flag"
    ):
        expected = shares.get((p, k), 0.0)
        if abs(modelled - expected) > TOL:
            out.append(f"Calibration: {p} in {k}: modelled share {modelled:.6g}, the flows give {expected:.6g}")
        if abs(difference - (modelled - observed)) > TOL:
            out.append(f"Calibration: {p} in {k}: difference {difference:.6g} is not modelled less observed")
        flagged = isinstance(flag, str) and flag != ""
        if flagged != (abs(modelled - observed) > tolerance + 1e-9):
            out.append(f"Calibration: {p} in {k}: flag '{flag}' disagrees with the tolerance {tolerance:g}")
    return out


def console(line: Line, net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """The first year against today's trade (the Calibration sheet): how many Observed rows are
    within the tolerance, and each flagged row with its observed and modelled share and source."""
    table = tables.get("Calibration")
    tolerance = net.settings.calibration_tolerance
    if table is None or not len(table):
        return
    flagged = table[table["flag"].fillna("") != ""]
    line(
        f"Calibration (first year against Observed): {len(table) - len(flagged)} of {len(table)} shares "
        f"within {tolerance:.0%} points"
    )
    for r in flagged.itertuples():
        source = f"; {r.source}" if isinstance(r.source, str) and r.source else ""
        line(
            f"  << {r.product}, {r.country}: modelled {r.modelled:.0%}, observed {r.observed:.0%} "
            f"({r.difference:+.0%} points{source})"
        )
        if isinstance(getattr(r, "why", None), str) and r.why:
            line(f"     {r.why}")


# The HTML report

SECTION_PLACE = 10
"""Where its section stands in the HTML report: first after the headline (how far to trust the rest)."""


def html(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Section]:
    """Its section of the HTML report (``calibration_section``), when there is a Calibration table."""
    text = calibration_section(tables, facts)
    return [Section(SECTION_PLACE, text)] if text else []


def glance(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> list[Glance]:
    """Its part of the headline's "How sure" line: how many observed shares of today's trade the
    first year misses by more than the tolerance, and a link to its section."""
    cal = tables.get("Calibration")
    if cal is None or not len(cal):
        return []
    sure = ""
    if "flag" in cal.columns:
        flagged = int((cal["flag"].fillna("").astype(str) != "").sum())
        sure = f"{flagged} of {len(cal)} observed shares of today's trade beyond the tolerance"
    return [Glance(SECTION_PLACE, sure=sure, see='<a href="#calibration">the first year against today\'s trade</a>')]


def calibration_section(tables: Mapping[str, pd.DataFrame], facts: kit.Facts) -> str:
    """The first year against today's trade (with ``Calibration``): modelled against observed
    share of world production, product by product (each stage of a chain a group of bars, in the
    Observed sheet's order), and a table of the rows beyond the tolerance with their sources."""
    cal = tables.get("Calibration")
    if cal is None or not len(cal):
        return ""
    x = [list(cal["product"].astype(str)), list(cal["country"].astype(str))]
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": x,
            "y": [float(v) for v in cal[column]],
            "marker": {"color": color},
            "hovertemplate": f"%{{x}}<br>{name}: %{{y:.1%}}<extra></extra>",
        }
        for name, column, color in (("observed", "observed", "#7f7f7f"), ("modelled", "modelled", kit.PALETTE[0]))
    ]
    layout = kit.layout(
        "Share of world production in the first period: modelled against observed",
        height=440,
        barmode="group",
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": {"text": "share of world production"}},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 70, "r": 20, "t": 60, "b": 120},
    )
    flagged = cal[cal["flag"].fillna("") != ""]
    if len(flagged):
        rows = [
            [
                str(r.product),
                str(r.country),
                kit.pct(r.observed),
                kit.pct(r.modelled),
                f"{float(r.difference) * 100:+.0f} points",
                str(r.source) if isinstance(r.source, str) else "",
                str(getattr(r, "why", "") or ""),
            ]
            for r in flagged.itertuples()
        ]
        note = f"<h3>Beyond the tolerance ({len(flagged)} of {len(cal)})</h3>" + kit.table(
            ["product", "country", "observed", "modelled", "difference", "source", "why"],
            rows,
            ["over-cap"] * len(rows),
        )
    else:
        note = f'<p class="ok">Every one of the {len(cal)} observed shares is within the tolerance.</p>'
    return (
        "<section id=\"calibration\"><h2>The first year against today's trade</h2><p>Each country's share "
        "of what all plants of a product make in the first period's normal year, beside the share observed "
        "today (the Observed sheet, with its sources). A first year far from today's trade is a reason to "
        "doubt the later years: see the Calibration sheet.</p>"
        + kit.plot_div("calibration", traces, layout)
        + note
        + "</section>"
    )


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def check_records(data: Mapping[str, SheetData], known: Mapping[str, Any], issues: Issues) -> None:
    """The Observed sheet before the network is assembled (errors): a product's shares sum to
    at most 1."""
    check_observed_shares(data.get("Observed"), issues)


def check_observed_shares(observed: SheetData | None, issues: Issues) -> None:
    """The Observed shares of one product are shares of its world production: they sum to at most 1."""
    if observed is None:
        return
    letter = observed.letters.get("share", "")
    by_product: dict[str, list[Record]] = {}
    for rec in valid(observed):
        by_product.setdefault(rec.values["product"], []).append(rec)
    for product, recs in by_product.items():
        total = sum(float(r.values["share"]) for r in recs)
        if total > 1 + 1e-9:
            cells = ", ".join(f"{letter}{r.row}" for r in recs)
            issues.error(
                "Observed",
                f"{letter}{recs[-1].row}",
                f"the observed shares of {product} ({cells}) sum to {total:.3g}; they are shares of the world's "
                "production of it and cannot sum to more than 1",
            )
            for r in recs:
                r.values["_invalid"] = True
