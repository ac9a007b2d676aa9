"""The planning horizon (contract v2, ``Periods``): the periods and their weights, the rule that a
row with a ``period`` holds from that period on, each period's view of the network, and the
input rules of periods.

Symbols follow ``docs/formulation.md``: T the periods (each keyed by its first year), W[t] the
weights, S(t) the sites available in t, D[p,m,t], A(t), the caps and lanes in force in t.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from model import derive
from model.columns import Record, SheetData, valid
from model.issues import Issue, Issues
from model.network import SINGLE_PERIOD, Network, Period, pools_of

R = TypeVar("R")

WINDOW_COLUMNS = ("available_from", "available_until")


def weight(year: int, years: int, first_year: int, rate: float) -> float:
    """W[t] = sum_{k=0}^{years-1} (1 + rate)^-(year + k - first_year): the period's years, each
    discounted to the first period's year (``years`` when ``rate`` is 0)."""
    return float(sum((1.0 + rate) ** -(year + k - first_year) for k in range(years)))


def horizon(rows: Sequence[tuple[int, int | None]], rate: float) -> tuple[Period, ...]:
    """T from the Periods rows (year, years or None), ordered by year. A blank ``years`` is the
    gap to the next period, 1 for the last. ``SINGLE_PERIOD`` when there are no rows."""
    if not rows:
        return SINGLE_PERIOD
    ordered = sorted(rows)
    first = ordered[0][0]
    out = []
    for i, (year, years) in enumerate(ordered):
        if years is None:
            years = ordered[i + 1][0] - year if i + 1 < len(ordered) else 1
        out.append(Period(year=year, years=int(years), weight=weight(year, int(years), first, rate)))
    return tuple(out)


def in_force(rows: Iterable[R], key: Callable[[R], Hashable], period: Callable[[R], int | None], year: int) -> list[R]:
    """The rows in force in the period starting in ``year``: per key, the row with the latest
    period <= year (a blank period is the first period, so it is in force from the start); a key
    none of whose rows has started yet has no row. Rows keep their input order."""
    best: dict[Hashable, tuple[int, int]] = {}
    listed = list(rows)
    for i, row in enumerate(listed):
        p = period(row)
        start = -(10**9) if p is None else p
        if start > year:
            continue
        k = key(row)
        if k not in best or start >= best[k][0]:
            best[k] = (start, i)
    chosen = {i for _, i in best.values()}
    return [row for i, row in enumerate(listed) if i in chosen]


@dataclasses.dataclass(frozen=True)
class PeriodRows:
    """The rows of the sheets that may vary by period, with their ``period`` (None: blank)."""

    demand: list[tuple[str, str, float, int | None, float | None]]
    """(product, market, demand, period, unmet_penalty or None)."""
    lanes: list[tuple[derive.Lane, int | None]]
    shocks: list[derive.Shock]


def period_changes(net: Network, rows: PeriodRows, year: int, sites: Sequence[str]) -> dict[str, Any]:
    """The network as it stands in the period starting in ``year``, with ``sites`` available:
    D[p,m,t] and penalty[p,m,t] from the Demand rows in force (a row's blank penalty is the
    product's, not an earlier row's), the Lanes rows in force, the recipes of the sites of
    S(t) (``input_rate``), the pools N(t) and A(t) over those sites (never a hub into its own
    country), the scenario demand factors of D[., ., t], and each family's part derived for that
    network (``Part.at``: the Caps rows in force resolved against N(t) on each basis)."""
    demand_rows = in_force(rows.demand, lambda r: (r[0], r[1]), lambda r: r[3], year)
    demand = {(p, m): d for p, m, d, _, _ in demand_rows}
    market_penalty = {(p, m): pen for p, m, _, _, pen in demand_rows if pen is not None}
    lanes = [
        ln
        for ln, _ in in_force(rows.lanes, lambda r: (r[0].origin, r[0].destination, r[0].product), lambda r: r[1], year)
    ]
    kept = set(sites)
    input_rate = {(s, i): a for (s, i), a in net.input_rate.items() if s in kept}
    pools = pools_of(demand, net.site_country, input_rate)
    arcs = derive.arcs(sites, net.site_country, net.site_product, demand, lanes, pools, net.hubs)
    changes = dict(
        closable=tuple(s for s in net.closable if s in kept),  # outside S(t): no b[s,t] either
        input_rate=input_rate,
        sites=tuple(sites),
        candidates=tuple(s for s in net.candidates if s in kept),
        demand=demand,
        market_penalty=market_penalty,
        arcs=arcs.arcs,
        tariff_rate=arcs.tariff_rate,
        freight_cost=arcs.freight_cost,
        demand_factor=derive.demand_factors(rows.shocks, demand),
        views={},
    )
    in_period = dataclasses.replace(net, **changes)
    changes["parts"] = {name: part.at(in_period, year) for name, part in net.parts.items()}
    return changes


def view(net: Network, rows: PeriodRows, year: int, sites: Sequence[str]) -> Network:
    """The network as it stands in the period starting in ``year`` (``period_changes``): every
    field of ``PER_PERIOD_FIELDS`` made from the rows in force, every other field the horizon's."""
    return dataclasses.replace(net, **period_changes(net, rows, year, sites))


def with_periods(net: Network, rows: PeriodRows, periods: tuple[Period, ...]) -> Network:
    """``net`` with its horizon: the fields of ``net`` itself hold the first period's rows over
    every site (what a reader that ignores periods sees), and ``views[t]`` each period's network
    with S(t) = the sites whose window holds t."""
    first = periods[0].year
    base = dataclasses.replace(view(net, rows, first, net.sites), periods=periods)
    views = {
        p.year: dataclasses.replace(
            view(base, rows, p.year, [s for s in net.sites if base.available(s, p.year)]), periods=periods
        )
        for p in periods
    }
    return dataclasses.replace(base, views=views)


# ------------------------------------------------------------------------------------------
# Input rules of periods (errors and warnings with sheet and cell)
# ------------------------------------------------------------------------------------------


def period_warnings(net: Network, rules: Callable[[Network, frozenset[str] | None], list[Issue]]) -> list[Issue]:
    """The cross-sheet warning ``rules`` on the network; with periods, on each period's view
    instead, each distinct warning once: as it is when it holds in every period, else with the
    periods in which it holds (``in 2024, 2026: no site can supply ...``): demand from 2030 that
    no site can reach, a site that reaches no market until a lane opens. ``rules(view, needed)``
    is also told the products some pool needs in some period (None without periods), so that a
    product whose demand starts later is not a missing lane in the periods before."""
    if not net.views:
        return rules(net, None)
    needed = frozenset(p for period in net.periods for p, _ in net.at(period.year).pools)
    when: dict[tuple[str, str, str, str], list[int]] = {}
    for period in net.periods:
        for issue in rules(net.at(period.year), needed):
            when.setdefault((issue.level, issue.sheet, issue.cell, issue.message), []).append(period.year)
    everywhere = len(net.periods)
    return [
        Issue(level, sheet, cell, msg if len(years) == everywhere else f"in {', '.join(map(str, years))}: {msg}")
        for (level, sheet, cell, msg), years in when.items()
    ]


def nearest(year: int, years: Sequence[int]) -> int:
    """The year of ``years`` closest to ``year`` (the earlier one on a tie)."""
    return min(years, key=lambda y: (abs(y - year), y))


def check_records(data: dict[str, SheetData], issues: Issues) -> None:
    """The rules of the horizon on the records, before the network is assembled.

    With a Periods sheet: a ``period`` that is not a year of the Periods sheet is an error naming
    the nearest; two rows of one key in force from the same period (a blank period is the first
    period) are an error; ``available_until`` before ``available_from`` is an error; a candidate
    available only after the last period is a warning (it can never be built).
    Without one: ``period``, ``available_from`` and ``available_until`` cells are ignored, with a
    warning per column that has any; rows that differ only by ``period`` are duplicates (errors).
    ``years`` below 1 or not whole is refused by the schema (``minimum=1``, integer)."""
    periods = data.get("Periods")
    # the years the Periods sheet names, also on rows refused for another cell (years = 0): a
    # period that is on the sheet is not reported as missing from it (that follows from the
    # cause, which is reported at its cell); if a period cell itself cannot be read, the years
    # are not all known and no period is reported as missing
    recorded = [] if periods is None else periods.records
    years = sorted({r.values["period"] for r in recorded if r.values.get("period") is not None})
    all_known = all(r.values.get("period") is not None for r in recorded)
    if periods is not None:
        _check_overlaps(periods, issues)
    missing: dict[int, list[str]] = {}  # each year missing from Periods -> the cells that use it
    for name, sheet in data.items():  # the sheets with a period column: a row holds from its period on
        if name != "Periods" and "period" in sheet.spec.headers:
            _check_period_column(sheet, years, issues, all_known, missing)
    for year, cells in sorted(missing.items()):
        issues.error("Periods", "", missing_period_message(year, years, cells))
    sites = data.get("Sites")
    if sites is not None:
        _check_windows(sites, years, issues)


def _check_overlaps(periods: SheetData, issues: Issues) -> None:
    """A period whose ``years`` reach into the next period counts those years twice: a warning."""
    rows = sorted((r.values["period"], r.values.get("years"), r.row) for r in valid(periods))
    letter = periods.letters.get("years", "B")
    for (year, years, row), (following, _, _) in itertools.pairwise(rows):
        if years is not None and year + years > following:
            issues.warning(
                "Periods",
                f"{letter}{row}",
                f"period {year} stands for {years} years, past the next period {following}: the years from "
                f"{following} to {year + years - 1} count twice in the objective (leave 'years' blank for the gap "
                "to the next period)",
            )


MISSING_CELLS_SHOWN = 10
"""The cells a missing-period error lists before it says how many more use the year."""


def missing_period_message(year: int, years: list[int], cells: list[str]) -> str:
    """One error for a year that rows use but the Periods sheet lacks: the year, the sheet's years
    and the nearest, and the cells that use it (the first ``MISSING_CELLS_SHOWN``, then how many
    more)."""
    shown = cells[:MISSING_CELLS_SHOWN]
    listed = ", ".join(shown) + (f" and {len(cells) - len(shown)} more" if len(cells) > len(shown) else "")
    these = "this cell" if len(cells) == 1 else f"these {len(cells)} cells"
    return (
        f"{year} is missing from Periods (its years: {', '.join(map(str, years))}; the nearest is "
        f"{nearest(year, years)}), but it is used at {listed}. Add {year} to the Periods sheet, or change "
        f"{these} to one of its years"
    )


def _check_period_column(
    sheet: SheetData,
    years: list[int],
    issues: Issues,
    all_known: bool = True,
    missing: dict[int, list[str]] | None = None,
) -> None:
    """The ``period`` column of a Demand, Lanes or Caps sheet: without Periods, ignored with a
    warning; with Periods, each row whose period is not a year of it is refused, and its cell
    added to ``missing`` under the year (the caller reports each year once, with its cells); two
    rows of one key in force from the same period are an error."""
    letter = sheet.letters.get("period", "")
    filled = [r for r in valid(sheet) if r.values.get("period") is not None]
    if not years:
        if filled:
            issues.warning(
                sheet.spec.name,
                f"{letter}{filled[0].row}",
                f"the 'period' column is filled on {len(filled)} row(s) but the workbook has no Periods "
                "sheet (or an empty one): it is ignored (add periods to plan over several periods)",
            )
        _check_keys(sheet, lambda _p: None, issues, "without a Periods sheet the 'period' column is ignored")
        return
    for rec in filled:
        p = rec.values["period"]
        if p not in years:
            if not all_known:
                continue
            cell = f"{sheet.spec.name}!{letter}{rec.row}"
            if missing is None:
                issues.error(sheet.spec.name, f"{letter}{rec.row}", missing_period_message(p, years, [cell]))
            else:
                missing.setdefault(p, []).append(cell)
            rec.values["_invalid"] = True
    _check_keys(sheet, lambda p: years[0] if p is None else p, issues, "a blank period is the first period")


def _check_keys(sheet: SheetData, start: Callable[[int | None], int | None], issues: Issues, why: str) -> None:
    """Two valid rows whose key (with the period read by ``start``) is the same: an error on the
    later one, unless ``check_duplicates`` has already refused it."""
    others = [c for c in sheet.spec.key if c != "period"]
    seen: dict[tuple[Any, ...], Record] = {}
    for rec in valid(sheet):
        k = (*(rec.values.get(c) for c in others), start(rec.values.get("period")))
        if k in seen:
            issues.error(
                sheet.spec.name,
                f"{sheet.letters.get(others[0], 'A')}{rec.row}",
                f"duplicate row: same {', '.join(others)}{'' if k[-1] is None else ' and period'} as row "
                f"{seen[k].row} ({why})",
            )
            rec.values["_invalid"] = True
        else:
            seen[k] = rec


def _check_windows(sites: SheetData, years: list[int], issues: Issues) -> None:
    col_from, col_until = (sites.letters.get(c, "") for c in WINDOW_COLUMNS)
    recs = valid(sites)
    if not years:
        for column, letter in zip(WINDOW_COLUMNS, (col_from, col_until), strict=True):
            filled = [r for r in recs if r.values.get(column) is not None]
            if filled:
                issues.warning(
                    "Sites",
                    f"{letter}{filled[0].row}",
                    f"'{column}' is filled on {len(filled)} row(s) but the workbook has no Periods sheet (or an "
                    "empty one): it is ignored (every site is available in the one year planned)",
                )
        return
    for rec in recs:
        start, end = rec.values.get("available_from"), rec.values.get("available_until")
        site = rec.values["site"]
        if start is not None and end is not None and end < start:
            issues.error(
                "Sites",
                f"{col_until}{rec.row}",
                f"site '{site}': available_until {end} is before available_from {start}",
            )
            rec.values["_invalid"] = True
            continue
        if start is not None and start > years[-1]:
            what = "a candidate that can never be built" if rec.values.get("status") == "candidate" else "never used"
            issues.warning(
                "Sites",
                f"{col_from}{rec.row}",
                f"site '{site}' is available only from {start}, after the last period ({years[-1]}): {what}",
            )
        elif end is not None and end < years[0]:
            issues.warning(
                "Sites",
                f"{col_until}{rec.row}",
                f"site '{site}' is available only until {end}, before the first period ({years[0]}): never used",
            )
