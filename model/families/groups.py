"""Site groups: constraint (12), the fewest and most sites of a group that operate in every
period; the Groups table; the group invariant."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.columns import Column, Sheet, SheetData, valid
from model.families.common import CONFLICT_TOL, when
from model.families.protocol import (
    PERIOD,
    Col,
    Conflict,
    Context,
    Equation,
    Extraction,
    Table,
    column_names,
    period_columns,
    with_period,
)
from model.families.verify import rows_of
from model.issues import Issue, Issues
from model.network import Network

# The input sheets it reads (model.schema assembles the workbook's sheets from these)

GROUPS = Sheet(
    name="Groups",
    description="Limits on how many sites of a group (Sites.group) operate, in every period. "
    "Existing sites count as operating. A group that no site names is a warning.",
    columns=(
        Column("group", "text", "A label used in Sites.group."),
        Column("min_open", "integer", "Fewest sites of the group that operate.", required=False, default=0, minimum=0),
        Column(
            "max_open",
            "integer",
            "Most sites of the group that operate.",
            required=False,
            minimum=0,
            blank_means="no limit",
        ),
    ),
    key=("group",),
    place=130,
    row_is="group",
    without="no group limit would hold",
)


SHEETS = (GROUPS,)
"""The input sheets this family declares (``model.schema``)."""


# The groups it reads: its part of the network

PART = "groups"
"""This family's key in ``Network.parts``."""


@dataclass(frozen=True)
class Groups:
    """The site groups (``Network.parts["groups"]``): the same in every period."""

    limits: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    """G: (min_open, max_open) per Groups row (max None: no limit)."""
    site_group: dict[str, str] = field(default_factory=dict)
    """Sites.group of each site that names one."""

    def at(self, net: Network, year: int | None) -> Groups:
        """The same groups for any network (a site outside S(t) simply does not operate in t)."""
        return self


def read(data: Mapping[str, SheetData], net: Network) -> Groups:
    """The Groups sheet's rows and the Sites sheet's ``group`` column."""
    return Groups(
        {
            r.values["group"]: (int(r.values.get("min_open") or 0), r.values.get("max_open"))
            for r in valid(data.get("Groups"))
        },
        {r.values["site"]: r.values["group"] for r in valid(data.get("Sites")) if r.values.get("group")},
    )


def groups_of(net: Network) -> Groups:
    """The site groups of ``net`` (none where it has no Groups sheet)."""
    part = net.parts.get(PART)
    return part if part is not None else Groups()


SHEET_ADDS = {
    "Sites": (
        Column(
            "group",
            "text",
            "A label the Groups sheet can limit (e.g. 'new fabs', 'depots').",
            required=False,
            blank_means="no group",
        ),
    ),
}
"""The columns it adds to a sheet another family declares."""

TABLES = (
    Table(
        "Groups",
        "one row per group with limits and period",
        ("period", "group"),
        (
            PERIOD,
            Col("group", "name", "the group (Sites.group)"),
            Col("min_open", "count", "the fewest of its sites that must operate"),
            Col("max_open", "count", "the most that may (blank: no limit)"),
            Col("open", "count", "how many operate"),
            Col("sites_open", "text", "which"),
        ),
        when="with a Groups sheet",
        place=80,
    ),
)
"""The result tables this family makes (their columns' units format the results workbook)."""

EQUATIONS = (
    Equation(
        "12",
        (
            "`min_open[G] − σ⁻_G ≤ Σ_{s∈G∩S_b∩S(t)} b[s,t] + |(G ∩ S(t)) \\ S_b| ≤ max_open[G] + σ⁺_G`, in "
            "every period, where the limit can bind"
        ),
        ("group_min_open", "group_max_open"),
        "Groups, Sites.`group`",
    ),
)
"""The constraints this family writes, as docs/formulation.md's table shows them (generated)."""

DIMENSIONS = {
    "GROUP_LIMITS": ("group", "period"),
    "group_min_open": ("group", "period"),
    "group_max_open": ("group", "period"),
    "group_shortfall": ("group", "period"),
    "group_excess": ("group", "period"),
}


def members(net: Network) -> dict[str, list[str]]:
    """Per group of the Groups sheet, its sites (Sites.group), in Sites order."""
    out: dict[str, list[str]] = {g: [] for g in groups_of(net).limits}
    for s in net.sites:
        g = groups_of(net).site_group.get(s)
        if g in out:
            out[g].append(s)
    return out


def build(m: pyo.ConcreteModel, ctx: Context) -> None:
    """Constraint (12) ``group_min_open`` and ``group_max_open``, per group and period:

    (12)  min_open[G] <= sum_{s in G, s decided} b[s,t] + |{s in G ∩ S(t) existing}| <= max_open[G]

    Existing sites count 1 while available (they operate); candidates count when built, closable
    sites while kept open (``b`` from ``capacity``, which must be built first). A row is made only where the
    limit can bind. With ``ctx.elastic`` the slacks ``group_shortfall`` and ``group_excess`` may
    be positive (their violation relative to the limit joins the elastic objective, to explain
    an infeasible model); otherwise they are held at 0. No costs.
    """
    net, periods = ctx.net, ctx.periods
    groups = members(net)
    keys = [(g, t) for t in periods for g in groups]
    m.GROUP_LIMITS = pyo.Set(dimen=2, initialize=keys, ordered=True, doc="G x T: site groups with limits")
    bound = (0, None if ctx.elastic else 0)
    m.group_shortfall = pyo.Var(
        m.GROUP_LIMITS, within=pyo.NonNegativeReals, bounds=bound, doc="slack of (12)'s min_open (elastic only)"
    )
    m.group_excess = pyo.Var(
        m.GROUP_LIMITS, within=pyo.NonNegativeReals, bounds=bound, doc="slack of (12)'s max_open (elastic only)"
    )

    def operating(g: str, t: int) -> tuple[list[Any], int]:
        available = set(ctx.at(t).sites)  # S(t): a site outside its window does not operate
        decided = [m.build[s, t] for s in groups[g] if (s, t) in m.CANDIDATES]
        return decided, sum(1 for s in groups[g] if s in available and (s, t) not in m.CANDIDATES)

    def min_rule(_m: pyo.ConcreteModel, g: str, t: int) -> object:
        low = groups_of(net).limits[g][0]
        decided, fixed = operating(g, t)
        if low <= fixed:
            return pyo.Constraint.Skip
        return sum(decided) + m.group_shortfall[g, t] >= low - fixed

    def max_rule(_m: pyo.ConcreteModel, g: str, t: int) -> object:
        high = groups_of(net).limits[g][1]
        decided, fixed = operating(g, t)
        if high is None or high >= fixed + len(decided):
            return pyo.Constraint.Skip
        return sum(decided) - m.group_excess[g, t] <= high - fixed

    m.group_min_open = pyo.Constraint(m.GROUP_LIMITS, rule=min_rule, doc="(12) fewest sites of a group operating")
    m.group_max_open = pyo.Constraint(m.GROUP_LIMITS, rule=max_rule, doc="(12) most sites of a group operating")
    if ctx.elastic:
        for g, t in keys:
            low, high = groups_of(net).limits[g]
            if (g, t) in m.group_min_open:
                ctx.violations.append(m.group_shortfall[g, t] / max(low, 1))
            if (g, t) in m.group_max_open:
                ctx.violations.append(m.group_excess[g, t] / max(high or 0, 1))


GROUP_COLUMNS = column_names(TABLES, "Groups")


def tables(m: pyo.ConcreteModel, ctx: Context, solved: Any, out: Extraction) -> None:
    """Groups (when the workbook has a Groups sheet): per group and period, its limits and the
    sites of it that operate."""
    net = ctx.net
    if not groups_of(net).limits:
        return
    sites = out.tables["Sites"]
    period = sites["period"].tolist()
    open_sites: dict[tuple[str, int], list[str]] = defaultdict(list)
    for s, built, t in zip(sites["site"].tolist(), sites["built"].tolist(), period, strict=True):
        g = groups_of(net).site_group.get(s)
        if g in groups_of(net).limits and built:
            open_sites[(g, t)].append(s)
    rows = []
    for t in ctx.periods:
        for g, (low, high) in groups_of(net).limits.items():
            names = open_sites[(g, t)]
            row = {"group": g, "min_open": low, "max_open": high, "open": len(names), "sites_open": ", ".join(names)}
            rows.append(with_period(row, t))
    out.tables["Groups"] = pd.DataFrame(rows, columns=period_columns(GROUP_COLUMNS))


def check(res: Any, net: Network) -> list[str]:
    """Group limits (12), recounted from the Sites table: the sites of each group that operate
    (existing sites, built candidates, kept closable sites) are within min_open and max_open."""
    if not groups_of(net).limits:
        return []
    count: dict[tuple[str, Any], int] = defaultdict(int)
    sites = res["Sites"]
    period = sites["period"].tolist() if "period" in sites else [None] * len(sites)
    for (s, built), t in zip(rows_of(sites, "site", "built"), period, strict=True):
        g = groups_of(net).site_group.get(s)
        if g in groups_of(net).limits and built:
            count[(g, t)] += 1
    out = []
    for t in dict.fromkeys(period):
        for g, (low, high) in groups_of(net).limits.items():
            n = count[(g, t)]
            if n < low:
                out.append(f"group {g}: {n} sites operate, fewer than min_open {low}")
            if high is not None and n > high:
                out.append(f"group {g}: {n} sites operate, more than max_open {high}")
    return out


# Checks of its inputs (run by model.workbook: errors on the records, warnings on the network)


def check_records(data: Mapping[str, SheetData], known: Mapping[str, Any], issues: Issues) -> None:
    """The Groups sheet before the network is assembled (errors): min_open <= max_open."""
    check_group_limits(data.get("Groups"), issues)


def warnings(net: Network) -> list[Issue]:
    """The groups' warnings on the assembled network: a group no site names."""
    return check_groups_named(net)


def check_group_limits(groups: SheetData | None, issues: Issues) -> None:
    """A Groups row's min_open is at most its max_open."""
    if groups is None:
        return
    letter = groups.letters.get("min_open", "")
    for rec in valid(groups):
        lo, hi = rec.values.get("min_open"), rec.values.get("max_open")
        if lo is not None and hi is not None and lo > hi:
            issues.error(
                "Groups",
                f"{letter}{rec.row}",
                f"group '{rec.values['group']}': min_open {lo} is more than max_open {hi}; no design can meet both",
            )
            rec.values["_invalid"] = True


def check_groups_named(net: Network) -> list[Issue]:
    """A group of the Groups sheet that no site names limits nothing."""
    named = set(groups_of(net).site_group.values())
    return [
        Issue(
            "warning",
            "Groups",
            net.address("Groups", g, "group"),
            f"no site names group '{g}' (Sites.group); its limits apply to nothing",
        )
        for g in groups_of(net).limits
        if g not in named
    ]


# Explaining an infeasible model (model.diagnose)


def conflicts(m: pyo.ConcreteModel, net: Network) -> list[Conflict]:
    """Group limits (12) that had to give: a min_open no design can reach (too few sites of the
    group can operate) or a max_open below the group's existing sites."""
    out: list[Conflict] = []
    groups = members(net)
    for g, t in m.GROUP_LIMITS:
        low, high = groups_of(net).limits[g]
        sites = groups[g]
        short = pyo.value(m.group_shortfall[g, t]) if (g, t) in m.group_min_open else 0.0
        over = pyo.value(m.group_excess[g, t]) if (g, t) in m.group_max_open else 0.0
        if short > CONFLICT_TOL:
            cell = net.cell("Groups", g, "min_open")
            can = low - short
            out.append(
                Conflict(
                    "group",
                    "",
                    "",
                    "",
                    low,
                    can,
                    (cell,),
                    f"{when(net, t)}group '{g}': min_open {low} ({cell}) asks for {low} operating sites, but at most "
                    f"{can:.0f} of its {len(sites)} sites ({', '.join(sites) or 'none'}) can operate; min_open "
                    f"would have to fall to {can:.0f}, or more sites be put in the group on the Sites sheet "
                    "(column group).",
                )
            )
        if over > CONFLICT_TOL:
            cell = net.cell("Groups", g, "max_open")
            view = net.at(t)
            existing = [s for s in sites if s in view.sites and s not in view.decided]
            limit = int(high or 0)
            if len(existing) > limit:  # the group's existing sites alone exceed it
                text = (
                    f"its {len(existing)} existing sites ({', '.join(existing)}) always operate; max_open would "
                    f"have to rise to {len(existing)}, or some of them be made closable on the Sites sheet."
                )
            else:  # the other requirements need more of the group's sites than it allows
                operating = [s for s in sites if s in view.sites and (s not in view.decided or operates(m, s, t))]
                need = math.ceil(limit + over - CONFLICT_TOL)
                text = (
                    f"the other requirements can only be met with {need} of its sites operating (the design "
                    f"that comes closest operates {', '.join(operating) or 'none'}); max_open would have to rise "
                    f"to {need}, or the requirements listed with it give further."
                )
            out.append(
                Conflict(
                    "group",
                    "",
                    "",
                    "",
                    float(limit),
                    float(limit) + over,
                    (cell,),
                    f"{when(net, t)}group '{g}': max_open {high} ({cell}) allows {high} operating sites, but {text}",
                )
            )
    return out


def operates(m: pyo.ConcreteModel, site: str, t: int) -> bool:
    """Whether the elastic design operates a decided site (candidate or closable) in period t."""
    var = m.build[site, t] if (site, t) in m.build else None  # noqa: SIM401 - an IndexedVar has no .get
    return var is not None and (var.value or 0.0) > 0.5
