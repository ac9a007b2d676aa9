"""Compare two results workbooks side by side ("what changed since last week's plan?").

Two plans over periods are compared period by period: the cost over the horizon and each period's
yearly cost, and each period's design, flows, shares, stocks and scenarios (every difference names
its periods). A plan over periods against one without is compared by its last period
(``last_period``), and the console says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from model.families import REPORTING
from model.issues import Issue, WorkbookError
from model.report import column_format, sheet_order
from model.sidebyside import differs, num, presence, union
from model.tables import declared
from model.xlsx import CHANGED_FILL, Book, CellStyle, save_atomically


def read_results(path: Path) -> dict[str, pd.DataFrame]:
    """A results workbook of this tool as the comparison reads it (``horizon_totals``)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as exc:
        raise WorkbookError([Issue("error", path.name, "", f"cannot be read as a results workbook ({exc})")]) from None
    always = [name for name, table in declared().items() if not table.when]  # every run makes them
    for needed in ("Summary", "Costs", *always):
        if needed not in sheets:
            raise WorkbookError(
                [Issue("error", path.name, "", f"is not a results workbook of this tool (no '{needed}' sheet)")]
            )
    sheets["Summary"] = _summary_as_written(path, sheets["Summary"])
    return horizon_totals({name: with_booleans(table) for name, table in sheets.items()})


def _summary_as_written(path: Path, summary: pd.DataFrame) -> pd.DataFrame:
    """The Summary's ``value`` column with each cell's own type, read by openpyxl: a column of
    mixed values (numbers, text, TRUE/FALSE) comes back from pandas' reader with its booleans as
    0/1 on some releases (pandas 2.2), which would show a HiGHS switch as a number."""
    if "value" not in summary.columns:
        return summary
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book["Summary"].iter_rows(values_only=True))
    finally:
        book.close()
    header = list(rows[0]) if rows else []
    if "value" not in header or len(rows) - 1 != len(summary):
        return summary
    j = header.index("value")
    out = summary.copy()
    out["value"] = pd.Series([r[j] if j < len(r) else None for r in rows[1:]], index=summary.index, dtype=object)
    return out


BOOLEAN_COLUMNS = frozenset(
    {c.name for table in declared().values() for c in table.columns if c.unit == "bool"} | {"equally_cheap", "changed"}
)
"""Columns of the results sheets that hold TRUE/FALSE (those declared in the unit ``bool``, and a
comparison's own). A workbook saved again by LibreOffice holds them as 1/0: read back, they are
booleans again, so that both runs show them alike."""
_TRUE_WORDS, _FALSE_WORDS = {"true", "yes"}, {"false", "no"}


def as_boolean(v: Any) -> Any:
    """``v`` as True or False where it is a boolean written another way (1/0, 1.0/0.0, TRUE/FALSE
    or yes/no text); anything else (a blank, another number, text) as it is."""
    if v is None or isinstance(v, bool):
        return v
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()  # numpy scalar
        if isinstance(v, bool):
            return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().casefold() in _TRUE_WORDS | _FALSE_WORDS:
        return v.strip().casefold() in _TRUE_WORDS
    return v


def _is_boolean_like(values: pd.Series) -> bool:
    """Every non-blank value is a boolean, written as one or as 1/0 or TRUE/FALSE."""
    present = [v for v in values if not (v is None or (isinstance(v, float) and pd.isna(v)))]
    return bool(present) and all(isinstance(as_boolean(v), bool) for v in present)


def with_booleans(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``BOOLEAN_COLUMNS`` as booleans where every value reads as one (blanks
    stay blank)."""
    fix = [c for c in table.columns if c in BOOLEAN_COLUMNS and _is_boolean_like(table[c])]
    if not fix:
        return table
    table = table.copy()
    for c in fix:
        converted = [as_boolean(v) for v in table[c]]
        if all(isinstance(v, bool) for v in converted):
            table[c] = pd.Series(converted, index=table.index, dtype=bool)
        else:
            table[c] = pd.Series(converted, index=table.index, dtype=object)
    return table


def _same_kind(a: Any, b: Any) -> tuple[Any, Any]:
    """A pair of values shown alike: where one is a boolean and the other a boolean written as
    1/0 or TRUE/FALSE (a Summary value of a workbook saved by LibreOffice), both as booleans."""
    if isinstance(a, bool) or isinstance(b, bool):
        x, y = as_boolean(a), as_boolean(b)
        if isinstance(x, bool) and isinstance(y, bool):
            return x, y
    return a, b


def horizon_totals(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A results workbook as the comparison reads it: without periods, unchanged; with them,
    Costs as each component's total over the horizon, a ``YearlyCost`` table (``period``,
    ``yearly_cost``: the sum of that period's Costs ``yearly_value``), and every other sheet with
    its ``period`` column (each period compared with the same period of the other run)."""
    costs = sheets["Costs"]
    if "period" not in costs.columns:
        return sheets
    out = dict(sheets)
    out["Costs"] = costs[costs["period"].astype(str) == "total"][["component", "value"]].reset_index(drop=True)
    per = costs[costs["period"].astype(str) != "total"]
    yearly = per.groupby("period", sort=False)["yearly_value"].sum()
    out["YearlyCost"] = pd.DataFrame({"period": list(yearly.index), "yearly_cost": list(yearly.values)})
    return out


def _has_periods(sheets: dict[str, pd.DataFrame]) -> bool:
    return "YearlyCost" in sheets


def last_period(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A plan over periods (as ``horizon_totals`` reads it) cut to its last period (the design
    the build-out reaches), for a comparison with a run without periods: every sheet with a
    ``period`` column as its rows of the last period, without that column; Costs stay the totals
    over the horizon. Without periods, unchanged."""
    if not _has_periods(sheets):
        return sheets
    out = {k: v for k, v in sheets.items() if k != "YearlyCost"}
    last = max(sheets["YearlyCost"]["period"])
    for name, table in sheets.items():
        if name not in ("Costs", "YearlyCost") and "period" in table.columns:
            out[name] = table[table["period"] == last].drop(columns="period").reset_index(drop=True)
    return out


def compare_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Side-by-side tables: each keeps A and B columns and a ``changed`` flag per row (a row in one
    run only is changed, ``present`` says which).

    The Summary (every metric of either run, settings first), Costs (each component and the
    total, with the difference), and each family's tables as its ``compare`` sets them side by
    side (sites matched by name, unmet demand, flows, stocks, the caps of concern supply, the
    crises' service; ties of equally cheap routings flagged ``equally_cheap``).

    Two plans over periods are matched period by period (``period`` is part of every key, and
    ``CostPerPeriod`` sets their yearly costs side by side). A plan over periods against one
    without: its last period."""
    out: dict[str, pd.DataFrame] = {}
    if _has_periods(a) and _has_periods(b):
        pk = ["period"]
        yearly = a["YearlyCost"].merge(b["YearlyCost"], on="period", how="outer", suffixes=("_A", "_B"))
        out["CostPerPeriod"] = yearly
    else:
        pk = []
        a, b = last_period(a), last_period(b)
    out["Summary"] = _summary(a["Summary"], b["Summary"])
    ca = a["Costs"].set_index("component")["value"]
    cb = b["Costs"].set_index("component")["value"]
    comps = list(dict.fromkeys([*ca.index, *cb.index]))
    costs = pd.DataFrame(
        {"component": comps, "A": [ca.get(c, 0.0) for c in comps], "B": [cb.get(c, 0.0) for c in comps]}
    )
    costs.loc[len(costs)] = ["total", costs["A"].sum(), costs["B"].sum()]
    costs["difference"] = costs["B"] - costs["A"]
    out["Costs"] = costs
    for family in REPORTING:
        if hasattr(family, "compare"):
            out |= family.compare(a, b, pk)
    out = {name: out[name] for name in _in_order(out)}
    for df in out.values():
        pairs = _pairs(df)
        df["changed"] = [
            any(differs(row[x], row[y]) for x, y in pairs) or row.get("present", "both") != "both"
            for _, row in df.iterrows()
        ]
    return out


def _summary(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The Summary side by side, every metric of either run (``present``: both, only in A, only in
    B: a new scenario's rows, a setting one run lacks), setting rows (``setting.``) first: a moved
    cap is the first thing to know. Seconds are left out (they always differ)."""
    sa = a.drop_duplicates("metric").set_index("metric")["value"]
    sb = b.drop_duplicates("metric").set_index("metric")["value"]
    metrics = [m for m in union(list(sa.index), list(sb.index)) if not str(m).startswith("seconds.")]
    metrics = [m for m in metrics if str(m).startswith("setting.")] + [
        m for m in metrics if not str(m).startswith("setting.")
    ]
    pairs = [_same_kind(sa.get(m), sb.get(m)) for m in metrics]
    return pd.DataFrame(
        {
            "metric": metrics,
            "present": [presence(m in sa.index, m in sb.index) for m in metrics],
            "A": pd.Series([x for x, _ in pairs], dtype=object),
            "B": pd.Series([y for _, y in pairs], dtype=object),
        }
    )


def _in_order(names: dict[str, pd.DataFrame]) -> list[str]:
    """The comparison's sheets: the costs per period and the Summary and Costs first, then the
    families' in the results workbook's order (``sheet_order``)."""
    first = [n for n in ("CostPerPeriod", "Summary", "Costs") if n in names]
    return [*first, *sheet_order(n for n in names if n not in first)]


COMPARED_UNITS = {"difference": "money", "yearly_cost_A": "money", "yearly_cost_B": "money"}
"""Units of the comparison's own columns: the Costs difference and the yearly cost per period."""


def _pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    if "A" in df.columns:
        return [("A", "B")]
    return [(c, c[:-2] + "_B") for c in df.columns if c.endswith("_A") and c[:-2] + "_B" in df.columns]


def _in_periods(lines: list[tuple[str, Any]], periods: list[Any]) -> list[str]:
    """Lines (text, period) with the same text said once, with the periods they hold in:
    ``(in 2025)``, ``(in 2027, 2030)``, ``(in every period)``; a line without a period as is."""
    by_text: dict[str, list[Any]] = {}
    for text, period in lines:
        by_text.setdefault(text, []).append(period)
    out = []
    for text, ps in by_text.items():
        ps = [p for p in dict.fromkeys(ps) if p is not None and p == p]
        if not ps:
            out.append(text)
        elif len(periods) > 1 and len(ps) == len(periods):
            out.append(f"{text} (in every period)")
        else:
            out.append(f"{text} (in {', '.join(str(p) for p in ps)})")
    return out


def differences(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The differences in words, for the console: the settings that moved first (a cap from 1
    to 0.8 is the first thing a planner wants to know), then costs, then the design (sites new
    or removed, built or closed, modules, capacity, reserve, production), unmet demand, stocks,
    scenario service (a scenario in one run only named as such), and concern shares and caps
    (and their basis) where they are not ties; equally cheap routings are counted, not listed,
    and two runs that differ only by them are said to. Two plans over periods: the cost over
    the horizon, each period's yearly cost, and every other difference with the periods it
    holds in."""
    lines: list[str] = _setting_lines(tables.get("Summary"))
    costs = tables["Costs"]
    per_period = tables.get("CostPerPeriod")
    total = costs[costs["component"] == "total"].iloc[0]
    what = "total cost over the horizon" if per_period is not None else "total yearly cost"
    if differs(total["A"], total["B"]):
        pct = (total["B"] - total["A"]) / total["A"] if total["A"] else float("nan")
        lines.append(f"{what} {total['A']:,.2f} -> {total['B']:,.2f} ({pct:+.2%})")
        for r in costs[costs["component"] != "total"].itertuples():
            if differs(r.A, r.B):
                lines.append(f"  {r.component}: {r.A:,.2f} -> {r.B:,.2f} ({r.B - r.A:+,.2f})")
    periods: list[Any] = []
    if per_period is not None:
        periods = list(per_period["period"])
        for r in per_period.itertuples():
            if differs(r.yearly_cost_A, r.yearly_cost_B):
                lines.append(f"  yearly cost in {r.period}: {num(r.yearly_cost_A)} -> {num(r.yearly_cost_B)}")
    found: list[tuple[str, Any]] = []  # (text, period)
    cap_only: list[tuple[str, Any]] = []
    ties: list[tuple[str, Any]] = []
    kinds = {"": found, "cap": cap_only, "tie": ties}
    for family in REPORTING:
        if hasattr(family, "changes"):
            for change in family.changes(tables):
                kinds[change.kind].append((change.text, change.period))
    lines += _in_periods(found + cap_only, periods)
    tie_names = _in_periods(ties, periods)
    if tie_names:
        if not lines:
            lines.append(
                "The two runs differ only by equally cheap routings: the same design and costs; the concern "
                f"share moved, at the same cost of supply, in {', '.join(tie_names)}."
            )
        else:
            lines.append(
                f"{len(tie_names)} concern share{'s' if len(tie_names) != 1 else ''} moved by an equally cheap routing "
                f"(the same cost of supplying that market in both runs; not a change of plan): {', '.join(tie_names)}"
            )
    return lines


def _shown(v: Any) -> str:
    """A Summary value for the console: TRUE/FALSE for a boolean (as in the workbooks), a number
    as typed (0.8, 120), text as it is, "-" for a blank."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return f"{v:g}"
    return str(v)


def _setting_lines(summary: pd.DataFrame | None) -> list[str]:
    """The settings that differ (the Summary's ``setting.`` rows), one line each, for the top of
    the differences: ``setting dependency_cap: 1 -> 0.8``; a setting one run lacks says so."""
    if summary is None or "present" not in summary.columns:
        return []
    lines = []
    for r in summary.itertuples():
        metric = str(r.metric)
        if not metric.startswith("setting."):
            continue
        name = metric.removeprefix("setting.")
        if r.present == "only in A":
            lines.append(f"setting {name}: {_shown(r.A)} in A, not given in B")
        elif r.present == "only in B":
            lines.append(f"setting {name}: not given in A, {_shown(r.B)} in B")
        elif differs(r.A, r.B):
            lines.append(f"setting {name}: {_shown(r.A)} -> {_shown(r.B)}")
    return lines


def write_comparison(a_path: Path, b_path: Path, out: Path) -> tuple[Path, list[str]]:
    """Write the comparison workbook (changed cells highlighted); return its path and the differences."""
    tables = compare_tables(read_results(Path(a_path)), read_results(Path(b_path)))

    def fill(book: Book) -> None:
        readme = book.wb.add_worksheet("Compare")
        readme.write_row(0, 0, ["A", str(Path(a_path).resolve())])
        readme.write_row(1, 0, ["B", str(Path(b_path).resolve())])
        readme.write_row(2, 0, ["", "Rows that differ are marked changed = TRUE; the differing cells are highlighted."])
        readme.set_column(1, 1, 90)
        for name, df in tables.items():
            book.table(name, df, _changed_cells(name, df), column_format(name, compared=True, units=COMPARED_UNITS))

    return save_atomically(fill, Path(out)), differences(tables)


def _changed_cells(name: str, df: pd.DataFrame) -> CellStyle:
    """The A/B cells that differ (and a Costs difference that is not 0), filled in yellow."""
    marked: set[tuple[int, str]] = set()
    pairs = _pairs(df)
    for i, (_, row) in enumerate(df.iterrows()):
        for x, y in pairs:
            if differs(row[x], row[y]):
                marked.update({(i, x), (i, y)})
        if name == "Costs" and differs(row["A"], row["B"]):
            marked.add((i, "difference"))
    return lambda i, col: (None, CHANGED_FILL) if (i, col) in marked else None
